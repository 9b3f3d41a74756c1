"""Asset transfer requests: Part 5 of the Act and SSIs 2016/357-360, as a workflow."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from workflows import eligibility, receipt
from workflows.authorities import AUTHORITY_TYPES, ReviewRoute
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
from workflows.participation import CONSIDERATIONS as PR_CONSIDERATIONS
from workflows.periods import in_words
from workflows.rules import ATR_APPEALS, Extension, Party

KIND = "asset_transfer_request"

TRANSFER_TYPES = {
    "ownership": "ownership (to buy the land or building)",
    "lease": "a lease",
    "other_rights": "other rights (to manage, occupy or use)",
}

# What a request contains (s.79, SSI 2016/357 reg 3). Outline information is enough.
REQUEST_ITEMS: dict[str, str] = {
    "reasons": "the reasons for the request",
    "benefits": "the benefits the body expects from the transfer",
    "proposed_price": "the price, rent or other payment the body proposes",
    "other_terms": "any other terms and conditions the body proposes",
    "community_support": "the level of support for the request in the community",
    "funding": "how the body proposes to fund the transfer and its use of the land",
}
REQUEST_CITATION = "s.79; SSI 2016/357 reg 3"
ITEM_LABELS = {
    **REQUEST_ITEMS,
    "land": "the land or building the request is for",
    "contact_address": "the body's contact address",
}

# The matters to weigh (s.82(3)): the participation request's list, plus two more.
CONSIDERATIONS: dict[str, str] = {
    **PR_CONSIDERATIONS,
    "alternative_proposals": "the benefits of any alternative proposal for the land",
    "legal_obligations": "any legal obligations that may prevent or restrict agreement",
}

FREEZE_EXCEPTIONS = {
    "advertised": "the land had already been advertised for sale or lease",
    "negotiations": "negotiations with another party had already begun",
}

EXTENSIBLE_RULES = ("atr.decision",)

# Once validated, a request keeps the land from being disposed of to anyone else until it
# is finally disposed of (s.84): that is, until it reaches one of the final states.
FINAL_STATES = (
    "declined",
    "refused",
    "lapsed",
    "withdrawn",
    "ownership_transferred",
    "lease_granted",
    "rights_granted",
)


@dataclass(frozen=True)
class ApplicationFacts:
    stage: str  # review, appeal, no_contract_appeal
    applied_on: dt.date
    decided_on: dt.date | None = None
    decision: str | None = None  # agreed or refused, the position after it


@dataclass(frozen=True)
class LateCopy:
    """A representation copied to the body on its own, after the others (reg 8)."""

    representation_id: int
    copied_on: dt.date
    comments_by: dt.date
    commented_on: dt.date | None = None


@dataclass(frozen=True)
class AssetTransferFacts:
    state: str
    body: eligibility.BodyFacts
    authority_type: str
    transfer_type: str | None
    request: Mapping[str, str]
    has_land: bool
    received_on: dt.date | None = None  # the day the last required item arrived (reg 5)
    information_requested_on: dt.date | None = None  # the latest reg 4 notice
    validated_on: dt.date | None = None  # the day the acknowledgement was given
    validation_date: dt.date | None = None
    repeat_of: str | None = None  # reference of a request refused in the last 2 years
    notice_date: dt.date | None = None
    representations_close: dt.date | None = None
    representation_count: int = 0
    copies_sent_on: dt.date | None = None
    comments_by: dt.date | None = None
    body_commented_on: dt.date | None = None
    late_copies: tuple[LateCopy, ...] = ()
    decided_on: dt.date | None = None
    decision: str | None = None  # the current position: agreed or refused
    agreed_on: dt.date | None = None  # the date of the decision, review or appeal agreeing
    terms_differ_significantly: bool = False
    offer_by: dt.date | None = None
    decision_period_expired_on: dt.date | None = None
    review_period_expired_on: dt.date | None = None
    applications: tuple[ApplicationFacts, ...] = ()
    offer_made_on: dt.date | None = None
    contract_concluded_on: dt.date | None = None
    no_contract_appeal_received_on: dt.date | None = None
    no_contract_response_on: dt.date | None = None
    no_contract_response_received_on: dt.date | None = None
    extensions: Mapping[tuple[str, str], tuple[Extension, ...]] = field(default_factory=dict)

    def application(self, stage: str) -> ApplicationFacts | None:
        """The latest application at this stage."""
        return next((a for a in reversed(self.applications) if a.stage == stage), None)

    @property
    def route(self) -> ReviewRoute:
        route = AUTHORITY_TYPES[self.authority_type].review_route
        if route is None:
            raise ValueError(f"{self.authority_type} is not a relevant authority")
        return route


def route_description(authority_type: str) -> str:
    """The review or appeal route the acknowledgement and decision notice describe."""
    route = AUTHORITY_TYPES[authority_type].review_route
    if route is ReviewRoute.LOCAL_AUTHORITY:
        return (
            "you may ask for the decision to be reviewed by the council's elected members "
            "(section 86 of the Act; SSI 2016/358). After the review you may appeal to the "
            "Scottish Ministers (section 88; SSI 2016/359)"
        )
    if route is ReviewRoute.SCOTTISH_MINISTERS:
        return (
            "you may ask the Scottish Ministers to review the decision (section 87 of the "
            "Act; SSI 2016/358)"
        )
    return "you may appeal to the Scottish Ministers (section 85 of the Act; SSI 2016/359)"


def missing_items(facts: AssetTransferFacts) -> list[str]:
    missing = [k for k in REQUEST_ITEMS if not (facts.request.get(k) or "").strip()]
    if not facts.has_land:
        missing.insert(0, "land")
    if not facts.body.contact_address.strip():
        missing.append("contact_address")
    return missing


# What the body answers before it submits online: its title, the kind of transfer, the
# land and the s.79 items. A missing-items notice is for what it could not have known.
ANSWERS: dict[str, str] = {
    "title": "a short title for the request",
    "transfer_type": "the kind of transfer you are asking for",
    "land": "the land or building the request is for",
    **REQUEST_ITEMS,
}


def unanswered(facts: AssetTransferFacts) -> list[str]:
    """The questions the body has left blank, in the order it is asked them."""
    given = {"transfer_type": bool(facts.transfer_type), "land": facts.has_land}
    return [k for k in ANSWERS if not given.get(k, bool((facts.request.get(k) or "").strip()))]


def deadlines(facts: AssetTransferFacts, law: Law) -> list[DeadlineState]:
    """Every deadline the request has now, from its facts."""
    rb, ext = law.rulebook, facts.extensions
    ended = facts.state in FINAL_STATES
    decided = facts.decided_on is not None
    out: list[DeadlineState] = []
    if facts.notice_date and facts.representations_close:
        out.append(
            track(
                rb,
                "atr.representations",
                facts.notice_date,
                due=facts.representations_close,
                closed=ended or decided,
            )
        )
    if facts.copies_sent_on and facts.comments_by:
        out.append(
            track(
                rb,
                "atr.comments_on_representations",
                facts.copies_sent_on,
                due=facts.comments_by,
                met_on=facts.body_commented_on,
                closed=ended or decided,
            )
        )
    for copy in facts.late_copies:
        out.append(
            track(
                rb,
                "atr.comments_on_representations",
                copy.copied_on,
                key=f"representation-{copy.representation_id}",
                due=copy.comments_by,
                met_on=copy.commented_on,
                closed=ended or decided,
            )
        )
    if facts.validation_date:
        out.append(
            track(
                rb,
                "atr.decision",
                facts.validation_date,
                met_on=facts.decided_on,
                closed=ended,
                extensions=ext,
            )
        )
    out.extend(_review_windows(facts, law, ended))
    if facts.offer_by and facts.agreed_on:
        out.append(
            track(
                rb,
                "atr.offer",
                facts.agreed_on,
                due=facts.offer_by,
                met_on=facts.offer_made_on,
                closed=ended or facts.state in ("under_review", "under_appeal"),
            )
        )
    if facts.offer_made_on:
        contract = track(
            rb,
            "atr.contract",
            facts.offer_made_on,
            met_on=facts.contract_concluded_on,
            closed=ended,
            extensions=ext,
        )
        out.append(contract)
        direction = facts.application("direction")
        out.append(
            track(
                rb,
                "atr.direction_application",
                facts.offer_made_on,
                met_on=direction.applied_on if direction else None,
                closed=ended or facts.contract_concluded_on is not None,
                # The application is made within the period to conclude the contract, so
                # it moves with that period.
                extensions={("atr.direction_application", ""): ext.get(("atr.contract", ""), ())},
            )
        )
        # Only an appeal made once this contract period ended counts against it: after a
        # direction sets a new period, a new window follows that period.
        appeal = facts.application("no_contract_appeal")
        if appeal and appeal.applied_on < contract.deadline.due:
            appeal = None
        out.append(
            track(
                rb,
                "atr.no_contract_appeal",
                contract.deadline.due,
                met_on=appeal.applied_on if appeal else None,
                closed=ended or facts.contract_concluded_on is not None,
            )
        )
        if appeal:
            out.append(
                track(
                    rb,
                    "atr.no_contract_appeal_response",
                    facts.no_contract_appeal_received_on or appeal.applied_on,
                    met_on=facts.no_contract_response_on,
                    closed=ended or appeal.decided_on is not None,
                )
            )
            if facts.no_contract_response_on:
                out.append(
                    track(
                        rb,
                        "atr.no_contract_appeal_comments",
                        facts.no_contract_response_received_on or facts.no_contract_response_on,
                        closed=ended or appeal.decided_on is not None,
                    )
                )
    return out


# The provision that sets the 20 working days on each route.
_WINDOW_CITATIONS = {
    ReviewRoute.LOCAL_AUTHORITY: "SSI 2016/358 reg 3 (review by the council, s.86)",
    ReviewRoute.SCOTTISH_MINISTERS: "SSI 2016/358 reg 11 (review by the Scottish Ministers, s.87)",
    ReviewRoute.OTHER: "SSI 2016/359 reg 3 (appeal to the Scottish Ministers, s.85)",
}
_S88_CITATION = "SSI 2016/359 reg 11 (appeal to the Scottish Ministers after a review, s.88)"


def _review_windows(facts: AssetTransferFacts, law: Law, ended: bool) -> list[DeadlineState]:
    """20 working days to seek a review or appeal: after a refusal, an agreement on terms
    that differ significantly, or the decision period expiring (SSI 2016/358 regs 3 and 11,
    SSI 2016/359 regs 3 and 11); and the council's own period to decide a review, after
    which an appeal lies under s.88 (ss.86, 88)."""
    rb = law.rulebook
    out = []
    first = facts.application("review") or facts.application("appeal")
    start = None
    if facts.decided_on and (facts.decision == "refused" or facts.terms_differ_significantly):
        start = facts.decided_on
    elif facts.decided_on is None and facts.decision_period_expired_on:
        start = facts.decision_period_expired_on
    elif first is not None:
        start = facts.decided_on or facts.decision_period_expired_on
    if start is not None:
        out.append(
            track(
                rb,
                "atr.review_or_appeal",
                start,
                met_on=first.applied_on if first else None,
                closed=ended,
                # An appeal to the Ministers runs under 2016/359; a review under 2016/358.
                instrument=ATR_APPEALS if facts.route is ReviewRoute.OTHER else None,
                citation=_WINDOW_CITATIONS[facts.route],
            )
        )
    review = facts.application("review")
    if facts.route is not ReviewRoute.LOCAL_AUTHORITY or review is None:
        return out
    out.append(
        track(
            rb,
            "atr.review_decision",
            review.applied_on,
            met_on=review.decided_on,
            closed=ended,
        )
    )
    s88_start = None
    if review.decided_on and (review.decision == "refused" or facts.terms_differ_significantly):
        s88_start = review.decided_on
    elif review.decided_on is None and facts.review_period_expired_on:
        s88_start = facts.review_period_expired_on
    if s88_start is not None:
        appeal = facts.application("appeal")
        out.append(
            track(
                rb,
                "atr.review_or_appeal",
                s88_start,
                key="s88",
                met_on=appeal.applied_on if appeal else None,
                closed=ended,
                instrument=ATR_APPEALS,
                citation=_S88_CITATION,
            )
        )
    return out


# -- guards ---------------------------------------------------------------------------


def _deadlines(ctx: Context) -> list[DeadlineState]:
    return deadlines(ctx.facts, ctx.law)


def _transfer_body(ctx: Context) -> str | None:
    result = eligibility.transfer_body(ctx.facts.body)
    return None if result.eligible else result.message


def _ownership(ctx: Context) -> str | None:
    if ctx.facts.transfer_type != "ownership":
        return None
    result = eligibility.ownership_body(ctx.facts.body)
    return None if result.eligible else result.message


def _relevant_authority(ctx: Context) -> str | None:
    kind = AUTHORITY_TYPES[ctx.facts.authority_type]
    if kind.relevant_authority:
        return None
    return (
        f"A {kind.label} is not a relevant authority (Schedule 3), so it cannot receive "
        "an asset transfer request."
    )


def _complete(ctx: Context) -> str | None:
    missing = missing_items(ctx.facts)
    if missing:
        return (
            "The request does not yet give "
            + "; ".join(ITEM_LABELS[m] for m in missing)
            + f" ({REQUEST_CITATION}). Send a notice of the missing information instead."
        )
    return None


def _missing_listed(ctx: Context) -> str | None:
    return (
        None
        if ctx.payload.get("missing")
        else "List at least one missing item (SSI 2016/357 reg 4)."
    )


def _repeat_flagged(ctx: Context) -> str | None:
    if ctx.facts.repeat_of:
        return None
    return (
        "Only a request for the same land and type of transfer as one refused in the "
        "previous 2 years may be declined (s.93)."
    )


def _representations_minimum(ctx: Context) -> str | None:
    close, notice = ctx.payload.get("representations_close"), ctx.payload.get("notice_date")
    if close is None or notice is None:
        return "Give the closing date for representations."
    minimum = ctx.law.rulebook.compute("atr.representations", notice).due
    if close < minimum:
        return (
            "The closing date must be at least 20 working days from the notice: "
            f"not earlier than {in_words(minimum)}."
        )
    return None


def _comments_minimum(ctx: Context) -> str | None:
    by, sent = ctx.payload.get("comments_by"), ctx.payload.get("copies_sent_on")
    if by is None or sent is None:
        return "Give the date by which the body may comment."
    minimum = ctx.law.rulebook.compute("atr.comments_on_representations", sent).due
    if by < minimum:
        return (
            "The body must have at least 20 working days to comment: not earlier than "
            f"{in_words(minimum)}."
        )
    return None


def _period_closed(ctx: Context) -> str | None:
    close = ctx.facts.representations_close
    if close is None:
        return "Publish the notices first (SSI 2016/357 regs 6-7)."
    if ctx.today <= close:
        return f"Representations may be made until {in_words(close)}; decide after that (reg 8)."
    return None


def _has_representations(ctx: Context) -> str | None:
    if ctx.facts.copies_sent_on:
        return "Copies of the representations have already been sent to the body."
    if ctx.facts.representation_count == 0:
        return "There are no representations to send."
    return _period_closed(ctx)


def _copies_sent(ctx: Context) -> str | None:
    return (
        None
        if ctx.facts.copies_sent_on
        else "The body has not been sent copies of the representations yet (reg 8)."
    )


def _open_late_copies(ctx: Context) -> list[LateCopy]:
    return [
        c for c in ctx.facts.late_copies if c.commented_on is None and ctx.today <= c.comments_by
    ]


def _comments_closed(ctx: Context) -> str | None:
    f = ctx.facts
    if f.representation_count and not f.copies_sent_on:
        return "Send the body copies of the representations before deciding (reg 8)."
    if (
        f.copies_sent_on
        and not f.body_commented_on
        and f.comments_by
        and ctx.today <= f.comments_by
    ):
        return (
            f"The body may comment on the representations until {in_words(f.comments_by)} (reg 8)."
        )
    late = _open_late_copies(ctx)
    if late:
        last = max(c.comments_by for c in late)
        return (
            "The body may comment on a representation received after the others until "
            f"{in_words(last)} (reg 8)."
        )
    return None


def _may_comment(ctx: Context) -> str | None:
    """The body may comment while its period for the copies it was sent is open: the first
    set, or any representation copied to it later on its own (reg 8)."""
    f = ctx.facts
    if not f.copies_sent_on:
        return "The body has not been sent copies of the representations yet (reg 8)."
    main_open = f.comments_by is not None and ctx.today <= f.comments_by
    if main_open or _open_late_copies(ctx):
        return None
    last = max([f.comments_by, *(c.comments_by for c in f.late_copies)])
    return f"The period for comments on the representations ended on {in_words(last)} (reg 8)."


def _offer_minimum(ctx: Context) -> str | None:
    if ctx.payload.get("decision", ctx.payload.get("outcome")) != "agreed":
        return None
    offer_by = ctx.payload.get("offer_by")
    if offer_by is None:
        return "Give the date by which the body must make its offer (s.83)."
    minimum = ctx.law.rulebook.compute("atr.offer", ctx.today).due
    if offer_by < minimum:
        return (
            "The offer date must be at least 6 months after the notice: not earlier "
            f"than {in_words(minimum)}."
        )
    return None


def _decision_expired(ctx: Context) -> str | None:
    state = current(_deadlines(ctx), "atr.decision")
    if state is None or state.status.value != "open" or ctx.today <= state.deadline.due:
        return "The decision period has not expired."
    return None


def _route_is(*routes: ReviewRoute, what: str):
    def check(ctx: Context) -> str | None:
        if ctx.facts.route in routes:
            return None
        return (
            f"{what} is not the route for a decision of this authority: "
            f"{route_description(ctx.facts.authority_type)}."
        )

    return check


def _review_available(ctx: Context) -> str | None:
    problem = _route_is(
        ReviewRoute.LOCAL_AUTHORITY, ReviewRoute.SCOTTISH_MINISTERS, what="A review"
    )(ctx)
    if problem:
        return problem
    if ctx.facts.application("review"):
        return "A review has already been sought."
    return None


def _appeal_available(ctx: Context) -> str | None:
    f = ctx.facts
    if f.application("appeal"):
        return "An appeal has already been made."
    if f.route is ReviewRoute.OTHER:
        return None
    if f.route is ReviewRoute.LOCAL_AUTHORITY:
        review = f.application("review")
        if review and (review.decided_on or f.review_period_expired_on):
            return None
        return (
            "A local authority's decision is first reviewed by its members (s.86); an "
            "appeal to the Scottish Ministers follows the review, or the end of the period "
            "for deciding it (s.88)."
        )
    return "A decision of the Scottish Ministers is reviewed by them (s.87), not appealed."


def _appeal_key(ctx: Context) -> str:
    review = ctx.facts.application("review")
    return "s88" if review and (review.decided_on or ctx.facts.review_period_expired_on) else ""


def _review_expired(ctx: Context) -> str | None:
    state = current(_deadlines(ctx), "atr.review_decision")
    if state is None or state.status.value != "open" or ctx.today <= state.deadline.due:
        return "The period for deciding the review has not expired."
    return None


def _terms_differ(ctx: Context) -> str | None:
    if ctx.facts.state != "agreed" or ctx.facts.terms_differ_significantly:
        return None
    return (
        "An agreement can only be reviewed or appealed where its terms differ "
        "significantly from those in the request."
    )


def _window_passed(key: str):
    def check(ctx: Context) -> str | None:
        state = current(_deadlines(ctx), "atr.review_or_appeal", key)
        if state is None or state.status.value != "open" or ctx.today <= state.deadline.due:
            return "The period for a review or appeal has not ended."
        return None

    return check


def _window_key_passed(ctx: Context) -> str | None:
    return _window_passed(_appeal_key(ctx))(ctx)


def _offer_passed(ctx: Context) -> str | None:
    state = current(_deadlines(ctx), "atr.offer")
    if state is None or state.status.value != "open" or ctx.today <= state.deadline.due:
        return "The date for the offer has not passed."
    return None


def _no_contract_window_passed(ctx: Context) -> str | None:
    state = current(_deadlines(ctx), "atr.no_contract_appeal")
    if state is None or state.status.value != "open" or ctx.today <= state.deadline.due:
        return "The period for a no-contract appeal has not ended."
    return None


def _contract_period_ended(ctx: Context) -> str | None:
    state = current(_deadlines(ctx), "atr.contract")
    if state is None:
        return "No offer has been made."
    if ctx.today <= state.deadline.due:
        return (
            f"The period to conclude the contract runs until {in_words(state.deadline.due)}; an "
            "appeal is possible only once it has ended (SSI 2016/360)."
        )
    return None


def _not_ministers(ctx: Context) -> str | None:
    if ctx.facts.route is not ReviewRoute.SCOTTISH_MINISTERS:
        return None
    return (
        "There is no appeal because no contract was concluded where the request was made to "
        "the Scottish Ministers (guidance for community transfer bodies, para 21.1)."
    )


def _outcome_fits(results: dict[str, tuple[str, ...]]):
    """The recorded result (e.g. allowed) must fit the resulting position (e.g. agreed)."""

    def check(ctx: Context) -> str | None:
        result, decision = ctx.payload.get("result"), ctx.payload.get("decision")
        allowed = results.get(result, ())
        if decision in allowed:
            return None
        return f"A result of '{result}' leads to: {', '.join(allowed) or 'nothing'}."

    return Guard("outcome.fits", "SSI 2016/358-359", check, field="decision")


def _is(value: str, key: str = "outcome"):
    def when(ctx: Context) -> bool:
        return ctx.payload.get(key) == value

    return when


def _transfer(kind: str):
    def when(ctx: Context) -> bool:
        return ctx.facts.transfer_type == kind

    return when


def _agreed_payload(ctx: Context) -> bool:
    return ctx.payload.get("decision", ctx.payload.get("outcome")) == "agreed"


TRANSFER_BODY = Guard("s77.transfer_body", "s.77", _transfer_body)
OWNERSHIP = Guard("s80.ownership", "s.80", _ownership)
RELEVANT = Guard("sch3.relevant_authority", "s.77; Schedule 3", _relevant_authority)
COMPLETE = Guard("s79.complete", REQUEST_CITATION, _complete)
ANSWERED = answered_guard("s79.answered", unanswered, ANSWERS, REQUEST_CITATION)
OFFER_DATE = Guard("s83.offer_by", "s.83", _offer_minimum, field="offer_by")
TERMS = required_text(
    "terms", "s.82; s.83", "the terms and conditions of the agreement", applies=_agreed_payload
)

DECISION_GUARDS: tuple[Guard, ...] = (
    Guard("reg8.period_closed", "SSI 2016/357 reg 8", _period_closed),
    Guard("reg8.comments_closed", "SSI 2016/357 reg 8", _comments_closed),
    *(considered(k, v, "s.82(3)", "s82_3") for k, v in CONSIDERATIONS.items()),
    required_text("reasons", "s.82(7); SSI 2016/357 reg 10", "the reasons for the decision"),
    TERMS,
    OFFER_DATE,
)
APPLICATION_GUARDS: tuple[Guard, ...] = (
    Guard("review.terms_differ", "SSI 2016/358 reg 3; SSI 2016/359 reg 3", _terms_differ),
    required_text(
        "reasons",
        "SSI 2016/358 reg 3; SSI 2016/359 reg 3",
        "your reasons for seeking the review or appeal",
    ),
)

NOTICES: dict[str, NoticeSpec] = {
    n.kind: n
    for n in (
        NoticeSpec(
            "missing_information",
            "Asset transfer request: information missing",
            "SSI 2016/357 reg 4",
            Addressee.BODY,
        ),
        NoticeSpec(
            "repeat_request_declined",
            "Asset transfer request: declined as a repeat",
            "s.93",
            Addressee.BODY,
        ),
        NoticeSpec(
            "acknowledgement",
            "Asset transfer request: acknowledgement",
            "SSI 2016/357 reg 5; s.84",
            Addressee.BODY,
        ),
        NoticeSpec(
            "owners_notice",
            "Asset transfer request: notice to owners and occupiers",
            "SSI 2016/357 reg 6",
            Addressee.OWNERS_AND_OCCUPIERS,
        ),
        NoticeSpec(
            "public_notice",
            "Asset transfer request: public notice",
            "SSI 2016/357 regs 7, 9",
            Addressee.PUBLIC,
            published=True,
        ),
        NoticeSpec(
            "invitation_to_comment",
            "Asset transfer request: invitation to comment on representations",
            "SSI 2016/357 reg 8",
            Addressee.BODY,
        ),
        NoticeSpec(
            "late_representation",
            "Asset transfer request: a further representation to comment on",
            "SSI 2016/357 reg 8",
            Addressee.BODY,
        ),
        NoticeSpec(
            "decision_notice",
            "Asset transfer request: decision notice",
            "s.82; SSI 2016/357 reg 10",
            Addressee.BODY,
            published=True,
        ),
        NoticeSpec(
            "non_determination_notice",
            "Asset transfer request: no decision in time",
            "SSI 2016/358 reg 3; SSI 2016/359 reg 3",
            Addressee.BODY,
        ),
        NoticeSpec(
            "review_application",
            "Asset transfer request: application for review",
            "s.86-87; SSI 2016/358 reg 5",
            Addressee.PUBLIC,
            published=True,
        ),
        NoticeSpec(
            "appeal_application",
            "Asset transfer request: appeal",
            "s.85, s.88; SSI 2016/359 reg 6",
            Addressee.PUBLIC,
            published=True,
        ),
        NoticeSpec(
            "review_non_determination_notice",
            "Asset transfer request: the review was not decided in time",
            "s.88; SSI 2016/359 reg 11",
            Addressee.BODY,
        ),
        NoticeSpec(
            "review_outcome",
            "Asset transfer request: review decision",
            "s.86-87; SSI 2016/358 reg 5",
            Addressee.BODY,
            published=True,
        ),
        NoticeSpec(
            "appeal_outcome",
            "Asset transfer request: appeal decision",
            "s.85, s.88; SSI 2016/359 reg 6",
            Addressee.BODY,
            published=True,
        ),
        # Appeals where no contract is concluded are not published: the negotiation of a
        # contract is often commercially confidential (guidance for community transfer
        # bodies, para 21.3).
        NoticeSpec(
            "no_contract_appeal_application",
            "Asset transfer request: appeal because no contract was concluded",
            "s.83(6); SSI 2016/360 regs 3-4",
            Addressee.BODY,
        ),
        NoticeSpec(
            "no_contract_appeal_outcome",
            "Asset transfer request: decision on the appeal because no contract was concluded",
            "s.83(6); SSI 2016/360",
            Addressee.BODY,
        ),
        NoticeSpec(
            "lapse_notice",
            "Asset transfer request: the request has lapsed",
            "s.83; s.84",
            Addressee.BODY,
            published=True,
        ),
        NoticeSpec(
            "outcome_notice",
            "Asset transfer request: outcome",
            "s.83(7); s.84; s.95",
            Addressee.BODY,
            published=True,
        ),
    )
}

_B, _A, _P, _S = Party.BODY, Party.AUTHORITY, Party.PUBLIC, Party.SYSTEM
_OPEN = (
    "draft",
    "submitted",
    "awaiting_information",
    "validated",
    "representations_open",
    "not_determined",
    "refused_pending",
    "agreed",
    "under_review",
    "review_not_determined",
    "under_appeal",
    "offer_made",
    "no_contract_appeal",
)
_DECIDABLE = ("representations_open", "not_determined")
_CONSIDERING = _DECIDABLE
_APPLICABLE = ("refused_pending", "agreed", "not_determined")
_BEFORE_DECISION = ("validated", "representations_open")
_REVIEW_RESULTS = {
    "confirm": ("agreed", "refused"),
    "modify": ("agreed", "refused"),
    "substitute": ("agreed", "refused"),
}
_APPEAL_RESULTS = {
    "allowed": ("agreed",),
    "varied": ("agreed",),
    "dismissed": ("agreed", "refused"),
}


_NOTICE_GUARDS = (
    date_between(
        "notice_date",
        "SSI 2016/357 regs 6-7",
        earliest=lambda c: (c.facts.validation_date, "the validation date"),
    ),
    Guard(
        "regs6_7.closing_date",
        "SSI 2016/357 regs 6-7",
        _representations_minimum,
        field="representations_close",
    ),
)


def _receipt_rests_on(ctx: Context) -> tuple:
    """The notices already given on the strength of the validation date."""
    f = ctx.facts
    return receipt.earliest_of(
        (f.validated_on, "the acknowledgement"),
        (f.notice_date, "the notices inviting representations"),
    )


WORKFLOW = Workflow(
    KIND,
    "Asset transfer request",
    (
        State("draft", "Draft"),
        State("submitted", "Submitted, awaiting validation"),
        State("awaiting_information", "Waiting for missing information from the body"),
        State("declined", "Declined as a repeat request", final=True),
        State("validated", "Validated: notices to be published"),
        State("representations_open", "Notices published: representations may be made"),
        State("not_determined", "Not decided in time: a review or appeal may be sought"),
        State("refused_pending", "Refused: a review or appeal may be sought"),
        State("agreed", "Agreed: waiting for the body's offer"),
        State("under_review", "Under review"),
        State(
            "review_not_determined",
            "Review not decided in time: an appeal to the Scottish Ministers may be made",
        ),
        State("under_appeal", "Under appeal to the Scottish Ministers"),
        State("offer_made", "Offer made: the contract is to be concluded"),
        State("no_contract_appeal", "Appeal: no contract concluded"),
        State("refused", "Refused", final=True),
        State("lapsed", "Lapsed", final=True),
        State("withdrawn", "Withdrawn", final=True),
        State("ownership_transferred", "Ownership transferred", final=True),
        State("lease_granted", "Lease granted", final=True),
        State("rights_granted", "Rights granted", final=True),
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
            "s.79",
            guards=(ANSWERED, RELEVANT, TRANSFER_BODY, OWNERSHIP),
        ),
        Action(
            "request_missing_items",
            ("submitted",),
            "awaiting_information",
            _A,
            "Send a notice of missing information",
            "SSI 2016/357 reg 4",
            guards=(
                Guard(
                    "reg4.missing_listed", "SSI 2016/357 reg 4", _missing_listed, field="missing"
                ),
            ),
            notices=("missing_information",),
        ),
        Action(
            "supply_information",
            ("awaiting_information",),
            "submitted",
            _B,
            "Send the missing information",
            "SSI 2016/357 regs 4-5",
        ),
        Action(
            "decline_repeat_request",
            ("submitted",),
            "declined",
            _A,
            "Decline as a repeat request",
            "s.93",
            guards=(
                Guard("s93.repeat", "s.93", _repeat_flagged),
                required_text("reasons", "s.93", "the reasons for declining"),
            ),
            notices=("repeat_request_declined",),
        ),
        Action(
            "validate",
            ("submitted",),
            "validated",
            _A,
            "Validate the request",
            "SSI 2016/357 regs 4-5; s.84",
            guards=(
                COMPLETE,
                RELEVANT,
                TRANSFER_BODY,
                OWNERSHIP,
                *receipt.validation_guards("SSI 2016/357 reg 5"),
            ),
            notices=("acknowledgement",),
        ),
        Action(
            "correct_validation_date",
            _BEFORE_DECISION,
            None,
            _A,
            "Correct the date the request was received",
            "SSI 2016/357 reg 5",
            guards=receipt.correction_guards("SSI 2016/357 reg 5", _receipt_rests_on),
            notices=("acknowledgement",),
        ),
        Action(
            "link_land", _OPEN[1:], None, _A, "Link the request to the register of land", "s.94"
        ),
        Action(
            "publish_notices",
            ("validated",),
            "representations_open",
            _A,
            "Publish the notices and invite representations",
            "SSI 2016/357 regs 6-7, 9",
            guards=_NOTICE_GUARDS,
            notices=("owners_notice", "public_notice"),
        ),
        Action(
            "publish_notices",
            ("not_determined",),
            None,
            _A,
            "Publish the notices and invite representations",
            "SSI 2016/357 regs 6-7, 9",
            guards=(
                Guard(
                    "regs6_7.not_yet",
                    "SSI 2016/357 regs 6-7",
                    lambda c: (
                        None
                        if c.facts.notice_date is None
                        else f"The notices were published on {in_words(c.facts.notice_date)}."
                    ),
                ),
                *_NOTICE_GUARDS,
            ),
            notices=("owners_notice", "public_notice"),
        ),
        Action(
            "make_representation",
            _CONSIDERING,
            None,
            _P,
            "Make a representation",
            "SSI 2016/357 regs 7-8",
            guards=(
                within(
                    "atr.representations", "SSI 2016/357 regs 7-8", "representations", _deadlines
                ),
                required_text("name", "SSI 2016/357 reg 7", "your name"),
                required_text("text", "SSI 2016/357 reg 7", "your representation"),
                Guard(
                    "reg7.contact",
                    "SSI 2016/357 reg 7",
                    lambda c: (
                        None
                        if (c.payload.get("email") or c.payload.get("address"))
                        else "Give an email address or a postal address (they are not published)."
                    ),
                    field="email",
                ),
            ),
        ),
        Action(
            "record_representation",
            _CONSIDERING,
            None,
            _A,
            "Record a representation received on paper",
            "SSI 2016/357 regs 7-8",
            guards=(
                required_text("name", "SSI 2016/357 reg 7", "the name"),
                required_text("text", "SSI 2016/357 reg 7", "the representation"),
                date_between(
                    "received_on",
                    "SSI 2016/357 reg 7",
                    earliest=lambda c: (c.facts.notice_date, "the notice"),
                ),
            ),
            # Sent only where the others were already copied to the body (reg 8).
            notices=("late_representation",),
        ),
        Action(
            "send_representations_to_body",
            _CONSIDERING,
            None,
            _A,
            "Send the body copies of the representations",
            "SSI 2016/357 reg 8",
            guards=(
                Guard("reg8.has_representations", "SSI 2016/357 reg 8", _has_representations),
                date_between("copies_sent_on", "SSI 2016/357 reg 8"),
                Guard(
                    "reg8.comments_by", "SSI 2016/357 reg 8", _comments_minimum, field="comments_by"
                ),
            ),
            notices=("invitation_to_comment",),
        ),
        Action(
            "comment_on_representations",
            _CONSIDERING,
            None,
            _B,
            "Comment on the representations",
            "SSI 2016/357 reg 8",
            guards=(
                Guard("reg8.may_comment", "SSI 2016/357 reg 8", _may_comment),
                required_text("comments", "SSI 2016/357 reg 8", "your comments"),
            ),
        ),
        Action(
            "agree_extension",
            _BEFORE_DECISION,
            None,
            _A,
            "Record a longer decision period agreed with the body",
            "SSI 2016/357 reg 10",
            guards=extension_guards(EXTENSIBLE_RULES, _deadlines, "SSI 2016/357 reg 10", "reg10"),
        ),
        Action(
            "decide",
            _DECIDABLE,
            "refused_pending",
            _A,
            "Decide the request",
            "s.82; SSI 2016/357 reg 10",
            guards=DECISION_GUARDS,
            when=_is("refused"),
            when_text="refused",
            notices=("decision_notice",),
        ),
        Action(
            "decide",
            _DECIDABLE,
            "agreed",
            _A,
            "Decide the request",
            "s.82; s.83; SSI 2016/357 reg 10",
            guards=DECISION_GUARDS,
            when=_is("agreed"),
            when_text="agreed",
            notices=("decision_notice",),
        ),
        Action(
            "decision_period_expired",
            _BEFORE_DECISION,
            "not_determined",
            _S,
            "The decision period expired without a decision",
            "SSI 2016/357 reg 10; SSI 2016/358 reg 3; SSI 2016/359 reg 3",
            guards=(Guard("reg10.expired", "SSI 2016/357 reg 10", _decision_expired),),
            notices=("non_determination_notice",),
            after=("atr.decision",),
        ),
        Action(
            "request_review",
            _APPLICABLE,
            "under_review",
            _B,
            "Ask for a review",
            "s.86-87; SSI 2016/358 reg 3",
            guards=(
                Guard("s86_87.review_route", "s.86-87", _review_available),
                within("atr.review_or_appeal", "SSI 2016/358 reg 3", "a review", _deadlines),
                *APPLICATION_GUARDS,
            ),
            notices=("review_application",),
        ),
        Action(
            "appeal_to_ministers",
            (*_APPLICABLE, "review_not_determined"),
            "under_appeal",
            _B,
            "Appeal to the Scottish Ministers",
            "s.85, s.88; SSI 2016/359 regs 3, 11",
            guards=(
                Guard("s85_88.appeal_route", "s.85, s.88", _appeal_available),
                within(
                    "atr.review_or_appeal",
                    "SSI 2016/359 regs 3, 11",
                    "an appeal",
                    _deadlines,
                    key=_appeal_key,
                ),
                *APPLICATION_GUARDS,
            ),
            notices=("appeal_application",),
        ),
        Action(
            "record_review_outcome",
            ("under_review", "review_not_determined"),
            "agreed",
            _A,
            "Record the review decision",
            "s.86-87; SSI 2016/358",
            guards=(
                _outcome_fits(_REVIEW_RESULTS),
                required_text("reasons", "SSI 2016/358", "the reasons for the review decision"),
                TERMS,
                OFFER_DATE,
            ),
            when=_is("agreed", "decision"),
            when_text="agreed",
            notices=("review_outcome",),
        ),
        Action(
            "record_review_outcome",
            ("under_review", "review_not_determined"),
            "refused_pending",
            _A,
            "Record the review decision",
            "s.86; s.88; SSI 2016/358",
            guards=(
                _outcome_fits(_REVIEW_RESULTS),
                required_text("reasons", "SSI 2016/358", "the reasons for the review decision"),
            ),
            when=lambda c: (
                c.payload.get("decision") == "refused"
                and c.facts.route is ReviewRoute.LOCAL_AUTHORITY
            ),
            when_text="refused by the council; appeal to Ministers possible",
            notices=("review_outcome",),
        ),
        Action(
            "record_review_outcome",
            ("under_review",),
            "refused",
            _A,
            "Record the review decision",
            "s.87; SSI 2016/358",
            guards=(
                _outcome_fits(_REVIEW_RESULTS),
                required_text("reasons", "SSI 2016/358", "the reasons for the review decision"),
            ),
            when=lambda c: (
                c.payload.get("decision") == "refused"
                and c.facts.route is ReviewRoute.SCOTTISH_MINISTERS
            ),
            when_text="refused by Ministers on review",
            notices=("review_outcome",),
        ),
        Action(
            "record_appeal_outcome",
            ("under_appeal",),
            "agreed",
            _A,
            "Record the Scottish Ministers' decision on the appeal",
            "s.85, s.88; SSI 2016/359",
            guards=(
                _outcome_fits(_APPEAL_RESULTS),
                required_text("reasons", "SSI 2016/359", "the reasons for the appeal decision"),
                TERMS,
                OFFER_DATE,
            ),
            when=_is("agreed", "decision"),
            when_text="agreed",
            notices=("appeal_outcome",),
        ),
        Action(
            "record_appeal_outcome",
            ("under_appeal",),
            "refused",
            _A,
            "Record the Scottish Ministers' decision on the appeal",
            "s.85, s.88; SSI 2016/359",
            guards=(
                _outcome_fits(_APPEAL_RESULTS),
                required_text("reasons", "SSI 2016/359", "the reasons for the appeal decision"),
            ),
            when=_is("refused", "decision"),
            when_text="refused",
            notices=("appeal_outcome",),
        ),
        Action(
            "review_period_expired",
            ("under_review",),
            "review_not_determined",
            _S,
            "The period for deciding the review expired without a decision",
            "ss.86, 88; SSI 2016/358 Part 3; SSI 2016/359 reg 11",
            guards=(
                Guard(
                    "s88.review_local_authority",
                    "s.88",
                    _route_is(ReviewRoute.LOCAL_AUTHORITY, what="An appeal after a review"),
                ),
                Guard("s88.review_expired", "ss.86, 88", _review_expired),
            ),
            notices=("review_non_determination_notice",),
            after=("atr.review_decision",),
        ),
        Action(
            "close_review_period",
            ("refused_pending",),
            "refused",
            _S,
            "The period for a review or appeal ended",
            "SSI 2016/358 reg 3; SSI 2016/359 reg 3",
            guards=(Guard("review.window_passed", "SSI 2016/358-359 reg 3", _window_key_passed),),
            after=("atr.review_or_appeal",),
        ),
        Action(
            "make_offer",
            ("agreed",),
            "offer_made",
            _B,
            "Make the offer",
            "s.83",
            guards=(
                within("atr.offer", "s.83", "the offer", _deadlines),
                required_text("offer", "s.83", "the offer you make"),
            ),
        ),
        Action(
            "lapse",
            ("agreed",),
            "lapsed",
            _S,
            "No offer by the date in the notice",
            "s.83; s.84",
            guards=(Guard("s83.offer_passed", "s.83", _offer_passed),),
            notices=("lapse_notice",),
            after=("atr.offer",),
        ),
        Action(
            "extend_contract_period",
            ("offer_made",),
            None,
            _A,
            "Extend the period to conclude the contract",
            "s.83(7)",
            guards=extension_guards(("atr.contract",), _deadlines, "s.83(7)", "s83_7"),
        ),
        Action(
            "conclude_contract",
            ("offer_made",),
            "ownership_transferred",
            _A,
            "Record that the contract is concluded",
            "s.83(7)",
            when=_transfer("ownership"),
            when_text="ownership",
            notices=("outcome_notice",),
            guards=(
                date_between(
                    "concluded_on",
                    "s.83(7)",
                    earliest=lambda c: (c.facts.offer_made_on, "the offer"),
                ),
            ),
        ),
        Action(
            "conclude_contract",
            ("offer_made",),
            "lease_granted",
            _A,
            "Record that the contract is concluded",
            "s.83(7)",
            when=_transfer("lease"),
            when_text="lease",
            notices=("outcome_notice",),
            guards=(
                date_between(
                    "concluded_on",
                    "s.83(7)",
                    earliest=lambda c: (c.facts.offer_made_on, "the offer"),
                ),
            ),
        ),
        Action(
            "conclude_contract",
            ("offer_made",),
            "rights_granted",
            _A,
            "Record that the contract is concluded",
            "s.83(7)",
            when=_transfer("other_rights"),
            when_text="other rights",
            notices=("outcome_notice",),
            guards=(
                date_between(
                    "concluded_on",
                    "s.83(7)",
                    earliest=lambda c: (c.facts.offer_made_on, "the offer"),
                ),
            ),
        ),
        Action(
            "apply_for_direction",
            ("offer_made",),
            None,
            _B,
            "Apply to the Scottish Ministers for longer to conclude the contract",
            "s.83(8); SSI 2016/360 reg 11",
            guards=(
                within(
                    "atr.direction_application",
                    "SSI 2016/360 reg 11(2)",
                    "an application for a direction",
                    _deadlines,
                ),
                required_text(
                    "reasons",
                    "SSI 2016/360 reg 11(3)(d)",
                    "your reasons why a direction should be given, and the period you ask for",
                ),
            ),
        ),
        Action(
            "appeal_no_contract",
            ("offer_made",),
            "no_contract_appeal",
            _B,
            "Appeal because no contract was concluded",
            "SSI 2016/360",
            guards=(
                Guard(
                    "s83_6.not_ministers",
                    "s.83(6); guidance for community transfer bodies, para 21.1",
                    _not_ministers,
                ),
                Guard("ssi2016_360.period_ended", "SSI 2016/360", _contract_period_ended),
                within(
                    "atr.no_contract_appeal", "SSI 2016/360", "a no-contract appeal", _deadlines
                ),
                required_text("reasons", "SSI 2016/360", "your reasons for the appeal"),
            ),
            notices=("no_contract_appeal_application",),
        ),
        Action(
            "lapse",
            ("offer_made",),
            "lapsed",
            _S,
            "No contract and no appeal in time",
            "s.83; s.84; SSI 2016/360",
            guards=(
                Guard("ssi2016_360.window_passed", "SSI 2016/360", _no_contract_window_passed),
            ),
            notices=("lapse_notice",),
            after=("atr.no_contract_appeal",),
        ),
        Action(
            "record_no_contract_response",
            ("no_contract_appeal",),
            None,
            _A,
            "Record the authority's response to the appeal",
            "SSI 2016/360 reg 4(2)",
            guards=(required_text("response", "SSI 2016/360 reg 4(2)", "the response"),),
        ),
        Action(
            "record_response_receipt",
            ("no_contract_appeal",),
            None,
            _A,
            "Record the day the body received the response",
            "SSI 2016/360 reg 4(3)",
            guards=(
                Guard(
                    "reg4_3.response_given",
                    "SSI 2016/360 reg 4(3)",
                    lambda c: (
                        None
                        if c.facts.no_contract_response_on
                        else "Record the authority's response first."
                    ),
                ),
                date_between(
                    "received_on",
                    "SSI 2016/360 reg 4(3)",
                    earliest=lambda c: (c.facts.no_contract_response_on, "the response"),
                ),
            ),
        ),
        Action(
            "comment_on_no_contract_response",
            ("no_contract_appeal",),
            None,
            _B,
            "Comment on the authority's response",
            "SSI 2016/360 reg 4",
            guards=(
                within(
                    "atr.no_contract_appeal_comments",
                    "SSI 2016/360 reg 4",
                    "comments on the response",
                    _deadlines,
                ),
                required_text("comments", "SSI 2016/360 reg 4", "your comments"),
            ),
        ),
        Action(
            "record_no_contract_appeal_outcome",
            ("no_contract_appeal",),
            "offer_made",
            _A,
            "Record the Scottish Ministers' decision on the appeal",
            "SSI 2016/360",
            guards=(
                required_text("reasons", "SSI 2016/360", "the reasons"),
                Guard(
                    "ssi2016_360.new_period",
                    "SSI 2016/360",
                    lambda c: (
                        None
                        if (c.payload.get("contract_by") and c.payload["contract_by"] > c.today)
                        else "Give the date by which the contract must now be concluded, "
                        "as directed."
                    ),
                    field="contract_by",
                ),
            ),
            when=_is("allowed", "result"),
            when_text="allowed: a new period is directed",
            notices=("no_contract_appeal_outcome",),
        ),
        Action(
            "record_no_contract_appeal_outcome",
            ("no_contract_appeal",),
            "lapsed",
            _A,
            "Record the Scottish Ministers' decision on the appeal",
            "SSI 2016/360",
            guards=(required_text("reasons", "SSI 2016/360", "the reasons"),),
            when=_is("dismissed", "result"),
            when_text="dismissed",
            notices=("no_contract_appeal_outcome",),
        ),
        Action(
            "withdraw",
            _OPEN,
            "withdrawn",
            _B,
            "Withdraw the request",
            "Part 5 (the body may withdraw its request)",
        ),
    ),
)
