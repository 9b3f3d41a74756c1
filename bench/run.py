"""The service against a bare Flask + psycopg baseline, measured with wrk (issue 13).

    make bench [SCALE=1000000], or:
    PYTHONPATH=. .venv/bin/python bench/run.py [--scale N] [--duration 10] [--connections 8]

Needs the database bench/seed.py made (bench_<scale>), wrk, PostgreSQL and Redis. It starts
`casework serve` (production settings: PostgreSQL, Redis db 15 in a namespace of its own,
no worker processes, so nothing consumes the outbox while it is measured) and
bench/baseline.py, each on a free port, and for each measure runs wrk against the service
and then the baseline (a warm-up first, each time), so both see the same machine state.
Then the whole-register CSV (time and the server's peak RSS, against `psql \\copy` of the
same rows) and the deadline sweep (on a copy of the database, against the raw SQL that finds
the actionable rows). It prints one table, and writes it to bench/latest.md and the figures
to bench/results/run.json. With --pipeline JSON (bench/pipeline.py's output) the event
pipeline's line is added to the table.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import datetime as dt
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import redis
import seed  # bench/ is on sys.path when this file is run as a script

HERE = Path(__file__).resolve().parent
CASEWORK = str(Path(sys.executable).with_name("casework"))
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")
PAGE = 25
CSV_RUNS = 3  # downloads of the whole CSV on each side; the median's time is shown
SEARCH_WORD = "pavilion"  # in land names (Links Pavilion), so in titles and decision text


@dataclass
class Options:
    scale: int
    duration: int
    warmup: int
    connections: int
    threads: int
    pipeline: Path | None
    output: Path
    markdown: Path
    note: str


def parse(argv: list[str] | None) -> Options:
    p = argparse.ArgumentParser(description="The service against the bare baseline, with wrk.")
    p.add_argument("--scale", type=int, default=int(os.environ.get("SCALE", 100_000)))
    p.add_argument("--duration", type=int, default=10, help="seconds of wrk per measure")
    p.add_argument("--warmup", type=int, default=2, help="seconds of wrk before each")
    p.add_argument("--connections", type=int, default=8)
    p.add_argument("--threads", type=int, default=2, help="wrk threads")
    p.add_argument("--pipeline", type=Path, help="bench/pipeline.py's JSON, for its line")
    p.add_argument("--output", type=Path, default=HERE / "results" / "run.json")
    p.add_argument("--markdown", type=Path, default=HERE / "latest.md")
    p.add_argument("--note", default="", help="a line put above the table in the Markdown")
    a = p.parse_args(argv)
    return Options(
        a.scale,
        a.duration,
        a.warmup,
        a.connections,
        a.threads,
        a.pipeline,
        a.output,
        a.markdown,
        a.note,
    )


# -- processes ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_kib(pid: int, key: str = "VmRSS") -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise KeyError(key)


@dataclass
class Server:
    name: str
    proc: subprocess.Popen[bytes]
    base: str
    log: Path


@dataclass
class Processes:
    folder: Path
    running: list[Server] = field(default_factory=list)

    def start(self, name: str, argv: list[str], env: dict[str, str], port: int) -> Server:
        log = self.folder / f"{name}.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(
                argv,
                env=env,
                start_new_session=True,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        server = Server(name, proc, f"http://127.0.0.1:{port}", log)
        self.running.append(server)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"{name} stopped:\n{log.read_text(errors='replace')[-3000:]}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                return server
            time.sleep(0.1)
        raise TimeoutError(f"{name} did not listen on {port}")

    def stop(self, server: Server) -> None:
        if server.proc.poll() is None:
            os.killpg(server.proc.pid, signal.SIGTERM)
            try:
                server.proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(server.proc.pid, signal.SIGKILL)
                server.proc.wait(5)
        self.running.remove(server)

    def stop_all(self) -> None:
        for s in list(self.running):
            self.stop(s)


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=120) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


# -- wrk ------------------------------------------------------------------------------------

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    if not m:
        raise ValueError(text)
    return float(m.group(1)) * _UNITS[m.group(2)]


def parse_wrk(out: str) -> dict[str, Any]:
    """p50, p99 (ms), requests a second and errors from `wrk --latency` output."""
    result: dict[str, Any] = {"errors": 0}
    for pct, key in (("50", "p50"), ("99", "p99")):
        m = re.search(rf"^\s+{pct}(?:\.000)?%\s+(\S+)", out, re.M)
        result[key] = _ms(m.group(1)) if m else None
    m = re.search(r"Requests/sec:\s+([\d.]+)", out)
    result["rps"] = float(m.group(1)) if m else 0.0
    m = re.search(r"(\d+) requests in", out)
    result["requests"] = int(m.group(1)) if m else 0
    for pattern in (r"Non-2xx or 3xx responses: (\d+)", r"Socket errors:.*timeout (\d+)"):
        m = re.search(pattern, out)
        if m:
            result["errors"] += int(m.group(1))
    return result


@dataclass
class Measure:
    key: str
    label: str
    service: str  # a path on the service
    baseline: str  # the same answer's path on the baseline
    token: str | None = None
    script: Path | None = None


def wrk(opts: Options, url: str, seconds: int, token: str | None, script: Path | None) -> str:
    argv = [
        "wrk",
        "--latency",
        "-t",
        str(opts.threads),
        "-c",
        str(opts.connections),
        "-d",
        f"{seconds}s",
        "--timeout",
        "30s",
    ]
    env = dict(os.environ)
    if token:
        argv += ["-H", f"Authorization: Bearer {token}"]
        env["BENCH_TOKEN"] = token
    if script:
        argv += ["-s", str(script)]
    done = subprocess.run([*argv, url], capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed: {done.stderr or done.stdout}")
    return done.stdout


def measure(opts: Options, m: Measure, service: Server, baseline: Server) -> dict[str, Any]:
    out: dict[str, Any] = {"label": m.label, "service_path": m.service, "baseline_path": m.baseline}
    for side, server, path in (("service", service, m.service), ("baseline", baseline, m.baseline)):
        url = server.base + path
        if opts.warmup:
            wrk(opts, url, opts.warmup, m.token, m.script)
        out[side] = parse_wrk(wrk(opts, url, opts.duration, m.token, m.script))
        print(
            f"  {m.key:<18} {side:<8} p50 {fmt_ms(out[side]['p50'])} p99 "
            f"{fmt_ms(out[side]['p99'])} {out[side]['rps']:8.1f} req/s"
            + (f"  ({out[side]['errors']} errors)" if out[side]["errors"] else ""),
            flush=True,
        )
    return out


def fmt_ms(v: float | None) -> str:
    if v is None:
        return "-"
    return f"{v / 1000:.2f} s" if v >= 1000 else f"{v:.1f} ms" if v >= 10 else f"{v:.2f} ms"


# -- the measures ----------------------------------------------------------------------------


def keyset_cursor(conn: psycopg.Connection, offset: int) -> str:
    """The baseline's cursor for the page that starts at `offset` in the register's order."""
    row = conn.execute(
        "SELECT published_at, id FROM register_records WHERE document = ANY(%s) "
        "ORDER BY published_at DESC, id DESC OFFSET %s LIMIT 1",
        (
            list(("decision_notice", "review_outcome", "appeal_outcome", "annual_report")),
            offset - 1,
        ),
    ).fetchone()
    return base64.urlsafe_b64encode(f"{row[0].isoformat()}|{row[1]}".encode()).decode()


def deep_paths(service: Server, conn: psycopg.Connection) -> tuple[str, str, str]:
    """The deep page: page 1000 (or 80% of the way down, on a smaller register). The service
    is asked the way it pages today: by its `next` link if it gives one, else by page."""
    _, body = get(service.base + f"/api/v1/register/decisions?page_size={PAGE}")
    page1 = json.loads(body)
    total = page1.get("total") or 0
    page = max(2, min(1000, int(total * 0.8) // PAGE))
    cursor = keyset_cursor(conn, (page - 1) * PAGE)
    base_path = "/api/v1/register/decisions?" + urllib.parse.urlencode(
        {"page_size": PAGE, "cursor": cursor}
    )
    nxt = page1.get("next") or (page1.get("links") or {}).get("next")
    if nxt:
        # Follow the links to the page (the cursor is the service's own; one walk, untimed).
        def local(link: str) -> str:  # the link may name BASE_URL's host: ask this server
            parts = urllib.parse.urlsplit(link)
            return parts.path + ("?" + parts.query if parts.query else "")

        for _ in range(page - 2):
            _, body = get(service.base + local(nxt))
            data = json.loads(body)
            nxt = data.get("next") or (data.get("links") or {}).get("next")
        return local(nxt), base_path, f"page {page}; service by its next link, baseline by cursor"
    return (
        f"/api/v1/register/decisions?page={page}&page_size={PAGE}",
        base_path,
        f"page {page}; service by ?page= (it has no cursor yet), baseline by cursor",
    )


def pick_case(service: Server, baseline: Server, refs: list[str], token: str) -> str:
    for ref in refs:
        path = f"/api/v1/cases/{ref}"
        auth = {"Authorization": f"Bearer {token}"}
        if get(service.base + path, auth)[0] == 200 and get(baseline.base + path, auth)[0] == 200:
            return ref
    raise RuntimeError("no seeded case opens on both servers")


def check(server: Server, m: Measure) -> None:
    """Every measured request answers 2xx on both sides before it is timed."""
    headers = {"Authorization": f"Bearer {m.token}"} if m.token else {}
    if m.script:  # the one POST: the body the Lua script sends
        body = re.search(r"wrk.body = '(.*)'", m.script.read_text()).group(1).encode()
        req = urllib.request.Request(
            server.base + m.service,
            data=body,
            method="POST",
            headers={**headers, "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                status, answer = r.status, r.read()
        except urllib.error.HTTPError as e:
            status, answer = e.code, e.read()
        if status != 201:
            raise RuntimeError(f"{server.name} {m.key}: HTTP {status}: {answer[:300]!r}")
        return
    status, body = get(
        server.base + (m.service if server.name == "service" else m.baseline), headers
    )
    if status >= 300:
        raise RuntimeError(f"{server.name} {m.key}: HTTP {status}: {body[:300]!r}")


def csv_download(server: Server, path: str) -> dict[str, Any]:
    """Time one whole download, and the server's RSS before, at its peak during, and its
    VmHWM (the process's lifetime peak) after."""
    before = rss_kib(server.proc.pid)
    peak = [before]
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            with contextlib.suppress(OSError, KeyError):
                peak[0] = max(peak[0], rss_kib(server.proc.pid))
            time.sleep(0.02)

    t = threading.Thread(target=sample, daemon=True)
    t.start()
    start = time.perf_counter()
    rows = size = 0
    with urllib.request.urlopen(server.base + path, timeout=600) as r:
        while chunk := r.read(1 << 16):
            size += len(chunk)
            rows += chunk.count(b"\n")
    seconds = time.perf_counter() - start
    stop.set()
    t.join()
    return {
        "seconds": seconds,
        "rows": rows - 1,
        "bytes": size,
        "rss_before_kib": before,
        "rss_peak_kib": peak[0],
        "hwm_kib": rss_kib(server.proc.pid, "VmHWM"),
    }


def median_of(once: Callable[[], dict[str, Any]], times: int = CSV_RUNS) -> dict[str, Any]:
    """Of `times` runs, the one of median time, with the highest RSS seen in any of them:
    one download is too short a sample on a small register."""
    runs = sorted((once() for _ in range(times)), key=lambda r: r["seconds"])
    middle = dict(runs[len(runs) // 2])
    for key in ("rss_peak_kib", "hwm_kib"):
        if key in middle:
            middle[key] = max(r[key] for r in runs)
    middle["runs_seconds"] = [r["seconds"] for r in runs]
    return middle


def psql_copy(dbname: str) -> dict[str, Any]:
    """`psql \\copy` of the same rows and columns, to a file: the floor for the CSV."""
    out = Path(tempfile.mkstemp(prefix="bench-copy-", suffix=".csv")[1])
    sql = (
        "\\copy (SELECT id, 'http://casework.bench/register/' || id, reference, kind, document, "
        "title, authority_code, authority_name, body_name, coalesce(outcome, ''), issued_on, "
        "citation, published_at FROM register_records WHERE document IN ('decision_notice', "
        "'review_outcome', 'appeal_outcome', 'annual_report') ORDER BY published_at DESC, "
        f"id DESC) TO '{out}' WITH (FORMAT csv, HEADER)"
    )
    server = seed.SERVER
    start = time.perf_counter()
    subprocess.run(["psql", "-X", "-q", "-d", f"{server}/{dbname}", "-c", sql], check=True)
    seconds = time.perf_counter() - start
    rows = sum(1 for _ in out.open("rb")) - 1
    out.unlink()
    return {"seconds": seconds, "rows": rows}


# -- the sweep ------------------------------------------------------------------------------

SWEEP_CHILD = r"""
import json, resource, sys, time
from casework.config import Settings
from notifications import outbox, runtime
from notifications.reminders import sweep
outbox.install()
rt = runtime.configure(Settings.from_env())
s = rt.settings
hwm0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
result = sweep(rt.sessions, rt.clock.today(), rt.law, s.reminder_offsets,
               s.report_reminder_offsets)
seconds = time.perf_counter() - start
# Again at once, as the scheduler's next minute does: everything due is done, so this is
# the cost of finding that nothing is (the figure to hold against the raw SQL).
start = time.perf_counter()
again = sweep(rt.sessions, rt.clock.today(), rt.law, s.reminder_offsets,
              s.report_reminder_offsets)
print(json.dumps({"seconds": seconds, "result": result, "maxrss_kib_before": hwm0,
                  "again_seconds": time.perf_counter() - start, "again": again,
                  "maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


def raw_sweep_sql(url: str, env: dict[str, str]) -> dict[str, Any]:
    """The indexed SQL that finds every row the sweep acts on: the statutory lanes' cases,
    the deadlines at a reminder point, and the duties overdue and not yet escalated."""
    from casework.config import Settings
    from casework.sweep import lanes
    from notifications.reminders import _horizon

    settings = Settings.from_env(env)  # the reminder offsets the sweep will use
    today = dt.datetime.now(dt.UTC).date()
    horizon = _horizon(today, max(settings.reminder_offsets))
    lane_sql = " UNION ".join(
        "SELECT d.case_id FROM deadlines d JOIN cases c ON c.id = d.case_id "
        f"WHERE d.rule = '{lane.rule}' AND d.status = 'open' AND d.due_date < %(today)s "
        f"AND c.kind = '{lane.kind}' AND c.state IN ({', '.join(repr(s) for s in lane.states)})"
        for lane in lanes()
    )
    queries = [
        lane_sql,
        "SELECT d.id, d.case_id FROM deadlines d WHERE d.status = 'open' AND d.due_date >= "
        "%(today)s AND d.due_date <= %(horizon)s AND NOT EXISTS (SELECT 1 FROM reminders r "
        "WHERE r.deadline_id = d.id AND r.kind = 'reminder' AND r.due_date = d.due_date)",
        "SELECT d.id, d.case_id FROM deadlines d WHERE d.status = 'open' AND d.duty AND "
        "d.due_date < %(today)s AND NOT EXISTS (SELECT 1 FROM reminders r WHERE r.deadline_id "
        "= d.id AND r.kind = 'overdue' AND r.due_date = d.due_date)",
    ]
    best, rows = float("inf"), []
    with psycopg.connect(url) as conn:
        for _ in range(3):
            start = time.perf_counter()
            rows = [
                len(conn.execute(q, {"today": today, "horizon": horizon}).fetchall())
                for q in queries
            ]
            best = min(best, time.perf_counter() - start)
    return {
        "seconds": best,
        "rows": {"statutory": rows[0], "reminders": rows[1], "escalations": rows[2]},
    }


def sweep_measure(dbname: str, env: dict[str, str]) -> dict[str, Any]:
    """On a copy of the bench database (the sweep writes), made from it as a template."""
    copy = seed.checked(f"{dbname}_sweep")
    with psycopg.connect(seed.SERVER + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{copy}" TEMPLATE "{dbname}"')
    try:
        child_env = {**env, "DATABASE_URL": seed.url(copy, "postgresql+psycopg")}
        raw = raw_sweep_sql(seed.url(copy), child_env)
        done = subprocess.run(
            [sys.executable, "-c", SWEEP_CHILD],
            env=child_env,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"the sweep failed:\n{done.stderr[-3000:]}")
        service = json.loads(done.stdout.strip().splitlines()[-1])
    finally:
        with psycopg.connect(seed.SERVER + "/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)')
    return {"service": service, "raw": raw}


# -- the run --------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        "unknown",
    )
    return {"nproc": os.cpu_count(), "model": model, "loadavg": list(os.getloadavg())}


@contextlib.contextmanager
def servers(
    opts: Options, dbname: str
) -> Iterator[tuple[Processes, Server, Server, dict[str, str]]]:
    namespace = f"bench-{uuid.uuid4().hex[:10]}"
    folder = Path(tempfile.mkdtemp(prefix="casework-bench-run-"))
    procs = Processes(folder)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CASEWORK_", "JOB_"))}
    env.update(
        DATABASE_URL=seed.url(dbname, "postgresql+psycopg"),
        REDIS_URL=REDIS_URL,
        REDIS_NAMESPACE=namespace,
        CASEWORK_INSTANCE=str(folder),
        SECRET_KEY="bench",
        BASE_URL="http://casework.bench",
        PYTHONUNBUFFERED="1",
    )
    env.pop("SMTP_URL", None)
    try:
        sp, bp = free_port(), free_port()
        service = procs.start("service", [CASEWORK, "serve", "--port", str(sp)], env, sp)
        baseline = procs.start(
            "baseline",
            [
                sys.executable,
                str(HERE / "baseline.py"),
                "--database-url",
                seed.url(dbname),
                "--port",
                str(bp),
            ],
            env,
            bp,
        )
        yield procs, service, baseline, env
    except BaseException:
        for log in sorted(folder.glob("*.log")):
            print(f"== {log.name}\n{log.read_text(errors='replace')[-3000:]}", file=sys.stderr)
        raise
    finally:
        procs.stop_all()
        client = redis.Redis.from_url(REDIS_URL)
        keys = list(client.scan_iter(f"{namespace}:*"))
        if keys:
            client.delete(*keys)
        client.close()
        shutil.rmtree(folder, ignore_errors=True)


def run(opts: Options) -> dict[str, Any]:
    dbname = seed.database_name(opts.scale)
    meta = seed.read_meta(dbname)
    if not meta or not seed.is_fresh(dbname, opts.scale):
        raise SystemExit(f"{dbname} is missing or stale: run bench/seed.py --scale {opts.scale}")
    before = machine()
    officer, member = meta["officer_token"], meta["member_token"]
    results: dict[str, Any] = {
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "scale": opts.scale,
        "seed": {"counts": meta["counts"], "seeded_at": meta["seeded_at"]},
        "config": {
            "duration": opts.duration,
            "warmup": opts.warmup,
            "connections": opts.connections,
            "wrk_threads": opts.threads,
        },
        "machine": before,
        "measures": {},
    }
    with (
        servers(opts, dbname) as (procs, service, baseline, env),
        psycopg.connect(seed.url(dbname)) as conn,
    ):
        deep_service, deep_baseline, deep_how = deep_paths(service, conn)
        ref = pick_case(service, baseline, meta["detail_refs"], officer)
        big = meta["big_authority"]
        register = "/api/v1/register/decisions"
        measures = [
            Measure(
                "register_page1",
                "register JSON page 1",
                f"{register}?page_size={PAGE}",
                f"{register}?page_size={PAGE}",
            ),
            Measure(
                "register_authority",
                f"register filtered by authority ({big})",
                f"{register}?authority={big}&page_size={PAGE}",
                f"{register}?authority={big}&page_size={PAGE}",
            ),
            Measure(
                "register_deep", f"register deep page, {deep_how}", deep_service, deep_baseline
            ),
            Measure(
                "register_search",
                f"register word search q={SEARCH_WORD}",
                f"{register}?q={SEARCH_WORD}&page_size={PAGE}",
                f"{register}?q={SEARCH_WORD}&page_size={PAGE}",
            ),
            Measure(
                "queue",
                f"officer queue API ({meta['counts']['big_open']} open cases)",
                f"/api/v1/cases?page_size={PAGE}",
                f"/api/v1/cases?page_size={PAGE}",
                officer,
            ),
            Measure(
                "case_detail",
                f"one case's detail ({ref})",
                f"/api/v1/cases/{ref}",
                f"/api/v1/cases/{ref}",
                officer,
            ),
            Measure(
                "create_draft",
                "create a draft (POST)",
                "/api/v1/cases",
                "/api/v1/cases",
                member,
                HERE / "create_draft.lua",
            ),
        ]
        for m in measures:
            check(service, m)
            check(baseline, m)
        print(
            f"wrk: {opts.duration}s per measure after {opts.warmup}s warm-up, "
            f"{opts.connections} connections, {opts.threads} threads",
            flush=True,
        )
        for m in measures:
            results["measures"][m.key] = measure(opts, m, service, baseline)
        results["service_hwm_kib_after_http"] = rss_kib(service.proc.pid, "VmHWM")
        print(f"CSV: the whole register's decisions, {CSV_RUNS} times on each side ...", flush=True)
        results["csv"] = {
            "service": median_of(lambda: csv_download(service, "/register/decisions.csv")),
            "baseline": median_of(lambda: csv_download(baseline, "/register/decisions.csv")),
            "psql_copy": median_of(lambda: psql_copy(dbname)),
        }
        results["service_hwm_kib"] = rss_kib(service.proc.pid, "VmHWM")
        procs.stop_all()  # the copy for the sweep needs the database to itself
        conn.close()
        print("sweep: on a copy of the database ...", flush=True)
        results["sweep"] = sweep_measure(dbname, env)
    if opts.pipeline and opts.pipeline.exists():
        results["pipeline"] = json.loads(opts.pipeline.read_text())
    results["machine_after"] = machine()
    return results


def ratio(s: float, b: float) -> str:
    return f"{s / b:.2f}" if b else "-"


def table(r: dict[str, Any]) -> str:
    """One Markdown table: every measure, the service against the baseline."""
    lines = [
        "| measure | service p50 | service p99 | service req/s | baseline p50 | baseline p99 "
        "| baseline req/s | ratio (service/baseline req/s) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for m in r["measures"].values():
        s, b = m["service"], m["baseline"]
        err = ""
        if s["errors"] or b["errors"]:
            err = f" (errors: service {s['errors']}, baseline {b['errors']})"
        lines.append(
            f"| {m['label']}{err} | {fmt_ms(s['p50'])} | {fmt_ms(s['p99'])} | {s['rps']:.1f} | "
            f"{fmt_ms(b['p50'])} | {fmt_ms(b['p99'])} | {b['rps']:.1f} | "
            f"{ratio(s['rps'], b['rps'])} |"
        )
    c = r["csv"]
    sv, bl, cp = c["service"], c["baseline"], c["psql_copy"]
    lines.append(
        f"| whole-register decisions CSV, {sv['rows']} rows, median of {CSV_RUNS} downloads: "
        f"time; server RSS before → peak | {sv['seconds']:.2f} s | {sv['rss_before_kib'] / 1024:.0f} → "
        f"{sv['rss_peak_kib'] / 1024:.0f} MiB | | {bl['seconds']:.2f} s (`psql \\copy` "
        f"{cp['seconds']:.2f} s, {cp['rows']} rows) | {bl['rss_before_kib'] / 1024:.0f} → "
        f"{bl['rss_peak_kib'] / 1024:.0f} MiB | | {sv['seconds'] / cp['seconds']:.1f} times "
        f"`\\copy`'s time |"
    )
    sw = r["sweep"]
    res = sw["service"]["result"]
    raw = sw["raw"]
    lines.append(
        f"| deadline sweep, `notifications.reminders.sweep` ({res.get('actions', 0)} "
        f"actions, {res.get('reminders', 0)} reminders, {res.get('escalations', 0)} "
        f"escalations): time; process peak RSS | {sw['service']['seconds']:.2f} s | "
        f"{sw['service']['maxrss_kib'] / 1024:.0f} MiB | | raw SQL finding the rows "
        f"({raw['rows']['statutory']} + {raw['rows']['reminders']} + "
        f"{raw['rows']['escalations']}): {raw['seconds'] * 1000:.0f} ms | | | "
        f"{sw['service']['seconds'] / raw['seconds']:.0f} times the raw SQL's time |"
    )
    if "again_seconds" in sw["service"]:
        again = sw["service"]["again"]
        lines.append(
            f"| the same sweep a minute later, nothing new due ({again.get('actions', 0)} "
            f"actions, {again.get('reminders', 0)} reminders, {again.get('escalations', 0)} "
            f"escalations): time | {sw['service']['again_seconds']:.2f} s | | | raw SQL "
            f"finding the rows: {raw['seconds'] * 1000:.0f} ms | | | "
            f"{sw['service']['again_seconds'] / raw['seconds']:.1f} times the raw SQL's time |"
        )
    if "pipeline" in r:
        t, lat = r["pipeline"]["throughput"], r["pipeline"]["latency_ms"]["register"]
        lines.append(
            f"| event pipeline, bench/pipeline.py ({r['pipeline']['config']['events']} "
            f"decisions; decision to register p50 {lat['p50']:.0f} ms, p95 {lat['p95']:.0f} ms)"
            f" | | | {t['pipeline_events_per_second']:.1f} events/s | bare dramatiq doing the "
            f"same work (register row, email) | | {t['bare_events_per_second']:.1f} events/s | {t['ratio']:.3f} |"
        )
    m, after = r["machine"], r["machine_after"]
    hwm = r["service_hwm_kib"] / 1024
    head = [
        f"Scale {r['scale']} register records ({r['seed']['counts']['cases']} cases, "
        f"{r['seed']['counts']['events']} events, {r['seed']['counts']['deadlines']} deadlines); "
        f"wrk {r['config']['duration']} s per measure after {r['config']['warmup']} s warm-up, "
        f"{r['config']['connections']} connections, {r['config']['wrk_threads']} threads; "
        f"{r['when']}.",
        f"Machine: {m['nproc']} CPUs, {m['model']}; load average {m['loadavg'][0]:.2f} "
        f"{m['loadavg'][1]:.2f} {m['loadavg'][2]:.2f} before, {after['loadavg'][0]:.2f} "
        f"{after['loadavg'][1]:.2f} {after['loadavg'][2]:.2f} after.",
        f"The service's web process peak RSS (VmHWM): {hwm:.0f} MiB "
        f"({r['service_hwm_kib_after_http'] / 1024:.0f} MiB before the CSV).",
        "",
    ]
    return "\n".join(head + lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    opts = parse(argv)
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install -y wrk (make bench does)")
    results = run(opts)
    text = table(results)
    print("\n" + text)
    opts.output.parent.mkdir(parents=True, exist_ok=True)
    opts.output.write_text(json.dumps(results, indent=2) + "\n")
    note = f"{opts.note}\n\n" if opts.note else ""
    opts.markdown.write_text("# Latest benchmark\n\n" + note + text)
    print(f"written to {opts.markdown} and {opts.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
