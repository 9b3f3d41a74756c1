"""`make run` and `casework serve`: the port, the links the service writes, the demo logins
it prints, a quiet console, and what `make run` installs."""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import select

from casework.auth import create_user, set_password
from casework.cli import serve_settings
from casework.config import Settings
from casework.models import Authority, User
from tests.conftest import settings_for
from tests.notifications.conftest import CASEWORK, free_port, wait_for

ROOT = Path(__file__).resolve().parents[1]
DUPLICATE = "middleware of the same type twice"


def embedded_env(instance: Path, **extra: str) -> dict[str, str]:
    """Nothing configured but the instance folder: SQLite, in-process worker, file mail."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CASEWORK_", "REDIS_", "SMTP_", "DATABASE_", "BASE_URL"))
    }
    return {**env, "CASEWORK_INSTANCE": str(instance), "PYTHONUNBUFFERED": "1", **extra}


# -- a port that is taken ---------------------------------------------------------------


def test_serve_on_a_port_in_use_says_so_in_one_line(tmp_path):
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        ran = subprocess.run(
            [CASEWORK, "serve", "--port", str(port)],
            env=embedded_env(tmp_path / "instance"),
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert ran.returncode == 1
    assert ran.stdout == ""
    assert ran.stderr.splitlines() == [
        f"Port {port} is in use. Stop the other program or choose another: make run PORT=5050"
    ]
    assert not (tmp_path / "instance" / "casework.db").exists()  # stopped before anything


# -- the address in links ---------------------------------------------------------------


def test_links_use_base_url_when_set_and_otherwise_the_listening_address(tmp_path):
    plain = Settings.from_env({"CASEWORK_INSTANCE": str(tmp_path)})
    assert serve_settings(plain, {}, "127.0.0.1", 5077).base_url == "http://127.0.0.1:5077"
    assert serve_settings(plain, {}, "0.0.0.0", 8000).base_url == "http://127.0.0.1:8000"
    assert serve_settings(plain, {}, "localhost", 5050).base_url == "http://localhost:5050"
    env = {"CASEWORK_INSTANCE": str(tmp_path), "BASE_URL": "https://cer.fife.example/"}
    configured = Settings.from_env(env)
    assert serve_settings(configured, env, "127.0.0.1", 5077).base_url == (
        "https://cer.fife.example"
    )


def test_serve_demo_prints_where_to_open_it_and_links_go_there(tmp_path):
    """`casework serve --demo` with nothing configured: the address, the demo logins, no
    routine chatter; the register's links and the emails' links point at this server."""
    instance = tmp_path / "instance"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "serve.log"

    def decisions() -> list[dict]:
        try:
            with urllib.request.urlopen(f"{base}/api/v1/register/decisions", timeout=5) as r:
                return json.loads(r.read())["items"]
        except OSError:
            return []

    with log.open("wb") as out:
        serve = subprocess.Popen(
            [CASEWORK, "serve", "--demo", "--port", str(port)],
            env=embedded_env(instance),
            cwd=tmp_path,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_for(lambda: len(decisions()) >= 2, 90, "the demo's decisions on the register")
        links = [d["url"] for d in decisions()]
        assert all(url.startswith(f"{base}/register/") for url in links), links

        def emails() -> list[str]:
            return [p.read_text() for p in (instance / "outbox").glob("*.eml")]

        wait_for(lambda: any(f"{base}/cases/" in m for m in emails()), 60, "a case link")
        assert not any("127.0.0.1:5000" in m for m in emails())
        text = log.read_text()
    finally:
        os.killpg(serve.pid, signal.SIGTERM)
        serve.wait(20)
    assert f"Casework is running at {base}/" in text
    assert "Demo logins (password for every one: demo-password-2026)" in text
    assert "officer@fife.example" in text and "secretary@kinghorntrust.example" in text
    assert DUPLICATE not in text
    assert "apscheduler" not in text and "Running job" not in text
    assert "Traceback" not in text


# -- the demo logins --------------------------------------------------------------------


def test_the_demo_logins_list_only_demo_accounts_that_the_demo_password_opens(app, session):
    from casework.demo import seed

    with app.app_context():
        first = {login.email for login in seed(app)}
        assert "officer@fife.example" in first and "admin@casework.example" in first
        fife = session.scalar(select(Authority).where(Authority.code == "FIFE"))
        create_user(
            session,
            email="new.officer@fife.example",
            role="officer",
            authority=fife,
            password="another long pass phrase",
        )
        changed = session.scalar(select(User).where(User.email == "officer@highland.example"))
        set_password(changed, "a password of her own now")
        session.commit()
        again = {login.email for login in seed(app)}
    assert "new.officer@fife.example" not in again  # made later: not a demo account
    assert "officer@highland.example" not in again  # the demo password no longer opens it
    assert again == first - {"officer@highland.example"}


# -- a quiet console --------------------------------------------------------------------


def test_two_workers_and_two_apps_log_no_duplicate_middleware_warning(
    database_url, sessions, tmp_path, caplog
):
    from casework.app import create_app
    from notifications.processes import start_workers
    from notifications.runtime import current

    caplog.set_level(logging.WARNING)
    for _ in range(2):
        create_app(settings_for(database_url, tmp_path), sessions=sessions)
    workers = start_workers(current().broker, threads=1, webhook_threads=1)
    try:
        assert len(workers) == 2
        assert [r.getMessage() for r in caplog.records if DUPLICATE in r.getMessage()] == []
    finally:
        for w in workers:
            w.stop()
    # The scheduler's routine lines stay off the console; its warnings do not.
    assert logging.getLogger("apscheduler").getEffectiveLevel() == logging.WARNING


def test_any_other_duplicate_middleware_is_still_reported(caplog):
    from dramatiq.brokers.stub import StubBroker
    from dramatiq.middleware import Callbacks

    from notifications.processes import start_workers

    broker = StubBroker()
    workers = start_workers(broker, threads=1, webhook_threads=1)
    try:
        caplog.set_level(logging.WARNING)
        broker.add_middleware(Callbacks())
        assert any(DUPLICATE in r.getMessage() for r in caplog.records)
    finally:
        for w in workers:
            w.stop()


# -- make run and make test -------------------------------------------------------------


@pytest.fixture
def make_tree(tmp_path) -> Path:
    """The Makefile and the files its stamps hash, in a folder of their own."""
    for name in ("Makefile", "pyproject.toml", "package.json", "package-lock.json"):
        shutil.copy(ROOT / name, tmp_path / name)
    return tmp_path


def dry_run(tree: Path, *args: str) -> list[str]:
    # Run as a make of its own: under `make test` the parent's MAKEFLAGS and MAKELEVEL
    # would add "Entering directory" lines to what is printed.
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS")}
    ran = subprocess.run(
        ["make", "--no-print-directory", "-n", *args],
        cwd=tree,
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert ran.returncode == 0, ran.stderr
    return ran.stdout.splitlines()


def stamp(tree: Path, prefix: str) -> None:
    """Mark one install step done, as the Makefile names it."""
    names = {line.split()[-1] for line in dry_run(tree, "test") if line.startswith("touch .venv")}
    [name] = [n for n in names if n.startswith(f".venv/.{prefix}-")]
    (tree / ".venv").mkdir(exist_ok=True)
    (tree / name).touch()


def test_make_run_installs_only_what_running_needs_and_takes_a_port(make_tree):
    steps = dry_run(make_tree, "run", "PORT=5050")
    installs = [s for s in steps if "pip install" in s and "-e" in s]
    assert installs == ["$(BIN)/pip install -q -e .".replace("$(BIN)", ".venv/bin")]
    assert steps[-1] == ".venv/bin/casework serve --demo --port 5050"
    assert dry_run(make_tree, "run")[-1].endswith("--port 5000")


def test_make_run_then_make_test_and_back_install_nothing_twice(make_tree):
    (make_tree / "casework/static/vendor/sgds").mkdir(parents=True)
    assets = next(s for s in dry_run(make_tree, "run") if s.startswith("touch casework/"))
    (make_tree / assets.split()[-1]).touch()

    stamp(make_tree, "runtime")  # `make run` has been run
    steps = dry_run(make_tree, "test")
    assert ".venv/bin/pip install -q -e '.[test]'" in steps
    assert ".venv/bin/pip install -q -e ." not in steps
    stamp(make_tree, "installed")  # and then `make test`
    assert not any("pip" in s for s in dry_run(make_tree, "run"))
    assert not any("pip" in s for s in dry_run(make_tree, "test"))
