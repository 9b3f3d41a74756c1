"""The OpenAPI document at /api/v1/openapi.json describes the participation request API."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from workflows import asset_transfer as atr
from workflows import participation as pr


def test_openapi_3_is_served_without_signing_in(app):
    r = app.test_client().get("/api/v1/openapi.json")
    assert r.status_code == 200 and r.mimetype == "application/json"
    spec = r.json
    assert spec["openapi"].startswith("3.")
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


def test_openapi_lists_every_endpoint_of_issue_2(app):
    paths = app.test_client().get("/api/v1/openapi.json").json["paths"]
    expected = {
        "/api/v1/community-bodies": {"post"},
        "/api/v1/community-bodies/{body_id}": {"get"},
        "/api/v1/cases": {"get", "post"},
        "/api/v1/cases/{reference}": {"get"},
        "/api/v1/cases/{reference}/actions/{action}": {"post"},
        "/api/v1/cases/{reference}/events": {"get"},
        "/api/v1/cases/{reference}/notices": {"get"},
        "/api/v1/cases/{reference}/notices/{notice_id}": {"get"},
    }
    for path, methods in expected.items():
        assert path in paths, path
        assert methods <= set(paths[path]), path


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


def test_every_reference_in_the_openapi_document_resolves(app):
    """A dangling $ref makes the whole document invalid for client generators."""
    spec = app.test_client().get("/api/v1/openapi.json").json
    for ref in set(_refs(spec)):
        node: Any = spec
        for part in ref.removeprefix("#/").split("/"):
            assert part in node, ref
            node = node[part]


def test_openapi_documents_each_action_payload_with_the_s24_3_considerations(app):
    spec = app.test_client().get("/api/v1/openapi.json").json
    schemas = spec["components"]["schemas"]
    act = spec["paths"]["/api/v1/cases/{reference}/actions/{action}"]["post"]
    assert {"409", "422"} <= set(act["responses"])
    offered = {
        ref["$ref"].rsplit("/", 1)[1]
        for ref in act["requestBody"]["content"]["application/json"]["schema"]["oneOf"]
    }
    assert {f"{pr.KIND}.{t}" for t in pr.WORKFLOW.triggers} <= offered
    decide = schemas[f"{pr.KIND}.decide"]["properties"]
    assert {"outcome", "reasons", "considerations", "process"} <= set(decide)
    assert "s.24(3)" in decide["considerations"]["description"]
    assert set(decide["considerations"]["properties"]) == set(pr.CONSIDERATIONS)
    create = schemas["CreateParticipationRequest"]["properties"]
    assert {*pr.REQUEST_ITEMS, "kind", "authority", "additional_authorities"} <= set(create)
    body = schemas["CommunityBody"]["properties"]
    assert {
        "name",
        "contact_address",
        "community_definition",
        "legal_form",
        "member_count",
        "constitution",
    } <= set(body)


# -- finding 12: the document describes what the API returns ------------------------------

PROBLEM = "application/problem+json"


def _spec(app) -> dict:
    return app.test_client().get("/api/v1/openapi.json").json


def _resolve(spec: dict, node: dict) -> dict:
    while "$ref" in node:
        target: Any = spec
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def _operations(spec: dict) -> Iterator[tuple[str, str, dict]]:
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method in {"get", "post", "put", "patch", "delete"}:
                yield path, method, operation


def _problem_schema(spec: dict, operation: dict, status: str) -> dict:
    response = _resolve(spec, operation["responses"][status])
    return _resolve(spec, response["content"][PROBLEM]["schema"])


def test_every_operation_declares_its_errors_as_problem_json(app):
    """A bad token (401) and a bad query or body (422) can come from any operation;
    something not found (404) from one with an id in its path or that writes; a write can
    also be refused (403) or meet the wrong state (409)."""
    spec = _spec(app)
    for path, method, operation in _operations(spec):
        expected = {"401", "422", "default"}
        if "{" in path:
            expected.add("404")
        if method != "get":
            expected |= {"403", "404", "409"}
        assert expected <= set(operation["responses"]), (path, method)
        for status in expected:
            response = _resolve(spec, operation["responses"][status])
            assert set(response["content"]) == {PROBLEM}, (path, method, status)
            properties = _problem_schema(spec, operation, status)["properties"]
            assert {"type", "title", "status", "detail", "errors"} <= set(properties)


def _one_of(spec: dict, operation: dict, status: str) -> list[dict]:
    response = _resolve(spec, operation["responses"][status])
    return [_resolve(spec, s) for s in response["content"]["application/json"]["schema"]["oneOf"]]


def _kind_of(schema: dict) -> list[str]:
    return schema["properties"]["kind"].get("enum", [])


def test_a_case_is_documented_as_one_of_the_two_kinds_with_each_kinds_fields(app):
    spec = _spec(app)
    case = spec["paths"]["/api/v1/cases/{reference}"]
    operations = [
        (spec["paths"]["/api/v1/cases"]["post"], "201"),
        (case["patch"], "200"),
        (spec["paths"]["/api/v1/cases/{reference}/actions/{action}"]["post"], "200"),
    ]
    for operation, status in operations:
        kinds = {k: s for s in _one_of(spec, operation, status) for k in _kind_of(s)}
        assert set(kinds) == {pr.KIND, atr.KIND}
        assert {"process", "additional_authorities"} <= set(kinds[pr.KIND]["properties"])
        assert {"land", "freeze", "representations"} <= set(kinds[atr.KIND]["properties"])
        assert "process" not in kinds[atr.KIND]["properties"]


def test_reading_a_case_as_of_a_day_is_documented(app):
    spec = _spec(app)
    shapes = _one_of(spec, spec["paths"]["/api/v1/cases/{reference}"]["get"], "200")
    kinds = {k for s in shapes for k in _kind_of(s)}
    assert kinds == {pr.KIND, atr.KIND}
    [as_of] = [s for s in shapes if "as_of" in s["properties"]]
    assert {"state", "deadlines", "notices", "events"} <= set(as_of["properties"])


def test_patching_land_documents_a_partial_body(app):
    spec = _spec(app)
    body = spec["paths"]["/api/v1/land/{entry_id}"]["patch"]["requestBody"]
    schema = _resolve(spec, body["content"]["application/json"]["schema"])
    assert not schema.get("required")
    assert {"name", "tenure", "address"} <= set(schema["properties"])
    create = spec["paths"]["/api/v1/land"]["post"]["requestBody"]
    assert {"name", "tenure"} <= set(
        _resolve(spec, create["content"]["application/json"]["schema"])["required"]
    )


def test_a_patch_with_one_field_changes_only_that_field(world):
    created = world.officer.post("/api/v1/land", json={"name": "Old Mill", "tenure": "owned"})
    assert created.status_code == 201, created.json
    changed = world.officer.patch(
        f"/api/v1/land/{created.json['id']}", json={"address": "Mill Lane, Kinghorn"}
    )
    assert changed.status_code == 200, changed.json
    assert (changed.json["name"], changed.json["address"]) == ("Old Mill", "Mill Lane, Kinghorn")


def test_a_deleted_webhook_is_no_longer_listed_but_keeps_its_delivery_log(world, session):
    from casework.models import Authority
    from notifications.models import Webhook

    fife = session.query(Authority).filter_by(code="FIFE").one()
    kept = Webhook(authority_id=fife.id, url="https://a.example/hook", secret="s" * 32)
    gone = Webhook(authority_id=fife.id, url="https://b.example/hook", secret="t" * 32)
    session.add_all([kept, gone])
    session.commit()
    officer = world.officer
    auth = {"Authorization": f"Bearer {officer.token}"}
    assert officer.client.delete(f"/api/v1/webhooks/{gone.id}", headers=auth).status_code == 204
    assert [h["id"] for h in officer.get("/api/v1/webhooks").json] == [kept.id]
    assert officer.get(f"/api/v1/webhooks/{gone.id}/deliveries").status_code == 200
    assert officer.client.delete(f"/api/v1/webhooks/{gone.id}", headers=auth).status_code == 404
    spec = _spec(officer.client.application)
    delete = spec["paths"]["/api/v1/webhooks/{webhook_id}"]["delete"]
    assert "no longer listed" in delete["description"]


def test_every_405_names_the_allowed_methods(world):
    client = world.public.client
    for method, path in [
        ("TRACE", "/api/v1/cases"),
        ("DELETE", "/api/v1/cases"),
        ("PUT", "/api/v1/land/1"),
        ("TRACE", "/api/v1/openapi.json"),
    ]:
        response = client.open(path, method=method)
        assert response.status_code == 405, (method, path)
        allowed = {m.strip() for m in response.headers.get("Allow", "").split(",")}
        assert "GET" in allowed and method not in allowed, (method, path, allowed)
    response = client.open("/api/v1/cases", method="TRACE")
    assert response.mimetype == PROBLEM
    assert {"GET", "POST"} <= {m.strip() for m in response.headers["Allow"].split(",")}
