"""The demo's requests of the last reporting year, so last year's annual reports and the
national page have figures to show: each action is taken on the day in law it would have
been, as `perform` records it.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from casework.commands import create_case, perform
from casework.eventlog import Actor
from workflows import participation as pr
from workflows.machine import Law
from workflows.rules import Party

CONSIDERATIONS = {
    "request_reasons": "The body knows the service from the users' side.",
    "supporting_information": "A survey of users and a year of the body's own records.",
    "economic_development": "No direct effect.",
    "regeneration": "No direct effect.",
    "public_health": "People using the service more often should be healthier for it.",
    "social_wellbeing": "The service would reach people who do not use it now.",
    "environmental_wellbeing": "No direct effect.",
    "inequalities_of_outcome": "Most of the people the body speaks for are on low incomes.",
    "participation_in_process": "Meetings in the evening, in the town, so working people can come.",
    "participation_in_service": "Users will be asked to test the changes.",
    "other_benefits": "None found beyond those above.",
    "other_matters": "None.",
}


def _day(year: int, month: int, day: int) -> dt.date:
    return dt.date(year, month, day)


def seed_last_year(
    session: Session,
    as_trust: Actor,
    as_council: Actor,
    as_officer: Actor,
    today: dt.date,
    law: Law,
) -> None:
    """Three Fife participation requests of the reporting year before this one: two agreed
    in time, one refused after its due date."""
    year = (today.year if today.month >= 4 else today.year - 1) - 1  # the year's 1 April

    def request(actor: Actor, title: str, outcome: str, received: dt.date):
        case = create_case(
            session,
            pr.KIND,
            {
                "authority": "FIFE",
                "title": title,
                "outcome": outcome,
                "reasons": "The body's members use the service and hear from others who do.",
                "knowledge_and_experience": "Years of running local groups, and a survey.",
                "expected_improvement": "A service that more local people use and rely on.",
            },
            actor,
            today=received,
        )
        perform(session, case, "submit", {}, actor, Party.BODY, today=received, law=law)
        validated = received + dt.timedelta(days=1)
        perform(
            session, case, "validate", {}, as_officer, Party.AUTHORITY, today=validated, law=law
        )
        return case

    def decide(case, on: dt.date, outcome: str, **more) -> None:
        payload = {"outcome": outcome, "considerations": CONSIDERATIONS, **more}
        perform(session, case, "decide", payload, as_officer, Party.AUTHORITY, today=on, law=law)

    library = request(
        as_trust,
        "Opening hours of Kinghorn library",
        "Library opening hours that suit working families in Kinghorn",
        _day(year, 5, 12),
    )
    decide(
        library,
        _day(year, 6, 10),
        "agreed",
        process="new",
        process_description="Three evening meetings of the trust and the library service.",
        other_participants="None.",
    )
    paths = request(
        as_council,
        "Gritting the side streets of Burntisland",
        "Side streets gritted before the morning frosts",
        _day(year, 9, 1),
    )
    decide(
        paths,
        _day(year, 10, 20),
        "refused",
        reasons="The gritting routes for the winter were already set with the roads service.",
    )
    sports = request(
        as_trust,
        "Sports for older people at Kinghorn hall",
        "More older people taking part in sport in Kinghorn",
        _day(year + 1, 1, 12),
    )
    decide(
        sports,
        _day(year + 1, 2, 9),
        "agreed",
        process="existing",
        process_description="The leisure trust's users' panel.",
        process_stage="Planning next year's timetable",
        participation_arrangements="Two places on the users' panel for the trust.",
        other_participants="None.",
    )
