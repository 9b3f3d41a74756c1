"""The rulebook against the rule table of docs/law.md, with a worked example per rule.

The table is parsed from docs/law.md itself, so a rule added to the restatement of the law
but not to the code makes these tests fail. Every expected date was counted by hand; the
count is in the comment beside it.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from workflows import calendars
from workflows.rules import (
    INSTRUMENTS,
    RULES,
    Basis,
    ConfigurationError,
    Deadline,
    Extension,
    Rulebook,
    UnknownRule,
    apply_extensions,
)

D = dt.date
LAW = Path(__file__).resolve().parents[2] / "docs" / "law.md"
CODE_RULES = {r.id: r for r in RULES}


# --- the table in docs/law.md --------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    id: str
    period: str
    starts: str
    citation: str
    basis: str  # the rule's basis as a whole, as the code's effective_basis
    period_basis: str  # the basis of the period's length and start alone


def statute_rows() -> list[Row]:
    text = LAW.read_text(encoding="utf-8")
    section = text.split("<!-- rules:start -->", 1)[1].split("<!-- rules:end -->", 1)[0]
    rows = []
    for line in section.splitlines():
        m = re.match(r"^\|\s*`([^`]+)`\s*\|(.*)\|\s*$", line)
        if not m:
            continue
        period, starts, _phrase, basis_col, citation = (c.strip() for c in m.group(2).split("|"))
        basis = basis_col[0]
        period_basis = "V" if "period V" in basis_col else basis
        rows.append(Row(m.group(1), period, starts, citation, basis, period_basis))
    return rows


ROWS = statute_rows()
ROW_IDS = [r.id for r in ROWS]


PROVISION = re.compile(r"\d{4}/\d+ regs? [\d()\-]+|ss?\.\d+[\w()]*|para \d+\.\d+|Part \d")


def provisions(citation: str) -> set[str]:
    """The sections, regulations and paragraphs a citation names, however it is worded."""
    return set(PROVISION.findall(citation.replace("SSI ", "").replace("\u2013", "-")))


def table_period(row: Row) -> tuple[str, int]:
    """(unit, amount) as the table states the period."""
    if "30 June after" in row.period:
        return "annual_report", 0
    m = re.search(r"(\d+) (working days|days|months|years)", row.period)
    assert m, f"cannot read the period of {row.id}: {row.period!r}"
    amount, unit = int(m.group(1)), m.group(2)
    if unit == "years":
        return "months", amount * 12
    return unit.replace(" ", "_"), amount


def test_the_statute_table_was_found_and_read():
    assert len(ROWS) >= 13
    assert "pr.decision" in ROW_IDS
    assert "annual_report" in ROW_IDS
    assert all(r.basis in {"V", "G", "?"} for r in ROWS)


def test_every_rule_in_the_statute_table_is_in_the_code():
    missing = sorted(set(ROW_IDS) - set(CODE_RULES))
    assert missing == []


@pytest.mark.parametrize("row", ROWS, ids=ROW_IDS)
def test_rule_basis_matches_the_statute_table(row):
    assert CODE_RULES[row.id].effective_basis == Basis(row.basis)
    assert CODE_RULES[row.id].basis == Basis(row.period_basis)


@pytest.mark.parametrize("row", ROWS, ids=ROW_IDS)
def test_rule_citation_names_the_same_instrument_and_section(row):
    code = provisions(CODE_RULES[row.id].citation)
    assert code, CODE_RULES[row.id].citation
    assert code <= provisions(row.citation), (CODE_RULES[row.id].citation, row.citation)


@pytest.mark.parametrize("row", ROWS, ids=ROW_IDS)
def test_rule_period_matches_the_statute_table(row):
    rule = CODE_RULES[row.id]
    assert (rule.unit, rule.amount) == table_period(row)
    assert rule.minimum == row.period.startswith("at least")
    m = re.search(r"\((\d+) with additional authorities\)", row.period)
    assert rule.amount_with_additional_authorities == (int(m.group(1)) if m else None)


def test_every_rule_in_the_statute_table_has_a_worked_example_here():
    names = [n for n in globals() if n.startswith("test_")]
    lacking = [
        rule_id
        for rule_id in ROW_IDS
        if not any(n.startswith(f"test_{rule_id.replace('.', '_')}_is_") for n in names)
    ]
    assert lacking == []


# --- a worked example per rule -------------------------------------------------------------


def compute(rule_id: str, start: dt.date, **kwargs) -> Deadline:
    deadline = Rulebook().compute(rule_id, start, **kwargs)
    assert deadline.rule.id == rule_id
    assert deadline.start == start
    assert deadline.due == deadline.statutory_due
    assert deadline.citation == CODE_RULES[rule_id].citation
    # The rule's title and its citation, in sentences; no rule id and no basis marker.
    assert deadline.lines[0].startswith(CODE_RULES[rule_id].title.rstrip("."))
    assert deadline.lines[1].startswith(f"Where this comes from: {CODE_RULES[rule_id].citation}.")
    assert rule_id not in deadline.explanation
    assert not re.search(r"\((V|G|\?)[:)\s]|\b(V|G):|\?:", deadline.explanation)
    assert not re.search(r"\b\d{4}-\d{2}-\d{2}\b", deadline.explanation)
    return deadline


def test_pr_additional_authority_reply_is_15_working_days():
    # Wed 1 Apr 2026 is day 1; Good Friday (3rd) and Easter Monday (6th) count under reg 2;
    # weekends 4/5, 11/12, 18/19 skipped: day 15 is Tue 21 Apr.
    deadline = compute("pr.additional_authority_reply", D(2026, 4, 1))
    assert deadline.due == D(2026, 4, 21)
    assert "Working days, as SSI 2017/39 reg 2 defines them" in deadline.explanation
    assert "day 15 is Tuesday 21 April 2026" in deadline.explanation


def test_pr_decision_is_30_working_days():
    # From Wed 1 Apr 2026: Apr 1-3 (3), 6-10 (8), 13-17 (13), 20-24 (18), 27-30 (22),
    # Fri 1 May (23), Mon 4 May, May Day, a working day (24), 5-8 (28), Mon 11 (29),
    # Tue 12 May (30).
    deadline = compute("pr.decision", D(2026, 4, 1))
    assert deadline.due == D(2026, 5, 12)
    assert "30 working days beginning with" in deadline.period


def test_pr_decision_with_additional_authorities_is_45_working_days():
    # Continuing from day 30 on Tue 12 May 2026: 13-15 May (33), 18-22 (38),
    # Mon 25 May, Spring bank holiday, a working day (39), 26-29 (43), Mon 1 Jun (44),
    # Tue 2 Jun (45).
    deadline = compute("pr.decision", D(2026, 4, 1), with_additional_authorities=True)
    assert deadline.due == D(2026, 6, 2)
    assert "45 working days beginning with" in deadline.period
    assert "because other authorities are involved" in deadline.explanation


def test_pr_process_representations_is_28_days():
    # 10 Feb 2026 is day 1; 10-28 Feb is 19 days, 1-9 Mar is 9: Mon 9 Mar.
    assert compute("pr.process_representations", D(2026, 2, 10)).due == D(2026, 3, 9)


def test_pr_process_establish_is_90_days():
    # 5-31 Jan 2026 (27), Feb (55), Mar (86), 1-4 Apr (90): Sat 4 Apr, not moved.
    deadline = compute("pr.process_establish", D(2026, 1, 5))
    assert deadline.due == D(2026, 4, 4)
    assert "Saturday 4 April 2026 falls at a weekend; the date is not moved" in (
        deadline.explanation
    )


def test_atr_representations_is_at_least_20_working_days():
    # 15 working days from Wed 1 Apr 2026 end Tue 21 Apr; 22, 23, 24 (18), Mon 27 (19),
    # Tue 28 Apr (20).
    deadline = compute("atr.representations", D(2026, 4, 1))
    assert deadline.due == D(2026, 4, 28)
    assert MINIMUM_LINE in deadline.lines


def test_atr_comments_on_representations_is_at_least_20_working_days():
    # From Mon 15 Dec 2025: 15-19 (5), 22-24 (8), skip Thu 25, Fri 26 (reg 2) and the
    # weekend, 29-31 (11), skip Thu 1, Fri 2 Jan (reg 2) and the weekend, 5-9 Jan (16),
    # 12-15 Jan (20): Thu 15 Jan 2026.
    deadline = compute("atr.comments_on_representations", D(2025, 12, 15))
    assert deadline.due == D(2026, 1, 15)


def test_atr_decision_is_6_months():
    # 31 Aug 2026 + 6 months = February 2027, which has no 31st: Sun 28 Feb 2027.
    deadline = compute("atr.decision", D(2026, 8, 31))
    assert deadline.due == D(2027, 2, 28)
    assert "February 2027 has no day 31" in deadline.explanation


def test_atr_review_or_appeal_is_20_working_days():
    # Sat 19 Dec 2026 is not a working day; day 1 is Mon 21. 21-24 (4), skip Fri 25,
    # Sat 26, Sun 27, Mon 28 substitute holiday counts (5), 29-31 (8), skip Fri 1 Jan,
    # Sat 2, Sun 3, Mon 4 Jan substitute holiday counts (9), 5-8 (13), 11-15 (18),
    # Mon 18 (19), Tue 19 Jan 2027 (20).
    deadline = compute("atr.review_or_appeal", D(2026, 12, 19))
    assert deadline.due == D(2027, 1, 19)


def test_atr_offer_is_at_least_6_months():
    # 31 Mar 2026 + 6 months: September has 30 days, so Wed 30 Sep 2026.
    deadline = compute("atr.offer", D(2026, 3, 31))
    assert deadline.due == D(2026, 9, 30)
    assert MINIMUM_LINE in deadline.lines


def test_atr_contract_is_6_months():
    # 15 Jan 2026 + 6 months = Wed 15 Jul 2026.
    assert compute("atr.contract", D(2026, 1, 15)).due == D(2026, 7, 15)


def test_atr_no_contract_appeal_is_10_working_days():
    # Wed 15 Jul 2026 is day 1: 15-17 (3), 20-24 (8), Mon 27 (9), Tue 28 Jul (10).
    assert compute("atr.no_contract_appeal", D(2026, 7, 15)).due == D(2026, 7, 28)


def test_atr_repeat_request_bar_is_2_years():
    # 29 Feb 2024 + 24 months: February 2026 has no 29th, so Sat 28 Feb 2026.
    assert compute("atr.repeat_request_bar", D(2024, 2, 29)).due == D(2026, 2, 28)


def test_pr_process_notice_is_28_days():
    # The day after the s.26(3) period: 28 days beginning Wed 29 Apr 2026 end Tue 26 May.
    assert compute("pr.process_notice", D(2026, 4, 29)).due == D(2026, 5, 26)


def test_atr_review_decision_is_6_months():
    # 6 months after Mon 11 May 2026 is Wed 11 Nov 2026.
    assert compute("atr.review_decision", D(2026, 5, 11)).due == D(2026, 11, 11)


def test_atr_direction_application_is_6_months():
    # With the contract period: 6 months after Sat 31 Oct 2026 is Fri 30 Apr 2027.
    assert compute("atr.direction_application", D(2026, 10, 31)).due == D(2027, 4, 30)


def test_atr_no_contract_appeal_response_is_15_working_days():
    # Beginning Mon 21 Dec 2026: 21-24 (4), 25-26 Dec excluded, 28-31 (8), 1-2 Jan
    # excluded, 4-8 Jan (13), 11-12 Jan (15): Tue 12 Jan 2027.
    assert compute("atr.no_contract_appeal_response", D(2026, 12, 21)).due == D(2027, 1, 12)


def test_atr_no_contract_appeal_comments_is_15_working_days():
    # Beginning Sat 4 Apr 2026, day 1 is Mon 6 Apr (Easter Monday counts): 6-10 (5),
    # 13-17 (10), 20-24 (15): Fri 24 Apr 2026.
    assert compute("atr.no_contract_appeal_comments", D(2026, 4, 4)).due == D(2026, 4, 24)


def test_annual_report_is_30_june_after_the_year():
    # 10 May 2026 is in the year 1 Apr 2026 - 31 Mar 2027: due 30 Jun 2027.
    assert compute("annual_report", D(2026, 5, 10)).due == D(2027, 6, 30)
    # 31 Mar 2026 ends the year 2025-26: due 30 Jun 2026.
    assert compute("annual_report", D(2026, 3, 31)).due == D(2026, 6, 30)


# --- explanations carry the basis -----------------------------------------------------------


@pytest.mark.parametrize("row", ROWS, ids=ROW_IDS)
def test_explanation_states_the_basis(row):
    deadline = Rulebook().compute(row.id, D(2026, 4, 1))
    basis_line = deadline.lines[1]
    said = {
        "V": "This period was checked against the text of the Act or the regulations.",
        "G": "This period comes from Scottish Government guidance or published practice, "
        "not the legal text, so the authority may configure it.",
        "?": "This period is not yet confirmed against the legal text, so the authority may "
        "configure it.",
    }
    assert basis_line.endswith(said[row.period_basis])
    assert ("may configure it" in basis_line) == (row.period_basis != "V")
    if row.basis != row.period_basis:  # the count of working days is itself unconfirmed
        assert "That choice is not yet confirmed" in deadline.explanation
    # The basis is said in words, never as a marker.
    marker = re.escape(row.basis)
    assert not re.search(rf"\({marker}[:)\s]|(^|\W){marker}:", deadline.explanation)
    # Nothing was overridden, so nothing says it was configured by the authority.
    assert "configured" not in deadline.explanation
    assert "configuration" not in deadline.explanation


def test_atr_working_day_rules_say_which_definition_they_use():
    deadline = Rulebook().compute("atr.representations", D(2026, 4, 1))
    assert deadline.lines[-1] == (
        "SSI 2016/357 is taken to use the working days of SSI 2017/39 reg 2. That choice is "
        "not yet confirmed against the legal text, so the authority may configure it."
    )


# --- overrides ------------------------------------------------------------------------------


def test_a_g_rule_can_be_overridden_and_the_explanation_says_so():
    # pr.decision (G) set to 40 working days from Wed 1 Apr 2026: day 30 is Tue 12 May;
    # 13-15 (33), 18-22 (38), Mon 25 (39), Tue 26 May (40).
    deadline = Rulebook({"pr.decision": 40}).compute("pr.decision", D(2026, 4, 1))
    assert deadline.due == D(2026, 5, 26)
    assert (
        "This authority's configuration sets 40 in place of the usual 30 (setting pr.decision)."
    ) in deadline.lines
    assert deadline.period.startswith("40 working days beginning with")


def test_a_question_mark_rule_can_be_overridden_and_the_explanation_says_so():
    # atr.representations (?) set to 25 from Wed 1 Apr 2026: day 20 is Tue 28 Apr;
    # Wed 29 (21), Thu 30 (22), Fri 1 May (23), Mon 4 May (24), Tue 5 May (25).
    deadline = Rulebook({"atr.representations": 25}).compute("atr.representations", D(2026, 4, 1))
    assert deadline.due == D(2026, 5, 5)
    assert "This authority's configuration sets 25 in place of the usual 20" in (
        deadline.explanation
    )


def test_a_g_months_rule_can_be_overridden():
    # atr.repeat_request_bar set to 36 months: 29 Feb 2024 + 36 = February 2027, no 29th:
    # 28 Feb 2027.
    deadline = Rulebook({"atr.repeat_request_bar": 36}).compute(
        "atr.repeat_request_bar", D(2024, 2, 29)
    )
    assert deadline.due == D(2027, 2, 28)
    assert "This authority's configuration sets 36 in place of the usual 24" in deadline.explanation


def test_the_additional_authorities_period_is_overridden_separately():
    # 50 working days from Wed 1 Apr 2026: day 45 is Tue 2 Jun; 3-5 Jun (48), Mon 8 (49),
    # Tue 9 Jun (50).
    book = Rulebook({"pr.decision.with_additional_authorities": 50})
    with_others = book.compute("pr.decision", D(2026, 4, 1), with_additional_authorities=True)
    assert with_others.due == D(2026, 6, 9)
    assert "(setting pr.decision.with_additional_authorities)" in with_others.explanation
    alone = book.compute("pr.decision", D(2026, 4, 1))
    assert alone.due == D(2026, 5, 12)
    assert "configuration" not in alone.explanation


def test_an_override_touches_only_its_own_rule():
    deadline = Rulebook({"pr.decision": 40}).compute("pr.additional_authority_reply", D(2026, 4, 1))
    assert deadline.due == D(2026, 4, 21)
    assert "configuration" not in deadline.explanation


V_ROWS = [r for r in ROWS if r.basis == "V"]


@pytest.mark.parametrize("row", V_ROWS, ids=[r.id for r in V_ROWS])
def test_a_v_rule_cannot_be_overridden(row):
    with pytest.raises(ConfigurationError):
        Rulebook({row.id: 10})


@pytest.mark.parametrize(
    "key",
    [
        "pr.nonexistent",
        "decision",
        "PR.DECISION",
        "pr.decision.with_additional_authority",
        "atr.contract.with_additional_authorities",
        "pr.additional_authority_reply.with_additional_authorities",
    ],
)
def test_unknown_override_keys_are_refused(key):
    with pytest.raises(ConfigurationError):
        Rulebook({key: 30})


@pytest.mark.parametrize("value", [0, -1, -30, True, "30", 2.5, None])
def test_override_values_must_be_whole_numbers_above_zero(value):
    with pytest.raises(ConfigurationError):
        Rulebook({"pr.decision": value})


def test_the_atr_working_day_definition_is_configurable():
    # 20 working days from Wed 1 Apr 2026 on Scottish bank holidays: skip Good Friday 3 Apr;
    # day 15 is Wed 22 Apr, 23-24 (17), 27-29 Apr (20): Wed 29 Apr.
    book = Rulebook({"working_days.ssi_2016_357": "scottish_bank_holidays"})
    deadline = book.compute("atr.representations", D(2026, 4, 1))
    assert deadline.due == D(2026, 4, 29)
    assert "Friday 3 April 2026 (Scottish bank holiday, Good Friday)" in deadline.explanation
    assert deadline.lines[-1].startswith(
        "SSI 2016/357 is configured by this authority to use the working days of "
        f"{calendars.SCOTTISH_BANK_HOLIDAYS.citation}."
    )
    # The participation request rules keep SSI 2017/39's own definition.
    assert book.compute("pr.decision", D(2026, 4, 1)).due == D(2026, 5, 12)


def test_the_ssi_2017_39_working_day_definition_is_not_configurable():
    for value in calendars.DEFINITIONS:
        with pytest.raises(ConfigurationError):
            Rulebook({"working_days.ssi_2017_39": value})


@pytest.mark.parametrize(
    "overrides",
    [
        {"working_days.ssi_2016_357": "bank_holidays"},
        {"working_days.ssi_2016_357": 5},
        {"working_days.ssi_1999_1": "scottish_bank_holidays"},
    ],
)
def test_bad_working_day_settings_are_refused(overrides):
    with pytest.raises(ConfigurationError):
        Rulebook(overrides)


def test_every_accepted_working_day_setting_changes_some_deadline():
    # A setting the rulebook accepts must change something: otherwise an authority that
    # configures it is silently ignored. Good Friday 2026-04-03 is a working day under
    # SSI 2017/39 reg 2 but not on Scottish bank holidays, so a working-day period that
    # covers it ends a day later when the setting takes effect.
    start = D(2026, 4, 1)
    working_day_rules = [r for r in RULES if r.unit == "working_days"]
    no_effect = []
    for instrument in INSTRUMENTS.values():
        if not instrument.working_days_basis.configurable:
            continue
        key = f"working_days.{instrument.id}"
        book = Rulebook({key: "scottish_bank_holidays"})
        changed = [
            r.id
            for r in working_day_rules
            for under in (r.instrument, *r.other_instruments)
            if book.compute(r.id, start, instrument=under).due
            != Rulebook().compute(r.id, start, instrument=under).due
        ]

        if not changed:
            no_effect.append(key)
    assert no_effect == []


# --- extensions -----------------------------------------------------------------------------


def test_apply_extensions_uses_the_latest_agreed_date_and_keeps_the_history():
    # atr.decision from 31 Aug 2026 is due Sun 28 Feb 2027; extended on 1 Feb 2027 to
    # Fri 30 Apr 2027, then on 15 Apr 2027 to Wed 30 Jun 2027.
    deadline = Rulebook().compute("atr.decision", D(2026, 8, 31))
    first = Extension(D(2027, 2, 1), D(2027, 4, 30))
    second = Extension(
        D(2027, 4, 15), D(2027, 6, 30), by="direction of the Scottish Ministers", note="survey"
    )
    extended = apply_extensions(deadline, [first, second])
    assert extended.due == D(2027, 6, 30)
    assert extended.statutory_due == D(2027, 2, 28)
    assert extended.extensions == (first, second)
    assert extended.lines[: len(deadline.lines)] == deadline.lines
    assert extended.lines[len(deadline.lines) :] == (
        "Extended on Monday 1 February 2027, by agreement with the body, to Friday 30 April "
        "2027 (it was Sunday 28 February 2027).",
        "Extended on Thursday 15 April 2027, by direction of the Scottish Ministers, to "
        "Wednesday 30 June 2027 (it was Friday 30 April 2027). Note: survey.",
    )


def test_apply_extensions_with_none_changes_nothing():
    deadline = Rulebook().compute("pr.decision", D(2026, 4, 1))
    assert apply_extensions(deadline, []) == deadline


# --- minimum rules --------------------------------------------------------------------------

MINIMUM_LINE = "This is the earliest date allowed; a later one may be set."


@pytest.mark.parametrize("rule_id", ["atr.representations", "atr.offer"])
def test_minimum_rules_say_so_in_the_explanation(rule_id):
    assert MINIMUM_LINE in Rulebook().compute(rule_id, D(2026, 4, 1)).lines


@pytest.mark.parametrize("row", ROWS, ids=ROW_IDS)
def test_only_at_least_rules_say_they_are_a_minimum(row):
    lines = Rulebook().compute(row.id, D(2026, 4, 1)).lines
    assert (MINIMUM_LINE in lines) == row.period.startswith("at least")


# --- unknown rules --------------------------------------------------------------------------


def test_unknown_rule_message_lists_the_known_rules():
    with pytest.raises(UnknownRule) as caught:
        Rulebook().compute("pr.nonexistent", D(2026, 4, 1))
    message = str(caught.value)
    assert message.startswith("unknown rule 'pr.nonexistent'; known rules: ")
    for rule_id in ROW_IDS:
        assert rule_id in message
    assert isinstance(caught.value, KeyError)
