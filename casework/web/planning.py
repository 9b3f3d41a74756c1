"""Community planning pages (Part 2 of the Act): the authority's LOIP priorities (s.6) and
localities with locality plans (s.10), kept by its managers and read by its officers, and
the page where an officer links a case to the priorities and localities it concerns.

Who may act is checked before the form is read (404, then 403, then 422, then 409)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, g, redirect, request, url_for
from werkzeug.datastructures import MultiDict

from casework import planning
from casework.access import party_for
from casework.api import load
from casework.context import commit, db, today
from casework.errors import Conflict, NotFound, ServiceError
from casework.models import Case, PlanItem
from casework.models.planning import PLAN_ITEM_KINDS
from casework.schemas.planning import PlanItemSchema, PlanLinksSchema
from casework.web import forms
from casework.web.acting import attempt
from casework.web.cases import heading_for, visible_case
from casework.web.forms import Problem
from casework.web.pages import page
from casework.web.session import AUTHORITY, signed_in
from workflows.rules import Party

bp = Blueprint("planning", __name__)

KIND_OPTIONS = [
    ("priority", "A priority of the local outcomes improvement plan"),
    ("locality", "A locality with its own locality plan"),
]
FIELD_LABELS = {
    "kind": "Is it a priority or a locality?",
    "name": "Name",
    "description": "What it is about (optional)",
    "plan_url": "Web address of the published plan (optional)",
}
LINK_LABELS = {
    "priority": "Which priorities of the local outcomes improvement plan does it concern?",
    "locality": "Which localities does it concern?",
}


@bp.app_template_global()
def plan_links(case: Case) -> dict[str, list[PlanItem]]:
    """The priorities and localities a case is linked to, for its page."""
    found = planning.linked(db(), case)
    return {kind: [i for i in found if i.kind == kind] for kind in PLAN_ITEM_KINDS}


def _item(item_id: int) -> PlanItem:
    """The item if it is this user's authority's (404 otherwise); then only its managers
    may change it (403)."""
    try:
        item = planning.item_for(db(), g.user, item_id)
    except NotFound:
        abort(404)
    if not planning.may_manage(g.user, item.authority_id):
        abort(403)
    return item


def _item_fields(schema, values, errors) -> list[forms.FormField]:
    built = forms.build(schema, values=values, errors=errors, options={"kind": KIND_OPTIONS})
    for ff in built:
        ff.label = FIELD_LABELS.get(ff.name, ff.label)
        if ff.name == "kind":
            ff.widget = "radios"
        if ff.name == "plan_url":
            ff.widget = "text"
            ff.hint = "For example, https://www.example.gov.uk/plan"
    return built


@bp.get("/planning")
@signed_in(*AUTHORITY)
def plan():
    authority = g.user.authority
    every = planning.items(db(), authority.id)
    counts = planning.case_counts(db(), authority.id)
    sections = [
        {
            "kind": kind,
            "label": planning.KIND_LABELS[kind],
            "citation": planning.CITATIONS[kind],
            "entries": [i for i in every if i.kind == kind],
        }
        for kind in PLAN_ITEM_KINDS
    ]
    return page(
        "web/planning/plan.html",
        f"Community planning at {authority.name}",
        sections=sections,
        counts=counts,
        manager=planning.may_manage(g.user, authority.id),
    )


@bp.route("/planning/new", methods=["GET", "POST"])
@signed_in(*AUTHORITY)
def new():
    if not planning.may_manage(g.user, g.user.authority_id):
        abort(403)
    schema = PlanItemSchema()
    problem = Problem()
    if request.method == "POST":
        made: list[PlanItem] = []
        problem = attempt(
            lambda: made.append(
                planning.create(db(), g.user, load(schema, forms.payload(schema, request.form)))
            )
        )
        if not problem:
            flash(f"Added {made[0].name}.", "success")
            return redirect(url_for("planning.plan"))
    kind = request.args.get("kind", "")
    values: Any = request.form if request.method == "POST" else {"kind": kind}
    form_fields = _item_fields(schema, values, problem.fields)
    title = {"priority": "Add a priority", "locality": "Add a locality"}.get(
        kind, "Add a priority or a locality"
    )
    return page(
        "web/planning/item.html",
        title,
        problem=problem,
        form_fields=form_fields,
        item=None,
        action=url_for("planning.new", kind=kind or None),
    )


@bp.route("/planning/<int:item_id>", methods=["GET", "POST"])
@signed_in(*AUTHORITY)
def edit(item_id: int):
    item = _item(item_id)
    schema = PlanItemSchema(exclude=("kind",))
    problem = Problem()
    if request.method == "POST":
        problem = attempt(
            lambda: planning.update(
                db(), item, g.user, load(schema, forms.payload(schema, request.form, blanks=True))
            )
        )
        if not problem:
            flash(f"Saved {item.name}.", "success")
            return redirect(url_for("planning.plan"))
        item = _item(item_id)
    values = request.form if request.method == "POST" else schema.dump(item)
    return page(
        "web/planning/item.html",
        f"Change {item.name}",
        problem=problem,
        form_fields=_item_fields(schema, values, problem.fields),
        item=item,
        action=url_for("planning.edit", item_id=item.id),
    )


def _conflict_or_done(work, done: str):
    """Run a one-button change; a state conflict is a 409 page, as the API gives."""
    try:
        work()
        commit()
    except Conflict as exc:
        db().rollback()
        abort(409, exc.detail)
    except ServiceError as exc:
        db().rollback()
        abort(exc.status, exc.detail)
    flash(done, "success")
    return redirect(url_for("planning.plan"))


@bp.post("/planning/<int:item_id>/retire")
@signed_in(*AUTHORITY)
def retire(item_id: int):
    item = _item(item_id)
    return _conflict_or_done(
        lambda: planning.retire(db(), item, g.user, today()),
        f"Retired {item.name}: it is no longer offered for new links. The cases linked to it "
        "keep their links, and past years' reports still count them.",
    )


@bp.post("/planning/<int:item_id>/move")
@signed_in(*AUTHORITY)
def move(item_id: int):
    item = _item(item_id)
    direction = request.form.get("direction", "")
    return _conflict_or_done(
        lambda: planning.move(db(), item, g.user, direction), f"Moved {item.name} {direction}."
    )


# -- a case's priorities and localities ----------------------------------------------------


def _linkable_case(reference: str) -> Case:
    """The case if this user is a party to it (404 otherwise); linking is the authority's
    side of it, so the body, which sees the case, may not (403)."""
    case = visible_case(reference)
    party = party_for(g.user, case)
    if party not in (Party.BODY, Party.AUTHORITY):
        abort(404)
    if party is not Party.AUTHORITY:
        abort(403)
    return case


def _link_fields(case: Case, values, errors) -> list[forms.FormField]:
    current = planning.linked(db(), case)
    offered = planning.items(db(), case.authority_id, live=True)
    shown = offered + [i for i in current if i.retired_on is not None]
    options = {
        kind: [
            (str(i.id), i.name + (" (retired)" if i.retired_on else ""))
            for i in shown
            if i.kind == kind
        ]
        for kind in PLAN_ITEM_KINDS
    }
    built = forms.build(PlanLinksSchema(), values=values, errors=errors, options=options)
    for ff in built:
        ff.label = LINK_LABELS[ff.name]
        ff.hint = "Tick all that apply"
    return [ff for ff in built if ff.options]


@bp.route("/cases/<reference>/planning", methods=["GET", "POST"])
@signed_in()
def case_links(reference: str):
    case = _linkable_case(reference)
    schema = PlanLinksSchema()
    problem = Problem()
    if request.method == "POST":
        problem = attempt(
            lambda: planning.set_links(
                db(), case, load(schema, forms.payload(schema, request.form)), g.user
            )
        )
        if not problem:
            flash("The priorities and localities are saved.", "success")
            return redirect(url_for("case_pages.case", reference=reference) + "#planning")
        # A bad id is reported against its list, not against one box in it.
        problem.fields = {k.split(".")[0]: v for k, v in problem.fields.items()}
        case = _linkable_case(reference)
    if request.method == "POST":
        values: Any = request.form
    else:
        values = MultiDict([(i.kind, str(i.id)) for i in planning.linked(db(), case)])
    form_fields = _link_fields(case, values, problem.fields)
    return page(
        "web/planning/case_links.html",
        "Priorities and localities",
        problem=problem,
        form_fields=form_fields,
        case=case,
        label=heading_for(case),
        manager=planning.may_manage(g.user, case.authority_id),
    )
