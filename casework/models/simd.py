"""The inequalities lens: the Scottish Index of Multiple Deprivation by data zone, and the
postcode lookup that places a postcode in a data zone (see casework/simd.py).

Each import is a version. Its zones and postcodes are written under it in one transaction and
only then is it made current, so a failed import leaves the previous version in place. Older
version rows stay, so every figure derived from one can still cite it; their zones and
postcodes are removed when a newer version becomes current.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Integer, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from casework.clock import now
from casework.models.base import Base, UTCDateTime


class SimdVersion(Base):
    """One import of the SIMD ranks and the postcode lookup, and what it loaded."""

    __tablename__ = "simd_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    edition: Mapped[str] = mapped_column(String(40))  # e.g. "SIMD 2020v2"
    vintage: Mapped[str] = mapped_column(String(40))  # e.g. "2011 data zones"
    simd_file: Mapped[str] = mapped_column(String(300))
    postcodes_file: Mapped[str] = mapped_column(String(300))
    zones_loaded: Mapped[int] = mapped_column(Integer)
    zones_refused: Mapped[int] = mapped_column(Integer)
    postcodes_loaded: Mapped[int] = mapped_column(Integer)
    postcodes_refused: Mapped[int] = mapped_column(Integer)
    imported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now)
    current: Mapped[bool] = mapped_column(Boolean, default=False)


class SimdZone(Base):
    """A data zone's overall rank (1 is the most deprived) and its quintile and decile."""

    __tablename__ = "simd_zones"

    version_id: Mapped[int] = mapped_column(ForeignKey("simd_versions.id"), primary_key=True)
    data_zone: Mapped[str] = mapped_column(String(9), primary_key=True)
    rank: Mapped[int] = mapped_column(Integer)
    quintile: Mapped[int] = mapped_column(SmallInteger)
    decile: Mapped[int] = mapped_column(SmallInteger)


class SimdPostcode(Base):
    """A postcode, written "KY3 9UE", and the data zone it lies in."""

    __tablename__ = "simd_postcodes"

    version_id: Mapped[int] = mapped_column(ForeignKey("simd_versions.id"), primary_key=True)
    postcode: Mapped[str] = mapped_column(String(8), primary_key=True)
    data_zone: Mapped[str] = mapped_column(String(9))
