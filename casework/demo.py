"""Demo data: two councils and other authorities, three community bodies, users for each
role, and requests at several stages, all made through the same commands as real use."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import click
from flask import Flask
from sqlalchemy import select

from casework.auth import check_password, create_user, issue_token
from casework.commands import create_case, perform
from casework.context import db, services
from casework.crypto import keyring_for
from casework.demo_last_year import seed_last_year
from casework.demo_simd import seed_sample_simd
from casework.eventlog import Actor
from casework.models import Authority, CommunityBody, LandEntry, User
from casework.models.land import import_key
from workflows import asset_transfer as atr
from workflows import participation as pr
from workflows.rules import Party

DEMO_PASSWORD = "demo-password-2026"
ADMIN = "admin@casework.example"
# Managers must sign in with a one-time code; the demo manager's authenticator key.
DEMO_TOTP_SECRET = "CASEWORKDEMOMANAGERKEYAA"
# The accounts the demo makes, and only these, are printed with the demo password.
DEMO_EMAILS = (
    ADMIN,
    "officer@fife.example",
    "manager@fife.example",
    "officer@highland.example",
    "secretary@kinghorntrust.example",
    "clerk@burntislandcc.example",
    "friends@lethamglen.example",
)

AUTHORITIES = [
    ("FIFE", "Fife Council", "local_authority", "community.empowerment@fife.example"),
    ("HIGHLAND", "The Highland Council", "local_authority", "cer@highland.example"),
    ("NHSFIFE", "NHS Fife", "health_board", "participation@nhsfife.example"),
    ("SEPA", "Scottish Environment Protection Agency", "sepa", "cer@sepa.example"),
    ("SGOV", "The Scottish Ministers", "scottish_ministers", "cat@gov.example"),
    ("SWATER", "Scottish Water", "scottish_water", "assets@scottishwater.example"),
]

_ALL_TRUE = dict.fromkeys(
    (
        "defines_community",
        "majority_from_community",
        "community_controls",
        "open_membership",
        "community_benefit_aims",
        "surplus_for_community",
        "asset_lock",
    ),
    True,
)

BODIES = [
    dict(
        name="Kinghorn Community Trust",
        legal_form="company",
        member_count=46,
        contact_address="The Old Library, 1 High Street, Kinghorn KY3 9UE",
        contact_email="secretary@kinghorntrust.example",
        community_definition="People living in the KY3 9 postcode sector",
        **_ALL_TRUE,
    ),
    dict(
        name="Burntisland Community Council",
        legal_form="community_council",
        member_count=12,
        contact_address="c/o 14 Kirkgate, Burntisland KY3 9DB",
        contact_email="clerk@burntislandcc.example",
        community_definition="The community council area of Burntisland",
    ),
    dict(
        name="Friends of Letham Glen",
        legal_form="unincorporated_association",
        member_count=9,
        contact_address="3 Glen Road, Leven KY8 4AA",
        contact_email="friends@lethamglen.example",
        community_definition="Users of Letham Glen park",
        **{**_ALL_TRUE, "open_membership": False, "asset_lock": False},
    ),
]


@dataclass
class Login:
    email: str
    role: str
    where: str
    token: str


# What an officer wrote about each matter (s.24(3) and s.82(3)) in the demo's decisions.
HARBOUR_CONSIDERATIONS = {
    "request_reasons": "The trust speaks for residents and harbour users, who know the car "
    "park's problems at first hand.",
    "supporting_information": "The trust's survey of 210 residents and 40 traders.",
    "economic_development": "Better parking for visitors should help the harbour's cafés "
    "and shops.",
    "regeneration": "Part of the harbour plan; no direct effect beyond it.",
    "public_health": "Fewer cars circling the front makes walking to the beach safer.",
    "social_wellbeing": "Residents will have a say in a space they use every day.",
    "environmental_wellbeing": "Less queuing traffic on the harbour road.",
    "inequalities_of_outcome": "Residents' permits would be free for households on low incomes.",
    "participation_in_process": "The trust will hold its meetings in the evening, in the "
    "village, so working residents can come.",
    "participation_in_service": "Blue-badge holders will be asked to test the new layout.",
    "other_benefits": "None found beyond those above.",
    "other_matters": "The harbour is a conservation area; any signs need consent.",
}
LODGE_CONSIDERATIONS = {
    "request_reasons": "The trust wants a visitor centre; the reasons are sound but depend "
    "on the whole building.",
    "supporting_information": "Letters from two walking groups and the primary school.",
    "economic_development": "A visitor centre would bring some visitors to Leven.",
    "regeneration": "The glen is not in a regeneration area.",
    "public_health": "More people might walk in the glen; the rangers already lead walks.",
    "social_wellbeing": "A meeting place would be welcome, but the hall nearby offers one.",
    "environmental_wellbeing": "The rangers' conservation work needs the lodge as its base.",
    "inequalities_of_outcome": "No evidence that the centre would reach households in "
    "deprived areas of Leven.",
    "participation_in_process": "Not shown how people experiencing disadvantage would take part.",
    "participation_in_service": "Not shown.",
    "other_benefits": "None found beyond those above.",
    "other_matters": "The lodge's roof needs repair this year.",
    "alternative_proposals": "The rangers' own use of the lodge, which the council prefers.",
    "legal_obligations": "None prevent a transfer.",
}


def seed(app: Flask) -> list[Login]:
    """Seed once; every run prints fresh API tokens for the demo users."""
    session = db()
    if session.scalar(select(User).where(User.email == ADMIN)) is None:
        _seed(session)
        session.commit()
    logins = []
    demo_users = session.scalars(
        select(User).where(User.email.in_(DEMO_EMAILS)).order_by(User.id)
    ).all()
    for user in demo_users:
        if not user.active or not check_password(user, DEMO_PASSWORD):
            continue  # changed or closed since: the demo password no longer signs it in
        where = (
            user.authority.code
            if user.authority
            else (user.community_body.name if user.community_body else "everything")
        )
        logins.append(
            Login(user.email, user.role, where, issue_token(session, user, label="casework demo"))
        )
    session.commit()
    return logins


def _seed(session) -> None:
    svc = services()
    today, law = svc.clock.today(), svc.law
    authorities = {}
    for code, name, type_, email in AUTHORITIES:
        authorities[code] = Authority(code=code, name=name, type=type_, email=email)
        session.add(authorities[code])
    bodies = [CommunityBody(**b) for b in BODIES]
    session.add_all(bodies)
    session.flush()
    create_user(
        session, email=ADMIN, role="admin", name="Demo administrator", password=DEMO_PASSWORD
    )
    officer = create_user(
        session,
        email="officer@fife.example",
        role="officer",
        name="Morag Officer",
        authority=authorities["FIFE"],
        password=DEMO_PASSWORD,
    )
    manager = create_user(
        session,
        email="manager@fife.example",
        role="manager",
        name="Iain Manager",
        authority=authorities["FIFE"],
        password=DEMO_PASSWORD,
    )
    manager.totp_secret = keyring_for(svc.settings.encryption_keys).encrypt(DEMO_TOTP_SECRET)
    create_user(
        session,
        email="officer@highland.example",
        role="officer",
        name="Ailsa Officer",
        authority=authorities["HIGHLAND"],
        password=DEMO_PASSWORD,
    )
    trust = create_user(
        session,
        email="secretary@kinghorntrust.example",
        role="community",
        name="Jean Secretary",
        body=bodies[0],
        password=DEMO_PASSWORD,
    )
    council = create_user(
        session,
        email="clerk@burntislandcc.example",
        role="community",
        name="Tam Clerk",
        body=bodies[1],
        password=DEMO_PASSWORD,
    )
    create_user(
        session,
        email="friends@lethamglen.example",
        role="community",
        name="Rab Friend",
        body=bodies[2],
        password=DEMO_PASSWORD,
    )
    session.flush()

    as_trust, as_council, as_officer = Actor.of(trust), Actor.of(council), Actor.of(officer)

    def act(case, trigger, payload, actor, party):
        perform(session, case, trigger, payload, actor, party, today=today, law=law)

    create_case(
        session,
        pr.KIND,
        {
            "authority": "FIFE",
            "title": "Safer routes to Kinghorn Primary School",
            "outcome": "Safer walking routes to Kinghorn Primary School",
            "reasons": "",
            "knowledge_and_experience": "",
            "expected_improvement": "",
        },
        as_trust,
        today=today,
    )

    submitted = create_case(
        session,
        pr.KIND,
        {
            "authority": "FIFE",
            "title": "Cleaner beaches on the Burntisland links",
            "outcome": "Cleaner beaches and better litter collection on the Burntisland links",
            "reasons": "The community council runs monthly beach cleans and hears residents' views.",
            "knowledge_and_experience": "Ten years of beach-clean records and a residents' survey.",
            "expected_improvement": "Bins emptied before weekends in summer; less litter on the sand.",
        },
        as_council,
        today=today,
    )
    act(submitted, "submit", {}, as_council, Party.BODY)

    validated = create_case(
        session,
        pr.KIND,
        {
            "authority": "FIFE",
            "title": "Mental health support for young people in Kinghorn",
            "outcome": "Better access to mental health support for young people in Kinghorn",
            "reasons": "Young people tell the trust that they cannot reach services in Kirkcaldy.",
            "knowledge_and_experience": "The trust runs the youth café and a peer-support group.",
            "expected_improvement": "A weekly drop-in session in Kinghorn, designed with young people.",
            "additional_authorities": ["NHSFIFE"],
        },
        as_trust,
        today=today,
    )
    act(validated, "submit", {}, as_trust, Party.BODY)
    act(validated, "validate", {}, as_officer, Party.AUTHORITY)
    act(
        validated,
        "notify_additional_authorities",
        {"notified_on": today},
        as_officer,
        Party.AUTHORITY,
    )

    agreed = create_case(
        session,
        pr.KIND,
        {
            "authority": "FIFE",
            "title": "Kinghorn harbour car park",
            "outcome": "A say in how the Kinghorn harbour car park is managed",
            "reasons": "The trust represents residents and harbour users.",
            "knowledge_and_experience": "Members include the harbour association and local traders.",
            "expected_improvement": "Parking rules that work for residents and visitors.",
        },
        as_trust,
        today=today,
    )
    act(agreed, "submit", {}, as_trust, Party.BODY)
    act(agreed, "validate", {}, as_officer, Party.AUTHORITY)
    act(
        agreed,
        "decide",
        {
            "outcome": "agreed",
            "process": "new",
            "process_description": "A working group of the trust, council officers and harbour "
            "users, meeting monthly for six months.",
            "other_participants": "The harbour users' association sends one member to the group.",
            "considerations": HARBOUR_CONSIDERATIONS,
        },
        as_officer,
        Party.AUTHORITY,
    )
    seed_last_year(session, as_trust, as_council, as_officer, today, law)
    seed_sample_simd(session)
    _seed_asset_transfers(session, authorities, as_trust, as_officer, today, law)
    _seed_community_planning(session, manager, officer)
    _seed_annual_reports(session, authorities["FIFE"], officer, manager, today, law)


LAND = [
    (
        "FIFE",
        "Kinghorn Town Hall",
        "1 High Street, Kinghorn KY3 9UE",
        "Victorian hall and car park",
    ),
    ("FIFE", "Burntisland Links Pavilion", "The Links, Burntisland KY3 9DS", "Sports pavilion"),
    ("FIFE", "Letham Glen Lodge", "Letham Glen, Leven KY8 4NP", "Former gatekeeper's lodge"),
    ("FIFE", "Kirkcaldy Old Depot", "Mitchelston Drive, Kirkcaldy KY1 3NB", "Vacant yard"),
    ("SWATER", "Glenfarg Reservoir Bothy", "Glenfarg, Perth PH2 9QN", "Stone bothy by the dam"),
]


# Fife's community planning (Part 2 of the Act): the four ambitions of the Plan for Fife,
# its local outcomes improvement plan (s.6), and three of its seven localities (s.10).
PLAN4FIFE = [
    (
        "priority",
        "Opportunities for all",
        "Reducing poverty and inequality, so that everyone has the chance to do well in life.",
    ),
    (
        "priority",
        "Thriving places",
        "Places where people want to live, work and visit, with "
        "good homes, green spaces and things to do.",
    ),
    (
        "priority",
        "Inclusive growth and jobs",
        "A strong local economy with good jobs that people in every part of Fife can reach.",
    ),
    (
        "priority",
        "Community led services",
        "Services designed and run with the communities that use them.",
    ),
    ("locality", "Kirkcaldy", "The Kirkcaldy area, with Kinghorn and Burntisland."),
    ("locality", "Levenmouth", "Leven, Methil, Buckhaven and the villages around them."),
    ("locality", "Glenrothes", "Glenrothes and its surrounding villages."),
]
# The demo's requests and what each concerns (the beach clean is left unlinked).
PLAN_LINKS = {
    "Mental health support for young people in Kinghorn": ("Opportunities for all", "Kirkcaldy"),
    "Kinghorn harbour car park": ("Thriving places", "Kirkcaldy"),
    "Use of Letham Glen Lodge as a visitor centre": (
        "Thriving places",
        "Community led services",
        "Levenmouth",
    ),
}


def _seed_community_planning(session, manager, officer) -> None:
    """Fife's LOIP priorities and localities, recorded by its manager, and three requests
    linked to them by its officer, so the reports can count requests by each."""
    from casework import planning
    from casework.models import Case

    made = {
        name: planning.create(session, manager, {"kind": kind, "name": name, "description": about})
        for kind, name, about in PLAN4FIFE
    }
    cases = session.scalars(select(Case).where(Case.title.in_(PLAN_LINKS))).all()
    for case in cases:
        for name in PLAN_LINKS[case.title]:
            planning.link(session, case, made[name], officer)


def _seed_annual_reports(session, fife, officer, manager, today, law) -> None:
    """Fife's reports: last year's participation request report published, its asset
    transfer report still a draft (so overdue once 30 June has passed), and this year's two
    drafts to complete."""
    from casework import annual_reports as ar

    this = ar.year_containing(today)
    last = ar.open_report(session, fife, pr.KIND, this - 1, officer)
    words = {
        "promotion": "A page on the council's website, a leaflet sent to every community "
        "council, and two evening workshops in Kirkcaldy and Glenrothes.",
        "support": "A named officer answers each body's questions before it makes a request, "
        "and reads a draft if asked.",
    }
    ar.act(session, last, "write", words, officer, today, law)
    ar.act(session, last, "approve", {}, manager, today, law)
    ar.act(session, last, "publish", {}, manager, today, law)
    ar.open_report(session, fife, atr.KIND, this - 1, officer)
    for kind in (pr.KIND, atr.KIND):
        ar.open_report(session, fife, kind, this, officer)


def _seed_asset_transfers(session, authorities, as_trust, as_officer, today, law) -> None:
    """Asset transfer requests at three stages: a draft, one open for representations, and
    one refused after its representation period, so each page has something to show."""
    land = {}
    for code, name, address, description in LAND:
        entry = LandEntry(
            authority_id=authorities[code].id,
            name=name,
            address=address,
            description=description,
            tenure="owned",
            import_key=import_key(None, name, address),
        )
        session.add(entry)
        land[name] = entry
    session.flush()

    def act(case, trigger, payload, actor, party, day):
        perform(session, case, trigger, payload, actor, party, today=day, law=law)

    request = {
        "kind": atr.KIND,
        "authority": "FIFE",
        "benefits": "A youth club, a lunch club for older people and a warm space in winter.",
        "proposed_price": "£1 a year",
        "other_terms": "A 25-year lease; the trust insures and maintains the building.",
        "community_support": "A petition of 812 residents and letters from four local groups.",
        "funding": "A Scottish Land Fund grant and £12,000 raised locally.",
    }
    create_case(
        session,
        atr.KIND,
        {
            **request,
            "title": "Ownership of Kinghorn Town Hall",
            "land": land["Kinghorn Town Hall"].id,
            "transfer_type": "ownership",
            "reasons": "",
            "funding": "",
        },
        as_trust,
        today=today,
    )

    open_case = create_case(
        session,
        atr.KIND,
        {
            **request,
            "title": "Lease of the Burntisland Links Pavilion",
            "land": land["Burntisland Links Pavilion"].id,
            "transfer_type": "lease",
            "reasons": "The pavilion is closed; the trust will reopen it for local clubs.",
        },
        as_trust,
        today=today,
    )
    start = today - dt.timedelta(days=3)
    act(open_case, "submit", {}, as_trust, Party.BODY, start)
    act(open_case, "validate", {}, as_officer, Party.AUTHORITY, start)
    act(
        open_case,
        "publish_notices",
        {
            "notice_date": start,
            "representations_close": today + dt.timedelta(days=35),
            "owners_and_occupiers": [{"name": "Burntisland Golf Club (tenant)", "address": ""}],
        },
        as_officer,
        Party.AUTHORITY,
        start,
    )

    refused = create_case(
        session,
        atr.KIND,
        {
            **request,
            "title": "Use of Letham Glen Lodge as a visitor centre",
            "land": land["Letham Glen Lodge"].id,
            "transfer_type": "other_rights",
            "reasons": "The trust would open the lodge as a visitor centre for the glen.",
        },
        as_trust,
        today=today,
    )
    d0 = today - dt.timedelta(days=90)
    act(refused, "submit", {}, as_trust, Party.BODY, d0)
    act(refused, "validate", {}, as_officer, Party.AUTHORITY, d0)
    act(
        refused,
        "publish_notices",
        {"notice_date": d0, "representations_close": d0 + dt.timedelta(days=35)},
        as_officer,
        Party.AUTHORITY,
        d0,
    )
    act(
        refused,
        "record_representation",
        {
            "name": "Leven Civic Society",
            "address": "By post",
            "received_on": d0 + dt.timedelta(days=5),
            "text": "The lodge should stay with the park rangers.",
        },
        as_officer,
        Party.AUTHORITY,
        d0 + dt.timedelta(days=5),
    )
    sent = d0 + dt.timedelta(days=36)
    act(
        refused,
        "send_representations_to_body",
        {"copies_sent_on": sent, "comments_by": sent + dt.timedelta(days=35)},
        as_officer,
        Party.AUTHORITY,
        sent,
    )
    act(
        refused,
        "comment_on_representations",
        {"comments": "The rangers would keep an office in the lodge."},
        as_trust,
        Party.BODY,
        sent + dt.timedelta(days=2),
    )
    act(
        refused,
        "decide",
        {
            "outcome": "refused",
            "reasons": "The rangers' service needs the whole lodge for the next five years.",
            "considerations": LODGE_CONSIDERATIONS,
        },
        as_officer,
        Party.AUTHORITY,
        today - dt.timedelta(days=2),
    )


def print_logins(logins: list[Login]) -> None:
    click.echo("Demo logins (password for every one: " + DEMO_PASSWORD + ")")
    for login in logins:
        click.echo(f"  {login.email:36} {login.role:10} {login.where}")
    click.echo(
        f"  Managers also give a one-time code: add the key {DEMO_TOTP_SECRET} to an "
        'authenticator app, or run: .venv/bin/python -c "import pyotp; '
        f"print(pyotp.TOTP('{DEMO_TOTP_SECRET}').now())\""
    )
    click.echo("API tokens (send as 'Authorization: Bearer TOKEN'):")
    for login in logins:
        click.echo(f"  {login.email:36} {login.token}")
