"""A case as its parties see it, and the actions they may take on it.

The actions offered are the machine's own (`Workflow.offers`), exactly as the API lists
them. Each has its form, drawn from the API's payload schema; a check page shows the
answers and a preview of every notice the action will issue, made by running the very
same command and rolling it back; and only the confirmation commits.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, abort, flash, g, redirect, request, url_for
from sqlalchemy import func, select

from casework import as_of, assignment, case_view, commands, documents, event_view
from casework.access import may_take, party_for, scope_cases, scope_notices
from casework.api import load
from casework.api.documents import document_of, download
from casework.context import commit, db, law, today
from casework.errors import Conflict, Forbidden, NotFound, ServiceError
from casework.eventlog import Actor
from casework.kinds import kind_of
from casework.models import (
    AssetTransferRequest,
    Case,
    Document,
    Event,
    LandEntry,
    Notice,
    ParticipationRequest,
)
from casework.schemas import registry
from casework.schemas.common import fill_today
from casework.web import forms
from casework.web.acting import attempt, perform_as
from casework.web.community import authority_options, stored_answers
from casework.web.forms import Problem
from casework.web.pages import KIND_LABELS, page
from casework.web.session import safe_next, signed_in
from workflows import asset_transfer as atr
from workflows import participation as pr
from workflows.periods import in_words
from workflows.rules import Party

bp = Blueprint("case_pages", __name__)

EVENT_LABELS = {
    "case.created": "Draft started",
    "case.updated": "Draft changed",
    "case.assigned": "Assigned",
    "notice.issued": "Notice issued",
    "notice.served": "Notice delivered (proof of service)",
    "notice.service_failed": "Notice could not be delivered",
    "email.sent": "Email sent",
    "deadline.set": "Deadline set",
    "deadline.closed": "Deadline closed",
    "deadline.recomputed": "Deadline worked out again",
    "deadline.reminder": "Reminder sent",
    "deadline.overdue": "Overdue: escalated to managers",
    "document.attached": "Document added",
    "document.published": "Published on the register",
}


def visible_case(reference: str) -> Case:
    """The case if this user may see it; otherwise a 404, as in the API."""
    case = db().scalar(scope_cases(select(Case), g.user).where(Case.reference == reference))
    if case is None:
        abort(404)
    return case


def _party(case: Case) -> Party:
    party = party_for(g.user, case)
    if party not in (Party.BODY, Party.AUTHORITY):
        abort(404)
    return party


def _event_label(event: dict[str, Any], workflow) -> str:
    """The timeline's words for an event, from what this reader may see of it."""
    p = event["payload"] or {}
    if event["type"] == "notice.issued":
        kind = workflow.notices.get(p.get("kind"))
        return f"Notice issued: {kind.title if kind else p.get('kind')}, to {p.get('recipient')}"
    if event["type"].startswith("deadline.") and p.get("rule"):
        label = EVENT_LABELS.get(event["type"], event["type"])
        due = f", due {in_words(dt.date.fromisoformat(p['due_date']))}" if p.get("due_date") else ""
        return f"{label}: {law().rulebook.rule(p['rule']).title}{due}"
    if event["type"].startswith("action."):
        trigger = event["type"].removeprefix("action.")
        action = next((a for a in workflow.actions if a.trigger == trigger), None)
        return action.label if action else trigger.replace("_", " ").capitalize()
    return EVENT_LABELS.get(event["type"], event["type"].replace(".", ": ").replace("_", " "))


@bp.get("/cases/<reference>")
@signed_in()
def case(reference: str):
    case = visible_case(reference)
    party = _party(case)
    kind = kind_of(case)
    workflow = kind.workflow
    if party is Party.BODY and case.state == workflow.initial:
        return redirect(url_for("community.check", reference=reference))
    if request.args.get("as_of"):
        return _as_of_page(case, workflow)
    day = today()
    view = case_view.detail(case, g.user, day, law())
    session = db()
    events = event_view.visible_events(
        session.scalars(
            select(Event).where(Event.case_id == case.id).order_by(Event.id.desc()).limit(500)
        ),
        event_view.reader_for(g.user, case),
        case,
    )
    notices = session.scalars(
        scope_notices(
            select(Notice).where(Notice.case_id == case.id).order_by(Notice.id), g.user, case
        )
    ).all()
    docs = session.scalars(
        select(Document).where(Document.case_id == case.id).order_by(Document.id)
    ).all()
    served = {}
    for e in events:
        if e["type"] == "notice.served" and e["payload"].get("notice_id"):
            served.setdefault(e["payload"]["notice_id"], []).append(e["payload"])
    context: dict[str, Any] = {
        "case": case,
        "party": str(party),
        "kind_label": KIND_LABELS[case.kind],
        "state_label": workflow.states[case.state].label,
        "final": workflow.states[case.state].final,
        "view": view,
        "offers": view["available_actions"],
        "blocked": view["blocked_actions"],
        "deadlines": case.deadlines,
        "rules": law().rulebook,
        "today_": day,
        "events": [(e, _event_label(e, workflow)) for e in events],
        "notices": notices,
        "served": served,
        "documents": docs,
        "request_items": pr.REQUEST_ITEMS if case.kind == pr.KIND else atr.REQUEST_ITEMS,
        "considerations": pr.CONSIDERATIONS if case.kind == pr.KIND else atr.CONSIDERATIONS,
        "transfer_types": atr.TRANSFER_TYPES,
        "is_pr": isinstance(case, ParticipationRequest),
        "is_atr": isinstance(case, AssetTransferRequest),
    }
    if party is Party.AUTHORITY:
        context["colleagues"] = assignment.colleagues(session, case.authority_id)
    return page("web/cases/case.html", f"{case.reference}", **context)


def _as_of_page(case: Case, workflow):
    """The case as it stood at the end of a day, rebuilt from its events (casework/as_of)."""
    try:
        day = dt.date.fromisoformat(request.args["as_of"])
    except ValueError:
        day = None
    errors = {} if day else {"as_of": "Enter a real date, for example 2026-04-21."}
    then = None
    if day is not None:
        try:
            then = as_of.view(db(), case, day, g.user)
        except NotFound:
            errors = {"as_of": f"The request had not been started by {in_words(day)}."}
    rules = law().rulebook
    deadlines = [
        {**d, "title": rules.rule(d["rule"]).title} for d in (then or {}).get("deadlines", [])
    ]
    return page(
        "web/cases/as_of.html",
        f"{case.reference} as it stood",
        case=case,
        kind_label=KIND_LABELS[case.kind],
        day=day,
        then=then,
        errors=errors,
        deadlines=deadlines,
        events=[(e, _event_label(e, workflow)) for e in (then or {}).get("events", [])],
    )


# -- actions ----------------------------------------------------------------------------


def _options(case: Case, trigger: str) -> dict[str, list[tuple[str, str]]]:
    """Choices the schema cannot know: this case's authorities, land and rules."""
    rules = law().rulebook
    out: dict[str, list[tuple[str, str]]] = {}
    if isinstance(case, ParticipationRequest) and trigger == "record_authority_reply":
        out["authority"] = [
            (a.authority.code, a.authority.name)
            for a in case.additional_authorities
            if a.notified_on and not a.replied_on
        ]
    if trigger == "link_land":
        entries = db().scalars(
            select(LandEntry)
            .where(LandEntry.authority_id == case.authority_id, LandEntry.retired_on.is_(None))
            .order_by(LandEntry.name)
            .limit(1000)
        )
        out["land"] = [(str(e.id), f"{e.name}, {e.address}".strip(", ")) for e in entries]
    schema = registry.ACTIONS[case.kind][trigger]()
    if "additional_authorities" in schema.fields:
        out["additional_authorities"] = [
            (code, name) for code, name in authority_options(pr.KIND) if code != case.authority.code
        ]
    if "land" in schema.fields and trigger != "link_land":
        out["land"] = _options(case, "link_land")["land"]
    if "rule" in schema.fields:
        default = schema.fields["rule"].load_default
        out["rule"] = [(default, rules.rule(default).title)]
    return out


def _offer(case: Case, party: Party, trigger: str):
    workflow = kind_of(case).workflow
    if trigger not in registry.ACTIONS[case.kind]:
        abort(404)
    if not may_take(workflow, trigger, case.state, party):
        # Not this party's action in any state it could be open in: 403, as the API says.
        raise Forbidden("That is not an action you can take on this case.")
    ctx = commands.context_for(case, today(), law())
    offer = next((o for o in workflow.offers(case.state, party, ctx) if o.trigger == trigger), None)
    if offer is None:
        raise Conflict(
            "That action is not open to you while the case is "
            f"{workflow.states[case.state].label.lower()}."
        )
    if not offer.allowed:
        raise Conflict(
            f"You cannot {offer.label.lower()} yet: "
            + " ".join(f.message for f in offer.blocked_by)
        )
    return offer


def _preview(case: Case, trigger: str, data: dict, party: Party, version: int | None):
    """Run the action for real, note what it would issue and where it would lead, and roll
    it all back: the preview is exactly what confirming will do."""
    session = db()
    before = session.scalar(select(func.max(Notice.id)).where(Notice.case_id == case.id)) or 0
    workflow = kind_of(case).workflow
    try:
        perform_as(case, trigger, data, party, version)
        session.flush()
        issued = [
            {
                "subject": n.subject,
                "recipient": n.recipient,
                "text": n.body_text,
                "public": n.public,
            }
            for n in session.scalars(
                select(Notice)
                .where(Notice.case_id == case.id, Notice.id > before)
                .order_by(Notice.id)
            )
        ]
        after = workflow.states[case.state].label
    finally:
        session.rollback()
    return issued, after


def _answers(form_fields: list[forms.FormField]) -> list[tuple[str, str]]:
    rows = []
    for f in form_fields:
        if f.widget in ("group", "nested"):
            rows += [(c.label, c.value) for c in f.children if c.value]
        elif f.widget == "rows":
            for i, row in enumerate(f.rows, 1):
                given = ", ".join(c.value for c in row if c.value)
                if given:
                    rows.append((f"{f.label} {i}", given))
        elif f.widget in ("radios", "select", "boolean"):
            if f.value:
                rows.append((f.label, dict(f.options).get(f.value, f.value)))
        elif f.widget == "checkboxes":
            chosen = [t for v, t in f.options if v in f.value]
            if chosen:
                rows.append((f.label, ", ".join(chosen)))
        elif f.value:
            rows.append((f.label, f.value))
    return rows


def _prefill(case: Case, trigger: str) -> dict:
    """Sending missing information starts from the request as it stands."""
    if trigger != "supply_information":
        return {}
    return stored_answers(case)


@bp.route("/cases/<reference>/actions/<trigger>", methods=["GET", "POST"])
@signed_in()
def action(reference: str, trigger: str):
    case = visible_case(reference)
    party = _party(case)
    offer = _offer(case, party, trigger)
    schema = registry.ACTIONS[case.kind][trigger]()
    options = _options(case, trigger)
    intent = request.form.get("intent", "form")
    version_no = forms.whole_number(request.form.get("version")) or case.version
    problem, preview, after = Problem(), None, None
    if request.method == "POST" and intent != "form":
        try:
            data = fill_today(schema, load(schema, forms.payload(schema, request.form)), today())
            if intent == "confirm":
                perform_as(case, trigger, data, party, version_no)
                commit()
                flash(f"Done: {offer.label.lower()}.", "success")
                return redirect(url_for("case_pages.case", reference=reference))
            preview, after = _preview(case, trigger, data, party, version_no)
        except ServiceError as exc:
            db().rollback()
            problem = forms.problem_from(exc)
            case = visible_case(reference)
            if isinstance(exc, Conflict) and "version" in exc.extra:
                problem.general.insert(
                    0,
                    "Someone else changed this case while you were working. Check the case, "
                    "then send your answers again: they are kept below.",
                )
                version_no = case.version
    values = request.form if request.method == "POST" else _prefill(case, trigger)
    form_fields = forms.build(
        schema,
        kind=case.kind,
        values=values,
        errors=problem.fields,
        options=options,
        today=today(),
    )
    context = {
        "case": case,
        "offer": offer,
        "trigger": trigger,
        "version": version_no,
        "label": f"{KIND_LABELS[case.kind]} {case.reference}",
    }
    if preview is not None and not problem:
        return page(
            "web/cases/check_action.html",
            f"Check before you {offer.label[:1].lower()}{offer.label[1:]}",
            answers=_answers(form_fields),
            notices=preview,
            after=after,
            form=request.form,
            **context,
        )
    return page(
        "web/cases/action.html",
        offer.label,
        problem=problem,
        form_fields=form_fields,
        **context,
    )


# -- notices, documents, assignment ---------------------------------------------------


@bp.get("/cases/<reference>/notices/<int:notice_id>")
@signed_in()
def notice(reference: str, notice_id: int):
    case = visible_case(reference)
    query = select(Notice).where(Notice.case_id == case.id, Notice.id == notice_id)
    row = db().scalar(scope_notices(query, g.user, case))
    if row is None:
        abort(404)
    served = [
        e["payload"]
        for e in event_view.visible_events(
            db().scalars(
                select(Event).where(Event.case_id == case.id, Event.type == "notice.served")
            ),
            event_view.reader_for(g.user, case),
            case,
        )
        if e["payload"].get("notice_id") == row.id
    ]
    return page(
        "web/cases/notice.html",
        row.subject,
        case=case,
        notice=row,
        served=served,
        party=str(_party(case)),
        label=f"{KIND_LABELS[case.kind]} {case.reference}",
    )


@bp.get("/cases/<reference>/documents/<int:document_id>")
@signed_in()
def document(reference: str, document_id: int):
    case = visible_case(reference)
    _party(case)  # the case pages are the parties': the administrator uses the API
    return download(document_of(case, document_id))


@bp.post("/cases/<reference>/documents")
@signed_in()
def upload(reference: str):
    case = visible_case(reference)
    _party(case)
    back = safe_next(request.form.get("return_to")) or url_for(
        "case_pages.case", reference=reference
    )
    sent = request.files.get("file")
    added = []

    def attach() -> None:
        content = sent.stream.read(documents.MAX_BYTES + 1) if sent else b""
        name = sent.filename if sent else ""
        description = request.form.get("description", "")
        added.append(documents.attach(db(), case, content, name, Actor.of(g.user), description))

    problem = attempt(attach)
    if problem:
        flash(
            "The file was not added: " + " ".join(problem.fields.values() or problem.general),
            "error",
        )
    else:
        flash(f"Added {added[0].filename}.", "success")
    return redirect(back)


@bp.post("/cases/<reference>/assign")
@signed_in()
def assign(reference: str):
    case = visible_case(reference)
    if _party(case) is not Party.AUTHORITY:
        abort(403)  # the body sees the case, but assigning it is the authority's
    who = request.form.get("assignee", "")
    if who == "me":
        who = g.user.email
    version = forms.whole_number(request.form.get("version"))
    back = safe_next(request.form.get("return_to")) or url_for(
        "case_pages.case", reference=reference
    )
    problem = attempt(
        lambda: assignment.assign(
            db(),
            case,
            who or None,
            Actor.of(g.user),
            expected_version=version,
        )
    )
    if problem:
        flash(" ".join([*problem.fields.values(), *problem.general]), "error")
    else:
        who = case.assigned_to.name or case.assigned_to.email if case.assigned_to else "nobody"
        flash(f"{reference} is assigned to {who}.", "success")
    return redirect(back)
