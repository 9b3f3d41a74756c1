"""Taking a step from a page: the same command the API runs, committed, or the problem to
show beside the answers the page keeps."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import g

from casework import commands
from casework.context import commit, db, law, today
from casework.errors import ServiceError
from casework.eventlog import Actor
from casework.models import Case
from casework.web.forms import Problem, problem_from
from workflows.rules import Party


def attempt(work: Callable[[], Any]) -> Problem:
    """Run `work` and commit; on a service error roll back and return what went wrong. An
    empty Problem means it was done."""
    try:
        work()
        commit()
    except ServiceError as exc:
        db().rollback()
        return problem_from(exc)
    return Problem()


def perform_as(
    case: Case,
    trigger: str,
    payload: dict[str, Any],
    party: Party,
    version: int | None = None,
    actor: Actor | None = None,
) -> None:
    """A workflow action by the signed-in user (or `actor`), as the API would take it."""
    commands.perform(
        db(),
        case,
        trigger,
        payload,
        actor or Actor.of(g.user),
        party,
        today=today(),
        law=law(),
        expected_version=version,
    )
