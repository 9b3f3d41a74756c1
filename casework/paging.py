"""Keyset (cursor) pages and bounded counts, so a page costs the same whatever its depth.

A list is ordered by a sort key that ends in the row's id. A cursor is the key's values at
the edge of a page, the page number it leads to, and which way it reads, written as
URL-safe base64 of JSON: opaque to a caller, and checked when it comes back, so a tampered
cursor is a 422 and never a database error. The next page is the rows after the last row's
key; the previous page the rows before the first row's, read backwards. Both are index
range scans, never an OFFSET that walks every row before the page.

Counts stop at COUNT_LIMIT rows: exact up to there, "more than" beyond it."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from marshmallow import ValidationError, fields
from sqlalchemy import ColumnElement, Select, and_, func, select, tuple_, union_all
from sqlalchemy.orm import Session

# Counted exactly up to this many rows; beyond it a list says "more than" this many.
COUNT_LIMIT = 10_000
# The largest page number a cursor may carry.
MAX_PAGE = 10_000_000


@dataclass(frozen=True)
class Key:
    """One column of a sort key: its expression, its name in the selected rows, its
    direction, and how its value is read back from a cursor."""

    column: ColumnElement[Any]
    name: str
    descending: bool
    read: Callable[[Any], Any]

    def flipped(self) -> Key:
        return Key(self.column, self.name, not self.descending, self.read)

    def order(self) -> ColumnElement[Any]:
        return self.column.desc() if self.descending else self.column.asc()


def read_datetime(value: Any) -> dt.datetime:
    moment = dt.datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError("a time in a cursor has a zone")
    return moment


def read_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("not a whole number")
    return value


def read_str(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("not text")
    return value


def read_float(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("not a number")
    return float(value)


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.datetime) else value


@dataclass(frozen=True)
class Cursor:
    """Where a page starts: after (or, reading back, before) the row whose key is `values`."""

    sort: str
    values: tuple[Any, ...]
    page: int
    back: bool

    def encode(self) -> str:
        raw = {"s": self.sort, "k": [_plain(v) for v in self.values], "p": self.page}
        if self.back:
            raw["b"] = 1
        text = json.dumps(raw, separators=(",", ":"), ensure_ascii=True)
        return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


BAD_CURSOR = "This page link is not one the service made. Start again from the first page."


class CursorField(fields.String):
    """A cursor as a query parameter: decoded when loaded, its values read by the sort
    the query names (see `checked`)."""

    def _deserialize(self, value, attr, data, **kwargs) -> dict[str, Any]:
        token = super()._deserialize(value, attr, data, **kwargs)
        try:
            padded = token + "=" * (-len(token) % 4)
            raw = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")).decode())
        except (ValueError, UnicodeError, binascii.Error) as exc:
            raise ValidationError(BAD_CURSOR) from exc
        if (
            not isinstance(raw, dict)
            or not isinstance(raw.get("s"), str)
            or not isinstance(raw.get("k"), list)
            or not isinstance(raw.get("p"), int)
            or isinstance(raw.get("p"), bool)
            or not 1 <= raw["p"] <= MAX_PAGE
        ):
            raise ValidationError(BAD_CURSOR)
        return raw


def checked(raw: dict[str, Any], sort: str, keys: Sequence[Key]) -> Cursor:
    """A decoded cursor made a Cursor for this sort, or a ValidationError: a cursor from
    another sort, or with values of the wrong kind, would read the wrong rows."""
    values = raw["k"]
    if raw["s"] != sort or len(values) != len(keys):
        raise ValidationError(BAD_CURSOR, "cursor")
    try:
        typed = tuple(k.read(v) for k, v in zip(keys, values, strict=True))
    except (ValueError, TypeError) as exc:
        raise ValidationError(BAD_CURSOR, "cursor") from exc
    return Cursor(sort, typed, raw["p"], bool(raw.get("b")))


def _beyond(keys: Sequence[Key], values: Sequence[Any]) -> list[ColumnElement[bool]]:
    """Conditions for the rows after `values` in the order of `keys`, one per run of keys
    read the same way: each can be an index range scan. Keys (a asc, b desc, id desc)
    give [a = x and (b, id) < (y, z), a > x]."""
    runs: list[list[int]] = []
    for i, key in enumerate(keys):
        if runs and keys[runs[-1][0]].descending == key.descending:
            runs[-1].append(i)
        else:
            runs.append([i])
    branches = []
    for r in reversed(range(len(runs))):
        run = runs[r]
        before = [i for earlier in runs[:r] for i in earlier]
        cols = [keys[i].column for i in run]
        vals = [values[i] for i in run]
        if len(run) == 1:
            beyond = cols[0] < vals[0] if keys[run[0]].descending else cols[0] > vals[0]
        else:
            row, at = tuple_(*cols), tuple_(*vals)
            beyond = row < at if keys[run[0]].descending else row > at
        branches.append(and_(*(keys[i].column == values[i] for i in before), beyond))
    return branches


def window(query: Select, keys: Sequence[Key], cursor: Cursor | None, limit: int) -> Select:
    """`query` (not yet ordered) from the cursor on, ordered by `keys`, `limit` rows; read
    backwards (the order reversed) for a cursor to a previous page."""
    if cursor is not None and cursor.back:
        keys = [k.flipped() for k in keys]
    order = [k.order() for k in keys]
    if cursor is None:
        return query.order_by(*order).limit(limit)
    branches = _beyond(keys, cursor.values)
    if len(branches) == 1:
        return query.where(branches[0]).order_by(*order).limit(limit)
    # Mixed directions: each branch is its own range scan, limited, then merged.
    parts = [query.where(b).order_by(*order).limit(limit).subquery() for b in branches]
    merged = union_all(*(select(p) for p in parts)).subquery()
    return (
        select(merged)
        .order_by(*(Key(merged.c[k.name], k.name, k.descending, k.read).order() for k in keys))
        .limit(limit)
    )


def count(session: Session, query: Select, id_column: ColumnElement[Any]) -> tuple[int, bool]:
    """(how many rows `query` selects, whether that is exact): counted up to COUNT_LIMIT,
    past which it is COUNT_LIMIT and not exact ("more than 10,000")."""
    bounded = query.with_only_columns(id_column).order_by(None).limit(COUNT_LIMIT + 1)
    n = session.scalar(select(func.count()).select_from(bounded.subquery())) or 0
    return (n, True) if n <= COUNT_LIMIT else (COUNT_LIMIT, False)


@dataclass
class Page:
    """A page of rows of key values (the id last), with the cursors to its neighbours
    (None where there is none)."""

    rows: list[Any]
    page: int
    next: Cursor | None
    prev: Cursor | None


def fetch(
    session: Session,
    query: Select,
    keys: Sequence[Key],
    *,
    sort: str,
    size: int,
    cursor: Cursor | None = None,
    page: int = 1,
    whole: bool = False,
) -> Page:
    """One page of `query`'s key columns (each labelled with its key's name), or with
    `whole` its own columns with the keys after them (for a key of one direction): from
    `cursor`, or (the old way, kept for links made before cursors) at page number `page`
    by OFFSET, whose cost grows with the page number."""
    labelled = [k.column.label(k.name) for k in keys]
    stmt = query.add_columns(*labelled) if whole else query.with_only_columns(*labelled)
    if cursor is None and page > 1:
        stmt = stmt.order_by(*(k.order() for k in keys)).limit(size + 1).offset((page - 1) * size)
    else:
        stmt = window(stmt, keys, cursor, size + 1)
    rows = list(session.execute(stmt))
    more = len(rows) > size
    rows = rows[:size]
    if cursor is not None and cursor.back:
        rows.reverse()
        number = cursor.page if more else 1
        has_next, has_prev = True, more
    else:
        number = cursor.page if cursor is not None else page
        has_next, has_prev = more, number > 1
    if not rows:
        return Page([], number, None, None)
    first, last = (tuple(r._mapping[k.name] for k in keys) for r in (rows[0], rows[-1]))
    return Page(
        rows,
        number,
        Cursor(sort, last, number + 1, False) if has_next else None,
        Cursor(sort, first, max(1, number - 1), True) if has_prev else None,
    )
