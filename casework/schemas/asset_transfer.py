"""Asset transfer request input: the request itself, and each action's payload."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from casework.schemas.common import TODAY, CorrectReceipt, Receipt, id_field, text
from casework.schemas.participation import Empty, RequestMissingItems, Withdraw, title_field
from workflows import asset_transfer as atr


class RequestFields(Schema):
    title = title_field()
    land = id_field(
        allow_none=True, metadata={"description": "the id of an entry in the register of land"}
    )
    land_description = text(
        5000, metadata={"description": "the land, in words, if it is not on the register (s.94)"}
    )
    transfer_type = fields.String(validate=validate.OneOf(list(atr.TRANSFER_TYPES)))
    reasons = text(metadata={"description": atr.REQUEST_ITEMS["reasons"]})
    benefits = text(metadata={"description": atr.REQUEST_ITEMS["benefits"]})
    proposed_price = text(2000, metadata={"description": atr.REQUEST_ITEMS["proposed_price"]})
    other_terms = text(metadata={"description": atr.REQUEST_ITEMS["other_terms"]})
    community_support = text(metadata={"description": atr.REQUEST_ITEMS["community_support"]})
    funding = text(metadata={"description": atr.REQUEST_ITEMS["funding"]})


class CreateAssetTransferRequest(RequestFields):
    kind = fields.String(required=True, validate=validate.Equal(atr.KIND))
    authority = fields.String(required=True, validate=validate.Length(min=1, max=16))
    community_body = id_field(
        metadata={"description": "defaults to the signed-in member's own body"}
    )


class UpdateAssetTransferRequest(RequestFields):
    pass


class MissingInformation(RequestMissingItems):
    missing = fields.List(
        fields.String(validate=validate.OneOf(list(atr.ITEM_LABELS))), load_default=list
    )


class Reasons(Schema):
    reasons = text(load_default="")


class ValidateAsset(Receipt):
    freeze_exception = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.OneOf(list(atr.FREEZE_EXCEPTIONS)),
        metadata={"description": "why the s.84 bar does not apply, if it does not"},
    )
    freeze_exception_details = text(load_default="")


class LinkLand(Schema):
    land = id_field(required=True)


class OwnerOrOccupier(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=300))
    address = text(2000, load_default="")
    email = fields.Email(load_default=None, allow_none=True)


class PublishNotices(Schema):
    notice_date = fields.Date(load_default=None, metadata=TODAY)
    representations_close = fields.Date(required=True)
    owners_and_occupiers = fields.List(fields.Nested(OwnerOrOccupier), load_default=list)


class MakeRepresentation(Schema):
    name = fields.String(load_default="", validate=validate.Length(max=200))
    email = fields.Email(load_default=None, allow_none=True)
    address = text(2000, load_default="")
    text = text(20000, load_default="")


class PublicRepresentation(MakeRepresentation):
    """A representation as the public sends it: with the honeypot, which people leave empty."""

    website = fields.String(
        load_default="",
        validate=validate.Length(max=2000),
        metadata={
            "description": "Leave empty. A field for automated spam to fill in: a "
            "representation with it filled in is answered as usual but not kept."
        },
    )


class RecordRepresentation(MakeRepresentation):
    received_on = fields.Date(load_default=None, metadata=TODAY)


class SendRepresentations(Schema):
    copies_sent_on = fields.Date(load_default=None, metadata=TODAY)
    comments_by = fields.Date(required=True)


class Comments(Schema):
    comments = text(load_default="")


class AgreeExtension(Schema):
    rule = fields.String(load_default="atr.decision")
    new_due_date = fields.Date(required=True)
    agreed_on = fields.Date(load_default=None, metadata=TODAY)
    note = text(load_default="")


class ExtendContractPeriod(AgreeExtension):
    rule = fields.String(load_default="atr.contract")
    by = fields.String(
        load_default="agreement with the body",
        validate=validate.OneOf(["agreement with the body", "direction of the Scottish Ministers"]),
    )


class Agreement(Schema):
    reasons = text(load_default="")
    terms = text(load_default="")
    offer_by = fields.Date(load_default=None)
    terms_differ_significantly = fields.Boolean(
        load_default=False,
        metadata={
            "description": "the terms differ significantly from those in the request, so a "
            "review or appeal is open to the body"
        },
    )


class DecideAsset(Agreement):
    outcome = fields.String(required=True, validate=validate.OneOf(["agreed", "refused"]))
    considerations = fields.Dict(
        keys=fields.String(validate=validate.OneOf(list(atr.CONSIDERATIONS))),
        values=text(),
        load_default=dict,
        metadata={"description": "the officer's consideration of each s.82(3) matter"},
    )


PROCEDURES = ("written_submissions", "hearing", "site_visit")


class Application(Schema):
    reasons = text(load_default="")
    procedure = fields.List(
        fields.String(validate=validate.OneOf(PROCEDURES)),
        load_default=list,
        metadata={"description": "how it should be heard"},
    )
    documents = fields.List(
        fields.String(validate=validate.Length(max=500)),
        load_default=list,
        validate=validate.Length(max=50),
    )


class ReviewOutcome(Agreement):
    result = fields.String(
        required=True, validate=validate.OneOf(["confirm", "modify", "substitute"])
    )
    decision = fields.String(required=True, validate=validate.OneOf(["agreed", "refused"]))


class AppealOutcome(Agreement):
    result = fields.String(
        required=True, validate=validate.OneOf(["allowed", "dismissed", "varied"])
    )
    decision = fields.String(required=True, validate=validate.OneOf(["agreed", "refused"]))


class MakeOffer(Schema):
    offer = text(load_default="")


class ConcludeContract(Schema):
    concluded_on = fields.Date(load_default=None, metadata=TODAY)


class NoContractResponse(Schema):
    response = text(load_default="")


class ResponseReceipt(Schema):
    received_on = fields.Date(
        required=True,
        metadata={"description": "the day the body received the authority's response"},
    )


class NoContractOutcome(Schema):
    result = fields.String(required=True, validate=validate.OneOf(["allowed", "dismissed"]))
    reasons = text(load_default="")
    contract_by = fields.Date(load_default=None)

    @validates_schema
    def _direction(self, data, **_):
        if data.get("result") == "allowed" and not data.get("contract_by"):
            raise ValidationError(
                "Give the date by which the contract must now be concluded.", "contract_by"
            )


ACTIONS: dict[str, type[Schema]] = {
    "submit": Empty,
    "request_missing_items": MissingInformation,
    "supply_information": UpdateAssetTransferRequest,
    "decline_repeat_request": Reasons,
    "validate": ValidateAsset,
    "correct_validation_date": CorrectReceipt,
    "link_land": LinkLand,
    "publish_notices": PublishNotices,
    "make_representation": MakeRepresentation,
    "record_representation": RecordRepresentation,
    "send_representations_to_body": SendRepresentations,
    "comment_on_representations": Comments,
    "agree_extension": AgreeExtension,
    "decide": DecideAsset,
    "decision_period_expired": Empty,
    "review_period_expired": Empty,
    "request_review": Application,
    "appeal_to_ministers": Application,
    "record_review_outcome": ReviewOutcome,
    "record_appeal_outcome": AppealOutcome,
    "close_review_period": Empty,
    "make_offer": MakeOffer,
    "lapse": Empty,
    "extend_contract_period": ExtendContractPeriod,
    "conclude_contract": ConcludeContract,
    "apply_for_direction": Reasons,
    "appeal_no_contract": Application,
    "record_no_contract_response": NoContractResponse,
    "record_response_receipt": ResponseReceipt,
    "comment_on_no_contract_response": Comments,
    "record_no_contract_appeal_outcome": NoContractOutcome,
    "withdraw": Withdraw,
}
