"""The authority's annual reports (s.32, s.95): the figures from the event log with the
cases behind each, the parts only the authority can write, and a manager's approval and
publication; and, for everyone, each published report as a page, CSV and JSON."""

from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, abort, g, jsonify, redirect, request, url_for
from sqlalchemy import select

from casework import annual_reports as ar
from casework import statistics
from casework.access import Role
from casework.charts import svg
from casework.clock import LONDON
from casework.context import commit, db, law, read_db, services, today
from casework.errors import Invalid, ServiceError
from casework.models import AnnualReport, Authority
from casework.statistics import kinds_for
from casework.web.forms import Problem
from casework.web.pages import KIND_LABELS, page
from casework.web.session import AUTHORITY, signed_in
from workflows import asset_transfer as atr
from workflows import participation as pr
from workflows.annual_report import TEXTS
from workflows.annual_report import WORKFLOW as report_workflow
from workflows.periods import in_words

bp = Blueprint("reports", __name__)
TEXT_LABELS = {
    "promotion": "What did the authority do during the year to promote requests?",
    "support": "What did it do to support community bodies in making them?",
}


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
        planning=_figures(shown).get("planning"),
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
        "planning": r.figures.get("planning"),
    }


@bp.get("/annual-reports/<code>/<kind>/<int:year>")
def published(code: str, kind: str, year: int, *, render=page):
    """A published report; `render` is casework.web.pdf's for its PDF."""
    r = _published(code, kind, year)
    first, last = ar.reporting_year(kind, year)
    others = [
        v for v in ar.versions(db(), r.authority, kind, year) if v.published_at and v is not r
    ]
    return render(
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


def _national(year: int) -> statistics.National:
    max_age = services().settings.statistics_max_age
    return statistics.national(read_db(), year, today(), max_age)


def _chosen_year() -> int:
    latest = ar.year_containing(today()) - 1  # the last year whose report can be due
    year = request.args.get("year", type=int) or latest
    if not 2017 <= year <= latest + 1:
        abort(404)
    return year


@bp.get("/statistics", endpoint="statistics")
def statistics_page():
    year = _chosen_year()
    found = _national(year)
    first, last = ar.reporting_year(pr.KIND, year)
    return page(
        "web/reports/national.html",
        "Community empowerment statistics",
        found=found,
        charts=statistics.charts(found),
        kind_names=statistics.KIND_NAMES,
        periods=_decision_periods(),
        worked_out=found.at.astimezone(LONDON),
        year=year,
        period=f"{in_words(first)} to {in_words(last)}",
        years=range(ar.year_containing(today()), 2016, -1),
    )


def _decision_periods() -> dict[str, str]:
    """The time the law gives for each decision, in words, as this deployment counts it."""
    rule, day = statistics.DECISION_RULES, today()
    return {
        "pr": law().rulebook.compute(rule[pr.KIND], day).period,
        "pr_more": law()
        .rulebook.compute(rule[pr.KIND], day, with_additional_authorities=True)
        .period,
        "atr": law().rulebook.compute(rule[atr.KIND], day).period,
    }


@bp.get("/statistics/charts/<name>.svg")
def chart(name: str):
    """A chart of the national page as an SVG image. Its styles are inline in the SVG,
    which as an image can run no script, so its own policy allows inline styles only."""
    drawn = statistics.charts(_national(_chosen_year())).get(name)
    if drawn is None:
        abort(404)
    response = Response(svg(drawn), mimetype="image/svg+xml")
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


CSV_FIGURES = ("received", "agreed", "refused")


@bp.get("/statistics.csv")
def statistics_csv():
    year = _chosen_year()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "authority",
            "authority_type",
            "kind",
            "year",
            "status",
            "due_by",
            *CSV_FIGURES,
            "decided",
            "decided_on_time",
        ]
    )
    for r in _national(year).rows:
        writer.writerow(
            [
                r.authority.name,
                r.authority.type,
                r.kind,
                year,
                r.status,
                r.due.isoformat(),
                *(r.count(k) for k in CSV_FIGURES),
                r.decided,
                r.on_time,
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
    found = _national(year)
    return jsonify(
        {
            "year": year,
            "reports": [
                {
                    "authority": {
                        "code": r.authority.code,
                        "name": r.authority.name,
                        "type": r.authority.type,
                    },
                    "kind": r.kind,
                    "status": r.status,
                    "due_by": r.due.isoformat(),
                    "url": url_for(
                        "reports.published",
                        code=r.authority.code,
                        kind=r.kind,
                        year=year,
                        _external=True,
                    )
                    if r.report
                    else None,
                    "figures": {f.key: f.count for f in r.figures.figures},
                    "decided": r.decided,
                    "decided_on_time": r.on_time,
                }
                for r in found.rows
            ],
            "by_authority_type": [
                {
                    "authority_type": t.type_label,
                    "kind": t.kind,
                    "authorities": t.authorities,
                    "received": t.received,
                    "agreed": t.agreed,
                    "refused": t.refused,
                }
                for t in found.by_type
            ],
            "decision_timing": {
                kind: [
                    {"band": label, "decisions": n}
                    for (label, _), n in zip(statistics.TIMING, bands, strict=True)
                ]
                for kind, bands in found.timing.items()
            },
            "review_and_appeal_results": {key: n for key, _, n in found.results},
            "simd": found.simd,
            "community_planning": [
                {"authority": r.authority.code, "kind": r.kind, **plan}
                for r, plan in found.planning
            ],
        }
    )
