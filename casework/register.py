"""The public register's read side: queries shared by the API, the pages and the feeds.

A record is a case's document, or an authority's annual report (s.32, s.95), which has no
case. A corrected report is a new version with a record of its own: the listings show the
latest version of each report, and every earlier one keeps its own address."""

from __future__ import annotations

import re
from typing import Any

from flask import url_for
from sqlalchemy import (
    ColumnElement,
    Float,
    Integer,
    Select,
    cast,
    column,
    func,
    literal_column,
    select,
    table,
)
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Session

from casework import annual_reports as ar
from casework import paging
from casework.kinds import KINDS
from casework.models import AnnualReport, RegisterRecord
from casework.models.register import REPORT_DOCUMENT, SUPERSEDED_REPORT

# How search reads a query: its terms (what spaces part), every one needed. A term is its
# letters and digits, so nothing typed is read as search syntax; a word is a prefix
# ("hall" finds "halls"), and a term of several parts is a phrase, its last part a prefix
# ("PR-FIFE-2026-0001" finds that reference, not every record with "pr" and "2026").
WORD = re.compile(r"[^\W_]+")
# Sorts the register offers, each a key ending in the id (the tiebreaker).
SORTS = ("newest", "oldest", "authority", "relevance")
# The PostgreSQL search vector (a stored column the migration adds) and the SQLite FTS5
# table kept in step with register_records by triggers: see migration 0013.
_vector = literal_column("register_records.search_vector", TSVECTOR)
SEARCH_TABLE = "register_search"
_fts = table(SEARCH_TABLE, column("rowid", Integer))


def words(q: str | None) -> list[list[str]]:
    """The query's terms, each a list of its words; terms with no letter or digit go."""
    terms = (WORD.findall(term) for term in (q or "").lower().split())
    return [t for t in terms if t]


def search_text(case: Any) -> str:
    """What search needs that the record does not hold itself: for an asset transfer
    request, the land's name and address and the body's own description of it. Written on
    the record when it is published, so a search never joins the case or the land."""
    land = getattr(case, "land", None)
    parts = [
        land.name if land is not None else "",
        land.address if land is not None else "",
        getattr(case, "land_description", "") or "",
    ]
    return " ".join(p.strip() for p in parts if p and p.strip())


def _matching(
    q: Select, found: list[list[str]], dialect: str
) -> tuple[Select, ColumnElement[float]]:
    """Records with every word (as a prefix) in their title, reference, request title,
    body, authority, land or text, and how well each matches (higher is better)."""
    if dialect == "sqlite":
        match = " ".join('"' + " ".join(term) + '"*' for term in found)
        # bm25 is lower for a better match; its weights follow the columns of the table.
        rank = -func.bm25(literal_column(SEARCH_TABLE), 8.0, 8.0, 6.0, 4.0, 4.0, 4.0, 1.0)
        q = q.join(_fts, _fts.c.rowid == RegisterRecord.id).where(
            literal_column(SEARCH_TABLE).match(match)
        )
        return q, cast(rank, Float)
    text = " & ".join("(" + " <-> ".join(term) + ":*)" for term in found)
    tsquery = func.to_tsquery(literal_column("'simple'"), text)
    rank = cast(func.ts_rank(_vector, tsquery), Float(precision=53))
    return q.where(_vector.op("@@")(tsquery)), rank


def sort_of(args: dict[str, Any]) -> str:
    """The sort asked for. By authority within one authority is newest first; by
    relevance with no words to match is newest first too."""
    sort = args.get("sort") or "newest"
    if sort == "authority" and args.get("authority"):
        return "newest"
    if sort == "relevance" and not words(args.get("q")):
        return "newest"
    return sort


def keys(sort: str, rank: ColumnElement[float] | None = None) -> list[paging.Key]:
    """The sort's key, the id last so that no two records tie."""
    published = paging.Key(RegisterRecord.published_at, "published_at", True, paging.read_datetime)
    last = paging.Key(RegisterRecord.id, "id", True, paging.read_int)
    if sort == "oldest":
        return [published.flipped(), last.flipped()]
    if sort == "authority":
        by_name = paging.Key(
            RegisterRecord.authority_name, "authority_name", False, paging.read_str
        )
        return [by_name, published, last]
    if sort == "relevance" and rank is not None:
        return [paging.Key(rank, "rank", True, paging.read_float), last]
    return [published, last]


def filtered(
    args: dict[str, Any], *, documents: tuple[str, ...] | None, dialect: str
) -> tuple[Select, list[paging.Key]]:
    """The records the filters choose, among `documents` (None: every document), not yet
    ordered, and the key of the sort asked for."""
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
    rank = None
    found = words(args.get("q"))
    if found:
        q, rank = _matching(q, found, dialect)
    return q, keys(sort_of(args), rank)


def query(args: dict[str, Any], *, documents: tuple[str, ...] | None, dialect: str) -> Select:
    """The records the filters choose, in the order asked for: every one of them (the
    CSV), or the first few (with `.limit`)."""
    q, key = filtered(args, documents=documents, dialect=dialect)
    return q.order_by(*(k.order() for k in key))


def page(
    session: Session,
    args: dict[str, Any],
    *,
    documents: tuple[str, ...] | None,
    size: int,
    count: bool = True,
) -> dict[str, Any]:
    """One page of the register, read by cursor (or by the old page number), with its
    bounded count: each page costs the same however deep it is."""
    q, key = filtered(args, documents=documents, dialect=session.get_bind().dialect.name)
    sort = sort_of(args)
    cursor = args.get("cursor")  # a paging.Cursor: the query's schema checked it
    found = paging.fetch(
        session, q, key, sort=sort, size=size, cursor=cursor, page=args.get("page") or 1
    )
    ids = [row._mapping["id"] for row in found.rows]
    by_id = {
        r.id: r for r in session.scalars(select(RegisterRecord).where(RegisterRecord.id.in_(ids)))
    }
    total, exact = paging.count(session, q, RegisterRecord.id) if count else (0, False)
    return {
        "items": [by_id[i] for i in ids],
        "page": found.page,
        "page_size": size,
        "total": total,
        "total_exact": exact,
        "next_cursor": found.next.encode() if found.next else None,
        "prev_cursor": found.prev.encode() if found.prev else None,
    }


def report_reference(report: AnnualReport) -> str:
    """A report's reference on the register: the authority, the kind and the reporting
    year, e.g. FIFE-PR-2026-27 for 1 April 2026 to 31 March 2027 (every version shares it)."""
    first, last = ar.reporting_year(report.kind, report.year)
    return f"{report.authority.code}-{KINDS[report.kind].prefix}-{first.year}-{last.year % 100:02d}"


def _latest_only(q: Select) -> Select:
    """Leave out each report's earlier versions: publishing a correction marks the records
    of the versions before it (notifications.publish), so this is a filter on an indexed
    column, not a join."""
    return q.where(RegisterRecord.document != SUPERSEDED_REPORT)


def permalink(base_url: str, record: RegisterRecord) -> str:
    return record_url(base_url, record.id)


def record_url(base_url: str, record_id: int) -> str:
    """A record's stable address, from its id alone (the CSV reads plain rows)."""
    return f"{base_url}/register/{record_id}"


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
                RegisterRecord.document.in_((REPORT_DOCUMENT, SUPERSEDED_REPORT)),
                RegisterRecord.reference == record.reference,
            )
            .order_by(AnnualReport.version, RegisterRecord.id)
        )
    )


def later_version(session: Session, record: RegisterRecord) -> RegisterRecord | None:
    """The latest version of the record's report, if a later one has been published."""
    latest = versions(session, record)[-1]
    return None if latest.id == record.id else latest
