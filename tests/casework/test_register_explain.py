"""Every filter and sort the register offers reads an index, never the whole table: with
100,000 records and fresh statistics, the planner's plan for each page the API reads (the
first page, and a page by cursor either way) has no sequential scan of register_records.
The statements are the ones the real endpoints send, caught as they go to PostgreSQL and
explained with their own parameters.

The count is bounded instead: it reads at most 10,001 matching rows, so where a filter
matches much of the register the planner may rightly read those rows in table order
(a sequential scan that stops at the limit); the test checks that it stops."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest

from tests.casework.conftest import selects_sent
from tests.casework.register_seed import seed

N = 100_000

# (endpoint, filters): each filter alone, the common pairs, and words to search for.
FILTERS = [
    ("decisions", {}),
    ("decisions", {"authority": "A7"}),
    ("decisions", {"kind": "asset_transfer_request"}),
    ("decisions", {"outcome": "refused"}),
    ("decisions", {"document": "review_outcome"}),
    ("decisions", {"from": "2024-01-01", "to": "2024-01-31"}),
    ("decisions", {"q": "glen777"}),
    ("decisions", {"q": "glen777 hall", "authority": "A9"}),
    ("decisions", {"authority": "A7", "kind": "participation_request", "outcome": "dismissed"}),
    ("documents", {}),
    ("documents", {"reference": "PR-A7-2026-000007"}),
    ("documents", {"document": "public_notice"}),
    ("documents", {"authority": "A3", "q": "word3"}),
]
SORTS = ["newest", "oldest", "authority", "relevance"]


def seq_scans(plan: dict) -> list[str]:
    """The sequential scans of register_records anywhere in a plan."""
    found = []
    if plan.get("Node Type") == "Seq Scan" and plan.get("Relation Name") == "register_records":
        found.append(plan.get("Alias", "register_records"))
    for child in plan.get("Plans", []):
        found += seq_scans(child)
    return found


@pytest.fixture
def sent(connection):
    with selects_sent(connection, "register_records") as caught:
        yield caught


def test_no_filter_or_sort_of_the_register_reads_the_whole_table(app, connection, sent):
    seed(connection, N)
    client = app.test_client()
    for endpoint, filters in FILTERS:
        for sort in SORTS:
            query = {**filters, "sort": sort, "page_size": 25}
            first = client.get(f"/api/v1/register/{endpoint}", query_string=query)
            assert first.status_code == 200, first.json
            assert first.json["items"], (endpoint, query)  # each finds something to page
            if first.json["next"]:
                second = client.get(_local(first.json["next"]))
                assert second.status_code == 200
                assert second.json["prev"]
                assert client.get(_local(second.json["prev"])).status_code == 200
    assert len(sent) > 3 * len(FILTERS) * len(SORTS)
    scanned, counts = [], 0
    for statement, parameters in sent:
        [[plan]] = connection.exec_driver_sql(
            "EXPLAIN (FORMAT JSON) " + statement, parameters
        ).one()
        if statement.startswith("SELECT count(*)"):
            counts += 1
            # Aggregate over Limit 10001: the count stops at the limit.
            assert plan["Plan"]["Plans"][0]["Node Type"] == "Limit", _outline(plan["Plan"])
            assert parameters["param_1"] == 10_001
        elif seq_scans(plan["Plan"]):
            scanned.append((statement, parameters, _outline(plan["Plan"])))
    assert counts >= len(FILTERS) * len(SORTS)  # one a listing, at least
    assert not scanned, "\n\n".join(f"{s}\n{p}\n{o}" for s, p, o in scanned)


def _outline(plan: dict, depth: int = 0) -> str:
    """A plan as EXPLAIN's text would show it, one node a line, to read a failure by."""
    line = "  " * depth + f"{plan['Node Type']} {plan.get('Relation Name', '')} "
    line += json.dumps({k: v for k, v in plan.items() if k.endswith(("Cond", "Filter"))})
    return "\n".join([line, *(_outline(p, depth + 1) for p in plan.get("Plans", []))])


def _local(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"
