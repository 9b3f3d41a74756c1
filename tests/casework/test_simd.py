"""The inequalities lens: importing the SIMD ranks and the postcode lookup, and placing
postcodes, addresses, community bodies and land in a data zone.

The files are small ones the tests write in the official layouts (casework/simd.py says which).
The command runs against a PostgreSQL database of its own, since it commits for real.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import create_engine, event, func, select
from sqlalchemy.orm import Session

from casework import simd
from casework.cli import main
from casework.models import Authority, CommunityBody, LandEntry, SimdPostcode, SimdVersion, SimdZone
from tests.conftest import fresh_database

# Twelve data zones, ranked 1 (most deprived) to 12, and a postcode in each.
ZONES = [f"S0100{n:04d}" for n in range(1, 13)]
RANKS = dict(zip(ZONES, [7, 1, 12, 4, 9, 2, 11, 5, 3, 10, 6, 8], strict=True))
POSTCODES = {
    "KY3 9UE": ZONES[0],  # Kinghorn Community Trust's address in the test world
    "KY3 9DB": ZONES[1],
    "KY3 0TR": ZONES[2],
    "KY1 1AA": ZONES[3],
    "KY2 5BB": ZONES[4],
    "KY11 2CD": ZONES[5],
    "EH1 1EF": ZONES[6],
    "EH12 9GH": ZONES[7],
    "G1 1JK": ZONES[8],
    "G12 8LN": ZONES[9],
    "AB10 1PQ": ZONES[10],
    "DD1 4RS": ZONES[11],
}

# Worked out by hand for 12 zones. Quintile q takes the ranks above (q-1) x 12/5 and up to
# q x 12/5 (2.4, 4.8, 7.2, 9.6, 12); decile d those above (d-1) x 1.2 and up to d x 1.2.
QUINTILE = {1: 1, 2: 1, 3: 2, 4: 2, 5: 3, 6: 3, 7: 3, 8: 4, 9: 4, 10: 5, 11: 5, 12: 5}
DECILE = {1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 6: 5, 7: 6, 8: 7, 9: 8, 10: 9, 11: 10, 12: 10}


def write_simd(path: Path, rows: list[tuple[str, str]] | None = None, header: str = "") -> Path:
    """The Scottish Government's ranks layout (without its quintile and decile columns)."""
    rows = rows if rows is not None else [(z, str(r)) for z, r in RANKS.items()]
    lines = [header or "Data_Zone,Intermediate_Zone,Council_area,SIMD2020v2_Rank"]
    lines += [f"{zone},S02001234,Fife,{rank}" for zone, rank in rows]
    path.write_text("\n".join(lines) + "\n")
    return path


def write_sspl(path: Path, rows: list[tuple[str, str]] | None = None, header: str = "") -> Path:
    """The postcode lookup: postcode, output area, 2011 and 2022 data zones."""
    rows = rows if rows is not None else list(POSTCODES.items())
    lines = [header or "Postcode,OutputArea2011Code,DataZone2011Code,DataZone2022Code"]
    lines += [f"{pc},S00090001,{zone},S01013999" for pc, zone in rows]
    path.write_text("\n".join(lines) + "\n")
    return path


def run(*args: str, env: dict[str, str | None]) -> Result:
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


@pytest.fixture(scope="module")
def cli_db(worker_id: str, tmp_path_factory) -> Iterator[dict[str, str | None]]:
    url = fresh_database(f"simd_{worker_id}")
    env: dict[str, str | None] = {
        "DATABASE_URL": url,
        "REDIS_URL": None,
        "CASEWORK_INSTANCE": str(tmp_path_factory.mktemp("simd_instance")),
        "SECRET_KEY": "simd-test",
    }
    assert run("db", "upgrade", env=env).exit_code == 0
    yield env


@pytest.fixture
def db(cli_db) -> Iterator[Session]:
    engine = create_engine(cli_db["DATABASE_URL"])
    with Session(engine) as session:
        yield session
    engine.dispose()


def import_(env, simd_file: Path, sspl_file: Path, *extra: str) -> Result:
    return run(
        "simd", "import", "--simd", str(simd_file), "--postcodes", str(sspl_file), *extra, env=env
    )


def current(db: Session) -> SimdVersion | None:
    db.expire_all()
    return simd.current_version(db)


def zone_of(db: Session, postcode: str) -> tuple[str, int, int, int] | None:
    placed = simd.place(db, postcode)
    return placed and (placed.data_zone, placed.rank, placed.quintile, placed.decile)


# -- casework simd import -----------------------------------------------------------------


def test_import_loads_both_files_reports_counts_and_records_the_version(cli_db, db, tmp_path):
    result = import_(cli_db, write_simd(tmp_path / "simd.csv"), write_sspl(tmp_path / "sspl.csv"))
    assert result.exit_code == 0, result.stderr
    assert "simd.csv: 12 rows read, 12 loaded, 0 refused." in result.stdout
    assert "sspl.csv: 12 rows read, 12 loaded, 0 refused." in result.stdout
    version = current(db)
    assert (version.edition, version.vintage) == ("SIMD 2020v2", "2011 data zones")
    assert (version.simd_file, version.postcodes_file) == ("simd.csv", "sspl.csv")
    assert (version.zones_loaded, version.postcodes_loaded) == (12, 12)
    assert (version.zones_refused, version.postcodes_refused) == (0, 0)
    assert version.imported_at is not None
    assert f"now current (version {version.id})" in result.stdout
    # The 2011 data zone is used, not the 2022 one beside it.
    assert zone_of(db, "EH1 1EF") == (ZONES[6], 11, QUINTILE[11], DECILE[11])


def test_quintile_and_decile_are_worked_out_from_the_rank(cli_db, db, tmp_path):
    assert (
        import_(cli_db, write_simd(tmp_path / "s.csv"), write_sspl(tmp_path / "p.csv")).exit_code
        == 0
    )
    for postcode, zone in POSTCODES.items():
        rank = RANKS[zone]
        assert zone_of(db, postcode) == (zone, rank, QUINTILE[rank], DECILE[rank])


def test_bands_over_the_6976_zones_of_simd_2020v2():
    # 6,976 / 10 = 697.6 and 6,976 / 5 = 1,395.2 zones to a decile and a quintile.
    assert simd.bands(1, 6976) == (1, 1)
    assert simd.bands(697, 6976) == (1, 1)
    assert simd.bands(698, 6976) == (1, 2)
    assert simd.bands(1395, 6976) == (1, 2)
    assert simd.bands(1396, 6976) == (2, 3)
    assert simd.bands(6976, 6976) == (5, 10)


def test_quintile_and_decile_columns_in_the_file_are_used(cli_db, db, tmp_path):
    header = "Data_Zone,Intermediate_Zone,Council_area,SIMD2020v2_Rank,SIMD2020v2_Quintile,SIMD2020v2_Decile"
    path = tmp_path / "ranks.csv"
    path.write_text(
        header + "\n" + "\n".join(f"{z},S02001234,Fife,{r},5,9" for z, r in RANKS.items()) + "\n"
    )
    assert import_(cli_db, path, write_sspl(tmp_path / "p.csv")).exit_code == 0
    assert zone_of(db, "KY3 9DB") == (ZONES[1], 1, 5, 9)


def test_public_health_scotland_layout_is_accepted_and_its_weighted_bands_not_used(
    cli_db, db, tmp_path
):
    path = tmp_path / "phs.csv"
    rows = [f"{z},S02001234,S08000029,S37000032,S12000047,{r},10,5" for z, r in RANKS.items()]
    header = "DataZone,IntZone,HB,HSCP,CA,SIMD2020V2Rank,SIMD2020V2CountryDecile,SIMD2020V2CountryQuintile"
    path.write_text(header + "\n" + "\n".join(rows) + "\n")
    sspl = write_sspl(tmp_path / "p.csv", header="pc7,OA2011,DataZone2011Code,DataZone2022Code")
    assert import_(cli_db, path, sspl).exit_code == 0
    assert zone_of(db, "KY3 9DB") == (ZONES[1], 1, QUINTILE[1], DECILE[1])


def test_bad_rows_are_reported_by_line_and_not_loaded(cli_db, db, tmp_path):
    ranks = [(z, str(r)) for z, r in RANKS.items()]
    ranks[3] = ("S99", "4")  # line 5
    ranks[5] = (ZONES[5], "two")  # line 7
    ranks[7] = (ZONES[7], "13")  # line 9: only 12 zones
    ranks[8] = (ZONES[0], "3")  # line 10: a zone ranked twice
    postcodes = list(POSTCODES.items())
    postcodes[1] = ("KY3 DB9", ZONES[1])  # line 3
    postcodes[2] = ("KY3 0TR", "DZ2011")  # line 4
    postcodes[3] = ("KY1 1AA", ZONES[3])  # line 5: its zone was refused above
    postcodes[9] = ("KY3 9UE", ZONES[9])  # line 11: repeats line 2
    result = import_(
        cli_db,
        write_simd(tmp_path / "simd.csv", ranks),
        write_sspl(tmp_path / "sspl.csv", postcodes),
    )
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "simd.csv: 12 rows read, 8 loaded, 4 refused." in out
    assert "line 5: 'S99' is not a data zone code" in out
    assert "line 7: rank 'two' is not a whole number from 1 to 12" in out
    assert "line 9: rank '13' is not a whole number from 1 to 12" in out
    assert f"line 10: {ZONES[0]} is already ranked on line 2" in out
    assert "sspl.csv: 12 rows read, 5 loaded, 7 refused." in out
    assert "line 3: 'KY3 DB9' is not a postcode" in out
    assert "line 4: 'DZ2011' is not a data zone code" in out
    assert f"line 5: data zone {ZONES[3]} is not in the SIMD file" in out
    assert "line 11: KY3 9UE is already on line 2" in out
    version = current(db)
    assert (version.zones_refused, version.postcodes_refused) == (4, 7)
    loaded = set(
        db.scalars(select(SimdPostcode.postcode).where(SimdPostcode.version_id == version.id))
    )
    assert loaded == {"KY3 9UE", "KY2 5BB", "EH1 1EF", "AB10 1PQ", "DD1 4RS"}
    assert zone_of(db, "KY1 1AA") is None


def test_past_twenty_refused_rows_the_rest_are_counted(cli_db, tmp_path):
    postcodes = list(POSTCODES.items()) + [("NOT A POSTCODE", ZONES[0])] * 25
    result = import_(
        cli_db, write_simd(tmp_path / "s.csv"), write_sspl(tmp_path / "p.csv", postcodes)
    )
    assert result.exit_code == 0, result.stderr
    listed = [line for line in result.stdout.splitlines() if "is not a postcode" in line]
    assert listed[0].strip().startswith("line 14:") and listed[-1].strip().startswith("line 33:")
    assert len(listed) == 20
    assert "and 5 more refused rows" in result.stdout


@pytest.mark.parametrize(
    ("which", "header", "words"),
    [
        ("simd", "Data_Zone,Council_area,SIMD2016_Rank", "no SIMD 2020v2 rank column"),
        ("simd", "Zone,SIMD2020v2_Rank", "no data zone column"),
        ("sspl", "Postcode,DataZone2022Code", "no 2011 data zone column"),
        ("sspl", "Post_Town,DataZone2011Code", "no postcode column"),
    ],
)
def test_a_wrong_header_is_refused_and_nothing_changes(cli_db, db, tmp_path, which, header, words):
    assert (
        import_(cli_db, write_simd(tmp_path / "s.csv"), write_sspl(tmp_path / "p.csv")).exit_code
        == 0
    )
    before = current(db).id
    versions = db.scalar(select(func.count()).select_from(SimdVersion))
    simd_file = write_simd(tmp_path / "s2.csv", header=header if which == "simd" else "")
    sspl_file = write_sspl(tmp_path / "p2.csv", header=header if which == "sspl" else "")
    result = import_(cli_db, simd_file, sspl_file)
    assert result.exit_code == 2
    message = result.stderr.strip()
    assert len(message.splitlines()) == 1
    assert words in message and "nothing was changed" in message
    assert current(db).id == before
    assert db.scalar(select(func.count()).select_from(SimdVersion)) == versions
    assert zone_of(db, "KY3 9UE") == (ZONES[0], 7, QUINTILE[7], DECILE[7])


def test_a_database_error_part_way_leaves_the_old_version_current(
    cli_db, db, tmp_path, monkeypatch
):
    assert (
        import_(cli_db, write_simd(tmp_path / "s.csv"), write_sspl(tmp_path / "p.csv")).exit_code
        == 0
    )
    before = current(db).id
    versions = db.scalar(select(func.count()).select_from(SimdVersion))
    # The version and its zones are written before the postcodes; a postcode too long for
    # its column makes the database refuse the first batch of them.
    monkeypatch.setattr(simd, "_strict_postcode", lambda value: "TOO LONG TO STORE")
    result = import_(cli_db, write_simd(tmp_path / "s2.csv"), write_sspl(tmp_path / "p2.csv"))
    assert result.exit_code == 2
    assert "the database refused the import" in result.stderr
    assert "nothing was changed" in result.stderr
    assert current(db).id == before
    assert db.scalar(select(func.count()).select_from(SimdVersion)) == versions
    assert (
        db.scalar(select(func.count()).select_from(SimdZone).where(SimdZone.version_id != before))
        == 0
    )
    assert zone_of(db, "KY3 9UE") == (ZONES[0], 7, QUINTILE[7], DECILE[7])


def test_a_file_where_nothing_can_be_loaded_changes_nothing(cli_db, db, tmp_path):
    assert (
        import_(cli_db, write_simd(tmp_path / "s.csv"), write_sspl(tmp_path / "p.csv")).exit_code
        == 0
    )
    before = current(db).id
    bad = write_sspl(tmp_path / "p2.csv", [("KY3 9UE", "S01999999")])
    result = import_(cli_db, write_simd(tmp_path / "s2.csv"), bad)
    assert result.exit_code == 2
    assert "none of the 1 rows of p2.csv could be loaded" in result.stderr
    assert current(db).id == before


def test_a_second_import_replaces_the_first(cli_db, db, tmp_path):
    first = import_(cli_db, write_simd(tmp_path / "s.csv"), write_sspl(tmp_path / "p.csv"))
    assert first.exit_code == 0
    old = current(db).id
    reversed_ranks = [(z, str(13 - r)) for z, r in RANKS.items()]
    second = import_(
        cli_db,
        write_simd(tmp_path / "s2.csv", reversed_ranks),
        write_sspl(tmp_path / "p2.csv", list(POSTCODES.items())[:6]),
        "--edition",
        "SIMD 2020v2",
        "--vintage",
        "2011 data zones",
    )
    assert second.exit_code == 0, second.stderr
    new = current(db)
    assert new.id != old and new.postcodes_file == "p2.csv"
    assert db.scalars(select(SimdVersion.id).where(SimdVersion.current.is_(True))).all() == [new.id]
    # The old version is still recorded, for the figures that cite it; its rows are gone.
    assert db.get(SimdVersion, old).current is False
    assert (
        db.scalar(select(func.count()).select_from(SimdZone).where(SimdZone.version_id == old)) == 0
    )
    assert zone_of(db, "KY3 9UE") == (ZONES[0], 6, QUINTILE[6], DECILE[6])
    assert zone_of(db, "DD1 4RS") is None  # only in the first lookup


# -- placing postcodes, addresses, bodies and land ----------------------------------------


@pytest.mark.parametrize(
    ("text", "postcode"),
    [
        ("KY3 9UE", "KY3 9UE"),
        ("ky39ue", "KY3 9UE"),
        ("1 High Street, Kinghorn KY3 9UE", "KY3 9UE"),
        ("Flat 2/1, 10 Main Street, Glasgow G12 8LN, Scotland", "G12 8LN"),
        ("Unit 4B, Dock Road,\nLeith EH6  7AB", "EH6 7AB"),
        ("1 High Street, Kinghorn", None),
        ("", None),
        (None, None),
    ],
)
def test_normalise_postcode_finds_the_postcode_in_an_address(text, postcode):
    assert simd.normalise_postcode(text) == postcode


@pytest.fixture
def loaded(session, tmp_path) -> SimdVersion:
    """The twelve zones imported in the test's own transaction (rolled back afterwards)."""
    report = simd.import_files(
        session, simd=write_simd(tmp_path / "s.csv"), postcodes=write_sspl(tmp_path / "p.csv")
    )
    return report.version


def test_a_body_and_a_land_entry_are_placed_by_their_addresses(world, session, loaded):
    body = session.get(CommunityBody, world.body_id)
    placed = simd.body_placement(session, body)
    assert (placed.postcode, placed.data_zone, placed.rank) == ("KY3 9UE", ZONES[0], 7)
    assert (placed.quintile, placed.decile) == (QUINTILE[7], DECILE[7])
    assert placed.version.id == loaded.id
    assert placed.source.startswith("SIMD 2020v2, 2011 data zones, imported ")

    fife = session.scalar(select(Authority).where(Authority.code == "FIFE"))
    entry = LandEntry(
        authority_id=fife.id,
        name="Old school",
        address="Old School, Main Street, Glasgow G1 1JK",
        tenure="owned",
        import_key="name:old school",
    )
    session.add(entry)
    session.flush()
    land = simd.land_placement(session, entry)
    assert (land.data_zone, land.rank, land.quintile, land.decile) == (
        ZONES[8],
        3,
        QUINTILE[3],
        DECILE[3],
    )


def test_an_unknown_postcode_or_no_postcode_gives_none(session, loaded):
    assert simd.place(session, "ZE2 9QQ") is None
    assert simd.place(session, "1 High Street, Kinghorn") is None
    assert simd.place(session, None) is None


def test_nothing_is_placed_before_a_version_is_imported(session):
    assert simd.place(session, "KY3 9UE") is None


def test_place_many_places_a_list_in_one_query(session, connection, loaded):
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    texts = [*POSTCODES, "1 High Street, Kinghorn KY3 9UE", "ZE2 9QQ", "no postcode"]
    event.listen(connection, "before_cursor_execute", count)
    try:
        placed = simd.place_many(session, texts)
    finally:
        event.remove(connection, "before_cursor_execute", count)
    assert len(statements) == 1
    assert placed["1 High Street, Kinghorn KY3 9UE"].data_zone == ZONES[0]
    assert placed["ZE2 9QQ"] is None and placed["no postcode"] is None
    assert {pc: p.rank for pc, p in placed.items() if p and pc in POSTCODES} == {
        pc: RANKS[zone] for pc, zone in POSTCODES.items()
    }
