"""The deadlines a case has, as a pure function of its facts.

Each workflow says which rules apply and from which start date. The service stores the
result as rows and recomputes it whenever the facts change, so a corrected validation
date or an agreed extension moves every deadline that depends on it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from workflows.periods import in_words
from workflows.rules import (
    Deadline,
    Extension,
    Instrument,
    Party,
    Rulebook,
    apply_extensions,
)


class Status(StrEnum):
    OPEN = "open"  # still running
    MET = "met"  # the step was taken
    CLOSED = "closed"  # no longer needed (the case moved on or ended)


@dataclass(frozen=True)
class DeadlineState:
    key: str
    deadline: Deadline
    status: Status
    settled_on: dt.date | None = None

    @property
    def rule_id(self) -> str:
        return self.deadline.rule.id

    @property
    def party(self) -> Party:
        return self.deadline.rule.party

    @property
    def duty(self) -> bool:
        """A duty is a step someone must take; a window is a chance that may be let pass."""
        return self.party in (Party.AUTHORITY, Party.ADDITIONAL_AUTHORITY)

    # The names templates and rows use.
    @property
    def start_date(self) -> dt.date:
        return self.deadline.start

    @property
    def due_date(self) -> dt.date:
        return self.deadline.due

    @property
    def explanation(self) -> str:
        return self.deadline.explanation

    @property
    def citation(self) -> str:
        return self.deadline.citation

    @property
    def period(self) -> str:
        return self.deadline.period

    def display_status(self, today: dt.date) -> str:
        if self.status is Status.OPEN and self.deadline.due < today:
            return "overdue" if self.duty else "expired"
        return self.status.value


def track(
    rulebook: Rulebook,
    rule_id: str,
    start: dt.date,
    *,
    key: str = "",
    met_on: dt.date | None = None,
    closed: bool = False,
    extensions: Mapping[tuple[str, str], Sequence[Extension]] | None = None,
    with_additional_authorities: bool = False,
    due: dt.date | None = None,
    instrument: Instrument | None = None,
    citation: str | None = None,
) -> DeadlineState:
    """One deadline: computed, extended as agreed, with its status.

    `due` is a date set by the authority within the rule's minimum (for example a
    representation closing date); it must not be earlier than the computed minimum.
    """
    deadline: Deadline = rulebook.compute(
        rule_id,
        start,
        with_additional_authorities=with_additional_authorities,
        instrument=instrument,
        citation=citation,
    )
    if due is not None and due != deadline.due:
        relation = "later than" if due >= deadline.due else "EARLIER than"
        deadline = replace(
            deadline,
            due=due,
            lines=(
                *deadline.lines,
                f"The notice sets {in_words(due)}, which is {relation} the earliest date "
                f"allowed, {in_words(deadline.due)}.",
            ),
        )

    deadline = apply_extensions(deadline, (extensions or {}).get((rule_id, key), ()))
    if met_on is not None:
        return DeadlineState(key, deadline, Status.MET, met_on)
    if closed:
        return DeadlineState(key, deadline, Status.CLOSED)
    return DeadlineState(key, deadline, Status.OPEN)


def current(states: Sequence[DeadlineState], rule_id: str, key: str = "") -> DeadlineState | None:
    for s in states:
        if s.rule_id == rule_id and s.key == key:
            return s
    return None
