"""Community bodies: their constitutions, and whether they are eligible to ask."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select

from casework import bodies as body_commands
from casework.access import may_edit_body, may_register_bodies, scope_bodies
from casework.api import json_body, load
from casework.context import commit, current_user, db, law
from casework.errors import Forbidden, NotFound
from casework.models import CommunityBody
from casework.schemas.bodies import (
    CommunityBodyChangesSchema,
    CommunityBodySchema,
    EligibilityResultSchema,
)

blp = Blueprint(
    "community_bodies",
    __name__,
    url_prefix="/api/v1/community-bodies",
    description="Community bodies and their eligibility",
)


def visible_body(body_id: int) -> CommunityBody:
    body = db().scalar(
        scope_bodies(select(CommunityBody), current_user()).where(CommunityBody.id == body_id)
    )
    if body is None:
        raise NotFound("There is no such community body.")
    return body


@blp.route("")
class Bodies(MethodView):
    @blp.doc(
        requestBody={
            "description": "Only the fields to change.",
            "content": {"application/json": {"schema": CommunityBodyChangesSchema}},
        },
        security=[{"bearer": []}],
    )
    @blp.response(201, CommunityBodySchema)
    def post(self):
        """Register a community body. The member who registers it joins it."""
        if not may_register_bodies(current_user()):
            raise Forbidden("Only an administrator or a community member can register a body.")
        data = load(CommunityBodySchema(), json_body())
        body = body_commands.create_body(db(), data, current_user())
        commit()
        return body


@blp.route("/<int:body_id>")
class Body(MethodView):
    @blp.doc(security=[{"bearer": []}])
    @blp.response(200, CommunityBodySchema)
    def get(self, body_id: int):
        """A community body, to its members and to authorities it has asked."""
        return visible_body(body_id)

    @blp.doc(
        requestBody={
            "description": "Only the fields to change.",
            "content": {"application/json": {"schema": CommunityBodyChangesSchema}},
        },
        security=[{"bearer": []}],
    )
    @blp.response(200, CommunityBodySchema)
    def patch(self, body_id: int):
        """Update the body's details or constitution."""
        body = visible_body(body_id)
        if not may_edit_body(current_user(), body):
            raise Forbidden("Only the body's own members can change its details.")
        data = load(CommunityBodyChangesSchema(), json_body())
        body_commands.update_body(db(), body, data, current_user())
        commit()
        return body


@blp.route("/<int:body_id>/eligibility")
class Eligibility(MethodView):
    @blp.doc(security=[{"bearer": []}])
    @blp.response(200, EligibilityResultSchema(many=True))
    def get(self, body_id: int):
        """Whether the body may make each kind of request, and which tests fail."""
        return body_commands.standing(visible_body(body_id), law())
