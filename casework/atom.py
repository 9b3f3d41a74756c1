"""Atom feeds (RFC 4287): one writer for every feed the service offers, so each has the
same head, the same escaping and the same paging links (RFC 5005)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

from flask import Response

AUTHOR = "Community empowerment casework"
EPOCH = "1970-01-01T00:00:00+00:00"


@dataclass(frozen=True)
class Entry:
    title: str
    link: str
    updated: dt.datetime
    summary: str
    content: str = ""
    category: str | None = None
    published: dt.datetime | None = None


def feed(
    title: str,
    feed_id: str,
    self_url: str,
    alternate: str,
    entries: Sequence[Entry],
    links: Iterable[tuple[str, str | None]] = (),
) -> Response:
    """The feed as a response; `links` are (rel, href) pairs, left out where href is None.
    Its updated time is the newest entry's, whatever order the entries are in."""
    updated = max((e.updated for e in entries), default=None)
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<feed xmlns="http://www.w3.org/2005/Atom">',
        f"<title>{escape(title)}</title>",
        f"<id>{escape(feed_id)}</id>",
        f'<link rel="self" href="{escape(self_url)}"/>',
        f'<link rel="alternate" href="{escape(alternate)}"/>',
        *(f'<link rel="{rel}" href="{escape(href)}"/>' for rel, href in links if href),
        f"<updated>{updated.isoformat() if updated else EPOCH}</updated>",
        f"<author><name>{AUTHOR}</name></author>",
    ]
    for e in entries:
        parts += [
            "<entry>",
            f"<title>{escape(e.title)}</title>",
            f"<id>{escape(e.link)}</id>",
            f'<link rel="alternate" href="{escape(e.link)}"/>',
            f"<updated>{e.updated.isoformat()}</updated>",
            *([f"<published>{e.published.isoformat()}</published>"] if e.published else []),
            *([f'<category term="{escape(e.category)}"/>'] if e.category else []),
            f"<summary>{escape(e.summary)}</summary>",
            *([f'<content type="text">{escape(e.content)}</content>'] if e.content else []),
            "</entry>",
        ]
    parts.append("</feed>")
    return Response("\n".join(parts) + "\n", mimetype="application/atom+xml")
