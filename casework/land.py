"""The register of land (s.94): entries, their freeze status, and CSV import."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from casework.access import AUTHORITY_ROLES
from casework.errors import Conflict, Forbidden, Invalid, NotFound
from casework.eventlog import Actor, record
from casework.models import AssetTransferRequest, LandEntry, User
from casework.models.land import import_key
from casework.schemas.land import LandCsvRow, LandSchema
from workflows.asset_transfer import FINAL_STATES

FIELDS = ("name", "address", "uprn", "description", "tenure", "location")


def frozen_clause():
    """SQL: an entry is frozen while a validated request for it, to which s.84 applies, is
    not finally disposed of."""
    # An ORM select, so the request's own `cases` row is joined: a bare exists() would pair
    # every request with every case and judge the land by other cases' states.
    return (
        select(AssetTransferRequest.id)
        .where(
            AssetTransferRequest.land_id == LandEntry.id,
            AssetTransferRequest.freeze_applies.is_(True),
            AssetTransferRequest.validation_date.is_not(None),
            AssetTransferRequest.state.not_in(FINAL_STATES),
        )
        .exists()
    )


def freezes(session: Session, land_ids: Sequence[int]) -> dict[int, list[str]]:
    """The references freezing each entry, earliest first: one query for a whole page."""
    if not land_ids:
        return {}
    rows = session.execute(
        select(AssetTransferRequest.land_id, AssetTransferRequest.reference)
        .where(
            AssetTransferRequest.land_id.in_(land_ids),
            AssetTransferRequest.freeze_applies.is_(True),
            AssetTransferRequest.validation_date.is_not(None),
            AssetTransferRequest.state.not_in(FINAL_STATES),
        )
        .order_by(AssetTransferRequest.validation_date, AssetTransferRequest.id)
    )
    out: dict[int, list[str]] = {}
    for land_id, reference in rows:
        out.setdefault(land_id, []).append(reference)
    return out


def with_freeze(session: Session, entries: Iterable[LandEntry]) -> list[LandEntry]:
    entries = list(entries)
    by_id = freezes(session, [e.id for e in entries])
    for e in entries:
        e.frozen_by = by_id.get(e.id, [])
        e.frozen = bool(e.frozen_by)
    return entries


def search(
    query: Select,
    *,
    authority: str | None = None,
    place: str | None = None,
    text: str | None = None,
    frozen: bool | None = None,
    include_retired: bool = False,
) -> Select:
    from casework.models import Authority

    if authority:
        query = query.join(Authority, Authority.id == LandEntry.authority_id).where(
            Authority.code == authority.upper()
        )
    for word in (place or "").split():
        query = query.where(LandEntry.address.ilike(f"%{_escape(word)}%", escape="\\"))
    for word in (text or "").split():
        pattern = f"%{_escape(word)}%"
        query = query.where(
            or_(
                LandEntry.name.ilike(pattern, escape="\\"),
                LandEntry.address.ilike(pattern, escape="\\"),
                LandEntry.description.ilike(pattern, escape="\\"),
            )
        )
    if frozen is not None:
        query = query.where(frozen_clause() if frozen else ~frozen_clause())
    if not include_retired:
        query = query.where(LandEntry.retired_on.is_(None))
    return query


def _escape(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _officer(user: User | None) -> User:
    if user is None or user.role not in AUTHORITY_ROLES:
        raise Forbidden("Only an authority's officers can change its register of land.")
    return user


def editable(session: Session, entry_id: int, user: User | None) -> LandEntry:
    user = _officer(user)
    entry = session.get(LandEntry, entry_id)
    if entry is None or (entry.authority_id != user.authority_id and entry.retired_on):
        raise NotFound("There is no such entry on your authority's register.")
    if entry.authority_id != user.authority_id:
        # On the public register, so visible; but it is the other authority's to change.
        raise Forbidden(
            "This land is on another authority's register: only its officers can change it."
        )
    return entry


def _location(data: dict[str, Any]) -> dict[str, Any] | None:
    if data.get("location") is not None:
        return data["location"]
    if data.get("latitude") is not None and data.get("longitude") is not None:
        return {"type": "Point", "coordinates": [data["longitude"], data["latitude"]]}
    return None


def _apply(entry: LandEntry, data: dict[str, Any]) -> list[str]:
    changed = []
    for name in FIELDS:
        if name in data and getattr(entry, name) != data[name]:
            setattr(entry, name, data[name])
            changed.append(name)
    entry.import_key = import_key(entry.uprn, entry.name, entry.address)
    return changed


def _duplicate(session: Session, authority_id: int, key: str, not_id: int | None = None) -> bool:
    query = select(LandEntry.id).where(
        LandEntry.authority_id == authority_id, LandEntry.import_key == key
    )
    if not_id is not None:
        query = query.where(LandEntry.id != not_id)
    # Not autoflushed: an edited entry must not reach the unique index before this check.
    with session.no_autoflush:
        return session.scalar(query) is not None


def create(session: Session, data: dict[str, Any], user: User | None) -> LandEntry:
    user = _officer(user)
    entry = LandEntry(authority_id=user.authority_id)
    _apply(entry, data)
    if _duplicate(session, user.authority_id, entry.import_key):
        raise Conflict("This land is already on the register (same UPRN, or name and address).")
    session.add(entry)
    session.flush()
    record(session, None, "land.created", Actor.of(user), {"land_id": entry.id})
    return entry


def update(
    session: Session, entry: LandEntry, data: dict[str, Any], user: User | None
) -> LandEntry:
    changed = _apply(entry, data)
    if _duplicate(session, entry.authority_id, entry.import_key, entry.id):
        raise Conflict("Another entry has the same UPRN, or the same name and address.")
    if changed:
        record(
            session,
            None,
            "land.updated",
            Actor.of(_officer(user)),
            {"land_id": entry.id, "fields": changed},
        )
    return entry


def retire(session: Session, entry: LandEntry, user: User | None, today: dt.date) -> LandEntry:
    """Take land off the register (it was sold or a lease ended), unless s.84 forbids it."""
    if entry.retired_on is not None:
        raise Conflict(f"This entry was retired on {entry.retired_on}.")
    frozen_by = freezes(session, [entry.id]).get(entry.id)
    if frozen_by:
        raise Conflict(
            "The land cannot be disposed of while an asset transfer request is "
            f"pending (s.84): {', '.join(frozen_by)}.",
            frozen_by=frozen_by,
        )
    entry.retired_on = today
    record(session, None, "land.retired", Actor.of(_officer(user)), {"land_id": entry.id})
    return entry


def _matching(
    session: Session, authority_id: int, key: str, data: dict[str, Any]
) -> LandEntry | None:
    """The entry an imported row is about: the one with its key, or, for a row that now
    gives a UPRN, the entry made earlier from the same name and address without one (so a
    re-import adds the UPRN to it rather than a second entry for the same land)."""
    mine = select(LandEntry).where(LandEntry.authority_id == authority_id)
    entry = session.scalar(mine.where(LandEntry.import_key == key))
    if entry is None and data.get("uprn"):
        earlier = import_key(None, data["name"], data.get("address", ""))
        entry = session.scalar(
            mine.where(LandEntry.import_key == earlier, LandEntry.uprn.is_(None))
        )
    return entry


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)


# Control characters other than tab, CR and LF: PostgreSQL text cannot hold NUL, and none
# of them belongs in a register of land (C0, DEL and C1).
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def refuse_control_characters(text: str) -> None:
    """A file with a control character in it is refused whole, naming the line (counted as
    a text editor counts them, from 1), so nothing half-imported is left behind."""
    found = CONTROL.search(text)
    if found:
        line = len(re.findall(r"\r\n|\r|\n", text[: found.start()])) + 1
        raise Invalid(
            {
                "file": [
                    f"The file has a control character (U+{ord(found.group()):04X}) on line "
                    f"{line}; only tab and line breaks may be used. Remove it and import the "
                    "file again."
                ]
            }
        )


def import_csv(session: Session, stream: io.TextIOBase, user: User | None) -> ImportResult:
    """Import rows into the officer's register. A bad row is reported with its row number
    (the header is row 1, as in a spreadsheet) and does not stop the good ones; a second run of the same file
    changes nothing, because rows are matched on the UPRN, or on the name and address."""
    user = _officer(user)
    result = ImportResult()
    text = stream.read()
    refuse_control_characters(text)
    rows = csv.reader(io.StringIO(text))
    header = [h.strip().lower() for h in next(rows, [])]
    if "name" not in header or "tenure" not in header:
        raise Invalid(
            {
                "file": [
                    "The first row must name the columns, including name and "
                    "tenure; also address, uprn, description, latitude, longitude, location."
                ]
            }
        )
    schema = LandCsvRow()
    seen: set[str] = set()
    # Numbered as a spreadsheet shows them: a record over several lines is one row, and a
    # blank row counts but is skipped.
    try:
        for number, cells in enumerate(rows, start=2):
            if not any(cell.strip() for cell in cells):
                continue
            row = {k: v.strip() for k, v in zip(header, cells, strict=False) if k in schema.fields}
            try:
                data = schema.load(row)
            except ValidationError as exc:
                result.errors.append({"row": number, "errors": exc.normalized_messages()})
                continue
            data["location"] = _location(data)
            key = import_key(data.get("uprn"), data["name"], data.get("address", ""))
            if key in seen:
                result.errors.append(
                    {
                        "row": number,
                        "errors": {"_row": ["This row repeats an earlier row of the file."]},
                    }
                )
                continue
            seen.add(key)
            entry = _matching(session, user.authority_id, key, data)
            if entry is None:
                entry = LandEntry(authority_id=user.authority_id)
                _apply(entry, {k: data.get(k) for k in FIELDS})
                session.add(entry)
                result.created += 1
            elif _apply(entry, {k: data.get(k) for k in FIELDS if k in data or k == "location"}):
                result.updated += 1
            else:
                result.unchanged += 1
    except csv.Error as exc:  # e.g. a cell larger than the csv module will read
        raise Invalid(
            {"file": [f"The file cannot be read as CSV at line {rows.line_num}: {exc}."]}
        ) from exc
    session.flush()
    record(
        session,
        None,
        "land.imported",
        Actor.of(user),
        {
            "created": result.created,
            "updated": result.updated,
            "unchanged": result.unchanged,
            "errors": len(result.errors),
        },
    )
    return result


LAND_SCHEMA = LandSchema
