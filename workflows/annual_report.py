"""An annual report's own procedure (s.32 for participation requests, s.95 for asset
transfer requests): drafted from the event log, completed by an officer, approved by a
manager, then published. A correction after publication is a new version; the earlier
one stays readable."""

from __future__ import annotations

from dataclasses import dataclass

from workflows.machine import Action, Context, Guard, State, Workflow
from workflows.rules import Party

KIND = "annual_report"

# What only the authority can write: s.32(2)(d) and s.95(2)(f).
TEXTS: dict[str, str] = {
    "promotion": "the action the authority took during the year to promote requests",
    "support": "the action the authority took during the year to support bodies in making them",
}


@dataclass(frozen=True)
class ReportFacts:
    state: str
    texts: dict[str, str]
    by_manager: bool  # whether the person acting is one of the authority's managers


def _written(ctx: Context) -> str | None:
    blank = [label for key, label in TEXTS.items() if not (ctx.facts.texts.get(key) or "").strip()]
    if blank:
        return "Write " + " and ".join(blank) + " before the report is approved."
    return None


def _manager(ctx: Context) -> str | None:
    return None if ctx.facts.by_manager else "Only a manager of the authority can do this."


WRITTEN = Guard("annual_report.written", "s.32(2)(d); s.95(2)(f)", _written)
MANAGER = Guard("annual_report.manager", "the authority's own approval", _manager)
_A = Party.AUTHORITY

WORKFLOW = Workflow(
    KIND,
    "Annual report",
    (
        State("draft", "Draft: to complete"),
        State("approved", "Approved, ready to publish"),
        State("published", "Published"),
        State("superseded", "Published, then corrected by a later version", final=True),
    ),
    "draft",
    {},
    (
        Action("write", ("draft",), None, _A, "Save the report's text", "s.32(2)(d); s.95(2)(f)"),
        Action(
            "approve",
            ("draft",),
            "approved",
            _A,
            "Approve the report",
            "s.32(1); s.95(1)",
            guards=(WRITTEN, MANAGER),
        ),
        Action(
            "send_back",
            ("approved",),
            "draft",
            _A,
            "Send the report back for changes",
            "s.32(1); s.95(1)",
            guards=(MANAGER,),
        ),
        Action(
            "publish",
            ("approved",),
            "published",
            _A,
            "Publish the report",
            "s.32(1), (3); s.95(1), (3)",
            guards=(MANAGER,),
        ),
        Action(
            "correct",
            ("published",),
            "superseded",
            _A,
            "Correct the published report (a new version)",
            "s.32(1); s.95(1)",
            guards=(MANAGER,),
        ),
    ),
)
