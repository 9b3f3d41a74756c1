"""Who may make a request, judged from the body's recorded constitution.

Each test names its section and says what to change, so a volunteer secretary can see
exactly why a body does not qualify and what would make it qualify.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class LegalForm(StrEnum):
    COMPANY = "company"
    SCIO = "scio"
    COMMUNITY_BENEFIT_SOCIETY = "community_benefit_society"
    COMMUNITY_COUNCIL = "community_council"
    UNINCORPORATED_ASSOCIATION = "unincorporated_association"
    TRUST = "trust"
    UNCONSTITUTED_GROUP = "unconstituted_group"
    OTHER = "other"


LEGAL_FORM_LABELS = {
    LegalForm.COMPANY: "Company (for example, limited by guarantee)",
    LegalForm.SCIO: "Scottish charitable incorporated organisation (SCIO)",
    LegalForm.COMMUNITY_BENEFIT_SOCIETY: "Community benefit society (BenCom)",
    LegalForm.COMMUNITY_COUNCIL: "Community council",
    LegalForm.UNINCORPORATED_ASSOCIATION: "Unincorporated association with a written constitution",
    LegalForm.TRUST: "Trust",
    LegalForm.UNCONSTITUTED_GROUP: "Group without a written constitution",
    LegalForm.OTHER: "Other",
}

CONSTITUTION_FIELDS = (
    "defines_community",
    "majority_from_community",
    "community_controls",
    "open_membership",
    "community_benefit_aims",
    "surplus_for_community",
    "asset_lock",
)

OWNERSHIP_FORMS = (LegalForm.COMPANY, LegalForm.SCIO, LegalForm.COMMUNITY_BENEFIT_SOCIETY)
OWNERSHIP_MIN_MEMBERS = 20


@dataclass(frozen=True)
class BodyFacts:
    name: str
    contact_address: str
    legal_form: str
    member_count: int
    defines_community: bool
    majority_from_community: bool
    community_controls: bool
    open_membership: bool
    community_benefit_aims: bool
    surplus_for_community: bool
    asset_lock: bool
    designated: bool = False


@dataclass(frozen=True)
class Test:
    id: str
    citation: str
    requirement: str
    fix: str


@dataclass(frozen=True)
class Failure:
    test: Test

    @property
    def message(self) -> str:
        return f"{self.test.requirement} ({self.test.citation}). {self.test.fix}"


@dataclass(frozen=True)
class Result:
    purpose: str
    eligible: bool
    basis: str
    failures: tuple[Failure, ...] = ()

    @property
    def message(self) -> str:
        if self.eligible:
            return f"Eligible: {self.basis}."
        return f"Not eligible: {self.basis}. " + " ".join(f.message for f in self.failures)


S19_TESTS: tuple[tuple[str, Test], ...] = (
    (
        "defines_community",
        Test(
            "s19.defines_community",
            "s.19",
            "The written constitution must define the community the body relates to",
            "Add a definition of the community (for example, by postcode area or interest) "
            "to the constitution and record it.",
        ),
    ),
    (
        "majority_from_community",
        Test(
            "s19.majority_from_community",
            "s.19",
            "The constitution must provide that a majority of the members come from that community",
            "Amend the membership clause so that most members must be members of the community.",
        ),
    ),
    (
        "community_controls",
        Test(
            "s19.community_controls",
            "s.19",
            "The constitution must give the members from the community control of the body",
            "Amend the constitution so that members from the community control decisions.",
        ),
    ),
    (
        "open_membership",
        Test(
            "s19.open_membership",
            "s.19",
            "Membership must be open to any member of the community",
            "Remove restrictions that stop members of the community from joining.",
        ),
    ),
    (
        "community_benefit_aims",
        Test(
            "s19.community_benefit_aims",
            "s.19",
            "The body's aims must include promoting a benefit for the community",
            "Add the promotion of a benefit for the community to the body's aims.",
        ),
    ),
    (
        "surplus_for_community",
        Test(
            "s19.surplus_for_community",
            "s.19",
            "Any surplus funds or assets must be applied for the benefit of the community",
            "Add a clause applying any surplus for the benefit of the community.",
        ),
    ),
)


def community_controlled(body: BodyFacts) -> tuple[Failure, ...]:
    """The s.19 tests that the body's recorded constitution fails."""
    return tuple(Failure(test) for attr, test in S19_TESTS if not getattr(body, attr))


def participation_body(body: BodyFacts, *, unconstituted_groups: bool = False) -> Result:
    """s.20: a community-controlled body, a community council, a designated body, or (only
    where the setting says that route is in force) an unconstituted group meeting similar tests."""
    purpose = "participation_request"
    if body.legal_form == LegalForm.COMMUNITY_COUNCIL:
        return Result(purpose, True, "a community council (s.20)")
    if body.designated:
        return Result(purpose, True, "designated by the Scottish Ministers (s.20)")
    if body.legal_form == LegalForm.UNCONSTITUTED_GROUP and not unconstituted_groups:
        test = Test(
            "s20.unconstituted_group",
            "s.20",
            "A group without a written constitution may not make participation requests here",
            "Adopt a written constitution that meets the s.19 tests, then record it.",
        )
        return Result(
            purpose,
            False,
            "the body is not a community participation body (s.20)",
            (Failure(test),),
        )
    failures = community_controlled(body)
    if failures:
        return Result(
            purpose,
            False,
            "the body is not a community participation body (s.20): it is not a community "
            "council or a designated body, and it is not community-controlled (s.19)",
            failures,
        )
    return Result(purpose, True, "a community-controlled body (s.19, s.20)")


def transfer_body(body: BodyFacts) -> Result:
    """s.77: a community-controlled body, or a body designated by the Scottish Ministers."""
    purpose = "asset_transfer_request"
    if body.designated:
        return Result(purpose, True, "designated by the Scottish Ministers (s.77)")
    failures = community_controlled(body)
    if failures:
        return Result(
            purpose,
            False,
            "the body is not a community transfer body (s.77): it is not designated, and it is "
            "not community-controlled (s.19)",
            failures,
        )
    return Result(purpose, True, "a community-controlled body (s.19, s.77)")


def ownership_body(body: BodyFacts) -> Result:
    """s.80: a request for ownership also needs the legal form, 20 members and an asset lock."""
    base = transfer_body(body)
    failures = list(base.failures)
    if body.legal_form not in OWNERSHIP_FORMS:
        failures.append(
            Failure(
                Test(
                    "s80.legal_form",
                    "s.80; guidance ch.5 (G)",
                    "To ask for ownership the body must be a company, a SCIO or a community benefit society",
                    "Incorporate as one of these forms and record the new legal form.",
                )
            )
        )
    if body.member_count < OWNERSHIP_MIN_MEMBERS:
        failures.append(
            Failure(
                Test(
                    "s80.members",
                    "s.80; guidance ch.5 (G)",
                    f"To ask for ownership the body must have at least {OWNERSHIP_MIN_MEMBERS} members "
                    f"(it has {body.member_count})",
                    "Recruit more members and record the new membership count.",
                )
            )
        )
    if not body.asset_lock:
        failures.append(
            Failure(
                Test(
                    "s80.asset_lock",
                    "s.80; guidance ch.5 (G)",
                    "To ask for ownership the constitution must lock the assets on winding up, so that "
                    "they pass to another community body or charity",
                    "Add an asset-lock clause to the constitution and record it.",
                )
            )
        )
    if failures:
        return Result(
            "ownership", False, "the body may not ask for ownership (s.80)", tuple(failures)
        )
    return Result(
        "ownership", True, f"{base.basis}, with the form and asset lock for ownership (s.80)"
    )
