"""Assigning a case to an officer of its authority."""

from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import Schema, fields

from casework import assignment
from casework.access import party_for
from casework.api import json_body, load
from casework.api.cases import SECURED, case_response, expected_version, load_case
from casework.context import commit, current_user, db
from casework.errors import Forbidden
from casework.eventlog import Actor
from casework.schemas.cases import CaseSchema
from workflows.rules import Party

blp = Blueprint(
    "assignment", __name__, url_prefix="/api/v1/cases", description="Who is working on a case"
)


class AssigneeSchema(Schema):
    assignee = fields.Email(
        required=True,
        allow_none=True,
        metadata={"description": "an officer or manager of the case's authority, or null"},
    )


@blp.route("/<reference>/assignee", methods=["PUT"])
@blp.doc(
    security=SECURED, requestBody={"content": {"application/json": {"schema": AssigneeSchema}}}
)
@blp.response(200, CaseSchema)
def assign(reference: str):
    """Assign the case (officers and managers of its authority)."""
    case = load_case(reference)
    if party_for(current_user(), case) is not Party.AUTHORITY:
        raise Forbidden("Only the officers and managers of the case's authority can assign it.")
    data = load(AssigneeSchema(), json_body())
    assignment.assign(
        db(),
        case,
        data["assignee"],
        Actor.of(current_user()) if current_user() else Actor("anonymous"),
        expected_version=expected_version(),
    )
    commit()
    return case_response(case)
