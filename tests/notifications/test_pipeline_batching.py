"""The pipeline's fast paths keep its guarantees: the relay claims a batch of outbox rows in
one statement and sends it in one go, skipping rows another relay holds and leaving rows
it could not send pending; an email's proof of service and its outbox row commit
together; and each worker thread keeps one SMTP connection open across messages.
Real PostgreSQL, real Redis, real dramatiq workers, a real SMTP server on loopback."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import event as sa_event
from sqlalchemy import select, update

from casework.models import Event, Notice, RegisterRecord
from notifications import delivery
from notifications.actors import deliver
from notifications.broker import enqueue_many
from notifications.mail import SmtpTransport
from notifications.models import EmailRecord, EventOutbox
from notifications.relay import relay
from notifications.runtime import current
from tests.casework.conftest import decide, ok, validated
from tests.notifications.conftest import free_port, settle


def _engine():
    return current().sessions.kw["bind"]


@pytest.fixture
def statements() -> Iterator[list[str]]:
    """Every SQL statement the service's engine runs while the test does."""
    engine, seen = _engine(), []

    def note(_conn, _cursor, statement, *_):
        seen.append(" ".join(statement.split()))

    sa_event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        sa_event.remove(engine, "before_cursor_execute", note)


def _fresh_rows(live, subscribers: list[str]) -> list[tuple[int, str]]:
    """Every outbox row so far done; then new pending rows, one per subscriber given, on
    the latest events, oldest event first. Returns their keys in the relay's order."""
    with live.sessions() as s:
        s.execute(update(EventOutbox).values(done_at=EventOutbox.created_at))
        ids = s.scalars(select(Event.id).order_by(Event.id.desc()).limit(len(subscribers))).all()
        keys = sorted(zip(sorted(ids), subscribers, strict=True))
        for event_id, subscriber in keys:
            s.merge(  # pending afresh, if the event had a row for this subscriber already
                EventOutbox(
                    event_id=event_id,
                    subscriber=subscriber,
                    dispatches=0,
                    dispatched_at=None,
                    done_at=None,
                    failed_at=None,
                )
            )
        s.commit()
    return keys


def test_the_relay_claims_a_batch_in_one_statement_and_sends_it_at_once(live, world, statements):
    """Five rows, batches of two: three claims (2, 2 and the last 1), each a single
    UPDATE ... RETURNING, each batch handed over whole and in (event, subscriber) order;
    every row stamped dispatched once. Run again at once, nothing is stale: nothing goes."""
    validated(world)
    keys = _fresh_rows(live, ["email", "register", "email", "email", "register"])
    rt = current()
    batches: list[list[tuple[int, str]]] = []
    statements.clear()

    sent = relay(rt.sessions, None, rt.redispatch_after, batch=2, send_many=batches.append)

    assert sent == 5
    assert batches == [keys[0:2], keys[2:4], keys[4:5]]
    touching = [q for q in statements if "event_outbox" in q]
    assert len(touching) == 3
    assert all(q.startswith("UPDATE event_outbox SET") and "RETURNING" in q for q in touching)
    assert all("FOR UPDATE SKIP LOCKED" in q for q in touching)
    with live.sessions() as s:
        rows = s.scalars(select(EventOutbox).where(EventOutbox.done_at.is_(None))).all()
    assert {(r.event_id, r.subscriber): r.dispatches for r in rows} == dict.fromkeys(keys, 1)
    assert all(r.dispatched_at is not None for r in rows)
    assert relay(rt.sessions, None, rt.redispatch_after, send_many=batches.append) == 0


def test_the_relay_skips_rows_another_relay_holds(live, world):
    """A row locked by another transaction (another relay mid-batch) is left to it; once
    that transaction ends without sending it, the next run sends it."""
    validated(world)
    keys = _fresh_rows(live, ["email", "register", "email"])
    rt = current()
    other = live.sessions()
    other.execute(
        select(EventOutbox)
        .where(EventOutbox.event_id == keys[0][0], EventOutbox.subscriber == keys[0][1])
        .with_for_update()
    ).all()
    batches: list[list[tuple[int, str]]] = []
    try:
        assert relay(rt.sessions, None, rt.redispatch_after, send_many=batches.append) == 2
    finally:
        other.rollback()
        other.close()
    assert batches == [keys[1:]]
    assert relay(rt.sessions, None, rt.redispatch_after, send_many=batches.append) == 1
    assert batches[-1] == [keys[0]]


def test_a_batch_the_broker_refused_stays_pending(live, world):
    """If the send fails (Redis down), the claim is rolled back: the rows are neither
    stamped nor counted, and the next run sends them."""
    validated(world)
    keys = _fresh_rows(live, ["email", "register"])
    rt = current()

    def refuse(_keys):
        raise ConnectionError("Redis is down")

    with pytest.raises(ConnectionError):
        relay(rt.sessions, None, rt.redispatch_after, send_many=refuse)
    with live.sessions() as s:
        rows = s.scalars(select(EventOutbox).where(EventOutbox.done_at.is_(None))).all()
    assert {(r.event_id, r.subscriber, r.dispatched_at, r.dispatches) for r in rows} == {
        (e, sub, None, 0) for e, sub in keys
    }
    batches: list[list[tuple[int, str]]] = []
    assert relay(rt.sessions, None, rt.redispatch_after, send_many=batches.append) == 2
    assert batches == [keys]


def test_messages_sent_in_one_pipeline_are_each_delivered_once(live, world, smtp, workers):
    """Two decisions' rows (an email and a register record each) relayed through one
    Redis pipeline while the workers are paused: four distinct messages on the queue.
    Resumed, real workers do each once: two emails, two register records."""
    box, _ = smtp
    refs = [validated(world), validated(world)]
    settle(live)  # the acknowledgements, through the service's own relay
    emailed, records = box.count(), live.count(EmailRecord)
    rt = current()
    for w in workers:
        w.pause()
    try:
        for ref in refs:
            ok(decide(world, ref, "refused"))

        def send_many(keys):
            enqueue_many(rt.broker, [deliver.message(e, s) for e, s in keys])

        assert relay(rt.sessions, None, rt.redispatch_after, send_many=send_many) == 4
        assert rt.broker.do_qsize("default") == 4
    finally:
        for w in workers:
            w.resume()
    settle(live)
    assert box.count() - emailed == 2
    assert len({m["Message-ID"] for m in box.messages[emailed:]}) == 2
    assert live.count(EmailRecord) - records == 2
    assert live.count(RegisterRecord) == 2


def test_an_email_is_marked_done_in_the_same_commit_as_its_proof(live, world, smtp):
    """The decision notice's email: one commit holds the EmailRecord, the notice.served
    event and the outbox row's done mark, so no crash can leave one without the other."""
    box, _ = smtp
    ref = validated(world)
    ok(decide(world, ref, "refused"))
    with live.sessions() as s:
        event_id = s.scalar(select(Notice.event_id).where(Notice.kind == "decision_notice"))
    commits = []
    engine = _engine()
    listener = lambda conn: commits.append(conn)  # noqa: E731
    sa_event.listen(engine, "commit", listener)
    try:
        assert delivery.consume(event_id, "email") == "done"
    finally:
        sa_event.remove(engine, "commit", listener)
    assert len(commits) == 1
    assert len(box.with_subject(box.messages[-1]["Subject"])) == 1
    with live.sessions() as s:
        row = s.get(EventOutbox, (event_id, "email"))
        served = s.scalar(select(EmailRecord).where(EmailRecord.event_id == event_id))
    assert row.done_at is not None and served is not None
    assert delivery.consume(event_id, "email") == "already done"


# -- one SMTP connection per worker thread -----------------------------------------------


class Peers:
    """An SMTP server's handler that notes which connection (the client's port) each
    message arrived on, and can refuse the next one."""

    def __init__(self):
        self.peers: list[tuple[str, int]] = []
        self.refuse_next = False
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            if self.refuse_next:
                self.refuse_next = False
                return "554 5.7.1 Refused"
            self.peers.append(session.peer)
        return "250 OK"


@pytest.fixture
def server() -> Iterator[tuple[Peers, int, list[Controller]]]:
    handler, port = Peers(), free_port()
    running = [Controller(handler, hostname="127.0.0.1", port=port)]
    running[0].start()
    yield handler, port, running
    running[-1].stop()


def _message(n: int) -> EmailMessage:
    m = EmailMessage()
    m["From"], m["To"], m["Subject"] = "casework@casework.test", "a@body.test", f"Message {n}"
    m.set_content("Hello.")
    return m


def _send(transport: SmtpTransport, n: int) -> list:
    at: list = []
    transport.send(_message(n), at.append)
    assert len(at) == 1  # accepted once, when the server took it
    return at


def test_a_thread_sends_every_message_on_one_connection(server):
    """Five messages from one thread: one connection. From a second thread: its own."""
    peers, port, _ = server
    transport = SmtpTransport(f"smtp://127.0.0.1:{port}")
    for n in range(5):
        _send(transport, n)
    assert len(set(peers.peers)) == 1 and len(peers.peers) == 5
    other = threading.Thread(target=lambda: [_send(transport, n) for n in (5, 6)])
    other.start()
    other.join()
    assert len(set(peers.peers)) == 2
    assert peers.peers[5] == peers.peers[6] != peers.peers[0]


def test_a_connection_is_renewed_after_its_quota_after_a_refusal_and_when_closed(server):
    """per_connection 2: messages 1-2 on one connection, 3-4 on the next. A refusal drops
    the connection and the error reaches the caller (so the job is retried): the next
    message goes on a new one. A server restarted while the connection was idle: the NOOP
    finds it closed and the message goes on a new connection, not lost."""
    peers, port, running = server
    transport = SmtpTransport(f"smtp://127.0.0.1:{port}")
    transport.per_connection = 2
    for n in range(4):
        _send(transport, n)
    assert peers.peers[0] == peers.peers[1] != peers.peers[2] == peers.peers[3]

    peers.refuse_next = True
    accepted: list = []
    with pytest.raises(Exception, match="Refused"):
        transport.send(_message(4), accepted.append)
    assert accepted == []
    _send(transport, 5)
    assert peers.peers[4] not in peers.peers[:4]

    running[0].stop()
    running.append(Controller(peers, hostname="127.0.0.1", port=port))
    running[-1].start()
    transport.idle_check = 0.0
    _send(transport, 6)
    assert len(peers.peers) == 6 and peers.peers[5] != peers.peers[4]
