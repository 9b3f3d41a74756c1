"""The public representation API is rate-limited per client address, and has a honeypot.

A flood from one address gets 429 (problem+json, with Retry-After) without losing what was
already accepted; another address is not affected. A submission that fills in the honeypot
field, which people never see, is answered as a success would be but stores nothing.
"""

from __future__ import annotations

from sqlalchemy import func, select

from casework.models import Event, Representation
from tests.casework.conftest import World, open_for_representations

FLOODER = "203.0.113.7"
NEIGHBOUR = "198.51.100.23"


def _represent(world: World, ref: str, ip: str, n: int, **extra):
    payload = {
        "name": f"Resident {n}",
        "address": f"{n} Main Street, Kinghorn",
        "text": f"Representation number {n} on the request.",
        **extra,
    }
    return world.public.post(
        f"/api/v1/cases/{ref}/representations",
        json=payload,
        environ_overrides={"REMOTE_ADDR": ip},
    )


def _count(session, model) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model))


def test_the_eleventh_representation_from_one_address_in_an_hour_gets_429(
    world: World, clock, session
):
    ref = open_for_representations(world, clock, world.officer)
    for n in range(1, 11):
        assert _represent(world, ref, FLOODER, n).status_code == 201
    refused = _represent(world, ref, FLOODER, 11)
    assert refused.status_code == 429
    assert refused.mimetype == "application/problem+json"
    assert refused.json["status"] == 429
    wait = int(refused.headers["Retry-After"])
    assert 0 < wait <= 3600
    # Every one accepted before the limit is kept; the refused one is not.
    texts = set(session.scalars(select(Representation.text)).all())
    assert texts == {f"Representation number {n} on the request." for n in range(1, 11)}
    # Another address is not affected.
    assert _represent(world, ref, NEIGHBOUR, 12).status_code == 201
    assert _count(session, Representation) == 11


def test_a_filled_in_honeypot_is_answered_as_a_success_but_stores_nothing(
    world: World, clock, session
):
    ref = open_for_representations(world, clock, world.officer)
    events_before = _count(session, Event)
    bot = _represent(world, ref, FLOODER, 1, website="http://spam.example/")
    assert bot.status_code == 201
    assert bot.json["reference"] == ref and bot.json["name"] == "Resident 1"
    assert _count(session, Representation) == 0
    assert _count(session, Event) == events_before
    genuine = _represent(world, ref, NEIGHBOUR, 2, website="")
    assert genuine.status_code == 201
    assert set(genuine.json) == set(bot.json)
    assert _count(session, Representation) == 1


def test_the_honeypot_is_documented_as_to_be_left_empty(app):
    spec = app.test_client().get("/api/v1/openapi.json").json
    schemas = spec["components"]["schemas"]
    body = spec["paths"]["/api/v1/cases/{reference}/representations"]["post"]["requestBody"]
    ref = body["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert "leave empty" in schemas[ref]["properties"]["website"]["description"].lower()
