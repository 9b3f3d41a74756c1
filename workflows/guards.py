"""Guards that recur across workflows: required statutory content, and sensible dates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING

from workflows.machine import Context, Guard
from workflows.periods import in_words

if TYPE_CHECKING:
    from workflows.deadlines import DeadlineState


def required_text(
    field: str, citation: str, what: str, applies: Callable[[Context], bool] | None = None
) -> Guard:
    """The payload must give `what` (non-blank text), because the law requires it."""

    def check(ctx: Context) -> str | None:
        if applies is not None and not applies(ctx):
            return None
        value = ctx.payload.get(field)
        if isinstance(value, str) and value.strip():
            return None
        return f"Give {what} ({citation})."

    return Guard(f"required.{field}", citation, check, field=field)


Bound = Callable[[Context], tuple[dt.date | None, str]]


def date_between(
    field: str,
    citation: str,
    *,
    earliest: Bound | None = None,
    latest: Bound | None = None,
    optional: bool = False,
) -> Guard:
    """A date in the payload must not be in the future, nor before the step it follows,
    nor (with `latest`) after a step that already rests on it.

    The service fills in today where the user leaves such a date out; an `optional` date
    may be left out altogether."""

    def check(ctx: Context) -> str | None:
        value = ctx.payload.get(field)
        name = field.replace("_", " ")
        if value is None:
            return None if optional else f"Give the {name}."
        if value > ctx.today:
            return f"The {name} cannot be in the future (today is {in_words(ctx.today)})."
        if earliest is not None:
            bound, what = earliest(ctx)
            if bound is not None and value < bound:
                return f"The {name} cannot be before {what} ({in_words(bound)})."
        if latest is not None:
            bound, what = latest(ctx)
            if bound is not None and value > bound:
                return f"The {name} cannot be after {what} ({in_words(bound)})."
        return None

    return Guard(f"date.{field}", citation, check, field=field)


def considered(key: str, label: str, citation: str, prefix: str) -> Guard:
    """The decision must record the officer's consideration of one statutory matter."""

    def check(ctx: Context) -> str | None:
        text = (ctx.payload.get("considerations") or {}).get(key)
        if isinstance(text, str) and text.strip():
            return None
        return f"Record how you considered {label} ({citation})."

    return Guard(f"{prefix}.{key}", citation, check, field=f"considerations.{key}")


DeadlinesOf = Callable[[Context], "list[DeadlineState]"]
EXTENSION_GUIDANCE = "asset transfer guidance for relevant authorities, para 15.2 (G)"


def extension_guards(
    rules: tuple[str, ...], deadlines_of: DeadlinesOf, citation: str, prefix: str
) -> tuple[Guard, ...]:
    """An agreed extension: to a rule that may be extended, to a later date, and, where the
    rule says so, agreed before the current deadline passes."""

    def current_state(ctx: Context):
        rule_id = ctx.payload.get("rule") or rules[0]
        return next((s for s in deadlines_of(ctx) if s.rule_id == rule_id and not s.key), None)

    def extensible(ctx: Context) -> str | None:
        rule_id = ctx.payload.get("rule") or rules[0]
        if rule_id not in rules:
            return f"{rule_id} cannot be extended by agreement; only {', '.join(rules)} can."
        state = current_state(ctx)
        if state is None or state.status.value != "open":
            return f"There is no running {rule_id} deadline to extend."
        return None

    def later(ctx: Context) -> str | None:
        state, new_due = current_state(ctx), ctx.payload.get("new_due_date")
        if new_due is None:
            return "Give the new due date."
        if state is not None and new_due <= state.deadline.due:
            return (
                "The agreed date must be later than the current due date, "
                f"{in_words(state.deadline.due)}."
            )
        return None

    def before_expiry(ctx: Context) -> str | None:
        state, agreed_on = current_state(ctx), ctx.payload.get("agreed_on")
        if (
            state is None
            or agreed_on is None
            or not ctx.law.rulebook.extension_only_before_expiry(state.deadline.rule)
        ):
            return None
        if agreed_on > state.deadline.due:
            return (
                f"The period ended on {in_words(state.deadline.due)}. The Scottish Government's "
                "guidance (asset transfer guidance for relevant authorities, para 15.2) says a "
                "longer period should always be agreed before the current one expires."
            )
        return None

    return (
        Guard(f"{prefix}.extensible", citation, extensible, field="rule"),
        Guard(f"{prefix}.later", citation, later, field="new_due_date"),
        date_between("agreed_on", citation),
        Guard(f"{prefix}.before_expiry", EXTENSION_GUIDANCE, before_expiry, field="agreed_on"),
    )


def within(
    rule_id: str,
    citation: str,
    what: str,
    deadlines_of: DeadlinesOf,
    key: Callable[[Context], str] | None = None,
) -> Guard:
    """Today must fall within the period of `rule_id` (a window the law gives someone)."""

    def check(ctx: Context) -> str | None:
        k = key(ctx) if key else ""
        state = next((s for s in deadlines_of(ctx) if s.rule_id == rule_id and s.key == k), None)
        if state is None:
            return f"There is no period for {what} on this case ({citation})."
        if ctx.today > state.deadline.due:
            return f"The period for {what} ended on {in_words(state.deadline.due)} ({citation})."
        return None

    return Guard(f"{rule_id}.within", citation, check)


def answered_guard(
    guard_id: str, missing: Callable, labels: dict[str, str], citation: str
) -> Guard:
    """Submitting needs every answer: blank ones are listed, in the body's words."""

    def check(ctx: Context) -> str | None:
        blank = missing(ctx.facts)
        if blank:
            return (
                "Answer every question before you submit. Still to answer: "
                + "; ".join(labels[k] for k in blank)
                + "."
            )
        return None

    return Guard(guard_id, citation, check)
