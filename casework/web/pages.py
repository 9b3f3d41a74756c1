"""Rendering a page: the layout, the error summary, and the status code that goes with it."""

from __future__ import annotations

from typing import Any

from flask import render_template

from casework.kinds import KINDS
from casework.web.forms import FormField, Problem

# "Participation request", "Asset transfer request": each workflow's own title.
KIND_LABELS = {name: kind.workflow.title for name, kind in KINDS.items()}


def error_entries(problem: Problem | None, form_fields: list[FormField] | None) -> list:
    """The error summary: each field's error linked to its field, then the rest."""
    if not problem:
        return []
    entries: list[tuple[str | None, str]] = [(None, m) for m in problem.general]
    shown = set()
    for f in form_fields or []:
        for e in f.all_errors():
            entries.append((f"#{e.id}", f"{e.label}: {e.error}"))
            shown.add(e.name)
    entries += [(None, m) for n, m in problem.fields.items() if n not in shown]
    return entries


def page(
    template: str,
    title: str,
    *,
    problem: Problem | None = None,
    form_fields: list[FormField] | None = None,
    status: int | None = None,
    **context: Any,
):
    """A page, with a 4xx status when it shows a problem so clients and tests can tell."""
    html = render_template(
        template,
        title=title,
        problem=problem or None,
        error_entries=error_entries(problem, form_fields),
        form_fields=form_fields,
        **context,
    )
    if status is None:
        status = problem.status if problem else 200
    return html, status
