"""The national picture: every authority's annual reports for a year (published, due or
overdue), the figures those reports count, worked out from each request's record for every
authority whether or not it has reported, and how they break down by type of authority,
by when decisions were made against their due date, by review and appeal result, and by
the deprivation of the requesting community (SIMD).

Worked out once per reporting year and state of the records: the page, its charts and its
open data all read the same `National`, and it is worked out again only when an event has
been recorded or a deadline settled since.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casework import annual_reports as ar
from casework import planning
from casework.charts import Chart
from casework.clock import now
from casework.models import (
    AnnualReport,
    Authority,
    Case,
    DeadlineRow,
    Event,
    PlanItem,
    SimdVersion,
)
from workflows import asset_transfer as atr
from workflows import participation as pr
from workflows.authorities import AUTHORITY_TYPES

KINDS = (pr.KIND, atr.KIND)
# The decision deadline of each kind: s.24 with SSI 2017/39 reg 7; s.82 with SSI 2016/357.
DECISION_RULES = {pr.KIND: "pr.decision", atr.KIND: "atr.decision"}
# When a decision was made against the date it was due (the statutory period, or a longer
# one the body agreed): (label, the latest day against the due date, in days).
TIMING = (
    ("More than 8 weeks before the due date", -57),
    ("4 to 8 weeks before", -28),
    ("Up to 4 weeks before", 0),
    ("Up to 4 weeks late", 28),
    ("More than 4 weeks late", None),
)
# The review and appeal figures of s.95(2)(d) and (e), in the order the Act lists them.
RESULTS = (
    "appeals_allowed",
    "appeals_dismissed",
    "appeals_varied",
    "reviews_confirmed",
    "reviews_modified",
    "reviews_substituted",
)


def kinds_for(authority: Authority) -> list[str]:
    """Part 3 reports for public service authorities, Part 5 for relevant authorities."""
    kind = AUTHORITY_TYPES[authority.type]
    owed = {pr.KIND: kind.public_service_authority, atr.KIND: kind.relevant_authority}
    return [k for k in KINDS if owed[k]]


@dataclass(frozen=True)
class Row:
    """One authority's report of one kind for the year."""

    authority: Authority
    kind: str
    status: str  # published, due or overdue
    due: dt.date
    report: AnnualReport | None
    figures: ar.Figures
    decided: int
    on_time: int

    def count(self, key: str) -> int:
        return self.figures[key].count


@dataclass(frozen=True)
class TypeRow:
    type_label: str
    kind: str
    authorities: int
    received: int
    agreed: int
    refused: int


@dataclass(frozen=True)
class National:
    year: int
    at: dt.datetime  # when these figures were worked out
    rows: tuple[Row, ...]
    by_type: tuple[TypeRow, ...]
    timing: dict[str, tuple[int, ...]]  # kind: decisions in each TIMING band
    results: tuple[tuple[str, str, int], ...]  # (key, label, count) for RESULTS
    simd: dict[str, dict[str, Any]]  # kind: annual_reports.lens of Scotland's figures
    # For each authority that records community planning priorities or localities, its
    # rows' figures by them (casework.planning.lens): priorities are each authority's own.
    planning: tuple[tuple[Row, dict[str, Any]], ...]

    @property
    def published(self) -> int:
        return sum(r.status == "published" for r in self.rows)

    @property
    def overdue(self) -> int:
        return sum(r.status == "overdue" for r in self.rows)

    def decided(self, kind: str) -> tuple[int, int]:
        """Decisions made in the year, and how many of them by their due date."""
        rows = [r for r in self.rows if r.kind == kind]
        return sum(r.decided for r in rows), sum(r.on_time for r in rows)


def on_time(session: Session, year: int) -> dict[tuple[int, str], tuple[int, int]]:
    """For each authority and kind: the decisions made in the year, and how many by the
    date they were due. One grouped query over the deadline rows for each kind."""
    out = {}
    for kind, rule in DECISION_RULES.items():
        first, last = ar.reporting_year(kind, year)
        rows = session.execute(
            select(
                Case.authority_id,
                func.count(),
                func.count().filter(DeadlineRow.settled_on <= DeadlineRow.due_date),
            )
            .join(Case, Case.id == DeadlineRow.case_id)
            .where(
                DeadlineRow.rule == rule,
                DeadlineRow.status == "met",
                DeadlineRow.settled_on.between(first, last),
            )
            .group_by(Case.authority_id)
        )
        out.update({(a, kind): (n, m) for a, n, m in rows})
    return out


def timing(session: Session, year: int) -> dict[str, tuple[int, ...]]:
    """Scotland's decisions in the year in each TIMING band, for each kind."""
    out = {}
    for kind, rule in DECISION_RULES.items():
        first, last = ar.reporting_year(kind, year)
        gaps = session.execute(
            select(DeadlineRow.settled_on, DeadlineRow.due_date).where(
                DeadlineRow.rule == rule,
                DeadlineRow.status == "met",
                DeadlineRow.settled_on.between(first, last),
            )
        )
        bands = [0] * len(TIMING)
        for settled, due in gaps:
            late = (settled - due).days
            bands[next(i for i, (_, m) in enumerate(TIMING) if m is None or late <= m)] += 1
        out[kind] = tuple(bands)
    return out


def _status(report: AnnualReport | None, due: dt.date, today: dt.date) -> str:
    return "published" if report else "overdue" if today > due else "due"


def _scotland(rows: Sequence[Row], kind: str, year: int) -> ar.Figures:
    """Every authority's figures of one kind as one set, for the national breakdowns."""
    mine = [r.figures for r in rows if r.kind == kind]
    first, last = ar.reporting_year(kind, year)
    figures = tuple(
        ar.Figure(
            c[0],
            c[1],
            c[2],
            tuple(ref for f in mine for ref in f[c[0]].references),
        )
        for c in ar.COUNTED[kind]
    )
    return ar.Figures("Scotland", kind, year, first, last, figures)


def work_out(session: Session, year: int, today: dt.date) -> National:
    authorities = session.scalars(select(Authority).order_by(Authority.name)).all()
    published = {
        (r.authority_id, r.kind): r
        for r in session.scalars(
            select(AnnualReport)
            .where(AnnualReport.year == year, AnnualReport.state == "published")
            .order_by(AnnualReport.version)
        )
    }
    figures = {
        kind: ar.every_figure(session, kind, year, [a for a in authorities if kind in kinds_for(a)])
        for kind in KINDS
    }
    timely = on_time(session, year)
    rows = []
    for a in authorities:
        for kind in kinds_for(a):
            report, due = published.get((a.id, kind)), ar.due_by(kind, year)
            decided, in_time = timely.get((a.id, kind), (0, 0))
            rows.append(
                Row(
                    a,
                    kind,
                    _status(report, due, today),
                    due,
                    report,
                    figures[kind][a.id],
                    decided,
                    in_time,
                )
            )
    by_type = []
    for type_id, t in AUTHORITY_TYPES.items():
        for kind in KINDS:
            mine = [r for r in rows if r.kind == kind and r.authority.type == type_id]
            if mine:
                by_type.append(
                    TypeRow(
                        t.label,
                        kind,
                        len(mine),
                        *(sum(r.count(k) for r in mine) for k in ("received", "agreed", "refused")),
                    )
                )
    scotland = {kind: _scotland(rows, kind, year) for kind in KINDS}
    results = tuple((k, scotland[atr.KIND][k].label, scotland[atr.KIND][k].count) for k in RESULTS)
    planners = set(session.scalars(select(PlanItem.authority_id).distinct()))
    return National(
        year,
        now(),
        tuple(rows),
        tuple(by_type),
        timing(session, year),
        results,
        {kind: ar.lens(session, scotland[kind]) for kind in KINDS},
        tuple(
            (r, _outcomes(planning.lens(session, r.figures)))
            for r in rows
            if r.authority.id in planners
        ),
    )


# The figures the national page breaks down by priority and locality: requests and what
# they came to (the reviews and appeals are in their own table).
OUTCOMES = ("received", "agreed", "refused", "service_changed", "ownership", "lease", "rights")


def _outcomes(plan: dict[str, Any]) -> dict[str, Any]:
    return {
        kind: {**part, "figures": [f for f in part["figures"] if f["key"] in OUTCOMES]}
        for kind, part in plan.items()
    }


KEEP = 8  # reporting years kept at once


@dataclass(frozen=True)
class _Kept:
    found: National
    state: tuple[Any, ...]
    at: float  # time.monotonic() when it was worked out


_cache: dict[tuple[Any, ...], _Kept] = {}
_lock = threading.Lock()


def national(session: Session, year: int, today: dt.date, max_age: float = 0) -> National:
    """`work_out`, kept while the records are as they were (the newest event, deadline,
    report, authority, SIMD import and plan item), or for `max_age` seconds whatever
    happens (STATISTICS_MAX_AGE): on a busy national service the records change every few
    seconds, and the page says when its figures were worked out."""
    latest = (
        Event.id,
        DeadlineRow.computed_at,
        AnnualReport.published_at,
        Authority.id,
        SimdVersion.id,
        PlanItem.id,
    )
    state = tuple(
        session.execute(select(*(select(func.max(c)).scalar_subquery() for c in latest))).one()
    )
    key = (str(session.get_bind().engine.url), year, today)
    with _lock:
        kept = _cache.get(key)
    if kept is not None and (kept.state == state or time.monotonic() - kept.at < max_age):
        return kept.found
    found = work_out(session, year, today)
    with _lock:
        if key not in _cache and len(_cache) >= KEEP:
            _cache.pop(next(iter(_cache)))
        _cache[key] = _Kept(found, state, time.monotonic())
    return found


# -- the charts of the national page (casework.charts draws them) -----------------------

KIND_NAMES = {pr.KIND: "participation requests", atr.KIND: "asset transfer requests"}
QUINTILE_LABELS = (
    "Quintile 1 (most deprived)",
    "Quintile 2",
    "Quintile 3",
    "Quintile 4",
    "Quintile 5 (least deprived)",
    "Could not be placed",
)


def _of(n: int, thing: str) -> str:
    return f"{n:,} {thing}" if n != 1 else f"1 {thing.removesuffix('s')}"


def requests_chart(found: National) -> Chart:
    rows = found.by_type
    received = {k: sum(r.received for r in rows if r.kind == k) for k in KINDS}
    agreed = {k: sum(r.agreed for r in rows if r.kind == k) for k in KINDS}
    refused = {k: sum(r.refused for r in rows if r.kind == k) for k in KINDS}
    summary = " ".join(
        f"Across Scotland, {_of(received[k], KIND_NAMES[k])} "
        f"{'was' if received[k] == 1 else 'were'} received, "
        f"{agreed[k]:,} agreed and {refused[k]:,} refused."
        for k in KINDS
    )
    return Chart(
        "requests",
        "Requests received, agreed and refused, by type of authority",
        tuple(f"{r.type_label}: {KIND_NAMES[r.kind]}" for r in rows),
        tuple(
            (label, tuple(getattr(r, attr) for r in rows))
            for label, attr in (
                ("Received", "received"),
                ("Agreed", "agreed"),
                ("Refused", "refused"),
            )
        ),
        summary,
    )


def timing_chart(found: National) -> Chart:
    parts = []
    for k in KINDS:
        decided, in_time = found.decided(k)
        parts.append(
            f"Of {_of(decided, 'decisions')} on {KIND_NAMES[k]}, {in_time:,} "
            f"({round(100 * in_time / decided)}%) {'was' if in_time == 1 else 'were'} made "
            "by the date due."
            if decided
            else f"No decisions on {KIND_NAMES[k]} were made."
        )
    return Chart(
        "timing",
        "When decisions were made, against the date they were due",
        tuple(label for label, _ in TIMING),
        tuple((KIND_NAMES[k].capitalize(), found.timing[k]) for k in KINDS),
        " ".join(parts),
    )


def results_chart(found: National) -> Chart:
    reviews = sum(n for k, _, n in found.results if k.startswith("reviews"))
    appeals = sum(n for k, _, n in found.results if k.startswith("appeals"))
    return Chart(
        "results",
        "Reviews and appeals of asset transfer decisions",
        tuple(label for _, label, _ in found.results),
        (("Asset transfer requests", tuple(n for _, _, n in found.results)),),
        f"{_of(reviews, 'reviews')} and {_of(appeals, 'appeals')} of asset transfer "
        f"decisions {'was' if reviews + appeals == 1 else 'were'} concluded in the year.",
    )


def simd_chart(found: National, kind: str, where: str = "body") -> Chart:
    """A kind's requests by the SIMD quintile of the body's address, or (asset transfers)
    of the land asked for."""
    lens = found.simd[kind]
    rows = {r["key"]: r for r in lens[where]}
    wanted = [k for k in ("received", "agreed", "refused") if k in rows]
    series = tuple(
        (rows[k]["label"], (*rows[k]["by_quintile"], rows[k]["unplaced"])) for k in wanted
    )
    received = rows["received"]
    most = received["by_quintile"][0] if received["by_quintile"] else 0
    whose = "bodies in" if where == "body" else "land in"
    summary = (
        f"Of {_of(sum(received['by_quintile']) + received['unplaced'], KIND_NAMES[kind])} "
        f"received, {most:,} {'was' if most == 1 else 'were'} for {whose} the most deprived "
        f"fifth of Scotland's data zones and {received['unplaced']:,} could not be placed."
        if lens["source"]
        else "No deprivation lookup has been loaded, so no request could be placed."
    )
    area = "the body's area" if where == "body" else "the land's area"
    return Chart(
        f"simd-{kind}" + ("" if where == "body" else "-land"),
        f"{KIND_NAMES[kind].capitalize()} by the deprivation of {area}",
        QUINTILE_LABELS,
        series,
        summary,
    )


def charts(found: National) -> dict[str, Chart]:
    drawn = [requests_chart(found), timing_chart(found), results_chart(found)]
    drawn += [simd_chart(found, k) for k in KINDS]
    drawn.append(simd_chart(found, atr.KIND, "land"))
    return {c.name: c for c in drawn}
