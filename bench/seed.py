"""Seed a scratch PostgreSQL database for the benchmarks (issue 13, "Benchmarks, one command").

    PYTHONPATH=. .venv/bin/python bench/seed.py [--scale N] [--if-stale]

The database is bench_<scale> (SCALE records on the register, default 100000), dropped and
made afresh on every run by the app's own migrations, then filled with COPY: 32 councils and
a dozen other authorities, community bodies, land, cases of both kinds across the years in
realistic states, their events (hash-chained as `casework.eventlog.record` chains them),
deadline rows (open and met), decisions, notices and the register records, which are most of
the rows because the register is what the public reads. One council (GLASGOW) has 3,200 open
cases, for the officer's queue. An officer of it and a member of one body get API tokens.

What was seeded is kept as JSON in the database's comment (`COMMENT ON DATABASE`): the
scale, the migration head and this file's hash, the tokens and the references the
benchmarks use. `--if-stale` does nothing when that comment matches the migrations and this
file. Only a database named bench_* is ever dropped.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import random
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import psycopg
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from casework.auth import issue_token
from casework.migrate import alembic_config, upgrade
from casework.models import User
from workflows import audit
from workflows.authorities import AUTHORITY_TYPES, AuthorityType

HERE = Path(__file__).resolve().parent
SERVER = os.environ.get("BENCH_PG", "postgresql://postgres@127.0.0.1:5432")
BIG = "GLASGOW"  # the authority with the long queue
BIG_OPEN = 3200  # its open (submitted, undecided or in progress) cases, whatever the scale
SEED = 13

COUNCILS = [
    ("ABERDEEN", "Aberdeen City Council"),
    ("ABERDEENSHIRE", "Aberdeenshire Council"),
    ("ANGUS", "Angus Council"),
    ("ARGYLL", "Argyll and Bute Council"),
    ("EDINBURGH", "The City of Edinburgh Council"),
    ("CLACKS", "Clackmannanshire Council"),
    ("ESIAR", "Comhairle nan Eilean Siar"),
    ("DUMGAL", "Dumfries and Galloway Council"),
    ("DUNDEE", "Dundee City Council"),
    ("EAYRSHIRE", "East Ayrshire Council"),
    ("EDUNBARTON", "East Dunbartonshire Council"),
    ("ELOTHIAN", "East Lothian Council"),
    ("ERENFREW", "East Renfrewshire Council"),
    ("FALKIRK", "Falkirk Council"),
    ("FIFE", "Fife Council"),
    ("GLASGOW", "Glasgow City Council"),
    ("HIGHLAND", "The Highland Council"),
    ("INVERCLYDE", "Inverclyde Council"),
    ("MIDLOTHIAN", "Midlothian Council"),
    ("MORAY", "The Moray Council"),
    ("NAYRSHIRE", "North Ayrshire Council"),
    ("NLANARK", "North Lanarkshire Council"),
    ("ORKNEY", "Orkney Islands Council"),
    ("PKC", "Perth and Kinross Council"),
    ("RENFREW", "Renfrewshire Council"),
    ("BORDERS", "Scottish Borders Council"),
    ("SHETLAND", "Shetland Islands Council"),
    ("SAYRSHIRE", "South Ayrshire Council"),
    ("SLANARK", "South Lanarkshire Council"),
    ("STIRLING", "Stirling Council"),
    ("WDUNBARTON", "West Dunbartonshire Council"),
    ("WLOTHIAN", "West Lothian Council"),
]
OTHERS = [
    ("NHSGGC", "NHS Greater Glasgow and Clyde", "health_board"),
    ("NHSLOTHIAN", "NHS Lothian", "health_board"),
    ("NHSHIGHLAND", "NHS Highland", "health_board"),
    ("NHSFIFE", "NHS Fife", "health_board"),
    ("POLICE", "Police Scotland", "police_scotland"),
    ("SFRS", "Scottish Fire and Rescue Service", "fire_and_rescue"),
    ("SEPA", "Scottish Environment Protection Agency", "sepa"),
    ("HIE", "Highlands and Islands Enterprise", "highlands_and_islands_enterprise"),
    ("LLTNP", "Loch Lomond and The Trossachs National Park Authority", "national_park_authority"),
    ("CAIRNGORMS", "Cairngorms National Park Authority", "national_park_authority"),
    ("NATURESCOT", "NatureScot", "naturescot"),
    ("SCOTWATER", "Scottish Water", "scottish_water"),
    ("CANALS", "Scottish Canals", "scottish_canals"),
    ("HES", "Historic Environment Scotland", "historic_environment_scotland"),
]
PLACES = [
    "Kinghorn",
    "Burntisland",
    "Aberfeldy",
    "Anstruther",
    "Arbroath",
    "Ardrossan",
    "Balloch",
    "Banchory",
    "Bathgate",
    "Biggar",
    "Blairgowrie",
    "Brechin",
    "Brora",
    "Callander",
    "Campbeltown",
    "Carnoustie",
    "Castlebay",
    "Crieff",
    "Cromarty",
    "Cumnock",
    "Dalkeith",
    "Dingwall",
    "Dornoch",
    "Drymen",
    "Dunbar",
    "Dunblane",
    "Dunoon",
    "Durness",
    "Ecclefechan",
    "Elgin",
    "Eyemouth",
    "Falkland",
    "Forfar",
    "Fort-Augustus",
    "Gairloch",
    "Galashiels",
    "Girvan",
    "Golspie",
    "Gourock",
    "Grantown",
    "Haddington",
    "Hawick",
    "Helensburgh",
    "Huntly",
    "Inveraray",
    "Irvine",
    "Jedburgh",
    "Keith",
    "Kelso",
    "Killin",
    "Kilmarnock",
    "Kingussie",
    "Kirkwall",
    "Lairg",
    "Langholm",
    "Largs",
    "Lerwick",
    "Linlithgow",
    "Lochgilphead",
    "Lockerbie",
    "Maybole",
    "Melrose",
    "Moffat",
    "Montrose",
    "Nairn",
    "Newtonmore",
    "Oban",
    "Peebles",
    "Pitlochry",
    "Portree",
    "Prestwick",
    "Rothesay",
    "Selkirk",
    "Stonehaven",
    "Stornoway",
    "Strathaven",
    "Tain",
    "Thurso",
    "Tobermory",
    "Troon",
    "Ullapool",
    "Wick",
    "Yetholm",
    "Govan",
    "Partick",
    "Drumchapel",
    "Easterhouse",
    "Castlemilk",
    "Pollokshields",
    "Springburn",
    "Maryhill",
    "Dennistoun",
    "Shettleston",
    "Possilpark",
    "Gorbals",
]
ASSETS = [
    "Town Hall",
    "Links Pavilion",
    "Library",
    "Community Woodland",
    "Allotments",
    "Pier",
    "Harbour Store",
    "Old Church",
    "Primary School",
    "Playing Fields",
    "Bowling Green",
    "Community Garden",
    "Public Toilets",
    "Bothy",
    "Lodge",
    "Depot",
    "Railway Station",
    "Swimming Pool",
    "Walled Garden",
    "Boathouse",
    "Lighthouse Cottage",
    "Drill Hall",
    "Police Station",
    "Fire Station",
    "Picture House",
    "Band Stand",
    "Curling Pond",
    "Smiddy",
    "Mill Lade",
    "Glebe Field",
    "Orchard",
    "Ferry Waiting Room",
    "Mart",
    "Museum",
    "Market Cross",
]
TOPICS = [
    "Safer routes to school",
    "Gritting the side streets",
    "Bus services in the evening",
    "Litter on the shore",
    "Mental health support for young people",
    "Opening hours of the library",
    "Sports for older people",
    "Speeding through the village",
    "Care at home",
    "Access to the GP surgery",
    "Flooding on the main road",
    "Dog fouling in the park",
    "Play parks for disabled children",
    "Empty shops on the high street",
    "Food larder provision",
    "Recycling collections",
    "Street lighting",
    "Fuel poverty",
    "Youth work",
    "Path maintenance",
]
BODY_FORMS = [
    ("{p} Community Council", "community_council"),
    ("{p} Development Trust", "company_limited_by_guarantee"),
    ("Friends of {p} {a}", "scio"),
    ("{p} Community Association", "scio"),
    ("{p} Heritage Society", "community_benefit_society"),
    ("{p} Men's Shed", "scio"),
]
STREETS = [
    "High Street",
    "Main Street",
    "Shore Road",
    "Station Road",
    "Church Lane",
    "Kirk Wynd",
    "Mill Brae",
]
WORDS = [
    "community",
    "benefit",
    "regeneration",
    "wellbeing",
    "volunteers",
    "heritage",
    "tourism",
    "sustainability",
    "inequality",
    "employment",
    "training",
    "youth",
    "elderly",
    "isolation",
    "accessibility",
    "biodiversity",
    "woodland",
    "renewable",
    "energy",
    "refurbishment",
    "maintenance",
    "insurance",
    "lease",
    "ownership",
    "covenant",
    "valuation",
    "funding",
    "lottery",
    "council",
    "tenants",
    "footfall",
    "economy",
    "health",
    "education",
    "sport",
    "culture",
    "environment",
    "transport",
    "housing",
    "childcare",
    "broadband",
    "ferry",
    "crofting",
    "fishing",
]
PR_REFUSALS = (
    "The authority considered that the request would not be likely to improve the outcome.",
    "The outcome improvement sought is already being delivered through the local plan.",
    "The body has not shown knowledge and expertise that the process would draw on.",
)
PR_PROCESS = ("new", "existing")


def words(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


# -- COPY in PostgreSQL's text format, a file per table ----------------------------------


def _cell(v: Any) -> str:
    if v is None:
        return "\\N"
    if isinstance(v, bool):
        return "t" if v else "f"
    if isinstance(v, (dict, list)):
        v = json.dumps(v, separators=(",", ":"))
    elif isinstance(v, dt.datetime):
        v = v.isoformat()
    s = str(v)
    if any(c in s for c in "\\\t\n\r"):
        s = s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return s


class Table:
    """Rows of one table written to a temporary file, loaded by one COPY later."""

    def __init__(self, folder: Path, name: str, columns: str) -> None:
        self.name, self.columns = name, columns
        self.path = folder / f"{name}.tsv"
        self.file = self.path.open("w", encoding="utf-8")
        self.rows = 0

    def add(self, *values: Any) -> None:
        self.file.write("\t".join(_cell(v) for v in values) + "\n")
        self.rows += 1

    def load(self, conn: psycopg.Connection, target: str | None = None) -> None:
        self.file.close()
        sql = f"COPY {target or self.name} ({self.columns}) FROM STDIN"
        with conn.cursor() as cur, self.path.open("rb") as f, cur.copy(sql) as copy:
            while chunk := f.read(1 << 20):
                copy.write(chunk)
        self.path.unlink()


# -- the world ------------------------------------------------------------------------------


class World:
    def __init__(self, scale: int, folder: Path, today: dt.date) -> None:
        self.scale, self.today = scale, today
        self.rng = random.Random(SEED)
        t = lambda name, cols: Table(folder, name, cols)  # noqa: E731
        self.t_auth = t("authorities", "id, code, name, type, email, address, created_at")
        self.t_body = t(
            "community_bodies",
            "id, name, contact_address, contact_email, community_definition, legal_form, "
            "member_count, designated, defines_community, majority_from_community, "
            "community_controls, open_membership, community_benefit_aims, "
            "surplus_for_community, asset_lock, created_at, updated_at",
        )
        self.t_land = t(
            "land",
            "id, authority_id, name, address, uprn, description, tenure, location, import_key, "
            "retired_on, created_at, updated_at",
        )
        self.t_case = t(
            "cases",
            "id, reference, kind, title, authority_id, community_body_id, state, version, "
            "created_at, updated_at, submitted_at, received_on, received_by, validated_on, "
            "validation_date, decided_on, closed_on, next_due_date",
        )
        self.t_pr = t(
            "participation_requests",
            "id, outcome, reasons, knowledge_and_experience, expected_improvement, "
            "process_type, decision_notice_on",
        )
        self.t_atr = t(
            "asset_transfer_requests",
            "id, land_id, land_description, transfer_type, reasons, benefits, proposed_price, "
            "other_terms, community_support, funding, terms_differ_significantly, decision, "
            "agreed_on",
        )
        self.t_decision = t(
            "decisions",
            "case_id, stage, outcome, reasons, considerations, details, decided_on, created_at",
        )
        self.t_deadline = t(
            "deadlines",
            "case_id, rule, key, party, duty, start_date, statutory_due_date, due_date, status, "
            "settled_on, explanation, citation, basis, computed_at",
        )
        self.t_event = t(
            "events", "id, case_id, type, occurred_at, actor, payload, prev_hash, hash"
        )
        self.t_notice = t(
            "notices",
            "case_id, kind, recipient_role, recipient, recipient_email, subject, body_text, "
            "body_html, citation, public, issued_on, event_id, created_at",
        )
        self.t_register = t(
            "register_records",
            "event_id, case_id, reference, kind, document, title, request_title, "
            "authority_code, authority_name, body_name, outcome, issued_on, citation, text, "
            "published_at, search_text",
        )
        self.authorities: list[tuple[int, str, str]] = []
        self.types: dict[int, AuthorityType] = {}
        self.bodies: list[tuple[int, str]] = []
        self.land: dict[int, list[tuple[int, str, str]]] = {}
        self.case_id = 0
        self.event_id = 0
        self.counters: dict[str, int] = {}
        self.records = 0
        self.meta: dict[str, Any] = {"detail_refs": [], "open_refs": []}

    # time helpers
    def at(self, day: dt.date) -> dt.datetime:
        secs = self.rng.randrange(8 * 3600, 18 * 3600)
        return dt.datetime.combine(day, dt.time(), dt.UTC) + dt.timedelta(seconds=secs)

    def event(
        self,
        case_id: int,
        head: list[str],
        type_: str,
        when: dt.datetime,
        actor: str,
        payload: dict[str, Any],
    ) -> int:
        self.event_id += 1
        prev = head[0]
        h = audit.event_hash(
            prev, case_id=case_id, type_=type_, actor=actor, occurred_at=when, payload=payload
        )
        head[0] = h
        self.t_event.add(self.event_id, case_id, type_, when, actor, payload, prev, h)
        return self.event_id

    def parties(self) -> None:
        rng = self.rng
        created = dt.datetime(2017, 1, 23, 9, tzinfo=dt.UTC)
        rows = [(c, n, "local_authority") for c, n in COUNCILS] + OTHERS
        for i, (code, name, type_) in enumerate(rows, 1):
            email = f"community.empowerment@{code.lower()}.example"
            self.t_auth.add(i, code, name, type_, email, f"{name}, Headquarters", created)
            self.authorities.append((i, code, name))
            self.types[i] = AUTHORITY_TYPES[type_]
        n_bodies = max(300, self.scale // 40)
        seen: set[str] = set()
        for i in range(1, n_bodies + 1):
            place = rng.choice(PLACES)
            form, legal = rng.choice(BODY_FORMS)
            name = form.format(p=place, a=rng.choice(ASSETS))
            if name in seen:
                name = f"{name} ({i})"
            seen.add(name)
            self.t_body.add(
                i,
                name,
                f"{rng.randrange(1, 90)} {rng.choice(STREETS)}, {place}",
                f"secretary{i}@bodies.example",
                f"People living in and around {place}",
                legal,
                rng.randrange(12, 400),
                False,
                True,
                True,
                True,
                True,
                True,
                True,
                legal != "community_council",
                created,
                created,
            )
            self.bodies.append((i, name))
        land_id = 0
        for auth_id, _code, _ in self.authorities:
            entries = []
            for _ in range(max(20, self.scale // 400)):
                land_id += 1
                place, asset = rng.choice(PLACES), rng.choice(ASSETS)
                name = f"{place} {asset}"
                address = f"{rng.randrange(1, 120)} {rng.choice(STREETS)}, {place}"
                self.t_land.add(
                    land_id,
                    auth_id,
                    name,
                    address,
                    None,
                    f"{asset} at {place}: {words(rng, 8)}",
                    rng.choice(("owned", "leased")),
                    None,
                    f"{name}|{address}|{land_id}",
                    None,
                    created,
                    created,
                )
                entries.append((land_id, name, address))
            self.land[auth_id] = entries

    def reference(self, prefix: str, code: str, year: int) -> str:
        key = f"{prefix}-{code}-{year}"
        self.counters[key] = self.counters.get(key, 0) + 1
        return f"{key}-{self.counters[key]:04d}"

    def publish(
        self,
        case: dict[str, Any],
        head: list[str],
        document: str,
        day: dt.date,
        citation: str,
        outcome: str | None,
        text: str,
    ) -> None:
        """A public notice, its notice.issued event and the register record it becomes."""
        when = self.at(day)
        label = (
            "Participation request"
            if case["kind"] == "participation_request"
            else ("Asset transfer request")
        )
        subject = f"{label}: {document.replace('_', ' ')}: {case['reference']}"
        ev = self.event(
            case["id"],
            head,
            "notice.issued",
            when,
            "Officer (officer)",
            {
                "kind": document,
                "recipient_role": "public",
                "citation": citation,
            },
        )
        self.t_notice.add(
            case["id"],
            document,
            "public",
            "Members of the public",
            None,
            subject,
            text,
            f"<p>{text}</p>",
            citation,
            True,
            day,
            ev,
            when,
        )
        published = when + dt.timedelta(seconds=self.rng.randrange(1, 600))
        self.t_register.add(
            ev,
            case["id"],
            case["reference"],
            case["kind"],
            document,
            subject,
            case["title"],
            case["code"],
            case["authority_name"],
            case["body_name"],
            outcome,
            day,
            citation,
            text,
            published,
            case["search_text"],
        )
        self.records += 1

    def deadline(
        self,
        case_id: int,
        rule: str,
        party: str,
        duty: bool,
        start: dt.date,
        due: dt.date,
        status: str,
        settled: dt.date | None,
        citation: str,
    ) -> None:
        self.t_deadline.add(
            case_id,
            rule,
            "",
            party,
            duty,
            start,
            due,
            due,
            status,
            settled,
            f"Deadline {rule}, counted from {start.isoformat()}.",
            citation,
            "G",
            dt.datetime.combine(start, dt.time(12), dt.UTC),
        )

    def case(
        self, authority: tuple[int, str, str], kind: str, state: str, received: dt.date
    ) -> None:
        """One case and everything the service would have written for it by now."""
        rng, today = self.rng, self.today
        self.case_id += 1
        cid = self.case_id
        auth_id, code, auth_name = authority
        body_id, body_name = rng.choice(self.bodies)
        pr = kind == "participation_request"
        prefix = "PR" if pr else "ATR"
        land = None if pr else rng.choice(self.land[auth_id])
        title = (
            f"{rng.choice(TOPICS)} in {rng.choice(PLACES)}"
            if pr
            else f"{rng.choice(('Ownership of', 'Lease of', 'Management of'))} {land[1]}"
        )
        c = {
            "id": cid,
            "kind": kind,
            "reference": self.reference(prefix, code, received.year),
            "title": title,
            "code": code,
            "authority_name": auth_name,
            "body_name": body_name,
            # What the publication actor writes for search: the land's name and address.
            "search_text": "" if land is None else f"{land[1]} {land[2]}",
        }
        head = [audit.GENESIS]
        created = self.at(received - dt.timedelta(days=rng.randrange(1, 20)))
        submitted = self.at(received)
        member = f"Secretary of {body_name} (community)"
        self.event(cid, head, "case.created", created, member, {"kind": kind, "state": "draft"})
        self.event(
            cid,
            head,
            "action.submit",
            submitted,
            member,
            {"from": "draft", "to": "submitted", "on": received.isoformat()},
        )
        ack = self.event(
            cid,
            head,
            "notice.issued",
            submitted,
            "Officer (officer)",
            {"kind": "acknowledgement", "recipient_role": "body"},
        )
        self.t_notice.add(
            cid,
            "acknowledgement",
            "body",
            body_name,
            f"secretary{body_id}@bodies.example",
            f"Acknowledgement: {c['reference']}",
            "We have received your request.",
            "<p>We have received your request.</p>",
            "SSI 2017/39 regs 4-5" if pr else "SSI 2016/357 reg 5; s.84",
            False,
            received,
            ack,
            submitted,
        )
        validated = received + dt.timedelta(days=rng.randrange(0, 12))
        is_validated = state not in ("submitted", "awaiting_information")
        if is_validated:
            self.event(
                cid,
                head,
                "action.validate",
                self.at(validated),
                "Officer (officer)",
                {"from": "submitted", "on": validated.isoformat()},
            )
        decide_rule, decide_cite = (
            ("pr.decision", "SSI 2017/39 reg 7") if pr else ("atr.decision", "SSI 2016/357 reg 10")
        )
        period = 56 if pr else 182
        due = validated + dt.timedelta(days=period)
        undecided = state in (
            "under_consideration",
            "validated",
            "representations_open",
            "not_determined",
        )
        decided_on = closed_on = next_due = None
        outcome = None
        if not pr and is_validated:
            reps_due = validated + dt.timedelta(days=28)
            self.deadline(
                cid,
                "atr.representations",
                "public",
                False,
                validated,
                reps_due,
                "open" if reps_due >= today else "closed",
                None,
                "SSI 2016/357 regs 6-7",
            )
            self.publish(
                c,
                head,
                "public_notice",
                validated,
                "SSI 2016/357 regs 7, 9",
                None,
                f"Notice of an asset transfer request for {land[1]}, {land[2]}. "
                f"Representations may be made. {words(rng, 20)}",
            )
        if undecided:
            self.deadline(
                cid, decide_rule, "authority", True, validated, due, "open", None, decide_cite
            )
            next_due = due
        elif is_validated:
            decided_on = min(
                validated + dt.timedelta(days=rng.randrange(14, period)),
                today - dt.timedelta(days=1),
            )
            self.deadline(
                cid, decide_rule, "authority", True, validated, due, "met", decided_on, decide_cite
            )
            agreed = state not in ("refused", "refused_pending", "under_review")
            outcome = "agreed" if agreed else "refused"
            reasons = (
                f"The request is agreed. {words(rng, 25)}"
                if agreed
                else f"{rng.choice(PR_REFUSALS)} {words(rng, 25)}"
            )
            self.t_decision.add(
                cid, "decision", outcome, reasons, {}, {}, decided_on, self.at(decided_on)
            )
            self.event(
                cid,
                head,
                "action.decide",
                self.at(decided_on),
                "Officer (officer)",
                {"outcome": outcome, "on": decided_on.isoformat()},
            )
            where = f" for {land[1]}, {land[2]}" if land else ""
            self.publish(
                c,
                head,
                "decision_notice",
                decided_on,
                "s.24; s.25; SSI 2017/39 regs 7-8" if pr else "s.82; SSI 2016/357 reg 10",
                outcome,
                f"Decision on the request by {body_name}{where}: {title}. {reasons}",
            )
            if state in FINAL:
                closed_on = (
                    decided_on
                    if not agreed
                    else min(decided_on + dt.timedelta(days=rng.randrange(60, 400)), today)
                )
            if pr and agreed:
                notice_on = decided_on + dt.timedelta(days=rng.randrange(20, 60))
                if notice_on < today:
                    self.publish(
                        c,
                        head,
                        "process_notice",
                        notice_on,
                        "s.26(5); SSI 2017/39 reg 9",
                        None,
                        f"The outcome improvement process for {title}. {words(rng, 30)}",
                    )
                if state == "completed" and closed_on:
                    self.publish(
                        c,
                        head,
                        "outcome_report",
                        closed_on,
                        "s.31",
                        None,
                        f"Outcome report: {title}. {words(rng, 40)}",
                    )
                if state == "establishing_process":
                    est = decided_on + dt.timedelta(days=rng.randrange(30, 120))
                    self.deadline(
                        cid,
                        "pr.process_establish",
                        "authority",
                        True,
                        decided_on,
                        est,
                        "open",
                        None,
                        "s.26(5)",
                    )
                    next_due = est
            if not pr:
                if state == "refused_pending":
                    rv = decided_on + dt.timedelta(days=42)
                    self.deadline(
                        cid,
                        "atr.review_or_appeal",
                        "body",
                        False,
                        decided_on,
                        rv,
                        "open",
                        None,
                        "SSI 2016/358 reg 3",
                    )
                    next_due = rv
                elif state == "agreed":
                    offer = decided_on + dt.timedelta(days=182)
                    self.deadline(
                        cid, "atr.offer", "body", False, decided_on, offer, "open", None, "s.83"
                    )
                    next_due = offer
                elif state in ("ownership_transferred", "lease_granted", "rights_granted"):
                    self.publish(
                        c,
                        head,
                        "outcome_notice",
                        closed_on or decided_on,
                        "s.83(7); s.84; s.95",
                        None,
                        f"The transfer of {land[1]} is complete. {words(rng, 15)}",
                    )
                elif state == "refused" and rng.random() < 0.3:
                    review_on = decided_on + dt.timedelta(days=rng.randrange(10, 40))
                    if review_on < today:
                        self.publish(
                            c,
                            head,
                            "review_application",
                            review_on,
                            "s.86-87; SSI 2016/358 reg 5",
                            None,
                            f"Application for review of the decision on {land[1]}.",
                        )
                        res = review_on + dt.timedelta(days=rng.randrange(30, 150))
                        if res < today:
                            self.publish(
                                c,
                                head,
                                "review_outcome",
                                res,
                                "s.86-87; SSI 2016/358 reg 5",
                                "confirm",
                                f"The review confirms the decision on {land[1]}. {words(rng, 20)}",
                            )
        self.t_case.add(
            cid,
            c["reference"],
            kind,
            title,
            auth_id,
            body_id,
            state,
            1 + len(head[0]) % 3,
            created,
            self.at(closed_on or decided_on or validated),
            submitted,
            received,
            "online",
            validated if is_validated else None,
            validated if is_validated else None,
            decided_on,
            closed_on,
            next_due,
        )
        if pr:
            self.t_pr.add(
                cid,
                f"Better {title.lower()}",
                words(rng, 20),
                words(rng, 15),
                words(rng, 15),
                rng.choice(PR_PROCESS) if decided_on else None,
                decided_on,
            )
        else:
            self.t_atr.add(
                cid,
                land[0],
                f"{land[1]}, {land[2]}",
                "ownership"
                if title.startswith("Ownership")
                else ("lease" if title.startswith("Lease") else "other_rights"),
                words(rng, 20),
                words(rng, 20),
                f"£{rng.randrange(1, 400) * 1000}",
                "None",
                words(rng, 10),
                words(rng, 10),
                False,
                outcome if outcome in ("agreed", "refused") else None,
                decided_on if outcome == "agreed" else None,
            )
        wanted = state in ("under_consideration", "representations_open")
        if code == BIG and wanted and len(self.meta["detail_refs"]) < 20:
            self.meta["detail_refs"].append(c["reference"])

    def is_pr(self, authority: tuple[int, str, str], share: float) -> bool:
        """A participation request with probability `share`, where the authority may
        take both kinds: only a public service authority (Schedule 2) takes participation
        requests, and only a relevant authority (Schedule 3) asset transfer requests."""
        kind = self.types[authority[0]]
        pr = self.rng.random() < share
        if pr and not kind.public_service_authority:
            return False
        if not pr and not kind.relevant_authority:
            return True
        return pr

    def generate(self) -> None:
        rng, today = self.rng, self.today
        self.parties()
        councils = self.authorities[: len(COUNCILS)]
        big = next(a for a in self.authorities if a[1] == BIG)
        # Open cases: the big council's queue, and a share everywhere else.
        others_open = max(200, self.scale // 25)
        for i in range(BIG_OPEN + others_open):
            authority = big if i < BIG_OPEN else rng.choice(self.authorities)
            pr = self.is_pr(authority, 0.55)
            state = rng.choice(OPEN_PR if pr else OPEN_ATR)
            # mostly within the decision period (56 days; 6 months for a transfer)
            span = 60 if state in ("submitted", "awaiting_information") else 70 if pr else 220
            received = today - dt.timedelta(days=rng.randrange(1, span))
            self.case(
                authority,
                "participation_request" if pr else "asset_transfer_request",
                state,
                received,
            )
        # Decided cases across the years, until the register holds `scale` records.
        first = dt.date(2017, 4, 1)
        days = (today - first).days - 30
        weights = [1.0 + 6 * i / 9 for i in range(10)]  # more each year, as use grows
        while self.records < self.scale:
            # the big council takes a larger share, like the cities do
            authority = (
                big
                if rng.random() < 0.04
                else rng.choice(councils if rng.random() < 0.8 else self.authorities)
            )
            pr = self.is_pr(authority, 0.5)
            state = rng.choice(DONE_PR if pr else DONE_ATR)
            year = rng.choices(range(10), weights)[0]
            received = first + dt.timedelta(days=min(days, int(days * (year + rng.random()) / 10)))
            if state in LATER and received < today - dt.timedelta(days=300):
                state = LATER[state]  # what is still in progress was decided lately
            self.case(
                authority,
                "participation_request" if pr else "asset_transfer_request",
                state,
                received,
            )


OPEN_PR = ("submitted", "awaiting_information", "under_consideration", "under_consideration")
OPEN_ATR = ("submitted", "validated", "representations_open", "representations_open")
DONE_PR = ("refused", "completed", "completed", "process_running", "establishing_process")
DONE_ATR = (
    "refused",
    "ownership_transferred",
    "lease_granted",
    "rights_granted",
    "agreed",
    "refused_pending",
)
LATER = {
    "process_running": "completed",
    "establishing_process": "completed",
    "agreed": "ownership_transferred",
    "refused_pending": "refused",
}
FINAL = {"refused", "completed", "ownership_transferred", "lease_granted", "rights_granted"}


# -- the database -------------------------------------------------------------------------


def database_name(scale: int) -> str:
    return f"bench_{scale}"


def checked(name: str) -> str:
    if not name.startswith("bench_") or not name.replace("_", "").isalnum():
        raise SystemExit(f"refusing to use database {name!r}: a bench database is named bench_*")
    return name


def url(name: str, driver: str = "postgresql") -> str:
    return SERVER.replace("postgresql://", f"{driver}://", 1).rstrip("/") + "/" + checked(name)


def fingerprint() -> dict[str, str]:
    """What a seeded database must match to be used as it is."""
    script = ScriptDirectory.from_config(alembic_config("postgresql://x/bench_x"))
    return {
        "head": ",".join(sorted(script.get_heads())),
        "seed": hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16],
    }


def read_meta(name: str) -> dict[str, Any] | None:
    with psycopg.connect(SERVER + "/postgres", autocommit=True) as conn:
        row = conn.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
            (checked(name),),
        ).fetchone()
    if row is None or not row[0]:
        return None
    try:
        return json.loads(row[0])
    except ValueError:
        return None


def is_fresh(name: str, scale: int) -> bool:
    meta = read_meta(name)
    return (
        bool(meta)
        and meta.get("scale") == scale
        and all(meta.get(k) == v for k, v in fingerprint().items())
    )


def recreate(name: str) -> None:
    with psycopg.connect(SERVER + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{checked(name)}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{checked(name)}"')


def seed(scale: int, name: str) -> dict[str, Any]:
    started = time.monotonic()
    recreate(name)
    upgrade(url(name, "postgresql+psycopg"))
    today = dt.datetime.now(dt.UTC).date()
    with tempfile.TemporaryDirectory(prefix="bench-seed-") as tmp:
        world = World(scale, Path(tmp), today)
        world.generate()
        generated = time.monotonic()
        with psycopg.connect(url(name)) as conn:
            for table in (
                world.t_auth,
                world.t_body,
                world.t_land,
                world.t_case,
                world.t_pr,
                world.t_atr,
                world.t_decision,
                world.t_deadline,
                world.t_event,
                world.t_notice,
            ):
                table.load(conn)
            # The register in order of publication, as the publication actor appends it.
            cols = world.t_register.columns
            conn.execute(
                f"CREATE TEMP TABLE stage_register AS SELECT {cols} FROM register_records "
                "WITH NO DATA"
            )
            world.t_register.load(conn, "stage_register")
            conn.execute(
                f"INSERT INTO register_records ({cols}) "
                f"SELECT {cols} FROM stage_register ORDER BY published_at"
            )
            with (
                conn.cursor() as cur,
                cur.copy("COPY reference_counters (prefix, last) FROM STDIN") as copy,
            ):
                for prefix, last in world.counters.items():
                    copy.write_row((prefix, last))
            for table, column in (
                ("authorities", "id"),
                ("community_bodies", "id"),
                ("land", "id"),
                ("cases", "id"),
                ("events", "id"),
            ):
                conn.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), "
                    f"(SELECT max({column}) FROM {table}))"
                )
        loaded = time.monotonic()
    tokens = people(name)
    with psycopg.connect(url(name), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
        counts = {
            t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("cases", "events", "deadlines", "notices", "register_records")
        }
        counts["big_open"] = conn.execute(
            "SELECT count(*) FROM cases c JOIN authorities a ON a.id = c.authority_id "
            "WHERE a.code = %s AND c.closed_on IS NULL AND c.submitted_at IS NOT NULL",
            (BIG,),
        ).fetchone()[0]
    meta = {
        "scale": scale,
        **fingerprint(),
        "seeded_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "today": today.isoformat(),
        "big_authority": BIG,
        "counts": counts,
        "seconds": {
            "generate": round(generated - started, 1),
            "load": round(loaded - generated, 1),
            "total": round(time.monotonic() - started, 1),
        },
        **tokens,
        "detail_refs": world.meta["detail_refs"],
    }
    with psycopg.connect(SERVER + "/postgres", autocommit=True) as conn:
        conn.execute(
            f'COMMENT ON DATABASE "{checked(name)}" IS '
            + conn.execute("SELECT quote_literal(%s)", (json.dumps(meta),)).fetchone()[0]
        )
    return meta


def people(name: str) -> dict[str, str]:
    """An officer of the big council and a member of one body, each with an API token."""
    engine = create_engine(url(name, "postgresql+psycopg"))
    with Session(engine) as s:
        big_id = s.execute(
            text("SELECT id FROM authorities WHERE code = :c"),
            {"c": BIG},
        ).scalar_one()
        officer = User(
            email="officer@bench.example", name="Bench Officer", role="officer", authority_id=big_id
        )
        member = User(
            email="member@bench.example", name="Bench Member", role="community", community_body_id=1
        )
        s.add_all([officer, member])
        s.flush()
        tokens = {
            "officer_token": issue_token(s, officer, "bench"),
            "member_token": issue_token(s, member, "bench"),
        }
        s.commit()
    engine.dispose()
    return tokens


def main(argv: Iterable[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--scale", type=int, default=int(os.environ.get("SCALE", 100_000)))
    p.add_argument("--database", help="default bench_<scale>; must start with bench_")
    p.add_argument(
        "--if-stale",
        action="store_true",
        help="seed only if the database is missing or older than the migrations",
    )
    a = p.parse_args(list(argv) if argv is not None else None)
    if a.scale < 1000:
        p.error("--scale must be at least 1000")
    name = checked(a.database or database_name(a.scale))
    if a.if_stale and is_fresh(name, a.scale):
        print(f"{name}: already seeded at {a.scale} for these migrations")
        return 0
    print(f"seeding {name} at {a.scale} register records ...", flush=True)
    meta = seed(a.scale, name)
    print(
        f"{name}: {json.dumps(meta['counts'])} in {meta['seconds']['total']} s "
        f"(generate {meta['seconds']['generate']} s, load {meta['seconds']['load']} s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
