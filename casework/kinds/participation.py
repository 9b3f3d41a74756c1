"""Participation requests (Part 3): facts for the workflow, and the effect of each action."""

from __future__ import annotations

from casework.clock import now
from casework.errors import Invalid
from casework.kinds import (
    CaseKind,
    Recipient,
    Run,
    agree_extension,
    information_requested,
    lookup_authority,
    received_online,
    record_decision,
    register,
    take_receipt,
)
from casework.models import AdditionalAuthority, ParticipationRequest
from workflows import participation as pr
from workflows.rules import Extension


def _submit(run: Run) -> None:
    run.case.submitted_at = now()
    received_online(run)


def _request_missing_items(run: Run) -> None:
    information_requested(run, pr.ITEM_LABELS)


def _supply_information(run: Run) -> None:
    for name in PARTICIPATION.request_fields:
        if name in run.payload:
            setattr(run.case, name, run.payload[name])
    received_online(run)


def _acknowledge(run: Run) -> None:
    with_aa = bool(run.case.additional_authorities)
    run.context["decision_period"] = run.law.rulebook.compute(
        "pr.decision", run.case.validation_date, with_additional_authorities=with_aa
    ).period


def _validate(run: Run) -> None:
    take_receipt(run)
    _acknowledge(run)


def _correct_validation_date(run: Run) -> None:
    """A corrected receipt date moves every deadline that starts from it; the body is
    told again."""
    take_receipt(run, correcting=True)
    _acknowledge(run)


def _notify_additional_authorities(run: Run) -> None:
    notified = []
    for aa in run.case.additional_authorities:
        if aa.notified_on is None:
            aa.notified_on = run.payload["notified_on"]
            notified.append(
                Recipient(
                    aa.authority.name, aa.authority.email, {"recipient_code": aa.authority.code}
                )
            )
    run.recipients["additional_authority_notice"] = notified


def _record_authority_reply(run: Run) -> None:
    aa = next(
        a for a in run.case.additional_authorities if a.authority.code == run.payload["authority"]
    )
    aa.replied_on = run.payload["replied_on"]
    aa.will_participate = run.payload["will_participate"]
    aa.reasons = run.payload.get("reasons") or None


def _decide(run: Run) -> None:
    case, p = run.case, run.payload
    decision = record_decision(run, "decision", p["outcome"], p["considerations"])
    case.decided_on = run.today
    case.decision_notice_on = run.today  # the notice is given with the decision
    if p["outcome"] == "agreed":
        case.process_type = p["process"]
        case.process_description = p["process_description"]
        case.process_stage = p.get("process_stage")
        case.participation_arrangements = p.get("participation_arrangements")
        case.other_participants = p["other_participants"]
    run.context["decision"] = decision
    run.context["considerations_labels"] = pr.CONSIDERATIONS


def _comment_on_process(run: Run) -> None:
    if run.case.body_commented_on is None:
        run.case.body_commented_on = run.today


def _issue_process_notice(run: Run) -> None:
    run.case.process_notice_on = run.today
    run.case.process_description = run.payload["process_description"]


def _establish_process(run: Run) -> None:
    run.case.process_established_on = run.payload["established_on"]


def _record_process_change(run: Run) -> None:
    run.context["description"] = run.payload["description"]


def _record_outcome_views(run: Run) -> None:
    """s.31(3)-(4): the views sought before the outcome report, kept for the report."""
    case, p = run.case, run.payload
    case.views_sought_on = p["views_sought_on"]
    case.views_of_body = p["views_of_body"].strip()
    case.views_of_others = (p.get("views_of_others") or "").strip() or None


def _give_outcome_views(run: Run) -> None:
    """s.31(3)-(4): the body answers through its own pages; that answer is the view the
    authority sought, given on the day it was given."""
    case = run.case
    case.views_of_body = run.payload["views"].strip()
    case.views_sought_on = case.views_sought_on or run.today


def _publish_outcome_report(run: Run) -> None:
    for key in ("what_changed", "influence_of_body", "keeping_informed"):
        run.context[key] = run.payload[key]
    case = run.case
    run.context.update(
        views_sought_on=case.views_sought_on,
        views_of_body=case.views_of_body,
        views_of_others=case.views_of_others or "",
    )


def _withdraw(run: Run) -> None:
    """Withdrawal closes the request; its open deadlines close with it."""


class Participation(CaseKind):
    kind = pr.KIND
    prefix = "PR"
    model = ParticipationRequest
    workflow = pr.WORKFLOW
    request_fields = ("title", *pr.REQUEST_ITEMS)
    effects = {
        "submit": _submit,
        "request_missing_items": _request_missing_items,
        "supply_information": _supply_information,
        "validate": _validate,
        "correct_validation_date": _correct_validation_date,
        "notify_additional_authorities": _notify_additional_authorities,
        "record_authority_reply": _record_authority_reply,
        "agree_extension": agree_extension,
        "decide": _decide,
        "comment_on_process": _comment_on_process,
        "issue_process_notice": _issue_process_notice,
        "establish_process": _establish_process,
        "record_process_change": _record_process_change,
        "record_outcome_views": _record_outcome_views,
        "give_outcome_views": _give_outcome_views,
        "publish_outcome_report": _publish_outcome_report,
        "withdraw": _withdraw,
    }

    def edit(self, session, case: ParticipationRequest, data) -> set[str]:
        changed = super().edit(session, case, data)
        if "additional_authorities" in data:
            codes = list(dict.fromkeys(data["additional_authorities"]))
            if case.authority.code in codes:
                raise Invalid(
                    {
                        "additional_authorities": [
                            "Name other authorities here, not the one the request is made to."
                        ]
                    }
                )
            current = [a.authority.code for a in case.additional_authorities]
            if codes != current:
                case.additional_authorities = [
                    AdditionalAuthority(
                        authority=lookup_authority(session, code, "additional_authorities")
                    )
                    for code in codes
                ]
                changed.add("additional_authorities")
        return changed

    def facts(self, case: ParticipationRequest) -> pr.ParticipationFacts:
        extensions: dict[tuple[str, str], list[Extension]] = {}
        for e in case.extensions:
            extensions.setdefault((e.rule, e.key), []).append(
                Extension(e.agreed_on, e.new_due_date, e.agreed_by, e.note)
            )
        return pr.ParticipationFacts(
            state=case.state,
            body=case.community_body.facts(),
            authority_type=case.authority.type,
            request={k: getattr(case, k) or "" for k in self.request_fields},
            additional_authorities=tuple(
                pr.AdditionalAuthorityFacts(
                    code=a.authority.code,
                    name=a.authority.name,
                    authority_type=a.authority.type,
                    notified_on=a.notified_on,
                    replied_on=a.replied_on,
                    will_participate=a.will_participate,
                )
                for a in case.additional_authorities
            ),
            received_on=case.received_on,
            information_requested_on=case.information_requested_on,
            validated_on=case.validated_on,
            validation_date=case.validation_date,
            decided_on=case.decided_on,
            decision_notice_on=case.decision_notice_on,
            process_type=case.process_type,
            body_commented_on=case.body_commented_on,
            process_notice_on=case.process_notice_on,
            process_established_on=case.process_established_on,
            views_sought_on=case.views_sought_on,
            extensions={k: tuple(v) for k, v in extensions.items()},
        )

    def deadlines(self, facts, law):
        return pr.deadlines(facts, law)


PARTICIPATION = register(Participation())
