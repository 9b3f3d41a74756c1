"""The rules this project's restatement of the law (docs/law.md) adds or corrects, each with
dates worked out by hand. Pure: no database."""

from __future__ import annotations

import datetime as dt

import pytest

from workflows import asset_transfer as atr
from workflows import periods
from workflows.eligibility import BodyFacts
from workflows.machine import Context, GuardsFailed, Law
from workflows.rules import Basis, ConfigurationError, Party, Rulebook

D = dt.date.fromisoformat
RB = Rulebook()


def test_s26_3_comments_run_28_days_from_the_day_the_notice_is_given():
    # 28 days beginning with Fri 1 May 2026: 1 May + 27 days = Thu 28 May 2026.
    assert RB.compute("pr.process_representations", D("2026-05-01")).due == D("2026-05-28")


def test_s26_5_process_notice_is_due_28_days_after_the_comment_period_ends():
    # Starts the day after the s.26(3) period ends (Fri 29 May 2026); 28 days beginning with
    # it: 29 May + 27 days = Thu 25 June 2026. The 28 is this project's placeholder (?).
    deadline = RB.compute("pr.process_notice", D("2026-05-29"))
    assert deadline.due == D("2026-06-25")
    assert deadline.rule.basis is Basis.UNCONFIRMED
    assert deadline.rule.party is Party.AUTHORITY
    assert "s.26(5)" in deadline.citation


def test_s26_5_process_notice_period_is_configurable():
    assert Rulebook({"pr.process_notice": 42}).compute(
        "pr.process_notice", D("2026-05-29")
    ).due == D("2026-07-09")


def test_s86_review_decision_period_is_six_months_from_the_application_and_unconfirmed():
    # 6 months after Mon 11 May 2026 is Wed 11 November 2026.
    deadline = RB.compute("atr.review_decision", D("2026-05-11"))
    assert deadline.due == D("2026-11-11")
    assert deadline.rule.basis is Basis.UNCONFIRMED
    assert Rulebook({"atr.review_decision": 4}).compute(
        "atr.review_decision", D("2026-05-11")
    ).due == D("2026-09-11")


def test_s88_appeal_after_a_review_not_decided_counts_20_working_days_from_expiry():
    # Beginning Wed 11 Nov 2026: 11-13 (3), 16-20 (8), 23-27 (13), 30 Nov (14) — St Andrew's
    # Day is a working day here — 1-4 Dec (18), 7-8 Dec (20): Tue 8 December 2026.
    deadline = RB.compute(
        "atr.review_or_appeal",
        D("2026-11-11"),
        instrument=atr.ATR_APPEALS,
        citation="SSI 2016/359 reg 11",
    )
    assert deadline.due == D("2026-12-08")
    assert deadline.citation == "SSI 2016/359 reg 11"
    assert "SSI 2016/359 reg 11" in deadline.explanation


def test_s83_8_direction_application_runs_with_the_contract_period():
    # 6 months after Mon 1 June 2026 is Tue 1 December 2026, as atr.contract.
    assert RB.compute("atr.direction_application", D("2026-06-01")).due == D("2026-12-01")
    assert RB.compute("atr.contract", D("2026-06-01")).due == D("2026-12-01")


@pytest.mark.parametrize(
    ("rule", "start", "due"),
    [
        # reg 4(2): 15 working days beginning with receipt, Wed 2 Dec 2026: 2-4 (3),
        # 7-11 (8), 14-18 (13), 21-22 (15).
        ("atr.no_contract_appeal_response", "2026-12-02", "2026-12-22"),
        # reg 4(3): from receipt on Mon 14 Dec 2026: 14-18 (5), 21-24 (9), 25-26 December
        # excluded, 28-31 (13), 1-2 January excluded, 4-5 Jan (15).
        ("atr.no_contract_appeal_comments", "2026-12-14", "2027-01-05"),
    ],
)
def test_ssi_2016_360_reg4_periods_count_from_receipt(rule, start, due):
    deadline = RB.compute(rule, D(start))
    assert deadline.due == D(due)
    assert "receive" in deadline.rule.starts


def test_s93_repeat_bar_runs_two_years_from_the_earlier_request():
    rule = RB.rule("atr.repeat_request_bar")
    assert "made" in rule.starts and "refusal" not in rule.starts
    assert rule.basis is Basis.GUIDANCE
    assert RB.compute(rule.id, D("2026-04-01")).due == D("2028-04-01")


def test_reg11_citations_for_ministers_reviews_and_s88_appeals():
    assert atr._WINDOW_CITATIONS[atr.ReviewRoute.SCOTTISH_MINISTERS].startswith(
        "SSI 2016/358 reg 11"
    )
    assert atr._S88_CITATION.startswith("SSI 2016/359 reg 11")
    assert atr._WINDOW_CITATIONS[atr.ReviewRoute.LOCAL_AUTHORITY].startswith("SSI 2016/358 reg 3")
    assert atr._WINDOW_CITATIONS[atr.ReviewRoute.OTHER].startswith("SSI 2016/359 reg 3")


def test_a_v_period_counting_unconfirmed_working_days_is_unconfirmed_for_its_count():
    # The 20 working days are in the text of reg 3; what a working day is under 2016/358 is
    # not confirmed, so the period is not V as a count of days.
    review = RB.rule("atr.review_or_appeal")
    assert review.basis is Basis.VERIFIED
    assert review.effective_basis is Basis.UNCONFIRMED
    # ... and still not overridable, because its period is in the text.
    with pytest.raises(ConfigurationError):
        Rulebook({"atr.review_or_appeal": 25})
    # A period in months, or one counting SSI 2017/39 working days (reg 2, V), stays V.
    assert RB.rule("atr.decision").effective_basis is Basis.VERIFIED
    assert RB.rule("pr.additional_authority_reply").effective_basis is Basis.VERIFIED


@pytest.mark.parametrize(
    ("day", "year", "due"),
    [
        # The first asset transfer year ran from commencement to 31 March 2018 (para 21.4).
        ("2017-01-23", ("2017-01-23", "2018-03-31"), "2018-06-30"),
        ("2017-03-31", ("2017-01-23", "2018-03-31"), "2018-06-30"),
        ("2018-04-01", ("2018-04-01", "2019-03-31"), "2019-06-30"),
        ("2027-03-31", ("2026-04-01", "2027-03-31"), "2027-06-30"),
    ],
)
def test_ss32_95_reporting_years_and_the_first_asset_transfer_year(day, year, due):
    assert periods.reporting_year(D(day), asset_transfer=True) == (D(year[0]), D(year[1]))
    assert RB.compute("annual_report", D(day)).due == D(due)


def test_ss32_95_participation_years_begin_on_1_april_2017():
    # Part 3 came into force on 1 April 2017: its first year is a plain year from 1 April.
    assert periods.reporting_year(D("2017-06-01")) == (D("2017-04-01"), D("2018-03-31"))
    # The same day, for asset transfer, is in the long first year.
    assert periods.reporting_year(D("2017-06-01"), asset_transfer=True)[0] == D("2017-01-23")
    with pytest.raises(ValueError):
        periods.reporting_year(D("2016-12-31"))


# -- guidance para 15.2: an extension agreed before the period expires (G, configurable) ---


def _facts(**overrides) -> atr.AssetTransferFacts:
    body = BodyFacts("Kinghorn Trust", "1 High Street", "scio", 40, *([True] * 7))
    base = dict(
        state="representations_open",
        body=body,
        authority_type="local_authority",
        transfer_type="lease",
        request={},
        has_land=True,
        received_on=D("2026-04-01"),
        validated_on=D("2026-04-01"),
        validation_date=D("2026-04-01"),
        notice_date=D("2026-04-01"),
        representations_close=D("2026-04-30"),
    )
    return atr.AssetTransferFacts(**{**base, **overrides})


def _agree_late(law: Law):
    # The decision period ended Thu 1 October 2026; the extension is agreed on 2 October.
    payload = {
        "rule": "atr.decision",
        "new_due_date": D("2026-12-01"),
        "agreed_on": D("2026-10-02"),
    }
    ctx = Context(_facts(), D("2026-10-02"), law, payload)
    return atr.WORKFLOW.select("agree_extension", "representations_open", ctx, Party.AUTHORITY)


def test_guidance_15_2_an_extension_after_expiry_is_refused_by_default():
    with pytest.raises(GuardsFailed) as failed:
        _agree_late(Law())
    (failure,) = failed.value.failures
    assert failure.guard.id == "reg10.before_expiry"
    assert "para 15.2" in failure.guard.citation and "(G)" in failure.guard.citation


def test_guidance_15_2_an_authority_may_configure_late_extensions():
    rulebook = Rulebook({"atr.decision.extension_only_before_expiry": False})
    assert _agree_late(Law(rulebook)).trigger == "agree_extension"


@pytest.mark.parametrize(
    "overrides",
    [
        {"atr.decision.extension_only_before_expiry": "no"},
        {"pr.decision.extension_only_before_expiry": False},
    ],
)
def test_guidance_15_2_setting_takes_true_or_false_and_only_for_atr_decision(overrides):
    with pytest.raises(ConfigurationError):
        Rulebook(overrides)
