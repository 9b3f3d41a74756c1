"""The public register of decisions and published documents, as JSON and Atom."""

from __future__ import annotations

from xml.sax.saxutils import escape

from flask import Blueprint as FlaskBlueprint
from flask import Response, request
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from casework import register
from casework.api import load
from casework.api.pagination import paginate
from casework.context import db, services
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
        metadata={"description": "words in the title, body or reference"},
    )
    sort = fields.String(
        load_default="newest", validate=validate.OneOf(["newest", "oldest", "authority"])
    )
    document = fields.String(
        validate=validate.OneOf(REGISTER_DOCUMENTS, error="Choose a document from the list"),
        metadata={"description": "one kind of document: " + ", ".join(REGISTER_DOCUMENTS)},
    )


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
    later = register.later_version(db(), record)
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
    page = fields.Integer()
    page_size = fields.Integer()
    total = fields.Integer()


@blp.route("/decisions")
@blp.arguments(RegisterQuery, location="query")
@blp.response(200, RegisterPage)
def decisions(args):
    """What the register page lists: decision notices, review and appeal outcomes, and
    the latest version of each authority's annual report (s.32, s.95), newest first."""
    return paginate(
        db(), register.query(args, documents=REGISTER_DOCUMENTS), args["page"], args["page_size"]
    )


@blp.route("/documents")
@blp.arguments(DocumentQuery, location="query")
@blp.response(200, RegisterPage)
def documents(args):
    """Every published document: notices, process notices, outcome reports, applications,
    annual reports (the latest version of each; earlier ones keep their own address)."""
    return paginate(db(), register.query(args, documents=None), args["page"], args["page_size"])


@blp.route("/documents/<int:record_id>")
@blp.response(200, RecordWithText)
def document(record_id: int):
    """One published document, with its (redacted) text."""
    record = db().get(RegisterRecord, record_id)
    if record is None:
        raise NotFound("There is no such document on the register.")
    return record


@feeds.get("/register/decisions.atom")
def decisions_atom():
    """The latest 50 decisions as an Atom feed; takes the same filters as the API."""
    args = load(RegisterQuery(), request.args.to_dict())
    base = services().settings.base_url
    records = db().scalars(register.query(args, documents=REGISTER_DOCUMENTS).limit(50)).all()
    updated = max((r.published_at for r in records), default=None)  # whatever the sort
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<feed xmlns="http://www.w3.org/2005/Atom">',
        "<title>Community empowerment decisions and annual reports</title>",
        f"<id>{escape(base)}/register/decisions.atom</id>",
        f'<link rel="self" href="{escape(request.url)}"/>',
        f'<link rel="alternate" href="{escape(base)}/register"/>',
        f"<updated>{(updated.isoformat() if updated else '1970-01-01T00:00:00+00:00')}</updated>",
        "<author><name>Community empowerment casework</name></author>",
    ]
    for r in records:
        link = register.permalink(base, r)
        summary = (
            f"{r.authority_name}: {r.title}. Published {r.issued_on.isoformat()}."
            if r.document == REPORT_DOCUMENT
            else f"{r.authority_name}: {r.title}. Outcome: {r.outcome or 'n/a'}. "
            f"Issued {r.issued_on.isoformat()}."
        )
        parts += [
            "<entry>",
            f"<title>{escape(r.title)}</title>",
            f"<id>{escape(link)}</id>",
            f'<link rel="alternate" href="{escape(link)}"/>',
            f"<updated>{r.published_at.isoformat()}</updated>",
            f"<published>{r.published_at.isoformat()}</published>",
            f'<category term="{escape(r.kind)}"/>',
            f"<summary>{escape(summary)}</summary>",
            f'<content type="text">{escape(r.text)}</content>',
            "</entry>",
        ]
    parts.append("</feed>")
    return Response("\n".join(parts) + "\n", mimetype="application/atom+xml")
