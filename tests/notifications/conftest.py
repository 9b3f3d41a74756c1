"""Real parts for the event pipeline: Redis, dramatiq workers, an SMTP server on loopback.

Fault tests get a redis-server of their own, on a free port, so stopping it disturbs no
other test. Workers and schedulers run as real `casework` processes.
"""

from __future__ import annotations

import asyncio
import email
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default as default_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import dramatiq
import pytest
import redis
from aiosmtpd.controller import Controller
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casework.app import create_app
from casework.auth import create_user, issue_token
from casework.db import make_sessionmaker
from casework.models import Authority
from notifications.models import EventOutbox
from tests.casework.conftest import (
    Caller,
    considerations,
    world,  # noqa: F401  (the same world, on the live service)
)
from tests.conftest import redis_url as shared_redis_url
from tests.conftest import settings_for
from tests.world import seed_fife
from tests.world import seed_validated as validated_cases

CASEWORK = str(Path(sys.executable).with_name("casework"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(
    predicate: Callable[[], bool], timeout: float, what: str, interval: float = 0.1
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


# -- SMTP --------------------------------------------------------------------------------


def parts(message: EmailMessage) -> dict[str, str]:
    """The decoded text of each part of a multipart/alternative message, by content type,
    with the wire's CRLF line ends made plain newlines."""
    assert message.get_content_type() == "multipart/alternative"
    return {
        part.get_content_type(): part.get_content().replace("\r\n", "\n")
        for part in message.iter_parts()
    }


@dataclass
class Mailbox:
    """What a real SMTP server on loopback received, parsed."""

    messages: list[EmailMessage] = field(default_factory=list)
    tls_sessions: int = 0
    delay: float = 0.0
    reject: str | None = None  # an SMTP reply to refuse messages with, e.g. "554 ..."
    reject_times: int | None = None  # refuse only the next N messages; None: all of them
    attempts: int = 0  # messages offered (DATA), accepted or refused
    busy: dict[str, int] = field(default_factory=dict)  # address: RCPTs to refuse with 450
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.delay:  # a slow server, before any message content is sent
            await asyncio.sleep(self.delay)
        with self.lock:
            if self.busy.get(address, 0) > 0:
                self.busy[address] -= 1
                return "450 4.2.1 Mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.attempts += 1
            if self.reject and self.reject_times != 0:
                if self.reject_times is not None:
                    self.reject_times -= 1
                return self.reject
        message = email.message_from_bytes(envelope.content, policy=default_policy)
        with self.lock:
            self.messages.append(message)
            if session.ssl:
                self.tls_sessions += 1
        return "250 Message accepted for delivery"

    def count(self) -> int:
        with self.lock:
            return len(self.messages)

    def message_ids(self) -> list[str]:
        with self.lock:
            return [m["Message-ID"] for m in self.messages]

    def subjects(self) -> list[str]:
        with self.lock:
            return [m["Subject"] for m in self.messages]

    def to(self, address: str) -> list[EmailMessage]:
        """The messages addressed to `address`, in the order they arrived."""
        with self.lock:
            return [m for m in self.messages if m["To"] == address]

    def with_subject(self, subject: str) -> list[EmailMessage]:
        with self.lock:
            return [m for m in self.messages if m["Subject"] == subject]


@pytest.fixture
def smtp() -> Iterator[tuple[Mailbox, str]]:
    box = Mailbox()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    yield box, f"smtp://127.0.0.1:{port}"
    controller.stop()


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate and key for 127.0.0.1, made by the openssl command line."""
    cert, key = folder / "smtp-cert.pem", folder / "smtp-key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.fixture
def smtp_starttls(tmp_path) -> Iterator[tuple[Mailbox, str, Path]]:
    """An SMTP server that refuses mail until the client has issued STARTTLS; also yields
    the server's self-signed certificate, for the client to trust."""
    cert, key = self_signed_certificate(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    box = Mailbox()
    port = free_port()
    controller = Controller(
        box, hostname="127.0.0.1", port=port, tls_context=context, require_starttls=True
    )
    controller.start()
    yield box, f"smtp://127.0.0.1:{port}", cert
    controller.stop()


# -- a webhook endpoint ------------------------------------------------------------------


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    at: float  # time.monotonic()


@dataclass
class Endpoint:
    """A real HTTP server on loopback that records every POST made to it. `failures`: how
    many attempts at each delivery (X-Casework-Delivery) get a 503 first; `delay`: seconds
    to take over each answer."""

    url: str = ""
    received: list[Received] = field(default_factory=list)
    failures: int = 0
    delay: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, headers: dict[str, str], body: bytes) -> int:
        with self.lock:
            delivery = headers.get("X-Casework-Delivery")
            earlier = sum(r.headers.get("X-Casework-Delivery") == delivery for r in self.received)
            self.received.append(Received(headers, body, time.monotonic()))
        return 503 if earlier < self.failures else 204

    def requests(self) -> list[Received]:
        with self.lock:
            return list(self.received)


@pytest.fixture
def endpoint() -> Iterator[Endpoint]:
    hook = Endpoint()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            status = hook.answer(dict(self.headers), body)
            if hook.delay:
                time.sleep(hook.delay)
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args) -> None:  # quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    hook.url = f"http://127.0.0.1:{server.server_address[1]}/casework-events"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield hook
    server.shutdown()
    server.server_close()


# -- Redis -------------------------------------------------------------------------------


class RedisServer:
    """A redis-server of our own, started and stopped like the real one in production
    (nothing on disk: a restart comes back empty)."""

    def __init__(self, folder: Path):
        self.port = free_port()
        self.folder = folder
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        self.process = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port)
        wait_for(lambda: _pings(client), 10, "redis-server to start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(10)
            self.process = None


def _pings(client: redis.Redis) -> bool:
    try:
        return client.ping()
    except redis.ConnectionError:
        return False


@pytest.fixture
def own_redis(tmp_path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def namespace() -> Iterator[str]:
    """A key namespace of our own on the shared Redis, removed afterwards."""
    ns = f"casework-test-{uuid.uuid4().hex[:10]}"
    yield ns
    client = redis.Redis.from_url(shared_redis_url())
    keys = list(client.scan_iter(f"{ns}:*"))
    if keys:
        client.delete(*keys)


# -- the service and its processes ---------------------------------------------------------


@dataclass
class Pipeline:
    """A committed database, the app, and the environment worker processes share."""

    app: object
    sessions: object
    env: dict[str, str]
    officer_token: str = ""
    processes: list[subprocess.Popen] = field(default_factory=list)
    logs: list[Path] = field(default_factory=list)

    def spawn(self, *args: str) -> subprocess.Popen:
        """A `casework` process; its output goes to a log file (a pipe nobody reads would
        fill up and block it)."""
        log = Path(self.env["CASEWORK_INSTANCE"]) / f"{args[0]}-{len(self.processes)}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [CASEWORK, *args],
                env=self.env,
                start_new_session=True,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        self.processes.append(process)
        self.logs.append(log)
        return process

    def tail_logs(self, lines: int = 30) -> str:
        return "\n".join(
            f"== {log.name}\n" + "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
            for log in self.logs
            if log.exists()
        )

    def worker(self, threads: int = 4) -> subprocess.Popen:
        return self.spawn("worker", "--threads", str(threads), "--webhook-threads", "2")

    def scheduler(self, every: int = 1) -> subprocess.Popen:
        return self.spawn("scheduler", "--every", str(every))

    def stop_all(self) -> None:
        for p in self.processes:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
        for p in self.processes:
            try:
                p.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait(5)

    def client(self):
        return self.app.test_client()

    def act(self, reference: str, action: str, payload: dict | None = None):
        return self.client().post(
            f"/api/v1/cases/{reference}/actions/{action}",
            json=payload or {},
            headers={"Authorization": f"Bearer {self.officer_token}"},
        )

    def count(self, model, *where) -> int:
        with self.sessions() as s:
            return s.scalar(select(func.count()).select_from(model).where(*where))


def pipeline_env(
    database_url: str, redis_url: str, namespace: str, smtp_url: str, instance: Path, **extra: str
) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CASEWORK_", "JOB_"))}
    env.update(
        {
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "REDIS_NAMESPACE": namespace,
            "SMTP_URL": smtp_url,
            "CASEWORK_INSTANCE": str(instance),
            "SECRET_KEY": "test",
            "BASE_URL": "http://casework.test",
            "OUTBOX_REDISPATCH_SECONDS": "3",
            "JOB_MAX_RETRIES": "2",
            "JOB_MIN_BACKOFF_MS": "200",
            "JOB_MAX_BACKOFF_MS": "1000",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(extra)
    return env


def make_pipeline(
    engine,
    tmp_path: Path,
    redis_url: str,
    namespace: str,
    smtp_url: str,
    clock=None,
    seed: bool = True,
    **extra: str,
) -> Pipeline:
    """The app on a committed database; with `seed`, Fife Council, its officer and manager,
    and a community body (without it, the `world` fixture fills the database instead)."""
    database_url = engine.url.render_as_string(hide_password=False)
    env = pipeline_env(database_url, redis_url, namespace, smtp_url, tmp_path, **extra)
    settings = settings_for(
        database_url,
        tmp_path,
        REDIS_URL=redis_url,
        REDIS_NAMESPACE=namespace,
        SMTP_URL=smtp_url,
        **{
            k: env[k]
            for k in (
                "OUTBOX_REDISPATCH_SECONDS",
                "JOB_MAX_RETRIES",
                "JOB_MIN_BACKOFF_MS",
                "JOB_MAX_BACKOFF_MS",
            )
        },
        **extra,
    )
    sessions = make_sessionmaker(engine)
    app = create_app(settings, sessions=sessions, clock=clock)
    if not seed:
        return Pipeline(app, sessions, env)
    with sessions() as s:
        officer = seed_fife(s)
        create_user(s, email="manager@fife.test", role="manager", authority=officer.authority)
        token = issue_token(s, officer)
        s.commit()
    return Pipeline(app, sessions, env, token)


def seed_validated(pipeline: Pipeline, count: int, today) -> list[str]:
    """Validated participation requests, made through the commands, ready to decide."""
    law = pipeline.app.extensions["casework"].law
    return [c.reference for c in validated_cases(pipeline.sessions, law, count, today)]


REFUSAL = {
    "outcome": "refused",
    "reasons": "The service is closing.",
    "considerations": considerations(),
}


@pytest.fixture
def pipeline_factory(committed_db, tmp_path) -> Iterator[Callable[..., Pipeline]]:
    made: list[Pipeline] = []

    def make(redis_url: str, namespace: str, smtp_url: str, **extra) -> Pipeline:
        p = make_pipeline(committed_db, tmp_path, redis_url, namespace, smtp_url, **extra)
        made.append(p)
        return p

    yield make
    for p in made:
        p.stop_all()


def session_of(pipeline: Pipeline) -> Session:
    return pipeline.sessions()


# -- the service with the `world` of tests/casework, on a committed database ---------------


@pytest.fixture
def live(pipeline_factory, smtp, namespace, clock) -> Pipeline:
    """The service on a committed database, the shared Redis (a namespace of its own) and
    the SMTP server, on the test clock. Empty: `world` fills it; `workers` runs the actors."""
    _, smtp_url = smtp
    return pipeline_factory(shared_redis_url(), namespace, smtp_url, clock=clock, seed=False)


@pytest.fixture
def app(live: Pipeline):
    """The live service's app, so that `world` and its callers act on it."""
    return live.app


@pytest.fixture
def session(live: Pipeline) -> Iterator[Session]:
    """A session whose commits are real, for `world` to seed with."""
    s = live.sessions()
    yield s
    s.close()


@pytest.fixture
def workers(live: Pipeline) -> Iterator[list[dramatiq.Worker]]:
    """Real dramatiq workers on the live Redis broker, in this process, split as
    `casework worker` splits them: threads for email and publication, and for webhooks."""
    from notifications.processes import start_workers
    from notifications.runtime import current

    started = start_workers(current().broker, threads=4, webhook_threads=2)
    yield started
    for w in started:
        w.stop()


def settle(pipeline: Pipeline, timeout: float = 30, *where) -> None:
    """Wait until the workers have done every outbox row (or given up on it for good)."""
    pending = (EventOutbox.done_at.is_(None), EventOutbox.failed_at.is_(None), *where)
    wait_for(lambda: pipeline.count(EventOutbox, *pending) == 0, timeout, "the outbox to drain")


def add_manager(pipeline: Pipeline, email: str, authority: str = "FIFE") -> None:
    """Another manager at the authority."""
    with pipeline.sessions() as s:
        found = s.scalar(select(Authority).where(Authority.code == authority))
        create_user(s, email=email, role="manager", authority=found)
        s.commit()


def timeline(caller: Caller, reference: str, type_: str | None = None) -> list[dict]:
    """The case's events as the API shows them, optionally of one type."""
    response = caller.get(f"/api/v1/cases/{reference}/events?page_size=200")
    assert response.status_code == 200, response.json
    return [e for e in response.json if type_ is None or e["type"] == type_]


def sweep_now() -> None:
    """Run the deadline sweep on the worker, as the scheduler does, and wait for it."""
    from notifications.actors import sweep_deadlines
    from notifications.runtime import current

    sweep_deadlines.send()
    current().broker.join("outbox", timeout=60_000)
