"""The public register of decisions and published documents, as JSON and Atom."""

from __future__ import annotations

from typing import Any

from flask import Blueprint as FlaskBlueprint
from flask import request
from flask_smorest import Blueprint
from marshmallow import Schema, fields, post_load, validate
from sqlalchemy import literal_column

from casework import atom, paging, register
from casework.api import load
from casework.api.pagination import address
from casework.context import read_db, services
from casework.errors import NotFound
from casework.models import RegisterRecord
from casework.models.register import REGISTER_DOCUMENTS, REPORT_DOCUMENT
from casework.schemas.common import PageSchema

blp = Blueprint(
    "register",
    __name__,
    url_prefix="/api/v1/register",
    description="The public register: decisions, annual reports and other published documents",
)
feeds = FlaskBlueprint("feeds", __name__)


class RegisterQuery(PageSchema):
    authority = fields.String(metadata={"description": "an authority code"})
    kind = fields.String(
        validate=validate.OneOf(["participation_request", "asset_transfer_request"])
    )
    outcome = fields.String(
        metadata={
            "description": "agreed, refused; or a review or appeal result: confirm, modify, "
            "substitute, allowed, dismissed, varied"
        }
    )
    date_from = fields.Date(data_key="from")
    date_to = fields.Date(data_key="to")
    q = fields.String(
        validate=validate.Length(max=200),
        metadata={
            "description": "words to find in the title, reference, community body, land "
            "(its name and address), authority or the document's text: every word must be "
            "found, each as the start of a word (hall finds halls); letters and digits "
            "only, any other character parts words"
        },
    )
    sort = fields.String(
        load_default="newest",
        validate=validate.OneOf(register.SORTS),
        metadata={
            "description": "newest (published, newest first), oldest, authority (by name, "
            "then newest first), relevance (best match for q first; newest without q)"
        },
    )
    document = fields.String(
        validate=validate.OneOf(REGISTER_DOCUMENTS, error="Choose a document from the list"),
        metadata={"description": "one kind of document: " + ", ".join(REGISTER_DOCUMENTS)},
    )
    cursor = paging.CursorField(
        metadata={
            "description": "where a page starts: take it from a listing's next or prev link, "
            "with the same filters and sort; an altered cursor is a 422. Given a cursor, "
            "page is not read"
        }
    )

    @post_load
    def _cursor(self, data: dict[str, Any], **_) -> dict[str, Any]:
        """A cursor read by the sort it was made for: any other is refused here, a 422."""
        if data.get("cursor") is not None:
            sort = register.sort_of(data)
            keys = register.keys(sort, literal_column("rank"))
            data["cursor"] = paging.checked(data["cursor"], sort, keys)
        return data


class DocumentQuery(RegisterQuery):
    document = fields.String()
    reference = fields.String()


def _report_url(record: RegisterRecord) -> str | None:
    if record.report is None:
        return None
    return register.report_permalink(services().settings.base_url, record.report)


class RecordSchema(Schema):
    id = fields.Integer()
    url = fields.Function(lambda r: register.permalink(services().settings.base_url, r))
    reference = fields.String()
    kind = fields.String()
    document = fields.String()
    title = fields.String(metadata={"description": "the document's title"})
    request_title = fields.String(
        allow_none=True, metadata={"description": "the title the body gave its request"}
    )
    authority = fields.Function(lambda r: {"code": r.authority_code, "name": r.authority_name})
    community_body = fields.String(
        attribute="body_name",
        metadata={"description": "the community body; empty for an authority's annual report"},
    )
    outcome = fields.String(allow_none=True)
    issued_on = fields.Date()
    citation = fields.String()
    published_at = fields.DateTime()
    report_url = fields.Function(
        _report_url,
        allow_none=True,
        metadata={
            "description": "for an annual report (s.32, s.95): the report's own page at this "
            "version; add .json, .csv or .pdf before the query for those"
        },
    )


def _superseded_by(record: RegisterRecord) -> str | None:
    later = register.later_version(read_db(), record)
    return None if later is None else register.permalink(services().settings.base_url, later)


class RecordWithText(RecordSchema):
    text = fields.String()
    superseded_by = fields.Function(
        _superseded_by,
        allow_none=True,
        metadata={"description": "for a corrected annual report: the latest version's record"},
    )


class RegisterPage(Schema):
    items = fields.List(fields.Nested(RecordSchema))
    page = fields.Integer(
        metadata={"description": "the page's number, counting from the first page"}
    )
    page_size = fields.Integer()
    total = fields.Integer(
        metadata={
            "description": "how many records match: exact when total_exact is true; "
            f"otherwise more than {paging.COUNT_LIMIT:,} match and this is {paging.COUNT_LIMIT}"
        }
    )
    total_exact = fields.Boolean(
        metadata={
            "description": f"false when more than {paging.COUNT_LIMIT:,} records match: the "
            "count stops there, so every page costs the same"
        }
    )
    next = fields.String(
        allow_none=True, metadata={"description": "the next page's address, or null"}
    )
    prev = fields.String(
        allow_none=True, metadata={"description": "the previous page's address, or null"}
    )


def listing(args: dict[str, Any], documents: tuple[str, ...] | None) -> dict[str, Any]:
    found = register.page(read_db(), args, documents=documents, size=args["page_size"])
    return {**found, "next": address(found["next_cursor"]), "prev": address(found["prev_cursor"])}


PAGING = (
    "Paged by cursor: follow `next` and `prev`, which keep the filters and sort. The old "
    "`page` number still works (each later page costs more), but links are cursors."
)


@blp.route("/decisions")
@blp.arguments(RegisterQuery, location="query")
@blp.response(200, RegisterPage)
@blp.doc(description=PAGING)
def decisions(args):
    """What the register page lists: decision notices, review and appeal outcomes, and
    the latest version of each authority's annual report (s.32, s.95), newest first."""
    return listing(args, REGISTER_DOCUMENTS)


@blp.route("/documents")
@blp.arguments(DocumentQuery, location="query")
@blp.response(200, RegisterPage)
@blp.doc(description=PAGING)
def documents(args):
    """Every published document: notices, process notices, outcome reports, applications,
    annual reports (the latest version of each; earlier ones keep their own address)."""
    return listing(args, None)


@blp.route("/documents/<int:record_id>")
@blp.response(200, RecordWithText)
def document(record_id: int):
    """One published document, with its (redacted) text."""
    record = read_db().get(RegisterRecord, record_id)
    if record is None:
        raise NotFound("There is no such document on the register.")
    return record


FEED_SIZE = 50


@feeds.get("/register/decisions.atom")
def decisions_atom():
    """The latest 50 decisions as an Atom feed; takes the same filters as the API, and
    links to the next and previous 50 by cursor (RFC 5005 paged feeds)."""
    args = load(RegisterQuery(), request.args.to_dict())
    base = services().settings.base_url
    found = register.page(
        read_db(), args, documents=REGISTER_DOCUMENTS, size=FEED_SIZE, count=False
    )
    entries = []
    for r in found["items"]:
        summary = (
            f"{r.authority_name}: {r.title}. Published {r.issued_on.isoformat()}."
            if r.document == REPORT_DOCUMENT
            else f"{r.authority_name}: {r.title}. Outcome: {r.outcome or 'n/a'}. "
            f"Issued {r.issued_on.isoformat()}."
        )
        entries.append(
            atom.Entry(
                r.title,
                register.permalink(base, r),
                r.published_at,
                summary,
                r.text,
                r.kind,
                r.published_at,
            )
        )
    return atom.feed(
        "Community empowerment decisions and annual reports",
        f"{base}/register/decisions.atom",
        request.url,
        f"{base}/register",
        entries,
        (("next", address(found["next_cursor"])), ("previous", address(found["prev_cursor"]))),
    )
