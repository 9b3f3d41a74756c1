"""The `casework` command: deadlines, the schema, authorities, users and the demo.

`deadline` needs no database. The other commands run against a fresh PostgreSQL database
of their own, made next to DATABASE_URL, because they open their own connections and
commit for real.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import create_engine, func, inspect, select
from sqlalchemy.orm import Session

from casework.auth import hash_token, user_for_token
from casework.cli import main
from casework.models import ApiToken, Authority, Case, CommunityBody, User
from tests.conftest import fresh_database
from workflows.authorities import AUTHORITY_TYPES
from workflows.rules import RULE_IDS, Rulebook


def run(*args: str, env: dict[str, str | None] | None = None) -> Result:
    return CliRunner().invoke(main, list(args), env=env or {}, catch_exceptions=False)


def one_line_error(result: Result) -> str:
    """A refused command: status 2, nothing on stdout, one line on stderr."""
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


# -- casework deadline RULE START -------------------------------------------------------

# One worked example per rule id, each worked out by hand from the counting table of docs/law.md
# (working days under SSI 2017/39 reg 2: every day but weekends, 25-26 Dec and 1-2 Jan).
EXAMPLES: list[tuple[str, str, str]] = [
    # 15 working days beginning Wed 1 Apr 2026: 1-3, 6-10, 13-17, 20-21 (Good Friday counts).
    ("pr.additional_authority_reply", "2026-04-01", "2026-04-21"),
    # 30 working days beginning Wed 1 Apr 2026: 22 by 30 Apr, 1 May (23), 4-8 (28), 11-12.
    ("pr.decision", "2026-04-01", "2026-05-12"),
    # 28 days beginning with 10 Feb 2026: 10 Feb + 27 days (docs/law.md's example).
    ("pr.process_representations", "2026-02-10", "2026-03-09"),
    # 90 days beginning with 1 Apr 2026: 1 Apr + 89 days = 29 Apr + 60 = 29 Jun.
    ("pr.process_establish", "2026-04-01", "2026-06-29"),
    # 20 working days beginning Wed 1 Apr 2026: 1-3, 6-10, 13-17, 20-24 (18), 27-28.
    ("atr.representations", "2026-04-01", "2026-04-28"),
    ("atr.comments_on_representations", "2026-04-01", "2026-04-28"),
    # 6 months after 31 Aug 2026: February has no 31st, so its last day (docs/law.md).
    ("atr.decision", "2026-08-31", "2027-02-28"),
    # 20 working days beginning Mon 21 Dec 2026, across Christmas and New Year:
    # 21-24 (4), [25-27 skipped], 28-31 (8), [1-3 Jan skipped], 4-8 (13), 11-15 (18), 18-19.
    ("atr.review_or_appeal", "2026-12-21", "2027-01-19"),
    # 6 months after 31 Mar 2026: September has 30 days.
    ("atr.offer", "2026-03-31", "2026-09-30"),
    # 6 months after 31 Aug 2027: 2028 is a leap year, so 29 Feb.
    ("atr.contract", "2027-08-31", "2028-02-29"),
    # 10 working days beginning Sat 4 Apr 2026: day 1 is Mon 6 Apr; 6-10, 13-17.
    ("atr.no_contract_appeal", "2026-04-04", "2026-04-17"),
    # 15 working days beginning Wed 1 Apr 2026, as for pr.additional_authority_reply.
    ("atr.no_contract_appeal_response", "2026-04-01", "2026-04-21"),
    ("atr.no_contract_appeal_comments", "2026-04-01", "2026-04-21"),
    # 28 days beginning Wed 29 Apr 2026, the day after the s.26(3) period: Tue 26 May.
    ("pr.process_notice", "2026-04-29", "2026-05-26"),
    # 6 months after Sat 31 Oct 2026: November has 30 days.
    ("atr.review_decision", "2026-10-31", "2027-04-30"),
    # With the contract period: 6 months after Mon 1 Jun 2026 is Tue 1 Dec 2026.
    ("atr.direction_application", "2026-06-01", "2026-12-01"),
    # 2 years after 29 Feb 2024: 2026 has no 29 Feb, so 28 Feb.
    ("atr.repeat_request_bar", "2024-02-29", "2026-02-28"),
    # The reporting year 1 Apr 2025 - 31 Mar 2026 reports by 30 Jun 2026; a day later
    # starts the next year.
    ("annual_report", "2026-03-31", "2026-06-30"),
    ("annual_report", "2026-04-01", "2027-06-30"),
]


def test_every_rule_id_has_a_worked_example():
    assert {rule for rule, _, _ in EXAMPLES} == set(RULE_IDS)


@pytest.mark.parametrize(("rule", "start", "due"), EXAMPLES)
def test_deadline_prints_the_iso_date_first_then_the_explanation(rule, start, due):
    result = run("deadline", rule, start)
    assert result.exit_code == 0, result.stderr
    first, *rest = result.stdout.splitlines()
    assert first == due
    explanation = "\n".join(rest)
    # The officer's explanation, in sentences: the step, then where the period comes from.
    found = Rulebook().rule(rule)
    assert rest[0] == f"{found.title}." or rest[0].startswith(f"{found.title} ")
    assert rest[1].startswith(f"Where this comes from: {found.citation}. This period ")
    # Dates in the explanation are in words; only the first line is an ISO date.
    assert not re.search(r"\b\d{4}-\d{2}-\d{2}\b", explanation)


def test_deadline_with_additional_authorities_gives_45_working_days():
    # 45 working days beginning Wed 1 Apr 2026: 23 by 1 May, 4-8 (28), 11-15 (33),
    # 18-22 (38), 25-29 (43), 1-2 Jun (45).
    result = run("deadline", "pr.decision", "2026-04-01", "--with-additional-authorities")
    assert result.stdout.splitlines()[0] == "2026-06-02"
    assert "45 working days" in result.stdout


def test_deadline_explains_skipped_days_and_good_friday():
    out = run("deadline", "pr.additional_authority_reply", "2026-04-01").stdout
    assert "SSI 2017/39 reg 6(2)" in out
    assert "Days not counted: Saturday 4 April 2026, Sunday 5 April 2026," in out
    assert "Friday 3 April 2026 (Good Friday)" in out
    assert "day 15 is Tuesday 21 April 2026" in out


def test_deadline_says_when_a_guidance_rule_is_overridden():
    # 35 working days beginning Wed 1 Apr 2026: 30 by 12 May, 13-15 (33), 18-19 (35).
    result = run(
        "deadline", "pr.decision", "2026-04-01", env={"CASEWORK_RULES": '{"pr.decision": 35}'}
    )
    assert result.stdout.splitlines()[0] == "2026-05-19"
    assert "sets 35 in place of the usual 30 (setting pr.decision)" in result.stdout


def test_deadline_refuses_an_override_of_a_verified_rule():
    result = run(
        "deadline",
        "pr.additional_authority_reply",
        "2026-04-01",
        env={"CASEWORK_RULES": '{"pr.additional_authority_reply": 20}'},
    )
    assert "pr.additional_authority_reply" in one_line_error(result)


def test_deadline_unknown_rule_is_status_2_with_one_line_listing_the_known_rules():
    message = one_line_error(run("deadline", "pr.nonsense", "2026-04-01"))
    assert "pr.nonsense" in message
    for rule in RULE_IDS:
        assert rule in message


@pytest.mark.parametrize("start", ["2026-02-30", "tomorrow", "01/04/2026"])
def test_deadline_bad_date_is_status_2_with_one_line(start):
    message = one_line_error(run("deadline", "pr.decision", start))
    assert "YYYY-MM-DD" in message or "date" in message


def test_deadline_without_arguments_is_status_2_listing_the_rules():
    message = one_line_error(run("deadline"))
    assert all(rule in message for rule in RULE_IDS)


def test_deadline_through_the_installed_console_script(tmp_path):
    """The real `casework` script, in a directory of its own: it needs no database or
    secret, and leaves nothing behind."""
    script = Path(sys.executable).with_name("casework")
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "CASEWORK_INSTANCE")}
    ok = subprocess.run(
        [script, "deadline", "pr.additional_authority_reply", "2026-04-01"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        check=False,
    )
    assert (ok.returncode, ok.stdout.splitlines()[0]) == (0, "2026-04-21"), ok.stderr
    bad = subprocess.run(
        [script, "deadline", "nope", "2026-04-01"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        check=False,
    )
    assert bad.returncode == 2 and bad.stdout == ""
    assert len(bad.stderr.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


# -- commands that use the database -----------------------------------------------------


@pytest.fixture(scope="module")
def cli_db(worker_id: str, tmp_path_factory) -> Iterator[dict[str, str | None]]:
    """A migrated database of the CLI's own, and the environment that points at it."""
    url = fresh_database(f"cli_{worker_id}")
    env: dict[str, str | None] = {
        "DATABASE_URL": url,
        "REDIS_URL": None,
        "CASEWORK_INSTANCE": str(tmp_path_factory.mktemp("cli_instance")),
        "SECRET_KEY": "cli-test",
    }
    result = run("db", "upgrade", env=env)
    assert result.exit_code == 0, result.stderr
    yield env


@pytest.fixture
def cli_session(cli_db) -> Iterator[Session]:
    engine = create_engine(cli_db["DATABASE_URL"])
    with Session(engine) as session:
        yield session
    engine.dispose()


def test_db_upgrade_builds_the_schema_on_an_empty_database_and_is_repeatable(worker_id, tmp_path):
    url = fresh_database(f"cli_upgrade_{worker_id}")
    env = {"DATABASE_URL": url, "CASEWORK_INSTANCE": str(tmp_path), "SECRET_KEY": "x"}
    engine = create_engine(url)
    try:
        assert inspect(engine).get_table_names() == []
        first = run("db", "upgrade", env=env)
        assert first.exit_code == 0 and "up to date" in first.stdout
        tables = set(inspect(engine).get_table_names())
        assert {"cases", "events", "notices", "authorities", "users", "alembic_version"} <= tables
        assert run("db", "upgrade", env=env).exit_code == 0
    finally:
        engine.dispose()


def test_authorities_add_stores_the_authority(cli_db, cli_session):
    result = run(
        "authorities",
        "add",
        "--code",
        "nhsh",
        "--name",
        "NHS Highland",
        "--type",
        "health_board",
        "--email",
        "cer@nhsh.test",
        env=cli_db,
    )
    assert result.exit_code == 0, result.stderr
    row = cli_session.scalar(select(Authority).where(Authority.code == "NHSH"))
    assert (row.name, row.type, row.email) == ("NHS Highland", "health_board", "cer@nhsh.test")


def test_authorities_add_unknown_type_is_status_2_listing_the_types(cli_db):
    args = ("authorities", "add", "--code", "XX", "--name", "X", "--type", "parish")
    message = one_line_error(run(*args, env=cli_db))
    assert "parish" in message
    assert all(t in message for t in AUTHORITY_TYPES)


def test_authorities_add_twice_or_with_a_bad_code_is_status_2(cli_db, cli_session):
    args = ("authorities", "add", "--name", "Fife Council", "--type", "local_authority")
    assert run(*args, "--code", "DUPE", env=cli_db).exit_code == 0
    assert "already exists" in one_line_error(run(*args, "--code", "DUPE", env=cli_db))
    assert "code" in one_line_error(run(*args, "--code", "no spaces!", env=cli_db))
    count = cli_session.scalar(select(func.count()).where(Authority.code == "DUPE"))
    assert count == 1


def test_users_create_prints_a_working_token_as_the_last_line(cli_db, cli_session):
    run(
        "authorities",
        "add",
        "--code",
        "ANGUS",
        "--name",
        "Angus Council",
        "--type",
        "local_authority",
        env=cli_db,
    )
    result = run(
        "users",
        "create",
        "--email",
        "Officer@Angus.test",
        "--role",
        "officer",
        "--authority",
        "angus",
        env=cli_db,
    )
    assert result.exit_code == 0, result.stderr
    token = result.stdout.strip().splitlines()[-1]
    user = user_for_token(cli_session, token)
    assert user is not None
    assert (user.email, user.role, user.authority.code) == (
        "officer@angus.test",
        "officer",
        "ANGUS",
    )
    stored = set(
        cli_session.scalars(select(ApiToken.token_hash).where(ApiToken.user_id == user.id))
    )
    assert stored == {hash_token(token)} and token not in stored  # kept hashed only


def test_users_create_links_a_community_user_to_its_body(cli_db, cli_session):
    body = CommunityBody(
        name="Arbroath Trust",
        legal_form="scio",
        member_count=25,
        contact_address="1 Harbour Road",
        community_definition="Arbroath",
    )
    cli_session.add(body)
    cli_session.commit()
    result = run(
        "users",
        "create",
        "--email",
        "sec@arbroath.test",
        "--role",
        "community",
        "--body",
        str(body.id),
        env=cli_db,
    )
    assert result.exit_code == 0, result.stderr
    user = user_for_token(cli_session, result.stdout.strip().splitlines()[-1])
    assert user.community_body_id == body.id


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--role", "officer"), "authority"),  # an officer belongs to an authority
        (("--role", "officer", "--authority", "NOWHERE"), "NOWHERE"),
        (("--role", "community", "--body", "999999"), "999999"),
        (("--role", "admin", "--authority", "FIFEX"), "FIFEX"),
    ],
    ids=["officer_without_authority", "unknown_authority", "unknown_body", "unknown_code"],
)
def test_users_create_bad_links_are_status_2_with_one_line(cli_db, args, words):
    message = one_line_error(run("users", "create", "--email", "x@bad.test", *args, env=cli_db))
    assert words in message


def test_users_create_unknown_role_is_a_usage_error(cli_db):
    result = run("users", "create", "--email", "y@bad.test", "--role", "mayor", env=cli_db)
    assert result.exit_code == 2 and "mayor" in result.stderr


def test_users_create_duplicate_email_is_status_2(cli_db, cli_session):
    args = ("users", "create", "--email", "twice@test", "--role", "admin")
    assert run(*args, env=cli_db).exit_code == 0
    assert "email" in one_line_error(run(*args, env=cli_db))
    assert cli_session.scalar(select(func.count()).where(User.email == "twice@test")) == 1


def test_demo_seeds_once_and_prints_logins_with_working_tokens(worker_id, tmp_path):
    url = fresh_database(f"cli_demo_{worker_id}")
    env = {
        "DATABASE_URL": url,
        "REDIS_URL": None,
        "CASEWORK_INSTANCE": str(tmp_path),
        "SECRET_KEY": "x",
    }
    assert run("db", "upgrade", env=env).exit_code == 0
    engine = create_engine(url)
    try:
        first = run("demo", env=env)
        assert first.exit_code == 0, first.stderr
        assert "demo-password-2026" in first.stdout
        with Session(engine) as s:
            cases = s.scalar(select(func.count()).select_from(Case))
            users = s.scalar(select(func.count()).select_from(User))
            assert cases > 0 and users > 0
            tokens = _tokens(first.stdout)
            assert len(tokens) == users
            for email, token in tokens.items():
                assert user_for_token(s, token).email == email
            states = set(s.scalars(select(Case.state)))
            assert {"draft", "submitted", "under_consideration"} <= states

        second = run("demo", env=env)
        assert second.exit_code == 0, second.stderr
        with Session(engine) as s:
            assert s.scalar(select(func.count()).select_from(Case)) == cases
            assert s.scalar(select(func.count()).select_from(User)) == users
            fresh = _tokens(second.stdout)
            assert set(fresh) == set(tokens) and not set(fresh.values()) & set(tokens.values())
            assert all(user_for_token(s, t) is not None for t in fresh.values())
    finally:
        engine.dispose()


def _tokens(output: str) -> dict[str, str]:
    """email -> token, from the demo's "API tokens" block."""
    block = output.split("API tokens", 1)[1].splitlines()[1:]
    return {email: token for email, token in (line.split() for line in block if line.strip())}


# -- casework serve, on the embedded default --------------------------------------------


def test_serve_on_the_embedded_default_answers_openapi_with_one_command(tmp_path):
    """Issue 2, "done when": with nothing configured, `casework serve` makes its own SQLite
    schema and answers GET /api/v1/openapi.json."""
    from tests.notifications.conftest import CASEWORK, free_port, wait_for

    def openapi() -> tuple[int, dict] | None:
        try:
            with urllib.request.urlopen(f"{base}/api/v1/openapi.json", timeout=5) as r:
                return r.status, json.loads(r.read())
        except OSError:
            return None

    # Nothing configured but the instance folder: no DATABASE_URL, REDIS_URL or SMTP_URL.
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CASEWORK_", "REDIS_", "SMTP_", "DATABASE_"))
    }
    instance = tmp_path / "instance"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with (tmp_path / "serve.log").open("wb") as out:
        serve = subprocess.Popen(
            [CASEWORK, "serve", "--port", str(port)],
            env={
                **env,
                "CASEWORK_INSTANCE": str(instance),
                "SECRET_KEY": "test",
                "PYTHONUNBUFFERED": "1",
            },
            cwd=tmp_path,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_for(lambda: openapi() is not None, 60, "casework serve to answer")
        status, spec = openapi()
        assert status == 200 and spec["openapi"].startswith("3.")
        assert "/api/v1/cases/{reference}/actions/{action}" in spec["paths"]
        assert (instance / "casework.db").exists()
        assert (
            f"Casework is running at http://127.0.0.1:{port}/"
            in (tmp_path / "serve.log").read_text()
        )
    finally:
        os.killpg(serve.pid, signal.SIGTERM)
        serve.wait(20)


def test_deadlines_recompute_applies_a_changed_rule_to_open_cases_as_events(
    cli_db, cli_session, tmp_path
):
    """A change to a G rule (CASEWORK_RULES) moves the stored deadlines of open cases,
    and each move is an event on the case's timeline."""
    import datetime as dt

    from casework.app import create_app
    from casework.auth import create_user, issue_token
    from casework.clock import Clock
    from tests.casework.conftest import ALL_TRUE, REQUEST
    from tests.conftest import settings_for

    fife = Authority(code="RCMP", name="Recompute Council", type="local_authority")
    body = CommunityBody(
        name="Recompute Trust",
        legal_form="scio",
        member_count=25,
        contact_address="1 Main Street",
        community_definition="Main Street",
        **ALL_TRUE,
    )
    cli_session.add_all([fife, body])
    cli_session.flush()
    member = issue_token(
        cli_session, create_user(cli_session, email="m@rcmp.test", role="community", body=body)
    )
    officer = issue_token(
        cli_session, create_user(cli_session, email="o@rcmp.test", role="officer", authority=fife)
    )
    cli_session.commit()
    app = create_app(
        settings_for(cli_db["DATABASE_URL"], tmp_path),
        clock=Clock(dt.datetime(2026, 4, 1, 8, 0, tzinfo=dt.UTC)),
    )
    client = app.test_client()

    def post(url: str, token: str, payload: dict | None = None) -> dict:
        r = client.post(url, json=payload or {}, headers={"Authorization": f"Bearer {token}"})
        assert r.status_code in (200, 201), r.json
        return r.json

    ref = post("/api/v1/cases", member, {**REQUEST, "authority": "RCMP"})["reference"]
    post(f"/api/v1/cases/{ref}/actions/submit", member)
    post(f"/api/v1/cases/{ref}/actions/validate", officer)

    result = run("deadlines", "recompute", env={**cli_db, "CASEWORK_RULES": '{"pr.decision": 35}'})

    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("1 deadline(s) changed")
    events = client.get(
        f"/api/v1/cases/{ref}/events?page_size=200", headers={"Authorization": f"Bearer {officer}"}
    ).json
    (moved,) = [e for e in events if e["type"] == "deadline.recomputed"]
    # 30 working days beginning Wed 1 April 2026 end Tue 12 May; 35 end Tue 19 May
    # (13-15 and 18-19 May are days 31 to 35).
    assert (moved["payload"]["previous_due_date"], moved["payload"]["due_date"]) == (
        "2026-05-12",
        "2026-05-19",
    )
    assert moved["actor"].startswith("system: ")
    again = run("deadlines", "recompute", env={**cli_db, "CASEWORK_RULES": '{"pr.decision": 35}'})
    assert again.stdout.startswith("0 deadline(s) changed")
