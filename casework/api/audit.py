"""The published anchors of the tamper-evident record: anyone may copy them, so a record
rewritten later, hashes and all, no longer matches what was published."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from casework.context import db
from casework.models import AuditAnchor

blp = Blueprint(
    "audit",
    __name__,
    url_prefix="/api/v1/audit",
    description="The daily anchors of the event log's hash chains",
)


class AnchorQuery(Schema):
    before = fields.Date(
        load_default=None, metadata={"description": "only anchors of days before this one"}
    )
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=1000))


class AnchorSchema(Schema):
    day = fields.Date()
    digest = fields.String(metadata={"description": "SHA-256 over every chain's latest hash"})
    chains = fields.Integer(metadata={"description": "how many chains (cases) it covers"})
    up_to_event_id = fields.Integer(metadata={"description": "the last event it covers"})


@blp.route("/anchors")
class Anchors(MethodView):
    @blp.arguments(AnchorQuery, location="query")
    @blp.response(200, AnchorSchema(many=True))
    def get(self, args):
        """The daily anchors, newest first (page with `before`)."""
        query = select(AuditAnchor).order_by(AuditAnchor.day.desc()).limit(args["limit"])
        if args["before"] is not None:
            query = query.where(AuditAnchor.day < args["before"])
        return db().scalars(query).all()
