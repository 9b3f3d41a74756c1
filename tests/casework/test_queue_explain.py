"""The officer's queue reads one page by an index, however many cases the authority has
(issue 13): with 30,000 cases (most of them the officer's authority's, a third closed) and
fresh statistics, the plan of the queue's page (the API's default order, soonest deadline
first) has no sequential scan of cases and no sort of all the authority's cases, and
working out whether a case is overdue reads no deadline rows."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.casework.conftest import World, selects_sent

N = 30_000


def nodes(plan: dict) -> list[dict]:
    return [plan, *(n for child in plan.get("Plans", []) for n in nodes(child))]


@pytest.fixture
def sent(connection):
    with selects_sent(connection, "FROM cases") as caught:
        yield caught


def seed(connection, authority_id: int, other_id: int, body_id: int) -> None:
    connection.execute(
        text(
            """
            INSERT INTO cases (reference, kind, title, authority_id, community_body_id, state,
                               version, created_at, updated_at, submitted_at, closed_on,
                               next_due_date, next_duty_due_date)
            SELECT 'PR-SEED-' || g, 'participation_request', 'Seeded request ' || g,
                   CASE WHEN g % 10 = 0 THEN :other ELSE :authority END, :body,
                   CASE WHEN g % 3 = 0 THEN 'refused' ELSE 'under_consideration' END, 1, now(), now(),
                   now(), CASE WHEN g % 3 = 0 THEN DATE '2026-01-01' END,
                   CASE WHEN g % 7 = 0 THEN NULL ELSE DATE '2026-01-01' + (g % 400) END,
                   CASE WHEN g % 5 = 0 THEN DATE '2026-01-01' + (g % 300) END
            FROM generate_series(1, :n) AS g
            """
        ),
        {"authority": authority_id, "other": other_id, "body": body_id, "n": N},
    )
    connection.execute(
        text(
            "INSERT INTO participation_requests (id, outcome, reasons, knowledge_and_experience,"
            " expected_improvement) SELECT id, '', '', '', '' FROM cases "
            "WHERE reference LIKE 'PR-SEED-%'"
        )
    )
    connection.execute(text("ANALYZE cases"))


def test_the_queue_page_reads_an_index_and_no_deadline_rows(world: World, connection, sent):
    ids = dict(connection.execute(text("SELECT code, id FROM authorities")).all())
    body = connection.execute(text("SELECT min(id) FROM community_bodies")).scalar()
    seed(connection, ids["FIFE"], ids["HIGH"], body)
    page = world.officer.get("/api/v1/cases?page_size=25")
    assert page.status_code == 200 and len(page.json["items"]) == 25
    overdue = world.officer.get("/api/v1/cases?page_size=25&overdue=true")
    assert overdue.status_code == 200 and overdue.json["items"]
    pages = [(s, p) for s, p in sent if "LIMIT" in s.upper()]
    assert pages
    for statement, parameters in pages:
        [[plan]] = connection.exec_driver_sql(
            "EXPLAIN (FORMAT JSON) " + statement, parameters
        ).one()
        every = nodes(plan["Plan"])
        scans = [
            n for n in every if n["Node Type"] == "Seq Scan" and n.get("Relation Name") == "cases"
        ]
        assert not scans, statement
        assert not any(n.get("Relation Name") == "deadlines" for n in every), statement
    # The default order (soonest deadline first, none last) is the index's: no sort at all.
    [[plan]] = connection.exec_driver_sql("EXPLAIN (FORMAT JSON) " + pages[0][0], pages[0][1]).one()
    assert not any(n["Node Type"] in ("Sort", "Incremental Sort") for n in nodes(plan["Plan"]))
