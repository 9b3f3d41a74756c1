"""The baseline for bench/pipeline.py: bare dramatiq actors doing the pipeline's work by hand.

For each decision event two messages, as the service sends: `bare_publish` writes the
event's register record (the same columns, into the same `register_records` table, so
its indexes and search trigger cost the same) with plain SQL on a psycopg connection of
the thread's own, and `bare_email` sends the decision notice, rendered from the same
templates, to the same SMTP server on a connection the thread keeps open. Each bumps a
Redis counter when done, so the bench can see when the batch is finished.

What it leaves out is what the service adds for its guarantees: no outbox row to lock and
mark done, no proof of service (EmailRecord) or audit event (`document.published`,
`notice.served`) written in the case's hash chain. It imports neither casework nor
notifications, so its peak memory is its own.

Started by bench/pipeline.py; it runs until SIGTERM.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import signal
import smtplib
import threading
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from urllib.parse import urlparse

import dramatiq
import jinja2
import psycopg
from dramatiq.brokers.redis import RedisBroker
from markupsafe import Markup, escape

QUEUE = "bench-bare"
TEMPLATES = Path(__file__).resolve().parent.parent / "notifications" / "templates"
WITHHELD = "[withheld]"

# One query for everything the record and the email need. The land (for an asset
# transfer request) is what the register's search text holds.
NOTICE = """
SELECT n.kind, n.subject, n.body_text, n.citation, n.issued_on, n.public, n.recipient_email,
       c.id, c.reference, c.kind, c.title, a.code, a.name, a.email,
       b.name, b.contact_address, b.contact_email, e.payload ->> 'outcome',
       l.name, l.address, t.land_description
  FROM notices n
  JOIN events e ON e.id = n.event_id
  JOIN cases c ON c.id = n.case_id
  JOIN authorities a ON a.id = c.authority_id
  JOIN community_bodies b ON b.id = c.community_body_id
  LEFT JOIN asset_transfer_requests t ON t.id = c.id
  LEFT JOIN land l ON l.id = t.land_id
 WHERE n.event_id = %s
"""

INSERT = """
INSERT INTO register_records (event_id, case_id, reference, kind, document, title,
    request_title, authority_code, authority_name, body_name, outcome, issued_on, citation,
    text, published_at, search_text)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (event_id) DO NOTHING
"""

templates = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES),
    autoescape=jinja2.select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def redact(text: str, secrets: tuple[str | None, ...]) -> str:
    """The body's address and email withheld, as notifications.publish.redact does."""
    for secret in secrets:
        if secret and secret.strip():
            text = text.replace(secret, WITHHELD)
            for line in secret.splitlines():
                if len(line.strip()) > 6:
                    text = text.replace(line.strip(), WITHHELD)
    return text


def paragraphs(text: str) -> Markup:
    """The notice's text as HTML paragraphs, escaped."""
    blocks = [b.strip() for b in text.replace("\r\n", "\n").split("\n\n") if b.strip()]
    return Markup("\n".join(f"<p>{escape(b)}</p>" for b in blocks))


class Bare:
    """Per-thread connections: one to PostgreSQL and one to the SMTP server."""

    def __init__(self, database_url: str, smtp_url: str, base_url: str, sender: str):
        self.conninfo = database_url.replace("postgresql+psycopg://", "postgresql://")
        smtp = urlparse(smtp_url)
        self.smtp_host, self.smtp_port = smtp.hostname or "localhost", smtp.port or 25
        self.base_url, self.sender = base_url, sender
        self.domain = urlparse(base_url).hostname or "casework.local"
        self.local = threading.local()

    def db(self) -> psycopg.Connection:
        conn = getattr(self.local, "db", None)
        if conn is None or conn.closed:
            conn = self.local.db = psycopg.connect(self.conninfo)
        return conn

    def smtp(self) -> smtplib.SMTP:
        conn = getattr(self.local, "smtp", None)
        if conn is None:
            conn = self.local.smtp = smtplib.SMTP(self.smtp_host, self.smtp_port, timeout=20)
        return conn

    def notice(self, conn: psycopg.Connection, event_id: int) -> tuple:
        row = conn.execute(NOTICE, (event_id,)).fetchone()
        if row is None:
            raise LookupError(f"no notice for event {event_id}")
        return row

    def publish(self, event_id: int) -> None:
        conn = self.db()
        with conn.transaction():
            (kind, subject, body, citation, issued_on, public, _, case_id, reference, case_kind,
             title, code, authority, _, body_name, address, contact, outcome, land, land_address,
             description) = self.notice(conn, event_id)  # fmt: skip
            if not public:
                return
            secrets = (address, contact)
            search = " ".join(
                p.strip() for p in (land, land_address, description) if p and p.strip()
            )
            conn.execute(
                INSERT,
                (
                    event_id, case_id, reference, case_kind, kind, subject, title, code,
                    authority, body_name, outcome, issued_on, citation, redact(body, secrets),
                    dt.datetime.now(dt.UTC), redact(search, secrets),
                ),
            )  # fmt: skip

    def email(self, event_id: int) -> None:
        conn = self.db()
        with conn.transaction():
            row = self.notice(conn, event_id)
        subject, body, to, reference, authority = row[1], row[2], row[6], row[8], row[12]
        if not to:
            return
        digest = hashlib.sha256(to.lower().encode()).hexdigest()[:16]
        context = {
            "subject": subject,
            "notice": {"body_text": body},
            "notice_html": paragraphs(body),
            "reference": reference,
            "authority_name": authority,
            "case_url": f"{self.base_url}/cases/{reference}",
        }
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = to
        message["Subject"] = subject
        message["Date"] = format_datetime(dt.datetime.now(dt.UTC))
        message["Message-ID"] = f"<casework.{event_id}.{digest}@{self.domain}>"
        message["Auto-Submitted"] = "auto-generated"
        message.set_content(templates.get_template("email/notice.txt").render(**context))
        message.add_alternative(
            templates.get_template("email/notice.html").render(**context), subtype="html"
        )
        try:
            self.smtp().send_message(message)
        except (smtplib.SMTPServerDisconnected, OSError):
            self.local.smtp = None  # dropped: the retry opens a new one
            raise


def declare(broker: RedisBroker, bare: Bare | None = None) -> tuple[dramatiq.Actor, dramatiq.Actor]:
    """The two actors, declared the same way on the sending side (`bare` None: never run
    there) and the working side."""
    client = broker.client

    def bare_publish(event_id: int, counter: str) -> None:
        assert bare is not None
        bare.publish(event_id)
        client.incr(counter)

    def bare_email(event_id: int, counter: str) -> None:
        assert bare is not None
        bare.email(event_id)
        client.incr(counter)

    return (
        dramatiq.actor(bare_publish, queue_name=QUEUE, broker=broker),
        dramatiq.actor(bare_email, queue_name=QUEUE, broker=broker),
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--redis-url", required=True)
    parser.add_argument("--namespace", required=True)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--smtp-url", required=True)
    parser.add_argument("--base-url", default="http://casework.bench")
    parser.add_argument("--mail-from", default="casework@casework.bench")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--worker-timeout", type=int, default=100, help="ms, idle poll cap")
    args = parser.parse_args(argv)

    broker = RedisBroker(url=args.redis_url, namespace=args.namespace)
    declare(broker, Bare(args.database_url, args.smtp_url, args.base_url, args.mail_from))
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    # worker_timeout as notifications.processes gives `casework worker`, so both poll alike.
    worker = dramatiq.Worker(
        broker, queues={QUEUE}, worker_threads=args.threads, worker_timeout=args.worker_timeout
    )
    worker.start()
    stop.wait()
    worker.stop()


if __name__ == "__main__":
    main()
