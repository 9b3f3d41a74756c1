"""The public register's read side: queries shared by the API, the pages and the feeds."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, or_, select

from casework.models import RegisterRecord
from casework.models.register import DECISION_DOCUMENTS


def query(args: dict[str, Any], *, decisions_only: bool) -> Select:
    q = select(RegisterRecord)
    if decisions_only:
        q = q.where(RegisterRecord.document.in_(DECISION_DOCUMENTS))
    if args.get("authority"):
        q = q.where(RegisterRecord.authority_code == args["authority"].upper())
    if args.get("kind"):
        q = q.where(RegisterRecord.kind == args["kind"])
    if args.get("outcome"):
        q = q.where(RegisterRecord.outcome == args["outcome"])
    if args.get("document"):
        q = q.where(RegisterRecord.document == args["document"])
    if args.get("reference"):
        q = q.where(RegisterRecord.reference == args["reference"])
    if args.get("date_from"):
        q = q.where(RegisterRecord.issued_on >= args["date_from"])
    if args.get("date_to"):
        q = q.where(RegisterRecord.issued_on <= args["date_to"])
    for word in (args.get("q") or "").split():
        pattern = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        q = q.where(
            or_(
                RegisterRecord.title.ilike(pattern, escape="\\"),
                RegisterRecord.body_name.ilike(pattern, escape="\\"),
                RegisterRecord.reference.ilike(pattern, escape="\\"),
            )
        )
    order = {
        "newest": (RegisterRecord.published_at.desc(), RegisterRecord.id.desc()),
        "oldest": (RegisterRecord.published_at, RegisterRecord.id),
        "authority": (RegisterRecord.authority_name, RegisterRecord.published_at.desc()),
    }[args.get("sort") or "newest"]
    return q.order_by(*order)


def permalink(base_url: str, record: RegisterRecord) -> str:
    return f"{base_url}/register/{record.id}"
