"""Asset transfer requests open for representations: anyone may read and respond.

No account is needed. A representation's contact details are stored for the authority
and never appear in any response from here, nor in any other public response.
"""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields
from sqlalchemy import select

from casework import commands, notices, ratelimit
from casework.api import json_body, load
from casework.api.pagination import paginate
from casework.context import commit, db, law, services, today
from casework.errors import NotFound
from casework.eventlog import Actor
from casework.models import AssetTransferRequest
from casework.schemas.asset_transfer import PublicRepresentation
from casework.schemas.common import HONEYPOT, PageSchema
from casework.web.security import client_ip
from workflows.asset_transfer import TRANSFER_TYPES
from workflows.rules import Party

blp = Blueprint(
    "representations",
    __name__,
    url_prefix="/api/v1",
    description="Asset transfer requests open for representations",
)

PUBLIC_STATES = ("representations_open", "not_determined")


class OpenRequestSchema(Schema):
    reference = fields.String()
    authority = fields.Function(lambda c: {"code": c.authority.code, "name": c.authority.name})
    community_body = fields.Function(lambda c: c.community_body.name)
    land = fields.Function(
        lambda c: (
            None
            if c.land is None
            else {"id": c.land.id, "name": c.land.name, "address": c.land.address}
        )
    )
    land_description = fields.String()
    transfer_type = fields.String()
    transfer_type_label = fields.Function(lambda c: TRANSFER_TYPES[c.transfer_type])
    reasons = fields.String()
    benefits = fields.String()
    proposed_price = fields.String()
    other_terms = fields.String()
    community_support = fields.String()
    funding = fields.String()
    notice_date = fields.Date()
    representations_close = fields.Date()
    representation_url = fields.Function(lambda c: f"/api/v1/cases/{c.reference}/representations")


class ReceiptSchema(Schema):
    reference = fields.String()
    received_on = fields.Date()
    name = fields.String()
    message = fields.String()


def open_query(day):
    return select(AssetTransferRequest).where(
        AssetTransferRequest.state.in_(PUBLIC_STATES),
        AssetTransferRequest.notice_date.is_not(None),
        AssetTransferRequest.representations_close >= day,
    )


@blp.route("/open-for-representations")
@blp.arguments(PageSchema, location="query")
@blp.response(200, OpenRequestSchema(many=True))
@blp.doc(description="Paginated; the total is in the X-Total-Count header.")
def open_requests(args):
    """Requests whose representation period is open, closing soonest first."""
    query = open_query(today()).order_by(
        AssetTransferRequest.representations_close, AssetTransferRequest.id
    )
    page = paginate(db(), query, args["page"], args["page_size"])
    return page["items"], 200, {"X-Total-Count": str(page["total"])}


@blp.route("/open-for-representations/<reference>")
@blp.response(200, OpenRequestSchema)
def open_request(reference: str):
    """The published request documents (SSI 2016/357 reg 9)."""
    case = db().scalar(open_query(today()).where(AssetTransferRequest.reference == reference))
    if case is None:
        raise NotFound("There is no request open for representations with that reference.")
    return case


@blp.route("/cases/<reference>/representations")
class Representations(MethodView):
    @blp.doc(
        requestBody={"content": {"application/json": {"schema": PublicRepresentation}}},
        security=[],
        responses={
            "429": {
                "description": "Too many representations from this address within the hour "
                "(REPRESENTATION_LIMIT); the Retry-After header says how many seconds to wait."
            }
        },
    )
    @blp.response(201, ReceiptSchema)
    def post(self, reference: str):
        """Make a representation. Give your name, an email or postal address (never
        published) and your representation. Leave `website` empty."""
        case = db().scalar(
            select(AssetTransferRequest).where(
                AssetTransferRequest.reference == reference,
                AssetTransferRequest.notice_date.is_not(None),
            )
        )
        if case is None:
            raise NotFound("There is no request open for representations with that reference.")
        ip, limit = client_ip(), services().settings.representation_limit
        wait = ratelimit.retry_after(db(), ratelimit.REPRESENTATION, ip, limit)
        if wait is not None:
            raise ratelimit.TooManyRequests(
                f"Too many representations have been sent from this address in the last "
                f"hour. Nothing was kept from this one: send it again in "
                f"{ratelimit.wait_in_words(wait)}.",
                retry_after=wait,
            )
        payload = load(PublicRepresentation(), json_body())
        trapped = bool(payload.pop(HONEYPOT).strip())
        if not trapped:  # a filled-in honeypot is answered the same, but nothing is kept
            commands.perform(
                db(),
                case,
                "make_representation",
                payload,
                Actor("member of the public"),
                Party.PUBLIC,
                today=today(),
                law=law(),
            )
            made = case.representations[-1]
            # The same emailed receipt as the page sends, to the address given and no other.
            notices.representation_receipt(
                db(),
                case,
                made,
                notices.representation_reference(case, made),
                Actor("member of the public"),
                today(),
            )
        ratelimit.count(db(), ratelimit.REPRESENTATION, ip)
        commit()
        return {
            "reference": case.reference,
            "received_on": today(),
            "name": payload["name"],
            "message": f"Thank you. {case.authority.name} has received your "
            "representation. Your contact details will not be published.",
        }
