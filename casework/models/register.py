"""The public register: a redacted read model of every published document.

Written by the publication actor when the law says a document is published; read by the
public API, pages and feeds. It holds no personal data of private individuals.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.clock import now
from casework.models.base import Base, BigId, UTCDateTime
from casework.models.reports import AnnualReport

# Documents that record a decision: the decision register lists these.
DECISION_DOCUMENTS = ("decision_notice", "review_outcome", "appeal_outcome")
# An authority's annual report (s.32, s.95): a document of the authority, not of a case.
REPORT_DOCUMENT = "annual_report"
# A version of a report that a later version has corrected: still at its own address, but
# not listed. Marked in `document`, which every listing index leads with or filters on,
# so "the latest version only" costs no join and a count can read the index alone.
SUPERSEDED_REPORT = "annual_report_superseded"
# What the public register lists: the decisions, and the reports on how requests were
# dealt with (each report's latest published version only).
REGISTER_DOCUMENTS = (*DECISION_DOCUMENTS, REPORT_DOCUMENT)
DOCUMENT_LABELS = {
    "decision_notice": "Decision notice",
    "review_outcome": "Review outcome",
    "appeal_outcome": "Appeal outcome",
    REPORT_DOCUMENT: "Annual report",
    SUPERSEDED_REPORT: "Annual report, corrected by a later version",
}


# Search reads these too, but they are not the model's: on PostgreSQL a stored tsvector
# column of register_records with a GIN index, on SQLite an FTS5 table and its shadow
# tables, kept in step by triggers (migration 0013). Comparing the models with the
# database leaves them out.
SEARCH_COLUMNS = frozenset({"search_vector"})
# The sort by authority reads (authority_name, published_at DESC, id DESC): an index with
# mixed directions, which the migration makes but SQLite cannot describe back to a model.
SEARCH_INDEXES = frozenset({"ix_register_search", "ix_register_by_authority"})
SEARCH_TABLES = frozenset(
    {"register_search"} | {f"register_search_{s}" for s in ("data", "idx", "docsize", "config")}
)


class RegisterRecord(Base):
    """Every filter the register offers has an index that leads with it and ends in the
    sort (published_at, id), so a page is a range scan of one index whatever its depth;
    the sort by authority has its own (ix_register_by_authority, made by migration 0013)."""

    __tablename__ = "register_records"
    __table_args__ = (
        Index("ix_register_published", "published_at", "id"),
        Index("ix_register_authority_published", "authority_code", "published_at", "id"),
        Index("ix_register_document_published", "document", "published_at", "id"),
        Index("ix_register_kind_published", "kind", "published_at", "id"),
        Index("ix_register_outcome_published", "outcome", "published_at", "id"),
        Index("ix_register_issued", "issued_on", "id"),
        Index("ix_register_reference", "reference", "document"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(BigId, ForeignKey("events.id"), unique=True)
    # A case's document, or an authority's published annual report (then case_id is None).
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    report_id: Mapped[int | None] = mapped_column(ForeignKey("annual_reports.id"))
    reference: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(40))
    document: Mapped[str] = mapped_column(String(60))
    title: Mapped[str] = mapped_column(String(300))
    request_title: Mapped[str | None] = mapped_column(String(200))  # the body's own title
    authority_code: Mapped[str] = mapped_column(String(16))
    authority_name: Mapped[str] = mapped_column(String(200))
    body_name: Mapped[str] = mapped_column(String(200))
    outcome: Mapped[str | None] = mapped_column(String(30))
    issued_on: Mapped[dt.date] = mapped_column(Date)
    citation: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    published_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now)
    # What search needs that the record does not hold itself (the land's name and address,
    # and the body's description of it), written when the record is published so that a
    # search never joins the case or the land (casework.register.search_text).
    search_text: Mapped[str] = mapped_column(Text, default="", server_default="")

    # The version of the report this record publishes, loaded with a page of records in
    # one more query, so each can link to the report's own permalink.
    report: Mapped[AnnualReport | None] = relationship(lazy="selectin")
