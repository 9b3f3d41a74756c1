"""The following pages without a browser: what may be followed, the form's errors, the
signed-in user's list, the manage page reached by an email's link, and unsubscribing."""

from __future__ import annotations

from sqlalchemy import select

from casework import following
from casework.models import Event, Follow, Follower
from notifications.publish import publish
from tests.casework.conftest import World, open_for_representations, validated
from tests.web.test_hardening import token_of, web_client

SECRET = "test-secret"


def _published(session) -> None:
    """Publish every published notice, as the register's consumer does."""
    for event in session.scalars(select(Event).where(Event.type == "notice.issued")).all():
        publish(session, event)
    session.commit()


def _post(client, path: str, query: dict, data: dict):
    page = client.get(path, query_string=query)
    assert page.status_code == 200, page.status_code
    return client.post(
        path, data={**query, **data, "csrf_token": token_of(page.get_data(as_text=True))}
    )


def test_only_what_is_public_can_be_followed(app, world: World, session, clock):
    client = app.test_client()
    private = validated(world)  # not decided: nothing of it is published
    assert client.get("/follow", query_string={"case": private}).status_code == 404
    assert client.get("/follow", query_string={"case": "PR-NOPE-2026-0001"}).status_code == 404
    assert client.get("/follow", query_string={"authority": "NOWHERE"}).status_code == 404
    bad = {"list": "register", "kind": "parking_permit"}
    assert client.get("/follow", query_string=bad).status_code == 404
    assert client.get("/follow").status_code == 404

    ref = open_for_representations(world, clock, world.officer)
    _published(session)
    page = client.get("/follow", query_string={"case": ref})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f"The request {ref}: Ownership of Kinghorn Town Hall" in html
    assert "Nothing else is sent until you confirm" in html
    fife = client.get("/follow", query_string={"authority": "fife"}).get_data(as_text=True)
    assert "Every request and report Fife Council publishes" in fife
    search = client.get(
        "/follow",
        query_string={"list": "register", "authority": "FIFE", "q": "hall", "from": "2026-04-01"},
    ).get_data(as_text=True)
    assert (
        "Requests and reports to Fife Council that mention “hall” issued from "
        "Wednesday 1 April 2026" in search
    )
    # The pages that offer it: the request's own page, the register, the open list.
    assert f"/follow?case={ref}" in client.get(f"/representations/{ref}").get_data(as_text=True)
    register = client.get("/register?authority=FIFE&kind=asset_transfer_request").get_data(
        as_text=True
    )
    assert "/follow?list=register&amp;authority=FIFE&amp;kind=asset_transfer_request" in register
    assert "/follow?authority=FIFE" in register
    listing = client.get("/representations").get_data(as_text=True)
    assert "/follow?list=representations" in listing


def test_a_bad_address_is_shown_beside_its_field_and_nothing_is_kept(app, world, session):
    client = app.test_client()
    response = _post(client, "/follow", {"authority": "FIFE"}, {"email": "not an address"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "There is a problem" in html
    assert 'value="not an address"' in html  # what was typed is kept
    assert session.scalar(select(Follower)) is None


def test_following_again_sends_another_confirmation_not_another_follow(app, world, session):
    client = app.test_client()
    for _ in range(2):
        response = _post(client, "/follow", {"authority": "FIFE"}, {"email": "Ann@Example.test"})
        assert response.status_code == 200
        assert "We have sent an email to Ann@Example.test" in response.get_data(as_text=True)
    (follower,) = session.scalars(select(Follower)).all()
    assert follower.email == "ann@example.test"
    (follow,) = session.scalars(select(Follow)).all()
    assert follow.confirmed_at is None
    sent = session.scalars(select(Event).where(Event.type == "follow.requested")).all()
    assert [e.payload for e in sent] == [{"follow_id": follow.id}] * 2
    assert "ann@example" not in str([e.payload for e in sent])  # no address in the log


def test_a_stranger_cannot_change_how_often_someone_hears(app, world, session):
    follower = following.follower_for(session, "kim@example.test", SECRET)
    follower.mode = following.DAILY
    fife = following.of_search(session, following.REPRESENTATIONS, {})
    following.start(session, follower, fife, 7, confirmed=True)
    session.commit()
    _post(
        app.test_client(),
        "/follow",
        {"authority": "FIFE"},
        {"email": "kim@example.test", "mode": "immediate"},
    )
    session.expire_all()
    assert session.get(Follower, follower.id).mode == following.DAILY


def test_a_signed_in_user_follows_at_once_and_manages_it_from_their_account(
    app, world: World, session
):
    client = web_client(app, session, world.officer.email)
    response = _post(client, "/follow", {"authority": "HIGH"}, {"mode": "daily"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/account/following")
    page = client.get("/account/following").get_data(as_text=True)
    assert "Every request and report The Highland Council publishes" in page
    (follow,) = session.scalars(select(Follow)).all()
    assert follow.confirmed_at is not None  # the account's address is already confirmed
    follower = session.get(Follower, follow.follower_id)
    assert follower.mode == following.DAILY and follower.user_id is not None
    assert follower.email is None  # mail goes to the account's own address
    assert following.address_of(follower) == world.officer.email

    token = token_of(page)
    changed = client.post("/account/following", data={"csrf_token": token, "mode": "immediate"})
    assert changed.status_code == 302
    session.expire_all()
    assert session.get(Follower, follower.id).mode == following.IMMEDIATE
    bad = client.post("/account/following", data={"csrf_token": token, "mode": "hourly"})
    assert bad.status_code == 422
    stopped = client.post("/account/following", data={"csrf_token": token, "stop": follow.id})
    assert stopped.status_code == 302
    assert "You do not follow anything" in client.get("/account/following").get_data(as_text=True)


def test_the_manage_link_stops_one_follow_or_everything(app, session):
    follower = following.follower_for(session, "lee@example.test", SECRET)
    one = following.start(
        session,
        follower,
        following.of_search(session, "register", {"q": "hall"}),
        7,
        confirmed=True,
    )[0]
    two = following.start(
        session,
        follower,
        following.of_search(session, "representations", {}),
        7,
        confirmed=True,
    )[0]
    session.commit()
    token = following.manage_token(follower, SECRET)
    client = app.test_client()
    page = client.get(f"/following/{token}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Requests and reports that mention “hall”" in html
    assert "Requests for land and buildings open for representations" in html
    csrf = token_of(html)
    assert (
        client.post(f"/following/{token}", data={"csrf_token": csrf, "stop": one.id}).status_code
        == 302
    )
    session.expire_all()
    assert session.get(Follow, one.id).ended_at is not None
    assert session.get(Follow, two.id).ended_at is None
    # Someone else's follow cannot be stopped with this link.
    other = following.follower_for(session, "max@example.test", SECRET)
    theirs = following.start(
        session, other, following.of_search(session, "register", {}), 7, confirmed=True
    )[0]
    session.commit()
    assert (
        client.post(f"/following/{token}", data={"csrf_token": csrf, "stop": theirs.id}).status_code
        == 404
    )

    # Unsubscribing: the link's page asks first (a mail scanner's GET stops nothing).
    ask = client.get(f"/unsubscribe/{token}")
    assert ask.status_code == 200 and "Stop all emails" in ask.get_data(as_text=True)
    session.expire_all()
    assert session.get(Follower, follower.id).email == "lee@example.test"
    done = client.post(
        f"/unsubscribe/{token}", data={"csrf_token": token_of(ask.get_data(as_text=True))}
    )
    assert done.status_code == 200
    session.expire_all()
    gone = session.get(Follower, follower.id)
    assert gone.email is None and gone.unsubscribed_at is not None
    assert client.get(f"/following/{token}").status_code == 404
    assert session.get(Follow, theirs.id).ended_at is None  # the other person is untouched


def test_a_confirmation_link_that_is_not_real_is_a_plain_404(app):
    response = app.test_client().get("/follow/confirm/not-a-real-token")
    assert response.status_code == 404
    assert "This link has expired" in response.get_data(as_text=True)


def test_follow_requests_from_one_address_are_limited(app, world, session):
    client = app.test_client()
    for n in range(20):
        assert (
            _post(
                client, "/follow", {"authority": "FIFE"}, {"email": f"p{n}@example.test"}
            ).status_code
            == 200
        )
    refused = _post(client, "/follow", {"authority": "FIFE"}, {"email": "p21@example.test"})
    assert refused.status_code == 429
    assert refused.headers["Retry-After"]
    assert "too many requests for emails" in refused.get_data(as_text=True)
