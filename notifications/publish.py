"""Publication: when the law says a document is published, write the public register record.

The record is a redacted copy: the body's contact address and email are withheld (a
small group's address is often someone's home), and nothing about representers is ever
in a published document to begin with.

An authority's annual report (s.32(1), s.95(1)) is published too, as a record of its own
with no case: each version is a record, written when that version is published.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from casework import annual_reports as ar
from casework.clock import now
from casework.eventlog import Actor, record
from casework.models import AnnualReport, Case, Event, Notice, RegisterRecord
from casework.models.register import REPORT_DOCUMENT, SUPERSEDED_REPORT
from casework.register import report_reference, search_text
from workflows import asset_transfer as atr
from workflows import participation as pr

# The event `casework.annual_reports.act` records when a version is published.
REPORT_PUBLISHED = "annual_report.publish"
REPORTED = {pr.KIND: "participation requests", atr.KIND: "asset transfer requests"}

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


def publish(session: Session, event: Event, secret_key: str | None = None) -> RegisterRecord | None:
    """The register record of a published document (or report), and its
    `document.published` event; with the service's `secret_key`, that event also goes to
    the record's followers if it has any (see `_tell_followers`)."""
    if event.type == REPORT_PUBLISHED:
        return publish_report(session, event, secret_key)
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
        search_text=redact(search_text(case), case),  # the land: a search needs no join
    )
    session.add(entry)
    session.flush()
    told = _anyone_to_tell(session, entry, secret_key)
    published = record(
        session,
        case,
        "document.published",
        Actor.system("publication"),
        {"register_id": entry.id, "document": notice.kind, "notice_id": notice.id},
    )
    published.to_followers = told  # before anything flushes it: notifications.outbox
    return entry


def _supersede(session: Session, entry: RegisterRecord, report: AnnualReport) -> None:
    """Mark the records of the report's earlier versions as corrected, so the register
    lists this one in their place; each keeps its own address."""
    earlier = select(AnnualReport.id).where(
        AnnualReport.authority_id == report.authority_id,
        AnnualReport.kind == report.kind,
        AnnualReport.year == report.year,
        AnnualReport.version < report.version,
    )
    session.execute(
        update(RegisterRecord)
        .where(
            RegisterRecord.reference == entry.reference,
            RegisterRecord.document == REPORT_DOCUMENT,
            RegisterRecord.report_id.in_(earlier),
        )
        .values(document=SUPERSEDED_REPORT)
    )


def _anyone_to_tell(session: Session, entry: RegisterRecord, secret_key: str | None) -> bool:
    """Whether anyone follows what the record is of (asked in the same transaction). Only
    then does its `document.published` event get a `followers` outbox row: the mark is
    set on the event before it is flushed, and notifications.outbox reads it. A record no
    one follows costs no message and no consumer."""
    if secret_key is None:
        return False
    from notifications.following import audience

    return bool(audience(session, entry, secret_key))


def _day(d) -> str:
    return f"{d.day} {d:%B %Y}"


def report_text(report: AnnualReport) -> str:
    """The report as the register keeps it: the counts (never the cases behind them, as a
    count may include requests that were never published) and the authority's own words,
    in the notices' plain text layout."""
    lines = []
    if report.version > 1:
        note = report.correction_note.strip()
        lines += [
            f"This is version {report.version}: it corrects the version published before."
            + (f" {note}" if note else ""),
            "",
        ]
    lines.append("# The figures for the year")
    lines += [f"- {f['label']}: {f['count']}" for f in report.figures["figures"]]
    for heading, words in (
        (f"What {report.authority.name} did to promote requests", report.promotion),
        ("What it did to support community bodies in making them", report.support),
    ):
        lines += ["", f"# {heading}", (words or "").strip() or "Nothing was written."]
    return "\n".join(lines) + "\n"


def publish_report(
    session: Session, event: Event, secret_key: str | None = None
) -> RegisterRecord | None:
    """The record of one published version of an annual report (s.32, s.95)."""
    existing = session.scalar(select(RegisterRecord).where(RegisterRecord.event_id == event.id))
    if existing is not None:
        return existing
    report = session.get(AnnualReport, (event.payload or {}).get("report_id"))
    if report is None or report.published_at is None or report.figures is None:
        return None
    first, last = ar.reporting_year(report.kind, report.year)
    title = f"Annual report on {REPORTED[report.kind]}, {_day(first)} to {_day(last)}"
    if report.version > 1:
        title += f" (version {report.version})"
    reference = report_reference(report)
    later = session.scalar(  # published out of order: a correction is on the register already
        select(RegisterRecord.id)
        .join(AnnualReport, AnnualReport.id == RegisterRecord.report_id)
        .where(RegisterRecord.reference == reference, AnnualReport.version > report.version)
        .limit(1)
    )
    entry = RegisterRecord(
        event_id=event.id,
        case_id=None,
        report_id=report.id,
        reference=reference,
        kind=report.kind,
        document=SUPERSEDED_REPORT if later else REPORT_DOCUMENT,
        title=title,
        request_title=None,
        authority_code=report.authority.code,
        authority_name=report.authority.name,
        body_name="",  # no community body: the authority reports on itself
        outcome=None,
        issued_on=ar.day_of(event),  # the day in law it was published
        citation="s.32" if report.kind == pr.KIND else "s.95",
        text=report_text(report),
        published_at=now(),
        search_text="",  # no land: the title, authority and text are on the record
    )
    session.add(entry)
    session.flush()
    _supersede(session, entry, report)
    told = _anyone_to_tell(session, entry, secret_key)
    published = record(
        session,
        None,
        "document.published",
        Actor.system("publication"),
        {"register_id": entry.id, "document": entry.document, "report_id": report.id},
    )
    published.to_followers = told  # before anything flushes it: notifications.outbox
    return entry
