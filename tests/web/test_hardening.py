"""Hostile and odd input: nothing here may give a 500, lose data, or show what is private."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from urllib.parse import quote

import pyotp
import pytest
from sqlalchemy import select

from casework.auth import hash_password
from casework.crypto import keyring_for
from casework.documents import detect
from casework.models import AssetTransferRequest, Case, CommunityBody, Event, Notice, User
from casework.web.session import fingerprint, safe_next
from notifications.publish import publish
from tests.casework.conftest import (
    ASSET_REQUEST,
    REQUEST,
    World,
    asset_request,
    decide,
    notified_owner,
    validated,
)
from tests.conftest import settings_for

PASSWORD = "correct horse battery staple"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def web_client(app, session=None, email: str | None = None):
    client = app.test_client()
    client.environ_base["wsgi.url_scheme"] = "https"
    if email:
        user = session.scalar(select(User).where(User.email == email))
        user.password_hash = hash_password(PASSWORD)
        session.commit()
        page = client.get("/sign-in").get_data(as_text=True)
        client.post(
            "/sign-in",
            data={"csrf_token": token_of(page), "email": email, "password": PASSWORD},
        )
    return client


def page_client(app, session, email: str, csrf: str | None = None):
    """A browser-like client signed in as `email`, given the session the sign-in pages
    give (as the access matrix does), so no password is hashed; `csrf` sets the form
    token too, for posts."""
    user = session.scalar(select(User).where(User.email == email))
    if user.role == "manager" and not user.totp_secret:  # managers must use codes
        keys = keyring_for(app.extensions["casework"].settings.encryption_keys)
        user.totp_secret = keys.encrypt(pyotp.random_base32())
        session.commit()
    client = app.test_client()
    client.environ_base["wsgi.url_scheme"] = "https"
    with app.test_request_context():
        fp = fingerprint(user)
    with client.session_transaction() as s:
        s.update(uid=user.id, fp=fp, **({"csrf_token": csrf} if csrf else {}))
    return client


def token_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


@pytest.mark.parametrize(
    "target",
    ["//example.com", "/\t/example.com", "/\\example.com", "https://example.com/", "/\r/x", ""],
)
def test_next_never_leaves_the_site(target):
    assert safe_next(target) is None


def test_next_keeps_a_path_here():
    assert safe_next("/queue?deadline=overdue") == "/queue?deadline=overdue"


def test_sign_in_with_a_crafted_next_goes_home(app, world: World, session):
    client = web_client(app)
    user = session.scalar(select(User).where(User.email == world.officer.email))
    user.password_hash = hash_password(PASSWORD)
    session.commit()
    page = client.get("/sign-in?next=/%09/example.com").get_data(as_text=True)
    response = client.post(
        "/sign-in?next=/%09/example.com",
        data={"csrf_token": token_of(page), "email": world.officer.email, "password": PASSWORD},
    )
    assert response.status_code == 302 and response.headers["Location"] == "/queue"


def test_an_archive_that_inflates_hugely_or_is_corrupt_is_refused_quickly():
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("mimetype", b"\0" * 50_000_000)  # 50 MB of zeros, a few KB deflated
        z.writestr("content.xml", b"<x/>")
    assert len(bomb.getvalue()) < 200_000
    assert detect(bomb.getvalue()) is None
    broken = bytearray(bomb.getvalue())
    broken[60:200] = b"\xff" * 140
    assert detect(bytes(broken)) is None


def test_an_odt_and_a_docx_are_told_apart_from_their_content():
    odt = io.BytesIO()
    with zipfile.ZipFile(odt, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        z.writestr("content.xml", "<x/>")
    docx = io.BytesIO()
    with zipfile.ZipFile(docx, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    assert detect(odt.getvalue()) == "application/vnd.oasis.opendocument.text"
    assert detect(docx.getvalue()).endswith("wordprocessingml.document")
    assert detect(b"MZ\x90\x00" + b"\x00" * 100) is None  # a Windows program


def test_a_document_with_a_non_latin_name_downloads(world: World):
    ref = world.body.post("/api/v1/cases", json=REQUEST).json["reference"]
    sent = world.body.client.post(
        f"/api/v1/cases/{ref}/documents",
        data={"file": (io.BytesIO(PDF), "文件 plan.pdf")},
        headers={"Authorization": f"Bearer {world.body.token}"},
        content_type="multipart/form-data",
    )
    assert sent.status_code == 201, sent.json
    response = world.body.get(f"/api/v1/cases/{ref}/documents/{sent.json['id']}")
    assert response.status_code == 200 and response.data == PDF
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment; filename=")
    assert f"filename*=UTF-8''{quote('文件 plan.pdf')}" in disposition


def test_owners_notices_are_the_authoritys_alone(world: World, clock, app, session):
    """SSI 2016/357 reg 6: the notice goes to each owner and occupier; their names and
    addresses are not the body's to read."""
    ref = notified_owner(world, clock)
    mine = {n["kind"]: n["id"] for n in world.officer.get(f"/api/v1/cases/{ref}/notices").json}
    theirs = {n["kind"] for n in world.body.get(f"/api/v1/cases/{ref}/notices").json}
    assert "owners_notice" in mine and "owners_notice" not in theirs
    assert "public_notice" in theirs
    owners = mine["owners_notice"]
    assert world.body.get(f"/api/v1/cases/{ref}/notices/{owners}").status_code == 404
    page = web_client(app, session, world.body.email)
    assert page.get(f"/cases/{ref}/notices/{owners}").status_code == 404
    html = page.get(f"/cases/{ref}").get_data(as_text=True)
    assert "7 Quiet Close" not in html and "a@tenant.test" not in html


@pytest.mark.parametrize(
    "path",
    ["/register?q=%00", "/land?place=a%00b", "/api/v1/register/decisions?q=%00", "/cases/PR%00"],
)
def test_a_nul_character_is_a_422_not_a_500(app, path):
    assert app.test_client().get(path).status_code == 422


def test_nul_in_json_is_refused(world: World):
    response = world.body.post("/api/v1/cases", json={**REQUEST, "outcome": "a\x00b"})
    assert response.status_code == 422


@pytest.mark.parametrize(
    "path",
    [
        "/register/99999999999999999999",
        "/land/99999999999999999999",
        "/api/v1/land/99999999999999999999",
        "/api/v1/register/documents/99999999999999999999",
    ],
)
def test_an_id_too_big_for_the_database_is_not_found(app, path):
    assert app.test_client().get(path).status_code == 404


def test_queue_pages_and_versions_in_odd_digits(app, world: World, session):
    client = web_client(app, session, world.officer.email)
    for query in ("page=%C2%B2", "page=99999999999999999999", "page=-3"):
        assert client.get(f"/queue?{query}").status_code == 200
    ref = world.body.post("/api/v1/cases", json=REQUEST).json["reference"]
    world.body.act(ref, "submit")
    page = client.get(f"/cases/{ref}/actions/validate").get_data(as_text=True)
    response = client.post(
        f"/cases/{ref}/actions/validate",
        data={"csrf_token": token_of(page), "intent": "check", "version": "²"},
    )
    assert response.status_code == 200


def test_a_draft_answer_can_be_cleared(app, world: World, session):
    ref = asset_request(world, other_terms="Some terms")
    client = web_client(app, session, world.body.email)
    page = client.get(f"/requests/{ref}/terms").get_data(as_text=True)
    assert "Some terms" in page
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    response = client.post(
        f"/requests/{ref}/terms",
        data={"csrf_token": token_of(page), "version": version, "other_terms": "", "go": "later"},
    )
    assert response.status_code == 302
    session.expire_all()
    case = session.scalar(select(AssetTransferRequest).where(Case.reference == ref))
    assert case.other_terms == ""
    assert case.reasons == ASSET_REQUEST["reasons"]  # the other answers are untouched


def test_a_body_name_cannot_become_a_spreadsheet_formula(app, world: World, session):

    body = session.get(CommunityBody, world.body_id)
    body.name = '=HYPERLINK("http://evil.test","Click")'
    session.commit()
    ref = validated(world)
    assert decide(world, ref, "refused").status_code == 200
    event_id = session.scalar(
        select(Notice.event_id)
        .join(Case)
        .where(Case.reference == ref, Notice.kind == "decision_notice")
    )
    publish(session, session.get(Event, event_id))
    session.commit()
    rows = list(
        csv.DictReader(
            io.StringIO(app.test_client().get("/register/decisions.csv").get_data(as_text=True))
        )
    )
    assert [r["community_body"] for r in rows] == ["'" + body.name]


def test_the_manager_summary_leaves_out_withdrawn_drafts(app, world: World, session):
    ref = world.body.post("/api/v1/cases", json=REQUEST).json["reference"]
    assert world.body.act(ref, "withdraw").status_code == 200
    manager = session.scalar(select(User).where(User.email == world.manager.email))
    secret = pyotp.random_base32()
    manager.totp_secret = keyring_for(app.extensions["casework"].settings.encryption_keys).encrypt(
        secret
    )
    session.commit()
    client = web_client(app, session, world.manager.email)
    page = client.get("/sign-in/code").get_data(as_text=True)
    client.post(
        "/sign-in/code",
        data={"csrf_token": token_of(page), "code": pyotp.TOTP(secret).now()},
    )
    html = client.get("/queue").get_data(as_text=True)
    closed = re.search(
        r"Cases closed since 1 April 2026</dt> <dd class=\"ds_metadata__value\">(\d+)<", html
    )
    assert closed.group(1) == "0"


def test_the_thank_you_page_is_only_for_published_requests(app, world: World):
    draft = asset_request(world)
    assert app.test_client().get(f"/representations/{draft}/sent").status_code == 404


def test_behind_a_trusted_proxy_the_clients_address_is_counted(database_url, tmp_path):
    from casework.app import create_app

    plain = settings_for(database_url, tmp_path)
    proxied = settings_for(database_url, tmp_path, TRUSTED_PROXIES="1")
    assert (plain.trusted_proxies, proxied.trusted_proxies) == (0, 1)
    app = create_app(proxied)
    seen = {}

    @app.get("/_whoami")
    def whoami():
        from flask import request

        seen["ip"], seen["secure"] = request.remote_addr, request.is_secure
        return "ok"

    response = app.test_client().get(
        "/_whoami", headers={"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}
    )
    assert seen == {"ip": "203.0.113.9", "secure": True}
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
