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
from marshmallow import fields as mm_fields
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from casework import as_of, assignment, case_view, commands, documents, event_view
from casework.access import may_take, party_for, scope_cases, scope_notices
from casework.api import load
from casework.api.documents import document_of, download
from casework.clock import LONDON
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
from casework.web import dates, forms
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
    "deadlines.moved": "Dates changed by a change to the rules or the calendar; the parties "
    "were told by email",
    "webhook.failed": "A webhook could not be told of an event",
    "webhook.resent": "A webhook was sent an event again",
    "deadline.reminder": "Reminder sent",
    "deadline.overdue": "Overdue: escalated to managers",
    "document.attached": "Document added",
    "document.removed": "Document removed from the draft",
    "document.published": "Published on the register",
    "planning.linked": "Linked to a community planning priority or locality",
    "planning.unlinked": "Unlinked from a community planning priority or locality",
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
    if event["type"] == "deadlines.moved" and p.get("deadlines"):
        moved = "; ".join(
            f"{law().rulebook.rule(d['rule']).title}, now due "
            f"{in_words(dt.date.fromisoformat(d['due_date']))} (was "
            f"{in_words(dt.date.fromisoformat(d['previous_due_date']))})"
            for d in p["deadlines"]
        )
        return f"{EVENT_LABELS['deadlines.moved']}: {moved}. Why: {p.get('reason', '')}"
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
    if any(request.args.get(k) for k in ("as_of", "as_of-day", "as_of-month", "as_of-year")):
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
    rulebook = law().rulebook
    context["deadline_words"] = {
        d.id: case_view.deadline_status(d, day, rulebook) for d in case.deadlines
    }
    context["next_step"] = case_view.next_step(case, day, rulebook)
    if party is Party.BODY:
        context["to_you"] = _to_the_body(case, view["available_actions"], context["next_step"])
    if party is Party.AUTHORITY:
        context["colleagues"] = assignment.colleagues(session, case.authority_id)
        context["webhook_failures"] = _webhook_failures(events, workflow)
    return page("web/cases/case.html", heading_for(case), **context)


def _webhook_failures(events: list[dict[str, Any]], workflow) -> list[dict[str, Any]]:
    """The case's webhook deliveries that failed for good and have not been sent again
    since, for its authority's staff: read from the timeline already loaded, so no query of
    its own. (The body never has these events: event_view keeps them from it.)"""
    waiting: dict[tuple, dict[str, Any]] = {}
    for e in reversed(events):  # oldest first
        p = e["payload"] or {}
        key = (p.get("event_id"), p.get("webhook_id"))
        if e["type"] == "webhook.failed":
            waiting[key] = e
        elif e["type"] == "webhook.resent":
            waiting.pop(key, None)
    out = []
    for e in waiting.values():
        p = e["payload"]
        kind = p.get("event_type", "")
        what = (
            "a notice was issued"
            if kind == "notice.issued"
            else _event_label({"type": kind, "payload": {}}, workflow)
        )
        happened = p.get("event_at")
        out.append(
            {
                "url": p.get("url", ""),
                "what": what,
                "happened": dt.datetime.fromisoformat(happened) if happened else None,
                "failed": e["occurred_at"],
                "attempts": p.get("attempts") or 0,
                "problem": p.get("problem", ""),
            }
        )
    return out


def heading_for(case: Case) -> str:
    """The reference and the body's own title for its request, once each."""
    return f"{case.reference}: {case.title}" if case.title else case.reference


# What the body is told on its case page, in the second person, with the step it can take.
BODY_STATES = {
    "submitted": "{authority} has your request and is checking that it is complete.",
    "awaiting_information": "We are waiting for you to send the missing information.",
    "under_consideration": "{authority} is considering your request.",
    "validated": "{authority} has validated your request and will publish notices about it.",
    "representations_open": "People may now comment on your request. {authority} will send "
    "you copies of what they say.",
    "awaiting_process_comments": "Your request was agreed. You may comment on the process "
    "{authority} proposes.",
    "process_running": "Your request was agreed and the outcome improvement process is under way.",
    "agreed": "Your request was agreed. Make your offer to {authority}.",
}
BODY_STEPS = {
    "supply_information": "Send it now",
    "comment_on_process": "Comment on the process now",
    "comment_on_representations": "Comment on the representations now",
    "make_offer": "Make your offer now",
}


def _to_the_body(case: Case, offers, step: dict) -> dict | None:
    text = BODY_STATES.get(case.state)
    if text is None:
        return None
    text = text.format(authority=case.authority.name)
    if step.get("text", "").startswith("Decide by"):
        text += f" It must decide by {step['due']}."
    link = next(
        (
            (
                BODY_STEPS[o.trigger],
                url_for("case_pages.action", reference=case.reference, trigger=o.trigger),
            )
            for o in offers
            if o.trigger in BODY_STEPS
        ),
        None,
    )
    return {"text": text, "link": link}


def _as_of_page(case: Case, workflow):
    """The case as it stood at the end of a day, rebuilt from its events (casework/as_of)."""
    day, error = dates.from_fields(request.args, "as_of")
    errors = {"as_of": error} if error else {}
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
        out["rule"] = [
            (r.rule, f"{rules.rule(r.rule).title}: due by {in_words(r.due_date)}")
            for r in extensible(case, trigger)
        ] or [
            (
                schema.fields["rule"].load_default,
                rules.rule(schema.fields["rule"].load_default).title,
            )
        ]
    return out


def extensible(case: Case, trigger: str) -> list:
    """The case's running deadlines that this action may extend, soonest first."""
    if trigger == "extend_contract_period":
        rules = ("atr.contract",)
    else:
        rules = pr.EXTENSIBLE_RULES if case.kind == pr.KIND else atr.EXTENSIBLE_RULES
    return sorted(
        (r for r in case.deadlines if r.rule in rules and not r.key and r.status == "open"),
        key=lambda r: r.due_date,
    )


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
    """Sending missing information starts from the request as it stands; asking for it
    starts with the items the request does not give ticked; an extension starts with the
    soonest deadline it may extend chosen."""
    if trigger == "supply_information":
        return stored_answers(case)
    if trigger == "request_missing_items":
        facts = commands.context_for(case, today(), law()).facts
        workflow_module = pr if case.kind == pr.KIND else atr
        return {"missing": workflow_module.missing_items(facts)}
    if trigger in ("agree_extension", "extend_contract_period"):
        rows = extensible(case, trigger)
        return {"rule": rows[0].rule} if rows else {}
    return {}


def _row_count(schema, form) -> int:
    """Rows offered for a list of people: at least forms.LIST_ROWS, one more for each
    press of "Add another", and never fewer than the rows already filled in."""
    asked = forms.whole_number(form.get("rows"), 200) or forms.LIST_ROWS
    if form.get("intent") == "add_row":
        asked += 1
    return max(forms.LIST_ROWS, min(asked, 200))


def _list_fields(schema) -> list[str]:
    return [
        name
        for name, f in schema.fields.items()
        if isinstance(f, mm_fields.List) and isinstance(f.inner, mm_fields.Nested)
    ]


def _more_rows(schema, form_fields, values, errors, count: int, kind: str) -> None:
    """forms.build offers forms.LIST_ROWS rows; add blank ones up to `count`."""
    for ff in form_fields:
        if ff.widget != "rows":
            continue
        inner = schema.fields[ff.name].inner.schema
        for i in range(len(ff.rows), count):
            ff.rows.append(
                forms.build(
                    inner,
                    kind=kind,
                    values=values,
                    errors=errors,
                    prefix=f"{ff.name}.{i}.",
                    today=today(),
                )
            )


def _payload(schema, form, count: int) -> dict:
    """The API payload for the posted form, with every row of a list of people, not only
    the first forms.LIST_ROWS."""
    data = forms.payload(schema, form)
    for name in _list_fields(schema):
        inner = schema.fields[name].inner.schema
        rows = [forms.payload(inner, form, prefix=f"{name}.{i}.") for i in range(count)]
        rows = [r for r in rows if r]
        if rows:
            data[name] = rows
    return data


@bp.route("/cases/<reference>/actions/<trigger>", methods=["GET", "POST"])
@signed_in()
def action(reference: str, trigger: str):
    case = visible_case(reference)
    party = _party(case)
    offer = _offer(case, party, trigger)
    if trigger == "decide":
        return _decide_pages(case, party, offer)
    schema = registry.ACTIONS[case.kind][trigger]()
    options = _options(case, trigger)
    intent = request.form.get("intent", "form")
    version_no = forms.whole_number(request.form.get("version")) or case.version
    rows = _row_count(schema, request.form) if _list_fields(schema) else 0
    problem, preview, after = Problem(), None, None
    if request.method == "POST" and intent not in ("form", "add_row"):
        try:
            data = fill_today(schema, load(schema, _payload(schema, request.form, rows)), today())
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
    if rows:
        _more_rows(schema, form_fields, values, problem.fields, rows, case.kind)
    for ff in form_fields:
        if ff.name == "rule":
            ff.widget = "radios"  # every deadline that may be extended, with its date
    context = {
        "case": case,
        "offer": offer,
        "trigger": trigger,
        "version": version_no,
        "rows": rows,
        "label": heading_for(case),
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
        label=heading_for(case),
    )


@bp.get("/cases/<reference>/print")
@signed_in()
def print_request(reference: str, *, render=page):
    """The request on one clean page, to print or save as PDF (`render`: casework.web.pdf)."""
    case = visible_case(reference)
    _party(case)
    workflow = kind_of(case).workflow
    authorities = (
        [a.authority.name for a in case.additional_authorities]
        if isinstance(case, ParticipationRequest)
        else []
    )
    submitted_on = case.submitted_at.astimezone(LONDON).date() if case.submitted_at else None
    dates = [
        (label, in_words(day))
        for label, day in (
            ("Submitted", submitted_on),
            ("Received", case.received_on),
            ("Validation date", case.validation_date),
            ("Decided", case.decided_on),
        )
        if day is not None
    ]
    return render(
        "web/cases/print.html",
        heading_for(case),
        case=case,
        dates=dates,
        notice=None,
        state_label=workflow.states[case.state].label,
        authorities=authorities,
        today_words=in_words(today()),
        **_request_context(case),
    )


@bp.get("/cases/<reference>/notices/<int:notice_id>/print")
@signed_in()
def print_notice(reference: str, notice_id: int, *, render=page):
    """A notice on one clean page, to print or save as PDF (`render`: casework.web.pdf)."""
    case = visible_case(reference)
    _party(case)
    query = select(Notice).where(Notice.case_id == case.id, Notice.id == notice_id)
    row = db().scalar(scope_notices(query, g.user, case))
    if row is None:
        abort(404)
    return render(
        "web/cases/print.html",
        row.subject,
        case=case,
        notice=row,
        issued=in_words(row.issued_on),
        today_words=in_words(today()),
        **_request_context(case),
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


# -- the decision, one thing per page --------------------------------------------------
# The answers travel between pages as hidden fields of the one form, so nothing is kept
# on the server until the decision is sent; each page's answers are checked by running the
# very command the API runs (and rolling it back), so the page and the API cannot disagree.


def _agreed(answers) -> bool:
    return answers.get("outcome") == "agreed"


def _refused(answers) -> bool:
    return answers.get("outcome") == "refused"


def _decision_steps(kind: str, answers) -> list[dict]:
    """The pages of the decision that apply to the answers given so far, in order."""
    existing = answers.get("process") == "existing"
    if kind == pr.KIND:
        details = ["process_description"]
        if existing:
            details += ["process_stage", "participation_arrangements"]
        details.append("other_participants")
        steps = [
            ("outcome", "Your decision", ("outcome",), True),
            ("process", "The outcome improvement process", ("process",), _agreed(answers)),
            ("process_details", "About the process", tuple(details), _agreed(answers)),
            (
                "considerations",
                "The matters you must consider (s.24(3))",
                ("considerations",),
                True,
            ),
            ("reasons", "Your reasons for refusing", ("reasons",), _refused(answers)),
        ]
    else:
        steps = [
            ("outcome", "Your decision", ("outcome",), True),
            (
                "terms",
                "The terms of the agreement",
                ("terms", "offer_by", "terms_differ_significantly"),
                _agreed(answers),
            ),
            (
                "considerations",
                "The matters you must consider (s.82(3))",
                ("considerations",),
                True,
            ),
            (
                "reasons",
                "Your reasons for agreeing" if _agreed(answers) else "Your reasons for refusing",
                ("reasons",),
                True,
            ),
        ]
    return [{"name": n, "title": t, "fields": f} for n, t, f, applies in steps if applies]


DECISION_QUESTIONS = {
    "outcome": "Do you agree to the request, or refuse it?",
    "process": "Will the body join a process that already exists, or a new one?",
}
CONTROL = ("csrf_token", "step", "intent", "version")


def _decision_payload(schema, kind: str, answers) -> dict:
    """The API payload from the answers, keeping only the fields that apply to them: a
    process described before the officer changed to a refusal is not sent."""
    keep = {f for s in _decision_steps(kind, answers) for f in s["fields"]}
    return {k: v for k, v in forms.payload(schema, answers).items() if k in keep}


def _errors_for(flat: dict[str, str], names: tuple[str, ...]) -> dict[str, str]:
    return {k: v for k, v in flat.items() if any(k == n or k.startswith(n + ".") for n in names)}


def _try_decision(case: Case, party: Party, schema, answers, version: int | None):
    """Run the decision and roll it back: (field errors, general errors, preview, after)."""
    try:
        data = fill_today(
            schema, load(schema, _decision_payload(schema, case.kind, answers)), today()
        )
        issued, after = _preview(case, "decide", data, party, version)
        return {}, [], issued, after
    except ServiceError as exc:
        db().rollback()
        problem = forms.problem_from(exc)
        general = problem.general
        if isinstance(exc, Conflict) and "version" in exc.extra:
            general = [
                "Someone else changed this case while you were working. Check the case, "
                "then send your decision again: your answers are kept below."
            ]
        return problem.fields, general, None, None


def _step_fields(schema, kind: str, step: dict, answers, errors) -> list[forms.FormField]:
    built = forms.build(
        schema, kind=kind, values=answers, errors=errors, only=step["fields"], today=today()
    )
    for ff in built:
        if ff.name in DECISION_QUESTIONS:
            ff.label = DECISION_QUESTIONS[ff.name]
    return built


def _decide_pages(case: Case, party: Party, offer):
    """The decide action as a short series of pages, then a check page, then sending."""
    schema = registry.ACTIONS[case.kind]["decide"]()
    reference = case.reference
    answers = request.form if request.method == "POST" else MultiDict()
    intent = answers.get("intent", "next")
    version = forms.whole_number(answers.get("version")) or case.version
    steps = _decision_steps(case.kind, answers)
    names = [s["name"] for s in steps]
    here = answers.get("step", "")
    general: list[str] = []
    errors: dict[str, str] = {}
    show = "outcome"
    if request.method == "POST":
        if intent.startswith("change:") and intent[7:] in names:
            show = intent[7:]
        elif intent == "back" and here in names:
            show = names[max(0, names.index(here) - 1)]
        elif intent == "confirm":
            flat, general, _, _ = _try_decision(case, party, schema, answers, version)
            if not flat and not general:
                try:
                    data = fill_today(
                        schema,
                        load(schema, _decision_payload(schema, case.kind, answers)),
                        today(),
                    )
                    perform_as(case, "decide", data, party, version)
                    commit()
                    flash(f"Done: {offer.label.lower()}.", "success")
                    return redirect(url_for("case_pages.case", reference=reference))
                except ServiceError as exc:
                    db().rollback()
                    general = forms.problem_from(exc).general
            case = visible_case(reference)
            if general and any("Someone else" in g_ for g_ in general):
                version = case.version
                return _decision_check(case, party, schema, answers, version, general)
            show, errors = _first_with_errors(steps, flat) or ("check", {})
            if show == "check":
                return _decision_check(case, party, schema, answers, version, general)
        elif here in names or here == "check":
            step = next((s for s in steps if s["name"] == here), None)
            flat, general, _, _ = _try_decision(case, party, schema, answers, None)
            case = visible_case(reference)
            errors = _errors_for(flat, step["fields"]) if step else {}
            general = [] if step else general
            if step and errors:
                show = here
            else:
                later = names[names.index(here) + 1 :] if step else []
                if later:
                    show = later[0]
                else:
                    return _decision_check(case, party, schema, answers, version, [])
    step = next(s for s in steps if s["name"] == show)
    problem = Problem(errors, [])
    form_fields = _step_fields(schema, case.kind, step, answers, errors)
    skip = CONTROL + tuple(
        k for k in answers if any(k == f or k.startswith(f + ".") for f in step["fields"])
    )
    return page(
        "web/cases/decide_step.html",
        step["title"],
        problem=problem,
        form_fields=form_fields,
        case=case,
        offer=offer,
        step=step,
        first=show == names[0],
        answers=answers,
        skip=skip,
        version=version,
        label=heading_for(case),
        **_request_context(case),
    )


def _first_with_errors(steps: list[dict], flat: dict[str, str]):
    for s in steps:
        mine = _errors_for(flat, s["fields"])
        if mine:
            return s["name"], mine
    return None


def _decision_check(case: Case, party: Party, schema, answers, version: int, general: list[str]):
    steps = _decision_steps(case.kind, answers)
    flat, more, preview, after = _try_decision(case, party, schema, answers, version)
    case = visible_case(case.reference)
    general = general or more
    if flat and not general:
        _name, errors = _first_with_errors(steps, flat) or (steps[0]["name"], {})
        general = ["Some answers need changing: " + " ".join(errors.values())]
    sections = [
        {
            **s,
            "answers": _answers(_step_fields(schema, case.kind, s, answers, {})),
        }
        for s in steps
    ]
    return page(
        "web/cases/decide_check.html",
        "Check before you decide the request",
        problem=Problem({}, general) if general else None,
        case=case,
        offer=offer_for(case, party),
        sections=sections,
        notices=preview or [],
        after=after,
        answers=answers,
        version=version,
        label=heading_for(case),
    )


def offer_for(case: Case, party: Party):
    return _offer(case, party, "decide")


def _request_context(case: Case) -> dict[str, Any]:
    return {
        "request_items": pr.REQUEST_ITEMS if case.kind == pr.KIND else atr.REQUEST_ITEMS,
        "transfer_types": atr.TRANSFER_TYPES,
        "is_atr": isinstance(case, AssetTransferRequest),
        "kind_label": KIND_LABELS[case.kind],
    }
