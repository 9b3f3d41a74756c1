"""The OpenAPI document at /api/v1/openapi.json describes the participation request API."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

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
