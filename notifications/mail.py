"""Sending email: SMTP in production (STARTTLS when the URL asks), files in `instance/outbox/`
in the embedded default. Every message has a Message-ID derived from the event and the
recipient, so a retried send is recognisably the same message."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import smtplib
import ssl
from collections.abc import Callable
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlparse

import jinja2

from casework.clock import now
from casework.config import ConfigError, Settings

templates = jinja2.Environment(
    loader=jinja2.PackageLoader("notifications", "templates"),
    autoescape=jinja2.select_autoescape(["html"]),
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
templates.filters["longdate"] = lambda d: f"{d.day} {d:%B %Y}" if d else ""


class Transport(Protocol):
    name: str

    def send(self, message: EmailMessage, accepted: Callable[[dt.datetime], None]) -> None:
        """Hand the message over; call `accepted` the moment the other side takes it."""


class SmtpTransport:
    name = "smtp"

    def __init__(self, url: str):
        parts = urlparse(url)
        if parts.scheme not in ("smtp", "smtps"):
            raise ConfigError("SMTP_URL must start smtp:// or smtps://")
        query = parse_qs(parts.query)
        self.host = parts.hostname or "localhost"
        self.implicit_tls = parts.scheme == "smtps"
        self.port = parts.port or (465 if self.implicit_tls else 25)
        self.user = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self.starttls = query.get("starttls", ["false"])[0].lower() in ("1", "true", "yes")
        cafile = query.get("cafile", [None])[0]
        self.context = ssl.create_default_context(cafile=cafile)
        self.timeout = float(query.get("timeout", ["20"])[0])

    def send(self, message: EmailMessage, accepted: Callable[[dt.datetime], None]) -> None:
        cls = smtplib.SMTP_SSL if self.implicit_tls else smtplib.SMTP
        kwargs = {"context": self.context} if self.implicit_tls else {}
        with cls(self.host, self.port, timeout=self.timeout, **kwargs) as smtp:
            if self.starttls:
                smtp.starttls(context=self.context)
            if self.user:
                smtp.login(self.user, self.password or "")
            smtp.send_message(message)
            # Record it before QUIT: the shorter the gap between the server taking the
            # message and our commit, the smaller the chance of sending it twice.
            accepted(now())


class FileTransport:
    """The embedded default: each message is written to a .eml file, as it would be sent."""

    name = "file"

    def __init__(self, folder: Path):
        self.folder = folder

    def send(self, message: EmailMessage, accepted: Callable[[dt.datetime], None]) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        stamp = now()
        slug = re.sub(r"[^A-Za-z0-9.-]", "_", message["Message-ID"].strip("<>"))
        path = self.folder / f"{stamp:%Y%m%dT%H%M%S%f}-{slug}.eml"
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(bytes(message))
        tmp.replace(path)  # a reader never sees half a message
        accepted(stamp)


def transport_for(settings: Settings) -> Transport:
    if settings.smtp_url:
        return SmtpTransport(settings.smtp_url)
    return FileTransport(settings.outbox_path)


def message_id(event_id: int, recipients: list[str], base_url: str) -> str:
    domain = urlparse(base_url).hostname or "casework.local"
    digest = hashlib.sha256(",".join(sorted(recipients)).encode()).hexdigest()[:16]
    return f"<casework.{event_id}.{digest}@{domain}>"


def build(
    *,
    sender: str,
    to: list[str],
    subject: str,
    template: str,
    context: dict,
    message_id: str,
    event_id: int,
) -> EmailMessage:
    """A multipart message whose text and HTML parts come from the same template pair."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = ", ".join(to)
    message["Subject"] = subject
    message["Date"] = format_datetime(now())
    message["Message-ID"] = message_id
    message["X-Casework-Event"] = str(event_id)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(templates.get_template(f"email/{template}.txt").render(**context))
    message.add_alternative(
        templates.get_template(f"email/{template}.html").render(**context), subtype="html"
    )
    return message
