"""Notices, the printable request and register records as tagged PDF files (issue 12, s.6).

Each PDF is read back with poppler's pdfinfo (title, tagging, language) and pdftotext
(the words, in reading order), as a person's PDF reader or screen reader would read it.
"""

from __future__ import annotations

import re
import subprocess
import time
import zlib

import pytest
from sqlalchemy import select

from casework.models import CommunityBody, Event, Notice, RegisterRecord
from casework.pdf import STATIC, StaticFetcher
from notifications.publish import publish
from tests.casework.conftest import REQUEST, World, decide, notices_of, validated
from tests.web.test_hardening import web_client

REASONS = "The playpark is being handed to the parish trust, which will run the service."


def _info(pdf: bytes, tmp_path) -> dict[str, str]:
    path = tmp_path / "out.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    return {
        k.strip(): v.strip()
        for k, _, v in (line.partition(":") for line in out.stdout.splitlines())
    }


def _text(pdf: bytes, tmp_path) -> str:
    """The PDF's words in reading order, with runs of white space as one space."""
    path = tmp_path / "out.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    return " ".join(out.split())


def _xmp(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "out.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdfinfo", "-meta", str(path)], capture_output=True, text=True, check=True
    ).stdout


def _objects(pdf: bytes) -> bytes:
    """The PDF's objects, with compressed object streams inflated, to look for a key."""
    parts = [pdf]
    for stream in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            parts.append(zlib.decompress(stream.group(1)))
        except zlib.error:
            continue
    return b"\n".join(parts)


def _words(text: str) -> str:
    return " ".join(text.split())


def _decision_notice(world: World, ref: str) -> dict:
    return next(n for n in notices_of(world.body, ref) if n["kind"] == "decision_notice")


def _publish_everything(session) -> None:
    """What the publication actor does for each event, here and now."""
    session.expire_all()
    for event in session.scalars(select(Event).order_by(Event.id)).all():
        publish(session, event)
    session.commit()


def test_a_decision_notice_is_a_tagged_pdf_with_its_heading_then_its_reasons(
    app, world: World, session, tmp_path
):
    ref = validated(world)
    assert decide(world, ref, "refused", reasons=REASONS).status_code == 200
    notice = _decision_notice(world, ref)
    body = web_client(app, session, world.body.email)

    printed = body.get(f"/cases/{ref}/notices/{notice['id']}/print").get_data(as_text=True)
    link = re.search(r'href="([^"]+)">Download as PDF<', printed)
    assert link, "the print page links to its PDF"

    started = time.perf_counter()
    response = body.get(link.group(1))
    elapsed = time.perf_counter() - started
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("inline;") and f'filename="{ref}-' in disposition
    assert disposition.endswith('.pdf"')
    assert elapsed < 3, f"the PDF took {elapsed:.2f}s"

    pdf = response.get_data()
    assert pdf.startswith(b"%PDF-")
    info = _info(pdf, tmp_path)
    row = session.get(Notice, notice["id"])
    assert info["Title"] == row.subject
    assert info["Tagged"] == "yes"
    assert int(info["Pages"]) >= 1
    assert re.search(rb"/Lang ?\(en-GB\)", _objects(pdf)), "the document's language"
    assert 'pdfuaid:part="1"' in _xmp(pdf, tmp_path), "it declares PDF/UA-1"

    # The notice reads in its own order: each heading, then the officer's reasons after
    # the heading "Reasons".
    text = _text(pdf, tmp_path)
    headings = [line.lstrip("# ") for line in row.body_text.splitlines() if line.startswith("#")]
    assert "Reasons" in headings
    at = [text.index(h) for h in headings]
    assert at == sorted(at)
    assert text.index("Reasons") < text.index(_words(REASONS))
    assert "Download as PDF" not in text  # the page's own link is not printed


def test_the_request_is_a_pdf_for_the_parties_and_a_404_for_another_body(
    app, world: World, session, tmp_path
):
    ref = validated(world)
    officer = web_client(app, session, world.officer.email)
    printed = officer.get(f"/cases/{ref}/print").get_data(as_text=True)
    link = re.search(r'href="([^"]+)">Download as PDF<', printed).group(1)

    response = officer.get(link)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert f'filename="{ref}-request.pdf"' in response.headers["Content-Disposition"]
    text = _text(response.get_data(), tmp_path)
    assert _words(REQUEST["expected_improvement"]) in text
    assert _info(response.get_data(), tmp_path)["Tagged"] == "yes"

    notice_id = notices_of(world.body, ref)[0]["id"]
    stranger = web_client(app, session, world.other_body.email)
    assert stranger.get(link).status_code == 404
    assert stranger.get(f"/cases/{ref}/notices/{notice_id}/print.pdf").status_code == 404
    other_authority = web_client(app, session, world.other_officer.email)
    assert other_authority.get(link).status_code == 404

    anonymous = web_client(app)
    response = anonymous.get(link)
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


def test_a_register_record_is_a_public_pdf_without_the_bodys_contact_details(
    app, world: World, session, tmp_path
):
    trust = session.get(CommunityBody, world.body_id)
    private = [trust.contact_email, trust.contact_address]
    ref = validated(world)
    # The officer's reasons name the body's contact details: the notice sent to the body
    # keeps them; the register withholds them.
    reasons = f"{REASONS} Write to the trust at {private[0]} or {private[1]}."
    assert decide(world, ref, "refused", reasons=reasons).status_code == 200
    notice = session.get(Notice, _decision_notice(world, ref)["id"])
    assert all(p in notice.body_text for p in private)
    _publish_everything(session)
    record = session.scalar(
        select(RegisterRecord).where(RegisterRecord.event_id == notice.event_id)
    )

    public = web_client(app)
    page = public.get(f"/register/{record.id}").get_data(as_text=True)
    link = re.search(r'href="([^"]+)">Download as PDF<', page).group(1)
    response = public.get(link)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert f'filename="{ref}-' in response.headers["Content-Disposition"]

    pdf = response.get_data()
    assert _info(pdf, tmp_path)["Tagged"] == "yes"
    text = _text(pdf, tmp_path)
    assert _words(REASONS) in text and trust.name in text
    # The page's stylesheets apply: on paper, the site's header and links to skip are gone.
    assert "Skip to main content" in page and "Skip to main content" not in text
    for secret in private:
        assert _words(secret) not in _words(page)  # what the page hides ...
        assert _words(secret) not in text  # ... the PDF hides too


def test_only_published_records_have_a_register_pdf(app, world: World, session):
    ref = validated(world)  # acknowledged, not decided: nothing of it is published
    notice_id = notices_of(world.body, ref)[0]["id"]
    _publish_everything(session)
    assert session.get(RegisterRecord, notice_id) is None  # the test's own premise
    public = web_client(app)
    assert public.get(f"/register/{notice_id}.pdf").status_code == 404
    assert public.get("/register/99999999.pdf").status_code == 404


def test_static_files_come_from_disk_and_nothing_else_is_fetched():
    fetcher = StaticFetcher()
    css = fetcher.fetch("https://localhost/static/casework.css")
    assert css.read() == (STATIC / "casework.css").read_bytes()
    assert css.content_type == "text/css"
    for url in (
        "https://example.com/static/casework.css/../../pdf.py",
        "https://localhost/static/../pdf.py",
        "https://localhost/static/%2e%2e/pdf.py",
        "https://example.com/track.png",
        "file:///etc/passwd",
    ):
        with pytest.raises(ValueError):
            fetcher.fetch(url)
