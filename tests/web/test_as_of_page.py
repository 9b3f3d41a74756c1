"""The case page as it stood on a day: rebuilt from the events, in plain words, a GET form
that works without JavaScript."""

from __future__ import annotations

import datetime as dt
import re

from tests.casework.conftest import World, decide, validated
from tests.web.test_hardening import web_client


def test_the_case_page_shows_the_request_as_it_stood_on_a_day(app, world: World, session):
    ref = validated(world)
    assert decide(world, ref, "refused").status_code == 200
    client = web_client(app, session, world.body.email)
    now = client.get(f"/cases/{ref}").get_data(as_text=True)
    # The form, without JS: the three-field date input.
    assert f'action="/cases/{ref}"' in now
    assert all(f'name="as_of-{part}"' in now for part in ("day", "month", "year"))

    # Events carry the real time they happened: today, whatever the statutory clock says.
    today = dt.datetime.now(dt.UTC).date()
    page = client.get(f"/cases/{ref}?as_of={today.isoformat()}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f"as it stood at the end of {today.day} {today:%B %Y}" in html
    assert "Refused" in html  # where it was
    assert "Participation request: decision notice" in html  # the notices issued by then
    assert not re.search(
        r"\b\d{4}-\d{2}-\d{2}\b",
        re.sub(r"<[^>]+>", " ", html),
    )

    before = (today - dt.timedelta(days=3)).isoformat()
    html = client.get(f"/cases/{ref}?as_of={before}").get_data(as_text=True)
    assert "There is a problem" in html and "had not been started by" in html

    html = client.get(f"/cases/{ref}?as_of=soon").get_data(as_text=True)
    assert "Enter a real date" in html
    # Typed into the three fields, as a person does.
    typed = {"as_of-day": today.day, "as_of-month": today.month, "as_of-year": today.year}
    html = client.get(f"/cases/{ref}", query_string=typed).get_data(as_text=True)
    assert f"as it stood at the end of {today.day} {today:%B %Y}" in html
    typed["as_of-month"] = 13
    html = client.get(f"/cases/{ref}", query_string=typed).get_data(as_text=True)
    assert "Enter a real date" in html and 'href="#q-as_of-day"' in html


def test_another_body_cannot_see_a_case_as_it_stood(app, world: World, session):
    ref = validated(world)
    client = web_client(app, session, world.other_body.email)
    today = dt.datetime.now(dt.UTC).date().isoformat()
    assert client.get(f"/cases/{ref}?as_of={today}").status_code == 404
