"""The event log and the notices issued: records that are written once and never changed."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from casework.clock import now
from casework.models.base import Base, BigId, UTCDateTime


class Event(Base):
    """Something that happened to a case, who did it and when. Append-only."""

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_case_id_id", "case_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    type: Mapped[str] = mapped_column(String(60))
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now)
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor: Mapped[str] = mapped_column(String(300))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The tamper-evident chain (workflows/audit.py): this event's hash, over its content and
    # the previous event's hash in its case's chain.
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64))


class AuditAnchor(Base):
    """One digest a day over every chain's latest hash, published on the register, so the
    record as it stood that day cannot be rewritten unnoticed."""

    __tablename__ = "audit_anchors"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, unique=True)
    up_to_event_id: Mapped[int] = mapped_column(BigId)
    chains: Mapped[int] = mapped_column()
    digest: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now)


class Notice(Base):
    """A notice as it was issued: rendered once, as text and HTML, and kept as sent."""

    __tablename__ = "notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(60))
    recipient_role: Mapped[str] = mapped_column(String(30))
    recipient: Mapped[str] = mapped_column(String(300))
    recipient_email: Mapped[str | None] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    citation: Mapped[str] = mapped_column(String(200))
    public: Mapped[bool] = mapped_column(Boolean, default=False)
    issued_on: Mapped[dt.date] = mapped_column(Date)
    event_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("events.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now)
