"""Paginated lists: one query for the page and one count, whatever the page size."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session


def paginate(
    session: Session, query: Select, page: int, page_size: int, *, scalars: bool = True
) -> dict[str, Any]:
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = session.execute(query.limit(page_size).offset((page - 1) * page_size))
    items = list(rows.scalars().unique()) if scalars else list(rows.unique())
    return {"items": items, "page": page, "page_size": page_size, "total": total}
