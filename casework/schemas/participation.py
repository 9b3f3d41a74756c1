"""Participation request input: the request itself, and each action's payload."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from casework.schemas.common import TODAY, CorrectReceipt, Receipt, id_field, text
from workflows import participation as pr


def title_field() -> fields.String:
    """The body's short title for its request, shown beside the reference everywhere."""
    return text(
        200,
        metadata={
            "description": "a short title for the request, such as 'Safer routes to "
            "Glenbrae primary school'"
        },
    )


class RequestFields(Schema):
    title = title_field()
    outcome = text(metadata={"description": pr.REQUEST_ITEMS["outcome"]})
    reasons = text(metadata={"description": pr.REQUEST_ITEMS["reasons"]})
    knowledge_and_experience = text(
        metadata={"description": pr.REQUEST_ITEMS["knowledge_and_experience"]}
    )
    expected_improvement = text(metadata={"description": pr.REQUEST_ITEMS["expected_improvement"]})
    additional_authorities = fields.List(
        fields.String(validate=validate.Length(min=1, max=16)),
        validate=validate.Length(max=20),
        metadata={"description": "codes of other public service authorities (s.22(6))"},
    )


class CreateParticipationRequest(RequestFields):
    kind = fields.String(required=True, validate=validate.Equal(pr.KIND))
    authority = fields.String(required=True, validate=validate.Length(min=1, max=16))
    community_body = id_field(
        metadata={"description": "defaults to the signed-in member's own body"}
    )


class UpdateParticipationRequest(RequestFields):
    pass


class Empty(Schema):
    pass


class RequestMissingItems(Schema):
    missing = fields.List(
        fields.String(validate=validate.OneOf(list(pr.ITEM_LABELS))), load_default=list
    )
    note = text(load_default="")


class SupplyInformation(RequestFields):
    """The s.22 items only: other authorities are checked at submission (s.22(6))."""

    class Meta:
        exclude = ("additional_authorities",)


class Validate(Receipt):
    pass


class NotifyAdditionalAuthorities(Schema):
    notified_on = fields.Date(load_default=None, metadata=TODAY)


class RecordAuthorityReply(Schema):
    authority = fields.String(required=True)
    will_participate = fields.Boolean(required=True)
    reasons = text(load_default="")
    replied_on = fields.Date(load_default=None, metadata=TODAY)


class AgreeExtension(Schema):
    rule = fields.String(load_default="pr.decision")
    new_due_date = fields.Date(required=True)
    agreed_on = fields.Date(load_default=None, metadata=TODAY)
    note = text(load_default="")


class Decide(Schema):
    outcome = fields.String(required=True, validate=validate.OneOf(["agreed", "refused"]))
    reasons = text(load_default="")
    considerations = fields.Dict(
        keys=fields.String(validate=validate.OneOf(list(pr.CONSIDERATIONS))),
        values=text(),
        load_default=dict,
        metadata={
            "description": "the officer's consideration of each s.24(3) matter",
            "properties": {
                key: {"type": "string", "description": label}
                for key, label in pr.CONSIDERATIONS.items()
            },
        },
    )
    process = fields.String(
        validate=validate.OneOf(["existing", "new"]),
        load_default=None,
        metadata={"description": "s.25(2) existing, or s.25(3) new"},
    )
    process_description = text(load_default="")
    process_stage = text(load_default="")
    participation_arrangements = text(load_default="")
    other_participants = text(
        load_default="",
        metadata={
            "description": "how any other person takes part in the process, or that no one "
            "else does (s.25(2)(d), s.25(3)(c))"
        },
    )

    @validates_schema
    def _process(self, data, **_):
        if data.get("outcome") == "agreed" and not data.get("process"):
            raise ValidationError(
                "Say whether the body joins an existing process (s.25(2)) or a new one (s.25(3)).",
                "process",
            )


class CommentOnProcess(Schema):
    comments = text(load_default="")


class IssueProcessNotice(Schema):
    process_description = text(load_default="")


class EstablishProcess(Schema):
    established_on = fields.Date(load_default=None, metadata=TODAY)


class RecordProcessChange(Schema):
    description = text(load_default="")


class RecordOutcomeViews(Schema):
    views_sought_on = fields.Date(load_default=None, metadata=TODAY)
    views_of_body = text(load_default="")
    views_of_others = text(
        load_default="",
        metadata={"description": "the views of any other community bodies that took part"},
    )


class GiveOutcomeViews(Schema):
    views = text(
        load_default="",
        metadata={
            "description": "the body's views on how the outcome improvement process was run "
            "and on its outcomes (s.31(3))"
        },
    )


class PublishOutcomeReport(Schema):
    service_changed = fields.Boolean(
        load_default=None,
        metadata={
            "description": "whether the request resulted in a change to a public service "
            "provided by or on behalf of the authority (counted in the s.32 annual report)"
        },
    )
    what_changed = text(load_default="")
    influence_of_body = text(load_default="")
    keeping_informed = text(load_default="")


class Withdraw(Schema):
    reason = text(load_default="")


ACTIONS: dict[str, type[Schema]] = {
    "submit": Empty,
    "request_missing_items": RequestMissingItems,
    "supply_information": SupplyInformation,
    "validate": Validate,
    "correct_validation_date": CorrectReceipt,
    "notify_additional_authorities": NotifyAdditionalAuthorities,
    "record_authority_reply": RecordAuthorityReply,
    "agree_extension": AgreeExtension,
    "decide": Decide,
    "comment_on_process": CommentOnProcess,
    "issue_process_notice": IssueProcessNotice,
    "establish_process": EstablishProcess,
    "record_process_change": RecordProcessChange,
    "record_outcome_views": RecordOutcomeViews,
    "give_outcome_views": GiveOutcomeViews,
    "publish_outcome_report": PublishOutcomeReport,
    "withdraw": Withdraw,
}
