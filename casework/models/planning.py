"""Community planning (Part 2 of the Act): the priorities of the local outcomes improvement
plan and the localities with locality plans that an authority works to, and the cases
linked to them, so requests and their outcomes can be counted against local priorities."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from casework.clock import now
from casework.models.base import Base, UTCDateTime

# What a plan item is: a LOIP priority (s.6) or a locality with a locality plan (s.10).
PLAN_ITEM_KINDS = ("priority", "locality")


class PlanItem(Base):
    """One priority or locality. Retired items keep their links, so past years' reports
    still count them, but are not offered for new links."""

    __tablename__ = "plan_items"
    __table_args__ = (Index("ix_plan_items_authority", "authority_id", "kind", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    authority_id: Mapped[int] = mapped_column(ForeignKey("authorities.id"))
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    plan_url: Mapped[str | None] = mapped_column(String(2000))  # the published plan
    position: Mapped[int] = mapped_column(Integer, default=0)
    retired_on: Mapped[dt.date | None] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now)


class CasePlanItem(Base):
    """A case linked by an officer to a priority or locality it concerns."""

    __tablename__ = "case_plan_items"
    __table_args__ = (Index("ix_case_plan_items_item", "plan_item_id", "case_id"),)

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    plan_item_id: Mapped[int] = mapped_column(ForeignKey("plan_items.id"), primary_key=True)
    linked_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now)
