"""s.31(3)-(4): before the outcome report is published, the authority seeks the requesting
body's views; the body can give them through its own pages, and they go into the report."""

from __future__ import annotations

from tests.casework.conftest import World, decide, notice_text, notices_of, ok, validated

REPORT = {
    "what_changed": "Two crossings were built.",
    "influence_of_body": "The trust's survey chose the sites.",
    "keeping_informed": "Quarterly updates.",
    "service_changed": True,
}


def test_s31_3_the_body_gives_its_views_itself_and_they_are_in_the_report(world: World):
    ref = validated(world)
    ok(decide(world, ref, process="existing"))
    offered = [a["action"] for a in world.body.case(ref)["available_actions"]]
    assert "give_outcome_views" in offered
    # Not yet: the report waits for the views (s.31(3)).
    assert world.officer.act(ref, "publish_outcome_report", REPORT).status_code == 409
    # Blank views are not views.
    blank = world.body.act(ref, "give_outcome_views", {"views": "  "})
    assert blank.status_code == 422 and "views" in blank.json["errors"]
    # Only the body gives its own views this way; the authority records others'.
    assert world.officer.act(ref, "give_outcome_views", {"views": "x"}).status_code == 403

    words = "The group listened, but met at times parents could not come."
    ok(world.body.act(ref, "give_outcome_views", {"views": words}))
    ok(world.officer.act(ref, "publish_outcome_report", REPORT), "completed")
    (report,) = [n for n in notices_of(world.body, ref) if n["kind"] == "outcome_report"]
    assert words in " ".join(notice_text(world.body, ref, report).split())
