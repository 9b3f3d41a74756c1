"""The schemas for each kind of case, by what they are for."""

from __future__ import annotations

from marshmallow import Schema

from casework.schemas import participation
from casework.schemas.cases import ParticipationCaseSchema

CREATE: dict[str, type[Schema]] = {
    "participation_request": participation.CreateParticipationRequest
}
UPDATE: dict[str, type[Schema]] = {
    "participation_request": participation.UpdateParticipationRequest
}
ACTIONS: dict[str, dict[str, type[Schema]]] = {"participation_request": participation.ACTIONS}
OUTPUT: dict[str, type[Schema]] = {"participation_request": ParticipationCaseSchema}
