"""Asset transfer requests (Part 5): facts for the workflow, and the effect of each action."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from casework.clock import now
from casework.errors import Invalid
from casework.kinds import (
    CaseKind,
    Recipient,
    Run,
    add_extension,
    agree_extension,
    information_requested,
    received_online,
    record_decision,
    register,
    take_receipt,
)
from casework.models import (
    Application,
    AssetTransferRequest,
    Case,
    LandEntry,
    Representation,
)
from workflows import asset_transfer as atr
from workflows.asset_transfer import FINAL_STATES
from workflows.notices import Addressee, NoticeSpec
from workflows.rules import Extension


def land_for(session: Session, case: AssetTransferRequest, land_id: int) -> LandEntry:
    land = session.get(LandEntry, land_id)
    if land is None or land.authority_id != case.authority.id or land.retired_on:
        raise Invalid(
            {
                "land": [
                    "Choose land on this authority's register of land, or "
                    "describe it in land_description."
                ]
            }
        )
    return land


def competing(session: Session, case: AssetTransferRequest) -> list[AssetTransferRequest]:
    """Other live requests for the same land, earliest validated first (s.84 priority)."""
    if case.land_id is None:
        return []
    return list(
        session.scalars(
            select(AssetTransferRequest)
            .where(
                AssetTransferRequest.land_id == case.land_id,
                AssetTransferRequest.id != case.id,
                AssetTransferRequest.submitted_at.is_not(None),
                AssetTransferRequest.state.not_in(FINAL_STATES),
            )
            .order_by(
                AssetTransferRequest.validation_date.is_(None),
                AssetTransferRequest.validation_date,
                AssetTransferRequest.id,
            )
        )
    )


def freeze_statement(case: AssetTransferRequest) -> str:
    """What the acknowledgement says about the bar on disposing of the land (s.84)."""
    if case.freeze_applies:
        return (
            "From the date of this request until it is finally disposed of, we must not "
            "sell, lease or otherwise dispose of the land to anyone other than you "
            "(section 84 of the Act)."
        )
    reason = atr.FREEZE_EXCEPTIONS.get(case.freeze_exception or "", "")
    details = f" {case.freeze_exception_details}" if case.freeze_exception_details else ""
    return (
        f"The bar on disposing of the land (section 84) does not apply, because {reason} "
        f"before your request was made.{details}"
    )


def refused_on(case: AssetTransferRequest) -> dt.date | None:
    """The day the request was refused: by the decision, or by the review or appeal that
    refused it (after non-determination there is no decision of the authority at all)."""
    if case.decision != "refused" or not case.decisions:
        return None
    return max(d.decided_on for d in case.decisions)


def _flag_repeat(run: Run) -> None:
    """s.93: flag a request for the same land and type of transfer as one made in the
    previous 2 years and refused. The two years look back from this request to the day
    the earlier one was made, its validation date (guidance para 9.5: "a request made in
    the previous two years, which was refused"). Run whenever the land or the type may
    have changed: at submission, on the body's reply to a missing-information notice, and
    when the land is linked."""
    case: AssetTransferRequest = run.case
    # The relationship, not only its key, so this response already shows the flag.
    case.repeat_of = None
    if case.land is None:  # the relationship: a newly linked land has no key until flushed
        return
    refusals = run.session.scalars(
        select(AssetTransferRequest).where(
            and_(
                AssetTransferRequest.land_id == case.land.id,
                AssetTransferRequest.transfer_type == case.transfer_type,
                AssetTransferRequest.id != case.id,
                AssetTransferRequest.decision == "refused",
                AssetTransferRequest.state.in_(("refused", "refused_pending")),
            )
        )
    ).all()
    dated = [
        (r.validation_date, r)
        for r in refusals
        if r.validation_date is not None and refused_on(r) is not None
    ]
    if not dated:
        return
    made, earlier = max(dated, key=lambda pair: (pair[0], pair[1].id))
    made_on = case.received_on or run.today
    if run.law.rulebook.compute("atr.repeat_request_bar", made).due >= made_on:
        case.repeat_of = earlier


def _submit(run: Run) -> None:
    run.case.submitted_at = now()
    received_online(run)
    _flag_repeat(run)


def _request_missing_items(run: Run) -> None:
    information_requested(run, atr.ITEM_LABELS)


def _supply_information(run: Run) -> None:
    ASSET_TRANSFER.edit(run.session, run.case, run.payload)
    received_online(run)
    _flag_repeat(run)


def _decline_repeat_request(run: Run) -> None:
    run.context["reasons"] = run.payload["reasons"]
    run.context["repeat_of"] = run.case.repeat_of
    run.context["refused_on"] = refused_on(run.case.repeat_of)
    run.context["bar_ends"] = run.law.rulebook.compute(
        "atr.repeat_request_bar", run.case.repeat_of.validation_date
    ).due


def _acknowledge(run: Run) -> None:
    case: AssetTransferRequest = run.case
    run.context.update(
        decision_period=run.law.rulebook.compute("atr.decision", case.validation_date).period,
        route=atr.route_description(case.authority.type),
        competing=competing(run.session, case),
        freeze=freeze_statement(case),
    )


def _validate(run: Run) -> None:
    case: AssetTransferRequest = run.case
    take_receipt(run)
    exception = run.payload.get("freeze_exception") or None
    case.freeze_applies = exception is None
    case.freeze_exception = exception
    case.freeze_exception_details = run.payload.get("freeze_exception_details") or None
    _acknowledge(run)


def _correct_validation_date(run: Run) -> None:
    take_receipt(run, correcting=True)
    _acknowledge(run)


def _link_land(run: Run) -> None:
    case: AssetTransferRequest = run.case
    case.land = land_for(run.session, case, run.payload["land"])
    if case.validation_date is None:  # once validated, s.93 can no longer decline it
        _flag_repeat(run)


def _publish_notices(run: Run) -> None:
    case: AssetTransferRequest = run.case
    case.notice_date = run.payload["notice_date"]
    case.representations_close = run.payload["representations_close"]
    run.recipients["owners_notice"] = [
        Recipient(o["name"], o.get("email"), {"recipient_address": o.get("address", "")})
        for o in run.payload.get("owners_and_occupiers", [])
    ]
    run.recipients["public_notice"] = [Recipient("Members of the public", None)]


def _representation(source: str):
    def effect(run: Run) -> None:
        p, case = run.payload, run.case
        rep = Representation(
            name=p["name"].strip(),
            email=p.get("email") or None,
            address=p.get("address") or None,
            text=p["text"].strip(),
            received_on=p.get("received_on") or run.today,
            source=source,
        )
        case.representations.append(rep)
        run.session.flush()
        run.context["representation"] = rep
        body = case.community_body
        if case.copies_sent_on is None:
            run.recipients["late_representation"] = []
            return
        # The others were already copied to the body: this one goes to it on its own, with
        # its own period for comment (SSI 2016/357 reg 8).
        rep.copied_on = run.today
        rep.comments_by = run.law.rulebook.compute("atr.comments_on_representations", run.today).due
        run.recipients["late_representation"] = [Recipient(body.name, body.contact_email)]

    return effect


def _send_representations(run: Run) -> None:
    case: AssetTransferRequest = run.case
    case.copies_sent_on = run.payload["copies_sent_on"]
    case.comments_by = run.payload["comments_by"]
    run.context["representations"] = list(case.representations)


def _comment_on_representations(run: Run) -> None:
    """The comments answer every copy whose period is still open."""
    case: AssetTransferRequest = run.case
    if case.body_commented_on is None and case.comments_by and run.today <= case.comments_by:
        case.body_commented_on = run.today
    for rep in case.representations:
        if rep.copied_on and rep.commented_on is None and run.today <= rep.comments_by:
            rep.commented_on = run.today


def _agreement(run: Run, decision: str) -> None:
    """Record the current position after a decision, review or appeal."""
    case: AssetTransferRequest = run.case
    case.decision = decision
    if decision == "agreed":
        case.agreed_on = run.today
        case.terms = run.payload["terms"]
        case.offer_by = run.payload["offer_by"]
        case.terms_differ_significantly = bool(run.payload.get("terms_differ_significantly"))
    run.context["route"] = atr.route_description(case.authority.type)


def _decide(run: Run) -> None:
    p = run.payload
    details = {k: p.get(k) for k in ("terms", "offer_by", "terms_differ_significantly")}
    run.context["decision"] = record_decision(
        run, "decision", p["outcome"], p["considerations"], **details
    )
    run.context["considerations_labels"] = atr.CONSIDERATIONS
    run.case.decided_on = run.today
    _agreement(run, p["outcome"])


def _decision_period_expired(run: Run) -> None:
    case: AssetTransferRequest = run.case
    state = next(
        s
        for s in ASSET_TRANSFER.deadlines(ASSET_TRANSFER.facts(case), run.law)
        if s.rule_id == "atr.decision"
    )
    case.decision_period_expired_on = state.deadline.due
    run.context["route"] = atr.route_description(case.authority.type)


def _review_period_expired(run: Run) -> None:
    case: AssetTransferRequest = run.case
    state = next(
        s
        for s in ASSET_TRANSFER.deadlines(ASSET_TRANSFER.facts(case), run.law)
        if s.rule_id == "atr.review_decision"
    )
    case.review_period_expired_on = state.deadline.due
    run.context["expired_on"] = state.deadline.due
    run.context["application"] = next(a for a in reversed(case.applications) if a.stage == "review")


def _appeal_no_contract(run: Run) -> None:
    """The authority gets its copy when the appeal is made through this service (reg 4(1))."""
    _apply("no_contract_appeal")(run)
    run.case.no_contract_appeal_received_on = run.today


def _apply(stage: str):
    def effect(run: Run) -> None:
        p = run.payload
        application = Application(
            stage=stage,
            route=run.action.citation,
            applied_on=run.today,
            reasons=p["reasons"],
            procedure=p.get("procedure") or [],
            documents=p.get("documents") or [],
        )
        run.case.applications.append(application)
        run.context["application"] = application

    return effect


def _outcome(stage: str):
    def effect(run: Run) -> None:
        p = run.payload
        application = next(
            a for a in reversed(run.case.applications) if a.stage == stage and a.decided_on is None
        )
        application.decided_on = run.today
        application.result = p["result"]
        application.decision = p.get("decision")
        details = {k: p.get(k) for k in ("decision", "terms", "offer_by", "contract_by")}
        number = sum(1 for a in run.case.applications if a.stage == stage)
        run.context["decision"] = record_decision(
            run, stage if number == 1 else f"{stage}_{number}", p["result"], **details
        )
        run.context["application"] = application
        if stage != "no_contract_appeal":
            _agreement(run, p["decision"])
        elif p["result"] == "allowed":
            add_extension(
                run,
                "atr.contract",
                p["contract_by"],
                run.today,
                "direction of the Scottish Ministers",
            )

    return effect


def _make_offer(run: Run) -> None:
    run.case.offer_made_on = run.today
    run.case.offer = run.payload["offer"]


def _conclude_contract(run: Run) -> None:
    run.case.contract_concluded_on = run.payload["concluded_on"]


def _record_no_contract_response(run: Run) -> None:
    """The response reaches the body through this service on the day it is recorded; a
    response sent another way is received when the officer records it was."""
    run.case.no_contract_response_on = run.today
    run.case.no_contract_response_received_on = run.today


def _record_response_receipt(run: Run) -> None:
    run.case.no_contract_response_received_on = run.payload["received_on"]


def _lapse(run: Run) -> None:
    run.context["reason"] = run.action.label


def _nothing(run: Run) -> None:
    """The event on the timeline is the whole record of this step."""


class AssetTransfer(CaseKind):
    kind = atr.KIND
    prefix = "ATR"
    model = AssetTransferRequest
    workflow = atr.WORKFLOW
    request_fields = ("title", "transfer_type", "land_description", *atr.REQUEST_ITEMS)
    effects = {
        "submit": _submit,
        "request_missing_items": _request_missing_items,
        "supply_information": _supply_information,
        "decline_repeat_request": _decline_repeat_request,
        "validate": _validate,
        "correct_validation_date": _correct_validation_date,
        "link_land": _link_land,
        "publish_notices": _publish_notices,
        "make_representation": _representation("online"),
        "record_representation": _representation("paper"),
        "send_representations_to_body": _send_representations,
        "comment_on_representations": _comment_on_representations,
        "agree_extension": agree_extension,
        "decide": _decide,
        "decision_period_expired": _decision_period_expired,
        "review_period_expired": _review_period_expired,
        "request_review": _apply("review"),
        "appeal_to_ministers": _apply("appeal"),
        "record_review_outcome": _outcome("review"),
        "record_appeal_outcome": _outcome("appeal"),
        "close_review_period": _nothing,
        "make_offer": _make_offer,
        "lapse": _lapse,
        "extend_contract_period": agree_extension,
        "conclude_contract": _conclude_contract,
        "apply_for_direction": _apply("direction"),
        "appeal_no_contract": _appeal_no_contract,
        "record_no_contract_response": _record_no_contract_response,
        "record_response_receipt": _record_response_receipt,
        "comment_on_no_contract_response": _nothing,
        "record_no_contract_appeal_outcome": _outcome("no_contract_appeal"),
        "withdraw": _nothing,
    }

    def edit(self, session, case: AssetTransferRequest, data: dict[str, Any]) -> set[str]:
        changed = super().edit(session, case, data)
        if "land" in data:
            land_id = data["land"]
            if land_id is None:
                if case.land_id is not None:
                    case.land = None
                    changed.add("land")
            elif land_id != case.land_id:
                case.land = land_for(session, case, land_id)
                changed.add("land")
        return changed

    def notice_context(self) -> dict[str, Any]:
        return {"transfer_types": atr.TRANSFER_TYPES}

    def loggable(self, trigger: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Representations' contact details stay out of the event log."""
        if trigger in ("make_representation", "record_representation"):
            return {"name_given": bool(payload.get("name"))}
        if trigger == "publish_notices":
            # Owners and occupiers are often private people: their addresses stay on the
            # notices to them, out of the log the body and webhooks read.
            owners = payload.get("owners_and_occupiers") or []
            return {**payload, "owners_and_occupiers": [o.get("name") for o in owners]}
        return payload

    def recipients(self, run: Run, spec: NoticeSpec) -> list[Recipient]:
        if spec.recipient is Addressee.PUBLIC and spec.kind not in run.recipients:
            return [Recipient("Members of the public", None)]
        return super().recipients(run, spec)

    def facts(self, case: AssetTransferRequest) -> atr.AssetTransferFacts:
        extensions: dict[tuple[str, str], list[Extension]] = {}
        for e in case.extensions:
            extensions.setdefault((e.rule, e.key), []).append(
                Extension(e.agreed_on, e.new_due_date, e.agreed_by, e.note)
            )
        return atr.AssetTransferFacts(
            state=case.state,
            body=case.community_body.facts(),
            authority_type=case.authority.type,
            transfer_type=case.transfer_type,
            request={k: getattr(case, k) or "" for k in ("title", *atr.REQUEST_ITEMS)},
            has_land=case.land_id is not None or bool((case.land_description or "").strip()),
            received_on=case.received_on,
            information_requested_on=case.information_requested_on,
            validated_on=case.validated_on,
            validation_date=case.validation_date,
            repeat_of=case.repeat_of.reference if case.repeat_of else None,
            notice_date=case.notice_date,
            representations_close=case.representations_close,
            representation_count=len(case.representations),
            copies_sent_on=case.copies_sent_on,
            comments_by=case.comments_by,
            body_commented_on=case.body_commented_on,
            late_copies=tuple(
                atr.LateCopy(r.id, r.copied_on, r.comments_by, r.commented_on)
                for r in case.representations
                if r.copied_on is not None and r.comments_by is not None
            ),
            decided_on=case.decided_on,
            decision=case.decision,
            agreed_on=case.agreed_on,
            terms_differ_significantly=bool(case.terms_differ_significantly),
            offer_by=case.offer_by,
            decision_period_expired_on=case.decision_period_expired_on,
            review_period_expired_on=case.review_period_expired_on,
            applications=tuple(
                atr.ApplicationFacts(a.stage, a.applied_on, a.decided_on, a.decision)
                for a in case.applications
            ),
            offer_made_on=case.offer_made_on,
            contract_concluded_on=case.contract_concluded_on,
            no_contract_appeal_received_on=case.no_contract_appeal_received_on,
            no_contract_response_on=case.no_contract_response_on,
            no_contract_response_received_on=case.no_contract_response_received_on,
            extensions={k: tuple(v) for k, v in extensions.items()},
        )

    def deadlines(self, facts, law):
        return atr.deadlines(facts, law)


ASSET_TRANSFER = register(AssetTransfer())


def is_frozen(case: Case) -> bool:
    """Whether this request currently bars the authority from disposing of its land."""
    return (
        isinstance(case, AssetTransferRequest)
        and bool(case.freeze_applies)
        and case.validation_date is not None
        and case.state not in FINAL_STATES
    )
