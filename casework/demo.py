"""Demo data: two councils and other authorities, three community bodies, users for each
role, and requests at several stages, all made through the same commands as real use."""

from __future__ import annotations

from dataclasses import dataclass

import click
from flask import Flask
from sqlalchemy import select

from casework.auth import create_user, issue_token
from casework.commands import create_case, perform
from casework.context import db, services
from casework.eventlog import Actor
from casework.models import Authority, CommunityBody, User
from workflows import participation as pr
from workflows.rules import Party

DEMO_PASSWORD = "demo-password-2026"
ADMIN = "admin@casework.example"

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


def _considerations(text: str) -> dict[str, str]:
    return {k: f"{text} ({v})." for k, v in pr.CONSIDERATIONS.items()}


def seed(app: Flask) -> list[Login]:
    """Seed once; every run prints fresh API tokens for the demo users."""
    session = db()
    if session.scalar(select(User).where(User.email == ADMIN)) is None:
        _seed(session)
        session.commit()
    logins = []
    for user in session.scalars(select(User).where(User.email.like("%.example")).order_by(User.id)):
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
    create_user(
        session,
        email="manager@fife.example",
        role="manager",
        name="Iain Manager",
        authority=authorities["FIFE"],
        password=DEMO_PASSWORD,
    )
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
    act(validated, "validate", {"validation_date": today}, as_officer, Party.AUTHORITY)
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
            "outcome": "A say in how the Kinghorn harbour car park is managed",
            "reasons": "The trust represents residents and harbour users.",
            "knowledge_and_experience": "Members include the harbour association and local traders.",
            "expected_improvement": "Parking rules that work for residents and visitors.",
        },
        as_trust,
        today=today,
    )
    act(agreed, "submit", {}, as_trust, Party.BODY)
    act(agreed, "validate", {"validation_date": today}, as_officer, Party.AUTHORITY)
    act(
        agreed,
        "decide",
        {
            "outcome": "agreed",
            "process": "new",
            "process_description": "A working group of the trust, council officers and harbour "
            "users, meeting monthly for six months.",
            "considerations": _considerations("Considered and found to favour agreeing"),
        },
        as_officer,
        Party.AUTHORITY,
    )


def print_logins(logins: list[Login]) -> None:
    click.echo("Demo logins (password for every one: " + DEMO_PASSWORD + ")")
    for login in logins:
        click.echo(f"  {login.email:36} {login.role:10} {login.where}")
    click.echo("API tokens (send as 'Authorization: Bearer TOKEN'):")
    for login in logins:
        click.echo(f"  {login.email:36} {login.token}")
