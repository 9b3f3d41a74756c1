"""Who may ask (ss.19, 20, 77, 80) and of whom (Schedules 2 and 3), as docs/law.md states it."""

from __future__ import annotations

from dataclasses import replace

import pytest

from workflows.authorities import AUTHORITY_TYPES, ReviewRoute
from workflows.eligibility import (
    S19_TESTS,
    BodyFacts,
    LegalForm,
    ownership_body,
    participation_body,
    transfer_body,
)

S19_ATTRS = [attr for attr, _ in S19_TESTS]
S19_IDS = [test.id for _, test in S19_TESTS]


def body(**changes) -> BodyFacts:
    """A SCIO with 25 members, an asset lock and a constitution passing every s.19 test."""
    base = BodyFacts(
        name="Kilbride Community Trust",
        contact_address="1 Main Street, Kilbride",
        legal_form=LegalForm.SCIO,
        member_count=25,
        defines_community=True,
        majority_from_community=True,
        community_controls=True,
        open_membership=True,
        community_benefit_aims=True,
        surplus_for_community=True,
        asset_lock=True,
    )
    return replace(base, **changes)


def failed_ids(result) -> list[str]:
    return [f.test.id for f in result.failures]


def test_there_are_six_s19_tests_as_statute_lists():
    assert S19_IDS == [
        "s19.defines_community",
        "s19.majority_from_community",
        "s19.community_controls",
        "s19.open_membership",
        "s19.community_benefit_aims",
        "s19.surplus_for_community",
    ]
    assert all(test.citation == "s.19" for _, test in S19_TESTS)


def test_a_body_passing_every_s19_test_qualifies_for_both():
    assert participation_body(body()).eligible
    assert transfer_body(body()).eligible
    assert participation_body(body()).failures == ()
    assert transfer_body(body()).failures == ()


# --- each s.19 test on its own --------------------------------------------------------------


@pytest.mark.parametrize(("attr", "test_id"), list(zip(S19_ATTRS, S19_IDS, strict=True)))
def test_failing_one_s19_test_refuses_a_participation_request(attr, test_id):
    result = participation_body(body(**{attr: False}))
    assert result.eligible is False
    assert result.purpose == "participation_request"
    assert failed_ids(result) == [test_id]
    assert "s.20" in result.basis


@pytest.mark.parametrize(("attr", "test_id"), list(zip(S19_ATTRS, S19_IDS, strict=True)))
def test_failing_one_s19_test_refuses_an_asset_transfer(attr, test_id):
    result = transfer_body(body(**{attr: False}))
    assert result.eligible is False
    assert result.purpose == "asset_transfer_request"
    assert failed_ids(result) == [test_id]
    assert "s.77" in result.basis


@pytest.mark.parametrize(("attr", "test_id"), list(zip(S19_ATTRS, S19_IDS, strict=True)))
def test_failing_one_s19_test_refuses_ownership_naming_only_that_test(attr, test_id):
    result = ownership_body(body(**{attr: False}))
    assert result.eligible is False
    assert failed_ids(result) == [test_id]


@pytest.mark.parametrize(("attr", "test_id"), list(zip(S19_ATTRS, S19_IDS, strict=True)))
def test_the_refusal_message_names_the_requirement_and_the_fix(attr, test_id):
    test = dict(S19_TESTS)[attr]
    result = transfer_body(body(**{attr: False}))
    assert result.message.startswith("Not eligible: ")
    assert test.requirement in result.message
    assert test.fix in result.message


def test_failing_every_s19_test_names_all_six():
    result = transfer_body(body(**dict.fromkeys(S19_ATTRS, False)))
    assert failed_ids(result) == S19_IDS


# --- community councils and designated bodies ----------------------------------------------


def council(**changes) -> BodyFacts:
    """A community council: its scheme is not a s.19 constitution."""
    defaults = {
        "legal_form": LegalForm.COMMUNITY_COUNCIL,
        "member_count": 12,
        "asset_lock": False,
        **dict.fromkeys(S19_ATTRS, False),
    }
    return body(**{**defaults, **changes})


def test_a_community_council_qualifies_for_participation_requests():
    result = participation_body(council())
    assert result.eligible is True
    assert result.basis == "a community council (s.20)"


def test_a_community_council_does_not_qualify_for_asset_transfer():
    result = transfer_body(council())
    assert result.eligible is False
    assert failed_ids(result) == S19_IDS
    assert "not designated" in result.basis


def test_a_designated_community_council_qualifies_for_asset_transfer():
    result = transfer_body(council(designated=True))
    assert result.eligible is True
    assert result.basis == "designated by the Scottish Ministers (s.77)"


def test_a_designated_body_qualifies_for_both_even_without_s19():
    designated = body(
        legal_form=LegalForm.TRUST, designated=True, **dict.fromkeys(S19_ATTRS, False)
    )
    pr = participation_body(designated)
    atr = transfer_body(designated)
    assert (pr.eligible, atr.eligible) == (True, True)
    assert pr.basis == "designated by the Scottish Ministers (s.20)"
    assert atr.basis == "designated by the Scottish Ministers (s.77)"


# --- unconstituted groups -------------------------------------------------------------------


def group(**changes) -> BodyFacts:
    return body(legal_form=LegalForm.UNCONSTITUTED_GROUP, asset_lock=False, **changes)


def test_an_unconstituted_group_is_refused_by_default():
    result = participation_body(group())
    assert result.eligible is False
    assert failed_ids(result) == ["s20.unconstituted_group"]


def test_an_unconstituted_group_qualifies_when_the_route_is_on_and_s19_passes():
    result = participation_body(group(), unconstituted_groups=True)
    assert result.eligible is True
    assert result.failures == ()


@pytest.mark.parametrize(("attr", "test_id"), list(zip(S19_ATTRS, S19_IDS, strict=True)))
def test_an_unconstituted_group_failing_a_similar_test_is_refused_even_with_the_route_on(
    attr, test_id
):
    result = participation_body(group(**{attr: False}), unconstituted_groups=True)
    assert result.eligible is False
    assert failed_ids(result) == [test_id]


# --- ownership (s.80) -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "form",
    [LegalForm.SCIO, LegalForm.COMPANY, LegalForm.COMMUNITY_BENEFIT_SOCIETY],
    ids=["scio", "company", "bencom"],
)
@pytest.mark.parametrize("members", [20, 21, 250])
def test_an_ownership_form_with_20_or_more_members_and_an_asset_lock_may_ask_for_ownership(
    form, members
):
    result = ownership_body(body(legal_form=form, member_count=members))
    assert result.eligible is True
    assert result.purpose == "ownership"
    assert result.failures == ()


@pytest.mark.parametrize(
    "form",
    [
        LegalForm.UNINCORPORATED_ASSOCIATION,
        LegalForm.TRUST,
        LegalForm.OTHER,
        LegalForm.COMMUNITY_COUNCIL,
        LegalForm.UNCONSTITUTED_GROUP,
    ],
)
def test_ownership_names_the_legal_form_when_it_fails(form):
    result = ownership_body(body(legal_form=form))
    assert result.eligible is False
    assert failed_ids(result) == ["s80.legal_form"]


@pytest.mark.parametrize("members", [0, 1, 19])
def test_ownership_names_fewer_than_20_members(members):
    result = ownership_body(body(member_count=members))
    assert result.eligible is False
    assert failed_ids(result) == ["s80.members"]
    assert f"(it has {members})" in result.message


def test_ownership_names_a_missing_asset_lock():
    result = ownership_body(body(asset_lock=False))
    assert result.eligible is False
    assert failed_ids(result) == ["s80.asset_lock"]


def test_ownership_names_every_s80_failure_together():
    result = ownership_body(body(legal_form=LegalForm.TRUST, member_count=5, asset_lock=False))
    assert failed_ids(result) == ["s80.legal_form", "s80.members", "s80.asset_lock"]


def test_the_asset_lock_does_not_matter_for_lease_or_participation():
    unlocked = body(asset_lock=False, member_count=3, legal_form=LegalForm.TRUST)
    assert transfer_body(unlocked).eligible is True
    assert participation_body(unlocked).eligible is True


# --- authority types ------------------------------------------------------------------------


def test_local_authorities_use_the_local_authority_review_route():
    la = AUTHORITY_TYPES["local_authority"]
    assert la.review_route is ReviewRoute.LOCAL_AUTHORITY
    assert la.review_route == "local_authority"
    assert (la.public_service_authority, la.relevant_authority) == (True, True)


def test_the_scottish_ministers_use_their_own_review_route():
    ministers = AUTHORITY_TYPES["scottish_ministers"]
    assert ministers.review_route is ReviewRoute.SCOTTISH_MINISTERS
    assert ministers.relevant_authority is True
    assert ministers.public_service_authority is False


def test_police_scotland_is_a_public_service_authority_but_not_a_relevant_authority():
    police = AUTHORITY_TYPES["police_scotland"]
    assert police.public_service_authority is True
    assert police.relevant_authority is False
    assert police.review_route is None


def test_the_scottish_police_authority_is_relevant_in_place_of_police_scotland():
    spa = AUTHORITY_TYPES["scottish_police_authority"]
    assert (spa.public_service_authority, spa.relevant_authority) == (False, True)
    assert spa.review_route is ReviewRoute.OTHER


def test_schedule_2_public_service_authorities_as_statute_lists():
    assert {k for k, t in AUTHORITY_TYPES.items() if t.public_service_authority} == {
        "local_authority",
        "health_board",
        "college_board",
        "highlands_and_islands_enterprise",
        "national_park_authority",
        "police_scotland",
        "scottish_enterprise",
        "sepa",
        "fire_and_rescue",
        "naturescot",
        "regional_transport_partnership",
    }


def test_schedule_3_relevant_authorities_as_statute_lists():
    assert {k for k, t in AUTHORITY_TYPES.items() if t.relevant_authority} == {
        "local_authority",
        "health_board",
        "college_board",
        "highlands_and_islands_enterprise",
        "national_park_authority",
        "scottish_police_authority",
        "scottish_enterprise",
        "sepa",
        "fire_and_rescue",
        "naturescot",
        "regional_transport_partnership",
        "scottish_ministers",
        "crofting_commission",
        "historic_environment_scotland",
        "scottish_canals",
        "scottish_courts_and_tribunals_service",
        "scottish_water",
    }


def test_other_relevant_authorities_appeal_to_the_scottish_ministers():
    others = {
        k
        for k, t in AUTHORITY_TYPES.items()
        if t.relevant_authority and k not in {"local_authority", "scottish_ministers"}
    }
    assert others
    assert all(AUTHORITY_TYPES[k].review_route is ReviewRoute.OTHER for k in others)


def test_authorities_that_are_not_relevant_have_no_review_route():
    assert all(t.review_route is None for t in AUTHORITY_TYPES.values() if not t.relevant_authority)
