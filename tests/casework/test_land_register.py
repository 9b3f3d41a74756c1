"""The register of land (s.94) through the API: officers keep it, anyone may search it.

Covers creating, editing and retiring entries (retirement is a disposal, so s.84 forbids it
while a request freezes the land), GeoJSON validation, public search, CSV import with bad
rows, and land that is not on the register: named in words, then linked to an entry.
"""

from __future__ import annotations

import pytest

from tests.casework.conftest import asset_request, frozen, land_entry, ok

POINT = {"type": "Point", "coordinates": [-3.1741, 56.0697]}
SQUARE = {
    "type": "Polygon",
    "coordinates": [
        [[-3.18, 56.06], [-3.17, 56.06], [-3.17, 56.07], [-3.18, 56.07], [-3.18, 56.06]]
    ],
}


def _search(world, **params) -> tuple[list[dict], int]:
    response = world.public.get("/api/v1/land", query_string=params)
    assert response.status_code == 200, response.json
    return response.json, int(response.headers["X-Total-Count"])


def _names(world, **params) -> list[str]:
    return [e["name"] for e in _search(world, **params)[0]]


# -- officers create, edit and retire ---------------------------------------------------------


def test_officer_creates_an_entry_with_every_field(world):
    response = world.officer.post(
        "/api/v1/land",
        json={
            "name": "Kinghorn Town Hall",
            "address": "1 High Street, Kinghorn KY3 9UE",
            "uprn": " 320123456 ",
            "description": "Victorian hall and car park",
            "tenure": "owned",
            "location": POINT,
        },
    )
    assert response.status_code == 201, response.json
    entry = response.json
    assert entry["authority"] == "FIFE"
    assert entry["uprn"] == "320123456"
    assert entry["tenure"] == "owned"
    assert entry["location"] == POINT
    assert entry["retired_on"] is None
    assert (entry["frozen"], entry["frozen_by"]) == (False, [])
    # The public reads the same entry without an account.
    assert world.public.get(f"/api/v1/land/{entry['id']}").json == entry


def test_a_leased_entry_with_a_polygon(world):
    entry = ok(world.officer.get(f"/api/v1/land/{land_entry(world.officer, location=SQUARE)}"))
    assert entry["location"] == SQUARE
    leased = land_entry(world.officer, name="Depot", tenure="leased")
    assert world.public.get(f"/api/v1/land/{leased}").json["tenure"] == "leased"


@pytest.mark.parametrize(
    "location",
    [
        {"type": "LineString", "coordinates": [[-3.1, 56.0], [-3.2, 56.1]]},
        {"type": "Point", "coordinates": [-3.17]},
        {"type": "Point", "coordinates": [56.07, -183.0]},  # longitude out of range
        {"type": "Point", "coordinates": [-3.17, 91.0]},  # latitude out of range
        {"type": "Point", "coordinates": [True, 56.0]},
        {"type": "Point", "coordinates": "-3.17,56.07"},
        {"type": "Polygon", "coordinates": []},
        # A ring must have four positions and end where it starts.
        {"type": "Polygon", "coordinates": [[[-3.18, 56.06], [-3.17, 56.06], [-3.18, 56.06]]]},
        {
            "type": "Polygon",
            "coordinates": [[[-3.18, 56.06], [-3.17, 56.06], [-3.17, 56.07], [-3.18, 56.07]]],
        },
        {"coordinates": [-3.17, 56.07]},
        "POINT(-3.17 56.07)",
    ],
)
def test_location_must_be_a_geojson_point_or_polygon(world, location):
    response = world.officer.post(
        "/api/v1/land", json={"name": "Somewhere", "tenure": "owned", "location": location}
    )
    assert response.status_code == 422, response.json
    assert "location" in response.json["errors"]
    assert _search(world)[1] == 0


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"tenure": "owned"}, "name"),
        ({"name": "Hall"}, "tenure"),
        ({"name": "Hall", "tenure": "rented"}, "tenure"),
        ({"name": "Hall", "tenure": "owned", "uprn": "UPRN-1"}, "uprn"),
        ({"name": "Hall", "tenure": "owned", "uprn": "1234567890123"}, "uprn"),
    ],
)
def test_bad_entries_are_422_naming_the_field(world, payload, field):
    response = world.officer.post("/api/v1/land", json=payload)
    assert response.status_code == 422, response.json
    assert field in response.json["errors"]


def test_only_an_authoritys_officers_change_its_register(world):
    entry = land_entry(world.officer)
    new = {"name": "Pettycur Harbour", "tenure": "owned"}
    # Neither the public nor a community body may add land.
    assert world.public.post("/api/v1/land", json=new).status_code == 403
    assert world.body.post("/api/v1/land", json=new).status_code == 403
    # Nor edit or retire it; another authority's officer cannot even find it to change.
    assert world.body.patch(f"/api/v1/land/{entry}", json={"name": "x"}).status_code == 403
    assert world.public.post(f"/api/v1/land/{entry}/retire").status_code == 403
    # The entry is public, so another authority sees it, but may not change it (403).
    assert world.other_officer.patch(f"/api/v1/land/{entry}", json={"name": "x"}).status_code == 403
    assert world.other_officer.post(f"/api/v1/land/{entry}/retire").status_code == 403
    assert world.public.get(f"/api/v1/land/{entry}").json["name"] == "Kinghorn Town Hall"
    # A manager of the same authority may.
    ok(world.manager.patch(f"/api/v1/land/{entry}", json={"description": "Hall only"}))
    # Each officer adds to their own authority's register.
    other = world.other_officer.post("/api/v1/land", json={**new, "name": "Inverness depot"})
    assert other.status_code == 201, other.json
    assert other.json["authority"] == "HIGH"


def test_officer_edits_an_entry(world):
    entry = land_entry(world.officer)
    edited = ok(
        world.officer.patch(
            f"/api/v1/land/{entry}",
            json={"description": "Hall, car park and garden", "location": POINT},
        )
    )
    assert edited["description"] == "Hall, car park and garden"
    assert edited["location"] == POINT
    assert edited["name"] == "Kinghorn Town Hall"  # untouched fields stay
    assert world.public.get(f"/api/v1/land/{entry}").json["description"] == (
        "Hall, car park and garden"
    )
    bad = world.officer.patch(f"/api/v1/land/{entry}", json={"tenure": "borrowed"})
    assert bad.status_code == 422, bad.json
    assert world.officer.patch("/api/v1/land/999999", json={"name": "x"}).status_code == 404


def test_the_same_land_cannot_be_entered_twice(world):
    land_entry(world.officer, uprn="320000001")
    # The same UPRN is the same land, whatever its name.
    again = world.officer.post(
        "/api/v1/land", json={"name": "Town Hall", "tenure": "owned", "uprn": "320000001"}
    )
    assert again.status_code == 409, again.json
    # Without a UPRN, the same name and address (ignoring case and spacing) is the same land.
    land_entry(world.officer, name="Kinghorn Library", address="5 Main Street")
    again = world.officer.post(
        "/api/v1/land",
        json={"name": "kinghorn  LIBRARY", "address": "5 main street", "tenure": "owned"},
    )
    assert again.status_code == 409, again.json
    # An edit that would make two entries the same is refused too, and changes nothing.
    third = land_entry(world.officer, name="Kinghorn Pier", address="Pier Road")
    clash = world.officer.patch(
        f"/api/v1/land/{third}", json={"name": "Kinghorn Library", "address": "5 Main Street"}
    )
    assert clash.status_code == 409, clash.json
    assert world.public.get(f"/api/v1/land/{third}").json["name"] == "Kinghorn Pier"
    # Another authority may have land of the same name and address.
    response = world.water_officer.post(
        "/api/v1/land",
        json={"name": "Kinghorn Library", "address": "5 Main Street", "tenure": "leased"},
    )
    assert response.status_code == 201, response.json


def test_retire_takes_land_off_the_public_list(world, clock):
    entry = land_entry(world.officer)
    retired = ok(world.officer.post(f"/api/v1/land/{entry}/retire"))
    assert retired["retired_on"] == clock.today().isoformat() == "2026-04-01"
    assert _names(world, authority="FIFE") == []
    assert _names(world, authority="FIFE", include_retired="true") == ["Kinghorn Town Hall"]
    # Still readable on its own, marked retired; retiring twice is a conflict.
    assert world.public.get(f"/api/v1/land/{entry}").json["retired_on"] == "2026-04-01"
    again = world.officer.post(f"/api/v1/land/{entry}/retire")
    assert again.status_code == 409, again.json
    assert "2026-04-01" in again.json["detail"]
    # Retired land cannot be chosen for a new request.
    response = world.body.post(
        "/api/v1/cases",
        json={
            "kind": "asset_transfer_request",
            "authority": "FIFE",
            "transfer_type": "lease",
            "land": entry,
        },
    )
    assert response.status_code == 422, response.json
    assert "land" in response.json["errors"]


def test_retire_is_refused_while_a_request_freezes_the_land(world):
    land = land_entry(world.officer)
    ref = asset_request(world, land=land)
    ok(world.body.act(ref, "submit"), "submitted")
    # Submitted but not yet validated: no freeze, so nothing stops retirement yet.
    assert not frozen(world, land)
    ok(world.officer.act(ref, "validate"), "validated")
    assert frozen(world, land)

    response = world.officer.post(f"/api/v1/land/{land}/retire")
    assert response.status_code == 409, response.json
    assert "s.84" in response.json["detail"] and ref in response.json["detail"]
    assert response.json["frozen_by"] == [ref]
    assert world.public.get(f"/api/v1/land/{land}").json["retired_on"] is None

    # Once the request is finally disposed of (here, withdrawn), the land may be disposed of.
    ok(world.body.act(ref, "withdraw"), "withdrawn")
    assert ok(world.officer.post(f"/api/v1/land/{land}/retire"))["retired_on"] == "2026-04-01"


# -- public search ----------------------------------------------------------------------------


@pytest.fixture
def registers(world) -> dict[str, int]:
    """Land of two authorities, to search."""
    return {
        "hall": land_entry(world.officer, "Kinghorn Town Hall", address="1 High Street, Kinghorn"),
        "library": land_entry(
            world.officer,
            "Burntisland Library",
            address="102 High Street, Burntisland",
            description="Carnegie library with reading room",
        ),
        "park": land_entry(
            world.officer, "Pettycur Park", address="Pettycur Road, Kinghorn", description="Park"
        ),
        "reservoir": land_entry(
            world.water_officer,
            "Kinghorn Loch reservoir lodge",
            address="Loch Road, Kinghorn",
            description="Stone lodge",
        ),
    }


def test_search_by_authority_place_and_text(world, registers):
    everything, total = _search(world)
    assert total == 4 and len(everything) == 4
    assert _names(world, authority="FIFE") == [
        "Burntisland Library",
        "Kinghorn Town Hall",
        "Pettycur Park",
    ]
    assert _names(world, authority="swat") == ["Kinghorn Loch reservoir lodge"]
    assert _names(world, authority="HIGH") == []
    # place: words in the address, all of them.
    assert _names(world, place="Kinghorn") == [
        "Kinghorn Loch reservoir lodge",
        "Kinghorn Town Hall",
        "Pettycur Park",
    ]
    assert _names(world, place="high street") == ["Burntisland Library", "Kinghorn Town Hall"]
    assert _names(world, place="Kinghorn", authority="FIFE") == [
        "Kinghorn Town Hall",
        "Pettycur Park",
    ]
    # q: words in the name, address or description.
    assert _names(world, q="library") == ["Burntisland Library"]
    assert _names(world, q="reading room") == ["Burntisland Library"]
    assert _names(world, q="lodge") == ["Kinghorn Loch reservoir lodge"]
    assert _names(world, q="pettycur kinghorn") == ["Pettycur Park"]
    # Wildcards are searched for literally.
    assert _names(world, q="%") == []
    assert _names(world, q="_") == []


def test_search_pages_and_frozen_filter(world, registers):
    page, total = _search(world, authority="FIFE", page_size=2, page=2)
    assert total == 3
    assert [e["name"] for e in page] == ["Pettycur Park"]
    bad = world.public.get("/api/v1/land", query_string={"page_size": 0})
    assert bad.status_code == 422

    ref = asset_request(world, land=registers["park"])
    ok(world.body.act(ref, "submit"))
    ok(world.officer.act(ref, "validate"))
    assert _names(world, frozen="true") == ["Pettycur Park"]
    assert "Pettycur Park" not in _names(world, frozen="false")
    listed = {e["name"]: e for e in _search(world, authority="FIFE")[0]}
    assert listed["Pettycur Park"]["frozen_by"] == [ref]
    assert listed["Kinghorn Town Hall"]["frozen"] is False


def test_frozen_filter_follows_each_entrys_own_requests(world, registers):
    """Land whose only request was withdrawn is not frozen, whatever other land's requests do."""
    withdrawn = asset_request(world, land=registers["hall"])
    ok(world.body.act(withdrawn, "submit"))
    ok(world.officer.act(withdrawn, "validate"))
    ok(world.body.act(withdrawn, "withdraw"), "withdrawn")
    live = asset_request(world, land=registers["park"], caller=world.other_body)
    ok(world.other_body.act(live, "submit"))
    ok(world.officer.act(live, "validate"))

    assert _names(world, frozen="true") == ["Pettycur Park"]
    assert _names(world, frozen="false") == [
        "Burntisland Library",
        "Kinghorn Loch reservoir lodge",
        "Kinghorn Town Hall",
    ]
    assert not frozen(world, registers["hall"])


def test_unknown_entry_is_404(world):
    response = world.public.get("/api/v1/land/424242")
    assert response.status_code == 404
    assert response.content_type == "application/problem+json"


# -- CSV import -------------------------------------------------------------------------------

CSV = (
    "Name,Tenure,Address,UPRN,Description,Latitude,Longitude,Notes\n"
    # row 2: good, with a point
    'Kinghorn Library,owned,"5 Main Street, Kinghorn",320000005,Library,56.0697,-3.1741,x\n'
    # row 3: no name
    ",owned,No name given,,,,,\n"
    # row 4: an unknown tenure
    "Pettycur Harbour,rented,Harbour Road,,,,,\n"
    # row 5: a UPRN that is not digits
    "Burntisland Links,leased,The Links,ABC123,,,,\n"
    # row 6: a latitude out of range
    "Kinghorn Beach Huts,leased,The Beach,,,95,-3.1,\n"
    # row 7: the same land as row 2
    'Kinghorn Library,owned,"5 Main Street, Kinghorn",320000005,Library,56.0697,-3.1741,x\n'
    # row 8: good, no location
    "Kinghorn Cemetery,owned,Cemetery Road,,Lodge and grounds,,,\n"
    # row 9: half a location
    "Kinghorn Pier,owned,Pier Road,,,56.07,,\n"
)


def _import(caller, text: str, multipart: bool = False):
    if multipart:
        import io

        return caller.post(
            "/api/v1/land/import",
            data={"file": (io.BytesIO(text.encode()), "land.csv")},
            content_type="multipart/form-data",
        )
    return caller.post("/api/v1/land/import", data=text.encode(), content_type="text/csv")


@pytest.mark.parametrize("multipart", [False, True], ids=["text/csv", "multipart"])
def test_csv_import_reports_bad_rows_by_number_and_keeps_the_good(world, multipart):
    result = ok(_import(world.officer, CSV, multipart))
    assert (result["created"], result["updated"], result["unchanged"]) == (2, 0, 0)
    errors = {e["row"]: e["errors"] for e in result["errors"]}
    assert sorted(errors) == [3, 4, 5, 6, 7, 9]
    assert "name" in errors[3]
    assert "tenure" in errors[4]
    assert "uprn" in errors[5]
    assert "latitude" in errors[6]
    assert "earlier row" in errors[7]["_row"][0]
    assert "longitude" in errors[9]
    for messages in errors.values():
        assert all(
            isinstance(m, list) and m and all(isinstance(t, str) for t in m)
            for m in messages.values()
        )

    entries = {e["name"]: e for e in _search(world, authority="FIFE")[0]}
    assert sorted(entries) == ["Kinghorn Cemetery", "Kinghorn Library"]
    library = entries["Kinghorn Library"]
    assert library["uprn"] == "320000005"
    assert library["address"] == "5 Main Street, Kinghorn"
    assert library["location"] == {"type": "Point", "coordinates": [-3.1741, 56.0697]}
    assert entries["Kinghorn Cemetery"]["location"] is None

    # The same file again: nothing new, the same rows reported.
    again = ok(_import(world.officer, CSV, multipart))
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 2)
    assert sorted(e["row"] for e in again["errors"]) == [3, 4, 5, 6, 7, 9]
    assert _search(world, authority="FIFE")[1] == 2


def test_csv_import_updates_matching_rows(world):
    ok(_import(world.officer, CSV))
    changed = CSV.replace("Lodge and grounds", "Lodge and chapel grounds").replace(
        "Kinghorn Library,owned", "Kinghorn Public Library,owned", 1
    )
    result = ok(_import(world.officer, changed))
    # The library matches on its UPRN though renamed; the cemetery on its name and address.
    assert (result["created"], result["updated"], result["unchanged"]) == (0, 2, 0)
    entries = {e["name"]: e for e in _search(world, authority="FIFE")[0]}
    assert sorted(entries) == ["Kinghorn Cemetery", "Kinghorn Public Library"]
    assert entries["Kinghorn Cemetery"]["description"] == "Lodge and chapel grounds"


def test_csv_import_accepts_a_geojson_location_column(world):
    polygon = (
        '"{""type"": ""Polygon"", ""coordinates"": [[[-3.18, 56.06], [-3.17, 56.06], '
        '[-3.17, 56.07], [-3.18, 56.06]]]}"'
    )
    text = (
        "name,tenure,location\n"
        f"Kinghorn Green,owned,{polygon}\n"
        "Kinghorn Shore,owned,somewhere near the beach\n"
        'Kinghorn Pier,owned,"{""type"": ""Point"", ""coordinates"": [-3.17, 156.07]}"\n'
    )
    result = ok(_import(world.officer, text))
    assert result["created"] == 1
    assert sorted(e["row"] for e in result["errors"]) == [3, 4]
    assert all("location" in e["errors"] for e in result["errors"])
    (entry,) = _search(world, authority="FIFE")[0]
    assert entry["location"]["type"] == "Polygon"


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("name,address\nHall,High Street\n", "text/csv"),  # no tenure column
        ("", "text/csv"),
        ("\xff\xfe not utf-8", "application/octet-stream"),
        ("name,tenure\n" + "x" * 200_000 + ",owned\n", "text/csv"),  # past csv's cell limit
    ],
    ids=["no-tenure-column", "empty", "not-utf-8", "huge-cell"],
)
def test_csv_import_rejects_an_unusable_file(world, body, content_type):
    data = body.encode("latin-1") if content_type == "application/octet-stream" else body.encode()
    response = world.officer.post("/api/v1/land/import", data=data, content_type=content_type)
    assert response.status_code == 422, response.json
    assert "file" in response.json["errors"]
    assert _search(world)[1] == 0


def test_csv_import_is_for_officers_only(world):
    assert _import(world.public, CSV).status_code == 403
    assert _import(world.body, CSV).status_code == 403
    assert _search(world)[1] == 0


def test_csv_import_goes_to_the_officers_own_register(world):
    ok(_import(world.water_officer, CSV))
    assert _search(world, authority="SWAT")[1] == 2
    assert _search(world, authority="FIFE")[1] == 0
    # The same file for another authority creates its own entries.
    assert ok(_import(world.officer, CSV))["created"] == 2


# -- land not on the register -----------------------------------------------------------------


def test_land_not_on_the_register_is_described_and_linked_later(world):
    ref = asset_request(world, land_description="The old bowling green behind the church")
    case = ok(world.body.act(ref, "submit"), "submitted")
    assert case["land"] is None
    assert case["land_description"] == "The old bowling green behind the church"
    # Described land is enough for a valid request (s.94: it need not be on the register).
    ok(world.officer.act(ref, "validate"), "validated")

    entry = land_entry(world.officer, "Kinghorn bowling green", address="Church Lane, Kinghorn")
    assert not frozen(world, entry)
    # Only the authority links it, and only to land on its own register.
    assert world.body.act(ref, "link_land", {"land": entry}).status_code == 403
    water_land = land_entry(world.water_officer, "Reservoir")
    bad = world.officer.act(ref, "link_land", {"land": water_land})
    assert bad.status_code == 422 and "land" in bad.json["errors"]
    assert world.officer.act(ref, "link_land", {}).status_code == 422

    case = ok(world.officer.act(ref, "link_land", {"land": entry}), "validated")
    assert case["land"]["id"] == entry
    assert case["land"]["name"] == "Kinghorn bowling green"
    assert case["land_description"] == "The old bowling green behind the church"
    # Linked to a validated request, the land now shows the s.84 freeze.
    assert frozen(world, entry)
    assert world.public.get(f"/api/v1/land/{entry}").json["frozen_by"] == [ref]
    events = world.officer.get(f"/api/v1/cases/{ref}/events").json
    assert [e for e in events if e["type"] == "action.link_land"]


def test_a_request_needs_land_on_the_register_or_described(world):
    ref = asset_request(world, land_description="")
    response = world.body.act(ref, "submit")
    assert response.status_code == 409, response.json
    assert "the land or building the request is for" in response.json["detail"]
    # Another authority's land cannot be named in a request to this one.
    water_land = land_entry(world.water_officer, "Reservoir")
    response = world.body.post(
        "/api/v1/cases",
        json={
            "kind": "asset_transfer_request",
            "authority": "FIFE",
            "transfer_type": "lease",
            "land": water_land,
        },
    )
    assert response.status_code == 422 and "land" in response.json["errors"]


def test_csv_row_numbers_count_blank_rows_as_a_spreadsheet_does(world):
    """Row numbers are the spreadsheet's: blank rows count, and are skipped without error."""
    text = (
        "name,tenure,address\n"  # row 1
        "Kinghorn Library,owned,5 Main Street\n"  # row 2
        "\n"  # row 3: an empty line
        ",,\n"  # row 4: an empty spreadsheet row
        "Pettycur Harbour,rented,Harbour Road\n"  # row 5: bad tenure
        'Kinghorn Green,owned,"The Green,\nKinghorn"\n'  # row 6, over two lines
        "Kinghorn Pier,borrowed,Pier Road\n"  # row 7: bad tenure
    )
    result = ok(_import(world.officer, text))
    assert result["created"] == 2
    assert [(e["row"], sorted(e["errors"])) for e in result["errors"]] == [
        (5, ["tenure"]),
        (7, ["tenure"]),
    ]
