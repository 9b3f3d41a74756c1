"""Supporting documents on a case: listed, uploaded and downloaded by its parties."""

from __future__ import annotations

from urllib.parse import quote

from flask import Response, request
from flask_smorest import Blueprint
from marshmallow import Schema, fields
from sqlalchemy import select

from casework import documents
from casework.access import party_for
from casework.api.cases import SECURED, load_case
from casework.context import commit, current_user, db
from casework.errors import Forbidden, Invalid, NotFound
from casework.eventlog import Actor
from casework.models import Case, Document

blp = Blueprint(
    "documents",
    __name__,
    url_prefix="/api/v1/cases",
    description="Supporting documents: PDF, Word, OpenDocument and images, checked by content",
)


class DocumentSchema(Schema):
    id = fields.Integer()
    filename = fields.String()
    content_type = fields.String()
    size = fields.Integer()
    sha256 = fields.String()
    description = fields.String()
    uploaded_by = fields.Function(lambda d: d.uploaded_by.label if d.uploaded_by else None)
    created_at = fields.DateTime()


def case_documents(case: Case) -> list[Document]:
    return list(
        db().scalars(select(Document).where(Document.case_id == case.id).order_by(Document.id))
    )


def document_of(case: Case, document_id: int) -> Document:
    row = db().scalar(
        select(Document).where(Document.case_id == case.id, Document.id == document_id)
    )
    if row is None:
        raise NotFound("There is no such document on this case.")
    return row


def download(row: Document) -> Response:
    """The stored bytes, as the type they were found to be, always as an attachment."""
    response = Response(row.content, mimetype=row.content_type)
    fallback = row.filename.encode("ascii", "replace").decode().replace("?", "_")
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(row.filename)}"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def upload(case: Case) -> Document:
    """Attach the uploaded `file` to the case, as its body or its authority."""
    if current_user() is None:  # load_case has already hidden every case from the public
        raise NotFound(f"There is no case {case.reference} that you can see.")
    if party_for(current_user(), case) is None:
        raise Forbidden("You can read this case but not add documents to it.")
    sent = request.files.get("file")
    if sent is None:
        raise Invalid({"file": ["Send the file as multipart/form-data in the field 'file'."]})
    content = sent.stream.read(documents.MAX_BYTES + 1)
    row = documents.attach(
        db(),
        case,
        content,
        sent.filename or "document",
        Actor.of(current_user()),
        request.form.get("description", ""),
    )
    commit()
    return row


@blp.route("/<reference>/documents", methods=["GET"])
@blp.doc(security=SECURED)
@blp.response(200, DocumentSchema(many=True))
def list_documents(reference: str):
    """The documents attached to the case."""
    return case_documents(load_case(reference))


@blp.route("/<reference>/documents", methods=["POST"])
@blp.doc(
    security=SECURED,
    requestBody={
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "description": {"type": "string"},
                    },
                    "required": ["file"],
                }
            }
        }
    },
)
@blp.response(201, DocumentSchema)
def add_document(reference: str):
    """Attach a document (at most 10 MB; PDF, DOCX, ODT, JPEG, PNG, GIF or WebP)."""
    return upload(load_case(reference))


@blp.route("/<reference>/documents/<int:document_id>")
@blp.doc(security=SECURED)
@blp.response(200, {"format": "binary", "type": "string"}, content_type="application/octet-stream")
def get_document(reference: str, document_id: int):
    """The document itself."""
    return download(document_of(load_case(reference), document_id))
