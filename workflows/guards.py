"""Guards that recur across workflows: required statutory content, and sensible dates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from workflows.machine import Context, Guard


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


def date_between(
    field: str,
    citation: str,
    *,
    earliest: Callable[[Context], tuple[dt.date | None, str]] | None = None,
) -> Guard:
    """A date in the payload must not be in the future, nor before the step it follows.

    The service fills in today where the user leaves such a date out."""

    def check(ctx: Context) -> str | None:
        value = ctx.payload.get(field)
        if value is None:
            return f"Give the {field.replace('_', ' ')}."
        if value > ctx.today:
            return f"The {field.replace('_', ' ')} cannot be in the future (today is {ctx.today})."
        if earliest is not None:
            bound, what = earliest(ctx)
            if bound is not None and value < bound:
                return f"The {field.replace('_', ' ')} cannot be before {what} ({bound})."
        return None

    return Guard(f"date.{field}", citation, check, field=field)
