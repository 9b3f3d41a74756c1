"""The README's generated sections: a Mermaid diagram of each workflow, drawn from its
machine, and the table of deadline rules. A test checks they are current."""

from __future__ import annotations

import re
from pathlib import Path

from casework.kinds import KINDS
from workflows.rules import RULES

README = Path(__file__).resolve().parent.parent / "README.md"


def _rules_table() -> str:
    rows = ["| rule | period | starts | citation | basis |", "|---|---|---|---|---|"]
    for r in RULES:
        period = r.period_phrase
        if r.amount_with_additional_authorities:
            period += f" ({r.amount_with_additional_authorities} with other authorities)"
        if r.minimum:
            period = "at least " + period
        basis = r.effective_basis.value
        if basis != r.basis.value:  # the period is in the text; the working days are not
            basis = f"{r.basis.value} for the period, {basis} for its working days"
        rows.append(f"| `{r.id}` | {period} | {r.starts} | {r.citation} | {basis} |")
    return "\n".join(rows)


def sections() -> dict[str, str]:
    out = {"rules": _rules_table()}
    for name, kind in KINDS.items():
        out[f"workflow:{name}"] = f"```mermaid\n{kind.workflow.mermaid()}```"
    return out


def render(text: str) -> str:
    """Replace each <!-- generated:NAME --> ... <!-- /generated --> block."""
    for name, body in sections().items():
        start = f"<!-- generated:{name} -->\n"
        pattern = re.compile(
            re.escape(start) + r"(?:(?!<!-- generated:).)*?<!-- /generated -->", re.S
        )
        if not pattern.search(text):
            raise ValueError(f"README has no block for {name}")
        text = pattern.sub(lambda _m, b=body, s=start: f"{s}{b}\n<!-- /generated -->", text)
    return text


def write() -> bool:
    """Regenerate the README's blocks; return whether anything changed."""
    current = README.read_text()
    updated = render(current)
    if updated != current:
        README.write_text(updated)
    return updated != current
