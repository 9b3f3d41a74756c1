"""Webhooks are never sent to the service's own network: loopback, private, link-local,
multicast, reserved and cloud metadata addresses are refused when the webhook is
registered, again at delivery after DNS resolution, and redirects are not followed. The
delivery log says what happened in general terms only, so it cannot be used to map what
answers where."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from casework.models import Authority
from notifications import webhooks
from notifications.models import EventOutbox, Webhook
from tests.casework.conftest import new_request
from tests.conftest import redis_url as shared_redis_url
from tests.notifications.conftest import free_port

REFUSED_URLS = [
    "http://127.0.0.1:8080/hook",
    "http://localhost/hook",
    "http://127.1.2.3/",
    "http://0.0.0.0/",
    "http://10.0.0.5/hook",
    "http://172.16.3.4/hook",
    "http://192.168.1.10/hook",
    "http://100.64.0.1/hook",
    "http://169.254.169.254/latest/meta-data/",
    "http://169.254.10.20/",
    "http://224.0.0.1/",
    "http://240.0.0.1/",
    "http://[::1]:8080/hook",
    "http://[::]/",
    "http://[fd00:ec2::254]/latest/meta-data/",
    "http://[fe80::1]/",
    "http://[fc00::5]/",
    "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:169.254.169.254]/",
    "http://receiver.invalid/hook",  # does not resolve: nothing to check
]


@pytest.fixture
def loopback() -> str:
    """WEBHOOK_ALLOW_LOOPBACK for the live service: off unless a test says otherwise."""
    return ""


@pytest.fixture
def live(pipeline_factory, smtp, namespace, clock, loopback):
    _, smtp_url = smtp
    return pipeline_factory(
        shared_redis_url(),
        namespace,
        smtp_url,
        clock=clock,
        seed=False,
        WEBHOOK_ALLOW_LOOPBACK=loopback,
    )


class Receiver:
    """A real HTTP server on loopback answering every POST with `status`, `headers` and
    `body`, and counting what it was sent."""

    def __init__(self, status: int = 204, headers: dict[str, str] | None = None, body: bytes = b""):
        self.status, self.headers, self.body = status, headers or {}, body
        self.received: list[dict[str, str]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.received.append(dict(self.headers))
                self.send_response(receiver.status)
                for name, value in receiver.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(receiver.body)))
                self.end_headers()
                self.wfile.write(receiver.body)

            do_GET = do_POST

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/casework-events"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receivers() -> Iterator[list[Receiver]]:
    made: list[Receiver] = []
    yield made
    for r in made:
        r.close()


def register(world, url: str):
    return world.officer.post("/api/v1/webhooks", json={"url": url})


def hook_behind_the_api(live, url: str) -> int:
    """A webhook whose address was public when it was registered and is not any more (its
    name now resolves elsewhere): written straight to the database, past the API's check."""
    with live.sessions() as s:
        fife = s.scalar(select(Authority).where(Authority.code == "FIFE"))
        hook = Webhook(authority_id=fife.id, url=url, secret="s" * 32)
        s.add(hook)
        s.commit()
        return hook.id


def first_delivery(live, hook_id: int) -> int:
    with live.sessions() as s:
        return s.scalar(
            select(EventOutbox.event_id)
            .where(EventOutbox.subscriber == f"webhook:{hook_id}")
            .order_by(EventOutbox.event_id)
        )


def attempt(live, world, hook_id: int) -> dict:
    """Deliver the first event to the webhook, as the worker does; return the log entry."""
    from notifications.delivery import consume

    new_request(world)
    event_id = first_delivery(live, hook_id)
    assert event_id is not None
    with pytest.raises(webhooks.WebhookFailed):
        consume(event_id, f"webhook:{hook_id}")
    [entry] = world.officer.get(f"/api/v1/webhooks/{hook_id}/deliveries").json
    return entry


@pytest.mark.parametrize("url", REFUSED_URLS)
def test_registering_an_internal_address_is_refused_on_the_url_field(live, world, url):
    response = register(world, url)
    assert response.status_code == 422, response.json
    assert response.content_type == "application/problem+json"
    assert list(response.json["errors"]) == ["url"]
    assert world.officer.get("/api/v1/webhooks").json == []


def test_registering_a_public_address_is_accepted(live, world):
    response = register(world, "https://93.184.215.14/casework-events")
    assert response.status_code == 201, response.json


@pytest.mark.parametrize("loopback", ["1"])
def test_the_loopback_setting_allows_loopback_and_nothing_else(live, world):
    assert register(world, "http://127.0.0.1:8080/hook").status_code == 201
    assert register(world, "http://localhost:8080/hook").status_code == 201
    assert register(world, "http://[::1]:8080/hook").status_code == 201
    for url in (
        "http://10.0.0.5/",
        "http://192.168.1.10/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[fd00:ec2::254]/",
        "http://0.0.0.0/",
    ):
        assert register(world, url).status_code == 422, url


def test_delivery_refuses_an_address_that_is_no_longer_public(live, world, receivers):
    """Checked again at delivery, after resolving the name: the receiver on loopback is
    never contacted, and the log says only that the address is not allowed."""
    receiver = Receiver()
    receivers.append(receiver)
    for url in (receiver.url, f"http://localhost:{receiver.port}/casework-events"):
        hook_id = hook_behind_the_api(live, url)
        entry = attempt(live, world, hook_id)
        assert entry["status_code"] is None
        assert entry["error"] == "the receiver's address is not allowed"
    assert receiver.received == []


@pytest.mark.parametrize("loopback", ["1"])
def test_a_redirect_is_not_followed_and_is_a_failed_delivery(live, world, receivers):
    target = Receiver()
    redirect = Receiver(302, {"Location": target.url})
    receivers.extend([target, redirect])
    response = register(world, redirect.url)
    assert response.status_code == 201
    entry = attempt(live, world, response.json["id"])
    assert len(redirect.received) == 1
    assert target.received == []
    assert entry["error"] == "the receiver answered with a redirect, which is not followed"


@pytest.mark.parametrize("loopback", ["1"])
def test_the_log_never_shows_the_receivers_answer_or_the_low_level_reason(live, world, receivers):
    """An error answer is logged as an error, without its body or reason phrase; a port
    with nothing listening as unreachable, without the system's reason."""
    failing = Receiver(500, {"X-Internal": "db-7"}, b"Traceback: password=hunter2 at 10.0.0.7")
    receivers.append(failing)
    entry = attempt(live, world, register(world, failing.url).json["id"])
    assert entry["error"] == "the receiver answered with an error"
    assert "hunter2" not in str(entry) and "Internal Server Error" not in str(entry)

    closed = f"http://127.0.0.1:{free_port()}/casework-events"
    entry = attempt(live, world, register(world, closed).json["id"])
    assert entry["status_code"] is None
    assert entry["error"] == "the receiver could not be reached"


def test_every_resolved_address_is_checked_and_the_checked_one_is_used(receivers):
    """The name is resolved once; if any of its addresses is refused nothing is sent; if
    all are allowed, the connection goes to the address that was checked, with the name
    in the Host header."""
    receiver = Receiver()
    receivers.append(receiver)
    url = f"http://receiver.test:{receiver.port}/casework-events"

    def resolves_to(*addresses):
        return lambda host, port: list(addresses) if host == "receiver.test" else []

    outcome = webhooks.send(
        url, b"{}", {}, allow_loopback=True, resolve=resolves_to("127.0.0.1", "10.0.0.7")
    )
    assert (outcome.status, outcome.error) == (None, "the receiver's address is not allowed")
    assert receiver.received == []

    outcome = webhooks.send(url, b"{}", {}, allow_loopback=False, resolve=resolves_to("127.0.0.1"))
    assert outcome.error == "the receiver's address is not allowed"
    assert receiver.received == []

    outcome = webhooks.send(url, b"{}", {}, allow_loopback=True, resolve=resolves_to("127.0.0.1"))
    assert (outcome.status, outcome.error) == (204, None)
    [headers] = receiver.received
    assert headers["Host"] == f"receiver.test:{receiver.port}"
