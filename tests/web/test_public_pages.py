"""The public pages without a browser: the CSV is streamed, bad searches say what is
wrong, and the land register shows the disposal freeze."""

from __future__ import annotations

import csv
import io

from tests.casework.conftest import World, land_entry, open_for_representations


def test_the_decisions_csv_is_streamed_with_a_header(app):
    response = app.test_client().get("/register/decisions.csv")
    assert response.status_code == 200
    assert response.is_streamed  # written a batch at a time, never built whole in memory
    assert response.mimetype == "text/csv"
    assert next(csv.reader(io.StringIO(response.get_data(as_text=True))))[:3] == [
        "id",
        "url",
        "reference",
    ]


def test_a_bad_date_in_a_search_is_shown_beside_its_field(app):
    response = app.test_client().get("/register?from=next-tuesday")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "There is a problem" in html and "Enter a real date" in html
    assert app.test_client().get("/register/decisions.csv?from=next-tuesday").status_code == 422


def test_the_land_register_shows_the_freeze_while_a_request_is_pending(app, world: World, clock):
    """s.84: from validation the land may not be disposed of to anyone else."""
    tag = 'ds_tag--orange">Frozen</strong>'
    hall = land_entry(world.officer)
    page = app.test_client().get("/land").get_data(as_text=True)
    assert "Kinghorn Town Hall" in page and tag not in page
    ref = open_for_representations(world, clock, world.officer, land=hall)
    page = app.test_client().get("/land").get_data(as_text=True)
    assert tag in page and ref in page
    frozen_only = app.test_client().get("/land?frozen=true").get_data(as_text=True)
    assert "Kinghorn Town Hall" in frozen_only
    entry = app.test_client().get(f"/land/{hall}").get_data(as_text=True)
    assert "may not sell, lease or otherwise dispose of this land" in entry and ref in entry
    listing = app.test_client().get("/representations").get_data(as_text=True)
    assert ref in listing and "30 April 2026" in listing
