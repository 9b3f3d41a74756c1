"""The tables the event pipeline keeps. They share the service's metadata, so the same
Alembic migrations make them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from casework.clock import now
from casework.models.base import Base, BigId, UTCDateTime


class EventOutbox(Base):
    """One row per (event, subscriber): written with the event, done when the subscriber's
    work is committed. The row is the idempotency key, so a redelivered message finds it
    done and does nothing. Events themselves are never updated."""

    __tablename__ = "event_outbox"
    __table_args__ = (Index("ix_event_outbox_pending", "done_at", "failed_at", "dispatched_at"),)

    event_id: Mapped[int] = mapped_column(BigId, ForeignKey("events.id"), primary_key=True)
    subscriber: Mapped[str] = mapped_column(String(60), primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now)
    dispatched_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    dispatches: Mapped[int] = mapped_column(Integer, default=0)
    done_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    failed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(Text)


class EmailRecord(Base):
    """Proof of service: what was sent to whom, its Message-ID, and when the server took it."""

    __tablename__ = "emails"
    __table_args__ = (UniqueConstraint("event_id", "recipient"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(BigId, ForeignKey("events.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    notice_id: Mapped[int | None] = mapped_column(ForeignKey("notices.id"))
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    message_id: Mapped[str] = mapped_column(String(300), unique=True)
    accepted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    transport: Mapped[str] = mapped_column(String(20))


class FailedJob(Base):
    """A message whose retries ran out, kept so it can be inspected and run again."""

    __tablename__ = "failed_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(String(64), unique=True)
    queue: Mapped[str] = mapped_column(String(60))
    actor: Mapped[str] = mapped_column(String(100))
    args: Mapped[list[Any]] = mapped_column(JSON)
    kwargs: Mapped[dict[str, Any]] = mapped_column(JSON)
    error: Mapped[str] = mapped_column(Text)
    failed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now)
    retried_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class Reminder(Base):
    """A reminder or escalation sent for one deadline. The unique key makes each one go out
    exactly once, however often the sweep runs."""

    __tablename__ = "reminders"
    __table_args__ = (UniqueConstraint("deadline_id", "kind", "offset_days", "due_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    deadline_id: Mapped[int] = mapped_column(ForeignKey("deadlines.id"))
    kind: Mapped[str] = mapped_column(String(20))  # reminder or overdue
    offset_days: Mapped[int] = mapped_column(Integer)
    due_date: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now)


class ReportReminder(Base):
    """A reminder or escalation sent for one authority's annual report for one year
    (s.32(4), s.95(4)): the unique key makes each go out exactly once."""

    __tablename__ = "report_reminders"
    __table_args__ = (UniqueConstraint("authority_id", "kind", "year", "stage", "offset_days"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    authority_id: Mapped[int] = mapped_column(ForeignKey("authorities.id"))
    kind: Mapped[str] = mapped_column(String(40))  # participation or asset transfer report
    year: Mapped[int] = mapped_column(Integer)
    stage: Mapped[str] = mapped_column(String(20))  # reminder or overdue
    offset_days: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now)


class Webhook(Base):
    __tablename__ = "webhooks"

    id: Mapped[int] = mapped_column(primary_key=True)
    authority_id: Mapped[int] = mapped_column(ForeignKey("authorities.id"), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    secret: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now)


class WebhookDelivery(Base):
    """Each attempt to deliver an event to a webhook, and what came back."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (Index("ix_webhook_deliveries_webhook", "webhook_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    webhook_id: Mapped[int] = mapped_column(ForeignKey("webhooks.id"))
    event_id: Mapped[int] = mapped_column(BigId, ForeignKey("events.id"))
    attempt: Mapped[int] = mapped_column(Integer)
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    duration_ms: Mapped[int] = mapped_column(Integer)
    attempted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now)
