"""Statutory notices: rendered once from a template, stored as issued, never re-rendered.

Each notice has one template source. The plain-text rendering is the notice; the HTML
rendering is made from the same text (headings, paragraphs, lists) with everything
escaped, so the two can never say different things.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

import jinja2
from markupsafe import escape
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
    keeps that page's heading order."""
    parts = []
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = block.split("\n")
        if all(line.startswith("- ") for line in lines):
            items = "".join(f"<li>{escape(line[2:])}</li>" for line in lines)
            parts.append(f"<ul>{items}</ul>")
        elif len(lines) == 1 and lines[0].startswith("# "):
            parts.append(f"<h{top}>{escape(lines[0][2:])}</h{top}>")
        elif len(lines) == 1 and lines[0].startswith("## "):
            parts.append(f"<h{top + 1}>{escape(lines[0][3:])}</h{top + 1}>")
        else:
            parts.append("<p>" + "<br>\n".join(str(escape(line)) for line in lines) + "</p>")
    return "\n".join(parts) + "\n"


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
