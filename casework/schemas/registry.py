"""The schemas for each kind of case, by what they are for."""

from __future__ import annotations

import functools
from typing import TypeVar

from marshmallow import Schema

from casework.schemas import asset_transfer, participation
from casework.schemas.cases import AssetTransferCaseSchema, ParticipationCaseSchema

CREATE: dict[str, type[Schema]] = {
    "participation_request": participation.CreateParticipationRequest,
    "asset_transfer_request": asset_transfer.CreateAssetTransferRequest,
}
UPDATE: dict[str, type[Schema]] = {
    "participation_request": participation.UpdateParticipationRequest,
    "asset_transfer_request": asset_transfer.UpdateAssetTransferRequest,
}
ACTIONS: dict[str, dict[str, type[Schema]]] = {
    "participation_request": participation.ACTIONS,
    "asset_transfer_request": asset_transfer.ACTIONS,
}
OUTPUT: dict[str, type[Schema]] = {
    "participation_request": ParticipationCaseSchema,
    "asset_transfer_request": AssetTransferCaseSchema,
}

S = TypeVar("S", bound=Schema)


@functools.cache
def one(schema: type[S]) -> S:
    """The one instance of a schema class, built on first use: a marshmallow schema keeps
    no state between loads and dumps, and building one copies all its declared fields
    (about a millisecond for a case), which a request need not pay for every time."""
    return schema()
