"""Cases: create a draft, read it, take actions, and read its timeline and notices."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

from flask import Response, g, request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema
from sqlalchemy import exists, inspect, select
from sqlalchemy.orm import joinedload, with_polymorphic
from sqlalchemy.orm.attributes import set_committed_value

from casework import as_of, case_view, commands
from casework.access import may_make_requests, may_take, party_for, scope_cases, scope_notices
from casework.api import json_body, load
from casework.api.pagination import CursorPageSchema, by_id, paginate
from casework.context import commit, current_user, db, law, today
from casework.deadline_rows import overdue as overdue_on
from casework.errors import Forbidden, Invalid, NotFound
from casework.eventlog import Actor
from casework.kinds import KINDS, kind_of
from casework.models import (
    AdditionalAuthority,
    Application,
    AssetTransferRequest,
    Case,
    DeadlineRow,
    Decision,
    Event,
    ExtensionRow,
    Notice,
    ParticipationRequest,
    Representation,
    User,
)
from casework.schemas import registry
from casework.schemas.cases import (
    AsOfQuery,
    CaseAsOfSchema,
    CasePageSchema,
    CaseQuerySchema,
)
from casework.schemas.common import (
    EventSchema,
    NoticeSchema,
    NoticeSummarySchema,
    fill_today,
)

blp = Blueprint(
    "cases",
    __name__,
    url_prefix="/api/v1/cases",
    description="Participation and asset transfer requests",
)
SECURED = [{"bearer": []}]


def payload_components() -> dict[str, type[Schema]]:
    """The input schemas the OpenAPI document refers to by name; init_api registers them."""
    out = {
        s.__name__.removesuffix("Schema"): s
        for s in (*registry.CREATE.values(), *registry.UPDATE.values())
    }
    for kind, actions in registry.ACTIONS.items():
        out.update({f"{kind}.{action}": schema for action, schema in actions.items()})
    return out


def _case_shapes(*extra: str) -> dict[str, Any]:
    """A case as returned: one of the kinds, each with its own fields (told apart by kind)."""
    names = [s.__name__.removesuffix("Schema") for s in registry.OUTPUT.values()]
    return {
        "description": "The case, as its kind shows it. The ETag header is its version.",
        "content": {
            "application/json": {
                "schema": {
                    "oneOf": [{"$ref": f"#/components/schemas/{n}"} for n in (*names, *extra)]
                }
            }
        },
    }


def output_components() -> dict[str, type[Schema]]:
    """The output schemas the case responses refer to by name; init_api registers them."""
    out = {s.__name__.removesuffix("Schema"): s for s in registry.OUTPUT.values()}
    out["CaseAsOf"] = CaseAsOfSchema
    return out


# A case of either kind, its own table joined in: reading it whole is one query, not two.
_ANY_CASE = with_polymorphic(Case, [ParticipationRequest, AssetTransferRequest])
# The collections the case detail shows, by the column that ties each row to its case.
# Most cases have rows in only some of them (a draft in none; a case before its decision
# has no decision, application or extension), so the case is read with whether each has
# any: an empty one is known to be empty and costs no query, and each of the others is
# read in one query when the detail first needs it (one case: never a query a row).
_COLLECTIONS = {
    "deadlines": DeadlineRow.case_id,
    "extensions": ExtensionRow.case_id,
    "decisions": Decision.case_id,
    "additional_authorities": AdditionalAuthority.case_id,
    "representations": Representation.case_id,
    "applications": Application.case_id,
}
_HAS_ROWS = [exists().where(column == Case.id).label(name) for name, column in _COLLECTIONS.items()]


def load_case(reference: str, *, whole: bool = False) -> Case:
    """The case the caller may see, or a 404. Read once a request (a route and its
    @case_first ask for it twice); `whole` also reads which of the collections the
    detail shows have any rows, so that the empty ones are never queried."""
    seen: dict[str, Case] = g.setdefault("visible_cases", {})
    if reference in seen and not whole:
        return seen[reference]
    query = select(_ANY_CASE, *_HAS_ROWS) if whole else select(Case)
    row = (
        db().execute(scope_cases(query, current_user()).where(Case.reference == reference)).first()
    )
    if row is None:
        raise NotFound(f"There is no case {reference} that you can see.")
    case = row[0]
    if whole:
        state = inspect(case)
        for name, has_rows in zip(_COLLECTIONS, row[1:], strict=True):
            if not has_rows and name in state.unloaded and name in state.mapper.relationships:
                set_committed_value(case, name, [])
    seen[reference] = case
    return case


def just_created(case: Case) -> Case:
    """A case inserted in this request has no rows in any of its collections yet (no
    deadline, decision, representation...): mark them empty, so its response is built
    from what was written rather than read back."""
    state = inspect(case)
    for relationship in state.mapper.relationships:
        if relationship.uselist and relationship.key in state.unloaded:
            set_committed_value(case, relationship.key, [])
    return case


def case_first(view: Callable) -> Callable:
    """Put above @blp.arguments: a case the caller may not see is a 404 before
    flask-smorest reads the query, whose errors would otherwise come first as a 422."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any):
        load_case(kwargs["reference"])
        return view(*args, **kwargs)

    return wrapper


def expected_version() -> int | None:
    """The version the client last read, from If-Match: "3" (or W/"3")."""
    header = request.headers.get("If-Match")
    if not header:
        return None
    match = re.fullmatch(r'\s*(?:W/)?(?:"(\d+)"|(\d+))\s*', header)
    if match is None:
        raise Invalid({"If-Match": ['Send the case version as an entity tag, e.g. "3".']})
    return int(match.group(1) or match.group(2))


def case_response(case: Case, status: int = 200) -> Response:
    schema = registry.one(registry.OUTPUT[case.kind])
    response = Response(
        schema.dumps(case_view.detail(case, current_user(), today(), law())),
        status=status,
        mimetype="application/json",
    )
    response.headers["ETag"] = f'"{case.version}"'
    response.headers["Location"] = f"/api/v1/cases/{case.reference}"
    return response


@blp.route("")
class Cases(MethodView):
    @blp.doc(security=SECURED)
    @blp.arguments(CaseQuerySchema, location="query")
    @blp.response(200, CasePageSchema)
    def get(self, args):
        """The cases you can see: an officer's queue, or a body's own requests."""
        day = today()
        overdue = overdue_on(day)
        query = scope_cases(select(Case, overdue.label("overdue")), current_user()).options(
            joinedload(Case.assigned_to)
        )
        if "state" in args:
            query = query.where(Case.state == args["state"])
        if "kind" in args:
            query = query.where(Case.kind == args["kind"])
        if args.get("overdue") is not None:
            query = query.where(overdue if args["overdue"] else ~overdue)
        if "due_before" in args:
            query = query.where(Case.next_due_date < args["due_before"])
        if "assigned_to" in args:
            who = args["assigned_to"]
            user = current_user()
            if who == "me" and user is not None:
                query = query.where(Case.assigned_to_id == user.id)
            else:
                query = query.join(User, User.id == Case.assigned_to_id).where(User.email == who)
        order = {
            "next_due_date": (Case.next_due_date.asc().nulls_last(), Case.id),
            "-submitted_at": (Case.submitted_at.desc(), Case.id),
            "reference": (Case.reference,),
        }[args["sort"]]
        page = paginate(
            db(), query.order_by(*order), args["page"], args["page_size"], scalars=False
        )
        page["items"] = [
            case_view.summary(row.Case, day, overdue=row.overdue) for row in page["items"]
        ]
        return page

    @blp.doc(
        security=SECURED,
        requestBody={
            "content": {
                "application/json": {
                    "schema": {
                        "oneOf": [
                            {"$ref": f"#/components/schemas/{s.__name__.removesuffix('Schema')}"}
                            for s in registry.CREATE.values()
                        ]
                    }
                }
            }
        },
    )
    @blp.doc(responses={"201": _case_shapes()})
    def post(self):
        """Start a request as a draft. The reference is fixed now, e.g. PR-FIFE-2026-0001."""
        user = current_user()
        if user is None:
            raise Forbidden("Sign in as a member of a community body to make a request.")
        if not may_make_requests(user):
            raise Forbidden("Only a community body's own members can make a request.")
        data = json_body() or {}
        kind = data.get("kind") if isinstance(data, dict) else None
        if kind not in registry.CREATE:
            raise Invalid({"kind": [f"Choose one of: {', '.join(registry.CREATE)}."]})
        payload = load(registry.one(registry.CREATE[kind]), data)
        case = commands.create_case(db(), kind, payload, Actor.of(user), today=today())
        just_created(case)
        commit()
        return case_response(case, 201)


@blp.route("/<reference>")
class CaseResource(MethodView):
    @blp.doc(
        security=SECURED,
        parameters=[
            {
                "in": "query",
                "name": "as_of",
                "required": False,
                "schema": {"type": "string", "format": "date"},
                "description": "the case as it stood at the end of this day, rebuilt from its "
                "events: state, deadlines, notices and timeline (a CaseAsOf)",
            }
        ],
        responses={"200": _case_shapes("CaseAsOf")},
    )
    def get(self, reference: str):
        """A case, with its deadlines explained and the actions open to you now."""
        if "as_of" not in request.args:
            return case_response(load_case(reference, whole=True))
        case = load_case(reference)
        day = load(registry.one(AsOfQuery), {"as_of": request.args.get("as_of")})["as_of"]
        return Response(
            registry.one(CaseAsOfSchema).dumps(as_of.view(db(), case, day, current_user())),
            mimetype="application/json",
        )

    @blp.doc(
        security=SECURED,
        requestBody={
            "description": "Only the fields to change.",
            "content": {
                "application/json": {
                    "schema": {
                        "oneOf": [
                            {"$ref": f"#/components/schemas/{s.__name__.removesuffix('Schema')}"}
                            for s in registry.UPDATE.values()
                        ]
                    }
                }
            },
        },
    )
    @blp.doc(responses={"200": _case_shapes()})
    def patch(self, reference: str):
        """Edit a draft. Send If-Match with the version you read to guard against overwrites."""
        case = load_case(reference)
        if party_for(current_user(), case) is None or case.community_body_id != getattr(
            current_user(), "community_body_id", None
        ):
            raise Forbidden("Only the body's own members can edit its draft.")
        payload = load(registry.one(registry.UPDATE[case.kind]), json_body(), partial=True)
        commands.update_draft(
            db(), case, payload, Actor.of(current_user()), expected_version=expected_version()
        )
        commit()
        return case_response(case)


@blp.route("/<reference>/actions/<action>", methods=["POST"])
@blp.doc(
    security=SECURED,
    requestBody={
        "description": "The payload for ACTION on a case of KIND is the schema KIND.ACTION.",
        "required": False,
        "content": {
            "application/json": {
                "schema": {
                    "oneOf": [
                        {"$ref": f"#/components/schemas/{name}"}
                        for name in payload_components()
                        if "." in name
                    ]
                }
            }
        },
    },
    responses={"200": _case_shapes()},
)
def act(reference: str, action: str):
    """Take a workflow action. Its payload depends on the action; see the case's
    available_actions for what you may do now."""
    case = load_case(reference)
    schemas = registry.ACTIONS[case.kind]
    if action not in schemas:
        raise NotFound(f"There is no action '{action}' for this case.")
    user = current_user()
    party = party_for(user, case)
    if party is None:
        raise Forbidden("You can read this case but not act on it.")
    # Who may act is settled before the payload is read: the same 403 whatever was sent.
    if not may_take(kind_of(case).workflow, action, case.state, party):
        raise Forbidden(f"'{action}' is not an action you can take on this case.")
    schema = registry.one(schemas[action])
    payload = fill_today(schema, load(schema, json_body()), today())
    commands.perform(
        db(),
        case,
        action,
        payload,
        Actor.of(user),
        party,
        today=today(),
        law=law(),
        expected_version=expected_version(),
    )
    commit()
    return case_response(case)


@blp.route("/<reference>/events")
@blp.doc(security=SECURED)
@case_first
@blp.arguments(CursorPageSchema, location="query")
@blp.response(200, EventSchema(many=True))
def events(args, reference: str):
    """The case's timeline, oldest first, as the caller may see it: a community body does
    not see the addresses notices went to, nor anyone's contact details. Paged by cursor:
    the `Link` header names the next and previous pages."""
    from casework import event_view

    case = load_case(reference)
    # The timeline is a plain list with no total, so it pays for no count.
    query = select(Event).where(Event.case_id == case.id)
    rows, links = by_id(db(), query, Event.id, args)
    reader = event_view.reader_for(current_user(), case)
    return event_view.visible_events(rows, reader, case), links


@blp.route("/<reference>/notices")
@blp.doc(security=SECURED)
@case_first
@blp.arguments(CursorPageSchema, location="query")
@blp.response(200, NoticeSummarySchema(many=True))
def notices(args, reference: str):
    """The notices issued on the case, oldest first; paged by cursor like the timeline."""
    case = load_case(reference)
    query = scope_notices(select(Notice).where(Notice.case_id == case.id), current_user(), case)
    return by_id(db(), query, Notice.id, args)


@blp.route("/<reference>/notices/<int:notice_id>")
@blp.doc(
    security=SECURED,
    description="Send Accept: text/html or text/plain for the notice "
    "itself, or ?format=html|text; otherwise JSON with both.",
)
@blp.response(200, NoticeSchema)
def notice(reference: str, notice_id: int):
    """One notice, as HTML, plain text or JSON."""
    case = load_case(reference)
    query = select(Notice).where(Notice.case_id == case.id, Notice.id == notice_id)
    row = db().scalar(scope_notices(query, current_user(), case))
    if row is None:
        raise NotFound("There is no such notice on this case.")
    wanted = request.args.get("format") or request.accept_mimetypes.best_match(
        ["application/json", "text/html", "text/plain"], default="application/json"
    )
    if wanted in ("html", "text/html"):
        return Response(row.body_html, mimetype="text/html")
    if wanted in ("text", "text/plain"):
        return Response(row.body_text, mimetype="text/plain")
    return row


def _kinds_are_complete() -> None:
    """Every kind has a schema for each of its workflow's actions (checked at import)."""
    for name, kind in KINDS.items():
        missing = set(kind.workflow.triggers) - set(registry.ACTIONS[name])
        if missing:
            raise RuntimeError(f"{name}: no payload schema for {sorted(missing)}")


_kinds_are_complete()
