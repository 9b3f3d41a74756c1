"""The deadline rules: every rule id in docs/law.md, with its citation and basis.

A rule marked V was checked against the legal text and is fixed. G (guidance or
published practice) and ? (unconfirmed) values are data that configuration may
override; when it does, the explanation says so. The working-day definition is
chosen per instrument, and is itself configurable where its basis is not V.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Literal

from workflows import calendars, periods


class Basis(StrEnum):
    VERIFIED = "V"
    GUIDANCE = "G"
    UNCONFIRMED = "?"

    @property
    def description(self) -> str:
        """What the basis means, to follow a subject: "This period ..."."""
        return {
            "V": "was checked against the text of the Act or the regulations",
            "G": "comes from Scottish Government guidance or published practice, not the "
            "legal text, so the authority may configure it",
            "?": "is not yet confirmed against the legal text, so the authority may configure it",
        }[self.value]

    @property
    def configurable(self) -> bool:
        return self is not Basis.VERIFIED


class Party(StrEnum):
    """Whose step a deadline or an action is."""

    AUTHORITY = "authority"
    BODY = "body"
    ADDITIONAL_AUTHORITY = "additional_authority"
    PUBLIC = "public"
    SYSTEM = "system"


@dataclass(frozen=True)
class Instrument:
    """A statutory instrument, with the working-day definition it uses."""

    id: str
    citation: str
    working_days: str
    working_days_basis: Basis


PR_PROCEDURE = Instrument("ssi_2017_39", "SSI 2017/39", "ssi_2017_39", Basis.VERIFIED)
ATR_PROCEDURE = Instrument("ssi_2016_357", "SSI 2016/357", "ssi_2017_39", Basis.UNCONFIRMED)
ATR_REVIEW = Instrument("ssi_2016_358", "SSI 2016/358", "ssi_2017_39", Basis.UNCONFIRMED)
ATR_APPEALS = Instrument("ssi_2016_359", "SSI 2016/359", "ssi_2017_39", Basis.UNCONFIRMED)
ATR_NO_CONTRACT = Instrument("ssi_2016_360", "SSI 2016/360", "ssi_2017_39", Basis.UNCONFIRMED)
INSTRUMENTS = {
    i.id: i for i in (PR_PROCEDURE, ATR_PROCEDURE, ATR_REVIEW, ATR_APPEALS, ATR_NO_CONTRACT)
}

Unit = Literal["working_days", "days", "months", "annual_report"]


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    unit: Unit
    amount: int
    starts: str
    citation: str
    basis: Basis
    party: Party
    instrument: Instrument | None = None
    minimum: bool = False
    # pr.decision is longer where other authorities are involved (SSI 2017/39 reg 7).
    amount_with_additional_authorities: int | None = None
    # An ATR decision period is to be extended only before it expires: the guidance says so
    # (asset transfer guidance for relevant authorities, para 15.2), not the regulations,
    # so it is G and configuration may turn it off (EXTENSION_KEY_SUFFIX).
    extension_only_before_expiry: bool = False
    # Instruments the same period may run under instead, chosen by the caller.
    other_instruments: tuple[Instrument, ...] = ()

    @property
    def period_phrase(self) -> str:
        return _phrase(self.unit, self.amount)

    @property
    def effective_basis(self) -> Basis:
        """A period checked against the text (V) that counts working days as an instrument
        whose definition of a working day is not confirmed is itself only as sure as that
        definition: ? for its count of days."""
        if (
            self.basis is Basis.VERIFIED
            and self.unit == "working_days"
            and self.instrument is not None
            and self.instrument.working_days_basis is not Basis.VERIFIED
        ):
            return Basis.UNCONFIRMED
        return self.basis


def _phrase(unit: Unit, amount: int) -> str:
    return {
        "working_days": f"{amount} working days beginning with",
        "days": f"{amount} days beginning with",
        "months": f"{amount} months after",
        "annual_report": "due by 30 June after the reporting year ending 31 March; start:",
    }[unit]


RULES: tuple[Rule, ...] = (
    Rule(
        "pr.additional_authority_reply",
        "An additional authority says whether it will take part, with reasons if not",
        "working_days",
        15,
        "the day the additional authority is notified",
        "SSI 2017/39 reg 6(2)",
        Basis.VERIFIED,
        Party.ADDITIONAL_AUTHORITY,
        PR_PROCEDURE,
    ),
    Rule(
        "pr.decision",
        "The authority gives its decision notice on the participation request",
        "working_days",
        30,
        "the validation date",
        "SSI 2017/39 reg 7",
        Basis.GUIDANCE,
        Party.AUTHORITY,
        PR_PROCEDURE,
        amount_with_additional_authorities=45,
    ),
    Rule(
        "pr.process_representations",
        "The body may comment on the proposed outcome improvement process",
        "days",
        28,
        "the day the s.25(3) decision notice is given",
        "Community Empowerment (Scotland) Act 2015 s.26(3)",
        Basis.VERIFIED,
        Party.BODY,
    ),
    Rule(
        "pr.process_notice",
        "The authority gives the notice describing the outcome improvement process",
        "days",
        28,
        "the day after the body's period for representations on the proposed process ends",
        "Community Empowerment (Scotland) Act 2015 s.26(5)",
        Basis.UNCONFIRMED,
        Party.AUTHORITY,
    ),
    Rule(
        "pr.process_establish",
        "The authority establishes the outcome improvement process",
        "days",
        90,
        "the day the s.26(5) notice is given",
        "Community Empowerment (Scotland) Act 2015 s.28(a)",
        Basis.VERIFIED,
        Party.AUTHORITY,
    ),
    Rule(
        "atr.representations",
        "Representations on the asset transfer request may be made",
        "working_days",
        20,
        "the date of the notice",
        "SSI 2016/357 regs 6-7",
        Basis.UNCONFIRMED,
        Party.PUBLIC,
        ATR_PROCEDURE,
        minimum=True,
    ),
    Rule(
        "atr.comments_on_representations",
        "The body may comment on the representations",
        "working_days",
        20,
        "the day copies of the representations are sent",
        "SSI 2016/357 reg 8",
        Basis.GUIDANCE,
        Party.BODY,
        ATR_PROCEDURE,
        minimum=True,
    ),
    Rule(
        "atr.decision",
        "The authority gives its decision notice on the asset transfer request",
        "months",
        6,
        "the validation date",
        "SSI 2016/357 reg 10",
        Basis.VERIFIED,
        Party.AUTHORITY,
        ATR_PROCEDURE,
        extension_only_before_expiry=True,
    ),
    Rule(
        "atr.review_or_appeal",
        "The body applies for a review or appeals",
        "working_days",
        20,
        "the date of the decision notice, or the day the decision period expired",
        "SSI 2016/358 reg 3 (review by the council, s.86); SSI 2016/359 reg 3 (appeal, s.85)",
        Basis.VERIFIED,
        Party.BODY,
        ATR_REVIEW,
        # An appeal to the Scottish Ministers runs under 2016/359 instead.
        other_instruments=(ATR_APPEALS,),
    ),
    Rule(
        "atr.review_decision",
        "The council decides the review and gives its decision notice",
        "months",
        6,
        "the day the application for review is made",
        "Community Empowerment (Scotland) Act 2015 ss.86(6), 88; SSI 2016/358 Part 3",
        Basis.UNCONFIRMED,
        Party.AUTHORITY,
    ),
    Rule(
        "atr.offer",
        "The body makes its offer",
        "months",
        6,
        "the date of the decision notice",
        "Community Empowerment (Scotland) Act 2015 s.83",
        Basis.GUIDANCE,
        Party.BODY,
        minimum=True,
    ),
    Rule(
        "atr.contract",
        "The contract is concluded",
        "months",
        6,
        "the date of the offer",
        "Community Empowerment (Scotland) Act 2015 s.83(7)",
        Basis.GUIDANCE,
        Party.AUTHORITY,
    ),
    Rule(
        "atr.direction_application",
        "The body may apply to the Scottish Ministers for a direction giving longer to "
        "conclude the contract",
        "months",
        6,
        "the date of the offer (the application is made within the period to conclude "
        "the contract)",
        "Community Empowerment (Scotland) Act 2015 s.83(8); SSI 2016/360 reg 11(2)",
        Basis.UNCONFIRMED,
        Party.BODY,
    ),
    Rule(
        "atr.no_contract_appeal",
        "The body may appeal because no contract was concluded",
        "working_days",
        10,
        "the day the contract period ends",
        "SSI 2016/360 reg 3; asset transfer guidance for community transfer bodies, para 21.5",
        Basis.GUIDANCE,
        Party.BODY,
        ATR_NO_CONTRACT,
    ),
    Rule(
        "atr.no_contract_appeal_response",
        "The authority responds to the appeal because no contract was concluded",
        "working_days",
        15,
        "the date the authority receives notification of the appeal",
        "SSI 2016/360 reg 4(2)",
        Basis.VERIFIED,
        Party.AUTHORITY,
        ATR_NO_CONTRACT,
    ),
    Rule(
        "atr.no_contract_appeal_comments",
        "The body may comment on the authority's response to its no-contract appeal",
        "working_days",
        15,
        "the date the body receives the authority's response",
        "SSI 2016/360 reg 4(3)",
        Basis.VERIFIED,
        Party.BODY,
        ATR_NO_CONTRACT,
    ),
    Rule(
        "atr.repeat_request_bar",
        "A repeat request for the same land and transfer type may be declined until",
        "months",
        24,
        "the day the earlier, refused request was made (its validation date)",
        "Community Empowerment (Scotland) Act 2015 s.93; asset transfer guidance, para 9.5",
        Basis.GUIDANCE,
        Party.AUTHORITY,
    ),
    Rule(
        "annual_report",
        "The authority publishes its annual report",
        "annual_report",
        0,
        "any day in the reporting year (1 April to 31 March; the first asset transfer year "
        "ran from 23 January 2017 to 31 March 2018)",
        "Community Empowerment (Scotland) Act 2015 ss.32, 95",
        Basis.VERIFIED,
        Party.AUTHORITY,
    ),
)

RULE_IDS: tuple[str, ...] = tuple(r.id for r in RULES)
ADDITIONAL_SUFFIX = ".with_additional_authorities"
EXTENSION_KEY_SUFFIX = ".extension_only_before_expiry"
WORKING_DAYS_PREFIX = "working_days."


class UnknownRule(KeyError):
    def __str__(self) -> str:
        return f"unknown rule {self.args[0]!r}; known rules: {', '.join(RULE_IDS)}"


class ConfigurationError(ValueError):
    """A rule override that the law does not allow, or that makes no sense."""


@dataclass(frozen=True)
class Extension:
    """A longer period agreed with the body, or directed by the Scottish Ministers."""

    agreed_on: dt.date
    new_due: dt.date
    by: str = "agreement with the body"
    note: str = ""


@dataclass(frozen=True)
class Deadline:
    """A computed deadline: the rule, its start, its result and why."""

    rule: Rule
    start: dt.date
    statutory_due: dt.date
    due: dt.date
    lines: tuple[str, ...]
    period: str = ""
    extensions: tuple[Extension, ...] = ()

    @property
    def citation(self) -> str:
        return self.rule.citation

    @property
    def explanation(self) -> str:
        return "\n".join(self.lines)


def apply_extensions(deadline: Deadline, extensions: Sequence[Extension]) -> Deadline:
    """Replace the statutory period with the latest agreed date, keeping the history."""
    if not extensions:
        return deadline
    lines = list(deadline.lines)
    due = deadline.due
    for ext in extensions:
        note = f" Note: {ext.note.rstrip('.')}." if ext.note else ""
        lines.append(
            f"Extended on {periods.in_words(ext.agreed_on)}, by {ext.by}, to "
            f"{periods.in_words(ext.new_due)} (it was {periods.in_words(due)}).{note}"
        )
        due = ext.new_due
    return replace(deadline, due=due, lines=tuple(lines), extensions=tuple(extensions))


class Rulebook:
    """The rules with configuration applied. Overrides are only allowed where the basis is
    G or ?, and each one is named in the explanation of every deadline it touches."""

    def __init__(self, overrides: Mapping[str, int | str] | None = None):
        self.overrides: dict[str, int | str] = dict(overrides or {})
        self._validate()

    def _validate(self) -> None:
        rules = {r.id: r for r in RULES}
        for key, value in self.overrides.items():
            if key.startswith(WORKING_DAYS_PREFIX):
                inst = INSTRUMENTS.get(key.removeprefix(WORKING_DAYS_PREFIX))
                if inst is None:
                    raise ConfigurationError(
                        f"{key}: unknown instrument; known: {', '.join(INSTRUMENTS)}"
                    )
                if not inst.working_days_basis.configurable:
                    raise ConfigurationError(
                        f"{key}: {inst.citation} defines its working days (V); not configurable"
                    )
                if value not in calendars.DEFINITIONS:
                    raise ConfigurationError(
                        f"{key}: unknown definition {value!r}; "
                        f"known: {', '.join(calendars.DEFINITIONS)}"
                    )
                continue
            if key.endswith(EXTENSION_KEY_SUFFIX):
                rule = rules.get(key.removesuffix(EXTENSION_KEY_SUFFIX))
                if rule is None or not rule.extension_only_before_expiry:
                    raise ConfigurationError(
                        f"{key}: only {', '.join(r.id for r in RULES if r.extension_only_before_expiry)} "
                        "have this setting"
                    )
                if not isinstance(value, bool):
                    raise ConfigurationError(f"{key}: give true or false")
                continue
            rule = rules.get(key.removesuffix(ADDITIONAL_SUFFIX))
            if rule is None or (
                key.endswith(ADDITIONAL_SUFFIX) and rule.amount_with_additional_authorities is None
            ):
                raise ConfigurationError(f"{key}: unknown rule; known: {', '.join(RULE_IDS)}")
            if not rule.basis.configurable:
                raise ConfigurationError(
                    f"{key}: {rule.citation} was checked against the legal text (V) "
                    "and cannot be overridden"
                )
            if rule.unit == "annual_report":
                raise ConfigurationError(f"{key}: this rule has no period to override")
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ConfigurationError(f"{key}: the period must be a whole number above 0")

    def extension_only_before_expiry(self, rule: Rule) -> bool:
        """Whether a longer period must be agreed before the current one expires (G)."""
        if not rule.extension_only_before_expiry:
            return False
        return bool(self.overrides.get(rule.id + EXTENSION_KEY_SUFFIX, True))

    def rule(self, rule_id: str) -> Rule:
        for rule in RULES:
            if rule.id == rule_id:
                return rule
        raise UnknownRule(rule_id)

    def working_days(self, instrument: Instrument) -> calendars.WorkingDays:
        chosen = self.overrides.get(WORKING_DAYS_PREFIX + instrument.id, instrument.working_days)
        return calendars.DEFINITIONS[str(chosen)]

    def compute(
        self,
        rule_id: str,
        start: dt.date,
        *,
        with_additional_authorities: bool = False,
        instrument: Instrument | None = None,
        citation: str | None = None,
    ) -> Deadline:
        """The deadline for `rule_id` from `start`. `instrument` picks which instrument's
        working days count where the rule runs under more than one (review or appeal), and
        `citation` names the provision that applies on this route."""
        rule = self.rule(rule_id)
        if instrument is not None and instrument != rule.instrument:
            if instrument not in rule.other_instruments:
                raise ValueError(f"{rule_id} does not run under {instrument.citation}")
            rule = replace(rule, instrument=instrument)
        if citation is not None:
            rule = replace(rule, citation=citation)
        amount, key = rule.amount, rule.id
        variant = ""
        if with_additional_authorities and rule.amount_with_additional_authorities is not None:
            amount, key = rule.amount_with_additional_authorities, rule.id + ADDITIONAL_SUFFIX
            variant = ", because other authorities are involved"
        default = amount
        amount = int(self.overrides.get(key, amount))
        title = rule.title.rstrip(".")
        if title.endswith(" until"):
            title += " the end of this period"
        if rule.unit == "annual_report":
            period_line = (
                "The report is due by 30 June after the reporting year it covers, which "
                "runs from 1 April to 31 March."
            )
        else:
            period_line = f"The period is {_phrase(rule.unit, amount)} {rule.starts}{variant}."
        lines = [
            f"{title}.",
            f"Where this comes from: {rule.citation}. This period {rule.basis.description}.",
            period_line,
        ]
        if key in self.overrides:
            lines.append(
                f"This authority's configuration sets {amount} in place of the usual "
                f"{default} (setting {key})."
            )
        if rule.minimum:
            lines.append("This is the earliest date allowed; a later one may be set.")
        computation = self._count(rule, amount, start)
        lines.extend(computation.lines)
        period = f"{_phrase(rule.unit, amount)} {rule.starts}"
        return Deadline(rule, start, computation.due, computation.due, tuple(lines), period)

    def _count(self, rule: Rule, amount: int, start: dt.date) -> periods.Computation:
        if rule.unit == "working_days":
            assert rule.instrument is not None
            days = self.working_days(rule.instrument)
            computation = periods.working_days_beginning_with(start, amount, days)
            if rule.instrument.working_days_basis.configurable:
                chosen = (
                    "configured by this authority"
                    if days.id != rule.instrument.working_days
                    else "taken"
                )
                note = (
                    f"{rule.instrument.citation} is {chosen} to use the working days of "
                    f"{days.citation}. That choice "
                    f"{rule.instrument.working_days_basis.description}."
                )
                return replace(computation, lines=(*computation.lines, note))
            return computation
        if rule.unit == "days":
            return periods.days_beginning_with(start, amount)
        if rule.unit == "months":
            return periods.months_after(start, amount)
        return periods.annual_report_due(start)
