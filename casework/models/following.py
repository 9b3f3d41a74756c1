"""Following by email (issue 14): who follows what, and each message sent to them.

A follower's address is personal data. It is kept only while they follow something: when
they unsubscribe it is removed and only a keyed hash of it kept, so that the same person
following again is recognised (and must confirm again), and nothing is sent to the address
meanwhile. No table here is ever read by a public page or feed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.clock import now
from casework.models.base import Base, BigId, UTCDateTime
from casework.models.cases import Case
from casework.models.parties import Authority, User

IMMEDIATE, DAILY = "immediate", "daily"
# What a follow is of: one case, every public request of an authority, or a saved search
# of the register or of the requests open for representations.
CASE, AUTHORITY, SEARCH = "case", "authority", "search"


class Follower(Base):
    """One person, by email address (or by their account, whose address is theirs)."""

    __tablename__ = "followers"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str | None] = mapped_column(String(254))  # None once unsubscribed
    email_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), unique=True)
    mode: Mapped[str] = mapped_column(String(10), default=IMMEDIATE)
    # Part of every manage and unsubscribe link: raised on unsubscribing, so old links die.
    token_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now)
    unsubscribed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User | None] = relationship()


class Follow(Base):
    """One thing a follower follows. Nothing is sent for it until it is confirmed; an
    unconfirmed follow expires."""

    __tablename__ = "follows"
    __table_args__ = (
        Index("ix_follows_case", "case_id", "ended_at"),
        Index("ix_follows_authority", "authority_id", "target", "ended_at"),
        Index("ix_follows_target", "target", "ended_at"),
        Index("ix_follows_follower", "follower_id", "ended_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    follower_id: Mapped[int] = mapped_column(ForeignKey("followers.id"))
    target: Mapped[str] = mapped_column(String(20))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    authority_id: Mapped[int | None] = mapped_column(ForeignKey("authorities.id"))
    # A search: {"list": "register" | "representations", and the list's filters}.
    search: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    label: Mapped[str] = mapped_column(String(400))  # what it is, in plain words
    automatic: Mapped[bool] = mapped_column(Boolean, default=False)  # a body's own case
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now)
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    follower: Mapped[Follower] = relationship()
    case: Mapped[Case | None] = relationship()
    authority: Mapped[Authority | None] = relationship()


class FollowMessage(Base):
    """Proof of one email to a follower: a confirmation (`confirm:<follow>`), an event
    (`event:<event>`) or a day's digest (`digest:<day>`). The key makes each go once."""

    __tablename__ = "follow_messages"
    __table_args__ = (UniqueConstraint("follower_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    follower_id: Mapped[int] = mapped_column(ForeignKey("followers.id"))
    key: Mapped[str] = mapped_column(String(60))
    subject: Mapped[str] = mapped_column(String(300))
    message_id: Mapped[str] = mapped_column(String(300), unique=True)
    accepted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class FollowPending(Base):
    """An event waiting for a follower's daily digest; `day` is the day in Scotland on
    which it happened."""

    __tablename__ = "follow_pending"
    __table_args__ = (Index("ix_follow_pending_unsent", "sent_at", "day", "follower_id"),)

    follower_id: Mapped[int] = mapped_column(ForeignKey("followers.id"), primary_key=True)
    event_id: Mapped[int] = mapped_column(BigId, ForeignKey("events.id"), primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class FollowDigest(Base):
    """The claim that a follower's digest for a day is to be sent: written once by the
    scheduler, so each day's digest is one event and one message at most."""

    __tablename__ = "follow_digests"
    __table_args__ = (UniqueConstraint("follower_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    follower_id: Mapped[int] = mapped_column(ForeignKey("followers.id"))
    day: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now)


class CalendarFeed(Base):
    """A secret calendar address for one user: the deadlines they may see, as ICS. The
    address is shown on their account page (so it is kept encrypted, and looked up by its
    hash) and can be revoked or replaced there."""

    __tablename__ = "calendar_feeds"
    __table_args__ = (Index("ix_calendar_feeds_user", "user_id", "revoked_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    token_encrypted: Mapped[str] = mapped_column(String(400))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_read_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(lazy="joined")
