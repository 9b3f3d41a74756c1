"""Forms drawn from the API's own marshmallow schemas.

A page never keeps a second description of what an action takes: the fields, their
types, choices and hints come from the schema the API validates with, and the posted form
is turned back into the same payload the API would receive. Errors come back keyed the
way the API reports them and are shown beside their fields.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from marshmallow import Schema, fields, validate
from werkzeug.datastructures import MultiDict

from casework.errors import Conflict, Invalid, ServiceError
from workflows import asset_transfer as atr
from workflows import participation as pr
from workflows import receipt
from workflows.eligibility import LEGAL_FORM_LABELS

# Rows offered for a list of people (owners and occupiers), without JavaScript.
LIST_ROWS = 6

# How choices read, for each kind of case ("*" for all). These are the law's own lists
# from workflows/, not a second list of what an action accepts.
CHOICES: dict[str, dict[str, Mapping[str, str]]] = {
    "*": {
        "outcome": {"agreed": "Agree the request", "refused": "Refuse the request"},
        "decision": {"agreed": "Agreed", "refused": "Refused"},
        "result": {
            "confirm": "Confirm the decision",
            "modify": "Modify the decision",
            "substitute": "Substitute a different decision",
            "allowed": "Allowed",
            "dismissed": "Dismissed",
            "varied": "Varied or reversed",
        },
        "process": {
            "existing": "The body joins a process that already exists (s.25(2))",
            "new": "A new outcome improvement process (s.25(3))",
        },
        "procedure": {
            "written_submissions": "Written submissions",
            "hearing": "A hearing",
            "site_visit": "A site visit",
        },
        "legal_form": {str(k): v for k, v in LEGAL_FORM_LABELS.items()},
        "received_by": {k: receipt.CHANNELS[k].capitalize() for k in receipt.OFFLINE},
    },
    pr.KIND: {"missing": pr.ITEM_LABELS, "considerations": pr.CONSIDERATIONS},
    atr.KIND: {
        "missing": atr.ITEM_LABELS,
        "considerations": atr.CONSIDERATIONS,
        "transfer_type": atr.TRANSFER_TYPES,
        "freeze_exception": atr.FREEZE_EXCEPTIONS,
    },
}

# Labels where the field's name does not read well on its own.
LABELS = {
    "received_by": "How did it reach you?",
    "notified_on": "Date the authorities were notified",
    "replied_on": "Date of the reply",
    "will_participate": "Will the authority take part?",
    "new_due_date": "The new date agreed",
    "agreed_on": "Date it was agreed",
    "considerations": "Your consideration of each matter",
    "process_description": "Describe the outcome improvement process",
    "process_stage": "The stage the existing process has reached",
    "participation_arrangements": "How the body will take part",
    "established_on": "Date the process was established",
    "service_changed": "Did the request result in a change to a public service?",
    "views": "Your views on how the process was run and on its outcomes",
    "what_changed": "What changed in the outcome",
    "influence_of_body": "How far the body's participation influenced the change",
    "keeping_informed": "How the body will be kept informed",
    "other_participants": "How anyone else takes part in the process",
    "views_sought_on": "Date the views were sought",
    "views_of_body": "The views of the body that made the request",
    "views_of_others": "The views of other community bodies that took part",
    "freeze_exception": "Does the disposal freeze (s.84) not apply?",
    "freeze_exception_details": "Details of the advertisement or negotiations",
    "notice_date": "Date of the notices",
    "representations_close": "Representations close on",
    "owners_and_occupiers": "Owners, tenants and occupiers to notify",
    "received_on": "Date received",
    "copies_sent_on": "Date the copies were sent",
    "comments_by": "The body may comment until",
    "offer_by": "The body must make its offer by",
    "terms_differ_significantly": "Do the terms differ significantly from the request?",
    "procedure": "How should it be decided?",
    "documents": "Documents you rely on (one per line)",
    "concluded_on": "Date the contract was concluded",
    "contract_by": "The contract must now be concluded by",
    "land": "Land or building from the register",
    "land_description": "The land or building, in your own words",
    "transfer_type": "What kind of transfer are you asking for?",
    "missing": "What is missing?",
    "note": "Anything else to say in the notice",
    "reasons": "Reasons",
    "by": "Agreed or directed by",
    "text": "Your representation",
    "name": "Name",
    "email": "Email address",
    "address": "Postal address",
    "rule": "The deadline being extended",
    "contact_address": "Contact address",
    "contact_email": "Contact email address",
    "community_definition": "The community your body relates to",
    "legal_form": "What kind of organisation is it?",
    "member_count": "How many members does it have?",
    "designated": "Has the body been designated by the Scottish Ministers?",
    "constitution": "Your written constitution",
    "defines_community": "Does it define the community the body relates to?",
    "majority_from_community": "Must a majority of the members come from that community?",
    "community_controls": "Do the members from that community control the body?",
    "open_membership": "Is membership open to anyone in the community?",
    "community_benefit_aims": "Do the body's aims include a benefit for the community?",
    "surplus_for_community": "Must any surplus be used for the benefit of the community?",
    "asset_lock": "On winding up, must the assets pass to another community body or charity?",
    "additional_authorities": "Other public service authorities to involve",
}


def label_for(name: str) -> str:
    return LABELS.get(name) or name.replace("_", " ").capitalize()


def choices_for(kind: str | None, name: str, values: list[str]) -> list[tuple[str, str]]:
    known = {**CHOICES["*"].get(name, {}), **CHOICES.get(kind or "", {}).get(name, {})}
    return [(v, _sentence(known.get(v) or v.replace("_", " "))) for v in values]


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


@dataclass
class FormField:
    name: str
    label: str
    widget: str  # text, textarea, email, number, date, radios, select, checkboxes, lines,
    #              boolean, group (a dict of texts), rows (a list of small forms)
    hint: str = ""
    required: bool = False
    options: list[tuple[str, str]] = field(default_factory=list)
    value: Any = ""
    error: str = ""
    children: list[FormField] = field(default_factory=list)
    rows: list[list[FormField]] = field(default_factory=list)
    # Extra attributes for a text input, such as {"autocomplete": "one-time-code"}.
    attrs: dict[str, str] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return "f-" + self.name.replace(".", "-").replace("_", "-")

    def all_errors(self) -> list[FormField]:
        """This field and any child that has an error, for the error summary."""
        found = [self] if self.error else []
        for child in self.children:
            found += child.all_errors()
        for row in self.rows:
            for child in row:
                found += child.all_errors()
        return found


def _one_of(f: fields.Field) -> list[str] | None:
    for v in getattr(f, "validators", ()):
        if isinstance(v, validate.OneOf):
            return [str(c) for c in v.choices]
    return None


def _max_length(f: fields.Field) -> int | None:
    for v in f.validators:
        if isinstance(v, validate.Length) and v.max is not None:
            return v.max
    return None


def _default(f: fields.Field) -> Any:
    """What a field shows before anyone answers. A choice (yes or no, or one of a list)
    starts unset: a question nobody answered is not answered, so no answer is given for
    the user, even where the API would assume one."""
    value = f.load_default
    if callable(value) or value is None or value is fields.missing_:
        return ""
    if isinstance(f, fields.Boolean) or _one_of(f):
        return ""
    return value


def _widget(f: fields.Field, name: str, options: Mapping[str, list[tuple[str, str]]]) -> str:
    if name in options:
        return "checkboxes" if isinstance(f, fields.List) else "select"
    if isinstance(f, fields.Date):
        return "date"
    if isinstance(f, fields.Boolean):
        return "boolean"
    if isinstance(f, fields.Integer):
        return "number"
    if isinstance(f, fields.Email):
        return "email"
    if isinstance(f, fields.Dict):
        return "group"
    if isinstance(f, fields.Nested):
        return "nested"
    if isinstance(f, fields.List):
        if isinstance(f.inner, fields.Nested):
            return "rows"
        return "checkboxes" if _one_of(f.inner) else "lines"
    choices = _one_of(f)
    if choices:
        return "radios" if len(choices) <= 6 else "select"
    limit = _max_length(f)
    return "text" if limit is not None and limit <= 300 else "textarea"


def build(
    schema: Schema,
    *,
    kind: str | None = None,
    values: MultiDict | Mapping[str, Any] | None = None,
    errors: Mapping[str, str] | None = None,
    options: Mapping[str, list[tuple[str, str]]] | None = None,
    only: tuple[str, ...] | None = None,
    prefix: str = "",
    today: dt.date | None = None,
) -> list[FormField]:
    """The form's fields, filled with `values` (a posted form, or stored data) and `errors`."""
    values = values if values is not None else {}
    errors = errors or {}
    options = options or {}
    out = []
    for name, f in schema.fields.items():
        if f.dump_only or (only is not None and name not in only):
            continue
        full = prefix + name
        widget = _widget(f, name, options)
        ff = FormField(
            name=full,
            label=label_for(name),
            widget=widget,
            hint=f.metadata.get("description", ""),
            required=f.required,
            error=errors.get(full, ""),
        )
        if name in options:
            ff.options = options[name]
        elif widget in ("radios", "select"):
            ff.options = choices_for(kind, name, _one_of(f) or [])
        elif widget == "checkboxes":
            ff.options = choices_for(kind, name, _one_of(f.inner) or [])
        elif widget == "boolean":
            ff.options = [("true", "Yes"), ("false", "No")]
        if widget == "group":
            keys = _one_of(f.key_field) if f.key_field else None
            for key, text in choices_for(kind, name, keys or []):
                child = FormField(
                    name=f"{full}.{key}", label=text, widget="textarea", required=True
                )
                child.value = _get(values, child.name, "")
                child.error = errors.get(child.name, "")
                ff.children.append(child)
        elif widget == "nested":
            ff.children = build(
                f.schema, kind=kind, values=values, errors=errors, prefix=f"{full}.", today=today
            )
        elif widget == "rows":
            for i in range(LIST_ROWS):
                ff.rows.append(
                    build(
                        f.inner.schema,
                        kind=kind,
                        values=values,
                        errors=errors,
                        prefix=f"{full}.{i}.",
                        today=today,
                    )
                )
        elif widget in ("checkboxes",):
            ff.value = _get_list(values, full)
        elif widget == "lines":
            stored = _get_list(values, full)
            ff.value = "\n".join(stored) if isinstance(stored, list) else stored
        else:
            value = _get(values, full, None)
            if value is None and today is not None and f.metadata.get("default") == "today":
                value = today.isoformat()
            ff.value = _default(f) if value is None else value
            if isinstance(ff.value, bool):
                ff.value = "true" if ff.value else "false"
            ff.value = "" if ff.value is None else str(ff.value)
        out.append(ff)
    return out


def _get(values: Any, name: str, default: Any) -> Any:
    if isinstance(values, MultiDict):
        return values.get(name, default)
    node: Any = values
    for part in name.split("."):
        if isinstance(node, Mapping) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return default
    return node


def _get_list(values: Any, name: str) -> list[str] | str:
    if isinstance(values, MultiDict):
        items = values.getlist(name)
        if len(items) == 1 and "\n" in items[0]:
            return items[0]
        return items
    stored = _get(values, name, [])
    return [str(v) for v in stored] if isinstance(stored, list) else str(stored)


def payload(
    schema: Schema, form: MultiDict, *, prefix: str = "", blanks: bool = False
) -> dict[str, Any]:
    """The JSON payload the API would receive for this posted form. Empty answers are left
    out, so the schema's own defaults and 'required' messages apply; with `blanks` (an edit
    of stored answers) a field posted empty is sent as cleared: "" or null."""
    out: dict[str, Any] = {}
    for name, f in schema.fields.items():
        if f.dump_only:
            continue
        full = prefix + name
        if isinstance(f, fields.Dict):
            keys = (_one_of(f.key_field) if f.key_field else None) or []
            given = {k: form.get(f"{full}.{k}", "").strip() for k in keys}
            given = {k: v for k, v in given.items() if v}
            if given:
                out[name] = given
        elif isinstance(f, fields.Nested):
            out[name] = payload(f.schema, form, prefix=f"{full}.")
        elif isinstance(f, fields.List) and isinstance(f.inner, fields.Nested):
            rows = []
            for i in range(LIST_ROWS):
                row = payload(f.inner.schema, form, prefix=f"{full}.{i}.")
                if row:
                    rows.append(row)
            if rows:
                out[name] = rows
        elif isinstance(f, fields.List):
            # Checkboxes send one value each; a textarea sends one value, a line an item.
            items = [
                line.strip() for v in form.getlist(full) for line in v.splitlines() if line.strip()
            ]
            if items or full in form:
                out[name] = items
        else:
            value = form.get(full, "")
            value = value.strip() if isinstance(value, str) else value
            if value != "":
                out[name] = value
            elif blanks and full in form:
                out[name] = None if f.allow_none else ""
    return out


def whole_number(raw: str | None, largest: int = 2**31 - 1) -> int | None:
    """A posted or queried whole number, or None: ASCII digits only ('²' is a digit to
    Python, not to int()), and no bigger than the database holds."""
    raw = (raw or "").strip()
    if raw.isascii() and raw.isdigit() and len(raw) <= 10 and int(raw) <= largest:
        return int(raw)
    return None


def flatten(errors: Any, prefix: str = "") -> dict[str, str]:
    """{"considerations": {"regeneration": ["..."]}} -> {"considerations.regeneration": "..."}"""
    flat: dict[str, str] = {}
    if isinstance(errors, Mapping):
        for key, value in errors.items():
            name = f"{prefix}{key}" if key not in ("", "_schema") else prefix.rstrip(".")
            if isinstance(value, Mapping):
                flat.update(flatten(value, f"{name}." if name else ""))
            else:
                messages = value if isinstance(value, list) else [value]
                text = " ".join(str(_plain(m, key)) for m in messages)
                flat[name] = (flat.get(name, "") + " " + text).strip()
    return flat


def _plain(message: Any, key: Any) -> str:
    """Marshmallow's wording, made plain."""
    if isinstance(message, Mapping):
        return " ".join(_plain(v, k) for k, v in message.items())
    text = str(message)
    return {
        "Missing data for required field.": f"Enter {label_for(str(key)).lower()}.",
        "Not a valid date.": "Enter a real date, for example 2026-11-23.",
        "Not a valid integer.": "Enter a whole number.",
        "Not a valid email address.": "Enter an email address like name@example.org.",
        "Not a valid boolean.": "Choose yes or no.",
        "Field may not be null.": f"Enter {label_for(str(key)).lower()}.",
    }.get(text, text)


@dataclass
class Problem:
    """What went wrong, for the page: per field, and for the form as a whole."""

    fields: dict[str, str] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)
    status: int = 422

    def __bool__(self) -> bool:
        return bool(self.fields or self.general)


def problem_from(exc: ServiceError) -> Problem:
    """An API error as the page shows it: 422s beside their fields, 409s as a summary."""
    if isinstance(exc, Invalid):
        flat = flatten(exc.errors)
        general = [flat.pop("")] if "" in flat else []
        return Problem(flat, general, 422)
    general = [exc.detail]
    if isinstance(exc, Conflict):
        failures = exc.extra.get("failures") or []
        if failures:
            general = [f"{f['message']}" for f in failures]
    return Problem({}, general, exc.status)
