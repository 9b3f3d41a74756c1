"""Community bodies and their constitutions."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, post_dump, pre_load, validate

from casework.schemas.common import text
from workflows.eligibility import CONSTITUTION_FIELDS, LegalForm

_DESCRIPTIONS = {
    "defines_community": "The written constitution defines the community the body relates to",
    "majority_from_community": "A majority of the members must come from that community",
    "community_controls": "Members from the community control the body",
    "open_membership": "Membership is open to anyone in the community",
    "community_benefit_aims": "The aims include promoting a benefit for the community",
    "surplus_for_community": "Any surplus is used for the benefit of the community",
    "asset_lock": "On winding up, assets pass to another community body or charity",
}

ConstitutionSchema = Schema.from_dict(
    {
        name: fields.Boolean(load_default=False, metadata={"description": _DESCRIPTIONS[name]})
        for name in CONSTITUTION_FIELDS
    },
    name="ConstitutionSchema",
)


class CommunityBodySchema(Schema):
    id = fields.Integer(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    contact_address = text(2000, min_length=1, required=True)
    contact_email = fields.Email(allow_none=True, load_default=None)
    community_definition = text(5000, min_length=1, required=True)
    legal_form = fields.String(required=True, validate=validate.OneOf([f.value for f in LegalForm]))
    member_count = fields.Integer(required=True, validate=validate.Range(min=0, max=10_000_000))
    designated = fields.Boolean(
        load_default=False,
        metadata={"description": "Designated by the Scottish Ministers (s.20, s.77)"},
    )
    constitution = fields.Nested(ConstitutionSchema, required=True)

    @post_dump(pass_original=True)
    def _nest(self, data: dict[str, Any], original: Any, **_) -> dict[str, Any]:
        data["constitution"] = {f: bool(getattr(original, f)) for f in CONSTITUTION_FIELDS}
        return data

    @pre_load
    def _strip(self, data: Any, **_) -> Any:
        if isinstance(data, dict):
            return {k: v.strip() if isinstance(v, str) else v for k, v in data.items()}
        return data


class CommunityBodyChangesSchema(CommunityBodySchema):
    """The body of a PATCH: only the fields to change, none of them required."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("partial", True)
        super().__init__(*args, **kwargs)


class EligibilityResultSchema(Schema):
    purpose = fields.String()
    eligible = fields.Boolean()
    basis = fields.String()
    message = fields.String()
    failures = fields.Method("_failures")

    def _failures(self, result) -> list[dict[str, str]]:
        return [
            {
                "test": f.test.id,
                "citation": f.test.citation,
                "requirement": f.test.requirement,
                "fix": f.test.fix,
            }
            for f in result.failures
        ]
