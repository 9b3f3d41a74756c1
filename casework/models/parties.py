"""Authorities, community bodies and the people who act for them."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.clock import now
from casework.models.base import Base, UTCDateTime
from workflows.eligibility import CONSTITUTION_FIELDS, BodyFacts


class Authority(Base):
    """A public service authority (Part 3) or relevant authority (Part 5)."""

    __tablename__ = "authorities"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(60))
    email: Mapped[str | None] = mapped_column(String(254))
    address: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now)


class CommunityBody(Base):
    """A community body and its recorded constitution, from which eligibility is judged."""

    __tablename__ = "community_bodies"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    contact_address: Mapped[str] = mapped_column(Text, default="")
    contact_email: Mapped[str | None] = mapped_column(String(254))
    community_definition: Mapped[str] = mapped_column(Text, default="")
    legal_form: Mapped[str] = mapped_column(String(40))
    member_count: Mapped[int] = mapped_column(Integer, default=0)
    designated: Mapped[bool] = mapped_column(Boolean, default=False)
    defines_community: Mapped[bool] = mapped_column(Boolean, default=False)
    majority_from_community: Mapped[bool] = mapped_column(Boolean, default=False)
    community_controls: Mapped[bool] = mapped_column(Boolean, default=False)
    open_membership: Mapped[bool] = mapped_column(Boolean, default=False)
    community_benefit_aims: Mapped[bool] = mapped_column(Boolean, default=False)
    surplus_for_community: Mapped[bool] = mapped_column(Boolean, default=False)
    asset_lock: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now, onupdate=now)

    def facts(self) -> BodyFacts:
        return BodyFacts(
            name=self.name,
            contact_address=self.contact_address or "",
            legal_form=self.legal_form,
            member_count=self.member_count or 0,
            designated=bool(self.designated),
            **{f: bool(getattr(self, f)) for f in CONSTITUTION_FIELDS},
        )


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(20))
    authority_id: Mapped[int | None] = mapped_column(ForeignKey("authorities.id"), index=True)
    community_body_id: Mapped[int | None] = mapped_column(
        ForeignKey("community_bodies.id"), index=True
    )
    password_hash: Mapped[str | None] = mapped_column(String(200))
    # The one-time-code key, encrypted (a Fernet token, casework.crypto): never the clear key.
    totp_secret: Mapped[str | None] = mapped_column(Text)
    # The last 30-second step a one-time code was accepted for: a code works only once.
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now)

    authority: Mapped[Authority | None] = relationship(lazy="joined")
    community_body: Mapped[CommunityBody | None] = relationship(lazy="joined")

    @property
    def label(self) -> str:
        """How the user is named in the event log."""
        return f"{self.name or self.email} ({self.role})"


class ApiToken(Base):
    """A bearer token. Only its SHA-256 is kept: the token itself is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(lazy="joined")
