"""`casework deadline RULE START` works out every rule in docs/law.md's rule table, with
the same date as the Rulebook and an explanation that names the rule's citation.

No database: the command reads only CASEWORK_RULES, which is unset here so the defaults
apply.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from casework.cli import main
from workflows.rules import Rulebook

LAW_MD = Path(__file__).resolve().parents[2] / "docs" / "law.md"
RULE_ID = re.compile(r"`((?:pr|atr)\.[a-z_]+|annual_report)`")
# Every rule accepts it; annual_report needs a day after Part 5 came in (23 January 2017).
START = "2026-04-01"


def _doc_rule_ids() -> list[str]:
    text = LAW_MD.read_text(encoding="utf-8")
    table = text.split("<!-- rules:start -->", 1)[1].split("<!-- rules:end -->", 1)[0]
    return list(dict.fromkeys(RULE_ID.findall(table)))


def run(*args: str) -> Result:
    return CliRunner().invoke(
        main, list(args), env={"CASEWORK_RULES": None}, catch_exceptions=False
    )


def test_the_doc_lists_rules():
    assert _doc_rule_ids(), "no rule ids found between the markers in docs/law.md"


@pytest.mark.parametrize("rule_id", _doc_rule_ids())
def test_deadline_works_out_each_rule_in_the_doc(rule_id: str):
    result = run("deadline", rule_id, START)
    assert result.exit_code == 0, result.stderr
    first, *rest = result.stdout.splitlines()
    assert dt.date.fromisoformat(first).isoformat() == first, f"not an ISO date: {first!r}"
    expected = Rulebook().compute(rule_id, dt.date.fromisoformat(START))
    assert first == expected.due.isoformat()
    assert rest, "the date is followed by its explanation"
    assert expected.rule.citation in "\n".join(rest), (
        f"the explanation does not name {expected.rule.citation!r}"
    )


def test_deadline_for_an_unknown_rule_exits_with_status_2():
    result = run("deadline", "atr.no_such_rule", START)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "atr.no_such_rule" in result.stderr
