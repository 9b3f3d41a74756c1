"""The community body's profile: its details, its constitution, and what it may ask for."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, request, url_for

from casework import bodies as body_commands
from casework.api import load
from casework.context import db, law
from casework.schemas.bodies import CommunityBodySchema
from casework.web import forms
from casework.web.acting import attempt
from casework.web.forms import Problem
from casework.web.pages import page
from casework.web.session import COMMUNITY, signed_in

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

        def save() -> None:
            posted = forms.payload(schema, request.form, blanks=body is not None)
            data = load(schema, posted, partial=body is not None)
            if body is None:
                body_commands.create_body(db(), data, g.user)
            else:
                body_commands.update_body(db(), body, data, g.user)

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


@bp.get("/organisation/eligibility")
@signed_in(*COMMUNITY)
def eligibility():
    body = g.user.community_body
    if body is None:
        return redirect(url_for("profile.organisation"))
    return page(
        "web/community/eligibility.html",
        "What your organisation may ask for",
        body=body,
        results=body_commands.standing(body, law()),
        purposes=PURPOSES,
    )
