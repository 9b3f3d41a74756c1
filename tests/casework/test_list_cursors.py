"""Every list in the API pages by cursor (issue 13): the case timeline and the notices
list carry RFC 8288 `Link` headers to their next and previous pages, and a page read by
cursor costs the same however deep it is."""

from __future__ import annotations

import re

from tests.casework.conftest import World, decide, ok, validated

LINK = re.compile(r'<([^>]+)>; rel="(next|prev)"')


def links(response) -> dict[str, str]:
    found = dict((rel, url) for url, rel in LINK.findall(response.headers.get("Link", "")))
    return {rel: url.removeprefix("http://casework.test") for rel, url in found.items()}


def decided(world: World) -> str:
    """A participation request validated and refused: a timeline of several events and
    notices (the acknowledgement and the decision notice among them)."""
    ref = validated(world)
    ok(decide(world, ref, "refused"))
    return ref


def test_the_timeline_is_walked_by_its_links_forwards_and_back(world: World):
    ref = decided(world)
    whole = world.officer.get(f"/api/v1/cases/{ref}/events?page_size=200").json
    assert len(whole) >= 3
    ids, url, pages = [], f"/api/v1/cases/{ref}/events?page_size=1", []
    while url:
        response = world.officer.get(url)
        assert response.status_code == 200, response.json
        ids += [e["id"] for e in response.json]
        pages.append(url)
        url = links(response).get("next")
    assert ids == [e["id"] for e in whole]  # each once, oldest first
    last = world.officer.get(pages[-1])
    back = world.officer.get(links(last)["prev"]).json
    assert [e["id"] for e in back] == ids[-2:-1]
    assert "prev" not in links(world.officer.get(pages[0]))


def test_the_notices_list_pages_the_same_way_and_a_bad_cursor_is_a_422(world: World):
    ref = decided(world)
    everything = world.officer.get(f"/api/v1/cases/{ref}/notices").json
    assert len(everything) >= 2
    first = world.officer.get(f"/api/v1/cases/{ref}/notices?page_size=1")
    assert [n["id"] for n in first.json] == [everything[0]["id"]]
    second = world.officer.get(links(first)["next"])
    assert [n["id"] for n in second.json] == [everything[1]["id"]]
    assert links(second)["prev"] and "prev" not in links(first)
    bad = world.officer.get(f"/api/v1/cases/{ref}/notices?cursor=bm90LWEtY3Vyc29y")
    assert bad.status_code == 422 and bad.mimetype == "application/problem+json"
    assert world.public.get(f"/api/v1/cases/{ref}/notices?cursor=x").status_code == 404
