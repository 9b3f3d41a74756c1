"""Bad input is a 422 application/problem+json with errors for each field; never a 500.

The cases are generated from the payload schemas themselves (`registry.ACTIONS`), so a
new action or field is covered without another list here.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from marshmallow import fields

from casework.schemas import registry
from tests.casework.conftest import REQUEST, World, new_request, submitted, validated
from workflows import participation as pr
from workflows.rules import Party

PROBLEM = "application/problem+json"
PR_ACTIONS = registry.ACTIONS[pr.KIND]


def _problem(response, status: int) -> dict:
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True))
    assert response.mimetype == PROBLEM
    body = response.json
    assert body["status"] == status and body["title"]
    return body


def _wrong_value(field: fields.Field) -> Any:
    """A JSON value of the wrong type for `field`."""
    if isinstance(field, fields.Dict):
        return ["not", "a", "mapping"]
    if isinstance(field, fields.List):
        return {"not": "a list"}
    if isinstance(field, fields.Boolean):
        return "perhaps"
    if isinstance(field, fields.Date):
        return "2026-02-30"
    if isinstance(field, fields.Integer):
        return "twelve"
    return {"not": "text"}


def _side(world: World, action: str):
    """The caller whose side takes `action`. Whether a caller may act is checked before the
    payload (issue 10), so only they hear about its fields; the other side gets a 403."""
    (party,) = {a.party for a in pr.WORKFLOW.actions if a.trigger == action}
    return world.body if party is Party.BODY else world.officer


WRONG_TYPES = sorted(
    (action, name)
    for action, schema in PR_ACTIONS.items()
    for name, field in schema().fields.items()
    if not field.dump_only
)


# -- malformed bodies ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        ("kind=participation_request", "application/x-www-form-urlencoded"),
        ("not json at all", "text/plain"),
        ('{"kind": "participation_request",', "application/json"),
    ],
    ids=["form", "text", "truncated_json"],
)
def test_create_with_a_body_that_is_not_json_is_422(world: World, data, content_type):
    r = world.body.client.post(
        "/api/v1/cases",
        data=data,
        headers={"Authorization": f"Bearer {world.body.token}", "Content-Type": content_type},
    )
    assert "_schema" in _problem(r, 422)["errors"]


@pytest.mark.parametrize(
    "data", [[], "a string", 42, None], ids=["list", "string", "number", "null"]
)
def test_create_with_json_that_is_not_an_object_is_422_on_kind(world: World, data):
    r = world.body.post("/api/v1/cases", json=data)
    assert "kind" in _problem(r, 422)["errors"]


def test_create_with_an_unknown_kind_is_422_listing_the_kinds(world: World):
    r = world.body.post("/api/v1/cases", json={**REQUEST, "kind": "planning_application"})
    (message,) = _problem(r, 422)["errors"]["kind"]
    assert pr.KIND in message


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"authority": None}, "authority"),
        ({"authority": "NOWHERE"}, "authority"),
        ({"outcome": 42}, "outcome"),
        ({"outcome": "x" * 20001}, "outcome"),
        ({"additional_authorities": "NHSF"}, "additional_authorities"),
        ({"additional_authorities": [1]}, "additional_authorities"),
        ({"community_body": "mine"}, "community_body"),
        ({"colour": "green"}, "colour"),
    ],
    ids=[
        "no_authority",
        "unknown_authority",
        "number_for_text",
        "text_too_long",
        "string_for_list",
        "number_in_list",
        "string_for_id",
        "unknown_field",
    ],
)
def test_create_with_a_bad_field_is_422_naming_it(world: World, override, field):
    payload = {k: v for k, v in {**REQUEST, **override}.items() if v is not None}
    r = world.body.post("/api/v1/cases", json=payload)
    assert field in _problem(r, 422)["errors"]
    assert world.body.get("/api/v1/cases").json["total"] == 0


def test_patch_draft_with_a_wrong_type_is_422_and_changes_nothing(world: World):
    ref = new_request(world)
    r = world.body.patch(f"/api/v1/cases/{ref}", json={"reasons": ["a", "list"]})
    assert "reasons" in _problem(r, 422)["errors"]
    assert world.body.case(ref)["reasons"] == REQUEST["reasons"]


def test_text_with_half_a_surrogate_pair_or_not_in_utf8_is_422(world: World):
    """JSON can escape a lone surrogate; it is no character, so it is refused, not stored."""
    ref = new_request(world)
    raw = '{"reasons": "Ma\\udaea rket"}'
    r = world.body.client.patch(
        f"/api/v1/cases/{ref}",
        data=raw,
        headers={"Authorization": f"Bearer {world.body.token}", "Content-Type": "application/json"},
    )
    assert "reasons" in _problem(r, 422)["errors"]
    assert world.body.case(ref)["reasons"] == REQUEST["reasons"]
    # A whole pair, escaped, is a character like any other.
    raw = '{"reasons": "Market \\ud83d\\ude00"}'
    r = world.body.client.patch(
        f"/api/v1/cases/{ref}",
        data=raw,
        headers={"Authorization": f"Bearer {world.body.token}", "Content-Type": "application/json"},
    )
    assert r.status_code == 200, r.json
    assert world.body.case(ref)["reasons"] == "Market \U0001f600"
    # JSON in UTF-16 (which Python would read) is refused: JSON between systems is UTF-8.
    r = world.body.client.patch(
        f"/api/v1/cases/{ref}",
        data='{"reasons": "In UTF-16"}'.encode("utf-16"),
        headers={"Authorization": f"Bearer {world.body.token}", "Content-Type": "application/json"},
    )
    assert "_schema" in _problem(r, 422)["errors"]
    assert world.body.case(ref)["reasons"] == "Market \U0001f600"


def test_action_with_a_body_that_is_not_json_is_422(world: World):
    ref = submitted(world)
    r = world.officer.client.post(
        f"/api/v1/cases/{ref}/actions/validate",
        data="validation_date=2026-04-01",
        headers={
            "Authorization": f"Bearer {world.officer.token}",
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )
    assert "_schema" in _problem(r, 422)["errors"]
    assert world.officer.case(ref)["state"] == "submitted"


def test_action_with_a_json_list_is_422(world: World):
    ref = submitted(world)
    r = world.officer.act(ref, "validate", ["2026-04-01"])
    assert "_schema" in _problem(r, 422)["errors"]


# -- action names and payloads ----------------------------------------------------------


@pytest.mark.parametrize("action", ["approve", "delete", "decide_now", "make_offer", "VALIDATE"])
def test_unknown_action_name_is_404(world: World, action: str):
    """make_offer is an asset transfer action: it does not exist on a participation request."""
    ref = submitted(world)
    body = _problem(world.officer.act(ref, action, {}), 404)
    assert action in body["detail"]


def test_action_on_an_unknown_case_is_404(world: World):
    _problem(world.officer.act("PR-FIFE-2026-9999", "validate"), 404)


@pytest.mark.parametrize(("action", "field"), WRONG_TYPES, ids=[f"{a}.{f}" for a, f in WRONG_TYPES])
def test_action_field_of_the_wrong_type_is_422_naming_it(world: World, action: str, field: str):
    ref = submitted(world)
    caller = _side(world, action)
    value = _wrong_value(PR_ACTIONS[action]().fields[field])
    before = caller.case(ref)

    r = caller.act(ref, action, {field: value})

    assert field in _problem(r, 422)["errors"]
    after = caller.case(ref)
    assert (after["state"], after["version"]) == (before["state"], before["version"])


@pytest.mark.parametrize("action", sorted(PR_ACTIONS))
def test_action_with_an_unknown_field_is_422_naming_it(world: World, action: str):
    ref = submitted(world)
    r = _side(world, action).act(ref, action, {"surprise": True})
    assert "surprise" in _problem(r, 422)["errors"]


@pytest.mark.parametrize(
    "considerations",
    [["regeneration"], {"regeneration": 5}, {"regeneration": None}, "all considered"],
    ids=["list", "number_value", "null_value", "string"],
)
def test_s24_3_considerations_of_the_wrong_shape_are_422(world: World, considerations):
    ref = validated(world)
    r = world.officer.act(
        ref,
        "decide",
        {"outcome": "refused", "reasons": "No capacity.", "considerations": considerations},
    )
    assert "considerations" in _problem(r, 422)["errors"]


def test_422_and_409_bodies_say_what_is_wrong(world: World):
    ref = validated(world)
    body = _problem(world.officer.act(ref, "decide", {"outcome": "refused"}), 422)
    assert body["detail"] and isinstance(body["errors"], dict)
    body = _problem(world.body.act(ref, "submit"), 409)
    assert "submit" in body["detail"] and body["state"] == "under_consideration"


# -- headers and queries ----------------------------------------------------------------


@pytest.mark.parametrize("header", ["three", "W/x", "*", '"3", "4"', '"3', '3"'])
def test_malformed_if_match_is_422(world: World, header: str):
    ref = submitted(world)
    r = world.officer.act(ref, "validate", {}, headers={"If-Match": header})
    assert "If-Match" in _problem(r, 422)["errors"]


def test_stale_if_match_is_409_with_the_current_version(world: World):
    ref = submitted(world)
    version = world.officer.case(ref)["version"]
    r = world.officer.act(ref, "validate", {}, headers={"If-Match": f'"{version - 1}"'})
    assert _problem(r, 409)["version"] == version
    r = world.officer.act(ref, "validate", {}, headers={"If-Match": f'"{version}"'})
    assert r.json["state"] == "under_consideration"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("page=0", "page"),
        ("page=first", "page"),
        ("page_size=1000", "page_size"),
        ("overdue=perhaps", "overdue"),
        ("due_before=next-week", "due_before"),
        ("sort=colour", "sort"),
        ("state=decided", "state"),
        ("kind=planning_application", "kind"),
    ],
)
def test_bad_list_query_is_422_naming_the_parameter(world: World, query: str, field: str):
    r = world.officer.get(f"/api/v1/cases?{query}")
    assert field in _problem(r, 422)["errors"]


@pytest.mark.parametrize("suffix", ["/notices/abc", "/notices/0", "/nothing-here"])
def test_unknown_paths_under_a_case_are_404_problems(world: World, suffix: str):
    ref = validated(world)
    _problem(world.officer.get(f"/api/v1/cases/{ref}{suffix}"), 404)


def test_wrong_method_is_405_problem(world: World):
    ref = submitted(world)
    r = world.officer.client.delete(
        f"/api/v1/cases/{ref}", headers={"Authorization": f"Bearer {world.officer.token}"}
    )
    _problem(r, 405)


def test_events_page_beyond_the_end_is_empty_not_an_error(world: World):
    ref = submitted(world)
    r = world.officer.get(f"/api/v1/cases/{ref}/events?page=500")
    assert r.status_code == 200 and r.json == []


# -- never a 500 ------------------------------------------------------------------------

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
DATES = st.dates().map(lambda d: d.isoformat())


@st.composite
def action_payloads(draw) -> tuple[str, str, dict[str, Any]]:
    action = draw(st.sampled_from(sorted(PR_ACTIONS)))
    names = sorted(PR_ACTIONS[action]().fields)
    keys = draw(st.lists(st.sampled_from(names), unique=True)) if names else []
    payload = {
        k: draw(JSON | DATES | st.sampled_from(["agreed", "refused", "new", "NHSF"])) for k in keys
    }
    who = draw(st.sampled_from(["officer", "body", "other_officer", "public"]))
    return who, action, payload


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(attempt=action_payloads())
def test_no_payload_to_any_action_gives_a_500(world: World, attempt):
    who, action, payload = attempt
    ref = world.body.get("/api/v1/cases?state=under_consideration").json["items"]
    reference = ref[0]["reference"] if ref else validated(world, additional_authorities=["NHSF"])
    r = getattr(world, who).act(reference, action, payload)
    assert r.status_code in (200, 403, 404, 409, 422), (r.status_code, r.get_data(as_text=True))
    if r.status_code != 200:
        assert r.mimetype == PROBLEM
