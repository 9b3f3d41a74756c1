"""The authority's annual reports (s.32, s.95): the figures from the event log with the
cases behind each, the parts only the authority can write, and a manager's approval and
publication; and, for everyone, each published report as a page, CSV and JSON."""

from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, abort, g, jsonify, redirect, request, url_for
from sqlalchemy import case as sql_case
from sqlalchemy import func, select

from casework import annual_reports as ar
from casework.access import Role
from casework.context import commit, db, law, today
from casework.errors import Invalid, ServiceError
from casework.models import AnnualReport, Authority, Case, DeadlineRow
from casework.web.forms import Problem
from casework.web.pages import KIND_LABELS, page
from casework.web.session import AUTHORITY, signed_in
from workflows import asset_transfer as atr
from workflows import participation as pr
from workflows.annual_report import TEXTS
from workflows.annual_report import WORKFLOW as report_workflow
from workflows.authorities import AUTHORITY_TYPES
from workflows.periods import in_words

bp = Blueprint("reports", __name__)
TEXT_LABELS = {
    "promotion": "What did the authority do during the year to promote requests?",
    "support": "What did it do to support community bodies in making them?",
}


def kinds_for(authority: Authority) -> list[str]:
    """Part 3 reports for public service authorities, Part 5 for relevant authorities."""
    kind = AUTHORITY_TYPES[authority.type]
    return [
        k
        for k, applies in (
            (pr.KIND, kind.public_service_authority),
            (atr.KIND, kind.relevant_authority),
        )
        if applies
    ]


def _status(report: AnnualReport | None, kind: str, year: int) -> str:
    due = ar.due_by(kind, year)
    if report is not None and report.state in ("published", "superseded"):
        return "Published"
    late = today() > due
    state = "Not started" if report is None else report_workflow.states[report.state].label
    return f"{state}: {'overdue since' if late else 'due by'} {in_words(due)}"


@bp.get("/reports")
@signed_in(*AUTHORITY)
def reports():
    authority = g.user.authority
    this = ar.year_containing(today())
    rows = []
    for kind in kinds_for(authority):
        for year in (this - 1, this):
            found = ar.versions(db(), authority, kind, year)
            first, last = ar.reporting_year(kind, year)
            rows.append(
                {
                    "kind": kind,
                    "label": KIND_LABELS[kind],
                    "year": year,
                    "period": f"{in_words(first)} to {in_words(last)}",
                    "status": _status(found[0] if found else None, kind, year),
                }
            )
    return page("web/reports/list.html", "Annual reports", rows=rows)


def _figures(report: AnnualReport) -> dict:
    """As published, or worked out now for a draft."""
    if report.figures is not None:
        return report.figures
    return ar.snapshot(ar.figures(db(), report.authority, report.kind, report.year), db())


@bp.route("/reports/<kind>/<int:year>", methods=["GET", "POST"])
@signed_in(*AUTHORITY)
def report(kind: str, year: int):
    authority = g.user.authority
    if kind not in kinds_for(authority) or not 2016 < year <= ar.year_containing(today()):
        abort(404)
    problem = Problem()
    if request.method == "POST":
        trigger = request.form.get("do", "")
        if trigger != "write" and g.user.role != Role.MANAGER:
            abort(403)
        current = ar.open_report(db(), authority, kind, year, g.user)
        try:
            if trigger not in report_workflow.triggers:
                raise Invalid({"do": ["Choose what to do with the report."]})
            names = TEXTS if trigger == "write" else ("note",)
            payload = {k: request.form.get(k, "") for k in names}
            ar.act(db(), current, trigger, payload, g.user, today(), law())
            commit()
            return redirect(url_for("reports.report", kind=kind, year=year))
        except ServiceError as exc:
            db().rollback()
            problem = Problem(general=[exc.detail], status=exc.status)
    found = ar.versions(db(), authority, kind, year)
    current = found[0] if found else None
    first, last = ar.reporting_year(kind, year)
    shown = current or AnnualReport(authority=authority, kind=kind, year=year, state="draft")
    return page(
        "web/reports/report.html",
        f"{KIND_LABELS[kind]} annual report, {in_words(first)} to {in_words(last)}",
        problem=problem,
        report=current,
        figures=_figures(shown)["figures"],
        simd=_figures(shown).get("simd"),
        earlier=found[1:],
        status_text=_status(current, kind, year),
        texts=TEXT_LABELS,
        values={k: request.form.get(k, getattr(shown, k) or "") for k in TEXTS},
        manager=g.user.role == Role.MANAGER,
        kind=kind,
        year=year,
        citation="s.32" if kind == pr.KIND else "s.95",
    )


def _published(code: str, kind: str, year: int) -> AnnualReport:
    authority = db().scalar(select(Authority).where(Authority.code == code))
    if authority is None or kind not in (pr.KIND, atr.KIND):
        abort(404)
    wanted = request.args.get("version", type=int)
    for r in ar.versions(db(), authority, kind, year):
        if r.published_at is not None and (wanted is None or r.version == wanted):
            return r
    abort(404)


def public_view(r: AnnualReport) -> dict:
    """What the public sees: the counts and the authority's own words, never the cases'
    references (a count may include requests that were never published)."""
    return {
        "authority": {"code": r.authority.code, "name": r.authority.name},
        "kind": r.kind,
        "reporting_year": {"from": r.figures["first_day"], "to": r.figures["last_day"]},
        "version": r.version,
        "superseded": r.state == "superseded",
        "published_at": r.published_at.isoformat(),
        "correction_note": r.correction_note,
        "figures": [
            {k: f[k] for k in ("key", "label", "citation", "count")} for f in r.figures["figures"]
        ],
        "promotion": r.promotion,
        "support": r.support,
        "simd": r.figures.get("simd"),
    }


@bp.get("/annual-reports/<code>/<kind>/<int:year>")
def published(code: str, kind: str, year: int):
    r = _published(code, kind, year)
    first, last = ar.reporting_year(kind, year)
    others = [
        v for v in ar.versions(db(), r.authority, kind, year) if v.published_at and v is not r
    ]
    return page(
        "web/reports/published.html",
        f"{r.authority.name}: {KIND_LABELS[kind].lower()} annual report, "
        f"{in_words(first)} to {in_words(last)}",
        report=r,
        view=public_view(r),
        others=others,
    )


@bp.get("/annual-reports/<code>/<kind>/<int:year>.json")
def published_json(code: str, kind: str, year: int):
    return jsonify(public_view(_published(code, kind, year)))


@bp.get("/annual-reports/<code>/<kind>/<int:year>.csv")
def published_csv(code: str, kind: str, year: int):
    view = public_view(_published(code, kind, year))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["figure", "count", "law"])
    for f in view["figures"]:
        writer.writerow([f["label"], f["count"], f["citation"]])
    name = f"{code}-{kind}-{year}-v{view['version']}.csv"
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def national(year: int) -> list[dict]:
    """Every authority's reports for the year: published, due or overdue, with the figures
    of what is published. One query for the reports; the figures are their snapshots."""
    authorities = db().scalars(select(Authority).order_by(Authority.name)).all()
    published = {
        (r.authority_id, r.kind): r
        for r in db().scalars(
            select(AnnualReport)
            .where(AnnualReport.year == year, AnnualReport.state == "published")
            .order_by(AnnualReport.version)
        )
    }
    timely = on_time(year)
    rows = []
    for a in authorities:
        for kind in kinds_for(a):
            r = published.get((a.id, kind))
            decided, in_time = timely.get((a.id, kind), (0, 0))
            due = ar.due_by(kind, year)
            counts = {f["key"]: f["count"] for f in r.figures["figures"]} if r else {}
            rows.append(
                {
                    "authority": a,
                    "kind": kind,
                    "label": KIND_LABELS[kind],
                    "status": "published" if r else "overdue" if today() > due else "due",
                    "due": due,
                    "report": r,
                    "received": counts.get("received"),
                    "agreed": counts.get("agreed"),
                    "refused": counts.get("refused"),
                    "decided": decided,
                    "on_time": in_time,
                }
            )
    return rows


# The decision deadline of each kind: s.24 with SSI 2017/39 reg 7; s.82 with SSI 2016/357.
DECISION_RULES = {pr.KIND: "pr.decision", atr.KIND: "atr.decision"}


def on_time(year: int) -> dict[tuple[int, str], tuple[int, int]]:
    """For each authority and kind: the decisions made in the year, and how many by the
    date they were due (the statutory period, or a longer one agreed with the body). One
    grouped query over the deadline rows for each kind."""
    out = {}
    for kind, rule in DECISION_RULES.items():
        first, last = ar.reporting_year(kind, year)
        rows = db().execute(
            select(
                Case.authority_id,
                func.count(),
                func.sum(sql_case((DeadlineRow.settled_on <= DeadlineRow.due_date, 1), else_=0)),
            )
            .join(Case, Case.id == DeadlineRow.case_id)
            .where(
                DeadlineRow.rule == rule,
                DeadlineRow.status == "met",
                DeadlineRow.settled_on.between(first, last),
            )
            .group_by(Case.authority_id)
        )
        out.update({(a, kind): (n, int(m or 0)) for a, n, m in rows})
    return out


def _chosen_year() -> int:
    latest = ar.year_containing(today()) - 1  # the last year whose report can be due
    year = request.args.get("year", type=int) or latest
    if not 2017 <= year <= latest + 1:
        abort(404)
    return year


@bp.get("/statistics")
def statistics():
    year = _chosen_year()
    rows = national(year)
    first, last = ar.reporting_year(pr.KIND, year)
    overdue = [r for r in rows if r["status"] == "overdue"]
    return page(
        "web/reports/national.html",
        "Annual reports from every authority",
        rows=rows,
        year=year,
        period=f"{in_words(first)} to {in_words(last)}",
        published=sum(r["status"] == "published" for r in rows),
        overdue=len(overdue),
        years=range(ar.year_containing(today()), 2016, -1),
    )


@bp.get("/statistics.csv")
def statistics_csv():
    year = _chosen_year()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["authority", "kind", "year", "status", "due_by", "received", "agreed", "refused"]
    )
    for r in national(year):
        writer.writerow(
            [
                r["authority"].name,
                r["kind"],
                year,
                r["status"],
                r["due"].isoformat(),
                *("" if r[k] is None else r[k] for k in ("received", "agreed", "refused")),
                r["decided"],
                r["on_time"],
            ]
        )
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="annual-reports-{year}.csv"'},
    )


@bp.get("/statistics.json")
def statistics_json():
    year = _chosen_year()
    return jsonify(
        {
            "year": year,
            "reports": [
                {
                    "authority": {"code": r["authority"].code, "name": r["authority"].name},
                    "kind": r["kind"],
                    "status": r["status"],
                    "due_by": r["due"].isoformat(),
                    "url": url_for(
                        "reports.published",
                        code=r["authority"].code,
                        kind=r["kind"],
                        year=year,
                        _external=True,
                    )
                    if r["report"]
                    else None,
                    "received": r["received"],
                    "agreed": r["agreed"],
                    "refused": r["refused"],
                    "decided": r["decided"],
                    "decided_on_time": r["on_time"],
                }
                for r in national(year)
            ],
        }
    )
