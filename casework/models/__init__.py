"""Typed SQLAlchemy 2.0 models. Alembic migrations, never `create_all`, make the schema."""

from casework.models.accounts import SignInAttempt
from casework.models.base import Base
from casework.models.cases import (
    AdditionalAuthority,
    Application,
    AssetTransferRequest,
    Case,
    DeadlineRow,
    Decision,
    ExtensionRow,
    ParticipationRequest,
    ReferenceCounter,
    Representation,
)
from casework.models.documents import Document
from casework.models.following import (
    CalendarFeed,
    Follow,
    FollowDigest,
    Follower,
    FollowMessage,
    FollowPending,
)
from casework.models.land import LandEntry
from casework.models.parties import ApiToken, Authority, CommunityBody, User
from casework.models.planning import CasePlanItem, PlanItem
from casework.models.records import AuditAnchor, Event, Notice
from casework.models.register import RegisterRecord
from casework.models.reports import AnnualReport
from casework.models.simd import SimdPostcode, SimdVersion, SimdZone

__all__ = [
    "AdditionalAuthority",
    "AnnualReport",
    "ApiToken",
    "Application",
    "AssetTransferRequest",
    "AuditAnchor",
    "Authority",
    "Base",
    "CalendarFeed",
    "Case",
    "CasePlanItem",
    "CommunityBody",
    "DeadlineRow",
    "Decision",
    "Document",
    "Event",
    "ExtensionRow",
    "Follow",
    "FollowDigest",
    "FollowMessage",
    "FollowPending",
    "Follower",
    "LandEntry",
    "Notice",
    "ParticipationRequest",
    "PlanItem",
    "ReferenceCounter",
    "RegisterRecord",
    "Representation",
    "SignInAttempt",
    "SimdPostcode",
    "SimdVersion",
    "SimdZone",
    "User",
]
