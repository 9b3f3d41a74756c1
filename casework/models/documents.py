"""Supporting documents attached to a case: the file itself is kept in the database, so it
is backed up, replicated and rolled back with the case it belongs to."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.clock import now
from casework.models.base import Base, UTCDateTime
from casework.models.parties import User


class Document(Base):
    """One attachment. `content_type` is what the bytes are, found from the bytes; the
    name is the uploader's, cleaned, and is never used as a path."""

    __tablename__ = "documents"
    __table_args__ = (Index("ix_documents_case_id_id", "case_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(String(300), default="")
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now)

    uploaded_by: Mapped[User | None] = relationship(lazy="joined")
