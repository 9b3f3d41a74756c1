"""Calendar feeds (RFC 5545): the public calendar of the days representations close on asset
transfer requests, for anyone to add to the calendar they use.

Written with icalendar, a maintained library that writes and parses RFC 5545 (folding,
escaping, dates, alarms), rather than string templates. Each event has a UID that stays the
same for its request, so a closing date that moves updates the same event, and a SEQUENCE
that rises with the request's version; an all-day event on the closing day, with an alarm
at the first reminder point before it. Nothing personal is in it: what the register
publishes of the request, and where to make a representation.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from urllib.parse import urlsplit

from icalendar import Alarm, Calendar, Event

from casework.clock import now
from casework.models import AssetTransferRequest
from workflows.periods import in_words, working_days_before
from workflows.rules import Rule

PRODID = "-//Community empowerment casework//Representations//EN"


def representations_calendar(
    requests: Iterable[AssetTransferRequest],
    base_url: str,
    rule: Rule,
    reminder_offsets: Sequence[int],
) -> bytes:
    """Every request open for representations, as one all-day event on its closing day."""
    host = urlsplit(base_url).hostname or "casework"
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", "Asset transfer requests: representations close")
    stamp = now()
    first_reminder = max(reminder_offsets, default=None)
    for case in requests:
        closes: dt.date = case.representations_close
        link = f"{base_url}/representations/{case.reference}"
        what = case.title or (case.land.name if case.land else case.land_description[:80])
        event = Event()
        event.add("uid", f"{case.reference}-representations@{host}")
        event.add("sequence", case.version)
        event.add("dtstamp", stamp)
        event.add("dtstart", closes)
        event.add("dtend", closes + dt.timedelta(days=1))
        event.add("transp", "TRANSPARENT")
        event.add("summary", f"Representations close: {what} ({case.reference})")
        event.add(
            "description",
            "\n".join(
                (
                    f"{case.community_body.name} asks {case.authority.name} about {what}.",
                    f"Anyone may make a representation until {in_words(closes)}: {link}",
                    f"Where this comes from: {rule.citation}, the Asset Transfer Request "
                    "(Procedure) (Scotland) Regulations 2016.",
                )
            ),
        )
        event.add("url", link)
        if first_reminder is not None:
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", f"Representations close on {in_words(closes)}")
            remind_on = working_days_before(closes, first_reminder)
            alarm.add("trigger", dt.datetime.combine(remind_on, dt.time(9), dt.UTC))
            event.add_component(alarm)
        calendar.add_component(event)
    return calendar.to_ical()
