"""The figures of the annual reports (s.32 for participation requests, s.95 for asset
transfer requests), counted from the event log.

The guidance says to count what happened within the reporting year, not the fate of that
year's requests ("the figures will not be the same as many requests may be received in one
year and decided the next": asset transfer guidance para 21.3). So each figure counts the
events whose day in law (the `on` of an action event) falls within the year. Events are
append-only, so the same report worked out at any later time gives the same numbers; and
each number carries the references of the cases it counts, for a manager to check.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Row, and_, or_, select
from sqlalchemy.orm import Session, with_polymorphic

from casework.access import Role
from casework.clock import LONDON, now
from casework.errors import Conflict, Forbidden
from casework.eventlog import Actor, record
from casework.models import AnnualReport, Authority, Case, Event, User
from workflows import asset_transfer as atr
from workflows import participation as pr
from workflows import periods
from workflows.annual_report import TEXTS, ReportFacts
from workflows.annual_report import WORKFLOW as report_workflow
from workflows.machine import ActionNotAllowed, Context, GuardsFailed, Law
from workflows.rules import Party


def reporting_year(kind: str, year: int) -> tuple[dt.date, dt.date]:
    """The first and last day of the reporting year that begins on 1 April `year`
    (s.32(4), s.95(4)); for asset transfers, 2017 is the longer first year
    (`workflows.periods.reporting_year` holds the rule)."""
    return periods.reporting_year(dt.date(year, 4, 1), asset_transfer=kind == atr.KIND)


def year_containing(day: dt.date) -> int:
    """The reporting year a day falls in, named by the year in which it begins."""
    return periods.reporting_year(day)[1].year - 1


def due_by(kind: str, year: int) -> dt.date:
    """No later than 30 June following the end of the year (s.32(3), s.95(3))."""
    return dt.date(reporting_year(kind, year)[1].year, 6, 30)


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    citation: str
    references: tuple[str, ...] = ()
    # Cases whose outcome report did not say whether a public service changed (s.32(2)(c)).
    unknown: tuple[str, ...] = ()

    @property
    def count(self) -> int:
        return len(self.references)


@dataclass(frozen=True)
class Figures:
    authority: str
    kind: str
    year: int
    first_day: dt.date
    last_day: dt.date
    figures: tuple[Figure, ...] = field(default_factory=tuple)

    def __getitem__(self, key: str) -> Figure:
        return next(f for f in self.figures if f.key == key)


# (key, label, citation, event type, test on the event's payload)
Counted = tuple[str, str, str, str, Callable[[dict[str, Any]], bool]]


def _outcome(value: str) -> Callable[[dict[str, Any]], bool]:
    return lambda p: (p.get("payload") or {}).get("outcome") == value


def _result(value: str) -> Callable[[dict[str, Any]], bool]:
    return lambda p: (p.get("payload") or {}).get("result") == value


def _to(state: str) -> Callable[[dict[str, Any]], bool]:
    return lambda p: p.get("to") == state


def _anything(_: dict[str, Any]) -> bool:
    return True


def _received_and_decided(section: str) -> tuple[Counted, ...]:
    """The first figures of both reports: (2)(a) received, (2)(b) agreed and refused."""
    return (
        ("received", "Requests received", f"{section}(2)(a)", "action.submit", _anything),
        ("agreed", "Requests agreed", f"{section}(2)(b)(i)", "action.decide", _outcome("agreed")),
        (
            "refused",
            "Requests refused",
            f"{section}(2)(b)(ii)",
            "action.decide",
            _outcome("refused"),
        ),
    )


PARTICIPATION: tuple[Counted, ...] = (
    *_received_and_decided("s.32"),
    (
        "service_changed",
        "Requests that resulted in a change to a public service",
        "s.32(2)(c)",
        "action.publish_outcome_report",
        lambda p: (p.get("payload") or {}).get("service_changed") is True,
    ),
)
ASSET_TRANSFER: tuple[Counted, ...] = (
    *_received_and_decided("s.95"),
    (
        "ownership",
        "Requests that resulted in a transfer of ownership",
        "s.95(2)(c)(i)",
        "action.conclude_contract",
        _to("ownership_transferred"),
    ),
    (
        "lease",
        "Requests that resulted in a lease",
        "s.95(2)(c)(ii)",
        "action.conclude_contract",
        _to("lease_granted"),
    ),
    (
        "rights",
        "Requests that resulted in other rights being conferred",
        "s.95(2)(c)(iii)",
        "action.conclude_contract",
        _to("rights_granted"),
    ),
    (
        "appeals_allowed",
        "Appeals allowed",
        "s.95(2)(d)(i); s.85 and s.88(3)",
        "action.record_appeal_outcome",
        _result("allowed"),
    ),
    (
        "appeals_dismissed",
        "Appeals dismissed",
        "s.95(2)(d)(ii); s.85 and s.88(3)",
        "action.record_appeal_outcome",
        _result("dismissed"),
    ),
    (
        "appeals_varied",
        "Appeals in which any part of the decision was varied or reversed",
        "s.95(2)(d)(iii); s.85 and s.88(3)",
        "action.record_appeal_outcome",
        _result("varied"),
    ),
    (
        "reviews_confirmed",
        "Reviews in which the decision was confirmed",
        "s.95(2)(e)(i); ss.86, 87 and 89",
        "action.record_review_outcome",
        _result("confirm"),
    ),
    (
        "reviews_modified",
        "Reviews in which the decision was modified",
        "s.95(2)(e)(ii); ss.86, 87 and 89",
        "action.record_review_outcome",
        _result("modify"),
    ),
    (
        "reviews_substituted",
        "Reviews in which a different decision was substituted",
        "s.95(2)(e)(iii); ss.86, 87 and 89",
        "action.record_review_outcome",
        _result("substitute"),
    ),
)
COUNTED = {pr.KIND: PARTICIPATION, atr.KIND: ASSET_TRANSFER}


def day_of(event: Event | Row) -> dt.date:
    """The day in law an event happened: the action's own day, or (for events before
    actions recorded it) the day it was recorded, in Scotland."""
    on = (event.payload or {}).get("on")
    if on:
        return dt.date.fromisoformat(on)
    return event.occurred_at.astimezone(LONDON).date()


def figures(session: Session, authority: Authority, kind: str, year: int) -> Figures:
    """Every figure of the authority's report for the year, from one query of its events."""
    return every_figure(session, kind, year, [authority])[authority.id]


def every_figure(
    session: Session, kind: str, year: int, authorities: Sequence[Authority]
) -> dict[int, Figures]:
    """The figures of each authority's report for the year, from one query of their
    events in the year: by the day in law an action records, or for an older event with
    none, by the day it was recorded (a day's margin either side, settled by `day_of`)."""
    counted = COUNTED[kind]
    first, last = reporting_year(kind, year)
    types = {c[3] for c in counted}
    on = Event.payload["on"].as_string()
    rows = session.execute(
        select(Event.type, Event.payload, Event.occurred_at, Case.reference, Case.authority_id)
        .join(Case, Case.id == Event.case_id)
        .where(
            Case.authority_id.in_([a.id for a in authorities]),
            Case.kind == kind,
            Event.type.in_(types),
            or_(
                on.between(first.isoformat(), last.isoformat()),
                and_(
                    on.is_(None),
                    Event.occurred_at
                    >= dt.datetime.combine(first, dt.time(), dt.UTC) - dt.timedelta(days=1),
                    Event.occurred_at
                    < dt.datetime.combine(last, dt.time(), dt.UTC) + dt.timedelta(days=2),
                ),
            ),
        )
        .order_by(Event.id)
    ).all()
    in_year: dict[int, list[Row]] = {a.id: [] for a in authorities}
    for row in rows:
        if first <= day_of(row) <= last:
            in_year[row.authority_id].append(row)
    return {
        a.id: Figures(a.code, kind, year, first, last, _count(counted, in_year[a.id]))
        for a in authorities
    }


def _count(counted: tuple[Counted, ...], events: list[Row]) -> tuple[Figure, ...]:
    out = []
    for key, label, citation, type_, test in counted:
        refs: dict[str, None] = {}
        unknown: dict[str, None] = {}
        for event in events:
            reference = event.reference
            if event.type != type_:
                continue
            if test(event.payload or {}):
                refs[reference] = None
            elif (
                key == "service_changed"
                and (event.payload or {}).get("payload", {}).get("service_changed") is None
            ):
                unknown[reference] = None
        out.append(Figure(key, label, citation, tuple(refs), tuple(unknown)))
    return tuple(out)


# -- the report's own procedure (workflows/annual_report.py) ---------------------------


def versions(session: Session, authority: Authority, kind: str, year: int) -> list[AnnualReport]:
    """Every version of the report, the newest first."""
    return list(
        session.scalars(
            select(AnnualReport)
            .where(
                AnnualReport.authority_id == authority.id,
                AnnualReport.kind == kind,
                AnnualReport.year == year,
            )
            .order_by(AnnualReport.version.desc())
        )
    )


def open_report(
    session: Session, authority: Authority, kind: str, year: int, user: User | None
) -> AnnualReport:
    """The newest version of the report, drafted first if there is none yet (by the
    deadline sweep, with no user, once the year has ended)."""
    found = versions(session, authority, kind, year)
    if found:
        return found[0]
    report = AnnualReport(
        authority=authority, kind=kind, year=year, version=1, state=report_workflow.initial
    )
    session.add(report)
    session.flush()
    _record(session, report, "drafted", user)
    return report


def _record(
    session: Session, report: AnnualReport, what: str, user: User | None, on: dt.date | None = None
) -> None:
    """The report's event; an action's has the day in law it was done (`on`), as case
    actions have."""
    record(
        session,
        None,
        f"annual_report.{what}",
        Actor.of(user) if user is not None else Actor.system("reports"),
        {
            "report_id": report.id,
            "authority": report.authority.code,
            "kind": report.kind,
            "year": report.year,
            "version": report.version,
            "state": report.state,
            **({"on": on.isoformat()} if on is not None else {}),
        },
    )


def lens(session: Session, found: Figures) -> dict[str, Any]:
    """The figures by SIMD quintile, by the body and (for asset transfers) by the land,
    with the lookup they were placed with."""
    out: dict[str, Any] = {"source": None}
    for where in ("body", "land") if found.kind == atr.KIND else ("body",):
        source, rows = by_quintile(session, found, where)
        out["source"] = out["source"] or source
        out[where] = [
            {
                "key": r.key,
                "label": r.label,
                "by_quintile": list(r.by_quintile),
                "unplaced": r.unplaced,
            }
            for r in rows
        ]
    return out


def snapshot(found: Figures, session: Session | None = None) -> dict[str, Any]:
    """The figures as published: counts, and for the authority the cases behind them; with
    a session, the SIMD and community planning breakdowns too."""
    from casework import planning

    return {
        **({"simd": lens(session, found)} if session is not None else {}),
        **({"planning": planning.lens(session, found)} if session is not None else {}),
        "first_day": found.first_day.isoformat(),
        "last_day": found.last_day.isoformat(),
        "figures": [
            {
                "key": f.key,
                "label": f.label,
                "citation": f.citation,
                "count": f.count,
                "references": list(f.references),
                "unknown": list(f.unknown),
            }
            for f in found.figures
        ],
    }


def act(
    session: Session,
    report: AnnualReport,
    trigger: str,
    payload: dict[str, Any],
    user: User,
    today: dt.date,
    law: Law,
) -> AnnualReport:
    """Take one step of the report's procedure; return the report that is current after it
    (a correction returns the new draft version)."""
    texts = {k: payload.get(k, getattr(report, k)) for k in TEXTS}
    facts = ReportFacts(report.state, texts, by_manager=user.role == Role.MANAGER)
    ctx = Context(facts, today, law, payload)
    try:
        action = report_workflow.select(trigger, report.state, ctx, Party.AUTHORITY)
    except ActionNotAllowed as exc:
        raise Conflict(exc.message, state=report.state) from exc
    except PermissionError as exc:
        raise Forbidden(str(exc)) from exc
    except GuardsFailed as exc:
        if any(f.guard.id == "annual_report.manager" for f in exc.failures):
            raise Forbidden("Only a manager of the authority can do this.") from exc
        raise Conflict(str(exc), state=report.state) from exc
    report_workflow.fire(report, action, ctx)
    current = report
    if trigger == "write":
        for key, value in texts.items():
            setattr(report, key, value or "")
    elif trigger == "approve":
        report.approved_by_id, report.approved_at = user.id, now()
    elif trigger == "send_back":
        report.approved_by_id, report.approved_at = None, None
    elif trigger == "publish":
        report.figures = snapshot(
            figures(session, report.authority, report.kind, report.year), session
        )
        report.published_at = now()
    elif trigger == "correct":
        current = AnnualReport(
            authority=report.authority,
            kind=report.kind,
            year=report.year,
            version=report.version + 1,
            state=report_workflow.initial,
            promotion=report.promotion,
            support=report.support,
            correction_note=(payload.get("note") or "").strip(),
        )
        session.add(current)
    session.flush()
    _record(session, report, trigger, user, today)
    if current is not report:
        _record(session, current, "drafted", user, today)
    return current


# -- the inequalities lens: each figure by SIMD quintile ----------------------------------

QUINTILES = (1, 2, 3, 4, 5)


@dataclass(frozen=True)
class Breakdown:
    """One figure's cases by the SIMD quintile of where they are (1 is the most deprived
    fifth of Scotland's data zones); `unplaced` could not be placed (no postcode, or one not
    in the lookup)."""

    key: str
    label: str
    by_quintile: tuple[int, ...]
    unplaced: int


def by_quintile(
    session: Session, found: Figures, where: str = "body"
) -> tuple[str | None, list[Breakdown]]:
    """Each figure broken down by the quintile of the requesting body's contact address
    (`where="body"`, a stand-in for its community) or of the land (`"land"`). Returns the
    SIMD version's citation (None when no lookup is loaded) and the breakdowns."""
    from casework import simd
    from casework.models import AssetTransferRequest

    refs = {r for f in found.figures for r in f.references}
    every = with_polymorphic(Case, "*")
    cases = session.scalars(select(every).where(every.reference.in_(refs))).all() if refs else []

    def text_of(case: Case) -> str | None:
        if where == "land":
            if not isinstance(case, AssetTransferRequest):
                return None
            return case.land.address if case.land is not None else case.land_description
        return case.community_body.contact_address

    texts = {c.reference: text_of(c) for c in cases}
    placed = simd.place_many(session, [t for t in texts.values() if t])
    quintile = {
        ref: (placed.get(t).quintile if t and placed.get(t) else None) for ref, t in texts.items()
    }
    source = next((p.source for p in placed.values() if p is not None), None)
    if source is None and (current := simd.current_version(session)) is not None:
        source = simd.citation(current)  # loaded, though none of these could be placed
    out = []
    for f in found.figures:
        counts = [sum(1 for r in f.references if quintile.get(r) == q) for q in QUINTILES]
        out.append(Breakdown(f.key, f.label, tuple(counts), f.count - sum(counts)))
    return source, out
