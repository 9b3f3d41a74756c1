"""What a community body or the public reads is written for them (issue 9, parts 3 and 3a).

Complete journeys of both kinds of request are driven through the API, through as many
notices as they can issue; then every Notice row issued (its subject, its text and its HTML)
is read as a body or a member of the public would read it:

- dates in words, with the right weekday ("Tuesday 21 April 2026"), never ISO dates;
- no rule ids (pr.decision, atr.representations, annual_report);
- no basis markers ("(V: checked ...", "(G", "?:");
- no internal names: the workflows' states, actions and notice kinds;
- no officer's working-out of a deadline;
- where to get help: the authority, and the reference to quote.

Dates are worked out by hand in the comments, from the counting table of docs/law.md.
"""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select

from casework.kinds import KINDS
from casework.models import Case, Notice
from tests.casework.conftest import (
    REASONS_FOR_REVIEW,
    REQUEST,
    World,
    asset_request,
    considerations,
    decide,
    decide_atr,
    land_entry,
    move,
    offer_made_atr,
    ok,
    open_for_representations,
    ready_to_decide,
    run_sweep,
    submitted,
    validated,
)
from workflows.rules import RULE_IDS

MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
RULE_ID = re.compile(r"\b(pr|atr)\.[a-z_]+")
# "(V: checked ...", "(G)", "(? ", and "V:", "G:", "?:" standing alone.
MARKER = re.compile(r"\((V|G|\?)[:)\s]|(?<!\w)(V|G|\?):")
# A date with a year: it must follow its weekday, and the weekday must be right.
DATE_WITH_YEAR = re.compile(rf"(?:(\w+) )?\b(\d{{1,2}}) ({MONTHS}) (\d{{4}})\b")
SNAKE_CASE = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")
INTERNAL_NAMES = sorted(
    {
        name
        for kind in KINDS.values()
        for name in (*kind.workflow.states, *kind.workflow.triggers, *kind.workflow.notices)
        if "_" in name
    }
    | {"under_consideration", "representations_open", "refused_pending"}
    | set(RULE_IDS)
)
# The officer's working-out of a deadline (workflows.periods, workflows.rules) is for the
# case page, not for notices.
WORKING_OUT = (
    "Where this comes from",
    "Days not counted",
    "Bank holidays counted as working days",
    "That day is a working day, so it is day 1",
    "may configure it",
    "How this date was worked out",
    "(setting ",
)


def problems(text: str) -> list[str]:
    """Everything in `text` that is not written for its reader."""
    found = [f"ISO date {m.group()}" for m in ISO_DATE.finditer(text)]
    found += [f"rule id {m.group()}" for m in RULE_ID.finditer(text)]
    found += [f"basis marker {m.group()!r}" for m in MARKER.finditer(text)]
    found += [f"internal name {name}" for name in INTERNAL_NAMES if name in text]
    found += [f"internal name {m.group()}" for m in SNAKE_CASE.finditer(text)]
    found += [f"working-out {phrase!r}" for phrase in WORKING_OUT if phrase in text]
    for m in DATE_WITH_YEAR.finditer(text):
        weekday, day, month, year = m.groups()
        date = dt.datetime.strptime(f"{day} {month} {year}", "%d %B %Y").date()
        if weekday != f"{date:%A}":
            found.append(f"date without its weekday ({date:%A}): {m.group()!r}")
    return found


def issued(session, reference: str) -> list[Notice]:
    session.expire_all()
    return list(
        session.scalars(
            select(Notice)
            .join(Case, Case.id == Notice.case_id)
            .where(Case.reference == reference)
            .order_by(Notice.id)
        )
    )


def check(session, *references: str) -> set[str]:
    """Read every notice of the cases as its reader would; return the kinds read."""
    kinds, failures = set(), []
    for reference in references:
        notices = issued(session, reference)
        assert notices, f"{reference} has no notices"
        for n in notices:
            kinds.add(n.kind)
            where = f"{reference} {n.kind} to {n.recipient}"
            for part, text in (("subject", n.subject), ("text", n.body_text)):
                failures += [f"{where} ({part}): {p}" for p in problems(text)]
            # The HTML is made from the same text, escaped: no ISO date or rule id there.
            failures += [
                f"{where} (html): {p}"
                for p in problems(n.body_html)
                if p.startswith(("ISO date", "rule id"))
            ]
            flat = " ".join(n.body_text.split())
            # The date of the notice, in words.
            assert f"Date of this notice: {n.issued_on:%A} {n.issued_on.day} " in flat, where
            # Where to get help: the authority, and the reference to quote.
            if "## If you have questions" not in n.body_text:
                failures.append(f"{where}: says nowhere where to get help")
            if f"quoting reference {reference}" not in flat:
                failures.append(f"{where}: gives no reference to quote")
    assert failures == [], "\n".join(failures)
    return kinds


def flat_text(session, reference: str, kind: str) -> str:
    [*_, notice] = [n for n in issued(session, reference) if n.kind == kind]
    return " ".join(notice.body_text.split())


def notice_kinds(kind: str) -> set[str]:
    return set(KINDS[kind].workflow.notices)


# -- participation requests ---------------------------------------------------------------


def pr_new_process(world: World, clock) -> str:
    """From draft, with a missing item and another authority, to the outcome report."""
    body, officer = world.body, world.officer
    move(clock, "2026-04-01")
    r = body.post("/api/v1/cases", json={**REQUEST, "additional_authorities": ["NHSF"]})
    assert r.status_code == 201, r.json
    ref = r.json["reference"]
    ok(body.act(ref, "submit"), "submitted")
    ok(
        officer.act(
            ref,
            "request_missing_items",
            {"missing": ["reasons"], "note": "Say why the trust should take part."},
        ),
        "awaiting_information",
    )
    move(clock, "2026-04-03")
    ok(body.act(ref, "supply_information", {"reasons": "Parents walk the routes daily."}))
    ok(officer.act(ref, "validate"))
    move(clock, "2026-04-06")
    ok(officer.act(ref, "notify_additional_authorities"))
    ok(
        officer.act(
            ref,
            "record_authority_reply",
            {"authority": "NHSF", "will_participate": False, "reasons": "No local service."},
        )
    )
    ok(officer.act(ref, "agree_extension", {"new_due_date": "2026-06-30", "note": "summer"}))
    move(clock, "2026-05-01")
    ok(
        officer.act(
            ref,
            "decide",
            {
                "outcome": "agreed",
                "process": "new",
                "considerations": considerations(),
                "process_description": "A working group of parents, officers and the police.",
                "participation_arrangements": "Two trust members sit on the working group.",
                "other_participants": "Police Scotland's community officer joins the group.",
            },
        )
    )
    ok(body.act(ref, "comment_on_process", {"comments": "Please include the crossing patrol."}))
    move(clock, "2026-05-11")
    ok(
        officer.act(
            ref,
            "issue_process_notice",
            {"process_description": "A working group with the crossing patrol, monthly."},
        )
    )
    move(clock, "2026-06-01")
    ok(officer.act(ref, "establish_process"), "process_running")
    ok(officer.act(ref, "record_process_change", {"description": "Meetings move to the hall."}))
    move(clock, "2026-11-02")
    ok(
        officer.act(
            ref,
            "record_outcome_views",
            {
                "views_sought_on": "2026-10-19",
                "views_of_body": "The group listened; the trust wants a third crossing.",
                "views_of_others": "The community council found the meetings useful.",
            },
        )
    )
    ok(
        officer.act(
            ref,
            "publish_outcome_report",
            {
                "what_changed": "Two crossings were built and a 20 mph zone introduced.",
                "influence_of_body": "The trust's survey chose the crossing sites.",
                "keeping_informed": "Quarterly updates at community council meetings.",
            },
        ),
        "completed",
    )
    return ref


def pr_others(world: World, clock) -> list[str]:
    """An existing process agreed, a refusal, and a corrected validation date."""
    move(clock, "2026-04-01")
    existing = validated(world)
    ok(
        decide(
            world,
            existing,
            "agreed",
            process="existing",
            other_participants="Head teachers of the two schools also sit on the group.",
        )
    )
    refused = validated(world)
    ok(decide(world, refused, "refused", reasons="The service closes in June."))
    corrected = submitted(world)
    move(clock, "2026-04-02")
    ok(world.officer.act(corrected, "validate"))
    ok(
        world.officer.act(
            corrected,
            "correct_validation_date",
            {"received_on": "2026-03-31", "received_by": "post", "reason": "Posted in first."},
        )
    )
    return [existing, refused, corrected]


def test_participation_request_notices_are_written_for_their_readers(world, session, clock):
    ref = pr_new_process(world, clock)
    others = pr_others(world, clock)
    kinds = check(session, ref, *others)
    assert kinds == notice_kinds("participation_request")

    # The acknowledgement: validated Fri 3 April 2026, with another authority involved, so
    # 45 working days beginning with it: April gives 20 (3, 6-10, 13-17, 20-24, 27-30), May
    # 21 (1, 4-8, 11-15, 18-22, 25-29): 41 by Fri 29 May; 1-4 June are 42-45: Thu 4 June.
    ack = flat_text(session, ref, "acknowledgement")
    assert "The validation date is Friday 3 April 2026." in ack
    assert "We must give you a decision notice by Thursday 4 June 2026." in ack
    assert "45 working days beginning with the validation date" in ack
    assert "every day except Saturdays, Sundays, 25 and 26 December and 1 and 2 January" in ack
    # The reply from NHS Fife: 15 working days beginning with Mon 6 April: 6-10 (5),
    # 13-17 (10), 20-24 (15): Fri 24 April 2026.
    assert "by Friday 24 April 2026 (SSI 2017/39 reg 6(2))" in flat_text(
        session, ref, "additional_authority_notice"
    )
    # The decision notice: how the body and any other person are expected to take part
    # (s.25(3)(b)-(c)), and the body's comments by 28 days beginning with Fri 1 May 2026,
    # Thu 28 May 2026 (s.26).
    decision = flat_text(session, ref, "decision_notice")
    assert "Two trust members sit on the working group." in decision
    assert (
        "How any other person is expected to take part (section 25(3)(c)): Police Scotland's "
        "community officer joins the group."
    ) in decision
    assert "send us your comments by Thursday 28 May 2026" in decision
    # The existing process (s.25(2)(d)).
    assert (
        "How any other person is expected to take part (section 25(2)(d)): Head teachers of "
        "the two schools also sit on the group."
    ) in flat_text(session, others[0], "decision_notice")
    # The outcome report: the views sought (s.31(3)-(4)).
    report = flat_text(session, ref, "outcome_report")
    assert "## Views of the community body and other participants" in "\n".join(
        n.body_text for n in issued(session, ref) if n.kind == "outcome_report"
    )
    assert "On Monday 19 October 2026 we asked Kinghorn Community Trust, and any other" in report
    assert "The group listened; the trust wants a third crossing." in report
    assert "The community council found the meetings useful." in report


# -- asset transfer requests --------------------------------------------------------------

HALL = {"name": "Kinghorn Town Hall", "address": "Town Hall Square, Kinghorn"}


def atr_refused_reviewed_and_appealed(world: World, clock) -> tuple[str, int]:
    """A council's refusal, reviewed by its members (s.86), then appealed (s.88); with a
    missing item, owners' and public notices, representations online and on paper (one
    after the copies were sent), and the body's comments."""
    body, officer = world.body, world.officer
    land = land_entry(officer, **HALL)
    move(clock, "2026-04-01")
    ref = asset_request(world, land=land)
    ok(body.act(ref, "submit"), "submitted")
    ok(
        officer.act(ref, "request_missing_items", {"missing": ["funding"], "note": "Outline."}),
        "awaiting_information",
    )
    ok(body.act(ref, "supply_information", {"funding": "A Scottish Land Fund grant."}))
    ok(officer.act(ref, "validate"), "validated")
    ok(
        officer.act(
            ref,
            "publish_notices",
            {
                "representations_close": "2026-04-30",
                "owners_and_occupiers": [
                    {"name": "Kinghorn Bowling Club", "address": "The pavilion"},
                    {"name": "Fife Libraries", "email": "libraries@fife.test"},
                ],
            },
        ),
        "representations_open",
    )
    r = world.public.post(
        f"/api/v1/cases/{ref}/representations",
        json={"name": "Ann", "email": "ann@example.test", "text": "I support it."},
    )
    assert r.status_code == 201, r.json
    move(clock, "2026-05-01")
    ok(officer.act(ref, "send_representations_to_body", {"comments_by": "2026-05-28"}))
    ok(
        officer.act(
            ref,
            "record_representation",
            {
                "name": "Bob",
                "address": "3 Main Street",
                "text": "I object.",
                "received_on": "2026-04-29",
            },
        )
    )
    ok(body.act(ref, "comment_on_representations", {"comments": "We answer the objection."}))
    ok(decide_atr(officer, ref, "refused"), "refused_pending")
    move(clock, "2026-05-11")
    ok(body.act(ref, "request_review", {**REASONS_FOR_REVIEW, "documents": ["plan.pdf"]}))
    move(clock, "2026-06-01")
    ok(
        officer.act(
            ref,
            "record_review_outcome",
            {"result": "confirm", "decision": "refused", "reasons": "Storage is needed."},
        ),
        "refused_pending",
    )
    move(clock, "2026-06-10")
    ok(body.act(ref, "appeal_to_ministers", REASONS_FOR_REVIEW), "under_appeal")
    move(clock, "2026-08-03")
    ok(
        officer.act(
            ref,
            "record_appeal_outcome",
            {"result": "dismissed", "decision": "refused", "reasons": "The hall is needed."},
        ),
        "refused",
    )
    return ref, land


def atr_repeat_declined(world: World, clock, land: int) -> str:
    move(clock, "2026-08-10")
    repeat = asset_request(world, land=land)
    ok(world.body.act(repeat, "submit"), "submitted")
    ok(
        world.officer.act(
            repeat, "decline_repeat_request", {"reasons": "Nothing has changed since then."}
        ),
        "declined",
    )
    return repeat


def atr_agreed_to_ownership(world: World, clock) -> str:
    """Agreed after an extension of the decision period, offer made, contract concluded."""
    officer = world.officer
    ref = open_for_representations(world, clock, officer)
    move(clock, "2026-04-20")
    ok(officer.act(ref, "agree_extension", {"new_due_date": "2026-11-30", "note": "Valuation."}))
    move(clock, "2026-05-01")
    ok(
        decide_atr(
            officer,
            ref,
            "agreed",
            terms="Sale for £1 with a community-use covenant.",
            terms_differ_significantly=True,
        ),
        "agreed",
    )
    move(clock, "2026-06-01")
    ok(world.body.act(ref, "make_offer", {"offer": "£1 on the agreed terms."}), "offer_made")
    move(clock, "2026-09-15")
    ok(officer.act(ref, "conclude_contract", {"concluded_on": "2026-09-14"}))
    return ref


def atr_lapsed(world: World, app, session, clock) -> str:
    ref = ready_to_decide(world, clock, world.officer)
    ok(decide_atr(world.officer, ref, "agreed"), "agreed")
    # The offer was due by Sun 1 November 2026; the sweep on Mon 2 November lapses it.
    move(clock, "2026-11-02")
    run_sweep(app, session, clock)
    assert world.body.case(ref)["state"] == "lapsed"
    return ref


def atr_not_determined_then_reviewed(world: World, app, session, clock) -> str:
    officer = world.officer
    ref = open_for_representations(world, clock, officer, transfer_type="lease")
    # 6 months after Wed 1 April 2026 is Thu 1 October 2026; the sweep on Fri 2 October.
    move(clock, "2026-10-02")
    run_sweep(app, session, clock)
    assert world.body.case(ref)["state"] == "not_determined"
    move(clock, "2026-10-05")
    ok(world.body.act(ref, "request_review", REASONS_FOR_REVIEW), "under_review")
    move(clock, "2026-11-02")
    ok(
        officer.act(
            ref,
            "record_review_outcome",
            {
                "result": "substitute",
                "decision": "agreed",
                "reasons": "The members agree the lease.",
                "terms": "A 25-year lease at £1 a year.",
                "offer_by": "2027-05-02",
            },
        ),
        "agreed",
    )
    return ref


def atr_no_contract_appeal(world: World, clock) -> str:
    body, officer = world.body, world.officer
    ref = offer_made_atr(world, clock, officer)
    # The contract period ends Tue 1 December 2026; the appeal the next day.
    move(clock, "2026-12-02")
    ok(body.act(ref, "appeal_no_contract", {"reasons": "No contract was offered to us."}))
    move(clock, "2026-12-09")
    ok(officer.act(ref, "record_no_contract_response", {"response": "Title issues delayed us."}))
    move(clock, "2026-12-16")
    ok(body.act(ref, "comment_on_no_contract_response", {"comments": "The title is clear."}))
    move(clock, "2027-01-20")
    ok(
        officer.act(
            ref,
            "record_no_contract_appeal_outcome",
            {
                "result": "allowed",
                "reasons": "The authority must now conclude the contract.",
                "contract_by": "2027-06-30",
            },
        ),
        "offer_made",
    )
    return ref


def atr_other_routes(world: World, clock) -> list[str]:
    """Scottish Water's refusal appealed to the Ministers (s.85) and allowed; the Ministers'
    own acknowledgement, corrected (s.87 route)."""
    body, water, ministers = world.body, world.water_officer, world.ministers_officer
    ref = ready_to_decide(world, clock, water, authority="SWAT")
    ok(decide_atr(water, ref, "refused"), "refused_pending")
    move(clock, "2026-05-20")
    ok(body.act(ref, "appeal_to_ministers", REASONS_FOR_REVIEW), "under_appeal")
    move(clock, "2026-06-15")
    ok(
        water.act(
            ref,
            "record_appeal_outcome",
            {
                "result": "varied",
                "decision": "agreed",
                "reasons": "Agreed on varied terms.",
                "terms": "Access kept for maintenance.",
                "offer_by": "2026-12-15",
            },
        ),
        "agreed",
    )
    move(clock, "2026-04-01")
    corrected = asset_request(world, authority="SGOV")
    ok(body.act(corrected, "submit"))
    move(clock, "2026-04-10")
    ok(ministers.act(corrected, "validate"))
    ok(
        ministers.act(
            corrected,
            "correct_validation_date",
            {"received_on": "2026-03-31", "received_by": "post", "reason": "Posted in first."},
        )
    )
    return [ref, corrected]


def test_asset_transfer_request_notices_are_written_for_their_readers(world, app, session, clock):
    refused, land = atr_refused_reviewed_and_appealed(world, clock)
    refs = [
        refused,
        atr_repeat_declined(world, clock, land),
        atr_agreed_to_ownership(world, clock),
        atr_lapsed(world, app, session, clock),
        atr_not_determined_then_reviewed(world, app, session, clock),
        atr_no_contract_appeal(world, clock),
        *atr_other_routes(world, clock),
    ]
    kinds = check(session, *refs)
    # Every notice the asset transfer workflow has, but the one for a review not decided in
    # time, whose period is not yet known (docs/law.md).
    assert notice_kinds("asset_transfer_request") - kinds <= {"review_non_determination_notice"}

    # The review outcome names the result in words, and the s.88 appeal date: 20 working
    # days beginning with Mon 1 June 2026: 1-5 (5), 8-12 (10), 15-19 (15), 22-26 (20).
    review = flat_text(session, refused, "review_outcome")
    assert "Result: the decision is confirmed." in review
    assert "You must appeal by Friday 26 June 2026" in review
    # The acknowledgement explains the decision date in words: 6 months after Wed 1 April
    # 2026 is Thu 1 October 2026.
    ack = flat_text(session, refused, "acknowledgement")
    assert "We must give you a decision notice by Thursday 1 October 2026: 6 months after" in ack
    # The invitation to comment: by Thu 28 May 2026, as the officer set it.
    assert "You may comment on these representations by Thursday 28 May 2026" in flat_text(
        session, refused, "invitation_to_comment"
    )


def test_the_checks_find_what_a_reader_should_not_see():
    """The checks themselves: each kind of slip is caught, and plain words pass."""
    plain = (
        "We must give you a decision notice by Tuesday 12 May 2026. That is 30 working days "
        "beginning with the validation date (SSI 2017/39 reg 7). Good Friday (3 April) counts."
    )
    assert problems(plain) == []
    for slip in (
        "by 2026-05-12",
        "rule pr.decision",
        "the atr.representations period",
        "the annual_report",
        "SSI 2017/39 reg 7 (V: checked against the text)",
        "(G: from guidance)",
        "?: not yet confirmed",
        "the case is under_consideration",
        "now representations_open",
        "state refused_pending",
        "by 12 May 2026",
        "by Monday 12 May 2026",
        "Days not counted: Saturday 16 May 2026",
    ):
        assert problems(slip), slip
