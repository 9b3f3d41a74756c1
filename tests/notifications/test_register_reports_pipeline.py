"""An annual report reaches the register the way decisions do: the publish event's outbox
row, the relay, a real dramatiq worker on Redis, the publication actor (s.32(1))."""

from __future__ import annotations

from casework.models import RegisterRecord
from tests.casework.conftest import move, submitted
from tests.casework.test_register_reports import publish_report
from tests.notifications.conftest import settle


def test_a_published_report_is_put_on_the_register_by_the_worker(live, world, workers, clock):
    submitted(world)
    move(clock, "2027-04-02")
    with live.sessions() as s:
        publish_report(s, world)
    settle(live)
    items = world.public.get("/api/v1/register/decisions").json["items"]
    [report] = [i for i in items if i["document"] == "annual_report"]
    assert report["reference"] == "FIFE-PR-2026-27"
    assert report["title"] == (
        "Annual report on participation requests, 1 April 2026 to 31 March 2027"
    )
    assert report["community_body"] == "" and report["citation"] == "s.32"
    # A second pass of the relay and workers publishes nothing more.
    settle(live)
    assert live.count(RegisterRecord, RegisterRecord.document == "annual_report") == 1
