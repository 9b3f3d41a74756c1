"""The public register's read side: queries shared by the API, the pages and the feeds.

A record is a case's document, or an authority's annual report (s.32, s.95), which has no
case. A corrected report is a new version with a record of its own: the listings show the
latest version of each report, and every earlier one keeps its own address."""

from __future__ import annotations

from typing import Any

from flask import url_for
from sqlalchemy import Select, exists, or_, select
from sqlalchemy.orm import Session, aliased

from casework import annual_reports as ar
from casework.kinds import KINDS
from casework.models import AnnualReport, AssetTransferRequest, Case, LandEntry, RegisterRecord
from casework.models.register import REPORT_DOCUMENT

# The case and its land, read through the record's case as plain tables, so the case's title
# and the land's name and address are searched in the same query without loading the case.
# A participation request has no land: the outer joins give NULL.
_cases = Case.__table__
_transfers = AssetTransferRequest.__table__
_land = LandEntry.__table__


def _like(word: str) -> str:
    return "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def report_reference(report: AnnualReport) -> str:
    """A report's reference on the register: the authority, the kind and the reporting
    year, e.g. FIFE-PR-2026-27 for 1 April 2026 to 31 March 2027 (every version shares it)."""
    first, last = ar.reporting_year(report.kind, report.year)
    return f"{report.authority.code}-{KINDS[report.kind].prefix}-{first.year}-{last.year % 100:02d}"


def _latest_only(q: Select) -> Select:
    """Leave out each report's earlier versions: a record of a report is listed only while
    no later version of that report is on the register."""
    mine, later, later_report = (
        aliased(AnnualReport),
        aliased(RegisterRecord),
        aliased(AnnualReport),
    )
    newer = (
        exists()
        .where(
            later.report_id == later_report.id,
            later.reference == RegisterRecord.reference,
            later.document == REPORT_DOCUMENT,
            later_report.version > mine.version,
        )
        .correlate(RegisterRecord, mine)
    )
    return q.outerjoin(mine, mine.id == RegisterRecord.report_id).where(
        or_(RegisterRecord.report_id.is_(None), ~newer)
    )


def query(args: dict[str, Any], *, documents: tuple[str, ...] | None) -> Select:
    """The records the filters choose, among `documents` (None: every document)."""
    q = _latest_only(select(RegisterRecord))
    if documents is not None:
        q = q.where(RegisterRecord.document.in_(documents))
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
        # columns (full-text search is for later). A report has no case: outer joins.
        q = (
            q.outerjoin(_cases, _cases.c.id == RegisterRecord.case_id)
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


def report_permalink(base_url: str, report: AnnualReport) -> str:
    """The published report's own page, at the version this record publishes."""
    path = url_for(
        "reports.published",
        code=report.authority.code,
        kind=report.kind,
        year=report.year,
        version=report.version,
    )
    return f"{base_url}{path}"


def versions(session: Session, record: RegisterRecord) -> list[RegisterRecord]:
    """Every published version of the report a record publishes, the earliest first."""
    if record.report_id is None:
        return [record]
    return list(
        session.scalars(
            select(RegisterRecord)
            .join(AnnualReport, AnnualReport.id == RegisterRecord.report_id)
            .where(
                RegisterRecord.document == REPORT_DOCUMENT,
                RegisterRecord.reference == record.reference,
            )
            .order_by(AnnualReport.version, RegisterRecord.id)
        )
    )


def later_version(session: Session, record: RegisterRecord) -> RegisterRecord | None:
    """The latest version of the record's report, if a later one has been published."""
    latest = versions(session, record)[-1]
    return None if latest.id == record.id else latest
