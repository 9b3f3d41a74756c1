"""The inequalities lens: placing a postcode or address in a data zone and its deprivation.

Scotland measures deprivation with the Scottish Index of Multiple Deprivation (SIMD), which
ranks every data zone from 1 (the most deprived) to the number of zones (6,976 in SIMD 2020v2,
on 2011 data zones). A postcode is placed in a data zone with National Records of Scotland's
Scottish Statistics Postcode Lookup (SSPL). No package ships either file and the service never
downloads them: an authority downloads both and loads them with

    casework simd import --simd RANKS.csv --postcodes SSPL.csv

Headers are matched ignoring case, spaces and underscores, so `Data_Zone`, `DataZone` and
`datazone` are one header. What each file needs (EDITION is --edition with its spaces removed,
e.g. `SIMD2020v2`; YEAR is the year in --vintage, e.g. 2011):

The SIMD ranks file (one row per data zone):
  - the data zone: `Data_Zone` or `DataZone` (also `DZ`, `DataZoneYEAR`, `DataZoneYEARCode`);
  - the overall rank: `EDITION_Rank`, e.g. `SIMD2020v2_Rank` (Scottish Government's ranks
    file) or `SIMD2020V2Rank` (Public Health Scotland's open data);
  - optionally `EDITION_Quintile` and `EDITION_Decile`, e.g. `SIMD2020v2_Quintile`. Where they
    are absent they are worked out from the rank by position over the number of zones, as the
    Scottish Government defines them: decile = ceil(10 x rank / zones) and quintile =
    ceil(5 x rank / zones), so of 6,976 zones decile 1 is ranks 1 to 697 and quintile 1 is
    ranks 1 to 1,395. Public Health Scotland's `SIMD2020V2CountryDecile` and
    `...CountryQuintile` are population-weighted, a different measure, and are not used.
  The file must rank the whole of Scotland: every rank is a whole number from 1 to the number
  of rows in the file, and no two zones share a rank.

The postcode lookup (one row per postcode, other columns ignored):
  - the postcode: `Postcode` (also `pc7`, `pc8`, `pcd`, `pcds`), with or without its space;
  - the data zone of the vintage: `DataZoneYEARCode`, e.g. `DataZone2011Code` (also
    `DataZoneYEAR`, or `DataZone` when the file has no year-specific column). A lookup that
    also carries `DataZone2022Code` is read for the vintage's year only.

Where the layouts come from:
  - SIMD 2020v2 columns (`DataZone`, `SIMD2020V2Rank`, population-weighted `...CountryDecile`
    and `...CountryQuintile`, rank 1-6976 "most deprived to least deprived"): Public Health
    Scotland's data dictionary at
    https://www.opendata.nhs.scot/dataset/scottish-index-of-multiple-deprivation/resource/acade396-8430-4b34-895a-b3e757fa346e
  - The Scottish Government ranks file's `Data_Zone`, `SIMD2020v2_Rank`, `SIMD2020v2_Decile`
    and `SIMD2020v2_Quintile` were seen only in public code that reads that file, not on a
    Scottish Government page; check the header of the file you download.
  - The SSPL (CSV, from the Royal Mail Postcode Address File, postcodes placed through their
    2011 output areas): https://www.nrscotland.gov.uk/publications/scottish-statistics-postcode-lookup-august-2025
    and its information note at
    https://nrscotland.gov.uk/publications/geography-scottish-statistics-postcode-lookup-information-note
    Neither page found lists the column names; `Postcode` and `DataZone2011Code` are the names
    NRS uses in its Scottish Postcode Directory, which the SSPL follows.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import and_, delete, insert, select, text, update
from sqlalchemy.orm import Session

from casework.clock import LONDON
from casework.models import CommunityBody, LandEntry
from casework.models.simd import SimdPostcode, SimdVersion, SimdZone
from workflows.periods import in_words

EDITION = "SIMD 2020v2"
VINTAGE = "2011 data zones"
BATCH = 5000
SHOWN = 20  # refused rows listed by line; the rest are counted

_OUTWARD = r"[A-Z]{1,2}[0-9][A-Z0-9]?"
_INWARD = r"[0-9][A-Z]{2}"
_POSTCODE = re.compile(rf"({_OUTWARD}) ?({_INWARD})")
_IN_TEXT = re.compile(rf"(?<![A-Z0-9])({_OUTWARD})\s*({_INWARD})(?![A-Z0-9])", re.IGNORECASE)
_DATA_ZONE = re.compile(r"S01[0-9]{6}")
_LOCK = 0x53494D44  # "SIMD": one import at a time on PostgreSQL


def normalise_postcode(text: str | None) -> str | None:
    """The UK postcode in `text` (a postcode, or an address ending in one), written "KY3 9UE";
    None if there is none. Where there are several, the last is taken, as addresses end in it."""
    if not text:
        return None
    found = _IN_TEXT.findall(text)
    if not found:
        return None
    outward, inward = found[-1]
    return f"{outward.upper()} {inward.upper()}"


def _strict_postcode(value: str) -> str | None:
    """A lookup file's postcode field, which must be a postcode and nothing else."""
    squashed = "".join(value.split()).upper()
    match = _POSTCODE.fullmatch(squashed)
    return f"{match.group(1)} {match.group(2)}" if match else None


# -- placing a postcode ------------------------------------------------------------------


@dataclass(frozen=True)
class Placement:
    """Where a postcode lies: its data zone and that zone's deprivation, in one version."""

    postcode: str
    data_zone: str
    rank: int  # 1 is the most deprived
    quintile: int  # 1 is the most deprived 20%
    decile: int  # 1 is the most deprived 10%
    version: SimdVersion

    @property
    def source(self) -> str:
        """What a figure derived from this placement cites."""
        return citation(self.version)


def citation(v: SimdVersion) -> str:
    """What a figure derived from a version of the lookup cites."""
    return f"{v.edition}, {v.vintage}, imported {in_words(v.imported_at.astimezone(LONDON).date())}"


def _lookup(session: Session, postcodes: Iterable[str]) -> dict[str, Placement]:
    wanted = sorted(set(postcodes))
    found: dict[str, Placement] = {}
    for start in range(0, len(wanted), BATCH):
        rows = session.execute(
            select(
                SimdPostcode.postcode,
                SimdZone.data_zone,
                SimdZone.rank,
                SimdZone.quintile,
                SimdZone.decile,
                SimdVersion,
            )
            .join(SimdVersion, SimdVersion.id == SimdPostcode.version_id)
            .join(
                SimdZone,
                and_(
                    SimdZone.version_id == SimdPostcode.version_id,
                    SimdZone.data_zone == SimdPostcode.data_zone,
                ),
            )
            .where(
                SimdVersion.current.is_(True),
                SimdPostcode.postcode.in_(wanted[start : start + BATCH]),
            )
            .order_by(SimdVersion.id)  # were two ever current, the newest wins
        )
        for postcode, zone, rank, quintile, decile, version in rows:
            found[postcode] = Placement(postcode, zone, rank, quintile, decile, version)
    return found


def place(session: Session, postcode_or_address: str | None) -> Placement | None:
    """Place a postcode, or the postcode in an address, with the current version; None when
    there is no postcode, no version loaded, or the postcode is not in the lookup."""
    postcode = normalise_postcode(postcode_or_address)
    if postcode is None:
        return None
    return _lookup(session, [postcode]).get(postcode)


def place_many(session: Session, texts: Iterable[str | None]) -> dict[str, Placement | None]:
    """Place each postcode or address (keyed by the text given) in one query."""
    given = {t: normalise_postcode(t) for t in texts if t is not None}
    found = _lookup(session, [p for p in given.values() if p])
    return {t: found.get(p) if p else None for t, p in given.items()}


def body_placement(session: Session, body: CommunityBody) -> Placement | None:
    """Where a community body's contact address lies."""
    return place(session, body.contact_address)


def land_placement(session: Session, entry: LandEntry) -> Placement | None:
    """Where an entry in the register of land lies, by the postcode in its address."""
    return place(session, entry.address)


# -- importing the files -----------------------------------------------------------------


class LayoutError(ValueError):
    """A file the import cannot use at all; nothing is changed."""


@dataclass
class FileReport:
    """What one file gave: rows read, loaded and refused (the first few by line)."""

    name: str
    read: int = 0
    loaded: int = 0
    refused_count: int = 0
    refused: list[tuple[int, str]] = field(default_factory=list)

    def refuse(self, line: int, reason: str) -> None:
        self.refused_count += 1
        if len(self.refused) < SHOWN:
            self.refused.append((line, reason))

    def lines(self) -> list[str]:
        out = [
            f"{self.name}: {self.read:,} rows read, {self.loaded:,} loaded, "
            f"{self.refused_count:,} refused."
        ]
        out += [f"  line {line}: {reason}" for line, reason in self.refused]
        if self.refused_count > len(self.refused):
            out.append(f"  and {self.refused_count - len(self.refused):,} more refused rows")
        return out


@dataclass
class ImportReport:
    version: SimdVersion
    simd: FileReport
    postcodes: FileReport


def _squash(header: str) -> str:
    return re.sub(r"[^a-z0-9]", "", header.lower())


class _Csv:
    """A CSV file read a line at a time, its header matched to the columns wanted."""

    def __init__(self, path: Path, progress: Callable[[int], None] | None) -> None:
        self.path = path
        self.handle = open(path, encoding="utf-8-sig", errors="replace", newline="")  # noqa: SIM115
        self.progress = progress
        self.reader = csv.reader(self._lines())
        try:
            self.header = next(self.reader)
        except StopIteration:
            self.handle.close()
            raise LayoutError(f"{path.name} is empty") from None
        except csv.Error as exc:
            self.handle.close()
            raise LayoutError(f"{path.name} is not a CSV file: {exc}") from None
        self.columns = {_squash(h): i for i, h in reversed(list(enumerate(self.header)))}

    def _lines(self) -> Iterator[str]:
        for line in self.handle:
            if self.progress:
                self.progress(len(line))
            yield line

    def column(self, wanted: str, candidates: list[str], shown: list[str]) -> int:
        for name in candidates:
            if name in self.columns:
                return self.columns[name]
        has = ", ".join(h.strip() for h in self.header[:12]) or "nothing"
        raise LayoutError(
            f"{self.path.name} has no {wanted} column: expected {' or '.join(shown)}, "
            f"but its header has {has}"
        )

    def optional(self, candidates: list[str]) -> int | None:
        return next((self.columns[n] for n in candidates if n in self.columns), None)

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """(line number, fields) for each row that is not blank."""
        try:
            for fields in self.reader:
                if any(f.strip() for f in fields):
                    yield self.reader.line_num, fields
        except csv.Error as exc:
            raise LayoutError(f"{self.path.name}, line {self.reader.line_num}: {exc}") from None

    def close(self) -> None:
        self.handle.close()


def _whole_number(value: str, low: int, high: int) -> int | None:
    value = value.strip()
    if not re.fullmatch(r"[0-9]{1,7}", value):
        return None
    number = int(value)
    return number if low <= number <= high else None


def _field(fields: list[str], index: int) -> str:
    return fields[index].strip() if index < len(fields) else ""


def import_files(
    session: Session,
    *,
    simd: Path,
    postcodes: Path,
    edition: str = EDITION,
    vintage: str = VINTAGE,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Load a SIMD ranks file and a postcode lookup as a new version and make it current.

    Everything is written in the caller's transaction, which the caller commits; if anything
    fails (LayoutError for a file that cannot be used, or a database error) the caller rolls
    back and the previous version stays current. Rows that cannot be used are refused and
    reported by line; the rest are loaded."""
    edition, vintage = " ".join(edition.split()), " ".join(vintage.split())
    year = re.search(r"\b(19|20)[0-9]{2}\b", vintage)
    if not edition or year is None:
        raise LayoutError(
            'give the SIMD edition and the data zones\' year, e.g. --edition "SIMD 2020v2" '
            '--vintage "2011 data zones"'
        )
    ed, yr = _squash(edition), year.group(0)
    zone_names = [f"datazone{yr}code", f"datazone{yr}", "datazone", "dz", f"dz{yr}"]
    ranks = _Csv(simd, progress)
    lookup = None
    try:
        lookup = _Csv(postcodes, progress)
        z_col = ranks.column("data zone", zone_names, ["Data_Zone", "DataZone"])
        r_col = ranks.column(
            f"{edition} rank",
            [f"{ed}rank"],
            [f"{edition.replace(' ', '')}_Rank", f"{edition.replace(' ', '')}Rank"],
        )
        q_col = ranks.optional([f"{ed}quintile"])
        d_col = ranks.optional([f"{ed}decile"])
        p_col = lookup.column("postcode", ["postcode", "pc7", "pc8", "pcd", "pcds"], ["Postcode"])
        pz_col = lookup.column(
            f"{yr} data zone",
            [f"datazone{yr}code", f"datazone{yr}", "datazone"],
            [f"DataZone{yr}Code"],
        )
        simd_report = FileReport(simd.name)
        zones = _read_zones(ranks, simd_report, z_col, r_col, q_col, d_col)
        if not zones:
            raise LayoutError(_nothing(simd_report))
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK})
        version = SimdVersion(
            edition=edition[:40],
            vintage=vintage[:40],
            simd_file=simd.name[:300],
            postcodes_file=postcodes.name[:300],
            zones_loaded=len(zones),
            zones_refused=simd_report.refused_count,
            postcodes_loaded=0,
            postcodes_refused=0,
            current=False,
        )
        session.add(version)
        session.flush()
        rows = [{"version_id": version.id, **z} for z in zones.values()]
        for start in range(0, len(rows), BATCH):
            session.execute(insert(SimdZone), rows[start : start + BATCH])
        lookup_report = FileReport(postcodes.name)
        _load_postcodes(session, version.id, lookup, lookup_report, p_col, pz_col, set(zones))
        if not lookup_report.loaded:
            raise LayoutError(_nothing(lookup_report))
        version.postcodes_loaded = lookup_report.loaded
        version.postcodes_refused = lookup_report.refused_count
        make_current(session, version)
        return ImportReport(version, simd_report, lookup_report)
    finally:
        ranks.close()
        if lookup is not None:
            lookup.close()


def _nothing(report: FileReport) -> str:
    first = f" (line {report.refused[0][0]}: {report.refused[0][1]})" if report.refused else ""
    return f"none of the {report.read} rows of {report.name} could be loaded{first}"


def bands(rank: int, zones: int) -> tuple[int, int]:
    """The quintile and decile of a rank (1 = most deprived) by its position among `zones`:
    ceil(5 x rank / zones) and ceil(10 x rank / zones), in whole numbers."""
    return (5 * rank + zones - 1) // zones, (10 * rank + zones - 1) // zones


def _read_zones(
    ranks: _Csv,
    report: FileReport,
    z_col: int,
    r_col: int,
    q_col: int | None,
    d_col: int | None,
) -> dict[str, dict]:
    """The valid zones of the ranks file, which is small (6,976 rows) and read whole, since a
    rank is checked against, and the quintile and decile worked out over, the number of zones."""
    rows = list(ranks.rows())
    count = report.read = len(rows)
    zones: dict[str, dict] = {}
    rank_line: dict[int, int] = {}
    zone_line: dict[str, int] = {}
    for line, fields in rows:
        zone = _field(fields, z_col).upper()
        raw = _field(fields, r_col)
        rank = _whole_number(raw, 1, count)
        if not _DATA_ZONE.fullmatch(zone):
            report.refuse(line, f"{zone or 'an empty field'!r} is not a data zone code")
            continue
        if rank is None:
            report.refuse(line, f"rank {raw!r} is not a whole number from 1 to {count}")
            continue
        if zone in zone_line:
            report.refuse(line, f"{zone} is already ranked on line {zone_line[zone]}")
            continue
        if rank in rank_line:
            report.refuse(line, f"rank {rank} is already given on line {rank_line[rank]}")
            continue
        quintile, decile = bands(rank, count)
        if q_col is not None:
            quintile = _whole_number(_field(fields, q_col), 1, 5)
        if d_col is not None:
            decile = _whole_number(_field(fields, d_col), 1, 10)
        if quintile is None or decile is None:
            report.refuse(line, "the quintile must be 1 to 5 and the decile 1 to 10")
            continue
        zone_line[zone], rank_line[rank] = line, line
        zones[zone] = {"data_zone": zone, "rank": rank, "quintile": quintile, "decile": decile}
    report.loaded = len(zones)
    return zones


def _load_postcodes(
    session: Session,
    version_id: int,
    lookup: _Csv,
    report: FileReport,
    p_col: int,
    z_col: int,
    zones: set[str],
) -> None:
    """Stream the lookup (about 230,000 rows) into the version, a batch at a time."""
    seen: dict[str, int] = {}
    batch: list[dict] = []
    for line, fields in lookup.rows():
        report.read += 1
        raw = _field(fields, p_col)
        postcode = _strict_postcode(raw)
        zone = _field(fields, z_col).upper()
        if postcode is None:
            report.refuse(line, f"{raw or 'an empty field'!r} is not a postcode")
        elif not _DATA_ZONE.fullmatch(zone):
            report.refuse(line, f"{zone or 'an empty field'!r} is not a data zone code")
        elif zone not in zones:
            report.refuse(line, f"data zone {zone} is not in the SIMD file")
        elif postcode in seen:
            report.refuse(line, f"{postcode} is already on line {seen[postcode]}")
        else:
            seen[postcode] = line
            batch.append({"version_id": version_id, "postcode": postcode, "data_zone": zone})
            if len(batch) >= BATCH:
                session.execute(insert(SimdPostcode), batch)
                batch.clear()
    if batch:
        session.execute(insert(SimdPostcode), batch)
    report.loaded = len(seen)


def make_current(session: Session, version: SimdVersion) -> None:
    """Make `version` the one in use. The older versions' rows stay (figures cite them); their
    zones and postcodes go."""
    older = SimdVersion.id != version.id
    session.execute(delete(SimdPostcode).where(SimdPostcode.version_id != version.id))
    session.execute(delete(SimdZone).where(SimdZone.version_id != version.id))
    session.execute(update(SimdVersion).where(older).values(current=False))
    version.current = True
    session.flush()


def current_version(session: Session) -> SimdVersion | None:
    """The version in use, if one has been imported."""
    return session.scalar(
        select(SimdVersion).where(SimdVersion.current.is_(True)).order_by(SimdVersion.id.desc())
    )
