"""Ids outside what the database holds, and control characters in uploaded text, are bad
input: a 422 (or a 404 for something that does not exist), never a 500, and nothing is
stored (security test, issue 10, findings 2 and 3)."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from casework.models import Document, LandEntry
from tests.casework.conftest import (
    ASSET_REQUEST,
    REQUEST,
    World,
    asset_request,
    land_entry,
    new_request,
    ok,
    submitted,
)

PROBLEM = "application/problem+json"
# Too big for a 32-bit and a 64-bit integer column, far too big for any, and not ids at all.
BAD_IDS = [2**31, 2**63, 10**30, -1, 0]
IDS = ["2**31", "2**63", "10**30", "minus_one", "zero"]


def _refused(response, *statuses: int) -> None:
    assert response.status_code in statuses, (
        response.status_code,
        response.get_data(as_text=True),
    )
    assert response.mimetype == PROBLEM


def _field_refused(response, field: str) -> None:
    """A 422 naming the field, or a 404 when a well-formed id names nothing."""
    _refused(response, 422, 404)
    if response.status_code == 422:
        assert field in response.json["errors"]


# -- ids in JSON bodies ---------------------------------------------------------------------


def _create_participation(world: World, value: int):
    return world.body.post("/api/v1/cases", json={**REQUEST, "community_body": value})


def _create_asset_with_body(world: World, value: int):
    return world.body.post(
        "/api/v1/cases",
        json={
            **ASSET_REQUEST,
            "authority": "FIFE",
            "community_body": value,
            "land_description": "x",
        },
    )


def _create_asset_with_land(world: World, value: int):
    return world.body.post(
        "/api/v1/cases", json={**ASSET_REQUEST, "authority": "FIFE", "land": value}
    )


def _patch_draft_land(world: World, value: int):
    ref = asset_request(world)
    return world.body.patch(f"/api/v1/cases/{ref}", json={"land": value})


def _link_land(world: World, value: int):
    ref = asset_request(world)
    ok(world.body.act(ref, "submit"), "submitted")
    return world.officer.act(ref, "link_land", {"land": value})


def _supply_land(world: World, value: int):
    ref = asset_request(world)
    ok(world.body.act(ref, "submit"), "submitted")
    ok(world.officer.act(ref, "request_missing_items", {"missing": ["funding"]}))
    return world.body.act(ref, "supply_information", {"land": value})


BODY_IDS = {
    "create_participation.community_body": (_create_participation, "community_body"),
    "create_asset.community_body": (_create_asset_with_body, "community_body"),
    "create_asset.land": (_create_asset_with_land, "land"),
    "patch_draft.land": (_patch_draft_land, "land"),
    "link_land.land": (_link_land, "land"),
    "supply_information.land": (_supply_land, "land"),
}


@pytest.mark.parametrize("value", BAD_IDS, ids=IDS)
@pytest.mark.parametrize("route", sorted(BODY_IDS))
def test_an_id_in_a_body_out_of_range_is_422_naming_it(world: World, route: str, value: int):
    send, field = BODY_IDS[route]
    _field_refused(send(world, value), field)


@pytest.mark.parametrize("value", BAD_IDS, ids=IDS)
def test_an_id_out_of_range_creates_no_case(world: World, value: int):
    _create_asset_with_land(world, value)
    _create_participation(world, value)
    assert world.body.get("/api/v1/cases").json["total"] == 0


@pytest.mark.parametrize(
    "value",
    [1.5, 2.0, "twelve", "1.5", True, [1], {"id": 1}],
    ids=["fraction", "whole_float", "words", "fraction_text", "boolean", "list", "object"],
)
def test_an_id_that_is_not_a_whole_number_is_422(world: World, value):
    _refused(_create_asset_with_land(world, value), 422)
    _refused(_create_participation(world, value), 422)


def test_an_id_in_digits_as_a_form_sends_it_is_accepted(world: World):
    hall = land_entry(world.officer)
    ref = asset_request(world, land=None)
    ok(world.body.act(ref, "submit"), "submitted")
    case = ok(world.officer.act(ref, "link_land", {"land": str(hall)}))
    assert case["land"]["id"] == hall
    _field_refused(world.officer.act(ref, "link_land", {"land": str(2**63)}), "land")


def test_a_draft_keeps_its_land_after_a_bad_id(world: World):
    hall = land_entry(world.officer)
    ref = asset_request(world, land=hall)
    _refused(world.body.patch(f"/api/v1/cases/{ref}", json={"land": 2**63}), 422)
    assert world.body.case(ref)["land"]["id"] == hall


def _loadable_integers():
    """Every whole-number field a caller can send: each kind's request and action payloads,
    and the query and input schemas of the API."""
    from marshmallow import fields

    from casework.schemas import bodies, cases, common, land, registry

    schemas = {*registry.CREATE.values(), *registry.UPDATE.values()}
    schemas |= {s for actions in registry.ACTIONS.values() for s in actions.values()}
    schemas |= {
        cases.CaseQuerySchema,
        land.LandQuerySchema,
        land.LandSchema,
        land.LandCsvRow,
        bodies.CommunityBodySchema,
        common.PageSchema,
    }
    for schema in schemas:
        for name, field in schema().fields.items():
            inner = field.inner if isinstance(field, fields.List) else field
            if isinstance(inner, fields.Integer) and not field.dump_only:
                yield f"{schema.__name__}.{name}", inner


def test_every_whole_number_a_caller_sends_is_bounded_to_what_the_database_holds():
    from marshmallow.validate import Range

    found = dict(_loadable_integers())
    assert {"LinkLand.land", "CreateParticipationRequest.community_body"} <= set(found)
    for name, field in found.items():
        ranges = [v for v in field.validators if isinstance(v, Range)]
        assert ranges and ranges[0].max is not None and ranges[0].max <= 2**31 - 1, name
        assert ranges[0].min is not None and ranges[0].min >= 0, name


# -- ids in paths ---------------------------------------------------------------------------


def _paths(world: World) -> list[tuple[object, str, str]]:
    ref = submitted(world)
    return [
        (world.officer, "get", "/api/v1/bodies/{}"),
        (world.officer, "patch", "/api/v1/bodies/{}"),
        (world.officer, "get", "/api/v1/bodies/{}/eligibility"),
        (world.officer, "get", "/api/v1/land/{}"),
        (world.officer, "patch", "/api/v1/land/{}"),
        (world.officer, "post", "/api/v1/land/{}/retire"),
        (world.officer, "get", f"/api/v1/cases/{ref}/notices/{{}}"),
        (world.officer, "get", f"/api/v1/cases/{ref}/documents/{{}}"),
        (world.public, "get", "/api/v1/register/documents/{}"),
        (world.public, "get", "/register/{}"),
        (world.public, "get", "/land/{}"),
    ]


@pytest.mark.parametrize("value", BAD_IDS, ids=IDS)
def test_an_id_in_a_path_out_of_range_is_404(world: World, value: int):
    for caller, method, path in _paths(world):
        url = path.format(value)
        kwargs = {"json": {}} if method != "get" else {}
        response = getattr(caller, method)(url, **kwargs)
        assert response.status_code == 404, (url, response.status_code)


@pytest.mark.parametrize("value", BAD_IDS, ids=IDS)
def test_an_id_in_a_page_path_out_of_range_is_404(app, world: World, session, value: int):
    from tests.web.test_hardening import web_client

    ref = submitted(world)
    client = web_client(app, session, world.officer.email)
    for path in (f"/cases/{ref}/notices/{value}", f"/cases/{ref}/documents/{value}"):
        assert client.get(path).status_code == 404, path


# -- control characters in CSV imports --------------------------------------------------------

GOOD_ROW = "Kinghorn Library,owned,5 Main Street,Library\n"
HEADER = "name,tenure,address,description\n"


def _import(caller, raw: bytes, multipart: bool):
    if multipart:
        return caller.post(
            "/api/v1/land/import",
            data={"file": (io.BytesIO(raw), "land.csv")},
            content_type="multipart/form-data",
        )
    return caller.post("/api/v1/land/import", data=raw, content_type="text/csv")


def _land_count(session) -> int:
    return session.scalar(select(func.count()).select_from(LandEntry))


@pytest.mark.parametrize("char", ["\x00", "\x01", "\x1b", "\x7f", "\x0b", "\x0c"])
@pytest.mark.parametrize("multipart", [False, True], ids=["text/csv", "multipart"])
def test_a_control_character_in_a_csv_import_is_422_with_its_line(
    world: World, session, char: str, multipart: bool
):
    raw = (HEADER + GOOD_ROW + f"Pettycur Har{char}bour,owned,Harbour Road,Pier\n").encode()
    response = _import(world.officer, raw, multipart)
    _refused(response, 422)
    (message,) = response.json["errors"]["file"]
    assert "line 3" in message
    assert _land_count(session) == 0


@pytest.mark.parametrize("multipart", [False, True], ids=["text/csv", "multipart"])
def test_a_control_character_on_a_later_line_of_a_quoted_cell_gives_that_line(
    world: World, session, multipart: bool
):
    raw = (HEADER + 'Kinghorn Hall,owned,"1 High Street\nKing\x00horn",Hall\n').encode()
    response = _import(world.officer, raw, multipart)
    _refused(response, 422)
    assert "line 3" in response.json["errors"]["file"][0]
    assert _land_count(session) == 0


@pytest.mark.parametrize("multipart", [False, True], ids=["text/csv", "multipart"])
def test_tab_cr_and_lf_in_a_csv_import_are_accepted(world: World, session, multipart: bool):
    raw = (HEADER + 'Kinghorn Library,owned,"5 Main\tStreet\r\nKinghorn",Library\r\n').encode()
    result = ok(_import(world.officer, raw, multipart))
    assert result["created"] == 1 and result["errors"] == []


# -- control characters in uploaded documents' text ------------------------------------------

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def _documents(session) -> int:
    return session.scalar(select(func.count()).select_from(Document))


@pytest.mark.parametrize("name", ["plan\x00.pdf", "plan\x01.pdf", "pl\x1ban.pdf", "plan\x7f.pdf"])
def test_a_control_character_in_an_uploaded_file_name_is_never_stored(
    world: World, session, name: str
):
    """The uploader's file name is cleaned (it is only ever a label): the document is kept,
    under a name with no control character in it."""
    ref = new_request(world)
    response = world.body.post(
        f"/api/v1/cases/{ref}/documents",
        data={"file": (io.BytesIO(PDF), name), "description": "Site plan"},
        content_type="multipart/form-data",
    )
    assert response.status_code in (201, 422), response.get_data(as_text=True)
    for stored in session.scalars(select(Document.filename)):
        assert not any(ord(c) < 32 or ord(c) == 127 for c in stored), stored


@pytest.mark.parametrize("char", ["\x00", "\x01", "\x1b"])
def test_a_control_character_in_a_document_description_is_422(world: World, session, char: str):
    ref = new_request(world)
    response = world.body.post(
        f"/api/v1/cases/{ref}/documents",
        data={"file": (io.BytesIO(PDF), "plan.pdf"), "description": f"Site{char} plan"},
        content_type="multipart/form-data",
    )
    _refused(response, 422)
    assert _documents(session) == 0
