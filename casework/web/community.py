"""A community body's pages: its dashboard, and making a request one question at a time.

A request is a draft from its first answer, so the body can stop and come back. Each page
saves through the same command as PATCH /api/v1/cases/{reference}, with the same schema.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import Blueprint, abort, flash, g, redirect, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from casework import commands
from casework.access import party_for, scope_cases
from casework.api import load
from casework.context import db, law, today
from casework.eventlog import Actor
from casework.kinds import KINDS, kind_of
from casework.models import Authority, Case, Document, LandEntry
from casework.schemas import registry
from casework.web import forms
from casework.web.acting import attempt, perform_as
from casework.web.forms import Problem
from casework.web.pages import KIND_LABELS, page
from casework.web.session import COMMUNITY, signed_in
from workflows import asset_transfer as atr
from workflows import participation as pr
from workflows.authorities import AUTHORITY_TYPES
from workflows.rules import Party

bp = Blueprint("community", __name__)


@dataclass(frozen=True)
class Step:
    """One question page of a request: the fields it saves and how it is asked."""

    slug: str
    fields: tuple[str, ...]
    question: str
    hint: str = ""


STEPS: dict[str, tuple[Step, ...]] = {
    pr.KIND: (
        Step(
            "outcome",
            ("outcome",),
            "What outcome do you want to improve?",
            "An outcome is a result for people, such as safer routes to school or better "
            "access to mental health support (s.22, reg 3).",
        ),
        Step(
            "reasons",
            ("reasons",),
            "Why should your body take part in improving it?",
            "Say why your body is well placed to help.",
        ),
        Step(
            "knowledge",
            ("knowledge_and_experience",),
            "What knowledge, expertise and experience does your body have of it?",
        ),
        Step(
            "improvement",
            ("expected_improvement",),
            "What improvement do you expect from taking part?",
        ),
        Step(
            "other-authorities",
            ("additional_authorities",),
            "Should any other public service authorities be involved?",
            "Optional. Each one you choose is told about your request and says whether it "
            "will take part (s.22(6), reg 6).",
        ),
    ),
    atr.KIND: (
        Step(
            "transfer-type",
            ("transfer_type",),
            "What kind of transfer are you asking for?",
            "To ask for ownership your body needs the legal form, 20 members and an asset "
            "lock (s.80).",
        ),
        Step(
            "land",
            ("land", "land_description"),
            "Which land or building is it?",
            "Choose it from the authority's register of land, or describe it if it is not on "
            "the register (s.94).",
        ),
        Step("reasons", ("reasons",), "Why are you asking for it?"),
        Step("benefits", ("benefits",), "What benefits do you expect from the transfer?"),
        Step(
            "price",
            ("proposed_price",),
            "What price, rent or other payment do you offer?",
            "An outline is enough for a valid request (guidance 9.4).",
        ),
        Step("terms", ("other_terms",), "Are there other terms and conditions you propose?"),
        Step(
            "support",
            ("community_support",),
            "What support does the request have in your community?",
            "For example, a survey, a public meeting, or letters of support.",
        ),
        Step(
            "funding",
            ("funding",),
            "How will you fund the transfer and your use of the land?",
        ),
    ),
}
DOCUMENTS_STEP = "documents"


def own_case(reference: str) -> Case:
    case = db().scalar(scope_cases(select(Case), g.user).where(Case.reference == reference))
    if case is None:
        abort(404)
    return case


def next_step(case: Case, day: dt.date) -> str:
    """What happens next, in words: the body's own action if it has one, else who waits."""
    workflow = kind_of(case).workflow
    if workflow.states[case.state].final:
        return "Nothing: the request is finished."
    if case.state == workflow.initial:
        return "Finish your request and submit it."
    ctx = commands.context_for(case, day, law())
    mine = [o for o in workflow.offers(case.state, Party.BODY, ctx) if o.allowed]
    useful = [o for o in mine if o.trigger not in ("withdraw",)]
    if useful:
        return "You can: " + "; ".join(o.label.lower() for o in useful) + "."
    return f"Waiting for {case.authority.name}."


def next_deadline(case: Case):
    open_rows = [r for r in case.deadlines if r.status == "open"]
    return min(open_rows, key=lambda r: r.due_date) if open_rows else None


@bp.get("/dashboard")
@signed_in(*COMMUNITY)
def dashboard():
    body = g.user.community_body
    cases = []
    if body is not None:
        cases = (
            db()
            .scalars(
                scope_cases(select(Case), g.user)
                .options(selectinload(Case.deadlines))
                .order_by(Case.created_at.desc(), Case.id.desc())
            )
            .all()
        )
    day = today()
    rows = [
        {
            "case": c,
            "kind": KIND_LABELS[c.kind],
            "state": kind_of(c).workflow.states[c.state].label,
            "deadline": next_deadline(c),
            "next": next_step(c, day),
            "draft": c.state == kind_of(c).workflow.initial,
        }
        for c in cases
    ]
    return page(
        "web/community/dashboard.html",
        "Your requests",
        body=body,
        rows=rows,
        rules=law().rulebook,
        today_=day,
    )


@bp.route("/requests/new", methods=["GET", "POST"])
@signed_in(*COMMUNITY)
def new_request():
    if g.user.community_body is None:
        flash("First, tell us about your organisation.", "info")
        return redirect(url_for("profile.organisation"))
    problem = Problem()
    if request.method == "POST":
        kind = request.form.get("kind")
        if kind in KINDS:
            return redirect(url_for("community.new_request_authority", kind=kind))
        problem = Problem({"kind": "Choose the kind of request."})
    field = forms.FormField(
        "kind",
        "What do you want to ask for?",
        "radios",
        options=[
            (pr.KIND, "To take part in improving a public service (a participation request)"),
            (atr.KIND, "To buy, lease or use land or buildings (an asset transfer request)"),
        ],
        error=problem.fields.get("kind", ""),
    )
    return page(
        "web/community/new_request.html",
        "Start a request",
        problem=problem,
        form_fields=[field],
    )


def authority_options(kind: str) -> list[tuple[str, str]]:
    """Public service authorities (Schedule 2) for Part 3; relevant authorities
    (Schedule 3) for Part 5."""
    wanted = "public_service_authority" if kind == pr.KIND else "relevant_authority"
    return [
        (a.code, a.name)
        for a in db().scalars(select(Authority).order_by(Authority.name))
        if getattr(AUTHORITY_TYPES[a.type], wanted)
    ]


@bp.route("/requests/new/<kind>", methods=["GET", "POST"])
@signed_in(*COMMUNITY)
def new_request_authority(kind: str):
    if kind not in KINDS:
        abort(404)
    if g.user.community_body is None:
        return redirect(url_for("profile.organisation"))
    problem = Problem()
    options = authority_options(kind)
    if request.method == "POST":
        code = request.form.get("authority", "")
        if code not in dict(options):
            problem = Problem({"authority": "Choose the authority you are asking."})
        else:
            data = {"kind": kind, "authority": code}
            if kind == atr.KIND:
                data["transfer_type"] = "lease"  # asked on the next page
            made: list[Case] = []

            def create() -> None:
                payload = load(registry.CREATE[kind](), data)
                made.append(
                    commands.create_case(db(), kind, payload, Actor.of(g.user), today=today())
                )

            problem = attempt(create)
            if not problem:
                first = STEPS[kind][0].slug
                return redirect(url_for("community.step", reference=made[0].reference, slug=first))
    field = forms.FormField(
        "authority",
        "Which authority are you asking?",
        "select",
        hint=(
            "A participation request goes to a public service authority (Schedule 2)."
            if kind == pr.KIND
            else "An asset transfer request goes to the authority that owns or leases the "
            "land (Schedule 3)."
        ),
        options=options,
        value=request.form.get("authority", ""),
        error=problem.fields.get("authority", ""),
    )
    return page(
        "web/community/question.html",
        field.label,
        problem=problem,
        form_fields=[field],
        label=KIND_LABELS[kind],
        action=url_for("community.new_request_authority", kind=kind),
        case=None,
        later=False,
    )


def _steps(case: Case) -> tuple[Step, ...]:
    return STEPS[case.kind]


def _step_options(case: Case, step: Step) -> dict[str, list[tuple[str, str]]]:
    if "additional_authorities" in step.fields:
        return {
            "additional_authorities": [
                (code, name)
                for code, name in authority_options(pr.KIND)
                if code != case.authority.code
            ]
        }
    if "land" in step.fields:
        entries = db().scalars(
            select(LandEntry)
            .where(LandEntry.authority_id == case.authority_id, LandEntry.retired_on.is_(None))
            .order_by(LandEntry.name)
            .limit(1000)
        )
        return {"land": [(str(e.id), f"{e.name}, {e.address}".strip(", ")) for e in entries]}
    return {}


def stored_answers(case: Case) -> dict:
    values = {name: getattr(case, name) for name in kind_of(case).request_fields}
    if case.kind == pr.KIND:
        values["additional_authorities"] = [a.authority.code for a in case.additional_authorities]
    else:
        values["land"] = case.land_id
    return values


def _step_fields(case: Case, step: Step, values, errors) -> list[forms.FormField]:
    schema = registry.UPDATE[case.kind]()
    built = forms.build(
        schema,
        kind=case.kind,
        values=values,
        errors=errors,
        options=_step_options(case, step),
        only=step.fields,
    )
    if len(built) == 1:
        built[0].label, built[0].hint = step.question, step.hint or built[0].hint
    return built


@bp.route("/requests/<reference>/<slug>", methods=["GET", "POST"])
@signed_in(*COMMUNITY)
def step(reference: str, slug: str):
    case = own_case(reference)
    if case.state != kind_of(case).workflow.initial:
        return redirect(url_for("case_pages.case", reference=reference))
    steps = _steps(case)
    if slug == DOCUMENTS_STEP:
        return documents_step(case)
    current = next((s for s in steps if s.slug == slug), None)
    if current is None:
        abort(404)
    index = steps.index(current)
    following = steps[index + 1].slug if index + 1 < len(steps) else DOCUMENTS_STEP
    problem = Problem()
    if request.method == "POST":
        schema = registry.UPDATE[case.kind]()

        def save() -> None:
            posted = forms.payload(schema, request.form, blanks=True)
            data = load(schema, posted, partial=True)
            data = {k: v for k, v in data.items() if k in current.fields}
            commands.update_draft(db(), case, data, Actor.of(g.user), expected_version=_version())

        problem = attempt(save)
        if problem:
            case = own_case(reference)
        else:
            if request.form.get("go") == "later":
                flash(f"Saved. {case.reference} is waiting for you below.", "success")
                return redirect(url_for("community.dashboard"))
            if request.args.get("back") == "check":
                return redirect(url_for("community.check", reference=reference))
            return redirect(url_for("community.step", reference=reference, slug=following))
    values = request.form if request.method == "POST" else stored_answers(case)
    form_fields = _step_fields(case, current, values, problem.fields)
    return page(
        "web/community/question.html",
        current.question,
        problem=problem,
        form_fields=form_fields,
        label=f"{KIND_LABELS[case.kind]} {case.reference}: question {index + 1} of {len(steps)}",
        action=request.full_path.rstrip("?"),
        case=case,
        later=True,
        single=len(form_fields) == 1,
        hint=current.hint if len(form_fields) > 1 else "",
        back=url_for("community.step", reference=reference, slug=steps[index - 1].slug)
        if index
        else url_for("community.dashboard"),
    )


def _version() -> int | None:
    return forms.whole_number(request.form.get("version"))


def documents_step(case: Case):
    """Supporting documents: optional, uploaded one at a time, then on to the check page."""
    docs = (
        db()
        .scalars(select(Document).where(Document.case_id == case.id).order_by(Document.id))
        .all()
    )
    return page(
        "web/community/documents.html",
        "Add supporting documents",
        label=f"{KIND_LABELS[case.kind]} {case.reference}",
        case=case,
        documents=docs,
        back=url_for("community.step", reference=case.reference, slug=_steps(case)[-1].slug),
    )


def _answers(case: Case) -> list[dict]:
    """Every answer, with a link to change it, for the check page."""
    values = stored_answers(case)
    rows = []
    for s in _steps(case):
        for f in _step_fields(case, s, values, {}):
            if f.widget in ("select", "radios"):
                shown = dict(f.options).get(str(f.value), "") if f.value else ""
            elif f.widget == "checkboxes":
                shown = ", ".join(t for v, t in f.options if v in f.value) or "None"
            else:
                shown = f.value
            rows.append({"question": f.label, "answer": shown, "slug": s.slug})
    return rows


@bp.route("/requests/<reference>/check", methods=["GET", "POST"])
@signed_in(*COMMUNITY)
def check(reference: str):
    case = own_case(reference)
    if case.state != kind_of(case).workflow.initial:
        return redirect(url_for("case_pages.case", reference=reference))
    problem = Problem()
    if request.method == "POST":
        problem = attempt(lambda: perform_as(case, "submit", {}, Party.BODY, _version()))
        if not problem:
            return redirect(url_for("community.submitted", reference=reference))
        case = own_case(reference)
    ctx = commands.context_for(case, today(), law())
    submit = next(
        (
            o
            for o in kind_of(case).workflow.offers(case.state, Party.BODY, ctx)
            if o.trigger == "submit"
        ),
        None,
    )
    docs = db().scalars(select(Document).where(Document.case_id == case.id)).all()
    return page(
        "web/community/check.html",
        "Check your answers before you submit",
        problem=problem,
        label=f"{KIND_LABELS[case.kind]} {case.reference}",
        case=case,
        answers=_answers(case),
        documents=docs,
        blocked=submit.blocked_by if submit else (),
        authority=case.authority,
    )


@bp.get("/requests/<reference>/submitted")
@signed_in(*COMMUNITY)
def submitted(reference: str):
    case = own_case(reference)
    if party_for(g.user, case) is not Party.BODY or case.submitted_at is None:
        abort(404)
    return page(
        "web/community/submitted.html",
        "Request submitted",
        case=case,
        kind_label=KIND_LABELS[case.kind],
        rules=law().rulebook,
    )


@bp.route("/requests/<reference>/withdraw-draft", methods=["POST"])
@signed_in(*COMMUNITY)
def discard(reference: str):
    """Withdrawing a draft is the workflow's own withdraw action."""
    case = own_case(reference)
    problem = attempt(
        lambda: perform_as(case, "withdraw", {"reason": "draft withdrawn"}, Party.BODY)
    )
    if problem:
        abort(problem.status, " ".join(problem.general))
    flash(f"{reference} was withdrawn.", "success")
    return redirect(url_for("community.dashboard"))
