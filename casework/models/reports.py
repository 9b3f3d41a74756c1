"""Annual reports (s.32, s.95): one row per version of an authority's report for a year."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.clock import now
from casework.models.base import Base, UTCDateTime
from casework.models.parties import Authority


class AnnualReport(Base):
    """The figures are worked out from the event log while the report is a draft, and kept
    as they were published once it is; `lock` guards against two people's edits."""

    __tablename__ = "annual_reports"
    __table_args__ = (
        UniqueConstraint("authority_id", "kind", "year", "version", name="uq_annual_report"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    authority_id: Mapped[int] = mapped_column(ForeignKey("authorities.id"))
    kind: Mapped[str] = mapped_column(String(40))
    year: Mapped[int] = mapped_column(Integer)  # the reporting year beginning 1 April `year`
    version: Mapped[int] = mapped_column(Integer, default=1)
    state: Mapped[str] = mapped_column(String(20), default="draft")
    promotion: Mapped[str] = mapped_column(Text, default="")
    support: Mapped[str] = mapped_column(Text, default="")
    correction_note: Mapped[str] = mapped_column(Text, default="")
    figures: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now)
    lock: Mapped[int] = mapped_column(Integer, nullable=False)

    authority: Mapped[Authority] = relationship(lazy="joined")

    __mapper_args__ = {"version_id_col": lock}
