"""A published annual report (s.32, s.95) as a tagged PDF drawn from its own page's
template (issue 12, s.6), at each version. Read back with poppler, as test_pdf.py reads
the notices: pdfinfo for the title, tagging and language, pdftotext for reading order."""

from __future__ import annotations

import re

from tests.casework.conftest import World, move, submitted
from tests.casework.test_register_reports import PROMOTION, SUPPORT, correct, publish_report
from tests.web.test_hardening import web_client
from tests.web.test_pdf import _info, _objects, _text, _xmp

URL = "/annual-reports/FIFE/participation_request/2026"
# The page's own title: the reporting year from Wednesday 1 April 2026 to Wednesday 31
# March 2027 (s.32(4): a year begins on 1 April).
TITLE = (
    "Fife Council: participation request annual report, "
    "Wednesday 1 April 2026 to Wednesday 31 March 2027"
)


def test_a_published_report_is_a_tagged_pdf_with_its_figures_then_its_words_in_order(
    app, world: World, session, clock, tmp_path
):
    submitted(world)  # received Wed 1 April 2026
    move(clock, "2027-04-02")
    publish_report(session, world)
    public = web_client(app)
    html = public.get(URL).get_data(as_text=True)
    link = re.search(r'href="([^"]+)">Download as PDF<', html)
    assert link, "the report's page links to its PDF"
    assert link.group(1) == f"{URL}.pdf?version=1"

    response = public.get(link.group(1))
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == (
        'inline; filename="FIFE-PR-2026-27-v1-annual-report.pdf"'
    )
    pdf = response.get_data()
    info = _info(pdf, tmp_path)
    assert info["Title"] == TITLE
    assert info["Tagged"] == "yes"
    assert re.search(rb"/Lang ?\(en-GB\)", _objects(pdf)), "the document's language"
    assert 'pdfuaid:part="1"' in _xmp(pdf, tmp_path)

    # In reading order: the title, the figures (one request received, none decided), then
    # the authority's own words under their headings (s.32(2)(d)).
    text = _text(pdf, tmp_path)
    order = [
        TITLE,
        "The figures for the year",
        "Requests received 1",
        "Requests agreed 0",
        "Requests refused 0",
        "What Fife Council did to promote requests",
        PROMOTION,
        "What it did to support community bodies in making them",
        SUPPORT,
    ]
    at = [text.index(part) for part in order]
    assert at == sorted(at)
    # The page's links to download are for the screen, not the paper.
    assert "Download as PDF" not in text and "Download: CSV" not in text


def test_each_version_has_its_pdf_and_an_unpublished_report_has_none(
    app, world: World, session, clock, tmp_path
):
    public = web_client(app)
    assert public.get(f"{URL}.pdf").status_code == 404  # nothing published yet
    submitted(world)
    move(clock, "2027-04-02")
    first = publish_report(session, world)
    move(clock, "2027-05-03")
    second = correct(session, world, first, "The leaflets went to community centres too.")
    publish_report(session, world, second, promotion="Leaflets everywhere.", support=SUPPORT)

    latest = public.get(f"{URL}.pdf")
    assert (
        'filename="FIFE-PR-2026-27-v2-annual-report.pdf"' in (latest.headers["Content-Disposition"])
    )
    text = _text(latest.get_data(), tmp_path)
    assert "Leaflets everywhere." in text
    assert "This version corrects the one before: The leaflets went to community centres" in text

    old = public.get(f"{URL}.pdf?version=1")
    assert old.status_code == 200
    text = _text(old.get_data(), tmp_path)
    assert "This version has been corrected by a later one." in text and PROMOTION in text
    assert "Leaflets everywhere." not in text

    assert public.get(f"{URL}.pdf?version=9").status_code == 404
    assert public.get("/annual-reports/NOWHERE/participation_request/2026.pdf").status_code == 404
    assert public.get("/annual-reports/FIFE/parking/2026.pdf").status_code == 404
    assert public.get("/annual-reports/FIFE/participation_request/2025.pdf").status_code == 404
