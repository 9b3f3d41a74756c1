"""The schemas for each kind of case, by what they are for."""

from __future__ import annotations

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
