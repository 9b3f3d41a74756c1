"""What the sign-in pages keep besides users: the attempts, for rate limiting."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from casework.clock import now
from casework.models.base import Base, UTCDateTime


class SignInAttempt(Base):
    """One attempt to sign in. Counted per address and per email over a window, in the
    database, so the limit holds across every web process."""

    __tablename__ = "sign_in_attempts"
    __table_args__ = (
        Index("ix_sign_in_attempts_email_at", "email", "attempted_at"),
        Index("ix_sign_in_attempts_ip_at", "ip", "attempted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    ip: Mapped[str] = mapped_column(String(64))
    succeeded: Mapped[bool] = mapped_column(Boolean, default=False)
    # sign_in, or password_reset: resets are limited on their own, so asking for reset
    # links never locks anyone out of signing in.
    purpose: Mapped[str] = mapped_column(String(20), default="sign_in", server_default="sign_in")
    attempted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now)
