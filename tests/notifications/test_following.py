"""Following by email (issue 14), through the real pipeline: a real worker on Redis and a
real SMTP server on loopback, the received mail parsed.

Expected subjects and lines are written from the request's own facts (its reference,
title, the dates the helpers set), not read back from the code that writes them."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from sqlalchemy import select

from casework import following
from casework.models import Follow, Follower, FollowMessage
from tests.casework.conftest import (
    decide_atr,
    move,
    ok,
    open_for_representations,
)
from tests.casework.test_representations_privacy import ANN
from tests.casework.test_representations_privacy import OWNER as OWNER_OF_LAND
from tests.notifications.conftest import parts, settle, sweep_now
from tests.web.test_hardening import token_of

READER = "reader@example.test"
SECRET = "test-secret"  # tests.conftest.settings_for
TITLE = "Ownership of Kinghorn Town Hall"  # tests.casework.conftest.ASSET_REQUEST
# The same private people the representations' privacy tests use.
REPRESENTER, OWNER = ANN, OWNER_OF_LAND


def _subject(message) -> str:
    """The subject as a mail client shows it: a long one is folded on the wire."""
    return " ".join(str(message["Subject"]).split())


def _text(message) -> str:
    return parts(message)["text/plain"]


def _link(message, path: str) -> str:
    """The path of the first link in the message's text that starts with `path`."""
    found = re.search(rf"https?://[^\s]+{re.escape(path)}[^\s]*", _text(message))
    assert found, f"no {path} link in:\n{_text(message)}"
    return urlsplit(found.group(0)).path


def _follow_by_email(app, query: dict, email: str, mode: str = "immediate"):
    """What a member of the public does: open the follow page, give an address."""
    client = app.test_client()
    page = client.get("/follow", query_string=query)
    assert page.status_code == 200, page.get_data(as_text=True)
    response = client.post(
        "/follow",
        data={
            **query,
            "csrf_token": token_of(page.get_data(as_text=True)),
            "email": email,
            "mode": mode,
        },
    )
    assert response.status_code == 200
    assert "Check your email" in response.get_data(as_text=True)
    return client


def _confirm(app, path: str) -> None:
    client = app.test_client()
    page = client.get(path)
    assert page.status_code == 200
    done = client.post(path, data={"csrf_token": token_of(page.get_data(as_text=True))})
    assert done.status_code == 200
    assert "You will now get these emails" in done.get_data(as_text=True)


def test_a_search_follower_confirms_hears_once_each_time_and_unsubscribes_in_one_click(
    live, world, workers, clock, smtp
):
    box, _ = smtp
    app = live.app
    search = {
        "list": "register",
        "authority": "FIFE",
        "kind": "asset_transfer_request",
        "q": "Kinghorn",
    }
    _follow_by_email(app, search, READER)
    settle(live)
    (confirmation,) = box.to(READER)
    assert confirmation["Subject"] == (
        "Confirm that you want emails about community empowerment requests"
    )
    assert "Asset transfer requests to Fife Council that mention “Kinghorn”" in _text(confirmation)
    assert confirmation["List-Unsubscribe"] is None  # nothing is followed yet

    # Published before the follow is confirmed: nothing is sent.
    first = open_for_representations(world, clock, world.officer)
    settle(live)
    assert len(box.to(READER)) == 1

    _confirm(app, _link(confirmation, "/follow/confirm/"))
    move(clock, "2026-05-01")
    ok(decide_atr(world.officer, first, "agreed"))
    settle(live)
    (decided,) = box.to(READER)[1:]
    assert _subject(decided) == f"Decided: {first}: {TITLE}"
    body = _text(decided)
    assert "The request was agreed." in body
    assert "Kinghorn Community Trust" in body
    assert "- Asset transfer requests to Fife Council that mention “Kinghorn”" in body
    unsubscribe = re.fullmatch(r"\s*<([^>]+)>\s*", str(decided["List-Unsubscribe"])).group(1)
    assert decided["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    with live.sessions() as s:
        proof = s.scalar(
            select(FollowMessage)
            .join(Follower, Follower.id == FollowMessage.follower_id)
            .where(Follower.email == READER, FollowMessage.key.like("event:%"))
        )
        assert proof.message_id == decided["Message-ID"]

    second = open_for_representations(world, clock, world.officer)
    settle(live)
    (opened,) = box.to(READER)[2:]
    assert _subject(opened) == f"Open for representations: {second}: {TITLE}"
    assert "Anyone may make a representation until Thursday 30 April 2026." in _text(opened)

    # One click, as a mail client sends it (RFC 8058): a POST, no cookie, no CSRF token.
    stop = app.test_client().post(
        urlsplit(unsubscribe).path,
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert stop.status_code == 200
    with live.sessions() as s:
        follower = s.scalar(
            select(Follower).where(Follower.email_hash == following.address_hash(READER, SECRET))
        )
        assert follower.email is None  # the address is gone, only its keyed hash kept
        assert s.scalar(select(Follower).where(Follower.email == READER)) is None
        mine = s.scalars(select(Follow).where(Follow.follower_id == follower.id)).all()
        assert mine and all(f.ended_at is not None for f in mine)
    move(clock, "2026-05-13")
    ok(decide_atr(world.officer, second, "refused"))
    settle(live)
    assert len(box.to(READER)) == 3  # nothing after unsubscribing
    # The old links are dead: the manage page is gone.
    assert app.test_client().get(_link(decided, "/following/")).status_code == 404


def _confirmed(live, email: str, *targets, mode: str = "immediate") -> int:
    """A follower who has confirmed each of `targets` (built from the session)."""
    with live.sessions() as s:
        follower = following.follower_for(s, email, SECRET)
        follower.mode = mode
        for make in targets:
            following.start(s, follower, make(s), 7, confirmed=True)
        s.commit()
        return follower.id


def _case(ref):
    from casework.models import Case

    return lambda s: following.of_case(s.scalar(select(Case).where(Case.reference == ref)))


def _authority(code):
    from casework.models import Authority

    return lambda s: following.of_authority(
        s.scalar(select(Authority).where(Authority.code == code))
    )


def _search(list_, **args):
    return lambda s: following.of_search(s, list_, args)


def test_a_follower_of_the_case_its_authority_and_a_search_gets_one_message(
    live, world, workers, clock, smtp
):
    box, _ = smtp
    ref = open_for_representations(world, clock, world.officer)
    settle(live)
    _confirmed(
        live, "jo@example.test", _case(ref), _authority("FIFE"), _search("register", q="hall")
    )
    move(clock, "2026-05-12")
    ok(decide_atr(world.officer, ref, "refused"))
    settle(live)
    (message,) = box.to("jo@example.test")
    assert _subject(message) == f"Decided: {ref}: {TITLE}"
    because = _text(message).split("You are getting this because you follow:")[1]
    assert f"- The request {ref}: {TITLE}" in because
    assert "- Every request and report Fife Council publishes" in because
    assert "- Requests and reports that mention “hall”" in because
    assert "The request was refused." in _text(message)


def test_the_body_follows_its_own_request_and_is_not_told_twice(live, world, workers, clock, smtp):
    """The community body's users follow its request once it is public; the secretary, who
    is sent the decision notice itself, is not sent a second email about it."""
    box, _ = smtp
    ref = open_for_representations(world, clock, world.officer)
    settle(live)
    with live.sessions() as s:
        mine = s.scalars(select(Follow).join(Follower).where(Follower.user_id.is_not(None))).all()
        assert [(f.target, f.automatic, f.confirmed_at is not None) for f in mine] == [
            ("case", True, True)
        ]
    # The public notice has no email of its own, so the secretary hears of it as a follower.
    assert [_subject(m) for m in box.to("secretary@kinghorn.test")].count(
        f"Open for representations: {ref}: {TITLE}"
    ) == 1
    move(clock, "2026-05-01")
    ok(decide_atr(world.officer, ref, "agreed"))
    settle(live)
    subjects = [_subject(m) for m in box.to("secretary@kinghorn.test")]
    assert f"Decided: {ref}: {TITLE}" not in subjects  # the notice itself was sent


def test_a_daily_digest_groups_by_request_and_is_never_sent_empty(
    live, world, workers, clock, smtp
):
    box, _ = smtp
    digest_reader = "daily@example.test"
    _confirmed(live, digest_reader, _authority("FIFE"), mode="daily")
    a = open_for_representations(world, clock, world.officer)  # 1 April
    b = open_for_representations(world, clock, world.officer)
    settle(live)
    move(clock, "2026-05-01")
    ok(decide_atr(world.officer, a, "agreed"))
    settle(live)
    assert box.to(digest_reader) == []  # daily: nothing yet
    move(clock, "2026-05-02")
    sweep_now()
    settle(live)
    (digest,) = box.to(digest_reader)
    assert _subject(digest) == "Your daily update for Friday 1 May 2026: 3 changes to 2 requests"
    text = _text(digest)
    assert text.splitlines()[0] == f"{a} was decided; {b} opened for representations."
    # Grouped: each request once, its entries under it.
    assert text.count(f"{a}: {TITLE}\n") == 1 and text.count(f"{b}: {TITLE}\n") == 1
    section_a = text.split(f"{a}: {TITLE}\n")[1].split(f"{b}: {TITLE}\n")[0]
    assert section_a.count("\n- ") + section_a.startswith("- ") == 2
    assert "- Open for representations." in section_a and "- Decided." in section_a
    assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    sweep_now()  # the same day again: already sent
    settle(live)
    move(clock, "2026-05-03")
    sweep_now()  # nothing happened on 2 May: no digest
    settle(live)
    assert len(box.to(digest_reader)) == 1


def test_nothing_personal_reaches_a_follower(live, world, workers, clock, smtp):
    box, _ = smtp
    _confirmed(live, "watcher@example.test", _authority("FIFE"))
    move(clock, "2026-04-01")
    from tests.casework.conftest import asset_request

    ref = asset_request(world)
    ok(world.body.act(ref, "submit"))
    ok(world.officer.act(ref, "validate"))
    ok(
        world.officer.act(
            ref,
            "publish_notices",
            {"representations_close": "2026-04-30", "owners_and_occupiers": [OWNER]},
        )
    )
    made = world.public.post(f"/api/v1/cases/{ref}/representations", json=REPRESENTER)
    assert made.status_code == 201, made.json
    move(clock, "2026-05-01")
    ok(world.officer.act(ref, "send_representations_to_body", {"comments_by": "2026-05-28"}))
    ok(world.body.act(ref, "comment_on_representations", {"comments": "Noted."}))
    ok(decide_atr(world.officer, ref, "refused"))
    settle(live)
    messages = box.to("watcher@example.test")
    assert len(messages) == 2  # opened, decided
    with live.sessions() as s:
        from casework.models import CommunityBody

        body = s.get(CommunityBody, world.body_id)
        secrets = [
            REPRESENTER["name"],
            REPRESENTER["email"],
            "Hidden Wynd",
            OWNER["name"],
            OWNER["email"],
            body.contact_email,
            body.contact_address,
            "secretary@kinghorn",
        ]
    for message in messages:
        whole = message.as_string()
        for secret in secrets:
            assert secret and secret not in whole, f"{secret!r} reached a follower"


def test_an_unconfirmed_follow_lapses_and_its_address_is_forgotten(live, world, workers, smtp):
    _follow_by_email(live.app, {"authority": "FIFE"}, "nobody@example.test")
    settle(live)
    with live.sessions() as s:
        follow = s.scalar(select(Follow))
        assert follow.confirmed_at is None and follow.expires_at is not None
        follow.expires_at = follow.created_at  # as if the days had passed
        s.commit()
    sweep_now()
    with live.sessions() as s:
        follow = s.scalar(select(Follow))
        follower = s.get(Follower, follow.follower_id)
        assert follow.ended_at is not None
        assert follower.email is None
        assert follower.email_hash == following.address_hash("nobody@example.test", SECRET)
