"""Typed SQLAlchemy 2.0 models. Alembic migrations, never `create_all`, make the schema."""

from casework.models.base import Base
from casework.models.cases import (
    AdditionalAuthority,
    Case,
    DeadlineRow,
    Decision,
    ExtensionRow,
    ParticipationRequest,
    ReferenceCounter,
)
from casework.models.parties import ApiToken, Authority, CommunityBody, User
from casework.models.records import Event, Notice

__all__ = [
    "AdditionalAuthority",
    "ApiToken",
    "Authority",
    "Base",
    "Case",
    "CommunityBody",
    "DeadlineRow",
    "Decision",
    "Event",
    "ExtensionRow",
    "Notice",
    "ParticipationRequest",
    "ReferenceCounter",
    "User",
]
