"""The public pages: the start page, the decision register, requests open for
representations, and the register of land. No account is needed for any of them."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import secrets
from collections.abc import Iterator
from urllib.parse import urlencode

from flask import (
    Blueprint,
    Response,
    abort,
    redirect,
    request,
    session,
    stream_with_context,
    url_for,
)
from marshmallow import ValidationError
from sqlalchemy import Select, String, case, cast, func, literal, select

from casework import land as land_register
from casework import notices, ratelimit
from casework import register as decisions
from casework.api import load
from casework.api.pagination import paginate
from casework.api.register import RegisterQuery
from casework.api.representations import open_query
from casework.context import db, law, read_db, services, today
from casework.eventlog import Actor
from casework.models import (
    AssetTransferRequest,
    Authority,
    Case,
    LandEntry,
    RegisterRecord,
)
from casework.models.register import DOCUMENT_LABELS, REGISTER_DOCUMENTS
from casework.schemas.asset_transfer import MakeRepresentation
from casework.schemas.common import HONEYPOT
from casework.schemas.land import LandQuerySchema
from casework.web import dates, forms
from casework.web.acting import attempt, perform_as
from casework.web.forms import Problem
from casework.web.pages import KIND_LABELS, page
from casework.web.security import client_ip
from workflows import asset_transfer as atr
from workflows.periods import in_words
from workflows.rules import Party

bp = Blueprint("public", __name__)

OUTCOMES = [
    ("agreed", "Agreed"),
    ("refused", "Refused"),
    ("confirm", "Review: confirmed"),
    ("modify", "Review: modified"),
    ("substitute", "Review: substituted"),
    ("allowed", "Appeal: allowed"),
    ("dismissed", "Appeal: dismissed"),
    ("varied", "Appeal: varied or reversed"),
]
PAGE_SIZE = 20
CSV_COLUMNS = (
    "id",
    "url",
    "reference",
    "kind",
    "document",
    "title",
    "authority_code",
    "authority_name",
    "community_body",
    "outcome",
    "issued_on",
    "citation",
    "published_at",
)


def _query_args(schema, raw: dict | None = None) -> tuple[dict, Problem]:
    """The search form's answers, checked by the API's own query schema."""
    if raw is None:
        raw = {k: v for k, v in request.args.items() if v.strip()}
    try:
        return schema.load(raw), Problem()
    except ValidationError as exc:
        messages = exc.normalized_messages()
        return schema.load({}), Problem(forms.flatten(messages))


# The register's two dates, each entered as day, month and year (the GOV.UK date input):
# (the form's name, the API's query name, its label).
DATE_FILTERS = (("from", "date_from", "Issued from"), ("to", "date_to", "Issued to"))


class _Linked:
    """An error shown in the summary with a link to its field: what a form field gives
    `page()`, for the filters that are not built from a schema."""

    def __init__(self, name: str, anchor: str, label: str, error: str):
        self.name, self.id, self.label, self.error = name, anchor, label, error

    def all_errors(self) -> list:
        return [self]


def _date_filters() -> tuple[dict[str, str], dict[str, str]]:
    """The register's dates from their three fields each: ({'from': ISO date}, {'date_from':
    error}). A date left wholly blank is no filter; the old one-field form (from=2026-04-01,
    as the feeds and the API take it) is passed on as it is."""
    values, errors = {}, {}
    for name, key, _label in DATE_FILTERS:
        day, error = dates.from_fields(request.args, name)
        if error:
            errors[key] = error
        elif day:
            values[name] = day.isoformat()
    if not errors and "from" in values and "to" in values and values["from"] > values["to"]:
        errors["date_from"] = "The from date must be the same as or before the to date"
    return values, errors


def _pages(total: int, page_no: int, size: int) -> dict:
    last = max(1, -(-total // size))
    args = {k: v for k, v in request.args.items() if k != "page" and v}

    def link(n: int) -> str:
        return "?" + urlencode({**args, "page": n})

    return {"page": page_no, "last": last, "total": total, "link": link}


def _authorities(**where) -> list[tuple[str, str]]:
    rows = db().scalars(select(Authority).order_by(Authority.name))
    return [(a.code, a.name) for a in rows]


@bp.get("/")
def start():
    return page(
        "web/public/start.html",
        "Ask to take part, or to take over land or buildings",
        rules=law().rulebook,
        layout="wide",
    )


def _cursor_pages(found: dict | None, page_no: int) -> dict:
    """The register's pages for the template: links by cursor, and a page count that is
    exact while the count is, and "more than" once it stops counting."""
    args = [(k, v) for k, v in request.args.items(multi=True) if k not in ("page", "cursor") and v]

    def at(cursor: str | None) -> str | None:
        return None if cursor is None else "?" + urlencode([*args, ("cursor", cursor)])

    def numbered(n: int) -> str:  # the old page numbers: only to go back to the last page
        return "?" + urlencode([*args, ("page", n)])

    if found is None:
        return {"page": 1, "last": 1, "total": 0, "exact": True, "next": None, "prev": None}
    total, exact = found["total"], found["total_exact"]
    return {
        "page": found["page"] if found["items"] else page_no,
        "last": max(1, -(-total // PAGE_SIZE)) if exact else None,
        "at_least": total // PAGE_SIZE,
        "total": total,
        "exact": exact,
        "next": at(found["next_cursor"]),
        "prev": at(found["prev_cursor"]),
        "link": numbered,
    }


@bp.get("/register")
def register():
    dates, date_errors = _date_filters()
    raw = {
        k: v
        for k, v in request.args.items()
        if v.strip() and k not in ("from", "to") and not k.startswith(("from-", "to-"))
    }
    args, problem = _query_args(RegisterQuery(), {**raw, **dates})
    if problem or date_errors:
        # A date the API's schema could not read: said as the three fields would say it.
        dated = {"from": "date_from", "to": "date_to"}
        fields_ = {
            dated.get(k, k): "Enter a real date" if k in dated else v
            for k, v in problem.fields.items()
            if k != "cursor"
        }
        general = [*problem.general]
        if "cursor" in problem.fields:  # a page link altered: no field to point to
            general.append(problem.fields["cursor"])
        problem = Problem({**fields_, **date_errors}, general)
    page_no = int(args.get("page", 1)) if not problem else 1
    found = None
    if not problem:
        found = decisions.page(read_db(), args, documents=REGISTER_DOCUMENTS, size=PAGE_SIZE)
    records = found["items"] if found else []
    pages = _cursor_pages(found, page_no)
    # The CSV and the feed take the dates as the API does, in one field each.
    feed_args = {k: v for k, v in {**raw, **dates}.items() if k not in ("page", "sort", "cursor")}
    linked = [
        _Linked(key, f"q-{name}-day", label, problem.fields[key])
        for name, key, label in DATE_FILTERS
        if problem and key in problem.fields
    ]
    if problem and "q" in problem.fields:
        linked.insert(0, _Linked("q", "q-q", "Search", problem.fields["q"]))
    return page(
        "web/public/register.html",
        "Decision register",
        problem=problem,
        form_fields=linked,
        records=records,
        args=request.args,
        pages=pages,
        beyond_last=bool(pages["total"])
        and pages["exact"]
        and not records
        and "cursor" not in args,
        authorities=_authorities(),
        kinds=list(KIND_LABELS.items()),
        outcomes=OUTCOMES,
        outcome_labels=dict(OUTCOMES),
        kind_labels=KIND_LABELS,
        documents=[(d, DOCUMENT_LABELS[d]) for d in REGISTER_DOCUMENTS],
        csv_url=url_for("public.register_csv") + ("?" + urlencode(feed_args) if feed_args else ""),
        atom_url=url_for("feeds.decisions_atom")
        + ("?" + urlencode(feed_args) if feed_args else ""),
        follow_url=url_for("following.follow", list="register", **feed_args),
        follow_authority=_follow_authority(args.get("authority")),
    )


def _follow_authority(code: str | None) -> dict | None:
    """The link to follow the authority the register is filtered by, if it is one."""
    if not code:
        return None
    name = db().scalar(select(Authority.name).where(Authority.code == code.upper()))
    if name is None:
        return None
    return {"name": name, "url": url_for("following.follow", authority=code.upper())}


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell_safe(*cells) -> list:
    """A spreadsheet runs a cell starting with = + - @ as a formula: such text is written
    with a leading apostrophe, so a body's name can never become a formula."""
    return [_cell(c) if isinstance(c, str) else c for c in cells]


def _cell(text: str) -> str:
    return f"'{text}" if text[:1] in FORMULA_STARTS else text


# The CSV's columns as the query selects them: plain values, never ORM objects, so a row
# costs a tuple and the export's memory stays the same however long it is.
_CSV_SELECT = (
    RegisterRecord.id,
    RegisterRecord.reference,
    RegisterRecord.kind,
    RegisterRecord.document,
    RegisterRecord.title,
    RegisterRecord.authority_code,
    RegisterRecord.authority_name,
    RegisterRecord.body_name,
    RegisterRecord.outcome,
    RegisterRecord.issued_on,
    RegisterRecord.citation,
    RegisterRecord.published_at,
)
CSV_BATCH = 2000


def _copied(query: Select, base: str) -> Select:
    """The CSV's columns as PostgreSQL writes them itself (COPY), exactly as the Python
    writer below would: the same formula guard, empty cells, dates and times."""
    r = RegisterRecord

    def cell(column):
        guarded = case(
            (func.left(column, 1).in_(FORMULA_STARTS), literal("'") + column), else_=column
        )
        return func.nullif(guarded, "")  # NULL: an empty cell, as csv.writer writes ""

    utc = func.timezone("UTC", r.published_at)
    published = (
        func.to_char(utc, 'YYYY-MM-DD"T"HH24:MI:SS')
        + case(
            (
                func.extract("microseconds", r.published_at) % 1_000_000 != 0,
                func.to_char(utc, ".US"),
            ),
            else_="",
        )
        + "+00:00"
    )
    columns = (
        r.id,
        literal(f"{base}/register/") + cast(r.id, String),
        cell(r.reference),
        cell(r.kind),
        cell(r.document),
        cell(r.title),
        cell(r.authority_code),
        cell(r.authority_name),
        cell(r.body_name),
        r.outcome,
        func.to_char(r.issued_on, "YYYY-MM-DD"),
        cell(r.citation),
        published,
    )
    return query.with_only_columns(
        *(c.label(name) for c, name in zip(columns, CSV_COLUMNS, strict=True))
    )


def _copy_csv(session, query: Select, base: str) -> Iterator[bytes]:
    """On PostgreSQL the database writes the CSV (COPY ... TO STDOUT), sent on as it comes:
    as fast as psql's \\copy, in constant memory."""
    compiled = _copied(query, base).compile(
        dialect=session.get_bind().dialect, compile_kwargs={"render_postcompile": True}
    )
    raw = session.connection().connection.driver_connection
    try:
        with (
            raw.cursor() as cursor,
            cursor.copy(
                f"COPY ({compiled.string}) TO STDOUT (FORMAT csv, HEADER)", compiled.params
            ) as copy,
        ):
            buffered = bytearray()
            for block in copy:  # a row a block: sent on 64 kB at a time
                buffered += block
                if len(buffered) >= 65_536:
                    yield bytes(buffered)
                    buffered.clear()
            yield bytes(buffered)
    finally:
        session.close()


@bp.get("/register/decisions.csv")
def register_csv():
    """Streamed from a server-side cursor a batch at a time, in plain tuples: a million
    rows never sit in memory, and the first arrive before the last are read."""
    args, problem = _query_args(RegisterQuery())
    if problem:
        abort(422, "; ".join(problem.fields.values()))
    base = services().settings.base_url
    # A session of its own, held while the response streams: the replica's, if there is one.
    svc = services()
    session = (svc.read_sessions or svc.sessions)()
    query = (
        decisions.query(args, documents=REGISTER_DOCUMENTS, dialect=session.get_bind().dialect.name)
        .with_only_columns(*_CSV_SELECT)
        .execution_options(stream_results=True, yield_per=CSV_BATCH)
    )

    if session.get_bind().dialect.name == "postgresql":
        response = Response(
            stream_with_context(_copy_csv(session, query, base)), mimetype="text/csv"
        )
        response.headers["Content-Disposition"] = 'attachment; filename="decisions.csv"'
        return response

    def rows() -> Iterator[str]:
        """The embedded default (SQLite): plain rows from the cursor, written here."""
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(CSV_COLUMNS)
        try:
            # Core rows on the session's connection: no ORM work per row.
            for batch in session.connection().execute(query).partitions():
                writer.writerows(
                    (
                        id_,
                        decisions.record_url(base, id_),
                        _cell(reference),
                        _cell(kind),
                        _cell(document),
                        _cell(title),
                        _cell(authority_code),
                        _cell(authority_name),
                        _cell(body_name),
                        outcome or "",  # one of the outcomes the law names
                        issued_on.isoformat(),
                        _cell(citation),
                        published_at.isoformat(),
                    )
                    for (
                        id_,
                        reference,
                        kind,
                        document,
                        title,
                        authority_code,
                        authority_name,
                        body_name,
                        outcome,
                        issued_on,
                        citation,
                        published_at,
                    ) in batch
                )
                yield out.getvalue()
                out.seek(0)
                out.truncate()
            yield out.getvalue()
        finally:
            session.close()

    response = Response(stream_with_context(rows()), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="decisions.csv"'
    return response


@bp.get("/register/<int:record_id>")
def record(record_id: int, *, render=page):
    """A published record; `render` is casework.web.pdf's for its PDF. A report's record
    links to the report's own page, and to its other versions."""
    row = db().get(RegisterRecord, record_id)
    if row is None:
        abort(404)
    if row.report_id is not None:
        return _report_record(row, render)
    others = (
        db()
        .scalars(
            select(RegisterRecord)
            .where(RegisterRecord.case_id == row.case_id, RegisterRecord.id != row.id)
            .order_by(RegisterRecord.published_at)
        )
        .all()
    )
    case = db().get(Case, row.case_id)  # what was asked for: published with the decision
    return render(
        "web/public/record.html",
        row.title.removesuffix(f": {row.reference}"),  # the reference is in the label
        record=row,
        case=case,
        request_title=getattr(row, "request_title", None) or (case.title if case else None),
        others=others,
        kind_label=KIND_LABELS.get(row.kind, row.kind),
        transfer_types=atr.TRANSFER_TYPES,
        outcome_labels=dict(OUTCOMES),
        permalink=decisions.permalink(services().settings.base_url, row),
    )


def _report_record(row: RegisterRecord, render):
    """An annual report's record (s.32, s.95): its summary, the report's own page at this
    version, and whether a later version has corrected it."""
    versions = decisions.versions(db(), row)
    return render(
        "web/public/report_record.html",
        row.title,
        record=row,
        report=row.report,
        latest=versions[-1] if versions[-1].id != row.id else None,
        others=[v for v in versions if v.id != row.id],
        kind_label=KIND_LABELS.get(row.kind, row.kind),
        permalink=decisions.permalink(services().settings.base_url, row),
    )


@bp.get("/representations")
def representations():
    open_requests = (
        db()
        .scalars(
            open_query(today())
            .order_by(AssetTransferRequest.representations_close, AssetTransferRequest.id)
            .limit(200)
        )
        .all()
    )
    return page(
        "web/public/representations.html",
        "Have your say on requests for land and buildings",
        requests=open_requests,
        transfer_types=atr.TRANSFER_TYPES,
    )


@bp.get("/representations.atom")
def representations_atom():
    """Every request open for representations, newest notice first, each with its closing
    date, as an Atom feed; `authority=CODE` for one authority's."""
    from casework import atom

    query = open_query(today())
    code = (request.args.get("authority") or "").strip().upper()
    if code:
        query = query.join(Authority, Authority.id == AssetTransferRequest.authority_id).where(
            Authority.code == code
        )
    base = services().settings.base_url
    entries = []
    for c in read_db().scalars(
        query.order_by(
            AssetTransferRequest.notice_date.desc(), AssetTransferRequest.id.desc()
        ).limit(200)
    ):
        what = c.title or (c.land.name if c.land else c.land_description[:80])
        entries.append(
            atom.Entry(
                f"{c.reference}: {what}",
                f"{base}/representations/{c.reference}",
                c.updated_at,
                f"{c.community_body.name} asks {c.authority.name} for "
                f"{atr.TRANSFER_TYPES[c.transfer_type]}. Representations close on "
                f"{in_words(c.representations_close)}.",
                category=c.authority.code,
                published=dt.datetime.combine(c.notice_date, dt.time(), dt.UTC),
            )
        )
    return atom.feed(
        "Asset transfer requests open for representations",
        f"{base}/representations.atom" + (f"?authority={code}" if code else ""),
        request.url,
        f"{base}/representations",
        entries,
    )


@bp.get("/representations.ics")
def representations_ics():
    """The closing days of every request open for representations, as a calendar to
    subscribe to (casework.calendar_feeds)."""
    from casework.calendar_feeds import representations_calendar

    open_requests = read_db().scalars(
        open_query(today()).order_by(
            AssetTransferRequest.representations_close, AssetTransferRequest.id
        )
    )
    svc = services()
    body = representations_calendar(
        open_requests,
        svc.settings.base_url,
        law().rulebook.rule("atr.representations"),
        svc.settings.reminder_offsets,
    )
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = 'inline; filename="representations.ics"'
    return response


def _open_case(reference: str) -> AssetTransferRequest:
    case = db().scalar(open_query(today()).where(AssetTransferRequest.reference == reference))
    if case is None:
        abort(404)
    return case


def named(case: Case) -> str:
    """'ATR-FIFE-2026-0001: Lease of the pavilion', or the reference alone."""
    return f"{case.reference}: {case.title}" if case.title else case.reference


# What the person is told after sending, kept in their session cookie for the next page.
SENT = "representation_sent"
ANSWERS = ("name", "email", "address", "text")


@bp.route("/representations/<reference>", methods=["GET", "POST"])
def representation(reference: str):
    """One question page, then check your answers, then send: the form posts to itself,
    and the answers travel in the check page's own form, never in the address."""
    case = _open_case(reference)
    schema = MakeRepresentation()
    problem = Problem()
    headers = {}
    step = "form"
    if request.method == "POST":
        if request.form.get(HONEYPOT, "").strip():
            # Only automated spam fills in the hidden field: it hears what a person would,
            # and nothing is kept or sent.
            ratelimit.count(db(), ratelimit.REPRESENTATION, client_ip())
            db().commit()
            session[SENT] = {
                "case": reference,
                "reference": f"{reference}-R{secrets.randbelow(9000) + 1000:04d}",
                "emailed": bool(request.form.get("email", "").strip()),
            }
            return redirect(url_for("public.representation_sent", reference=reference))
        data = forms.payload(schema, request.form)
        public = Actor("member of the public")
        if request.form.get("change"):
            step = "form"
        elif request.form.get("send") != "yes":
            # Checked exactly as sending would check it, then undone: the same rules say
            # what is missing, and nothing is kept until the person sends it.
            problem = attempt_dry(
                lambda: perform_as(
                    case, "make_representation", load(schema, data), Party.PUBLIC, actor=public
                )
            )
            case = _open_case(reference)
            step = "form" if problem else "check"
        else:
            ip, limit = client_ip(), services().settings.representation_limit
            wait = ratelimit.retry_after(db(), ratelimit.REPRESENTATION, ip, limit)
            if wait is not None:
                # What was typed stays in the form below, so it can be sent later.
                problem = Problem(general=[_too_many(wait)], status=429)
                headers["Retry-After"] = str(wait)
            else:
                sent: dict = {}

                def make() -> None:
                    answers = load(schema, data)
                    perform_as(case, "make_representation", answers, Party.PUBLIC, actor=public)
                    ratelimit.count(db(), ratelimit.REPRESENTATION, ip)
                    rep = case.representations[-1]
                    sent["reference"] = notices.representation_reference(case, rep)
                    if rep.email:
                        notices.representation_receipt(
                            db(), case, rep, sent["reference"], public, today()
                        )
                        sent["emailed"] = True

                problem = attempt(make)
                if not problem:
                    session[SENT] = {"case": reference, "emailed": False, **sent}
                    return redirect(url_for("public.representation_sent", reference=reference))
                case = _open_case(reference)
    problem = plain(problem)
    values = request.form if request.method == "POST" else {}
    fields_ = forms.build(schema, kind=atr.KIND, values=values, errors=problem.fields)
    if step == "check":
        html, status = page(
            "web/public/representation_check.html",
            "Check your representation before sending it",
            case=case,
            case_name=named(case),
            answers={k: (values.get(k) or "").strip() for k in ANSWERS},
            form_fields=fields_,
            honeypot=HONEYPOT,
        )
        return html, status
    html, status = page(
        "web/public/representation.html",
        f"Have your say on {named(case)}",
        problem=problem,
        form_fields=fields_,
        case=case,
        transfer_types=atr.TRANSFER_TYPES,
        honeypot=HONEYPOT,
    )
    return html, status, headers


# "(SSI 2016/357 reg 7)", "(section 84)", "(s.82)": the law is cited in the page's hints, not
# in an error a member of the public reads.
CITATION = re.compile(r"\s*\((?:SSI \d{4}/\d+|section \d+|s\.\s?\d+|regulation \d+)[^)]*\)")


def plain(problem: Problem) -> Problem:
    """A problem's messages without the law's numbers in them."""

    def words(message: str) -> str:
        return CITATION.sub("", message).replace("..", ".").strip()

    return Problem(
        {k: words(v) for k, v in problem.fields.items()},
        [words(m) for m in problem.general],
        problem.status,
    )


def attempt_dry(work) -> Problem:
    """Run `work` to find what is wrong with it, then roll it back whatever happened."""
    from casework.errors import ServiceError
    from casework.web.forms import problem_from

    try:
        work()
    except ServiceError as exc:
        return problem_from(exc)
    finally:
        db().rollback()
    return Problem()


def _too_many(wait: int) -> str:
    return (
        "We have had too many representations from your internet connection in the last "
        "hour, so we could not take this one yet. Nothing you typed has been lost: it is "
        f"still in the form below. Try again in {ratelimit.wait_in_words(wait)}, or keep a "
        "copy of your words and send them later, before the closing date."
    )


@bp.get("/representations/<reference>/sent")
def representation_sent(reference: str):
    case = db().scalar(
        select(AssetTransferRequest).where(
            AssetTransferRequest.reference == reference,
            AssetTransferRequest.notice_date.is_not(None),  # published, so public
        )
    )
    if case is None:
        abort(404)
    sent = session.get(SENT) or {}
    if sent.get("case") != reference:
        sent = {}
    return page(
        "web/public/representation_sent.html",
        "Representation received",
        case=case,
        case_name=named(case),
        sent=sent,
    )


@bp.get("/land")
def land():
    args, problem = _query_args(LandQuerySchema())
    page_no = int(args.get("page", 1))
    entries, total = [], 0
    if not problem:
        query = land_register.search(
            select(LandEntry),
            authority=args.get("authority"),
            place=args.get("place"),
            text=args.get("q"),
            frozen=args.get("frozen"),
        ).order_by(LandEntry.name, LandEntry.id)
        result = paginate(db(), query, page_no, PAGE_SIZE)
        entries = land_register.with_freeze(db(), result["items"])
        total = result["total"]
    return page(
        "web/public/land.html",
        "Register of land",
        problem=problem,
        entries=entries,
        args=request.args,
        pages=_pages(total, page_no, PAGE_SIZE),
        authorities=_authorities(),
    )


@bp.get("/land/<int:entry_id>")
def land_entry(entry_id: int):
    entry = db().get(LandEntry, entry_id)
    if entry is None:
        abort(404)
    [entry] = land_register.with_freeze(db(), [entry])
    freezing = []
    if entry.frozen:
        # The requests that freeze it, each with its "have your say" page while open.
        open_now = {
            c.reference
            for c in db().scalars(
                open_query(today()).where(AssetTransferRequest.reference.in_(entry.frozen_by))
            )
        }
        cases = db().scalars(
            select(AssetTransferRequest).where(AssetTransferRequest.reference.in_(entry.frozen_by))
        )
        by_ref = {c.reference: c for c in cases}
        # The request as the public may read it: its latest published document.
        latest: dict[int, RegisterRecord] = {}
        for r in db().scalars(
            select(RegisterRecord)
            .where(RegisterRecord.case_id.in_([c.id for c in by_ref.values()]))
            .order_by(RegisterRecord.published_at, RegisterRecord.id)
        ):
            latest[r.case_id] = r
        freezing = [
            {
                "name": named(by_ref[r]),
                "reference": r,
                "record": latest.get(by_ref[r].id),
                "open": r in open_now,
                "closes": by_ref[r].representations_close,
            }
            for r in entry.frozen_by
            if r in by_ref
        ]
    return page("web/public/land_entry.html", entry.name, entry=entry, freezing=freezing)
