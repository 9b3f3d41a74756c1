"""Sending email: SMTP in production (STARTTLS when the URL asks), files in `instance/outbox/`
in the embedded default. Every message has a Message-ID derived from the event and the
recipient, so a retried send is recognisably the same message."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import smtplib
import ssl
import threading
import time
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
    """Each thread keeps its connection open between messages (opening one, with its
    greeting, EHLO, STARTTLS and login, costs more than sending a message), for at most
    `per_connection` messages. One idle for `idle_check` seconds is checked with a NOOP
    first, and a new one opened if the server has closed it. After any error the
    connection is dropped, so the retry starts on a fresh one."""

    name = "smtp"
    per_connection = 100  # many servers refuse more than about this many in one session
    idle_check = 5.0

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
        self._local = threading.local()

    def _open(self) -> smtplib.SMTP:
        cls = smtplib.SMTP_SSL if self.implicit_tls else smtplib.SMTP
        kwargs = {"context": self.context} if self.implicit_tls else {}
        smtp = cls(self.host, self.port, timeout=self.timeout, **kwargs)
        try:
            if self.starttls:
                smtp.starttls(context=self.context)
            if self.user:
                smtp.login(self.user, self.password or "")
        except BaseException:
            smtp.close()
            raise
        return smtp

    def _connection(self) -> smtplib.SMTP:
        """This thread's open connection, or a new one."""
        local = self._local
        smtp = getattr(local, "smtp", None)
        if smtp is not None and local.sent >= self.per_connection:
            self.close()
            smtp = None
        if smtp is not None and time.monotonic() - local.used > self.idle_check:
            try:
                alive = smtp.noop()[0] == 250
            except (smtplib.SMTPException, OSError):
                alive = False
            if not alive:
                self._drop()
                smtp = None
        if smtp is None:
            smtp = local.smtp = self._open()
            local.sent = 0
        return smtp

    def _drop(self) -> None:
        smtp = getattr(self._local, "smtp", None)
        self._local.smtp = None
        if smtp is not None:
            smtp.close()

    def close(self) -> None:
        """QUIT this thread's connection, if it has one."""
        smtp = getattr(self._local, "smtp", None)
        self._local.smtp = None
        if smtp is not None:
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                smtp.close()

    def send(self, message: EmailMessage, accepted: Callable[[dt.datetime], None]) -> None:
        smtp = self._connection()
        try:
            smtp.send_message(message)
        except BaseException:
            self._drop()
            raise
        self._local.sent += 1
        self._local.used = time.monotonic()
        # Record it at once: the shorter the gap between the server taking the message
        # and our commit, the smaller the chance of sending it twice.
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
