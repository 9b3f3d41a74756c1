"""Schemas shared by every kind of case."""

from __future__ import annotations

import datetime as dt
import numbers
import re
from typing import Any

from marshmallow import Schema, ValidationError, fields, pre_load, validate

from workflows import receipt

# The name of the field the public forms hide from people: only automated spam fills it in.
HONEYPOT = "website"

# A date field the service fills with today when it is left out.
TODAY = {"default": "today"}


def fill_today(schema: Schema, payload: dict[str, Any], today: dt.date) -> dict[str, Any]:
    for name, field in schema.fields.items():
        if field.metadata.get("default") == "today" and payload.get(name) is None:
            payload[name] = today
    return payload


# The largest id the database holds (a 32-bit integer column, on PostgreSQL and SQLite).
MAX_ID = 2**31 - 1


class Id(fields.Integer):
    """A whole number, given as a JSON number or as digits (as the pages' forms send it);
    never a fraction, a boolean or a float that happens to be whole."""

    def _validated(self, value):
        if isinstance(value, str) and re.fullmatch(r"-?[0-9]{1,40}", value.strip()):
            value = int(value.strip())
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise self.make_error("invalid", input=value)
        return super()._validated(value)


def id_field(**kwargs) -> fields.Integer:
    """An id of a row, given in a body or a query: a whole number the database can hold, so
    a huge or negative number is a 422 naming the field, not an overflow in the database.
    Every id in the schemas is one of these."""
    return Id(
        validate=validate.Range(
            min=1, max=MAX_ID, error="Enter the number of an existing record, as a whole number."
        ),
        **kwargs,
    )


def text(max_length: int = 20000, *, min_length: int | None = None, **kwargs) -> fields.String:
    """Free text with a length limit, so a pasted novel gets a 422 and not a slow page."""
    return fields.String(validate=validate.Length(min=min_length, max=max_length), **kwargs)


class Receipt(Schema):
    """Validating confirms a request is complete; the validation date is the day the last
    required item was received, never a date the officer picks (SSI 2017/39 reg 5; SSI
    2016/357 reg 5)."""

    received_on = fields.Date(
        load_default=None,
        metadata={
            "description": "only where the request or its last item reached you by post, "
            "email or by hand: the day it arrived. Leave this out for anything that came "
            "through this service, because the day it was received is already recorded"
        },
    )
    received_by = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.OneOf(list(receipt.OFFLINE)),
        metadata={"description": "how it reached you: post, email or hand"},
    )

    @pre_load
    def _no_chosen_date(self, data, **_):
        if isinstance(data, dict) and "validation_date" in data:
            raise ValidationError(
                "The validation date cannot be chosen: it is the day the last required "
                "item was received. If it reached you by post, email or by hand, give the "
                "day it arrived instead.",
                "validation_date",
            )
        return data


class CorrectReceipt(Schema):
    """A receipt date recorded wrongly, corrected with a reason; the deadlines follow."""

    received_on = fields.Date(required=True)
    received_by = fields.String(
        load_default=None, allow_none=True, validate=validate.OneOf(list(receipt.CHANNELS))
    )
    reason = text(load_default="")


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
    basis = fields.String(metadata={"description": "V, G or ? as in docs/law.md"})


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
