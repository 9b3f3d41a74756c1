"""Paginated lists: one query for the page and one count, whatever the page size; and the
lists read by cursor (casework.paging), with the addresses of their neighbours."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import request
from marshmallow import post_load
from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session

from casework import paging
from casework.context import services
from casework.schemas.common import PageSchema


def paginate(
    session: Session, query: Select, page: int, page_size: int, *, scalars: bool = True
) -> dict[str, Any]:
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = session.execute(query.limit(page_size).offset((page - 1) * page_size))
    items = list(rows.scalars().unique()) if scalars else list(rows.unique())
    return {"items": items, "page": page, "page_size": page_size, "total": total}


def address(cursor: str | None) -> str | None:
    """This listing's address with the same filters, at `cursor` (the page number left
    out: links are cursors)."""
    if cursor is None:
        return None
    kept = [(k, v) for k, v in request.args.items(multi=True) if k not in ("page", "cursor")]
    query = urlencode([*kept, ("cursor", cursor)])
    return f"{services().settings.base_url}{request.path}?{query}"


BY_ID = "id"  # the sort of a list read oldest first, by id


class CursorPageSchema(PageSchema):
    """A list read oldest first by id: `page` (the old way) or `cursor`, from a `Link`."""

    cursor = paging.CursorField(
        metadata={
            "description": "where a page starts: take it from the response's Link header "
            '(rel="next" or rel="prev"); an altered cursor is a 422. Given a cursor, page '
            "is not read"
        }
    )

    @post_load
    def _cursor(self, data: dict[str, Any], **_) -> dict[str, Any]:
        if data.get("cursor") is not None:
            key = paging.Key(None, BY_ID, False, paging.read_int)  # type: ignore[arg-type]
            data["cursor"] = paging.checked(data["cursor"], BY_ID, [key])
        return data


def by_id(
    session: Session, query: Select, id_column: ColumnElement[Any], args: dict[str, Any]
) -> tuple[list[Any], dict[str, str]]:
    """One page of `query`'s entities, oldest first by `id_column`, from the cursor (or the
    page number), and the `Link` header (RFC 8288) to the next and previous pages: a page
    costs the same however deep it is."""
    keys = [paging.Key(id_column, BY_ID, False, paging.read_int)]
    found = paging.fetch(
        session,
        query,
        keys,
        sort=BY_ID,
        size=args["page_size"],
        cursor=args.get("cursor"),
        page=args["page"],
        whole=True,
    )
    rows = [r[0] for r in found.rows]
    links = [
        f'<{address(c.encode())}>; rel="{rel}"'
        for rel, c in (("next", found.next), ("prev", found.prev))
        if c is not None
    ]
    return rows, ({"Link": ", ".join(links)} if links else {})
