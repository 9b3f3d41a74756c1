"""The tamper-evident record: every event chained to the one before it in its case, daily
anchors over every chain, and `casework audit verify` finding a row changed behind the ORM
and the database's own append-only trigger."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections.abc import Iterator

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session

from casework.audit import anchor, verify
from casework.auth import create_user, issue_token
from casework.cli import main
from casework.models import Authority, CommunityBody, Event
from tests.casework.conftest import ALL_TRUE, REQUEST, submitted, validated
from tests.conftest import fresh_database, settings_for
from workflows import audit


def _events(session, ref: str) -> list[Event]:
    session.expire_all()
    return list(
        session.scalars(
            select(Event).where(Event.case_id == _case_id(ref).scalar_subquery()).order_by(Event.id)
        )
    )


def _case_id(ref: str):
    from casework.models import Case

    return select(Case.id).where(Case.reference == ref)


def _behind_the_orm(session, sql: str, **params) -> None:
    """What someone with the database's password could do: the append-only trigger is
    bypassed for this transaction (replica mode), and the ORM is not involved."""
    session.execute(text("SET LOCAL session_replication_role = replica"))
    session.execute(text(sql), params)
    session.execute(text("SET LOCAL session_replication_role = origin"))


def test_every_event_follows_the_one_before_it_in_its_case(world, session):
    ref = validated(world)
    events = _events(session, ref)
    assert len(events) >= 4
    assert events[0].prev_hash == audit.GENESIS
    for before, after in itertools.pairwise(events):
        assert after.prev_hash == before.hash
    for ev in events:
        # The definition, spelled out: the hash covers these fields and the one before.
        assert ev.hash == audit.event_hash(
            ev.prev_hash,
            case_id=ev.case_id,
            type_=ev.type,
            actor=ev.actor,
            occurred_at=ev.occurred_at,
            payload=ev.payload,
        )
    assert verify(session, ref) == []


def test_two_cases_have_chains_of_their_own(world, session):
    first, second = submitted(world), submitted(world)
    heads = [_events(session, ref)[0] for ref in (first, second)]
    assert all(ev.prev_hash == audit.GENESIS for ev in heads)
    assert verify(session) == []


def test_a_payload_changed_with_raw_sql_is_found_and_named(world, session):
    ref = validated(world)
    events = _events(session, ref)
    target = events[2]
    _behind_the_orm(
        session,
        "UPDATE events SET payload = CAST(:p AS JSON) WHERE id = :id",
        p='{"forged": true}',
        id=target.id,
    )
    (found,) = verify(session, ref)
    assert found.event_id == target.id
    assert "content has changed" in found.problem and ref in str(found)


def test_a_removed_event_breaks_the_chain_at_the_next_one(world, session):
    ref = validated(world)
    events = _events(session, ref)
    _behind_the_orm(session, "DELETE FROM events WHERE id = :id", id=events[1].id)
    (found,) = verify(session, ref)
    assert found.event_id == events[2].id
    assert "does not follow" in found.problem


def test_rehashing_a_changed_chain_is_caught_by_the_anchor(world, session, clock):
    """Someone who rewrites an event and every hash after it keeps the chain consistent,
    but not the day's published anchor."""
    ref = validated(world)
    day = clock.today()
    made = anchor(session, day)
    assert made is not None and made.chains >= 1
    assert anchor(session, day) is None  # once a day
    assert verify(session) == []

    events = _events(session, ref)
    forged = {"forged": True}
    prev = events[0].hash
    for ev in events[1:]:
        payload = forged if ev is events[1] else ev.payload
        digest = audit.event_hash(
            prev,
            case_id=ev.case_id,
            type_=ev.type,
            actor=ev.actor,
            occurred_at=ev.occurred_at,
            payload=payload,
        )
        _behind_the_orm(
            session,
            "UPDATE events SET payload = CAST(:p AS JSON), prev_hash = :prev, hash = :h "
            "WHERE id = :id",
            p=json.dumps(payload),
            prev=prev,
            h=digest,
            id=ev.id,
        )
        prev = digest
    breaks = verify(session)
    assert [b.where for b in breaks] == [f"anchor of {day.isoformat()}"]


def test_the_anchors_are_published(world, session, clock):
    validated(world)
    made = anchor(session, clock.today())
    response = world.public.get("/api/v1/audit/anchors")
    assert response.status_code == 200
    assert response.json[0] == {
        "day": clock.today().isoformat(),
        "digest": made.digest,
        "chains": made.chains,
        "up_to_event_id": made.up_to_event_id,
    }


# -- the command line, against a database of its own ----------------------------------------


def _run(*args: str, env: dict) -> object:
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


@pytest.fixture
def cli_env(worker_id: str, tmp_path) -> Iterator[dict]:
    url = fresh_database(f"audit_{worker_id}")
    env = {
        "DATABASE_URL": url,
        "REDIS_URL": None,
        "CASEWORK_INSTANCE": str(tmp_path),
        "SECRET_KEY": "audit-test",
    }
    assert _run("db", "upgrade", env=env).exit_code == 0
    yield env


def test_audit_verify_names_the_first_event_that_does_not_match(cli_env, tmp_path):
    from casework.app import create_app
    from casework.clock import Clock

    engine = create_engine(cli_env["DATABASE_URL"])
    with Session(engine) as s:
        authority = Authority(code="AUDT", name="Audit Council", type="local_authority")
        body = CommunityBody(
            name="Audit Trust",
            legal_form="scio",
            member_count=25,
            contact_address="1 Main Street",
            community_definition="Main Street",
            **ALL_TRUE,
        )
        s.add_all([authority, body])
        s.flush()
        member = issue_token(s, create_user(s, email="m@audt.test", role="community", body=body))
        s.commit()
    app = create_app(
        settings_for(cli_env["DATABASE_URL"], tmp_path),
        clock=Clock(dt.datetime(2026, 4, 1, 8, 0, tzinfo=dt.UTC)),
    )
    client = app.test_client()
    headers = {"Authorization": f"Bearer {member}"}
    ref = client.post("/api/v1/cases", json={**REQUEST, "authority": "AUDT"}, headers=headers).json[
        "reference"
    ]
    assert client.post(f"/api/v1/cases/{ref}/actions/submit", headers=headers).status_code == 200

    ok = _run("audit", "verify", env=cli_env)
    assert ok.exit_code == 0 and "intact" in ok.output
    assert _run("audit", "anchor", env=cli_env).output.startswith("Anchor of 2026")

    with Session(engine) as s:
        first = s.scalar(select(Event.id).order_by(Event.id).where(Event.case_id.is_not(None)))
        _behind_the_orm(s, "UPDATE events SET actor = 'someone else' WHERE id = :id", id=first)
        s.commit()
    engine.dispose()
    broken = _run("audit", "verify", ref, env=cli_env)
    assert broken.exit_code == 1
    assert f"{ref} at event {first}: its content has changed" in broken.output
    # The whole record: the same break; the anchor still matches, for the stored hashes
    # were not rewritten (that is what the anchor is for: see the test above).
    everything = _run("audit", "verify", env=cli_env)
    assert everything.exit_code == 1
    assert everything.output.splitlines() == [
        f"{ref} at event {first}: its content has changed since it was recorded (case.created)"
    ]
    assert _run("audit", "verify", "NO-SUCH-CASE", env=cli_env).exit_code == 2


# -- a case as it stood on a day, rebuilt from its events ----------------------------------


def _then(case: dict) -> dict:
    """What a saved view and a rebuilt one must agree on."""
    return {
        "state": case["state"],
        "deadlines": sorted(
            (d["rule"], d["key"], d["start_date"], d["due_date"], d["status"])
            for d in case["deadlines"]
        ),
    }


def test_as_of_gives_back_the_case_as_it_stood_then(world, clock):
    """Events are stamped with the real time they happened; the statutory clock of these
    tests is fixed. So the view is saved, the moment noted, and the case moved on."""
    from tests.casework.conftest import decide, move

    ref = submitted(world, additional_authorities=["NHSF"])
    move(clock, "2026-04-02")
    world.officer.act(ref, "validate")
    world.officer.act(ref, "notify_additional_authorities")
    saved = world.body.case(ref)
    saved_notices = [n["id"] for n in world.body.get(f"/api/v1/cases/{ref}/notices").json]
    saved_events = [e["id"] for e in world.body.get(f"/api/v1/cases/{ref}/events").json]
    moment = dt.datetime.now(dt.UTC)

    move(clock, "2026-04-20")
    assert decide(world, ref, "agreed", process="new").status_code == 200
    now = world.body.case(ref)
    assert _then(now) != _then(saved)

    then = world.body.get(f"/api/v1/cases/{ref}", query_string={"as_of": moment.isoformat()})
    assert then.status_code == 200, then.json
    # Open deadlines are shown as they stand on the day asked about: here the real day,
    # after both due dates of the fixed statutory clock, so both duties show as overdue.
    assert then.json["state"] == saved["state"]
    assert sorted(
        (d["rule"], d["key"], d["start_date"], d["due_date"]) for d in then.json["deadlines"]
    ) == sorted((d["rule"], d["key"], d["start_date"], d["due_date"]) for d in saved["deadlines"])
    assert {d["status"] for d in saved["deadlines"]} == {"open"}
    assert {d["status"] for d in then.json["deadlines"]} == {"overdue"}
    assert [n["id"] for n in then.json["notices"]] == saved_notices
    assert [e["id"] for e in then.json["events"]] == saved_events
    # And as it stands now: the state the decision left and the deadline it met.
    today = world.body.get(f"/api/v1/cases/{ref}", query_string={"as_of": moment.date()})
    assert today.json["state"] == "awaiting_process_comments"
    decision = [d for d in today.json["deadlines"] if d["rule"] == "pr.decision"]
    assert [d["status"] for d in decision] == ["met"]
    # Before the case was started there is nothing to show.
    before = (moment - dt.timedelta(days=2)).date().isoformat()
    assert world.body.get(f"/api/v1/cases/{ref}", query_string={"as_of": before}).status_code == 404


def test_as_of_keeps_what_the_reader_may_not_see_hidden(world):
    ref = submitted(world)
    today = dt.datetime.now(dt.UTC).date().isoformat()
    assert world.other_body.get(f"/api/v1/cases/{ref}?as_of={today}").status_code == 404
    assert world.public.get(f"/api/v1/cases/{ref}?as_of={today}").status_code == 404
    bad = world.body.get(f"/api/v1/cases/{ref}?as_of=yesterday")
    assert bad.status_code == 422 and "as_of" in bad.json["errors"]
