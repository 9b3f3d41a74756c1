"""Cases: the fields every kind shares, and the participation request's own."""

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
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.clock import now
from casework.models.base import Base, UTCDateTime
from casework.models.land import LandEntry
from casework.models.parties import Authority, CommunityBody, User


class Case(Base):
    """One request. `version` guards every change against a concurrent edit."""

    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_authority_state", "authority_id", "state"),
        # The queue: an authority's cases by their next deadline, read in order and stopped
        # after a page (PostgreSQL sorts NULLs last, as the queue wants).
        Index("ix_cases_authority_next_due", "authority_id", "next_due_date", "id"),
        Index("ix_cases_body_created", "community_body_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    # The body's own short title, shown beside the reference wherever the case appears.
    title: Mapped[str | None] = mapped_column(String(200))
    authority_id: Mapped[int] = mapped_column(ForeignKey("authorities.id"))
    community_body_id: Mapped[int] = mapped_column(ForeignKey("community_bodies.id"))
    state: Mapped[str] = mapped_column(String(40))
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    assigned_to_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # The validation date is the day the last required item was received: a fact.
    received_on: Mapped[dt.date | None] = mapped_column(Date)
    received_by: Mapped[str | None] = mapped_column(String(10))  # online, post, email, hand
    information_requested_on: Mapped[dt.date | None] = mapped_column(Date)
    validated_on: Mapped[dt.date | None] = mapped_column(Date)
    validation_date: Mapped[dt.date | None] = mapped_column(Date)
    decided_on: Mapped[dt.date | None] = mapped_column(Date)
    closed_on: Mapped[dt.date | None] = mapped_column(Date)
    next_due_date: Mapped[dt.date | None] = mapped_column(Date)
    # The earliest open statutory duty's due date: a case is overdue when it has passed,
    # so the queue tests a column, not every deadline row (casework.deadline_rows.overdue).
    next_duty_due_date: Mapped[dt.date | None] = mapped_column(Date)

    authority: Mapped[Authority] = relationship(lazy="joined")
    community_body: Mapped[CommunityBody] = relationship(lazy="joined")
    assigned_to: Mapped[User | None] = relationship(foreign_keys=[assigned_to_id])
    decisions: Mapped[list[Decision]] = relationship(
        back_populates="case", order_by="Decision.id", cascade="all, delete-orphan"
    )
    deadlines: Mapped[list[DeadlineRow]] = relationship(
        back_populates="case", order_by="DeadlineRow.id", cascade="all, delete-orphan"
    )
    extensions: Mapped[list[ExtensionRow]] = relationship(
        order_by="ExtensionRow.id", cascade="all, delete-orphan"
    )

    __mapper_args__ = {
        "polymorphic_on": "kind",
        "polymorphic_abstract": True,
        "version_id_col": version,
    }

    def decision(self, stage: str = "decision") -> Decision | None:
        return next((d for d in self.decisions if d.stage == stage), None)


class ParticipationRequest(Case):
    __tablename__ = "participation_requests"

    id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    outcome: Mapped[str] = mapped_column(Text, default="")
    reasons: Mapped[str] = mapped_column(Text, default="")
    knowledge_and_experience: Mapped[str] = mapped_column(Text, default="")
    expected_improvement: Mapped[str] = mapped_column(Text, default="")
    process_type: Mapped[str | None] = mapped_column(String(20))
    process_description: Mapped[str | None] = mapped_column(Text)
    process_stage: Mapped[str | None] = mapped_column(Text)
    participation_arrangements: Mapped[str | None] = mapped_column(Text)
    other_participants: Mapped[str | None] = mapped_column(Text)  # s.25(2)(d), s.25(3)(c)
    decision_notice_on: Mapped[dt.date | None] = mapped_column(Date)
    body_commented_on: Mapped[dt.date | None] = mapped_column(Date)
    process_notice_on: Mapped[dt.date | None] = mapped_column(Date)
    process_established_on: Mapped[dt.date | None] = mapped_column(Date)
    # s.31(3)-(4): the views sought before the outcome report, and what they were.
    views_sought_on: Mapped[dt.date | None] = mapped_column(Date)
    views_of_body: Mapped[str | None] = mapped_column(Text)
    views_of_others: Mapped[str | None] = mapped_column(Text)

    additional_authorities: Mapped[list[AdditionalAuthority]] = relationship(
        order_by="AdditionalAuthority.id", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"polymorphic_identity": "participation_request"}


class AssetTransferRequest(Case):
    __tablename__ = "asset_transfer_requests"

    id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    land_id: Mapped[int | None] = mapped_column(ForeignKey("land.id"), index=True)
    land_description: Mapped[str] = mapped_column(Text, default="")
    transfer_type: Mapped[str | None] = mapped_column(String(20))  # None until chosen
    reasons: Mapped[str] = mapped_column(Text, default="")
    benefits: Mapped[str] = mapped_column(Text, default="")
    proposed_price: Mapped[str] = mapped_column(Text, default="")
    other_terms: Mapped[str] = mapped_column(Text, default="")
    community_support: Mapped[str] = mapped_column(Text, default="")
    funding: Mapped[str] = mapped_column(Text, default="")
    repeat_of_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    freeze_applies: Mapped[bool | None] = mapped_column(Boolean)
    freeze_exception: Mapped[str | None] = mapped_column(String(20))
    freeze_exception_details: Mapped[str | None] = mapped_column(Text)
    notice_date: Mapped[dt.date | None] = mapped_column(Date)
    representations_close: Mapped[dt.date | None] = mapped_column(Date)
    copies_sent_on: Mapped[dt.date | None] = mapped_column(Date)
    comments_by: Mapped[dt.date | None] = mapped_column(Date)
    body_commented_on: Mapped[dt.date | None] = mapped_column(Date)
    decision: Mapped[str | None] = mapped_column(String(10))
    agreed_on: Mapped[dt.date | None] = mapped_column(Date)
    terms: Mapped[str | None] = mapped_column(Text)
    terms_differ_significantly: Mapped[bool] = mapped_column(Boolean, default=False)
    offer_by: Mapped[dt.date | None] = mapped_column(Date)
    decision_period_expired_on: Mapped[dt.date | None] = mapped_column(Date)
    review_period_expired_on: Mapped[dt.date | None] = mapped_column(Date)  # s.88
    offer_made_on: Mapped[dt.date | None] = mapped_column(Date)
    offer: Mapped[str | None] = mapped_column(Text)
    contract_concluded_on: Mapped[dt.date | None] = mapped_column(Date)
    no_contract_response_on: Mapped[dt.date | None] = mapped_column(Date)
    # SSI 2016/360 reg 4: each side's period runs from its receipt of the other's paper.
    no_contract_appeal_received_on: Mapped[dt.date | None] = mapped_column(Date)
    no_contract_response_received_on: Mapped[dt.date | None] = mapped_column(Date)

    land: Mapped[LandEntry | None] = relationship(lazy="joined")
    repeat_of: Mapped[Case | None] = relationship(
        foreign_keys=[repeat_of_id], remote_side="Case.id"
    )
    representations: Mapped[list[Representation]] = relationship(
        order_by="Representation.id", cascade="all, delete-orphan"
    )
    applications: Mapped[list[Application]] = relationship(
        order_by="Application.id", cascade="all, delete-orphan"
    )

    __mapper_args__ = {
        "polymorphic_identity": "asset_transfer_request",
        "inherit_condition": id == Case.id,
    }


class Representation(Base):
    """A representation on an asset transfer request. The contact details are kept for the
    authority and never published or shown to anyone else."""

    __tablename__ = "representations"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("asset_transfer_requests.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    address: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    received_on: Mapped[dt.date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now)
    # A representation recorded after the others were copied to the body is copied on its
    # own, with its own period for comment (SSI 2016/357 reg 8).
    copied_on: Mapped[dt.date | None] = mapped_column(Date)
    comments_by: Mapped[dt.date | None] = mapped_column(Date)
    commented_on: Mapped[dt.date | None] = mapped_column(Date)


class Application(Base):
    """An application for review, an appeal, or a no-contract appeal, and its result."""

    __tablename__ = "applications"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("asset_transfer_requests.id"), index=True)
    stage: Mapped[str] = mapped_column(String(30))
    route: Mapped[str] = mapped_column(String(200))
    applied_on: Mapped[dt.date] = mapped_column(Date)
    reasons: Mapped[str] = mapped_column(Text)
    procedure: Mapped[list[str]] = mapped_column(JSON, default=list)
    documents: Mapped[list[str]] = mapped_column(JSON, default=list)
    decided_on: Mapped[dt.date | None] = mapped_column(Date)
    result: Mapped[str | None] = mapped_column(String(20))
    decision: Mapped[str | None] = mapped_column(String(10))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now)


class AdditionalAuthority(Base):
    """Another public service authority the body wants involved (s.22(6), reg 6)."""

    __tablename__ = "case_additional_authorities"
    __table_args__ = (UniqueConstraint("case_id", "authority_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("participation_requests.id"), index=True)
    authority_id: Mapped[int] = mapped_column(ForeignKey("authorities.id"))
    notified_on: Mapped[dt.date | None] = mapped_column(Date)
    replied_on: Mapped[dt.date | None] = mapped_column(Date)
    will_participate: Mapped[bool | None] = mapped_column(Boolean)
    reasons: Mapped[str | None] = mapped_column(Text)

    authority: Mapped[Authority] = relationship(lazy="joined")


class Decision(Base):
    """A decision, review or appeal outcome. One per stage, enforced by the database."""

    __tablename__ = "decisions"
    __table_args__ = (UniqueConstraint("case_id", "stage"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    stage: Mapped[str] = mapped_column(String(30))
    outcome: Mapped[str] = mapped_column(String(30))
    reasons: Mapped[str] = mapped_column(Text, default="")
    considerations: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    decided_on: Mapped[dt.date] = mapped_column(Date)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now)

    case: Mapped[Case] = relationship(back_populates="decisions")


class DeadlineRow(Base):
    """A deadline as last computed: its rule, start, result, explanation and citation."""

    __tablename__ = "deadlines"
    __table_args__ = (
        UniqueConstraint("case_id", "rule", "key"),
        Index("ix_deadlines_status_due", "status", "due_date"),
        # The sweep's lanes: one rule's open deadlines past due, paged by case.
        Index("ix_deadlines_rule_status_case", "rule", "status", "case_id", "due_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    rule: Mapped[str] = mapped_column(String(60))
    key: Mapped[str] = mapped_column(String(40), default="")
    party: Mapped[str] = mapped_column(String(30))
    duty: Mapped[bool] = mapped_column(Boolean)
    start_date: Mapped[dt.date] = mapped_column(Date)
    statutory_due_date: Mapped[dt.date] = mapped_column(Date)
    due_date: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10))
    settled_on: Mapped[dt.date | None] = mapped_column(Date)
    explanation: Mapped[str] = mapped_column(Text)
    citation: Mapped[str] = mapped_column(String(200))
    basis: Mapped[str] = mapped_column(String(1))
    computed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now)
    # Raised each time the deadline's dates or status change: the calendar feeds' SEQUENCE.
    sequence: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    case: Mapped[Case] = relationship(back_populates="deadlines")

    def display_status(self, today: dt.date) -> str:
        if self.status == "open" and self.due_date < today:
            return "overdue" if self.duty else "expired"
        return self.status


class ExtensionRow(Base):
    """The history of agreed extensions. The deadline row holds only the latest result."""

    __tablename__ = "deadline_extensions"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    rule: Mapped[str] = mapped_column(String(60))
    key: Mapped[str] = mapped_column(String(40), default="")
    agreed_on: Mapped[dt.date] = mapped_column(Date)
    new_due_date: Mapped[dt.date] = mapped_column(Date)
    agreed_by: Mapped[str] = mapped_column(String(100))
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now)


class ReferenceCounter(Base):
    """The last number used for each reference prefix, such as PR-FIFE-2026."""

    __tablename__ = "reference_counters"

    prefix: Mapped[str] = mapped_column(String(40), primary_key=True)
    last: Mapped[int] = mapped_column(Integer)
