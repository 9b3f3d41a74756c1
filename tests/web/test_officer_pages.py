"""The officer's and manager's pages, as a person uses them through the Flask test client:
the decision one question at a time, deadlines in words, the queue's search, sort and CSV,
the manager's summary, the missing-items and extension forms, more owners than the form
first offers, printable pages, and the body spoken to in the second person.

Expected dates are worked out by hand from docs/law.md: a participation request validated
on Wednesday 1 April 2026 is to be decided within 30 working days beginning with that day
(SSI 2017/39 reg 7; Easter Monday is a working day under reg 2), which is Tuesday 12 May
2026. After 1 April there are 29 working days up to and including 12 May.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from html.parser import HTMLParser

import pyotp
from sqlalchemy import event, select
from werkzeug.datastructures import MultiDict

from casework.crypto import keyring_for
from casework.models import CommunityBody, User
from tests.casework.conftest import (
    REQUEST,
    World,
    asset_request,
    decide,
    move,
    ok,
    ready_to_decide,
    submitted,
    validated,
)
from tests.web.test_hardening import token_of, web_client
from workflows import asset_transfer as atr
from workflows import participation as pr


class _Form(HTMLParser):
    """The hidden inputs, radios and checkboxes a browser would send from the page's form
    with the action `action`, before the person types anything; and the names of the
    fields a person sees there."""

    def __init__(self, action: str):
        super().__init__()
        self.action, self.inside, self.fields = action, False, []
        self.names: set[str] = set()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and a.get("method") == "post":
            self.inside = a.get("action") == self.action
        if not self.inside:
            return
        if tag in ("input", "textarea", "select") and a.get("name") and a.get("type") != "hidden":
            self.names.add(a["name"])
        if tag == "input" and a.get("type") == "hidden":
            self.fields.append((a["name"], a.get("value", "")))
        if tag == "input" and a.get("type") in ("radio", "checkbox") and "checked" in a:
            self.fields.append((a["name"], a.get("value", "")))

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False


def form_of(html: str, action: str) -> _Form:
    parser = _Form(action)
    parser.feed(html)
    return parser


def send(client, html: str, action: str, answers: dict | list, intent: str = "next"):
    """Press a button on the form at `action`, with `answers` filled in over what the page
    already holds (its hidden fields and ticked boxes)."""
    found = form_of(html, action)
    given = list(answers.items()) if isinstance(answers, dict) else list(answers)
    typed = {k for k, _ in given}
    data = [(k, v) for k, v in found.fields if k not in typed] + given + [("intent", intent)]
    return client.post(action, data=MultiDict(data))


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def h1(html: str) -> str:
    return text_of(re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S).group(1))


def signed_in_manager(app, world: World, session):
    """A manager signs in with a password and a one-time code."""
    manager = session.scalar(select(User).where(User.email == world.manager.email))
    secret = pyotp.random_base32()
    keys = app.extensions["casework"].settings.encryption_keys
    manager.totp_secret = keyring_for(keys).encrypt(secret)
    session.commit()
    client = web_client(app, session, world.manager.email)
    page = client.get("/sign-in/code").get_data(as_text=True)
    client.post(
        "/sign-in/code", data={"csrf_token": token_of(page), "code": pyotp.TOTP(secret).now()}
    )
    return client


def considered(matters: dict[str, str]) -> dict[str, str]:
    return {f"considerations.{k}": f"Weighed: {label}." for k, label in matters.items()}


# -- the decision, one thing per page -----------------------------------------------------


def test_an_agreement_is_decided_one_question_at_a_time(app, world: World, session):
    ref = validated(world)
    officer = web_client(app, session, world.officer.email)
    action = f"/cases/{ref}/actions/decide"

    html = officer.get(action).get_data(as_text=True)
    names = form_of(html, action).names
    assert "outcome" in names
    assert not any(n.startswith(("considerations.", "process", "reasons")) for n in names)
    assert REQUEST["knowledge_and_experience"] in html  # the request, to read while deciding
    assert "The request, to read while you decide" in html

    # Nothing chosen: the page says so, and stays.
    response = send(officer, html, action, {})
    assert response.status_code == 422
    assert "There is a problem" in response.get_data(as_text=True)

    html = send(officer, html, action, {"outcome": "agreed"}).get_data(as_text=True)
    assert form_of(html, action).names >= {"process"}
    assert "Will the body join a process that already exists" in html

    html = send(officer, html, action, {"process": "existing"}).get_data(as_text=True)
    names = form_of(html, action).names
    assert {"process_description", "process_stage", "participation_arrangements"} <= names
    assert "considerations.regeneration" not in names

    # Every missing answer on this page is reported at once, each linked to its field.
    response = send(officer, html, action, {})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    summary = page[
        page.index("ds_error-summary") : page.index("</ul>", page.index("ds_error-summary"))
    ]
    for field in ("process-description", "process-stage", "participation-arrangements"):
        assert f'href="#f-{field}"' in summary
    assert REQUEST["reasons"] in page

    html = send(
        officer,
        page,
        action,
        {
            "process_description": "The council's school travel plan review.",
            "process_stage": "Drafting the plan",
            "participation_arrangements": "A seat on the review group",
            "other_participants": "No one else takes part.",
        },
    ).get_data(as_text=True)
    names = form_of(html, action).names
    assert {f"considerations.{k}" for k in pr.CONSIDERATIONS} <= names
    response = send(officer, html, action, {})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert page.count('class="ds_question__error-message"') == len(pr.CONSIDERATIONS)

    html = send(officer, page, action, considered(pr.CONSIDERATIONS)).get_data(as_text=True)
    assert "Check before you decide the request" in h1(html)
    assert (
        "Drafting the plan" in html
        and "Weighed: whether agreeing would promote regeneration." in html
    )
    assert "Participation request: decision notice" in html  # the preview of the notice
    assert ok(world.officer.get(f"/api/v1/cases/{ref}"))["state"] == "under_consideration"

    done = send(officer, html, action, {}, intent="confirm")
    assert done.status_code == 302
    case = world.officer.case(ref)
    assert case["state"] == "process_running"
    assert case["process"]["stage"] == "Drafting the plan"


def test_a_refusal_asks_for_reasons_and_drops_what_no_longer_applies(app, world: World, session):
    ref = validated(world)
    officer = web_client(app, session, world.officer.email)
    action = f"/cases/{ref}/actions/decide"
    html = officer.get(action).get_data(as_text=True)
    html = send(officer, html, action, {"outcome": "agreed"}).get_data(as_text=True)
    html = send(officer, html, action, {"process": "new"}).get_data(as_text=True)
    html = send(
        officer,
        html,
        action,
        {"process_description": "A working group", "other_participants": "None"},
    ).get_data(as_text=True)
    assert "considerations.regeneration" in form_of(html, action).names
    # The officer goes back to the first question and changes to a refusal.
    html = send(officer, html, action, {}, intent="back").get_data(as_text=True)
    html = send(officer, html, action, {}, intent="back").get_data(as_text=True)
    html = send(officer, html, action, {}, intent="back").get_data(as_text=True)
    assert "outcome" in form_of(html, action).names
    html = send(officer, html, action, {"outcome": "refused"}).get_data(as_text=True)
    names = form_of(html, action).names
    assert "considerations.regeneration" in names and "process" not in names
    html = send(officer, html, action, considered(pr.CONSIDERATIONS)).get_data(as_text=True)
    assert "reasons" in form_of(html, action).names
    assert send(officer, html, action, {}).status_code == 422
    html = send(officer, html, action, {"reasons": "The service is closing."}).get_data(
        as_text=True
    )
    assert "Check before you" in h1(html)
    assert "A working group" not in text_of(html)  # the process no longer applies
    assert send(officer, html, action, {}, intent="confirm").status_code == 302
    case = world.officer.case(ref)
    assert case["state"] == "refused" and case["process"] is None


def test_an_asset_transfer_decision_asks_for_terms_and_every_s82_matter(
    app, world: World, session, clock
):
    ref = ready_to_decide(world, clock, world.officer)
    officer = web_client(app, session, world.officer.email)
    action = f"/cases/{ref}/actions/decide"
    html = officer.get(action).get_data(as_text=True)
    html = send(officer, html, action, {"outcome": "agreed"}).get_data(as_text=True)
    names = form_of(html, action).names
    assert {"terms", "offer_by", "terms_differ_significantly"} <= names
    # 6 months after Fri 1 May 2026 is Sun 1 November 2026.
    html = send(
        officer,
        html,
        action,
        {"terms": "Sale for £1", "offer_by": "2026-11-01", "terms_differ_significantly": "false"},
    ).get_data(as_text=True)
    names = form_of(html, action).names
    assert {f"considerations.{k}" for k in atr.CONSIDERATIONS} <= names
    html = send(officer, html, action, considered(atr.CONSIDERATIONS)).get_data(as_text=True)
    assert "Your reasons for agreeing" in h1(html)
    html = send(officer, html, action, {"reasons": "The benefits are clear."}).get_data(
        as_text=True
    )
    assert "Check before you" in h1(html) and "Sale for £1" in html
    assert send(officer, html, action, {}, intent="confirm").status_code == 302
    assert world.officer.case(ref)["state"] == "agreed"


# -- deadlines in words, the queue ----------------------------------------------------


def test_deadlines_read_as_words_on_the_case_page_and_the_queue(app, world: World, session, clock):
    ref = validated(world)
    waiting = submitted(world, title="Better bus shelters in Kinghorn")
    officer = web_client(app, session, world.officer.email)
    words = "Decide by Tuesday 12 May 2026 (29 working days left)"

    case_page = officer.get(f"/cases/{ref}").get_data(as_text=True)
    assert words in text_of(case_page)
    assert "How this date was worked out" in case_page and "casework-pre" not in case_page
    assert h1(case_page) == f"{ref}: {REQUEST['title']}"
    queue = officer.get("/queue").get_data(as_text=True)
    assert words in text_of(queue)
    assert f"{ref}: {REQUEST['title']}" in text_of(queue)
    assert f"{waiting}: Better bus shelters in Kinghorn" in text_of(queue)
    assert "Check and validate: received on Wednesday 1 April 2026" in text_of(queue)

    move(clock, "2026-05-12")
    assert "Decide by Tuesday 12 May 2026 (due today)" in text_of(
        officer.get(f"/cases/{ref}").get_data(as_text=True)
    )
    move(clock, "2026-05-15")  # Wed 13, Thu 14 and Fri 15 May have passed
    overdue = "Decide by Tuesday 12 May 2026 (3 working days overdue)"
    assert overdue in text_of(officer.get(f"/cases/{ref}").get_data(as_text=True))
    assert overdue in text_of(officer.get("/queue").get_data(as_text=True))


def test_the_queue_searches_sorts_and_downloads(app, world: World, session, clock):
    first = submitted(world, title="Safer routes to school")
    clock.fixed += dt.timedelta(days=1)
    second = submitted(world, title="A community garden", outcome="Greener streets in Kinghorn")
    theirs = submitted(world, authority="HIGH", title="Safer routes in the Highlands")
    officer = web_client(app, session, world.officer.email)

    def references(query: str) -> list[str]:
        html = officer.get(f"/queue?{query}").get_data(as_text=True)
        return re.findall(r'href="/cases/([A-Z0-9-]+)"', html)

    assert references("q=safer") == [first]
    assert references("q=greener+streets") == [second]  # words in the request itself
    assert references(f"q={second.lower()}") == [second]
    assert sorted(references("q=Kinghorn+Community")) == sorted([first, second])
    assert references("q=nothing+like+this") == []
    assert references("sort=received") == [first, second]
    assert theirs not in references("")

    response = officer.get("/queue.csv?q=safer")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [r["reference"] for r in rows] == [first]
    assert rows[0]["title"] == "Safer routes to school"
    everything = officer.get("/queue.csv").get_data(as_text=True)
    assert theirs not in everything and first in everything and second in everything
    assert "secretary@kinghorn.test" not in everything
    assert world.body.get("/queue.csv").status_code in (302, 403, 404)


def test_the_queue_costs_the_same_queries_for_many_cases_as_for_few(app, world: World, session):
    officer = web_client(app, session, world.officer.email)
    validated(world)
    submitted(world)
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    engine = session.get_bind().engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        assert officer.get("/queue").status_code == 200
        few = len(statements)
        for _ in range(4):
            validated(world)
        statements.clear()
        assert officer.get("/queue").status_code == 200
        many = len(statements)
        statements.clear()
        assert officer.get("/queue.csv").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert few > 0 and many == few


def test_the_manager_sees_this_reporting_years_numbers(app, world: World, session):
    agreed, refused = validated(world), validated(world)
    assert decide(world, agreed, "agreed").status_code == 200
    assert decide(world, refused, "refused").status_code == 200
    validated(world)
    asset_request(world)  # a draft: not the authority's yet
    manager = signed_in_manager(app, world, session)
    text = text_of(manager.get("/queue").get_data(as_text=True))
    assert "This reporting year, Wednesday 1 April 2026 to Wednesday 31 March 2027" in text
    row = re.search(r"Participation request (\d+) (\d+) (\d+) (\d+)", text)
    # Three received, one agreed, one refused; open now: the agreed one (its process is
    # still to run) and the undecided one.
    assert row.groups() == ("3", "1", "1", "2")
    assert "Asset transfer request 0 0 0 0" in text
    assert "Open cases overdue" in text and "Requests received" in text


# -- forms: missing items, extensions, more owners --------------------------------------


def test_missing_items_start_ticked_and_the_body_is_told_what_to_do(app, world: World, session):
    ref = submitted(world)
    # The body's contact address has gone missing since it submitted (s.22 needs it).
    trust = session.get(CommunityBody, world.body_id)
    trust.contact_address = ""
    session.commit()
    officer = web_client(app, session, world.officer.email)
    action = f"/cases/{ref}/actions/request_missing_items"
    html = officer.get(action).get_data(as_text=True)
    ticked = [v for k, v in form_of(html, action).fields if k == "missing" and v]
    assert ticked == ["contact_address"]
    # The officer also asks for the reasons again, and sends the notice.
    html = send(
        officer,
        html,
        action,
        [("missing", "contact_address"), ("missing", "reasons")],
        "check",
    ).get_data(as_text=True)
    assert "Check before you" in h1(html)
    assert send(officer, html, action, {}, intent="confirm").status_code == 302

    body = web_client(app, session, world.body.email)
    page = body.get(f"/cases/{ref}").get_data(as_text=True)
    assert "We are waiting for you to send the missing information." in text_of(page)
    assert re.search(rf'<a href="/cases/{ref}/actions/supply_information">Send it now</a>', page)


def test_the_extension_form_offers_each_deadline_with_its_date(app, world: World, session):
    ref = validated(world)
    officer = web_client(app, session, world.officer.email)
    html = officer.get(f"/cases/{ref}/actions/agree_extension").get_data(as_text=True)
    assert 'type="radio" value="pr.decision" checked' in html
    assert (
        "The authority gives its decision notice on the participation request: due by "
        "Tuesday 12 May 2026" in text_of(html)
    )


def test_more_owners_than_the_form_first_offers(app, world: World, session, clock):
    move(clock, "2026-04-01")
    ref = asset_request(world)
    ok(world.body.act(ref, "submit"), "submitted")
    ok(world.officer.act(ref, "validate"), "validated")
    officer = web_client(app, session, world.officer.email)
    action = f"/cases/{ref}/actions/publish_notices"
    html = officer.get(action).get_data(as_text=True)
    rows = {n.split(".")[1] for n in form_of(html, action).names if n.startswith("owners_")}
    assert len(rows) == 6
    owners = {f"owners_and_occupiers.{i}.name": f"Owner {i + 1}" for i in range(6)}
    html = send(officer, html, action, owners, intent="add_row").get_data(as_text=True)
    names = form_of(html, action).names
    assert "owners_and_occupiers.6.name" in names  # one more blank row, no JavaScript
    assert 'value="Owner 6"' in html  # what was typed is kept
    answers = {
        **owners,
        "owners_and_occupiers.6.name": "Owner 7",
        "representations_close": "2026-04-30",
    }
    html = send(officer, html, action, answers, intent="check").get_data(as_text=True)
    assert "Check before you" in h1(html) and "Owner 7" in html
    assert send(officer, html, action, {}, intent="confirm").status_code == 302
    notices = world.officer.get(f"/api/v1/cases/{ref}/notices").json
    assert {n["recipient"] for n in notices} >= {f"Owner {i}" for i in range(1, 8)}


# -- print pages --------------------------------------------------------------------------


def test_the_request_and_its_notices_print_cleanly_for_the_parties_only(app, world: World, session):
    ref = validated(world)
    officer = web_client(app, session, world.officer.email)
    html = officer.get(f"/cases/{ref}/print").get_data(as_text=True)
    assert REQUEST["title"] in html and REQUEST["expected_improvement"] in html
    assert "Wednesday 1 April 2026" in html
    assert "<nav" not in html and "<button" not in html and "<form" not in html
    assert not re.search(r"\b\d{4}-\d{2}-\d{2}\b", text_of(html))

    case_page = officer.get(f"/cases/{ref}").get_data(as_text=True)
    assert f'href="/cases/{ref}/print"' in case_page
    notice_id = world.officer.get(f"/api/v1/cases/{ref}/notices").json[0]["id"]
    notice = officer.get(f"/cases/{ref}/notices/{notice_id}").get_data(as_text=True)
    assert "Print or save this notice" in notice
    printed = officer.get(f"/cases/{ref}/notices/{notice_id}/print").get_data(as_text=True)
    assert "acknowledgement" in printed and "<nav" not in printed and "<button" not in printed

    body = web_client(app, session, world.body.email)
    assert body.get(f"/cases/{ref}/print").status_code == 200
    assert body.get(f"/cases/{ref}/notices/{notice_id}/print").status_code == 200
    other = web_client(app, session, world.other_officer.email)
    assert other.get(f"/cases/{ref}/print").status_code == 404
    assert other.get(f"/cases/{ref}/notices/{notice_id}/print").status_code == 404
    stranger = web_client(app, session, world.other_body.email)
    assert stranger.get(f"/cases/{ref}/print").status_code == 404


# -- the land register ----------------------------------------------------------------------


def test_land_reimported_with_a_uprn_updates_the_entry_it_was(world: World):
    before = "Name,Tenure,Address\nKinghorn Library,owned,5 Main Street\n"
    after = "Name,Tenure,Address,UPRN\nKinghorn Library,owned,5 Main Street,320000005\n"

    def load(text):
        return ok(
            world.officer.post("/api/v1/land/import", data=text.encode(), content_type="text/csv")
        )

    assert load(before)["created"] == 1
    result = load(after)
    assert (result["created"], result["updated"]) == (0, 1)
    entries = world.public.get("/api/v1/land", query_string={"authority": "FIFE"}).json
    assert [(e["name"], e["uprn"]) for e in entries] == [("Kinghorn Library", "320000005")]
    again = load(after)
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 1)
