"""The public register's read side: queries shared by the API, the pages and the feeds."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, or_, select

from casework.models import AssetTransferRequest, Case, LandEntry, RegisterRecord
from casework.models.register import DECISION_DOCUMENTS

# The case and its land, read through the record's case as plain tables, so the case's title
# and the land's name and address are searched in the same query without loading the case.
# A participation request has no land: the outer joins give NULL.
_cases = Case.__table__
_transfers = AssetTransferRequest.__table__
_land = LandEntry.__table__


def _like(word: str) -> str:
    return "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


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
    words = (args.get("q") or "").split()
    if words:
        # One query: every word must be found in one of the record's, case's or land's
        # columns (full-text search is for later).
        q = (
            q.join(_cases, _cases.c.id == RegisterRecord.case_id)
            .outerjoin(_transfers, _transfers.c.id == RegisterRecord.case_id)
            .outerjoin(_land, _land.c.id == _transfers.c.land_id)
        )
        searched = (
            RegisterRecord.title,
            RegisterRecord.reference,
            RegisterRecord.body_name,
            RegisterRecord.authority_name,
            RegisterRecord.text,
            _cases.c.title,
            _transfers.c.land_description,
            _land.c.name,
            _land.c.address,
        )
        for word in words:
            pattern = _like(word)
            q = q.where(or_(*(c.ilike(pattern, escape="\\") for c in searched)))
    order = {
        "newest": (RegisterRecord.published_at.desc(), RegisterRecord.id.desc()),
        "oldest": (RegisterRecord.published_at, RegisterRecord.id),
        "authority": (RegisterRecord.authority_name, RegisterRecord.published_at.desc()),
    }[args.get("sort") or "newest"]
    return q.order_by(*order)


def permalink(base_url: str, record: RegisterRecord) -> str:
    return f"{base_url}/register/{record.id}"
