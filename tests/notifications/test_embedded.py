"""The embedded default: `casework serve` with no REDIS_URL and no SMTP_URL runs the same
actors on the StubBroker, with a worker thread and a scheduler thread in the web process,
on SQLite, and writes mail to instance/outbox/*.eml."""

from __future__ import annotations

import email
import json
import os
import signal
import subprocess
import sys
import textwrap
import urllib.error
import urllib.request
from email.policy import default as default_policy
from pathlib import Path

from tests.casework.conftest import ALL_TRUE, REQUEST
from tests.notifications.conftest import CASEWORK, REFUSAL, free_port, parts, wait_for

SEED = textwrap.dedent("""
    # A separate process makes and validates a request, then exits: its own broker is
    # in-memory, so the acknowledgement it commits can reach the outbox folder only
    # through the serving process's scheduler and worker threads.
    import json, sys
    from casework.app import create_app
    from casework.auth import create_user, issue_token
    from casework.config import Settings
    from casework.models import Authority, CommunityBody
    all_true, request = json.loads(sys.argv[1]), json.loads(sys.argv[2])
    app = create_app(Settings.from_env())
    with app.extensions["casework"].sessions() as s:
        fife = Authority(code="FIFE", name="Fife Council", type="local_authority",
                         email="cer@fife.test")
        trust = CommunityBody(name="Kinghorn Community Trust", legal_form="company",
                              member_count=46, contact_address="1 High Street, Kinghorn",
                              contact_email="secretary@kinghorn.test",
                              community_definition="KY3 9", **all_true)
        s.add_all([fife, trust])
        s.flush()
        body = issue_token(s, create_user(s, email="secretary@kinghorn.test",
                                          role="community", body=trust))
        officer = issue_token(s, create_user(s, email="officer@fife.test", role="officer",
                                             authority=fife))
        s.commit()
    client = app.test_client()
    def call(path, token, payload=None):
        r = client.post(path, json=payload or {}, headers={"Authorization": "Bearer " + token})
        assert r.status_code in (200, 201), r.json
        return r.json
    ref = call("/api/v1/cases", body, request)["reference"]
    call(f"/api/v1/cases/{ref}/actions/submit", body)
    call(f"/api/v1/cases/{ref}/actions/validate", officer)
    print(json.dumps({"reference": ref, "officer": officer}))
""")


def embedded_env(instance: Path) -> dict[str, str]:
    """Nothing but the instance folder: no DATABASE_URL, REDIS_URL or SMTP_URL."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CASEWORK_", "JOB_", "REDIS_", "SMTP_", "DATABASE_", "OUTBOX_"))
    }
    env.update(
        CASEWORK_INSTANCE=str(instance),
        SECRET_KEY="test",
        BASE_URL="http://casework.test",
        PYTHONUNBUFFERED="1",
    )
    return env


def call(base: str, path: str, token: str | None = None, payload: dict | None = None):
    """One HTTP request to the running service; returns (status, parsed JSON)."""
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = None if payload is None else json.dumps(payload).encode()
    request = urllib.request.Request(base + path, data=data, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


def answers(base: str) -> bool:
    try:
        return call(base, "/healthz")[0] == 200
    except OSError:
        return False


def eml(outbox: Path) -> list[Path]:
    """The cases' messages, not the annual report reminders: those follow the calendar, and
    this runs on the real one (tests/notifications/test_report_reminders.py checks them)."""
    found = sorted(outbox.glob("*.eml")) if outbox.exists() else []
    return [
        p
        for p in found
        if " report for " not in email.message_from_bytes(p.read_bytes())["Subject"]
    ]


def test_serve_on_the_embedded_default_delivers_in_process(tmp_path):
    instance = tmp_path / "instance"
    env = embedded_env(instance)
    subprocess.run([CASEWORK, "db", "upgrade"], env=env, check=True, capture_output=True)
    seeded = subprocess.run(
        [sys.executable, "-c", SEED, json.dumps(ALL_TRUE), json.dumps(REQUEST)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert seeded.returncode == 0, seeded.stderr
    made = json.loads(seeded.stdout.strip().splitlines()[-1])
    ref, officer = made["reference"], made["officer"]
    assert (instance / "casework.db").exists()  # SQLite, in the instance folder
    outbox = instance / "outbox"
    assert eml(outbox) == []  # committed, but not yet sent by anyone

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        serve = subprocess.Popen(
            [CASEWORK, "serve", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_for(lambda: answers(base), 60, "casework serve to answer")
        status, health = call(base, "/healthz")
        assert (status, health["database"], health["broker"]) == (200, "ok", "ok")
        assert "Worker and scheduler: running inside this process" in log.read_text()

        # The scheduler thread's first outbox sweep finds the acknowledgement; the worker
        # thread writes it out as a message.
        wait_for(lambda: len(eml(outbox)) == 1, 30, "the acknowledgement in instance/outbox")
        [first] = eml(outbox)
        message = email.message_from_bytes(first.read_bytes(), policy=default_policy)
        assert message["To"] == "secretary@kinghorn.test"
        assert message["Subject"] == f"Participation request: acknowledgement: {ref}"
        assert set(parts(message)) == {"text/plain", "text/html"}
        assert f"Reference: {ref}" in parts(message)["text/plain"]
        status, events = call(base, f"/api/v1/cases/{ref}/events?page_size=200", officer)
        assert status == 200
        [served] = [e["payload"] for e in events if e["type"] == "notice.served"]
        assert served["message_id"] == message["Message-ID"]
        assert served["transport"] == "file"

        # A decision through the API: the nudge reaches the worker thread in the process.
        status, case = call(base, f"/api/v1/cases/{ref}/actions/decide", officer, REFUSAL)
        assert status == 200, case
        wait_for(lambda: len(eml(outbox)) == 2, 30, "the decision notice in instance/outbox")
        subjects = {
            email.message_from_bytes(p.read_bytes(), policy=default_policy)["Subject"]
            for p in eml(outbox)
        }
        assert f"Participation request: decision notice: {ref}" in subjects
        wait_for(
            lambda: call(base, "/api/v1/register/decisions")[1]["total"] == 1,
            30,
            "the decision on the register",
        )
        [record] = call(base, "/api/v1/register/decisions")[1]["items"]
        assert (record["reference"], record["outcome"]) == (ref, "refused")
    finally:
        os.killpg(serve.pid, signal.SIGTERM)
        serve.wait(20)
