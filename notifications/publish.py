"""Publication: when the law says a document is published, write the public register record.

The record is a redacted copy: the body's contact address and email are withheld (a
small group's address is often someone's home), and nothing about representers is ever
in a published document to begin with.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.clock import now
from casework.eventlog import Actor, record
from casework.models import Case, Event, Notice, RegisterRecord

WITHHELD = "[withheld]"


def redact(text: str, case: Case) -> str:
    body = case.community_body
    for secret in (body.contact_address, body.contact_email):
        if secret and secret.strip():
            text = text.replace(secret, WITHHELD)
            for line in secret.splitlines():
                if len(line.strip()) > 6:
                    text = text.replace(line.strip(), WITHHELD)
    return text


def publish(session: Session, event: Event) -> RegisterRecord | None:
    notice = session.scalar(select(Notice).where(Notice.event_id == event.id))
    if notice is None or not notice.public:
        return None
    existing = session.scalar(select(RegisterRecord).where(RegisterRecord.event_id == event.id))
    if existing is not None:
        return existing
    case = session.get(Case, notice.case_id)
    entry = RegisterRecord(
        event_id=event.id,
        case_id=case.id,
        reference=case.reference,
        kind=case.kind,
        document=notice.kind,
        title=notice.subject,
        request_title=case.title,
        authority_code=case.authority.code,
        authority_name=case.authority.name,
        body_name=case.community_body.name,
        outcome=(event.payload or {}).get("outcome"),
        issued_on=notice.issued_on,
        citation=notice.citation,
        text=redact(notice.body_text, case),
        published_at=now(),
    )
    session.add(entry)
    session.flush()
    record(
        session,
        case,
        "document.published",
        Actor.system("publication"),
        {"register_id": entry.id, "document": notice.kind, "notice_id": notice.id},
    )
    return entry
