"""A participation request from draft to a published outcome report, through the API alone."""

from __future__ import annotations

import datetime as dt

from tests.casework.conftest import REQUEST, considerations


def _move(clock, day: str) -> None:
    clock.fixed = dt.datetime.fromisoformat(f"{day}T09:00:00+00:00")


def _actions(case: dict) -> list[str]:
    return [a["action"] for a in case["available_actions"]]


def _deadline(case: dict, rule: str, key: str = "") -> dict:
    return next(d for d in case["deadlines"] if d["rule"] == rule and d["key"] == key)


def test_new_process_from_draft_to_outcome_report(world, clock):
    body, officer = world.body, world.officer

    # Draft: the reference is fixed at once, and the officer cannot see it yet.
    r = body.post(
        "/api/v1/cases", json={**REQUEST, "additional_authorities": ["NHSF"], "reasons": ""}
    )
    assert r.status_code == 201
    ref = r.json["reference"]
    assert ref == "PR-FIFE-2026-0001"
    assert r.json["state"] == "draft"
    assert officer.get(f"/api/v1/cases/{ref}").status_code == 404

    # The body fixes its draft, guarded by the version it read.
    version = r.json["version"]
    r = body.patch(
        f"/api/v1/cases/{ref}",
        json={"reasons": "We walk the routes daily."},
        headers={"If-Match": f'"{version}"'},
    )
    assert r.status_code == 200
    assert r.json["reasons"] == "We walk the routes daily."
    assert (
        body.patch(
            f"/api/v1/cases/{ref}", json={"reasons": "stale"}, headers={"If-Match": f'"{version}"'}
        ).status_code
        == 409
    )

    assert "submit" in _actions(body.case(ref))
    assert body.act(ref, "submit").json["state"] == "submitted"

    # The officer finds an item missing and says so (reg 4(1)).
    assert set(_actions(officer.case(ref))) >= {"validate", "request_missing_items"}
    r = officer.act(
        ref,
        "request_missing_items",
        {"missing": ["expected_improvement"], "note": "Please be specific."},
    )
    assert r.status_code == 200 and r.json["state"] == "awaiting_information"

    _move(clock, "2026-04-03")  # Good Friday: a working day under SSI 2017/39 reg 2
    r = body.act(
        ref, "supply_information", {"expected_improvement": "Two new crossings by the school gate."}
    )
    assert r.json["state"] == "submitted" and r.json["received_on"] == "2026-04-03"

    # Validation defaults to today; the decision period is 45 working days with others involved.
    r = officer.act(ref, "validate")
    assert r.status_code == 200, r.json
    case = r.json
    assert case["validation_date"] == "2026-04-03"
    decision = _deadline(case, "pr.decision")
    # 45 working days beginning Fri 3 April 2026: April gives 20 (3, 6-10, 13-17, 20-24,
    # 27-30), May gives 21 (1, 4-8, 11-15, 18-22, 25-29): 41 by 29 May; June 1-4 are 42-45.
    assert decision["due_date"] == "2026-06-04"
    assert "45 working days" in decision["explanation"]
    assert decision["citation"] == "SSI 2017/39 reg 7"

    # The other authority is notified, and has 15 working days to reply (reg 6(2)).
    _move(clock, "2026-04-06")  # Easter Monday, also a working day
    r = officer.act(ref, "notify_additional_authorities")
    reply = _deadline(r.json, "pr.additional_authority_reply", "NHSF")
    # 15 working days beginning Mon 6 April: 6-10 (5), 13-17 (10), 20-24 (15).
    assert reply["due_date"] == "2026-04-24"
    r = officer.act(ref, "record_authority_reply", {"authority": "NHSF", "will_participate": True})
    assert _deadline(r.json, "pr.additional_authority_reply", "NHSF")["status"] == "met"

    # An extension agreed with the body replaces the date and keeps the history.
    r = officer.act(ref, "agree_extension", {"new_due_date": "2026-06-30", "note": "summer"})
    decision = _deadline(r.json, "pr.decision")
    assert decision["due_date"] == "2026-06-30"
    assert decision["statutory_due_date"] == "2026-06-04"
    assert "(it was Thursday 4 June 2026). Note: summer." in decision["explanation"]

    # Agreed, with a new process (s.25(3)): the body may comment within 28 days (s.26).
    _move(clock, "2026-05-01")
    r = officer.act(
        ref,
        "decide",
        {
            "outcome": "agreed",
            "process": "new",
            "considerations": considerations(),
            "process_description": "A working group of parents, officers and the police.",
            "other_participants": "Police Scotland's community officer joins the group.",
        },
    )
    assert r.status_code == 200, r.json
    case = r.json
    assert case["state"] == "awaiting_process_comments"
    assert _deadline(case, "pr.decision")["status"] == "met"
    # s.26(3): 28 days beginning with the day the notice is given, Fri 1 May 2026: 28 May.
    assert _deadline(case, "pr.process_representations")["due_date"] == "2026-05-28"
    # s.26(5): the further notice is due within the configurable period (? in the law's
    # restatement: 28 days) beginning with the day after, Fri 29 May: Thu 25 June 2026.
    notice_due = _deadline(case, "pr.process_notice")
    assert (notice_due["start_date"], notice_due["due_date"]) == ("2026-05-29", "2026-06-25")
    assert notice_due["basis"] == "?"
    assert case["decisions"][0]["outcome"] == "agreed"

    # The s.26(5) notice cannot go before the comment period ends, unless the body comments.
    assert "issue_process_notice" in [a["action"] for a in case["blocked_actions"]]
    assert officer.act(ref, "issue_process_notice", {"process_description": "x"}).status_code == 409
    assert (
        body.act(
            ref, "comment_on_process", {"comments": "Please include the crossing patrol."}
        ).status_code
        == 200
    )

    _move(clock, "2026-05-11")
    r = officer.act(
        ref,
        "issue_process_notice",
        {
            "process_description": "A working group including the crossing patrol, meeting monthly.",
        },
    )
    assert r.json["state"] == "establishing_process"
    # 90 days beginning with 11 May 2026: 11 May + 89 days = 8 August 2026.
    assert _deadline(r.json, "pr.process_establish")["due_date"] == "2026-08-08"

    _move(clock, "2026-06-01")
    assert officer.act(ref, "establish_process").json["state"] == "process_running"
    r = officer.act(
        ref, "record_process_change", {"description": "Meetings move to the community centre."}
    )
    assert r.json["state"] == "process_running"

    _move(clock, "2026-11-02")
    # s.31(3)-(4): the report cannot be published before the body's views are sought.
    report = {
        "what_changed": "Two crossings were built and a 20 mph zone introduced.",
        "influence_of_body": "The trust's survey chose the crossing sites.",
        "keeping_informed": "Quarterly updates at community council meetings.",
    }
    assert officer.act(ref, "publish_outcome_report", report).status_code == 409
    r = officer.act(
        ref,
        "record_outcome_views",
        {
            "views_sought_on": "2026-10-19",
            "views_of_body": "The trust found the group listened; it wants a third crossing.",
        },
    )
    assert r.status_code == 200, r.json
    r = officer.act(
        ref,
        "publish_outcome_report",
        {
            "what_changed": "Two crossings were built and a 20 mph zone introduced.",
            "influence_of_body": "The trust's survey chose the crossing sites.",
            "keeping_informed": "Quarterly updates at community council meetings.",
        },
    )
    assert r.status_code == 200
    assert r.json["state"] == "completed"
    assert r.json["closed_on"] == "2026-11-02"
    assert r.json["available_actions"] == []

    # Every notice is retrievable, as HTML and as text.
    notices = officer.get(f"/api/v1/cases/{ref}/notices").json
    assert [n["kind"] for n in notices] == [
        "missing_items",
        "acknowledgement",
        "additional_authority_notice",
        "decision_notice",
        "process_notice",
        "process_change_notice",
        "outcome_report",
    ]
    for n in notices:
        html = officer.get(
            f"/api/v1/cases/{ref}/notices/{n['id']}", headers={"Accept": "text/html"}
        )
        assert html.status_code == 200 and html.mimetype == "text/html"
        assert ref in html.get_data(as_text=True)
        text = officer.get(f"/api/v1/cases/{ref}/notices/{n['id']}?format=text")
        assert text.mimetype == "text/plain"
        assert n["citation"] in text.get_data(as_text=True)
        assert body.get(f"/api/v1/cases/{ref}/notices/{n['id']}").status_code == 200
    published = {n["kind"] for n in notices if n["public"]}
    assert published == {
        "decision_notice",
        "process_notice",
        "process_change_notice",
        "outcome_report",
    }

    # The timeline records every step and who took it.
    events = officer.get(f"/api/v1/cases/{ref}/events?page_size=200").json
    actions = [e for e in events if e["type"].startswith("action.")]
    assert [e["type"] for e in actions] == [
        "action.submit",
        "action.request_missing_items",
        "action.supply_information",
        "action.validate",
        "action.notify_additional_authorities",
        "action.record_authority_reply",
        "action.agree_extension",
        "action.decide",
        "action.comment_on_process",
        "action.issue_process_notice",
        "action.establish_process",
        "action.record_process_change",
        "action.record_outcome_views",
        "action.publish_outcome_report",
    ]
    by_body = {"action.submit", "action.supply_information", "action.comment_on_process"}
    for e in actions:
        expected = "secretary@kinghorn.test" if e["type"] in by_body else "officer@fife.test"
        assert expected in e["actor"], e


def test_existing_process_goes_straight_to_running(world):
    from tests.casework.conftest import decide, validated

    ref = validated(world)
    r = decide(world, ref, "agreed", process="existing")
    assert r.status_code == 200, r.json
    assert r.json["state"] == "process_running"
    assert r.json["process"]["stage"] == "Consultation on the draft plan"
    assert not any(d["rule"] == "pr.process_representations" for d in r.json["deadlines"])


def test_refusal_ends_the_case_with_reasons_published(world):
    from tests.casework.conftest import decide, validated

    ref = validated(world)
    r = decide(world, ref, "refused", reasons="The service closes next month.")
    assert r.json["state"] == "refused"
    assert r.json["available_actions"] == []
    notice = world.officer.get(f"/api/v1/cases/{ref}/notices").json[-1]
    assert notice["kind"] == "decision_notice" and notice["public"]
    text = world.officer.get(f"/api/v1/cases/{ref}/notices/{notice['id']}?format=text")
    assert "The service closes next month." in text.get_data(as_text=True)
