"""When a request counts as made: the validation date is a fact, not the officer's choice.

A participation request is made on the day the last of the required information is
received (SSI 2017/39 regs 4-5); an asset transfer request is treated as made on the
date the last of it is received (SSI 2016/357 reg 5). Every later date of the case counts
from that day, so a later "validation date" would shorten the body's rights. The
validation date is therefore the recorded day of receipt: the day the request was
submitted online, or the day the body sent the last missing item; or, for something that
reached the authority by post, email or by hand, the day the officer records it arrived.

A receipt date recorded wrongly can be corrected, with a reason, but never to a day after
a notice that already rests on it (the acknowledgement, a notice to others).
"""

from __future__ import annotations

from workflows.guards import Bound, date_between, required_text
from workflows.machine import Context, Guard
from workflows.periods import in_words

# How the last required item reached the authority.
CHANNELS: dict[str, str] = {
    "online": "online, through this service",
    "post": "by post",
    "email": "by email",
    "hand": "by hand",
}
OFFLINE = ("post", "email", "hand")


def _information_requested(ctx: Context) -> tuple:
    return (
        ctx.facts.information_requested_on,
        "the notice asking for the missing information",
    )


def _received_online(ctx: Context) -> tuple:
    return (ctx.facts.received_on, "the day it reached us through this service")


def validation_guards(citation: str) -> tuple[Guard, ...]:
    """Validating confirms completeness; where an item came other than online, the
    officer records the day it arrived, no later than the online record of it."""

    def channel(ctx: Context) -> str | None:
        on, by = ctx.payload.get("received_on"), ctx.payload.get("received_by")
        if on is not None and by not in OFFLINE:
            return "Say how the request or the last item reached you: by post, email or by hand."
        if by is not None and on is None:
            return "Give the day it reached you."
        return None

    return (
        date_between(
            "received_on",
            citation,
            optional=True,
            earliest=_information_requested,
            latest=_received_online,
        ),
        Guard("receipt.channel", citation, channel, field="received_by"),
    )


def correction_guards(citation: str, rests_on: Bound) -> tuple[Guard, ...]:
    """A corrected receipt date: with a reason, different from the one recorded, and not
    after any notice already given on the strength of it (`rests_on`)."""

    def differs(ctx: Context) -> str | None:
        value = ctx.payload.get("received_on")
        if value is not None and value == ctx.facts.validation_date:
            return f"The request is already recorded as received on {in_words(value)}."
        return None

    return (
        date_between("received_on", citation, earliest=_information_requested, latest=rests_on),
        Guard("receipt.differs", citation, differs, field="received_on"),
        required_text("reason", citation, "the reason for the correction"),
    )


def earliest_of(*bounds: tuple) -> tuple:
    """The earliest of several (date, what) bounds that are set."""
    dated = [b for b in bounds if b[0] is not None]
    return min(dated, key=lambda b: b[0]) if dated else (None, "")
