"""Two officers deciding the same case at the same moment: one wins, one gets a 409."""

from __future__ import annotations

import threading

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casework.app import create_app
from casework.commands import perform
from casework.db import make_sessionmaker
from casework.errors import Conflict
from casework.eventlog import Actor
from casework.models import Case, Decision, Event, User
from tests.casework.conftest import considerations
from tests.conftest import settings_for
from workflows.rules import Party

DECISION = {
    "outcome": "refused",
    "reasons": "No capacity this year.",
    "considerations": considerations(),
}


def _committed_world(engine, tmp_path, clock):
    """The same small world, committed for real so that several connections can see it."""
    from tests.casework.conftest import REQUEST

    sessions = make_sessionmaker(engine)
    app = create_app(
        settings_for(engine.url.render_as_string(hide_password=False), tmp_path),
        clock=clock,
        sessions=sessions,
    )
    from casework.auth import create_user, issue_token
    from casework.models import Authority, CommunityBody
    from tests.casework.conftest import ALL_TRUE

    with sessions() as s:
        fife = Authority(code="FIFE", name="Fife Council", type="local_authority")
        body = CommunityBody(
            name="Trust",
            legal_form="company",
            member_count=30,
            contact_address="1 High St",
            community_definition="KY3",
            **ALL_TRUE,
        )
        s.add_all([fife, body])
        s.flush()
        tokens = {
            "body": issue_token(s, create_user(s, email="b@t", role="community", body=body)),
            "one": issue_token(s, create_user(s, email="o1@t", role="officer", authority=fife)),
            "two": issue_token(s, create_user(s, email="o2@t", role="officer", authority=fife)),
        }
        s.commit()
    client = app.test_client()

    def call(who, method, url, json=None):
        return client.open(
            url, method=method, json=json, headers={"Authorization": f"Bearer {tokens[who]}"}
        )

    ref = call("body", "POST", "/api/v1/cases", REQUEST).json["reference"]
    assert call("body", "POST", f"/api/v1/cases/{ref}/actions/submit").status_code == 200
    assert call("one", "POST", f"/api/v1/cases/{ref}/actions/validate").status_code == 200
    return app, sessions, call, ref


def test_two_officers_decide_at_once_over_http(committed_db, tmp_path, clock):
    _app, sessions, call, ref = _committed_world(committed_db, tmp_path, clock)
    barrier = threading.Barrier(2)
    results: dict[str, int] = {}

    def decide(who):
        barrier.wait()
        results[who] = call(
            who, "POST", f"/api/v1/cases/{ref}/actions/decide", DECISION
        ).status_code

    threads = [threading.Thread(target=decide, args=(w,)) for w in ("one", "two")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results.values()) == [200, 409]
    with sessions() as s:
        case = s.scalar(select(Case).where(Case.reference == ref))
        assert case.state == "refused"
        assert s.scalar(select(func.count()).select_from(Decision)) == 1
        assert (
            s.scalar(
                select(func.count()).where(Event.case_id == case.id, Event.type == "action.decide")
            )
            == 1
        )


def test_stale_version_loses_even_when_both_loaded_first(committed_db, tmp_path, clock):
    """Both sessions read version N before either writes: the second write is refused."""
    app, sessions, _call, ref = _committed_world(committed_db, tmp_path, clock)
    law = app.extensions["casework"].law
    first, second = sessions(), sessions()
    try:
        cases = [s.scalar(select(Case).where(Case.reference == ref)) for s in (first, second)]
        users = [
            s.scalar(select(User).where(User.email == e))
            for s, e in ((first, "o1@t"), (second, "o2@t"))
        ]
        assert cases[0].version == cases[1].version
        perform(
            first,
            cases[0],
            "decide",
            dict(DECISION),
            Actor.of(users[0]),
            Party.AUTHORITY,
            today=clock.today(),
            law=law,
        )
        first.commit()
        try:
            perform(
                second,
                cases[1],
                "decide",
                dict(DECISION),
                Actor.of(users[1]),
                Party.AUTHORITY,
                today=clock.today(),
                law=law,
            )
            second.commit()
            raised = None
        except Conflict as exc:
            raised = exc
            second.rollback()
        assert raised is not None and "changed by someone else" in raised.detail
    finally:
        first.close()
        second.close()
    with Session(committed_db) as s:
        assert s.scalar(select(func.count()).select_from(Decision)) == 1
