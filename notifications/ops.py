"""/healthz and /metrics (Prometheus text format).

/healthz stays open for a load balancer. /metrics is for the operator's scraper only: it
needs `Authorization: Bearer <METRICS_TOKEN>`, and with no METRICS_TOKEN set it is not
served at all (404).
"""

from __future__ import annotations

import hmac

from flask import Blueprint, Response, abort, jsonify, request
from sqlalchemy import and_, func, select, text

from casework.context import db, services, today
from casework.models import DeadlineRow
from notifications.broker import ping, queue_depths
from notifications.models import EventOutbox, FailedJob
from notifications.runtime import current

blp = Blueprint("ops", __name__)


@blp.get("/healthz")
def healthz():
    checks, ok = {}, True
    try:
        db().execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"], ok = f"error: {exc.__class__.__name__}", False
    try:
        ping(current().broker)
        checks["broker"] = "ok"
    except Exception as exc:
        checks["broker"], ok = f"error: {exc.__class__.__name__}", False
    response = jsonify({"status": "ok" if ok else "unavailable", **checks})
    response.status_code = 200 if ok else 503
    return response


def _gauge(name: str, help_text: str, samples: list[tuple[str, float]]) -> list[str]:
    lines = [f"# HELP {name} {help_text}", f"# TYPE {name} gauge"]
    lines += [f"{name}{labels} {value:g}" for labels, value in samples]
    return lines


def _scraper_allowed(token: str) -> bool:
    scheme, _, sent = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return False
    # Compared as bytes: compare_digest refuses non-ASCII str, and a header may carry any.
    return hmac.compare_digest(sent.strip().encode(), token.encode())


@blp.get("/metrics")
def metrics():
    token = services().settings.metrics_token
    if not token:
        abort(404)
    if not _scraper_allowed(token):
        return Response(
            "A bearer token is needed for /metrics.\n",
            status=401,
            mimetype="text/plain",
            headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
        )
    session = db()
    backlog = session.scalar(
        select(func.count())
        .select_from(EventOutbox)
        .where(EventOutbox.done_at.is_(None), EventOutbox.failed_at.is_(None))
    )
    failed = session.scalar(
        select(func.count()).select_from(FailedJob).where(FailedJob.retried_at.is_(None))
    )
    overdue = session.scalar(
        select(func.count())
        .select_from(DeadlineRow)
        .where(
            and_(
                DeadlineRow.status == "open",
                DeadlineRow.duty.is_(True),
                DeadlineRow.due_date < today(),
            )
        )
    )
    lines = _gauge("casework_outbox_backlog", "Outbox rows not yet done", [("", backlog)])
    try:
        depths = queue_depths(current().broker)
        lines += _gauge(
            "casework_queue_depth",
            "Messages waiting on each queue",
            [(f'{{queue="{q}"}}', n) for q, n in sorted(depths.items())],
        )
        up = 1
    except Exception:
        up = 0
    lines += _gauge("casework_broker_up", "Whether the broker answered", [("", up)])
    lines += _gauge(
        "casework_failed_jobs", "Jobs whose retries ran out, not yet retried", [("", failed)]
    )
    lines += _gauge(
        "casework_deadlines_overdue", "Statutory duties past their due date", [("", overdue)]
    )
    return Response("\n".join(lines) + "\n", mimetype="text/plain; version=0.0.4")
