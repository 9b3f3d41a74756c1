"""How a case is shown: the shared fields, and each kind's own."""

from __future__ import annotations

import datetime as dt

from marshmallow import Schema, fields, validate

from casework.schemas.common import (
    ActionOfferSchema,
    AuthoritySchema,
    DeadlineSchema,
    DecisionSchema,
    EventSchema,
    NoticeSummarySchema,
    PageSchema,
)
from workflows import asset_transfer as atr
from workflows import participation as pr


class BodyRefSchema(Schema):
    id = fields.Integer()
    name = fields.String()


class CaseSummarySchema(Schema):
    reference = fields.String()
    title = fields.String(allow_none=True, metadata={"description": "the body's own title"})
    kind = fields.String()
    state = fields.String()
    state_label = fields.String()
    version = fields.Integer()
    authority = fields.Nested(AuthoritySchema)
    community_body = fields.Nested(BodyRefSchema)
    assigned_to = fields.String(allow_none=True)
    submitted_at = fields.DateTime(allow_none=True)
    next_due_date = fields.Date(allow_none=True)
    overdue = fields.Boolean()
    url = fields.String()


class CaseSchema(CaseSummarySchema):
    created_at = fields.DateTime()
    received_on = fields.Date(allow_none=True)
    validation_date = fields.Date(allow_none=True)
    decided_on = fields.Date(allow_none=True)
    closed_on = fields.Date(allow_none=True)
    decisions = fields.List(fields.Nested(DecisionSchema))
    deadlines = fields.List(fields.Nested(DeadlineSchema))
    available_actions = fields.List(
        fields.Nested(ActionOfferSchema), metadata={"description": "what you may do now"}
    )
    blocked_actions = fields.List(
        fields.Nested(ActionOfferSchema),
        metadata={"description": "what you could do, and why not yet"},
    )


class AdditionalAuthorityOut(Schema):
    code = fields.String()
    name = fields.String()
    notified_on = fields.Date(allow_none=True)
    replied_on = fields.Date(allow_none=True)
    will_participate = fields.Boolean(allow_none=True)
    reasons = fields.String(allow_none=True)


class ProcessOut(Schema):
    type = fields.String(allow_none=True)
    description = fields.String(allow_none=True)
    stage = fields.String(allow_none=True)
    participation_arrangements = fields.String(allow_none=True)
    body_commented_on = fields.Date(allow_none=True)
    notice_on = fields.Date(allow_none=True)
    established_on = fields.Date(allow_none=True)


class ParticipationCaseSchema(CaseSchema):
    kind = fields.String(validate=validate.OneOf([pr.KIND]))
    outcome = fields.String()
    reasons = fields.String()
    knowledge_and_experience = fields.String()
    expected_improvement = fields.String()
    additional_authorities = fields.List(fields.Nested(AdditionalAuthorityOut))
    process = fields.Nested(ProcessOut, allow_none=True)


class CaseQuerySchema(PageSchema):
    state = fields.String(
        validate=validate.OneOf(sorted({*pr.WORKFLOW.states, *atr.WORKFLOW.states}))
    )
    kind = fields.String(validate=validate.OneOf([pr.KIND, atr.KIND]))
    overdue = fields.Boolean(metadata={"description": "only cases with an authority duty past due"})
    due_before = fields.Date(metadata={"description": "only cases whose next deadline is before"})
    assigned_to = fields.String(metadata={"description": "an email, or 'me'"})
    sort = fields.String(
        load_default="next_due_date",
        validate=validate.OneOf(["next_due_date", "-submitted_at", "reference"]),
    )


class CasePageSchema(Schema):
    items = fields.List(fields.Nested(CaseSummarySchema))
    page = fields.Integer()
    page_size = fields.Integer()
    total = fields.Integer()


class RepresentationOut(Schema):
    id = fields.Integer()
    name = fields.String()
    text = fields.String()
    received_on = fields.Date()
    source = fields.String()
    email = fields.String(metadata={"description": "shown to the authority only"})
    address = fields.String(metadata={"description": "shown to the authority only"})


class ApplicationOut(Schema):
    stage = fields.String()
    route = fields.String()
    applied_on = fields.Date()
    reasons = fields.String()
    procedure = fields.List(fields.String())
    documents = fields.List(fields.String())
    decided_on = fields.Date(allow_none=True)
    result = fields.String(allow_none=True)
    decision = fields.String(allow_none=True)


class CompetingOut(Schema):
    """Another live request for the same land. Another body's request is listed for a body
    only once its public notice is published, with only the first three fields."""

    reference = fields.String()
    community_body = fields.String(metadata={"description": "the body that made it"})
    notice_date = fields.Date(allow_none=True, metadata={"description": "of its public notice"})
    state = fields.String()
    validation_date = fields.Date(allow_none=True)
    priority = fields.Boolean(metadata={"description": "validated earlier than this request"})


class LandRefOut(Schema):
    id = fields.Integer()
    name = fields.String()
    address = fields.String()
    uprn = fields.String(allow_none=True)


class FreezeOut(Schema):
    applies = fields.Boolean(allow_none=True)
    active = fields.Boolean(metadata={"description": "the land may not be disposed of now"})
    exception = fields.String(allow_none=True)
    statement = fields.String(allow_none=True)


class RepeatOut(Schema):
    reference = fields.String()
    made_on = fields.Date(metadata={"description": "the earlier request's validation date"})
    refused_on = fields.Date()
    bar_until = fields.Date()
    explanation = fields.String()


class PositionOut(Schema):
    decision = fields.String(allow_none=True)
    agreed_on = fields.Date(allow_none=True)
    terms = fields.String(allow_none=True)
    terms_differ_significantly = fields.Boolean()
    offer_by = fields.Date(allow_none=True)
    decision_period_expired_on = fields.Date(allow_none=True)
    offer_made_on = fields.Date(allow_none=True)
    offer = fields.String(allow_none=True)
    contract_concluded_on = fields.Date(allow_none=True)


class AssetTransferCaseSchema(CaseSchema):
    kind = fields.String(validate=validate.OneOf([atr.KIND]))
    land = fields.Nested(LandRefOut, allow_none=True)
    land_description = fields.String()
    transfer_type = fields.String(allow_none=True)
    reasons = fields.String()
    benefits = fields.String()
    proposed_price = fields.String()
    other_terms = fields.String()
    community_support = fields.String()
    funding = fields.String()
    review_route = fields.String()
    freeze = fields.Nested(FreezeOut)
    repeat_of = fields.Nested(
        RepeatOut,
        allow_none=True,
        metadata={
            "description": "a request for the same land and transfer refused in the last 2 years"
        },
    )
    competing = fields.List(fields.Nested(CompetingOut))
    notice_date = fields.Date(allow_none=True)
    representations_close = fields.Date(allow_none=True)
    representations = fields.List(fields.Nested(RepresentationOut))
    applications = fields.List(fields.Nested(ApplicationOut))
    position = fields.Nested(PositionOut)


class AsOf(fields.Field):
    """A day (YYYY-MM-DD: its end, in Scotland) or an instant (an ISO 8601 date and time)."""

    default_error_messages = {"invalid": "Give a day as YYYY-MM-DD, or a date and time."}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str) and len(value) == 10:
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                raise self.make_error("invalid") from None
        try:
            instant = dt.datetime.fromisoformat(str(value))
        except ValueError:
            raise self.make_error("invalid") from None
        if instant.tzinfo is None:
            raise self.make_error("invalid")
        return instant


class AsOfQuery(Schema):
    as_of = AsOf(required=True, metadata={"description": "YYYY-MM-DD, or an ISO 8601 instant"})


class DeadlineAsOf(Schema):
    rule = fields.String()
    key = fields.String()
    start_date = fields.Date()
    due_date = fields.Date()
    status = fields.String(metadata={"description": "as it stood at the end of the day"})
    explanation = fields.String()


class CaseAsOfSchema(Schema):
    """A case as it stood at the end of a day, rebuilt from its events alone."""

    reference = fields.String()
    kind = fields.String()
    as_of = fields.String(metadata={"description": "the day or instant asked for"})
    state = fields.String()
    state_label = fields.String()
    deadlines = fields.List(fields.Nested(DeadlineAsOf))
    notices = fields.List(fields.Nested(NoticeSummarySchema))
    events = fields.List(fields.Nested(EventSchema))
