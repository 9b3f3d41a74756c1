"""Community planning (Part 2 of the Act): an authority's LOIP priorities (s.6) and its
localities with locality plans (s.10), and which of them a case concerns."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from casework.models.planning import PLAN_ITEM_KINDS
from casework.schemas.common import id_field, text


class PlanItemSchema(Schema):
    """A priority or a locality, as a manager records it."""

    id = fields.Integer(dump_only=True)
    kind = fields.String(required=True, validate=validate.OneOf(PLAN_ITEM_KINDS))
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    description = text(5000, load_default="")
    plan_url = fields.Url(
        load_default=None,
        allow_none=True,
        schemes={"http", "https"},
        validate=validate.Length(max=2000),
        metadata={"description": "the address of the published plan, if it is online"},
    )
    retired_on = fields.Date(dump_only=True, allow_none=True)


class PlanLinksSchema(Schema):
    """Every priority and locality the case concerns: the whole set, as the form sends it."""

    priority = fields.List(id_field(), load_default=list)
    locality = fields.List(id_field(), load_default=list)
