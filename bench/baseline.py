"""The bare baseline the benchmarks compare the service with (issue 13).

    PYTHONPATH=. .venv/bin/python bench/baseline.py --database-url postgresql://.../bench_N --port P

Flask and psycopg with a psycopg_pool pool of 8 connections (one per waitress thread),
served by waitress with the settings `casework serve` uses (threads=8). Each endpoint gives
the same answer as the service's for what the benchmark reads, with the SQL one would write
by hand: keyset pages over (published_at, id), a count that stops at COUNT_LIMIT, one query
per page of the officer's queue with the overdue flag for that page's rows only, the case and
its collections in one round trip, and the CSV streamed from a server-side cursor.

It uses only the indexes the migrations make, the register's word search included (the
stored `search_vector` column and its GIN index, migration 0013). What it leaves out, said
here so the ratio is read fairly:
- the register's search is unranked (the service orders by newest too unless asked for
  relevance) and ignores the phrase rule for hyphenated terms;
- the register ignores annual-report versions (the bench seeds no reports);
- a case's `available_actions` and `blocked_actions` are not computed (no state machine);
- counts above COUNT_LIMIT are given as COUNT_LIMIT with `total_exact` false, as the
  service does.
"""

from __future__ import annotations

import argparse
import base64
import csv
import datetime as dt
import hashlib
import io
import json
from collections.abc import Iterator
from typing import Any

from flask import Flask, Response, abort, jsonify, request
from psycopg.rows import dict_row, tuple_row
from psycopg_pool import ConnectionPool
from waitress import create_server

DECISIONS = ("decision_notice", "review_outcome", "appeal_outcome", "annual_report")
COUNT_LIMIT = 10_000  # as the service's register (casework/register.py)
PAGE = 25
GENESIS = "0" * 64
WORDS = "search_vector"  # the service's own, generated and GIN-indexed (migration 0013)
RECORD_COLUMNS = (
    "id, reference, kind, document, title, request_title, authority_code, authority_name, "
    "body_name, outcome, issued_on, citation, published_at"
)
CSV_COLUMNS = [
    "id",
    "url",
    "reference",
    "kind",
    "document",
    "title",
    "authority_code",
    "authority_name",
    "community_body",
    "outcome",
    "issued_on",
    "citation",
    "published_at",
]


def cursor_of(published_at: dt.datetime, id_: int) -> str:
    return base64.urlsafe_b64encode(f"{published_at.isoformat()}|{id_}".encode()).decode()


def parse_cursor(token: str) -> tuple[dt.datetime, int]:
    try:
        at, _, id_ = base64.urlsafe_b64decode(token.encode()).decode().partition("|")
        return dt.datetime.fromisoformat(at), int(id_)
    except (ValueError, UnicodeDecodeError):
        abort(422)


def canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def create_app(database_url: str, base_url: str) -> Flask:
    app = Flask("baseline")
    pool = ConnectionPool(
        database_url,
        min_size=8,
        max_size=8,
        open=True,
        kwargs={"autocommit": True, "row_factory": dict_row},
    )
    pool.wait()
    with pool.connection() as conn:
        conn.execute("DROP INDEX IF EXISTS bench_baseline_register_words")  # earlier runs'
        conn.execute("ANALYZE register_records")

    def user() -> dict[str, Any]:
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token:
            abort(401)
        with pool.connection() as conn:
            row = conn.execute(
                "SELECT u.id, u.role, u.name, u.email, u.authority_id, u.community_body_id "
                "FROM api_tokens t JOIN users u ON u.id = t.user_id "
                "WHERE t.token_hash = %s AND t.revoked_at IS NULL AND u.active",
                (hashlib.sha256(token.strip().encode()).hexdigest(),),
            ).fetchone()
        if row is None:
            abort(401)
        return row

    def record_json(r: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": r["id"],
            "url": f"{base_url}/register/{r['id']}",
            "reference": r["reference"],
            "kind": r["kind"],
            "document": r["document"],
            "title": r["title"],
            "request_title": r["request_title"],
            "authority": {"code": r["authority_code"], "name": r["authority_name"]},
            "community_body": r["body_name"],
            "outcome": r["outcome"],
            "issued_on": r["issued_on"].isoformat(),
            "citation": r["citation"],
            "published_at": r["published_at"].isoformat(),
            "report_url": None,
        }

    def register_filter() -> tuple[str, list[Any]]:
        where, params = ["document = ANY(%s)"], [list(DECISIONS)]
        if request.args.get("authority"):
            where.append("authority_code = %s")
            params.append(request.args["authority"].upper())
        words = request.args.get("q", "").split()
        if words:
            where.append(f"{WORDS} @@ to_tsquery('simple', %s)")
            params.append(
                " & ".join(
                    "".join(ch for ch in w if ch.isalnum()) + ":*"
                    for w in words
                    if any(ch.isalnum() for ch in w)
                )
                or "''"
            )
        return " AND ".join(where), params

    @app.get("/api/v1/register/decisions")
    def decisions():
        size = min(int(request.args.get("page_size", PAGE)), 200)
        where, params = register_filter()
        page_where, page_params = where, list(params)
        if request.args.get("cursor"):
            at, id_ = parse_cursor(request.args["cursor"])
            page_where += " AND (published_at, id) < (%s, %s)"
            page_params += [at, id_]
        with pool.connection() as conn:
            rows = conn.execute(
                f"SELECT {RECORD_COLUMNS} FROM register_records WHERE {page_where} "
                f"ORDER BY published_at DESC, id DESC LIMIT %s",
                [*page_params, size + 1],
            ).fetchall()
            total = conn.execute(
                f"SELECT count(*) AS n FROM (SELECT 1 FROM register_records WHERE {where} "
                f"LIMIT %s) s",
                [*params, COUNT_LIMIT + 1],
            ).fetchone()["n"]
        more = len(rows) > size
        rows = rows[:size]
        nxt = cursor_of(rows[-1]["published_at"], rows[-1]["id"]) if more else None
        return jsonify(
            items=[record_json(r) for r in rows],
            page_size=size,
            total=min(total, COUNT_LIMIT),
            total_exact=total <= COUNT_LIMIT,
            next=nxt,
        )

    @app.get("/register/decisions.csv")
    def decisions_csv():
        where, params = register_filter()

        def rows() -> Iterator[str]:
            out = io.StringIO()
            writer = csv.writer(out)
            writer.writerow(CSV_COLUMNS)
            # A server-side cursor lives in a transaction; the pool's connections autocommit.
            with (
                pool.connection() as conn,
                conn.transaction(),
                conn.cursor(name="csv", row_factory=tuple_row) as cur,
            ):
                cur.itersize = 5000
                cur.execute(
                    f"SELECT id, reference, kind, document, title, authority_code, "
                    f"authority_name, body_name, coalesce(outcome, ''), issued_on, citation, "
                    f"published_at FROM register_records WHERE {where} "
                    f"ORDER BY published_at DESC, id DESC",
                    params,
                )
                for r in cur:
                    writer.writerow(
                        (
                            r[0],
                            f"{base_url}/register/{r[0]}",
                            *r[1:9],
                            r[9].isoformat(),
                            r[10],
                            r[11].isoformat(),
                        )
                    )
                    if out.tell() > 64_000:
                        yield out.getvalue()
                        out.seek(0)
                        out.truncate()
            yield out.getvalue()

        return Response(rows(), mimetype="text/csv")

    @app.get("/api/v1/cases")
    def queue():
        me = user()
        if me["authority_id"] is None:
            abort(403)
        page = max(int(request.args.get("page", 1)), 1)
        size = min(int(request.args.get("page_size", PAGE)), 200)
        today = dt.date.today()
        with pool.connection() as conn:
            rows = conn.execute(
                "SELECT c.reference, c.title, c.kind, c.state, c.version, c.submitted_at, "
                "c.next_due_date, b.id AS body_id, b.name AS body_name, u.email AS assignee, "
                "a.code, a.name AS authority_name, a.type, "
                "EXISTS (SELECT 1 FROM deadlines d WHERE d.case_id = c.id AND d.status = 'open'"
                " AND d.duty AND d.due_date < %(today)s) AS overdue "
                "FROM cases c JOIN community_bodies b ON b.id = c.community_body_id "
                "JOIN authorities a ON a.id = c.authority_id "
                "LEFT JOIN users u ON u.id = c.assigned_to_id "
                "WHERE c.authority_id = %(a)s AND c.submitted_at IS NOT NULL "
                "ORDER BY c.next_due_date, c.id LIMIT %(n)s OFFSET %(o)s",
                {"today": today, "a": me["authority_id"], "n": size, "o": (page - 1) * size},
            ).fetchall()
            total = conn.execute(
                "SELECT count(*) AS n FROM cases WHERE authority_id = %s "
                "AND submitted_at IS NOT NULL",
                (me["authority_id"],),
            ).fetchone()["n"]
        items = [
            {
                "reference": r["reference"],
                "title": r["title"],
                "kind": r["kind"],
                "state": r["state"],
                "version": r["version"],
                "authority": {"code": r["code"], "name": r["authority_name"], "type": r["type"]},
                "community_body": {"id": r["body_id"], "name": r["body_name"]},
                "assigned_to": r["assignee"],
                "submitted_at": r["submitted_at"].isoformat() if r["submitted_at"] else None,
                "next_due_date": r["next_due_date"].isoformat() if r["next_due_date"] else None,
                "overdue": r["overdue"],
                "url": f"/api/v1/cases/{r['reference']}",
            }
            for r in rows
        ]
        return jsonify(items=items, page=page, page_size=size, total=total)

    @app.get("/api/v1/cases/<reference>")
    def case(reference: str):
        me = user()
        with pool.connection() as conn:
            row = conn.execute(
                "SELECT row_to_json(c) AS c, row_to_json(p) AS p, row_to_json(t) AS t, "
                "row_to_json(l) AS l, a.code, a.name AS authority_name, a.type, "
                "b.name AS body_name, "
                "(SELECT coalesce(json_agg(d ORDER BY d.id), '[]') FROM (SELECT id, stage, "
                " outcome, reasons, considerations, details, decided_on FROM decisions "
                " WHERE case_id = c.id) d) AS decisions, "
                "(SELECT coalesce(json_agg(d ORDER BY d.id), '[]') FROM (SELECT id, rule, key, "
                " party, start_date, statutory_due_date, due_date, status, explanation, "
                " citation, basis FROM deadlines WHERE case_id = c.id) d) AS deadlines "
                "FROM cases c JOIN authorities a ON a.id = c.authority_id "
                "JOIN community_bodies b ON b.id = c.community_body_id "
                "LEFT JOIN participation_requests p ON p.id = c.id "
                "LEFT JOIN asset_transfer_requests t ON t.id = c.id "
                "LEFT JOIN land l ON l.id = t.land_id "
                "WHERE c.reference = %s AND ((c.authority_id = %s AND c.submitted_at IS NOT "
                "NULL) OR c.community_body_id = %s)",
                (reference, me["authority_id"], me["community_body_id"]),
            ).fetchone()
        if row is None:
            abort(404)
        return case_json(row)

    def case_json(row: dict[str, Any]) -> Response:
        c = row["c"]
        today = dt.date.today().isoformat()
        deadlines = row["deadlines"]
        for d in deadlines:
            if d["status"] == "open" and d["due_date"] < today:
                d["status"] = "overdue"
        own = {k: v for k, v in (row["p"] or row["t"] or {}).items() if k != "id"}
        body = {
            "reference": c["reference"],
            "title": c["title"],
            "kind": c["kind"],
            "state": c["state"],
            "version": c["version"],
            "authority": {"code": row["code"], "name": row["authority_name"], "type": row["type"]},
            "community_body": {"id": c["community_body_id"], "name": row["body_name"]},
            "assigned_to": None,
            "submitted_at": c["submitted_at"],
            "next_due_date": c["next_due_date"],
            "overdue": any(d["status"] == "overdue" for d in deadlines),
            "url": f"/api/v1/cases/{c['reference']}",
            "created_at": c["created_at"],
            "received_on": c["received_on"],
            "validation_date": c["validation_date"],
            "decided_on": c["decided_on"],
            "closed_on": c["closed_on"],
            "decisions": row["decisions"],
            "deadlines": deadlines,
            "land": row["l"],
            **own,
        }
        response = Response(json.dumps(body), mimetype="application/json")
        response.headers["ETag"] = f'"{c["version"]}"'
        return response

    @app.post("/api/v1/cases")
    def create():
        me = user()
        if me["role"] != "community" or me["community_body_id"] is None:
            abort(403)
        data = request.get_json(silent=True) or {}
        kind = data.get("kind")
        if kind not in ("participation_request", "asset_transfer_request"):
            return jsonify(errors={"kind": ["Choose a kind."]}), 422
        title = str(data.get("title") or "")[:200]
        now = dt.datetime.now(dt.UTC)
        with pool.connection() as conn, conn.transaction():
            auth = conn.execute(
                "SELECT id, code, name, type FROM authorities WHERE code = %s",
                (str(data.get("authority", "")).upper(),),
            ).fetchone()
            if auth is None:
                return jsonify(errors={"authority": ["No such authority."]}), 422
            prefix = (
                f"{'PR' if kind == 'participation_request' else 'ATR'}-{auth['code']}-{now.year}"
            )
            number = conn.execute(
                "INSERT INTO reference_counters (prefix, last) VALUES (%s, 1) ON CONFLICT "
                "(prefix) DO UPDATE SET last = reference_counters.last + 1 RETURNING last",
                (prefix,),
            ).fetchone()["last"]
            reference = f"{prefix}-{number:04d}"
            case_id = conn.execute(
                "INSERT INTO cases (reference, kind, title, authority_id, community_body_id, "
                "state, version, created_by_id, created_at, updated_at) VALUES "
                "(%s, %s, %s, %s, %s, 'draft', 1, %s, %s, %s) RETURNING id",
                (reference, kind, title, auth["id"], me["community_body_id"], me["id"], now, now),
            ).fetchone()["id"]
            if kind == "participation_request":
                conn.execute(
                    "INSERT INTO participation_requests (id, outcome, reasons, "
                    "knowledge_and_experience, expected_improvement) VALUES (%s, '', '', '', '')",
                    (case_id,),
                )
            else:
                conn.execute(
                    "INSERT INTO asset_transfer_requests (id, land_description, reasons, "
                    "benefits, proposed_price, other_terms, community_support, funding, "
                    "terms_differ_significantly) VALUES (%s, '', '', '', '', '', '', '', false)",
                    (case_id,),
                )
            payload = {"kind": kind, "state": "draft"}
            actor = f"{me['name'] or me['email']} ({me['role']})"
            digest = hashlib.sha256(
                canonical(
                    {
                        "prev": GENESIS,
                        "case": case_id,
                        "type": "case.created",
                        "actor": actor,
                        "at": now.isoformat(timespec="microseconds"),
                        "payload": payload,
                    }
                )
            ).hexdigest()
            event_id = conn.execute(
                "INSERT INTO events (case_id, type, occurred_at, actor_user_id, actor, payload, "
                "prev_hash, hash) VALUES (%s, 'case.created', %s, %s, %s, %s, %s, %s) "
                "RETURNING id",
                (case_id, now, me["id"], actor, json.dumps(payload), GENESIS, digest),
            ).fetchone()["id"]
            hooks = conn.execute(
                "SELECT id FROM webhooks WHERE authority_id = %s AND active", (auth["id"],)
            ).fetchall()
            for hook in hooks:
                conn.execute(
                    "INSERT INTO event_outbox (event_id, subscriber, created_at, dispatches) "
                    "VALUES (%s, %s, %s, 0)",
                    (event_id, f"webhook:{hook['id']}", now),
                )
        body = {
            "reference": reference,
            "title": title,
            "kind": kind,
            "state": "draft",
            "version": 1,
            "authority": {"code": auth["code"], "name": auth["name"], "type": auth["type"]},
            "community_body": {"id": me["community_body_id"]},
            "assigned_to": None,
            "submitted_at": None,
            "next_due_date": None,
            "overdue": False,
            "url": f"/api/v1/cases/{reference}",
            "created_at": now.isoformat(),
            "decisions": [],
            "deadlines": [],
        }
        response = Response(json.dumps(body), status=201, mimetype="application/json")
        response.headers["Location"] = body["url"]
        return response

    return app


def main() -> None:
    p = argparse.ArgumentParser(description="The bare Flask + psycopg baseline.")
    p.add_argument("--database-url", required=True, help="a libpq URL, postgresql://...")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--base-url", default="http://casework.bench")
    a = p.parse_args()
    app = create_app(a.database_url, a.base_url)
    # The settings `casework serve` gives waitress (casework/cli.py).
    server = create_server(app, host=a.host, port=a.port, threads=8, ident="baseline")
    print(f"baseline listening on http://{a.host}:{a.port}/", flush=True)
    server.run()


if __name__ == "__main__":
    main()
