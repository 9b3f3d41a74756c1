"""Notices read cleanly: on the web their headings are headings and their lists are lists,
each matter considered says what the officer wrote about it, the opening names the request
by its title beside its reference, and the notices to a body and to a person who made a
representation pass the same reader's checks as every other notice."""

from __future__ import annotations

import re

from sqlalchemy import select

from casework.models import Case, Notice
from casework.notices import notice_markup, text_to_fragment
from tests.casework.conftest import (
    World,
    decide,
    land_entry,
    move,
    ok,
    open_for_representations,
    ready_to_decide,
    submitted,
    validated,
)
from tests.casework.test_notice_wording import check, problems
from workflows import asset_transfer as atr
from workflows import participation as pr


def notices_of(session, reference: str, kind: str) -> list[Notice]:
    session.expire_all()
    return list(
        session.scalars(
            select(Notice)
            .join(Case, Case.id == Notice.case_id)
            .where(Case.reference == reference, Notice.kind == kind)
            .order_by(Notice.id)
        )
    )


def test_headings_and_lists_are_html_wherever_they_stand_and_everything_is_escaped():
    text = (
        "# A notice\n\nReference: X\n## Decision\nWe agree.\n\n"
        "We have other requests:\n- one\n- two <b>bold</b>\n\nAfter the list.\n"
    )
    html = text_to_fragment(text, top=2)
    assert "<h2>A notice</h2>" in html
    assert "<h3>Decision</h3>\n<p>We agree.</p>" in html  # no blank line needed after it
    assert "<p>We have other requests:</p>\n<ul><li>one</li>" in html
    assert "<li>two &lt;b&gt;bold&lt;/b&gt;</li></ul>" in html
    assert "#" not in html and "<b>" not in html
    assert str(notice_markup(text)) == html  # the Jinja filter's function is the same


def written(labels: dict[str, str], what: str) -> dict[str, str]:
    """What an officer writes about each matter: different words for each."""
    return {k: f"{what} {n}: weighed against the evidence." for n, k in enumerate(labels, 1)}


def test_each_matter_considered_says_what_the_officer_wrote(world: World, session, clock):
    land = land_entry(world.officer, uprn="320012345")
    ref = ready_to_decide(world, clock, world.officer, land=land, title="Save the town hall")
    mine = written(atr.CONSIDERATIONS, "Matter")
    mine["regeneration"] = "The hall would bring\nthe square back to life."  # two lines
    ok(
        world.officer.act(
            ref,
            "decide",
            {"outcome": "refused", "reasons": "Storage is needed.", "considerations": mine},
        )
    )
    [notice] = notices_of(session, ref, "decision_notice")
    text = notice.body_text
    assert f"Reference: {ref}: Save the town hall\nDate of this notice:" in text
    for key, label in atr.CONSIDERATIONS.items():
        words = " ".join(mine[key].split())
        assert f"- {label[:1].upper()}{label[1:]}: {words}\n" in text, key
    assert "Considered" not in text
    html = text_to_fragment(text, top=2)
    assert "<h3>Decision</h3>" in html and "<h3>Matters considered (section 82(3))</h3>" in html
    assert html.count("<li>") == len(atr.CONSIDERATIONS)
    assert "The hall would bring the square back to life.</li>" in html
    assert "## " not in html
    check(session, ref)


def test_a_participation_decision_lists_each_matter_and_opens_with_the_title(
    world: World, session, clock
):
    ref = validated(world, title="Safer routes to Glenbrae primary school")
    mine = written(pr.CONSIDERATIONS, "Point")
    ok(decide(world, ref, "refused", reasons="The service closes.", considerations=mine))
    [notice] = notices_of(session, ref, "decision_notice")
    assert f"Reference: {ref}: Safer routes to Glenbrae primary school\n" in notice.body_text
    for key in pr.CONSIDERATIONS:
        assert f": {mine[key]}\n" in notice.body_text
    [ack] = notices_of(session, ref, "acknowledgement")
    assert f"Reference: {ref}: Safer routes to Glenbrae primary school\n" in ack.body_text
    check(session, ref)


def test_an_untitled_request_opens_with_its_reference_alone(world: World, session, clock):
    """Requests made before titles were asked for have none."""
    move(clock, "2026-04-01")
    ref = submitted(world)
    move(clock, "2026-04-02")
    ok(world.officer.act(ref, "validate"))
    session.scalar(select(Case).where(Case.reference == ref)).title = None
    session.commit()
    ok(
        world.officer.act(
            ref,
            "correct_validation_date",
            {"received_on": "2026-03-31", "received_by": "post", "reason": "Posted in first."},
        )
    )
    *_, ack = notices_of(session, ref, "acknowledgement")
    assert f"Reference: {ref}\nDate of this notice:" in ack.body_text


def test_the_receipt_for_a_representation_reads_as_a_notice_and_goes_to_that_person(
    app, world: World, session, clock
):
    ref = open_for_representations(world, clock, world.officer, title="Save the town hall")
    client = app.test_client()
    client.environ_base["wsgi.url_scheme"] = "https"
    form = client.get(f"/representations/{ref}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)[1]
    sent = client.post(
        f"/representations/{ref}",
        data={
            "csrf_token": token,
            "name": "Ann Resident",
            "email": "ann@resident.test",
            "address": "9 Private Close",
            "text": "I support it.",
            "send": "yes",
        },
    )
    assert sent.status_code == 302
    [receipt] = notices_of(session, ref, "representation_receipt")
    assert receipt.recipient_email == "ann@resident.test"
    assert receipt.recipient == "Ann Resident"
    assert problems(receipt.body_text) == []
    assert "9 Private Close" not in receipt.body_text  # the postal address stays out
    assert f"Reference: {ref}: Save the town hall\n" in receipt.body_text
    check(session, ref)  # with the owners', public and receipt notices of the case
