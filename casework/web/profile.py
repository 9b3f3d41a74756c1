"""The community body's profile: its details, its constitution, and what it may ask for."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, request, url_for

from casework import bodies as body_commands
from casework.api import load
from casework.context import db, law
from casework.errors import Invalid
from casework.schemas.bodies import CommunityBodySchema, ConstitutionSchema
from casework.web import forms
from casework.web.acting import attempt
from casework.web.forms import Problem
from casework.web.pages import page
from casework.web.session import COMMUNITY, signed_in
from workflows.eligibility import CONSTITUTION_FIELDS

bp = Blueprint("profile", __name__)

PURPOSES = {
    "participation_request": "Participation requests",
    "asset_transfer_request": "Asset transfer requests (lease or other rights)",
    "ownership": "Asset transfer requests for ownership",
}


@bp.route("/organisation", methods=["GET", "POST"])
@signed_in(*COMMUNITY)
def organisation():
    body = g.user.community_body
    # Only an administrator records a Ministers' designation (s.20, s.77).
    schema = CommunityBodySchema(exclude=("designated",))
    title = "Your organisation" if body else "Tell us about your organisation"
    problem = Problem()
    if request.method == "POST":
        unanswered = unanswered_constitution(request.form)

        def save() -> None:
            posted = forms.payload(schema, request.form, blanks=body is not None)
            data = load(schema, posted, partial=body is not None)
            if body is None:
                body_commands.create_body(db(), data, g.user)
            else:
                body_commands.update_body(db(), body, data, g.user)

        if unanswered:
            # The other answers are still checked, so every problem shows at once.
            problem = Problem(dict(unanswered))
            try:
                load(schema, forms.payload(schema, request.form), partial=body is not None)
            except Invalid as exc:
                problem.fields = {**forms.problem_from(exc).fields, **unanswered}
        else:
            problem = attempt(save)
        if not problem:
            flash("Your organisation's details are saved.", "success")
            return redirect(url_for("profile.eligibility"))
        body = g.user.community_body
    values = request.form if request.method == "POST" else (schema.dump(body) if body else {})
    form_fields = forms.build(schema, values=values, errors=problem.fields)
    return page(
        "web/community/organisation.html",
        title,
        problem=problem,
        form_fields=form_fields,
        body=body,
    )


def unanswered_constitution(form) -> dict[str, str]:
    """Each constitution question left unanswered, with what to do: a question not answered
    is not answered, so it is never taken as "No" (which would make a body ineligible)."""
    fields_ = ConstitutionSchema().fields
    out = {}
    for name in CONSTITUTION_FIELDS:
        if form.get(f"constitution.{name}", "").strip() not in ("true", "false"):
            about = fields_[name].metadata["description"]
            out[f"constitution.{name}"] = f"Answer whether {about[:1].lower()}{about[1:]}."
    return out


@bp.get("/organisation/eligibility")
@signed_in(*COMMUNITY)
def eligibility():
    body = g.user.community_body
    if body is None:
        return redirect(url_for("profile.organisation"))
    results = body_commands.standing(body, law())
    return page(
        "web/community/eligibility.html",
        "What your organisation may ask for",
        body=body,
        results=results,
        purposes=PURPOSES,
        # A request may be started only for a right the body is eligible for.
        may_start=any(
            r.eligible
            for r in results
            if r.purpose in ("participation_request", "asset_transfer_request")
        ),
    )
