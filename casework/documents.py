"""Supporting documents: checked from their content, stored safely, recorded as events.

A file's type is read from its bytes, not from its name or the browser's say-so, and only
documents and images are kept. The uploader's file name is cleaned for display and
download; it is never a path on disk.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import zipfile
from io import BytesIO

import filetype
from sqlalchemy.orm import Session

from casework.errors import Conflict, Invalid
from casework.eventlog import Actor, record
from casework.models import Case, Document

# Control characters (C0 but tab, CR and LF; DEL; C1): never in a document's text metadata.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

MAX_BYTES = 10 * 1024 * 1024
MAX_PER_CASE = 30

# What may be attached: the type found in the content, and how it is named.
ALLOWED = {
    "application/pdf": "PDF",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word document",
    "application/vnd.oasis.opendocument.text": "OpenDocument text",
    "image/jpeg": "JPEG image",
    "image/png": "PNG image",
    "image/gif": "GIF image",
    "image/webp": "WebP image",
}
ALLOWED_SUMMARY = "PDF, Word (.docx), OpenDocument (.odt), JPEG, PNG, GIF or WebP"


def detect(content: bytes) -> str | None:
    """The content type the bytes really are, if it is one we accept."""
    kind = filetype.guess(content)
    mime = kind.mime if kind else None
    if mime == "application/zip" or (mime and mime.startswith("application/vnd.")):
        mime = _office(content) or mime
    return mime if mime in ALLOWED else None


def _office(content: bytes) -> str | None:
    """DOCX and ODT are zip files; tell them apart by what is inside."""
    try:
        with zipfile.ZipFile(BytesIO(content)) as z:
            names = set(z.namelist())
            if "mimetype" in names and z.getinfo("mimetype").file_size <= 100:
                # Read at most 100 bytes: a crafted entry must not inflate in memory.
                with z.open("mimetype") as entry:
                    declared = entry.read(100).decode("ascii", "replace").strip()
                if declared == "application/vnd.oasis.opendocument.text":
                    return declared
            if "word/document.xml" in names and "[Content_Types].xml" in names:
                return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    except Exception:  # corrupt, encrypted or exotic archives are simply not accepted
        return None
    return None


def safe_name(filename: str, content_type: str) -> str:
    """A display name with no path, no control characters, and the right extension."""
    name = unicodedata.normalize("NFKC", filename or "").replace("\\", "/").split("/")[-1]
    name = re.sub(r"[^\w.\- ()]+", "_", name).strip(" ._") or "document"
    stem = name.rsplit(".", 1)[0][:150] if "." in name else name[:150]
    extension = {
        "application/pdf": "pdf",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
        "application/vnd.oasis.opendocument.text": "odt",
        "image/jpeg": "jpg",
        "image/png": "png",
        "image/gif": "gif",
        "image/webp": "webp",
    }[content_type]
    return f"{stem}.{extension}"


def attach(
    session: Session,
    case: Case,
    content: bytes,
    filename: str,
    actor: Actor,
    description: str = "",
) -> Document:
    """Keep a document on the case, or say clearly why not (422), changing nothing."""
    if case.closed_on is not None:
        raise Conflict("This case is closed; documents can no longer be added.")
    errors = []
    if not content:
        errors.append("Choose a file to upload.")
    elif len(content) > MAX_BYTES:
        errors.append(f"The file must be smaller than {MAX_BYTES // (1024 * 1024)} MB.")
    content_type = detect(content) if content else None
    if content and not errors and content_type is None:
        errors.append(f"The file must be a {ALLOWED_SUMMARY}.")
    problems = {}
    if len(description) > 300:
        problems["description"] = ["Keep the description under 300 characters."]
    elif CONTROL.search(description):
        problems["description"] = [
            "The description may not contain control characters (such as NUL)."
        ]
    count = session.query(Document).filter(Document.case_id == case.id).count()
    if count >= MAX_PER_CASE:
        errors.append(f"A case can have at most {MAX_PER_CASE} documents.")
    if errors:
        problems["file"] = errors
    if problems:
        raise Invalid(problems)
    assert content_type is not None
    document = Document(
        case_id=case.id,
        filename=safe_name(filename, content_type),
        content_type=content_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        description=description.strip(),
        content=content,
        uploaded_by_id=actor.user.id if actor.user else None,
    )
    session.add(document)
    session.flush()
    record(
        session,
        case,
        "document.attached",
        actor,
        {
            "document_id": document.id,
            "filename": document.filename,
            "content_type": content_type,
            "size": document.size,
            "sha256": document.sha256,
        },
    )
    return document


def remove(session: Session, case: Case, document: Document, actor: Actor) -> None:
    """Take a document off a draft, before anyone else has seen it; once a request is
    submitted its documents are part of the record and stay (409)."""
    if document.case_id != case.id:
        raise Invalid({"document": ["That document is not on this request."]})
    if case.submitted_at is not None or case.closed_on is not None:
        raise Conflict("Only a draft's documents can be removed; this request has been sent.")
    record(
        session,
        case,
        "document.removed",
        actor,
        {"document_id": document.id, "filename": document.filename, "sha256": document.sha256},
    )
    session.delete(document)
    session.flush()
