"""Workflows as data, run by one shared `transitions.Machine` each.

A workflow lists its states and its actions. Each action says who may take it, from
which states, where it leads, the statutory guards it must pass, the notices it issues
and its citation. From that one definition come the machine, the actions offered to
each user, the guard messages and the Mermaid diagram: nothing keeps a second list.

Guards see a `Context` (a facts snapshot, the payload, today and the law's settings),
never a database row, so this module stays free of I/O.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from transitions import Machine

from workflows.notices import NoticeSpec
from workflows.rules import Party, Rulebook


@dataclass(frozen=True)
class Law:
    """The rulebook and the settings that decide how the law is applied here."""

    rulebook: Rulebook = field(default_factory=Rulebook)
    unconstituted_groups: bool = False


@dataclass(frozen=True)
class Context:
    facts: Any
    today: dt.date
    law: Law
    payload: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Guard:
    """A statutory condition. `check` returns None when it holds, or what is wrong.

    A guard with a `field` is about the payload: its failure is a 422 on that field.
    A guard without one is about the case, and decides whether the action is offered.
    """

    id: str
    citation: str
    check: Callable[[Context], str | None]
    field: str | None = None


@dataclass(frozen=True)
class Action:
    trigger: str
    source: tuple[str, ...]
    dest: str | None
    party: Party
    label: str
    citation: str
    guards: tuple[Guard, ...] = ()
    # Several actions may share a trigger; `when` picks the one the payload asks for.
    when: Callable[[Context], bool] | None = None
    when_text: str = ""
    notices: tuple[str, ...] = ()
    # For a system action: the deadline rules whose passing can let it happen. The sweep
    # looks only at cases with one of these open and past due, so it never re-reads cases
    # that are past some other deadline but have nothing it can do.
    after: tuple[str, ...] = ()


@dataclass(frozen=True)
class State:
    name: str
    label: str
    final: bool = False


@dataclass(frozen=True)
class GuardFailure:
    guard: Guard
    message: str

    def as_dict(self) -> dict[str, str | None]:
        return {
            "guard": self.guard.id,
            "citation": self.guard.citation,
            "message": self.message,
            "field": self.guard.field,
        }


class ActionNotAllowed(Exception):
    """The action does not exist for this case, or not in its current state (409)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class GuardsFailed(Exception):
    """The statutory guards of the action do not hold (422 if all are about fields, else 409)."""

    def __init__(self, trigger: str, failures: list[GuardFailure]):
        super().__init__("; ".join(f.message for f in failures))
        self.trigger = trigger
        self.failures = failures

    @property
    def payload_only(self) -> bool:
        return all(f.guard.field for f in self.failures)


@dataclass(frozen=True)
class Offer:
    """An action as offered to a party now, with the reasons it is blocked if it is."""

    trigger: str
    label: str
    citation: str
    party: Party
    blocked_by: tuple[GuardFailure, ...] = ()

    @property
    def allowed(self) -> bool:
        return not self.blocked_by


class Workflow:
    """One statutory procedure and its machine, built once at import."""

    def __init__(
        self,
        kind: str,
        title: str,
        states: tuple[State, ...],
        initial: str,
        notices: Mapping[str, NoticeSpec],
        actions: tuple[Action, ...],
    ):
        self.kind = kind
        self.title = title
        self.states = {s.name: s for s in states}
        self.initial = initial
        self.notices = dict(notices)
        self.actions = actions
        for action in actions:
            if set(action.notices) - set(self.notices):
                raise ValueError(f"{action.trigger}: unknown notices {action.notices}")
            unknown = {*action.source, action.dest} - {*self.states, None}
            if unknown:
                raise ValueError(f"{action.trigger}: unknown states {unknown}")
            if action.dest is None and action.when is not None:
                raise ValueError(f"{action.trigger}: an internal action cannot be routed")
            if (action.party is Party.SYSTEM) != bool(action.after):
                raise ValueError(f"{action.trigger}: a system action, and only one, names `after`")
        self.triggers = tuple(dict.fromkeys(a.trigger for a in actions))
        self.machine = Machine(
            model=None,
            states=list(self.states),
            initial=initial,
            transitions=[self._transition(a) for a in actions],
            auto_transitions=False,
            send_event=True,
        )

    @staticmethod
    def _transition(action: Action) -> dict[str, Any]:
        def conditions(event) -> bool:
            ctx: Context = event.kwargs["ctx"]
            if action.when is not None and not action.when(ctx):
                return False
            return all(g.check(ctx) is None for g in action.guards)

        return {
            "trigger": action.trigger,
            "source": list(action.source),
            "dest": action.dest,
            "conditions": [conditions],
        }

    def actions_for(self, trigger: str, state: str) -> list[Action]:
        return [a for a in self.actions if a.trigger == trigger and state in a.source]

    def select(self, trigger: str, state: str, ctx: Context, party: Party) -> Action:
        """The action this trigger means now, once its guards hold; else raise why not."""
        if trigger not in self.triggers:
            raise ActionNotAllowed(
                f"'{trigger}' is not an action of a {self.title.lower()}; "
                f"actions: {', '.join(self.triggers)}"
            )
        candidates = self.actions_for(trigger, state)
        if not candidates:
            raise ActionNotAllowed(
                f"'{trigger}' is not allowed while the case is {self.states[state].label.lower()}"
            )
        candidates = [a for a in candidates if a.party == party]
        if not candidates:
            raise PermissionError(f"'{trigger}' is not an action you can take on this case")
        routed = [a for a in candidates if a.when is None or a.when(ctx)]
        if not routed:
            raise ActionNotAllowed(f"'{trigger}' cannot be taken with these details")
        action = routed[0]
        failures = [GuardFailure(g, msg) for g in action.guards if (msg := g.check(ctx))]
        if failures:
            raise GuardsFailed(trigger, failures)
        return action

    def fire(self, model: Any, action: Action, ctx: Context) -> None:
        """Run the trigger on the shared machine; the model's `state` attribute changes."""
        if not self.machine.events[action.trigger].trigger(model, ctx=ctx):
            raise ActionNotAllowed(f"'{action.trigger}' could not be completed")

    def offers(self, state: str, party: Party, ctx: Context) -> list[Offer]:
        """What `party` may do now: each trigger once, blocked by case guards if they fail.

        Payload guards are left out: they can only be judged once the form is filled in.
        """
        offers: dict[str, Offer] = {}
        for action in self.actions:
            if state not in action.source or action.party != party:
                continue
            blocked = tuple(
                GuardFailure(g, msg)
                for g in action.guards
                if g.field is None and (msg := g.check(ctx))
            )
            previous = offers.get(action.trigger)
            if previous is None or (previous.blocked_by and not blocked):
                offers[action.trigger] = Offer(
                    action.trigger, action.label, action.citation, action.party, blocked
                )
        return list(offers.values())

    def mermaid(self) -> str:
        """A state diagram drawn from the machine's own transitions."""
        lines = ["stateDiagram-v2", f"    [*] --> {self.machine.initial}"]
        for name, state in self.states.items():
            lines.append(f"    {name} : {state.label}")
        labels = {(a.trigger, src, a.dest): a for a in self.actions for src in a.source}
        for event in self.machine.events.values():
            for source, transitions in event.transitions.items():
                for t in transitions:
                    dest = t.dest if t.dest is not None else source
                    action = labels[(event.name, source, t.dest)]
                    when = f" [{action.when_text}]" if action.when_text else ""
                    label = f"{event.name}{when} ({action.citation})".replace(";", ",")
                    lines.append(f"    {source} --> {dest} : {label}")
        for name, state in self.states.items():
            if state.final:
                lines.append(f"    {name} --> [*]")
        return "\n".join(lines) + "\n"
