"""Schemas shared by every kind of case."""

from __future__ import annotations

import datetime as dt
from typing import Any

from marshmallow import Schema, fields, validate

# A date field the service fills with today when it is left out.
TODAY = {"default": "today"}


def fill_today(schema: Schema, payload: dict[str, Any], today: dt.date) -> dict[str, Any]:
    for name, field in schema.fields.items():
        if field.metadata.get("default") == "today" and payload.get(name) is None:
            payload[name] = today
    return payload


def text(max_length: int = 20000, *, min_length: int | None = None, **kwargs) -> fields.String:
    """Free text with a length limit, so a pasted novel gets a 422 and not a slow page."""
    return fields.String(validate=validate.Length(min=min_length, max=max_length), **kwargs)


class PageSchema(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100000))
    page_size = fields.Integer(load_default=25, validate=validate.Range(min=1, max=200))


class AuthoritySchema(Schema):
    code = fields.String()
    name = fields.String()
    type = fields.String()


class DeadlineSchema(Schema):
    rule = fields.String()
    key = fields.String()
    party = fields.String()
    start_date = fields.Date()
    statutory_due_date = fields.Date()
    due_date = fields.Date()
    status = fields.String(metadata={"description": "open, met, closed, overdue or expired"})
    explanation = fields.String()
    citation = fields.String()
    basis = fields.String(metadata={"description": "V, G or ? as in STATUTE.md"})


class ActionOfferSchema(Schema):
    action = fields.String(attribute="trigger")
    label = fields.String()
    citation = fields.String()
    blocked_by = fields.List(fields.Dict(), metadata={"description": "guards that fail now"})


class EventSchema(Schema):
    id = fields.Integer()
    type = fields.String()
    occurred_at = fields.DateTime()
    actor = fields.String()
    payload = fields.Dict()


class NoticeSummarySchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    subject = fields.String()
    recipient = fields.String()
    recipient_role = fields.String()
    citation = fields.String()
    issued_on = fields.Date()
    public = fields.Boolean()


class NoticeSchema(NoticeSummarySchema):
    body_text = fields.String()
    body_html = fields.String()


class DecisionSchema(Schema):
    stage = fields.String()
    outcome = fields.String()
    reasons = fields.String()
    considerations = fields.Dict()
    details = fields.Dict()
    decided_on = fields.Date()


class ProblemSchema(Schema):
    type = fields.String()
    title = fields.String()
    status = fields.Integer()
    detail = fields.String()
    errors = fields.Dict()
    failures = fields.List(fields.Dict())
