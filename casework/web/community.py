"""A community body's pages: its dashboard, and making a request one question at a time.

A request is a draft from its first answer, so the body can stop and come back. Each page
saves through the same command as PATCH /api/v1/cases/{reference}, with the same schema.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask import session as cookie
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import MultiDict

from casework import bodies as body_commands
from casework import commands, documents
from casework.access import party_for, scope_cases
from casework.api import load
from casework.context import db, law, today
from casework.errors import Invalid
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
from workflows import eligibility as eligibility_results
from workflows import participation as pr
from workflows.authorities import AUTHORITY_TYPES
from workflows.rules import Party

bp = Blueprint("community", __name__)


@dataclass(frozen=True)
class Step:
    """One question page of a request: the fields it saves, how it is asked, its name in
    the task list, and what to say if a required answer is left blank."""

    slug: str
    fields: tuple[str, ...]
    question: str
    hint: str = ""
    task: str = ""
    error: str = ""  # blank only when the answer is optional

    @property
    def required(self) -> bool:
        return bool(self.error)


TITLE = Step(
    "title",
    ("title",),
    "What is the title of your request?",
    "A few words that say what it is about. For example, 'Safer routes to Glenbrae primary "
    "school' or 'Lease of the former Glenbrae library'",
    "Title",
    "Enter a title for your request",
)

# The answers the law asks for are required: for a participation request the four items
# of s.22(2) and SSI 2017/39 reg 3 (pr.REQUEST_ITEMS); for an asset transfer request the
# land (s.79(2)(b)), the kind of transfer, and the items of s.79 and SSI 2016/357 reg 3
# (atr.REQUEST_ITEMS). Other authorities to involve (s.22(6)) are optional.
STEPS: dict[str, tuple[Step, ...]] = {
    pr.KIND: (
        TITLE,
        Step(
            "outcome",
            ("outcome",),
            "What outcome do you want to improve?",
            "An outcome is a result for people, such as safer routes to school or better "
            "access to mental health support (s.22, reg 3)",
            "The outcome you want to improve",
            "Enter the outcome you want to improve",
        ),
        Step(
            "reasons",
            ("reasons",),
            "Why should your body take part in improving it?",
            "Say why your body is well placed to help",
            "Why your body should take part",
            "Enter why your body should take part",
        ),
        Step(
            "knowledge",
            ("knowledge_and_experience",),
            "What knowledge, expertise and experience does your body have of it?",
            "",
            "Your knowledge, expertise and experience",
            "Enter the knowledge, expertise and experience your body has of it",
        ),
        Step(
            "improvement",
            ("expected_improvement",),
            "What improvement do you expect from taking part?",
            "",
            "The improvement you expect",
            "Enter the improvement you expect from taking part",
        ),
        Step(
            "other-authorities",
            ("additional_authorities",),
            "Should any other public service authorities be involved?",
            "Optional. Each one you choose is told about your request and says whether it "
            "will take part (s.22(6), reg 6)",
            "Other authorities to involve (optional)",
        ),
    ),
    atr.KIND: (
        TITLE,
        Step(
            "transfer-type",
            ("transfer_type",),
            "What kind of transfer are you asking for?",
            "To ask for ownership your body needs the legal form, 20 members and an asset "
            "lock (s.80)",
            "The kind of transfer",
            "Choose the kind of transfer you are asking for",
        ),
        Step(
            "land",
            ("land", "land_description"),
            "Which land or building is it?",
            "Choose it from the authority's register of land, or describe it if it is not on "
            "the register (s.94)",
            "The land or building",
            "Choose the land or building from the register, or describe it",
        ),
        Step(
            "reasons",
            ("reasons",),
            "Why are you asking for it?",
            "",
            "Your reasons",
            "Enter why you are asking for it",
        ),
        Step(
            "benefits",
            ("benefits",),
            "What benefits do you expect from the transfer?",
            "",
            "The benefits you expect",
            "Enter the benefits you expect from the transfer",
        ),
        Step(
            "price",
            ("proposed_price",),
            "What price, rent or other payment do you offer?",
            "An outline is enough for a valid request (guidance 9.4)",
            "The price, rent or payment you offer",
            "Enter the price, rent or other payment you offer",
        ),
        Step(
            "terms",
            ("other_terms",),
            "Are there other terms and conditions you propose?",
            "The law asks every request to say. If you propose none, write 'None'",
            "Other terms and conditions",
            "Enter the other terms and conditions you propose, or write 'None'",
        ),
        Step(
            "support",
            ("community_support",),
            "What support does the request have in your community?",
            "For example, a survey, a public meeting, or letters of support",
            "Support in your community",
            "Enter the support the request has in your community",
        ),
        Step(
            "funding",
            ("funding",),
            "How will you fund the transfer and your use of the land?",
            "",
            "How you will fund it",
            "Enter how you will fund the transfer and your use of the land",
        ),
    ),
}
DOCUMENTS_STEP = "documents"
# What each right needs the body to be (workflows/eligibility.py, via bodies.standing).
PURPOSE = {pr.KIND: "participation_request", atr.KIND: "asset_transfer_request"}
# The request being started: its kind and authority, kept in the signed session until the
# first answer (the title) is saved, so a start that is abandoned makes no draft.
STARTING = "new_request"


def own_case(reference: str) -> Case:
    case = db().scalar(scope_cases(select(Case), g.user).where(Case.reference == reference))
    if case is None:
        abort(404)
    return case


def own_draft(reference: str) -> Case | None:
    """The body's own draft, or None when it has been submitted (or withdrawn)."""
    case = own_case(reference)
    return case if case.state == kind_of(case).workflow.initial else None


def _render(
    template: str,
    title: str,
    *,
    entries: list[tuple[str | None, str]] | None = None,
    status: int | None = None,
    **context,
):
    """A page whose error summary says each problem once, in the user's words, each linked
    to where it is put right (a field on this page, or another page)."""
    entries = entries or []
    html = render_template(
        template,
        title=title,
        problem=bool(entries),
        error_entries=entries,
        **context,
    )
    return html, status or (422 if entries and request.method == "POST" else 200)


def _field_entries(form_fields: list[forms.FormField], problem: Problem) -> list:
    entries: list[tuple[str | None, str]] = [(None, m) for m in problem.general]
    shown = set()
    for f in form_fields:
        for e in f.all_errors():
            entries.append((f"#{e.id}", e.error))
            shown.add(e.name)
    entries += [(None, m) for n, m in problem.fields.items() if n not in shown]
    return entries


# -- the dashboard -------------------------------------------------------------------------

# What the body may do next, said to the body: what we wait for, and the link to do it.
BODY_ACTIONS = {
    "supply_information": (
        "We are waiting for you to send the missing information.",
        "Send it now",
    ),
    "comment_on_process": ("You can comment on the proposed process.", "Comment now"),
    "comment_on_representations": (
        "You can comment on the representations people made.",
        "Comment now",
    ),
    "request_review": ("You can ask the authority to review its decision.", "Ask for a review"),
    "appeal_to_ministers": ("You can appeal to the Scottish Ministers.", "Appeal now"),
    "make_offer": ("We are waiting for you to make your offer.", "Make your offer"),
    "apply_for_direction": (
        "You can ask the Scottish Ministers for longer to conclude the contract.",
        "Apply now",
    ),
    "appeal_no_contract": (
        "You can appeal because no contract was concluded.",
        "Appeal now",
    ),
    "comment_on_no_contract_response": (
        "You can comment on the authority's response.",
        "Comment now",
    ),
}


@dataclass(frozen=True)
class NextStep:
    text: str
    link_text: str = ""
    url: str = ""


def next_steps(case: Case, day: dt.date) -> list[NextStep]:
    """What happens next, said to the body: its own actions, each with its link, or who it
    is waiting for."""
    workflow = kind_of(case).workflow
    if workflow.states[case.state].final:
        return [NextStep("Nothing more to do: the request is finished.")]
    if case.state == workflow.initial:
        return [
            NextStep(
                "",
                "Finish your request and submit it",
                url_for("community.tasks", reference=case.reference),
            )
        ]
    ctx = commands.context_for(case, day, law())
    mine = [o for o in workflow.offers(case.state, Party.BODY, ctx) if o.allowed]
    out = []
    for o in mine:
        if o.trigger == "withdraw":
            continue
        text, link = BODY_ACTIONS.get(
            o.trigger, (f"You can {o.label[:1].lower()}{o.label[1:]}.", "Do it now")
        )
        out.append(
            NextStep(
                text,
                link,
                url_for("case_pages.action", reference=case.reference, trigger=o.trigger),
            )
        )
    return out or [
        NextStep(f"Nothing for you to do now. We are waiting for {case.authority.name}.")
    ]


def next_deadline(case: Case):
    open_rows = [r for r in case.deadlines if r.status == "open"]
    return min(open_rows, key=lambda r: r.due_date) if open_rows else None


def standing_by_kind(body) -> dict[str, eligibility_results.Result]:
    """The body's standing for each right, by the kind of request."""
    results = {r.purpose: r for r in body_commands.standing(body, law())}
    return {kind: results[purpose] for kind, purpose in PURPOSE.items()}


def may_ask(body) -> dict[str, bool]:
    """Which kinds of request the body may start."""
    return {kind: r.eligible for kind, r in standing_by_kind(body).items()}


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
            "next": next_steps(c, day),
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
        may=may_ask(body) if body is not None else {},
    )


# -- starting a request: the kind, the authority, then the title makes the draft ------------


@bp.route("/requests/new", methods=["GET", "POST"])
@signed_in(*COMMUNITY)
def new_request():
    body = g.user.community_body
    if body is None:
        flash("First, tell us about your organisation.", "info")
        return redirect(url_for("profile.organisation"))
    standing = standing_by_kind(body)
    offered = [
        (pr.KIND, "To take part in improving a public service (a participation request)"),
        (atr.KIND, "To buy, lease or use land or buildings (an asset transfer request)"),
    ]
    offered = [(k, text) for k, text in offered if standing[k].eligible]
    problem = Problem()
    if request.method == "POST" and offered:
        kind = request.form.get("kind")
        if kind in dict(offered):
            return redirect(url_for("community.new_request_authority", kind=kind))
        problem = Problem({"kind": "Choose the kind of request"})
    field = forms.FormField(
        "kind",
        "What do you want to ask for?",
        "radios",
        options=offered,
        value=request.form.get("kind", ""),
        error=problem.fields.get("kind", ""),
    )
    form_fields = [field] if offered else []
    return _render(
        "web/community/new_request.html",
        "Start a request",
        entries=_field_entries(form_fields, problem),
        form_fields=form_fields,
        refused=[(KIND_LABELS[k], r) for k, r in standing.items() if not r.eligible],
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


def _may_start(kind: str):
    """None when the body may start a request of this kind, else where to send it."""
    if kind not in KINDS:
        abort(404)
    body = g.user.community_body
    if body is None:
        return redirect(url_for("profile.organisation"))
    if not may_ask(body)[kind]:
        return redirect(url_for("community.new_request"))
    return None


@bp.route("/requests/new/<kind>", methods=["GET", "POST"])
@signed_in(*COMMUNITY)
def new_request_authority(kind: str):
    elsewhere = _may_start(kind)
    if elsewhere is not None:
        return elsewhere
    problem = Problem()
    options = authority_options(kind)
    starting = cookie.get(STARTING) or {}
    chosen = request.form.get("authority", "") if request.method == "POST" else ""
    if request.method == "GET" and starting.get("kind") == kind:
        chosen = starting.get("authority", "")
    if request.method == "POST":
        if chosen not in dict(options):
            problem = Problem({"authority": "Choose the authority you are asking"})
        else:
            # Nothing is made yet: the draft is made with its first answer, the title.
            cookie[STARTING] = {"kind": kind, "authority": chosen}
            return redirect(url_for("community.new_request_title", kind=kind))
    field = forms.FormField(
        "authority",
        "Which authority are you asking?",
        "select",
        hint=(
            "A participation request goes to a public service authority (Schedule 2)"
            if kind == pr.KIND
            else "An asset transfer request goes to the authority that owns or leases the "
            "land (Schedule 3)"
        ),
        options=options,
        value=chosen,
        error=problem.fields.get("authority", ""),
    )
    return _render(
        "web/community/question.html",
        field.label,
        entries=_field_entries([field], problem),
        form_fields=[field],
        label=KIND_LABELS[kind],
        action=url_for("community.new_request_authority", kind=kind),
        case=None,
        later=False,
        single=True,
        back=url_for("community.new_request"),
    )


@bp.route("/requests/new/<kind>/title", methods=["GET", "POST"])
@signed_in(*COMMUNITY)
def new_request_title(kind: str):
    """The first question. Saving its answer makes the draft, with the authority chosen."""
    elsewhere = _may_start(kind)
    if elsewhere is not None:
        return elsewhere
    starting = cookie.get(STARTING) or {}
    if starting.get("kind") != kind or not starting.get("authority"):
        return redirect(url_for("community.new_request_authority", kind=kind))
    problem = Problem()
    steps = STEPS[kind]
    if request.method == "POST":
        title = request.form.get("title", "").strip()
        made: list[Case] = []

        def create() -> None:
            if not title:
                raise Invalid({"title": [TITLE.error]})
            data = {"kind": kind, "authority": starting["authority"], "title": title}
            payload = load(registry.CREATE[kind](), data)
            made.append(commands.create_case(db(), kind, payload, Actor.of(g.user), today=today()))

        problem = attempt(create)
        if not problem:
            cookie.pop(STARTING, None)
            case = made[0]
            if request.form.get("go") == "later":
                flash(f"Saved. {_named(case)} is waiting for you below.", "success")
                return redirect(url_for("community.dashboard"))
            return redirect(url_for("community.step", reference=case.reference, slug=steps[1].slug))
    schema = registry.CREATE[kind]()
    form_fields = forms.build(
        schema, kind=kind, values=request.form, errors=problem.fields, only=TITLE.fields
    )
    for f in form_fields:
        f.label, f.hint = TITLE.question, TITLE.hint
    authority = db().scalar(select(Authority).where(Authority.code == starting["authority"]))
    return _render(
        "web/community/question.html",
        TITLE.question,
        entries=_field_entries(form_fields, problem),
        form_fields=form_fields,
        label=f"{KIND_LABELS[kind]} to {authority.name if authority else ''}: question 1 of "
        f"{len(steps)}",
        action=url_for("community.new_request_title", kind=kind),
        case=None,
        later=True,
        single=True,
        back=url_for("community.new_request_authority", kind=kind),
    )


def _named(case: Case) -> str:
    """The reference, with the title beside it when there is one."""
    title = getattr(case, "title", None)
    return f"{case.reference}: {title}" if title else case.reference


# -- the questions -------------------------------------------------------------------------


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
    values["title"] = getattr(case, "title", None)
    if case.kind == pr.KIND:
        values["additional_authorities"] = [a.authority.code for a in case.additional_authorities]
    else:
        values["land"] = case.land_id
    return values


def _filled(value) -> bool:
    if isinstance(value, list | tuple):
        return any(_filled(v) for v in value)
    if isinstance(value, str):
        return bool(value.strip())
    return value is not None


def answered(step: Step, values) -> bool:
    """Whether the step has an answer: for the land, the register entry or a description."""
    if isinstance(values, MultiDict):
        return any(_filled(values.getlist(name)) for name in step.fields)
    return any(_filled(values.get(name)) for name in step.fields)


def missing_steps(case: Case) -> list[Step]:
    values = stored_answers(case)
    return [s for s in _steps(case) if s.required and not answered(s, values)]


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
    if "transfer_type" in step.fields and not _may_own(case):
        for f in built:
            f.options = [o for o in f.options if o[0] != "ownership"]
            f.hint = (
                "Your organisation cannot ask for ownership: see what your organisation may "
                "ask for, and what to change"
            )
    return built


def _may_own(case: Case) -> bool:
    results = {r.purpose: r for r in body_commands.standing(case.community_body, law())}
    return results["ownership"].eligible if "ownership" in results else True


@bp.route("/requests/<reference>/<slug>", methods=["GET", "POST"])
@signed_in(*COMMUNITY)
def step(reference: str, slug: str):
    case = own_draft(reference)
    if case is None:
        return redirect(url_for("case_pages.case", reference=reference))
    steps = _steps(case)
    if slug == DOCUMENTS_STEP:
        return documents_step(case)
    current = next((s for s in steps if s.slug == slug), None)
    if current is None:
        abort(404)
    index = steps.index(current)
    following = steps[index + 1].slug if index + 1 < len(steps) else DOCUMENTS_STEP
    later = request.form.get("go") == "later"
    problem = Problem()
    if request.method == "POST":
        schema = registry.UPDATE[case.kind]()

        def save() -> None:
            posted = forms.payload(schema, request.form, blanks=True)
            data = load(schema, posted, partial=True)
            data = {k: v for k, v in data.items() if k in current.fields}
            if current.required and not later and not answered(current, request.form):
                # A blank answer does not move on, unless the user chose to come back later.
                raise Invalid({current.fields[0]: [current.error]})
            commands.update_draft(db(), case, data, Actor.of(g.user), expected_version=_version())

        problem = attempt(save)
        if problem:
            case = own_case(reference)
        else:
            if later:
                flash(f"Saved. {_named(case)} is waiting for you below.", "success")
                return redirect(url_for("community.dashboard"))
            if request.args.get("back") == "check":
                return redirect(url_for("community.check", reference=reference))
            if request.args.get("back") == "tasks":
                return redirect(url_for("community.tasks", reference=reference))
            return redirect(url_for("community.step", reference=reference, slug=following))
    values = request.form if request.method == "POST" else stored_answers(case)
    form_fields = _step_fields(case, current, values, problem.fields)
    return _render(
        "web/community/question.html",
        current.question,
        entries=_field_entries(form_fields, problem),
        form_fields=form_fields,
        label=f"{KIND_LABELS[case.kind]} {case.reference}: question {index + 1} of {len(steps)}",
        action=request.full_path.rstrip("?"),
        case=case,
        later=True,
        single=len(form_fields) == 1,
        hint=current.hint if len(form_fields) > 1 else "",
        back=url_for("community.step", reference=reference, slug=steps[index - 1].slug)
        if index
        else url_for("community.tasks", reference=reference),
        tasks=url_for("community.tasks", reference=reference),
    )


def _version() -> int | None:
    return forms.whole_number(request.form.get("version"))


# -- the task list -------------------------------------------------------------------------


@bp.get("/requests/<reference>")
@signed_in(*COMMUNITY)
def tasks(reference: str):
    """The draft's task list: each question with whether it is done, the documents, and
    checking and submitting, which can start once every required answer is given."""
    case = own_draft(reference)
    if case is None:
        return redirect(url_for("case_pages.case", reference=reference))
    values = stored_answers(case)
    rows = []
    for s in _steps(case):
        done = answered(s, values)
        rows.append(
            {
                "name": s.task or s.question,
                "url": url_for("community.step", reference=reference, slug=s.slug, back="tasks"),
                "status": "Completed" if done else "Not started",
                "done": done,
                "required": s.required,
            }
        )
    required = [r for r in rows if r["required"]]
    complete = all(r["done"] for r in required)
    docs = db().scalars(select(Document.id).where(Document.case_id == case.id)).all()
    return page(
        "web/community/tasks.html",
        getattr(case, "title", None) or f"Your {KIND_LABELS[case.kind].lower()}",
        label=f"{KIND_LABELS[case.kind]} {case.reference}",
        case=case,
        rows=rows,
        done_count=sum(1 for r in required if r["done"]),
        required_count=len(required),
        complete=complete,
        documents=len(docs),
        authority=case.authority,
        back=url_for("community.dashboard"),
    )


# -- supporting documents ------------------------------------------------------------------


def _documents_of(case: Case) -> list[Document]:
    return list(
        db()
        .scalars(select(Document).where(Document.case_id == case.id).order_by(Document.id))
        .all()
    )


def documents_step(case: Case):
    """Supporting documents: optional, uploaded one at a time, then on to the check page.
    A refused file is said beside the file field, with the error summary."""
    problem = Problem()
    if request.method == "POST":
        sent = request.files.get("file")
        added: list[Document] = []

        def upload() -> None:
            content = sent.stream.read(documents.MAX_BYTES + 1) if sent else b""
            name = sent.filename if sent else ""
            description = request.form.get("description", "")
            added.append(documents.attach(db(), case, content, name, Actor.of(g.user), description))

        problem = attempt(upload)
        if not problem:
            flash(f"Added {added[0].filename}.", "success")
            return redirect(
                url_for("community.step", reference=case.reference, slug=DOCUMENTS_STEP)
            )
    file_field = forms.FormField(
        "file",
        "Upload a file",
        "file",
        hint=f"Each file must be a {documents.ALLOWED_SUMMARY} file, smaller than "
        f"{documents.MAX_BYTES // (1024 * 1024)} MB",
        error=problem.fields.get("file", ""),
    )
    description = forms.FormField(
        "description",
        "What is it? (optional)",
        "text",
        value=request.form.get("description", "") if problem else "",
        error=problem.fields.get("description", ""),
    )
    form_fields = [file_field, description]
    return _render(
        "web/community/documents.html",
        "Add supporting documents",
        entries=_field_entries(form_fields, problem),
        label=f"{KIND_LABELS[case.kind]} {case.reference}",
        case=case,
        documents=_documents_of(case),
        file_field=file_field,
        description=description,
        back=url_for("community.tasks", reference=case.reference),
    )


@bp.post("/requests/<reference>/documents/<int:document_id>/remove")
@signed_in(*COMMUNITY)
def remove_document(reference: str, document_id: int):
    case = own_draft(reference)
    if case is None:
        abort(404)
    document = db().scalar(
        select(Document).where(Document.case_id == case.id, Document.id == document_id)
    )
    if document is None:
        abort(404)
    name = document.filename
    problem = attempt(lambda: documents.remove(db(), case, document, Actor.of(g.user)))
    if problem:
        abort(problem.status, " ".join(problem.general))
    flash(f"Removed {name}.", "success")
    return redirect(url_for("community.step", reference=reference, slug=DOCUMENTS_STEP))


# -- checking and submitting ---------------------------------------------------------------


def _answers(case: Case) -> list[dict]:
    """Every answer, with a link to change it, for the check page."""
    values = stored_answers(case)
    missing = {s.slug for s in missing_steps(case)}
    rows = []
    for s in _steps(case):
        built = _step_fields(case, s, values, {})
        for i, f in enumerate(built):
            if f.widget in ("select", "radios"):
                shown = dict(f.options).get(str(f.value), "") if f.value else ""
            elif f.widget == "checkboxes":
                shown = ", ".join(t for v, t in f.options if v in f.value) or "None"
            else:
                shown = f.value
            if s.slug in missing and i > 0:
                continue  # one "Not answered" for the question, not one per field
            rows.append(
                {
                    "question": f.label if len(built) == 1 or s.slug not in missing else s.question,
                    "answer": shown,
                    "slug": s.slug,
                    "missing": s.slug in missing,
                    "id": f"answer-{s.slug}-{i}",
                }
            )
    return rows


@bp.route("/requests/<reference>/check", methods=["GET", "POST"])
@signed_in(*COMMUNITY)
def check(reference: str):
    case = own_draft(reference)
    if case is None:
        return redirect(url_for("case_pages.case", reference=reference))
    missing = missing_steps(case)
    entries: list[tuple[str | None, str]] = [
        (url_for("community.step", reference=reference, slug=s.slug, back="check"), s.error)
        for s in missing
    ]
    if request.method == "POST" and not missing:
        problem = attempt(lambda: perform_as(case, "submit", {}, Party.BODY, _version()))
        if not problem:
            return redirect(url_for("community.submitted", reference=reference))
        entries = [(None, m) for m in problem.general + list(problem.fields.values())]
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
    return _render(
        "web/community/check.html",
        "Check your answers before you submit",
        entries=entries,
        label=f"{KIND_LABELS[case.kind]} {_named(case)}",
        case=case,
        answers=_answers(case),
        documents=_documents_of(case),
        blocked=[b for b in (submit.blocked_by if submit else ()) if not missing],
        missing=missing,
        authority=case.authority,
        back=url_for("community.tasks", reference=reference),
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


# -- withdrawing a draft -------------------------------------------------------------------


@bp.route("/requests/<reference>/withdraw-draft", methods=["GET", "POST"])
@signed_in(*COMMUNITY)
def discard(reference: str):
    """Withdrawing a draft is the workflow's own withdraw action, asked about first."""
    case = own_draft(reference)
    if case is None:
        return redirect(url_for("case_pages.case", reference=reference))
    if request.method == "POST":
        problem = attempt(
            lambda: perform_as(case, "withdraw", {"reason": "draft withdrawn"}, Party.BODY)
        )
        if problem:
            abort(problem.status, " ".join(problem.general))
        flash(f"{_named(case)} was withdrawn.", "success")
        return redirect(url_for("community.dashboard"))
    return page(
        "web/community/withdraw.html",
        "Are you sure you want to withdraw this draft?",
        label=f"{KIND_LABELS[case.kind]} {_named(case)}",
        case=case,
        back=url_for("community.tasks", reference=reference),
    )
