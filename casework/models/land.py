"""The register of land (s.94): each relevant authority's land and buildings."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.clock import now
from casework.models.base import Base, UTCDateTime
from casework.models.parties import Authority


class LandEntry(Base):
    """One entry. `import_key` (the UPRN, or the name and address) makes imports idempotent."""

    __tablename__ = "land"
    __table_args__ = (
        UniqueConstraint("authority_id", "import_key"),
        Index("ix_land_authority_name", "authority_id", "name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    authority_id: Mapped[int] = mapped_column(ForeignKey("authorities.id"))
    name: Mapped[str] = mapped_column(String(300))
    address: Mapped[str] = mapped_column(Text, default="")
    uprn: Mapped[str | None] = mapped_column(String(12))
    description: Mapped[str] = mapped_column(Text, default="")
    tenure: Mapped[str] = mapped_column(String(10))
    location: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    import_key: Mapped[str] = mapped_column(String(400))
    retired_on: Mapped[dt.date | None] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now, onupdate=now)

    authority: Mapped[Authority] = relationship(lazy="joined")


def import_key(uprn: str | None, name: str, address: str) -> str:
    """What makes two entries the same land: the UPRN if there is one, else name and address."""
    if uprn:
        return f"uprn:{uprn.strip()}"
    squash = " ".join
    return f"name:{squash(name.lower().split())}|{squash(address.lower().split())}"[:400]
