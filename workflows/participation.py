"""Participation requests: Part 3 of the Act and SSI 2017/39, as a workflow."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from workflows import eligibility, receipt
from workflows.authorities import AUTHORITY_TYPES
from workflows.deadlines import DeadlineState, current, track
from workflows.guards import (
    answered_guard,
    considered,
    date_between,
    extension_guards,
    required_text,
    within,
)
from workflows.machine import Action, Context, Guard, Law, State, Workflow
from workflows.notices import Addressee, NoticeSpec
from workflows.periods import in_words
from workflows.rules import Extension, Party

KIND = "participation_request"

# What a request contains (s.22, SSI 2017/39 reg 3).
REQUEST_ITEMS: dict[str, str] = {
    "outcome": "the outcome the body wants to improve",
    "reasons": "why the body should take part in the outcome improvement process",
    "knowledge_and_experience": "the body's knowledge, expertise and experience of the outcome",
    "expected_improvement": "the improvement the body expects from its participation",
}
REQUEST_CITATION = "s.22; SSI 2017/39 reg 3"

# The matters the authority must weigh in deciding (s.24(3)).
CONSIDERATIONS: dict[str, str] = {
    "request_reasons": "the reasons the body gives for making the request",
    "supporting_information": "any other information supporting the request",
    "economic_development": "whether agreeing would promote economic development",
    "regeneration": "whether agreeing would promote regeneration",
    "public_health": "whether agreeing would promote public health",
    "social_wellbeing": "whether agreeing would promote social wellbeing",
    "environmental_wellbeing": "whether agreeing would promote environmental wellbeing",
    "inequalities_of_outcome": (
        "whether agreeing would reduce inequalities of outcome from socio-economic disadvantage"
    ),
    "participation_in_process": (
        "whether agreeing would increase participation by people experiencing disadvantage "
        "in the outcome improvement process"
    ),
    "participation_in_service": (
        "whether agreeing would increase participation by people experiencing disadvantage "
        "in the design or delivery of the public service"
    ),
    "other_benefits": "any other benefits that might arise",
    "other_matters": "any other matter the authority considers relevant",
}

# Deadlines that may be extended by agreement with the body.
EXTENSIBLE_RULES = ("pr.decision",)


@dataclass(frozen=True)
class AdditionalAuthorityFacts:
    code: str
    name: str
    authority_type: str
    notified_on: dt.date | None = None
    replied_on: dt.date | None = None
    will_participate: bool | None = None


@dataclass(frozen=True)
class ParticipationFacts:
    """What the guards and deadlines need to know about one request."""

    state: str
    body: eligibility.BodyFacts
    authority_type: str
    request: Mapping[str, str]
    additional_authorities: tuple[AdditionalAuthorityFacts, ...] = ()
    received_on: dt.date | None = None  # the day the last required item arrived (reg 5)
    information_requested_on: dt.date | None = None  # the latest reg 4(1) notice
    validated_on: dt.date | None = None  # the day the acknowledgement was given
    validation_date: dt.date | None = None
    decided_on: dt.date | None = None
    decision_notice_on: dt.date | None = None  # the day the decision notice was given
    process_type: str | None = None
    body_commented_on: dt.date | None = None
    process_notice_on: dt.date | None = None
    process_established_on: dt.date | None = None
    views_sought_on: dt.date | None = None  # s.31(3)
    extensions: Mapping[tuple[str, str], tuple[Extension, ...]] = field(default_factory=dict)


def missing_items(facts: ParticipationFacts) -> list[str]:
    """The s.22 items the request does not yet give."""
    missing = [k for k in REQUEST_ITEMS if not (facts.request.get(k) or "").strip()]
    if not facts.body.contact_address.strip():
        missing.append("contact_address")
    return missing


ITEM_LABELS = {**REQUEST_ITEMS, "contact_address": "the body's contact address"}

# What the body answers before it submits online: its title and the s.22 items. A
# missing-items notice is for what the body could not have known, never a blank answer.
ANSWERS: dict[str, str] = {"title": "a short title for the request", **REQUEST_ITEMS}


def unanswered(facts: ParticipationFacts) -> list[str]:
    """The questions the body has left blank, in the order it is asked them."""
    return [k for k in ANSWERS if not (facts.request.get(k) or "").strip()]


def deadlines(facts: ParticipationFacts, law: Law) -> list[DeadlineState]:
    """Every deadline the request has now, from its facts."""
    rb, ext = law.rulebook, facts.extensions
    ended = facts.state == "withdrawn"
    out: list[DeadlineState] = []
    for aa in facts.additional_authorities:
        if aa.notified_on:
            out.append(
                track(
                    rb,
                    "pr.additional_authority_reply",
                    aa.notified_on,
                    key=aa.code,
                    met_on=aa.replied_on,
                    closed=ended or facts.decided_on is not None,
                    extensions=ext,
                )
            )
    if facts.validation_date:
        out.append(
            track(
                rb,
                "pr.decision",
                facts.validation_date,
                met_on=facts.decided_on,
                closed=ended,
                extensions=ext,
                with_additional_authorities=bool(facts.additional_authorities),
            )
        )
    if facts.process_type == "new" and facts.decision_notice_on:
        comments = track(
            rb,
            "pr.process_representations",
            facts.decision_notice_on,
            met_on=facts.body_commented_on,
            closed=facts.process_notice_on is not None,
        )
        out.append(comments)
        out.append(
            track(
                rb,
                "pr.process_notice",
                comments.deadline.statutory_due + dt.timedelta(days=1),
                met_on=facts.process_notice_on,
            )
        )
    if facts.process_notice_on:
        out.append(
            track(
                rb,
                "pr.process_establish",
                facts.process_notice_on,
                met_on=facts.process_established_on,
            )
        )
    return out


# -- guards ---------------------------------------------------------------------------


def _participation_body(ctx: Context) -> str | None:
    result = eligibility.participation_body(
        ctx.facts.body, unconstituted_groups=ctx.law.unconstituted_groups
    )
    return None if result.eligible else result.message


def _public_service_authority(ctx: Context) -> str | None:
    kind = AUTHORITY_TYPES[ctx.facts.authority_type]
    if kind.public_service_authority:
        return None
    return (
        f"A {kind.label} is not a public service authority (Schedule 2), so it cannot "
        "receive a participation request."
    )


def _additional_are_psas(ctx: Context) -> str | None:
    bad = [
        a.name
        for a in ctx.facts.additional_authorities
        if not AUTHORITY_TYPES[a.authority_type].public_service_authority
    ]
    if bad:
        return (
            f"Only public service authorities may be named as additional authorities: "
            f"{', '.join(bad)} is not one (s.22(6), Schedule 2)."
        )
    return None


def _complete(ctx: Context) -> str | None:
    missing = missing_items(ctx.facts)
    if missing:
        return (
            "The request does not yet give "
            + "; ".join(ITEM_LABELS[m] for m in missing)
            + f" ({REQUEST_CITATION}). Send a missing-items notice instead."
        )
    return None


def _missing_listed(ctx: Context) -> str | None:
    items = ctx.payload.get("missing") or []
    if not items:
        return "List at least one missing item (SSI 2017/39 reg 4(1))."
    return None


def _to_notify(ctx: Context) -> str | None:
    if not ctx.facts.additional_authorities:
        return "The request names no other authorities (s.22(6))."
    if all(a.notified_on for a in ctx.facts.additional_authorities):
        return "Every additional authority has already been notified (SSI 2017/39 reg 6(1))."
    return None


def _all_notified(ctx: Context) -> str | None:
    waiting = [a.name for a in ctx.facts.additional_authorities if not a.notified_on]
    if waiting:
        return (
            "Notify every additional authority before deciding: "
            + ", ".join(waiting)
            + " (SSI 2017/39 reg 6(1))."
        )
    return None


def _pending_reply(ctx: Context) -> str | None:
    code = ctx.payload.get("authority")
    aa = next((a for a in ctx.facts.additional_authorities if a.code == code), None)
    if aa is None:
        return f"{code} is not an additional authority on this request."
    if not aa.notified_on:
        return f"{aa.name} has not been notified yet (SSI 2017/39 reg 6(1))."
    if aa.replied_on:
        return f"{aa.name}'s reply was already recorded on {in_words(aa.replied_on)}."
    return None


def _notified_on_of(ctx: Context) -> tuple[dt.date | None, str]:
    code = ctx.payload.get("authority")
    aa = next((a for a in ctx.facts.additional_authorities if a.code == code), None)
    return (aa.notified_on if aa else None, "the day it was notified")


def _deadlines(ctx: Context) -> list[DeadlineState]:
    return deadlines(ctx.facts, ctx.law)


def _comments_closed(ctx: Context) -> str | None:
    if ctx.facts.body_commented_on:
        return None
    state = current(deadlines(ctx.facts, ctx.law), "pr.process_representations")
    if state and ctx.today <= state.deadline.due:
        return (
            f"The body may comment until {in_words(state.deadline.due)}; issue this notice after "
            "that, "
            "or once the body has commented (s.26)."
        )
    return None


def _receipt_rests_on(ctx: Context) -> tuple:
    """The notices already given on the strength of the validation date."""
    f = ctx.facts
    return receipt.earliest_of(
        (f.validated_on, "the acknowledgement"),
        *((a.notified_on, f"the notice to {a.name}") for a in f.additional_authorities),
    )


def _views_sought(ctx: Context) -> str | None:
    if ctx.facts.views_sought_on:
        return None
    return (
        "Before publishing the report, seek the views of the body that made the request, "
        "and of any other community bodies that took part, on how the process was run and "
        "on its outcomes, and record them (section 31(3)-(4))."
    )


def _refused(ctx: Context) -> bool:
    return ctx.payload.get("outcome") == "refused"


def _agreed(process: str):
    def when(ctx: Context) -> bool:
        return ctx.payload.get("outcome") == "agreed" and ctx.payload.get("process") == process

    return when


def _is_agreed(ctx: Context) -> bool:
    return ctx.payload.get("outcome") == "agreed"


def _is_existing(ctx: Context) -> bool:
    return _is_agreed(ctx) and ctx.payload.get("process") == "existing"


ELIGIBLE = Guard("s20.participation_body", "s.20", _participation_body)
PSA = Guard("sch2.public_service_authority", "s.21; Schedule 2", _public_service_authority)
ADDITIONAL_PSAS = Guard("s22_6.additional_authorities", "s.22(6)", _additional_are_psas)
COMPLETE = Guard("s22.complete", REQUEST_CITATION, _complete)
ANSWERED = answered_guard("s22.answered", unanswered, ANSWERS, REQUEST_CITATION)

DECISION_GUARDS: tuple[Guard, ...] = (
    Guard("reg6_1.all_notified", "SSI 2017/39 reg 6(1)", _all_notified),
    *(considered(k, v, "s.24(3)", "s24_3") for k, v in CONSIDERATIONS.items()),
    required_text(
        "reasons",
        "s.24",
        "the reasons for refusing the request",
        applies=lambda ctx: not _is_agreed(ctx),
    ),
    required_text(
        "process_description",
        "s.25",
        "a description of the outcome improvement process",
        applies=_is_agreed,
    ),
    required_text(
        "process_stage",
        "s.25(2)",
        "the stage the existing process has reached",
        applies=_is_existing,
    ),
    required_text(
        "participation_arrangements",
        "s.25(2)",
        "how the body will take part in the existing process",
        applies=_is_existing,
    ),
    required_text(
        "other_participants",
        "s.25(2)(d), s.25(3)(c)",
        "how any other person takes part in the process, or say that no one else does",
        applies=_is_agreed,
    ),
)

NOTICES: dict[str, NoticeSpec] = {
    n.kind: n
    for n in (
        NoticeSpec(
            "missing_items",
            "Participation request: information missing",
            "SSI 2017/39 reg 4(1)",
            Addressee.BODY,
        ),
        NoticeSpec(
            "acknowledgement",
            "Participation request: acknowledgement",
            "SSI 2017/39 regs 4-5",
            Addressee.BODY,
        ),
        NoticeSpec(
            "additional_authority_notice",
            "Participation request: notice to an additional authority",
            "s.22(6); SSI 2017/39 reg 6",
            Addressee.ADDITIONAL_AUTHORITY,
        ),
        NoticeSpec(
            "decision_notice",
            "Participation request: decision notice",
            "s.24; s.25; SSI 2017/39 regs 7-8",
            Addressee.BODY,
            published=True,
        ),
        NoticeSpec(
            "process_notice",
            "Outcome improvement process: notice of the process",
            "s.26(5); SSI 2017/39 reg 9",
            Addressee.BODY,
            published=True,
        ),
        NoticeSpec(
            "process_change_notice",
            "Outcome improvement process: notice of a change",
            "s.29; SSI 2017/39 reg 10",
            Addressee.BODY,
            published=True,
        ),
        NoticeSpec(
            "outcome_report",
            "Outcome improvement process: report on the outcome",
            "s.31",
            Addressee.BODY,
            published=True,
        ),
    )
}


_B, _A = Party.BODY, Party.AUTHORITY
_BEFORE_DECISION = ("draft", "submitted", "awaiting_information", "under_consideration")

WORKFLOW = Workflow(
    KIND,
    "Participation request",
    (
        State("draft", "Draft"),
        State("submitted", "Submitted, awaiting validation"),
        State("awaiting_information", "Waiting for missing information from the body"),
        State("under_consideration", "Validated, awaiting the decision"),
        State("refused", "Refused", final=True),
        State("awaiting_process_comments", "Agreed: the body may comment on the process"),
        State("establishing_process", "Agreed: the process is being established"),
        State("process_running", "Agreed: the outcome improvement process is under way"),
        State("completed", "Completed: outcome report published", final=True),
        State("withdrawn", "Withdrawn", final=True),
    ),
    "draft",
    NOTICES,
    (
        Action(
            "submit",
            ("draft",),
            "submitted",
            _B,
            "Submit the request",
            "s.22",
            guards=(ANSWERED, ELIGIBLE, PSA, ADDITIONAL_PSAS),
        ),
        Action(
            "request_missing_items",
            ("submitted",),
            "awaiting_information",
            _A,
            "Send a missing-items notice",
            "SSI 2017/39 reg 4(1)",
            guards=(
                Guard(
                    "reg4_1.missing_listed",
                    "SSI 2017/39 reg 4(1)",
                    _missing_listed,
                    field="missing",
                ),
            ),
            notices=("missing_items",),
        ),
        Action(
            "supply_information",
            ("awaiting_information",),
            "submitted",
            _B,
            "Send the missing information",
            "SSI 2017/39 regs 4(1), 5",
        ),
        Action(
            "validate",
            ("submitted",),
            "under_consideration",
            _A,
            "Validate the request",
            "SSI 2017/39 regs 4-5",
            guards=(COMPLETE, ELIGIBLE, *receipt.validation_guards("SSI 2017/39 regs 4-5")),
            notices=("acknowledgement",),
        ),
        Action(
            "correct_validation_date",
            ("under_consideration",),
            None,
            _A,
            "Correct the date the request was received",
            "SSI 2017/39 reg 5",
            guards=receipt.correction_guards("SSI 2017/39 reg 5", _receipt_rests_on),
            notices=("acknowledgement",),
        ),
        Action(
            "notify_additional_authorities",
            ("under_consideration",),
            None,
            _A,
            "Notify the additional authorities",
            "SSI 2017/39 reg 6(1)",
            guards=(
                Guard("reg6_1.to_notify", "SSI 2017/39 reg 6(1)", _to_notify),
                date_between(
                    "notified_on",
                    "SSI 2017/39 reg 6(1)",
                    earliest=lambda c: (c.facts.validation_date, "the validation date"),
                ),
            ),
            notices=("additional_authority_notice",),
        ),
        Action(
            "record_authority_reply",
            ("under_consideration",),
            None,
            _A,
            "Record an additional authority's reply",
            "SSI 2017/39 reg 6(2)",
            guards=(
                Guard("reg6_2.pending", "SSI 2017/39 reg 6(2)", _pending_reply, field="authority"),
                required_text(
                    "reasons",
                    "SSI 2017/39 reg 6(2)",
                    "the authority's reasons for not taking part",
                    applies=lambda c: c.payload.get("will_participate") is False,
                ),
                date_between("replied_on", "SSI 2017/39 reg 6(2)", earliest=_notified_on_of),
            ),
        ),
        Action(
            "agree_extension",
            ("under_consideration",),
            None,
            _A,
            "Record a longer period agreed with the body",
            "SSI 2017/39 reg 7",
            guards=extension_guards(EXTENSIBLE_RULES, _deadlines, "SSI 2017/39 reg 7", "reg7"),
        ),
        Action(
            "decide",
            ("under_consideration",),
            "refused",
            _A,
            "Decide the request",
            "s.24; SSI 2017/39 regs 7-8",
            guards=DECISION_GUARDS,
            when=_refused,
            when_text="refused",
            notices=("decision_notice",),
        ),
        Action(
            "decide",
            ("under_consideration",),
            "awaiting_process_comments",
            _A,
            "Decide the request",
            "s.24; s.25(3)",
            guards=DECISION_GUARDS,
            when=_agreed("new"),
            when_text="agreed, new process",
            notices=("decision_notice",),
        ),
        Action(
            "decide",
            ("under_consideration",),
            "process_running",
            _A,
            "Decide the request",
            "s.24; s.25(2)",
            guards=DECISION_GUARDS,
            when=_agreed("existing"),
            when_text="agreed, existing process",
            notices=("decision_notice",),
        ),
        Action(
            "comment_on_process",
            ("awaiting_process_comments",),
            None,
            _B,
            "Comment on the proposed process",
            "s.26",
            guards=(
                within("pr.process_representations", "s.26", "comments on the process", _deadlines),
                required_text("comments", "s.26", "your comments"),
            ),
        ),
        Action(
            "issue_process_notice",
            ("awaiting_process_comments",),
            "establishing_process",
            _A,
            "Issue the notice describing the process",
            "s.26(5); SSI 2017/39 reg 9",
            guards=(
                Guard("s26.comments_closed", "s.26", _comments_closed),
                required_text(
                    "process_description",
                    "s.26(5)",
                    "a description of the outcome improvement process",
                ),
            ),
            notices=("process_notice",),
        ),
        Action(
            "establish_process",
            ("establishing_process",),
            "process_running",
            _A,
            "Record that the process is established",
            "s.28",
            guards=(
                date_between(
                    "established_on",
                    "s.28",
                    earliest=lambda c: (c.facts.process_notice_on, "the s.26(5) notice"),
                ),
            ),
        ),
        Action(
            "record_process_change",
            ("process_running",),
            None,
            _A,
            "Publish a change to the process",
            "s.29; SSI 2017/39 reg 10",
            guards=(required_text("description", "s.29", "a description of the change"),),
            notices=("process_change_notice",),
        ),
        Action(
            "record_outcome_views",
            ("process_running",),
            None,
            _A,
            "Record the views sought for the outcome report",
            "s.31(3)-(4)",
            guards=(
                date_between(
                    "views_sought_on",
                    "s.31(3)",
                    earliest=lambda c: (
                        c.facts.process_established_on or c.facts.decided_on,
                        "the process began",
                    ),
                ),
                required_text(
                    "views_of_body",
                    "s.31(3)-(4)",
                    "the views of the body that made the request on how the process was run "
                    "and on its outcomes",
                ),
            ),
        ),
        Action(
            "give_outcome_views",
            ("process_running",),
            None,
            _B,
            "Give your views for the outcome report",
            "s.31(3)-(4)",
            guards=(
                required_text(
                    "views",
                    "s.31(3)-(4)",
                    "your views on how the process was run and on its outcomes",
                ),
            ),
        ),
        Action(
            "publish_outcome_report",
            ("process_running",),
            "completed",
            _A,
            "Publish the outcome report",
            "s.31",
            guards=(
                Guard("s31_3.views_sought", "s.31(3)-(4)", _views_sought),
                required_text("what_changed", "s.31", "what changed in the outcome"),
                required_text(
                    "influence_of_body",
                    "s.31",
                    "how far the body's participation influenced the change",
                ),
                required_text("keeping_informed", "s.31", "how the body will be kept informed"),
            ),
            notices=("outcome_report",),
        ),
        Action(
            "withdraw",
            _BEFORE_DECISION,
            "withdrawn",
            _B,
            "Withdraw the request",
            "Part 3 (before the decision)",
        ),
    ),
)
