"""docs/law.md, the restatement of the law, agrees with the rule table in the code.

The rule table sits between `<!-- rules:start -->` and `<!-- rules:end -->`; each rule also
has a subsection headed `### RULE_ID` in "The rules one by one". Pure: no database.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from workflows.rules import RULE_IDS, RULES, Basis, Rule

LAW_MD = Path(__file__).resolve().parents[2] / "docs" / "law.md"
RULE_ID = re.compile(r"`((?:pr|atr)\.[a-z_]+|annual_report)`")
COLUMNS = ["rule id", "period", "starts", "counting phrase", "basis", "citation"]
LEGISLATION_URL = re.compile(r"https?://(?:www\.)?legislation\.gov\.uk/\S+")
BY_ID = {r.id: r for r in RULES}
# A quotation: a blockquote that opens with a quotation mark, or 20 characters or more in quotes.
QUOTE = re.compile(r'^> "|"[^"]{20,}"', re.M)


def _text() -> str:
    return LAW_MD.read_text(encoding="utf-8")


def _table() -> str:
    text = _text()
    assert text.count("<!-- rules:start -->") == 1, "docs/law.md needs one <!-- rules:start -->"
    assert text.count("<!-- rules:end -->") == 1, "docs/law.md needs one <!-- rules:end -->"
    return text.split("<!-- rules:start -->", 1)[1].split("<!-- rules:end -->", 1)[0]


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def _rows() -> dict[str, dict[str, str]]:
    """The table's rows, by rule id, as {column: cell}."""
    lines = [ln for ln in _table().splitlines() if ln.strip().startswith("|")]
    assert lines and _cells(lines[0]) == COLUMNS, f"the table's header must be {COLUMNS}"
    rows: dict[str, dict[str, str]] = {}
    for line in lines[2:]:
        cells = _cells(line)
        assert len(cells) == len(COLUMNS), f"a row needs {len(COLUMNS)} cells: {line}"
        found = RULE_ID.fullmatch(cells[0])
        assert found, f"the first cell must be one backticked rule id: {line}"
        assert found.group(1) not in rows, f"{found.group(1)} has two rows"
        rows[found.group(1)] = dict(zip(COLUMNS, cells, strict=True))
    return rows


def _table_ids() -> set[str]:
    return set(RULE_ID.findall(_table()))


def _subsections() -> dict[str, str]:
    """The text under each `### RULE_ID` heading, up to the next heading."""
    out: dict[str, str] = {}
    for part in re.split(r"^(?=#{1,3} )", _text(), flags=re.M):
        heading = re.match(r"### (\S+)\s*\n", part)
        if heading and heading.group(1) in BY_ID:
            out[heading.group(1)] = part
    return out


def test_every_rule_in_the_code_is_in_the_table():
    missing = set(RULE_IDS) - _table_ids()
    assert not missing, (
        f"rule ids in workflows/rules.py missing from docs/law.md: {sorted(missing)}"
    )


def test_every_rule_in_the_table_is_in_the_code():
    unknown = _table_ids() - set(RULE_IDS)
    assert not unknown, (
        f"rule ids in docs/law.md that are not in workflows/rules.py: {sorted(unknown)}"
    )


def test_the_table_has_one_row_per_rule():
    assert sorted(_rows()) == sorted(RULE_IDS), "the table needs exactly one row per rule id"


def test_no_backticked_token_anywhere_looks_like_a_rule_id_but_is_not_one():
    stray = set(RULE_ID.findall(_text())) - set(RULE_IDS)
    assert not stray, f"docs/law.md names rules that do not exist: {sorted(stray)}"


@pytest.mark.parametrize("rule", RULES, ids=RULE_IDS)
def test_the_basis_in_the_table_is_the_rules_effective_basis(rule: Rule):
    cell = _rows()[rule.id]["basis"]
    letter = re.match(r"(V|G|\?)(?:\s|$)", cell)
    assert letter, f"{rule.id}: the basis cell must start with V, G or ?: {cell!r}"
    assert letter.group(1) == rule.effective_basis.value, (
        f"{rule.id}: docs/law.md says {letter.group(1)}, the code says {rule.effective_basis.value}"
    )
    if rule.effective_basis is not rule.basis:
        assert f"period {rule.basis.value}" in cell, (
            f"{rule.id}: say that the period itself is {rule.basis.value}: {cell!r}"
        )


@pytest.mark.parametrize("rule", RULES, ids=RULE_IDS)
def test_the_period_and_counting_phrase_in_the_table_are_the_codes(rule: Rule):
    row = _rows()[rule.id]
    period, phrase = row["period"], row["counting phrase"]
    if rule.unit == "annual_report":
        assert "30 June" in period and "30 June after" in phrase, row
        return
    unit = {"working_days": "working days", "days": "days", "months": "months"}[rule.unit]
    assert re.match(rf"(at least )?{rule.amount} {unit}\b", period), (
        f"{rule.id}: the period should begin '{rule.amount} {unit}': {period!r}"
    )
    assert (rule.unit == "working_days") == ("working days" in period), period
    assert period.startswith("at least ") == rule.minimum, (
        f"{rule.id}: 'at least' belongs to the rules that set a minimum: {period!r}"
    )
    if rule.amount_with_additional_authorities:
        assert str(rule.amount_with_additional_authorities) in period, period
    expected = "after" if rule.unit == "months" else "beginning with"
    assert phrase == expected, f"{rule.id}: the counting phrase is {expected!r}, not {phrase!r}"


def test_every_rule_has_its_own_subsection():
    assert sorted(_subsections()) == sorted(RULE_IDS), (
        "docs/law.md needs one '### RULE_ID' subsection per rule, in 'The rules one by one'"
    )


@pytest.mark.parametrize(
    "rule", [r for r in RULES if r.basis is Basis.VERIFIED], ids=lambda r: r.id
)
def test_every_verified_rule_gives_the_address_of_its_legal_text(rule: Rule):
    section = _subsections()[rule.id]
    assert LEGISLATION_URL.search(section), (
        f"{rule.id} is V: its subsection in docs/law.md must give a legislation.gov.uk address"
    )
    assert QUOTE.search(section), f"{rule.id} is V: quote the operative words"


@pytest.mark.parametrize(
    "rule", [r for r in RULES if r.effective_basis.configurable], ids=lambda r: r.id
)
def test_every_rule_that_is_not_verified_names_its_setting(rule: Rule):
    section = _subsections()[rule.id]
    assert "configurable" in section, f"{rule.id}: say that it is configurable, and how"
    if rule.basis.configurable:
        assert f"`{rule.id}`" in section, f"{rule.id}: name its setting, `{rule.id}`"
    else:
        assert rule.instrument is not None
        key = f"working_days.{rule.instrument.id}"
        assert key in section, f"{rule.id}: name the working-day setting {key}"
