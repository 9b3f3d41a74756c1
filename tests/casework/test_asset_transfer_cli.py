"""`casework deadline` for the asset transfer rules: the date first, then how it was reached.

Every expected date is worked out by hand from the counting table of docs/law.md; ATR working
days are taken to follow SSI 2017/39 reg 2 (bank holidays other than 25-26 December and
1-2 January are working days).
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from casework.cli import main


def _run(tmp_path, *args: str, **env: str):
    runner = CliRunner()
    base = {"CASEWORK_INSTANCE": str(tmp_path), "CASEWORK_RULES": "{}", "SECRET_KEY": "test"}
    return runner.invoke(main, ["deadline", *args], env={**base, **env})


def test_atr_decision_from_31_august_ends_on_the_last_day_of_february(tmp_path):
    """6 months after Mon 31 August 2026: February 2027 has no 31st, so Sun 28 February."""
    result = _run(tmp_path, "atr.decision", "2026-08-31")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "2027-02-28"
    explanation = "\n".join(lines[1:])
    assert "SSI 2016/357 reg 10" in explanation
    assert "6 months after" in explanation
    # A month period is not moved off a weekend.
    assert "not moved" in explanation


@pytest.mark.parametrize(
    ("rule", "start", "due"),
    [
        # 20 working days beginning with Wed 1 April 2026 (Good Friday 3 April and Easter
        # Monday 6 April count): 1-3 (3), 6-10 (8), 13-17 (13), 20-24 (18), 27-28 (20).
        ("atr.representations", "2026-04-01", "2026-04-28"),
        # Beginning with Fri 1 May 2026: 1 (1), 4-8 (6), 11-15 (11), 18-22 (16), 25-28 (20).
        ("atr.comments_on_representations", "2026-05-01", "2026-05-28"),
        ("atr.review_or_appeal", "2026-05-01", "2026-05-28"),
        # Beginning with Mon 30 November 2026: 30 (1), 1-4 Dec (5), 7-11 (10), 14-18 (15),
        # 21-24 (19); 25 December is not a working day; Mon 28 December (20).
        ("atr.review_or_appeal", "2026-11-30", "2026-12-28"),
        # 6 months after Fri 1 May 2026 is Sun 1 November 2026 (not moved).
        ("atr.offer", "2026-05-01", "2026-11-01"),
        # 6 months after Wed 1 July 2026 is Fri 1 January 2027 (not moved).
        ("atr.contract", "2026-07-01", "2027-01-01"),
        # 10 working days beginning with Tue 1 December 2026: 1-4 (4), 7-11 (9), 14 (10).
        ("atr.no_contract_appeal", "2026-12-01", "2026-12-14"),
        # 10 working days beginning with Thu 24 December 2026: 24 (1); 25-26 December and
        # the weekend are skipped; 28-31 (5); 1-2 January and the weekend skipped; 4-8 (10).
        ("atr.no_contract_appeal", "2026-12-24", "2027-01-08"),
        # 15 working days beginning with Thu 28 January 2027: 28-29 (2), 1-5 (7), 8-12 (12),
        # 15-17 (15).
        ("atr.no_contract_appeal_response", "2027-01-28", "2027-02-17"),
        # 24 months after Fri 1 May 2026 is Mon 1 May 2028; after 29 February 2028, the last
        # day of February 2030.
        ("atr.repeat_request_bar", "2026-05-01", "2028-05-01"),
        ("atr.repeat_request_bar", "2028-02-29", "2030-02-28"),
    ],
)
def test_each_atr_rule(tmp_path, rule, start, due):
    result = _run(tmp_path, rule, start)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == due


def test_a_guidance_rule_may_be_overridden_and_says_so(tmp_path):
    """atr.representations is '?': 25 working days beginning with Wed 1 April 2026 run on
    from day 20 (Tue 28 April) by 29-30 April (22) and 1, 4, 5 May (25): Tue 5 May 2026."""
    result = _run(
        tmp_path, "atr.representations", "2026-04-01", CASEWORK_RULES='{"atr.representations": 25}'
    )
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == "2026-05-05"
    assert "sets 25 in place of the usual 20 (setting atr.representations)" in result.output


def test_a_checked_rule_cannot_be_overridden(tmp_path):
    result = _run(tmp_path, "atr.decision", "2026-08-31", CASEWORK_RULES='{"atr.decision": 7}')
    assert result.exit_code == 2
    assert "atr.decision" in result.output


@pytest.mark.parametrize("args", [("atr.nonsense", "2026-01-01"), ("atr.decision", "31/08/2026")])
def test_bad_input_exits_2_with_one_line(tmp_path, args):
    result = _run(tmp_path, *args)
    assert result.exit_code == 2
    assert len(result.output.strip().splitlines()) == 1
