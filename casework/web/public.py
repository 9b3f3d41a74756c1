"""The public pages: the start page, the decision register, requests open for
representations, and the register of land. No account is needed for any of them."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from urllib.parse import urlencode

from flask import Blueprint, Response, abort, redirect, request, stream_with_context, url_for
from marshmallow import ValidationError
from sqlalchemy import select

from casework import land as land_register
from casework import ratelimit
from casework import register as decisions
from casework.api import load
from casework.api.pagination import paginate
from casework.api.register import RegisterQuery
from casework.api.representations import open_query
from casework.context import db, law, services, today
from casework.eventlog import Actor
from casework.models import AssetTransferRequest, Authority, LandEntry, RegisterRecord
from casework.schemas.asset_transfer import MakeRepresentation
from casework.schemas.common import HONEYPOT
from casework.schemas.land import LandQuerySchema
from casework.web import forms
from casework.web.acting import attempt, perform_as
from casework.web.forms import Problem
from casework.web.pages import KIND_LABELS, page
from casework.web.security import client_ip
from workflows import asset_transfer as atr
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


def _query_args(schema) -> tuple[dict, Problem]:
    """The search form's answers, checked by the API's own query schema."""
    raw = {k: v for k, v in request.args.items() if v.strip()}
    try:
        return schema.load(raw), Problem()
    except ValidationError as exc:
        messages = exc.normalized_messages()
        return schema.load({}), Problem(forms.flatten(messages))


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


@bp.get("/register")
def register():
    args, problem = _query_args(RegisterQuery())
    page_no = int(args.get("page", 1))
    records, total = [], 0
    if not problem:
        query = decisions.query(args, decisions_only=True)
        result = paginate(db(), query, page_no, PAGE_SIZE)
        records, total = result["items"], result["total"]
    feed_args = {k: v for k, v in request.args.items() if k not in ("page", "sort") and v}
    return page(
        "web/public/register.html",
        "Decision register",
        problem=problem,
        records=records,
        args=request.args,
        pages=_pages(total, page_no, PAGE_SIZE),
        authorities=_authorities(),
        kinds=list(KIND_LABELS.items()),
        outcomes=OUTCOMES,
        kind_labels=KIND_LABELS,
        csv_url=url_for("public.register_csv") + ("?" + urlencode(feed_args) if feed_args else ""),
        atom_url=url_for("feeds.decisions_atom")
        + ("?" + urlencode(feed_args) if feed_args else ""),
    )


def cell_safe(*cells) -> list:
    """A spreadsheet runs a cell starting with = + - @ as a formula: such text is written
    with a leading apostrophe, so a body's name can never become a formula."""
    return [
        f"'{c}" if isinstance(c, str) and c[:1] in ("=", "+", "-", "@", "\t", "\r") else c
        for c in cells
    ]


@bp.get("/register/decisions.csv")
def register_csv():
    """Streamed from the database a batch at a time: a million rows never sit in memory."""
    args, problem = _query_args(RegisterQuery())
    if problem:
        abort(422, "; ".join(problem.fields.values()))
    base = services().settings.base_url
    query = decisions.query(args, decisions_only=True).execution_options(yield_per=500)
    session = services().sessions()

    def rows() -> Iterator[str]:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(CSV_COLUMNS)
        try:
            for record in session.scalars(query):
                writer.writerow(
                    cell_safe(
                        record.id,
                        decisions.permalink(base, record),
                        record.reference,
                        record.kind,
                        record.document,
                        record.title,
                        record.authority_code,
                        record.authority_name,
                        record.body_name,
                        record.outcome or "",
                        record.issued_on.isoformat(),
                        record.citation,
                        record.published_at.isoformat(),
                    )
                )
                if out.tell() > 64_000:
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
def record(record_id: int):
    row = db().get(RegisterRecord, record_id)
    if row is None:
        abort(404)
    others = (
        db()
        .scalars(
            select(RegisterRecord)
            .where(RegisterRecord.case_id == row.case_id, RegisterRecord.id != row.id)
            .order_by(RegisterRecord.published_at)
        )
        .all()
    )
    return page(
        "web/public/record.html",
        row.title,
        record=row,
        others=others,
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


def _open_case(reference: str) -> AssetTransferRequest:
    case = db().scalar(open_query(today()).where(AssetTransferRequest.reference == reference))
    if case is None:
        abort(404)
    return case


@bp.route("/representations/<reference>", methods=["GET", "POST"])
def representation(reference: str):
    case = _open_case(reference)
    schema = MakeRepresentation()
    problem = Problem()
    headers = {}
    if request.method == "POST":
        ip, limit = client_ip(), services().settings.representation_limit
        wait = ratelimit.retry_after(db(), ratelimit.REPRESENTATION, ip, limit)
        if wait is not None:
            # What was typed stays in the form below, so it can be sent later.
            problem = Problem(general=[_too_many(wait)], status=429)
            headers["Retry-After"] = str(wait)
        elif request.form.get(HONEYPOT, "").strip():
            # Only automated spam fills in the hidden field: it hears what a person would,
            # and nothing is kept or sent.
            ratelimit.count(db(), ratelimit.REPRESENTATION, ip)
            db().commit()
            return redirect(url_for("public.representation_sent", reference=reference))
        else:
            data = forms.payload(schema, request.form)
            public = Actor("member of the public")

            def make() -> None:
                perform_as(
                    case, "make_representation", load(schema, data), Party.PUBLIC, actor=public
                )
                ratelimit.count(db(), ratelimit.REPRESENTATION, ip)

            problem = attempt(make)
            if not problem:
                return redirect(url_for("public.representation_sent", reference=reference))
            case = _open_case(reference)
    fields_ = forms.build(
        schema,
        kind=atr.KIND,
        values=request.form if request.method == "POST" else {},
        errors=problem.fields,
    )
    html, status = page(
        "web/public/representation.html",
        f"Have your say on {case.reference}",
        problem=problem,
        form_fields=fields_,
        case=case,
        transfer_types=atr.TRANSFER_TYPES,
        honeypot=HONEYPOT,
    )
    return html, status, headers


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
    return page("web/public/representation_sent.html", "Representation received", case=case)


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
    return page("web/public/land_entry.html", entry.name, entry=entry)
