"""Statutory notices: rendered once from a template, stored as issued, never re-rendered.

Each notice has one template source. The plain-text rendering is the notice; the HTML
rendering is made from the same text (headings, paragraphs, lists) with everything
escaped, so the two can never say different things.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

import jinja2
from markupsafe import Markup, escape
from sqlalchemy.orm import Session

from casework.eventlog import Actor, record
from casework.models import Case, Notice
from workflows.notices import NoticeSpec
from workflows.periods import in_words

_env = jinja2.Environment(
    loader=jinja2.PackageLoader("casework", "templates/notices"),
    autoescape=False,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
_env.filters["longdate"] = lambda d: in_words(d) if d else ""  # "Tuesday 21 April 2026"


def render_text(case_kind: str, notice_kind: str, context: Mapping[str, Any]) -> str:
    text = _env.get_template(f"{case_kind}/{notice_kind}.txt").render(**context)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def text_to_html(text: str, title: str) -> str:
    """A complete HTML document for a notice's text."""
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">\n'
        f"<title>{escape(title)}</title></head><body>\n{text_to_fragment(text)}</body></html>\n"
    )


def text_to_fragment(text: str, top: int = 1) -> str:
    """HTML for a notice's text: '# ' and '## ' headings, '- ' lists, paragraphs; all
    text escaped. `top` is the level of a '# ' heading, so a notice shown inside a page
    keeps that page's heading order.

    Read line by line, so a heading or a list is one wherever it stands: a heading need
    not have a blank line after it, and a list may follow its lead-in line directly."""
    parts: list[str] = []
    lines: list[str] = []  # the paragraph being read
    items: list[str] = []  # the list being read

    def close() -> None:
        if lines:
            parts.append("<p>" + "<br>\n".join(str(escape(line)) for line in lines) + "</p>")
            lines.clear()
        if items:
            parts.append("<ul>" + "".join(f"<li>{escape(i)}</li>" for i in items) + "</ul>")
            items.clear()

    for raw in text.strip().replace("\r\n", "\n").split("\n"):
        line = raw.rstrip()
        heading = re.match(r"(#{1,2}) +(\S.*)$", line)
        if not line.strip():
            close()
        elif heading:
            close()
            level = top + len(heading.group(1)) - 1
            parts.append(f"<h{level}>{escape(heading.group(2))}</h{level}>")
        elif line.startswith("- "):
            if lines:
                close()
            items.append(line[2:].strip())
        elif items and raw.startswith("  "):
            items[-1] += " " + line.strip()  # a list item carried on to the next line
        else:
            if items:
                close()
            lines.append(line)
    close()
    return "\n".join(parts) + "\n"


def notice_markup(text: str | None, top: int = 2) -> Markup:
    """A notice's text as safe HTML within a page (the Jinja filter `notice_html`), its
    headings below the page's own."""
    return Markup(text_to_fragment(text or "", top=top))


def issue(
    session: Session,
    case: Case,
    spec: NoticeSpec,
    actor: Actor,
    issued_on: dt.date,
    context: Mapping[str, Any],
    *,
    recipient: str,
    recipient_email: str | None,
) -> Notice:
    """Render, store and log one notice to one recipient."""
    full = {
        **context,
        "case": case,
        "authority": case.authority,
        "body": case.community_body,
        "spec": spec,
        "issued_on": issued_on,
        "recipient": recipient,
    }
    text = render_text(case.kind, spec.kind, full)
    subject = f"{spec.title}: {case.reference}"
    decision = context.get("decision")
    ev = record(
        session,
        case,
        "notice.issued",
        actor,
        {
            "kind": spec.kind,
            "recipient_role": spec.recipient.value,
            "recipient": recipient,
            "citation": spec.citation,
            "published": spec.published,
            "has_email": bool(recipient_email),
            "outcome": getattr(decision, "outcome", None),
        },
    )

    session.flush()  # the event's id links the notice to it
    notice = Notice(
        case_id=case.id,
        kind=spec.kind,
        recipient_role=spec.recipient.value,
        recipient=recipient,
        recipient_email=recipient_email,
        subject=subject,
        body_text=text,
        body_html=text_to_html(text, subject),
        citation=spec.citation,
        public=spec.published,
        issued_on=issued_on,
        event_id=ev.id,
    )
    session.add(notice)
    return notice


class Receiver(StrEnum):
    """Who a receipt goes to: the person who sent a representation, and no one else."""

    REPRESENTER = "representer"


# A receipt for a representation sent through the public pages, to the address the person
# gave. Not published; the authority's to see, like notices to owners and occupiers.
REPRESENTATION_RECEIPT = NoticeSpec(
    kind="representation_receipt",
    title="We have received your representation",
    citation="SSI 2016/357 reg 7",
    recipient=Receiver.REPRESENTER,  # type: ignore[arg-type]
)


def representation_reference(case: Case, representation: Any) -> str:
    """The reference a person quotes about their representation."""
    return f"{case.reference}-R{representation.id:04d}"


def representation_receipt(
    session: Session,
    case: Case,
    representation: Any,
    reference: str,
    actor: Actor,
    issued_on: dt.date,
) -> Notice | None:
    """Queue a receipt by email for a representation, if the person gave an address: a
    notice like any other, so the outbox sends it once the representation is committed,
    and to that address only."""
    if not representation.email:
        return None
    return issue(
        session,
        case,
        REPRESENTATION_RECEIPT,
        actor,
        issued_on,
        {"representation": representation, "representation_reference": reference},
        recipient=representation.name or "You",
        recipient_email=representation.email,
    )
