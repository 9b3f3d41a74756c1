"""Each participation-request notice says what the law requires, and can be fetched.

Notices are read back through GET /api/v1/cases/{ref}/notices[/{id}], as plain text and
as HTML, exactly as a body or an officer would get them. Expected dates are worked out by
hand from docs/law.md in the comments beside them.
"""

from __future__ import annotations

import datetime as dt
import html

import pytest

from tests.casework.conftest import Caller, World, decide, submitted, validated
from workflows import participation as pr


def _move(clock, day: str) -> None:
    clock.fixed = dt.datetime.fromisoformat(f"{day}T09:00:00+00:00")


def _notices(caller: Caller, ref: str, kind: str) -> list[dict]:
    r = caller.get(f"/api/v1/cases/{ref}/notices")
    assert r.status_code == 200, r.json
    return [n for n in r.json if n["kind"] == kind]


def _text(caller: Caller, ref: str, notice: dict) -> str:
    r = caller.get(f"/api/v1/cases/{ref}/notices/{notice['id']}", headers={"Accept": "text/plain"})
    assert r.status_code == 200 and r.mimetype == "text/plain"
    return r.get_data(as_text=True)


def _html(caller: Caller, ref: str, notice: dict) -> str:
    r = caller.get(f"/api/v1/cases/{ref}/notices/{notice['id']}", headers={"Accept": "text/html"})
    assert r.status_code == 200 and r.mimetype == "text/html"
    return r.get_data(as_text=True)


def _only(caller: Caller, ref: str, kind: str) -> str:
    (notice,) = _notices(caller, ref, kind)
    return _text(caller, ref, notice)


def _paragraphs(text: str) -> str:
    """The text with lines joined, so a phrase split across lines still matches."""
    return " ".join(text.split())


# -- reg 4(1): missing items ------------------------------------------------------------


def test_reg4_1_missing_items_notice_lists_each_missing_item_and_only_those(world: World):
    ref = submitted(world)  # the officer finds two answers wanting
    r = world.officer.act(
        ref,
        "request_missing_items",
        {"missing": ["reasons", "expected_improvement"], "note": "Say how many crossings."},
    )
    assert r.status_code == 200, r.json

    (notice,) = _notices(world.body, ref, "missing_items")
    assert (notice["recipient"], notice["recipient_role"]) == ("Kinghorn Community Trust", "body")
    assert notice["citation"] == "SSI 2017/39 reg 4(1)" and notice["public"] is False
    text = _text(world.body, ref, notice)
    listed = [line[2:] for line in text.splitlines() if line.startswith("- ")]
    assert listed == [pr.REQUEST_ITEMS["reasons"], pr.REQUEST_ITEMS["expected_improvement"]]
    assert "Say how many crossings." in text
    assert ref in text and "Fife Council" in text
    # The decision period has not started: the request is not yet valid (reg 5).
    assert "validation date will be the day the last required item arrives" in _paragraphs(text)


# -- regs 4-5: acknowledgement ----------------------------------------------------------


def test_reg4_acknowledgement_gives_the_validation_date_and_the_30_day_decision_period(world):
    ref = validated(world)  # validated on Wednesday 1 April 2026
    text = _paragraphs(_only(world.body, ref, "acknowledgement"))
    assert "The validation date is Wednesday 1 April 2026" in text
    assert "30 working days beginning with the validation date" in text
    # 30 working days beginning Wed 1 April 2026 (only weekends are skipped, reg 2):
    # 1-3 (3), 6-10 (8), 13-17 (13), 20-24 (18), 27-30 (22), 1 May (23), 4-8 (28), 11-12 (30).
    assert "decision notice by Tuesday 12 May 2026" in text
    assert "SSI 2017/39 reg 7" in text
    # The notice says in plain words which days count: Good Friday (3 April) is one.
    assert "except Saturdays, Sundays, 25 and 26 December and 1 and 2 January" in text
    assert "Good Friday" in text
    # What the body must do, and where to get help.
    assert "What you need to do" in text
    assert f"quoting reference {ref}" in text and "Fife Council" in text
    # No officer working-out: the notice is written for the body.
    assert "Days not counted" not in text and "Where this comes from" not in text


def test_reg4_acknowledgement_gives_the_45_day_period_with_other_authorities(world):
    ref = validated(world, additional_authorities=["NHSF", "SEPA"])
    text = _paragraphs(_only(world.body, ref, "acknowledgement"))
    assert "45 working days beginning with the validation date" in text
    assert "because other public service authorities are involved" in text
    # 45 working days beginning Wed 1 April 2026: 23 by 1 May (above), 4-8 (28),
    # 11-15 (33), 18-22 (38), 25-29 (43), 1-2 June (45).
    assert "decision notice by Tuesday 2 June 2026" in text
    assert "NHS Fife" in text and "Scottish Environment Protection Agency" in text


def test_reg5_corrected_validation_date_is_acknowledged_again_with_the_reason(world, clock):
    ref = submitted(world)
    _move(clock, "2026-04-02")
    world.officer.act(ref, "validate")
    r = world.officer.act(
        ref,
        "correct_validation_date",
        {"received_on": "2026-03-31", "received_by": "post", "reason": "Posted in first."},
    )
    assert r.status_code == 200, r.json
    first, second = _notices(world.body, ref, "acknowledgement")
    # Submitted online on Wed 1 April: 30 working days end on Tue 12 May 2026.
    text = _paragraphs(_text(world.body, ref, first))
    assert "1 April 2026" in text and "12 May 2026" in text
    text = _paragraphs(_text(world.body, ref, second))
    assert "corrects the validation date" in text and "Posted in first." in text
    # Beginning Tue 31 March: 31 (1), 1-3 April (4), 6-10 (9), 13-17 (14), 20-24 (19),
    # 27-30 (23), 1 May (24), 4-8 (29), 11 May (30).
    assert "31 March 2026" in text and "11 May 2026" in text


# -- reg 6: notice to each additional authority -----------------------------------------


def test_reg6_each_additional_authority_gets_its_own_notice_with_a_copy_and_reply_date(
    world, clock
):
    ref = validated(world, additional_authorities=["NHSF", "SEPA"])
    world.officer.act(ref, "notify_additional_authorities")

    notices = _notices(world.officer, ref, "additional_authority_notice")
    assert {(n["recipient"], n["recipient_role"]) for n in notices} == {
        ("NHS Fife", "additional_authority"),
        ("Scottish Environment Protection Agency", "additional_authority"),
    }
    for notice in notices:
        text = _text(world.officer, ref, notice)
        flat = _paragraphs(text)
        assert f"To: {notice['recipient']}" in text
        # A copy of the request (reg 6(1)): every s.22 item, as the body gave it.
        case = world.officer.case(ref)
        for item in pr.REQUEST_ITEMS:
            assert " ".join(case[item].split()) in flat
        # 15 working days beginning Wed 1 April 2026: 1-3 (3), 6-10 (8), 13-17 (13),
        # 20-21 (15): Tuesday 21 April 2026.
        assert "by Tuesday 21 April 2026" in flat
        assert "if you will not, give your reasons" in flat
        assert "SSI 2017/39 reg 6(2)" in flat


def test_reg6_notice_goes_to_the_authoritys_address(world, session):
    from sqlalchemy import select

    from casework.models import Notice

    ref = validated(world, additional_authorities=["NHSF"])
    world.officer.act(ref, "notify_additional_authorities")
    (row,) = session.scalars(select(Notice).where(Notice.kind == "additional_authority_notice"))
    assert row.recipient_email == "cer@nhsfife.test"
    assert ref in row.subject


# -- s.24, s.25, reg 8: the decision notice ---------------------------------------------


def test_s24_refusal_notice_states_the_reasons_and_every_matter_considered(world):
    ref = validated(world)
    decide(world, ref, "refused", reasons="The service closes in June; there is no process.")
    (notice,) = _notices(world.body, ref, "decision_notice")
    assert notice["public"] is True  # reg 8
    text = _paragraphs(_text(world.body, ref, notice))
    assert "has refused the participation request" in text
    assert "The service closes in June; there is no process." in text
    for label in pr.CONSIDERATIONS.values():
        assert f"{label[:1].upper()}{label[1:]}: Considered: {label}" in text
    assert "no appeal" in text


def test_s25_2_agreement_to_an_existing_process_says_how_it_works_its_stage_and_how_to_join(
    world,
):
    ref = validated(world)
    decide(
        world,
        ref,
        "agreed",
        process="existing",
        process_description="The school travel plan steering group meets each term.",
        process_stage="Consultation on the draft plan closes in May.",
        participation_arrangements="Two trust members join the steering group.",
    )
    text = _paragraphs(_only(world.body, ref, "decision_notice"))
    assert "has agreed the participation request" in text
    assert "section 25(2)" in text
    assert "The school travel plan steering group meets each term." in text
    assert "Consultation on the draft plan closes in May." in text
    assert "Two trust members join the steering group." in text
    assert "section 26" not in text  # no comment period for an existing process


def test_s25_3_agreement_to_a_new_process_invites_comments_within_28_days(world):
    ref = validated(world)
    decide(world, ref, "agreed", process="new", process_description="A working group.")
    text = _paragraphs(_only(world.body, ref, "decision_notice"))
    assert "has agreed the participation request" in text
    assert "section 25(3)" in text and "A working group." in text
    # 28 days beginning with Wed 1 April 2026 end on Tue 28 April 2026 (s.26).
    assert (
        "send us your comments by Tuesday 28 April 2026. That is 28 days beginning with the "
        "date of this notice (section 26)"
    ) in text
    assert "section 26(5)" in text


# -- s.26(5), reg 9; s.29, reg 10; s.31 ---------------------------------------------------


def _agreed_new(world: World, clock) -> str:
    ref = validated(world)
    decide(world, ref, "agreed", process="new")
    return ref


@pytest.mark.parametrize("commented", [True, False])
def test_s26_5_process_notice_describes_the_process_and_the_90_days(world, clock, commented):
    ref = _agreed_new(world, clock)
    if commented:
        _move(clock, "2026-04-10")
        world.body.act(ref, "comment_on_process", {"comments": "Include the crossing patrol."})
    _move(clock, "2026-04-29" if not commented else "2026-04-13")
    world.officer.act(
        ref,
        "issue_process_notice",
        {"process_description": "A working group with the crossing patrol, meeting monthly."},
    )
    (notice,) = _notices(world.body, ref, "process_notice")
    assert notice["public"] is True  # reg 9
    text = _paragraphs(_text(world.body, ref, notice))
    assert "A working group with the crossing patrol, meeting monthly." in text
    if commented:
        assert "comments the body made on Friday 10 April 2026" in text
        # 90 days beginning with 13 April 2026: 17 days to 30 April, 31 to 31 May (48),
        # 30 to 30 June (78), 11 more: 11 July 2026 (s.28).
        assert "by Saturday 11 July 2026 (section 28)" in text
    else:
        assert "made no comments" in text
        # 90 days beginning with 29 April 2026: 1 day to 30 April, 31 to 31 May (32),
        # 30 to 30 June (62), 27 more: 27 July 2026.
        assert "by Monday 27 July 2026 (section 28)" in text


def _running(world: World) -> str:
    ref = validated(world)
    decide(world, ref, "agreed", process="existing")
    return ref


def test_s29_process_change_notice_describes_the_change_and_is_published(world):
    ref = _running(world)
    world.officer.act(
        ref, "record_process_change", {"description": "Meetings move to the community centre."}
    )
    (notice,) = _notices(world.body, ref, "process_change_notice")
    assert notice["public"] is True and notice["citation"] == "s.29; SSI 2017/39 reg 10"
    text = _paragraphs(_text(world.body, ref, notice))
    assert "Meetings move to the community centre." in text
    assert "regulation 10" in text


def test_s31_outcome_report_says_what_changed_the_influence_and_keeping_informed(world):
    ref = _running(world)
    r = world.officer.act(
        ref,
        "record_outcome_views",
        {
            "views_of_body": "The trust found the group listened; it wants a third crossing.",
            "views_of_others": "The parents' council asked for earlier meetings.",
        },
    )
    assert r.status_code == 200, r.json
    r = world.officer.act(
        ref,
        "publish_outcome_report",
        {
            "what_changed": "Two crossings were built and a 20 mph zone introduced.",
            "influence_of_body": "The trust's survey chose the crossing sites.",
            "keeping_informed": "Quarterly updates at community council meetings.",
        },
    )
    assert r.json["state"] == "completed"
    (notice,) = _notices(world.body, ref, "outcome_report")
    assert notice["public"] is True and notice["citation"] == "s.31"
    text = _text(world.body, ref, notice)
    sections = {
        "What changed": "Two crossings were built and a 20 mph zone introduced.",
        "How far the body's participation influenced the change": (
            "The trust's survey chose the crossing sites."
        ),
        "How the body will be kept informed": "Quarterly updates at community council meetings.",
    }
    for heading, content in sections.items():
        assert f"## {heading}\n\n{content}" in text
    # s.31(3)-(4): the views sought of the body and the other participants are in it.
    assert "The trust found the group listened; it wants a third crossing." in text
    assert "The parents' council asked for earlier meetings." in text


# -- retrieval ------------------------------------------------------------------------


def test_notice_html_is_escaped_and_says_the_same_as_the_text(world):
    ref = validated(world)
    decide(world, ref, "refused", reasons="<script>alert(1)</script> & other reasons")
    (notice,) = _notices(world.officer, ref, "decision_notice")
    page = _html(world.officer, ref, notice)
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; other reasons" in page
    assert page.startswith("<!DOCTYPE html>")
    text = _text(world.officer, ref, notice)
    for line in text.splitlines():
        line = line.removeprefix("## ").removeprefix("# ").removeprefix("- ")
        assert html.escape(line, quote=False) in page.replace("&#39;", "'").replace(
            "&#34;", '"'
        ).replace("&quot;", '"')


def test_notice_as_json_has_both_renderings_and_format_parameter_works(world):
    ref = validated(world)
    (notice,) = _notices(world.officer, ref, "acknowledgement")
    url = f"/api/v1/cases/{ref}/notices/{notice['id']}"
    data = world.officer.get(url).json
    assert data["kind"] == "acknowledgement"
    assert data["body_text"] == _text(world.officer, ref, notice)
    assert data["body_html"] == _html(world.officer, ref, notice)
    assert world.officer.get(f"{url}?format=text").get_data(as_text=True) == data["body_text"]
    assert world.officer.get(f"{url}?format=html").get_data(as_text=True) == data["body_html"]


def test_notice_of_another_case_is_404_on_this_case(world):
    one, two = validated(world), validated(world)
    (notice,) = _notices(world.officer, two, "acknowledgement")
    r = world.officer.get(f"/api/v1/cases/{one}/notices/{notice['id']}")
    assert r.status_code == 404 and r.mimetype == "application/problem+json"
    assert world.officer.get(f"/api/v1/cases/{one}/notices/999999").status_code == 404


def test_issued_notice_is_kept_as_issued_when_the_case_changes_later(world):
    ref = validated(world, additional_authorities=["NHSF"])
    (ack,) = _notices(world.body, ref, "acknowledgement")
    before = _text(world.body, ref, ack)
    world.officer.act(ref, "agree_extension", {"new_due_date": "2026-07-31"})
    assert _text(world.body, ref, ack) == before
    assert "2 June 2026" in _paragraphs(before)
