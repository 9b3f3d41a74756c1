"""Benchmark of the event pipeline (issue 4, "Benchmark").

    make bench, or: PYTHONPATH=. .venv/bin/python bench/pipeline.py [--events N] [--threads N] [--workers N]

Everything is real: a PostgreSQL database of its own (built by the migrations), a Redis
namespace of its own, `casework worker` processes, and an SMTP server on loopback
(aiosmtpd's Sink, in its own process), so each decision is both published and emailed.
It prints, and writes to bench/results/pipeline.json:

1. Throughput. N participation requests are refused in one transaction; the commit
   nudges the relay, which sends one dramatiq message per (event, subscriber): the
   decision notice goes to `register` and to `email`. The clock runs from the commit
   to the last outbox row done. The baseline is bare dramatiq doing the same work, on
   the same Redis with the same number of worker processes and threads
   (bench/bare_worker.py): for each of N other decisions (refused the same way, their
   outbox rows marked done so the service leaves them alone) one message writes the
   register record with plain SQL and one sends the same email to the same SMTP server.
   It runs just before and just after the pipeline, over the same decisions (their
   records deleted in between); both sides' workers run throughout, each idle while
   the other is measured. The ratio is pipeline events/s over bare events/s.
2. Latency, decision commit to register record: decisions made one at a time, as an
   officer would, paced at --rate a second, each committed and nudged on its own. The
   commit time is taken in this process; the register record's `published_at` in the
   worker (same machine, same clock).
3. The worker's peak memory: VmHWM from /proc/<pid>/status, read just before it stops.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import bare_worker  # bench/ is on sys.path when this file is run as a script
import dramatiq
import redis
from dramatiq.brokers.redis import RedisBroker
from sqlalchemy import create_engine, delete, func, make_url, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from casework.clock import Clock
from casework.commands import perform
from casework.config import Settings
from casework.eventlog import Actor
from casework.migrate import upgrade
from casework.models import Case, Notice, RegisterRecord, User
from notifications import outbox, processes, runtime
from notifications.models import EmailRecord, EventOutbox
from tests.world import seed_fife, seed_validated  # the world the tests use, shared
from workflows import participation as pr
from workflows.machine import Law
from workflows.rules import Party

HERE = Path(__file__).resolve().parent
CASEWORK = str(Path(sys.executable).with_name("casework"))
MESSAGES_PER_DECISION = 2  # the decision notice: `register` and `email` (no webhooks here)

REFUSAL = {
    "outcome": "refused",
    "reasons": "The service is closing.",
    "considerations": {k: f"Considered: {label}" for k, label in pr.CONSIDERATIONS.items()},
}


@dataclass
class Options:
    events: int
    threads: int
    workers: int
    latency_events: int
    rate: float
    database_url: str
    redis_url: str
    output: Path
    keep: bool


def parse(argv: list[str] | None) -> Options:
    p = argparse.ArgumentParser(
        description="Throughput, latency and memory of the event pipeline against bare dramatiq."
    )
    p.add_argument("--events", type=int, default=500, help="decisions in the throughput batch")
    p.add_argument("--threads", type=int, default=8, help="worker threads per worker process")
    p.add_argument("--workers", type=int, default=1, help="worker processes")
    p.add_argument("--latency-events", type=int, default=200, help="decisions made one at a time")
    p.add_argument("--rate", type=float, default=10.0, help="decisions a second, latency run")
    p.add_argument(
        "--database-url",
        default="postgresql+psycopg://postgres@127.0.0.1:5432/casework_bench",
        help="dropped and created afresh",
    )
    p.add_argument("--redis-url", default="redis://127.0.0.1:6379/10")
    p.add_argument("--output", type=Path, default=HERE / "results" / "pipeline.json")
    p.add_argument("--keep", action="store_true", help="keep the database and the logs")
    a = p.parse_args(argv)
    if min(a.events, a.threads, a.workers) < 1 or a.latency_events < 2 or a.rate <= 0:
        p.error("sizes must be at least 1, --latency-events at least 2, --rate above 0")
    return Options(
        a.events,
        a.threads,
        a.workers,
        a.latency_events,
        a.rate,
        a.database_url,
        a.redis_url,
        a.output,
        a.keep,
    )


# -- processes ------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(
    predicate: Callable[[], bool], timeout: float, what: str, interval: float = 0.01
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what}")


def proc_status(pid: int, key: str) -> int:
    """A kB figure from /proc/<pid>/status (VmHWM is the peak resident set)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise KeyError(key)


def cpu_seconds(pids: list[int]) -> float:
    """User and system CPU time the processes have used (utime + stime in /proc/<pid>/stat)."""
    tick, total = os.sysconf("SC_CLK_TCK"), 0.0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


@dataclass
class Processes:
    """Child processes in sessions of their own, each logging to a file."""

    folder: Path
    env: dict[str, str]
    running: list[subprocess.Popen[bytes]] = field(default_factory=list)
    spawned: int = 0

    def spawn(self, name: str, *argv: str) -> subprocess.Popen[bytes]:
        self.spawned += 1
        log = self.folder / f"{name}-{self.spawned}.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(
                argv, env=self.env, start_new_session=True, stdout=out, stderr=subprocess.STDOUT
            )
        self.running.append(proc)
        return proc

    def stop(self, procs: list[subprocess.Popen[bytes]]) -> None:
        for p in procs:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
        for p in procs:
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait(5)
            self.running.remove(p)

    def stop_all(self) -> None:
        self.stop(list(self.running))

    def logs(self, lines: int = 20) -> str:
        return "\n".join(
            f"== {log.name}\n" + "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
            for log in sorted(self.folder.glob("*.log"))
        )


def start_smtp(procs: Processes) -> str:
    """aiosmtpd's Sink on loopback: a real SMTP server that accepts and discards."""
    port = free_port()
    procs.spawn(
        "smtp",
        sys.executable,
        "-m",
        "aiosmtpd",
        "-n",
        "-l",
        f"127.0.0.1:{port}",
        "-c",
        "aiosmtpd.handlers.Sink",
    )

    def listening() -> bool:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
            return True
        return False

    wait_for(listening, 20, "the SMTP server", 0.05)
    return f"smtp://127.0.0.1:{port}"


# -- the database and the cases -------------------------------------------------------


def fresh_database(url: str) -> str:
    u = make_url(url)
    admin = create_engine(u.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{u.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{u.database}"'))
    admin.dispose()
    upgrade(url)
    return url


def drop_database(url: str) -> None:
    u = make_url(url)
    admin = create_engine(u.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{u.database}" WITH (FORCE)'))
    admin.dispose()


def seed_world(sessions: sessionmaker[Session]) -> None:
    """One authority, one eligible community body, its secretary and an officer."""
    with sessions() as s:
        seed_fife(s)
        s.commit()


def refuse(s: Session, law: Law, case_id: int, today: dt.date) -> None:
    officer = s.scalar(select(User).where(User.role == "officer"))
    case = s.get(Case, case_id)
    perform(
        s, case, "decide", dict(REFUSAL), Actor.of(officer), Party.AUTHORITY, today=today, law=law
    )


def pending(sessions: sessionmaker[Session]) -> int:
    with sessions() as s:
        return s.scalar(
            select(func.count()).select_from(EventOutbox).where(EventOutbox.done_at.is_(None))
        )


# -- measurements -----------------------------------------------------------------------


def bare_events(sessions: sessionmaker[Session], law: Law, ids: list[int], today) -> list[int]:
    """Refuse the bare side's cases in one transaction, with their outbox rows marked done
    before the commit, so the service never sees them: the decision notices are the bare
    actors' to publish and email. Returns the decision events."""
    with sessions() as s:
        seen = s.scalar(select(func.max(EventOutbox.event_id)))
        for case_id in ids:
            refuse(s, law, case_id, today)
        s.flush()
        s.execute(
            update(EventOutbox)
            .where(EventOutbox.event_id > seen)
            .values(done_at=EventOutbox.created_at)
        )
        s.commit()
        return list(
            s.scalars(
                select(Notice.event_id).where(
                    Notice.case_id.in_(ids), Notice.kind == "decision_notice"
                )
            )
        )


def unpublish(sessions: sessionmaker[Session], events: list[int]) -> None:
    """Remove the bare side's register records, so the next run writes them afresh."""
    with sessions() as s:
        s.execute(delete(RegisterRecord).where(RegisterRecord.event_id.in_(events)))
        s.commit()


def measure_bare(
    sessions: sessionmaker[Session],
    broker: RedisBroker,
    actors: tuple[dramatiq.Actor, dramatiq.Actor],
    events: list[int],
    key: str,
) -> float:
    """Seconds to send one publish and one email message per event and have the bare
    workers do them all."""
    unpublish(sessions, events)
    client = broker.client
    client.set(key, 0)
    publish, email = actors
    messages = len(events) * MESSAGES_PER_DECISION
    start = time.perf_counter()
    for event_id in events:
        publish.send(event_id, key)
        email.send(event_id, key)
    wait_for(lambda: int(client.get(key) or 0) >= messages, 300, "the bare workers", 0.002)
    seconds = time.perf_counter() - start
    with sessions() as s:
        written = s.scalar(
            select(func.count())
            .select_from(RegisterRecord)
            .where(RegisterRecord.event_id.in_(events))
        )
    if written != len(events):
        raise AssertionError(f"bare: expected {len(events)} register records, found {written}")
    return seconds


def quantiles(values: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return {
        "p50": statistics.median(values),
        "p95": cuts[94],
        "min": min(values),
        "max": max(values),
    }


def machine_state() -> dict[str, Any]:
    """What else was running: the load average and other test runs on the machine."""
    others = 0
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        with contextlib.suppress(OSError):
            if b"pytest" in cmdline.read_bytes():
                others += 1
    return {"loadavg": list(os.getloadavg()), "pytest_processes": others}


def code_state() -> dict[str, Any]:
    """The commit measured, and any uncommitted changes to the code under test."""

    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", "-C", str(HERE.parent), *args], capture_output=True, text=True, check=False
        )
        return done.stdout.strip()

    dirty = git(
        "status", "--porcelain", "--", "casework", "notifications", "workflows", "migrations"
    )
    return {"commit": git("rev-parse", "--short", "HEAD"), "uncommitted": dirty.splitlines()}


@contextlib.contextmanager
def environment(opts: Options) -> Iterator[tuple[Processes, dict[str, str], str]]:
    """A database, a Redis namespace, an instance folder and an SMTP server, all removed
    afterwards (the database and logs are kept with --keep)."""
    namespace = f"casework-bench-{uuid.uuid4().hex[:10]}"
    folder = Path(tempfile.mkdtemp(prefix="casework-bench-"))
    procs = Processes(folder, {})
    try:
        fresh_database(opts.database_url)
        smtp_url = start_smtp(procs)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("CASEWORK_", "JOB_"))}
        env.update(
            DATABASE_URL=opts.database_url,
            REDIS_URL=opts.redis_url,
            REDIS_NAMESPACE=namespace,
            SMTP_URL=smtp_url,
            CASEWORK_INSTANCE=str(folder),
            SECRET_KEY="bench",
            BASE_URL="http://casework.bench",
            PYTHONUNBUFFERED="1",
        )
        procs.env = env
        yield procs, env, namespace
    except BaseException:
        print(procs.logs(), file=sys.stderr)
        raise
    finally:
        procs.stop_all()
        client = redis.Redis.from_url(opts.redis_url)
        keys = list(client.scan_iter(f"{namespace}:*"))
        if keys:
            client.delete(*keys)
        client.close()
        if opts.keep:
            print(f"kept: database {opts.database_url}, logs in {folder}")
        else:
            drop_database(opts.database_url)
            shutil.rmtree(folder, ignore_errors=True)


def run(opts: Options) -> dict[str, Any]:
    before, code = machine_state(), code_state()
    with environment(opts) as (procs, env, namespace):
        messages = opts.events * MESSAGES_PER_DECISION
        # The bench plays the web process: as notifications.extension.install does for the
        # app, every commit writes its outbox rows and nudges the relay. (No Flask app: the
        # web layer is not what is measured, and other engineers are changing it.)
        outbox.install()
        rt = runtime.configure(Settings.from_env(env))
        sessions, law, today = rt.sessions, rt.law, Clock().today()
        seed_world(sessions)
        total = 2 * opts.events + opts.latency_events
        print(f"seeding {total} validated participation requests ...", flush=True)
        ids = [c.id for c in seed_validated(sessions, law, total, today)]
        batch = ids[: opts.events]
        theirs = ids[opts.events : 2 * opts.events]
        paced = ids[2 * opts.events :]

        # Both sides' workers run throughout, each idle while the other is measured.
        workers = [
            procs.spawn(
                "worker",
                CASEWORK,
                "worker",
                "--threads",
                str(opts.threads),
                "--webhook-threads",
                "1",
            )
            for _ in range(opts.workers)
        ]
        bare_broker = RedisBroker(url=opts.redis_url, namespace=namespace)
        bare_actors = bare_worker.declare(bare_broker)
        bare_workers = [
            procs.spawn(
                "bare-worker",
                sys.executable,
                str(HERE / "bare_worker.py"),
                "--redis-url",
                opts.redis_url,
                "--namespace",
                namespace,
                "--database-url",
                opts.database_url,
                "--smtp-url",
                env["SMTP_URL"],
                "--base-url",
                rt.settings.base_url,
                "--mail-from",
                rt.settings.mail_from,
                "--threads",
                str(opts.threads),
                "--worker-timeout",
                str(processes.WORKER_TIMEOUT_MS),
            )
            for _ in range(opts.workers)
        ]
        # Warm-up: the seeding's acknowledgements go through the same relay and actors.
        print(f"warm-up: {total} acknowledgements emailed through the pipeline ...", flush=True)
        wait_for(lambda: pending(sessions) == 0, 60 + total, "the warm-up", 0.2)

        print(f"bare dramatiq: {opts.events} decisions published and emailed ...", flush=True)
        bare_ids = bare_events(sessions, law, theirs, today)
        if len(bare_ids) != opts.events:
            raise AssertionError(f"expected {opts.events} decision notices for the bare side")
        measure_bare(sessions, bare_broker, bare_actors, bare_ids[:50], f"{namespace}:bare-warmup")
        bare_cpu = cpu_seconds([w.pid for w in bare_workers])
        bare_before = measure_bare(
            sessions, bare_broker, bare_actors, bare_ids, f"{namespace}:bare-1"
        )
        bare_cpu = cpu_seconds([w.pid for w in bare_workers]) - bare_cpu

        print(f"pipeline: {opts.events} decisions in one commit ...", flush=True)
        with sessions() as s:
            seen = s.scalar(select(func.max(EventOutbox.event_id)))
            for case_id in batch:
                refuse(s, law, case_id, today)
            worker_cpu = cpu_seconds([w.pid for w in workers])
            s.commit()  # the outbox rows are written with the decisions; the commit nudges
            committed = time.time()
        with sessions() as s:  # done or not: the worker is already at them
            rows = s.scalar(
                select(func.count()).select_from(EventOutbox).where(EventOutbox.event_id > seen)
            )
        if rows != messages:
            raise AssertionError(f"expected {messages} outbox rows for the batch, found {rows}")
        wait_for(lambda: pending(sessions) == 0, 60 + opts.events, "the pipeline", 0.05)
        with sessions() as s:
            last_done = s.scalar(select(func.max(EventOutbox.done_at)))
            records = s.scalar(
                select(func.count())
                .select_from(RegisterRecord)
                .where(RegisterRecord.case_id.in_(batch))
            )
        if records != opts.events:
            raise AssertionError(f"expected {opts.events} register records, found {records}")
        pipeline_seconds = last_done.timestamp() - committed
        worker_cpu = cpu_seconds([w.pid for w in workers]) - worker_cpu

        print(f"bare dramatiq again: {opts.events} decisions ...", flush=True)
        bare_after = measure_bare(
            sessions, bare_broker, bare_actors, bare_ids, f"{namespace}:bare-2"
        )

        print(
            f"latency: {opts.latency_events} decisions, one at a time, {opts.rate:g}/s ...",
            flush=True,
        )
        commits: dict[int, float] = {}
        decide_ms: list[float] = []
        start = time.monotonic()
        for i, case_id in enumerate(paced):
            time.sleep(max(0.0, start + i / opts.rate - time.monotonic()))
            t = time.perf_counter()
            with sessions() as s:
                refuse(s, law, case_id, today)
                s.commit()
                commits[case_id] = time.time()
            decide_ms.append((time.perf_counter() - t) * 1000)
        offered = len(paced) / (time.monotonic() - start)
        wait_for(lambda: pending(sessions) == 0, 60 + opts.latency_events, "the latency run", 0.05)
        peaks = [proc_status(w.pid, "VmHWM") for w in workers]
        bare_peaks = [proc_status(w.pid, "VmHWM") for w in bare_workers]
        rss = [proc_status(w.pid, "VmRSS") for w in workers]
        with sessions() as s:
            published = s.execute(
                select(
                    RegisterRecord.case_id, RegisterRecord.published_at, EventOutbox.dispatched_at
                )
                .join(
                    EventOutbox,
                    (EventOutbox.event_id == RegisterRecord.event_id)
                    & (EventOutbox.subscriber == "register"),
                )
                .where(
                    RegisterRecord.case_id.in_(paced), RegisterRecord.document == "decision_notice"
                )
            ).all()
            emailed = s.execute(
                select(Notice.case_id, EmailRecord.accepted_at)
                .join(Notice, EmailRecord.notice_id == Notice.id)
                .where(Notice.case_id.in_(paced), Notice.kind == "decision_notice")
            ).all()
        register_ms = [(at.timestamp() - commits[cid]) * 1000 for cid, at, _ in published]
        # The two hops: commit -> the relay run that sent it began; then -> record written.
        relay_ms = [(sent.timestamp() - commits[cid]) * 1000 for cid, _, sent in published]
        deliver_ms = [(at - sent).total_seconds() * 1000 for _, at, sent in published]
        email_ms = [(at.timestamp() - commits[cid]) * 1000 for cid, at in emailed]
        if len(register_ms) != len(paced) or len(email_ms) != len(paced):
            raise AssertionError("a paced decision was not both published and emailed")
        procs.stop(workers)
        warnings = sum(
            log.read_text(errors="replace").count(" WARNING ")
            for log in procs.folder.glob("worker-*.log")
        )

        procs.stop(bare_workers)
        bare_broker.close()

    bare_seconds = (bare_before + bare_after) / 2
    return {
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "config": {
            "events": opts.events,
            "threads": opts.threads,
            "workers": opts.workers,
            "latency_events": opts.latency_events,
            "rate": opts.rate,
            "messages_per_event": MESSAGES_PER_DECISION,
            "email": "SMTP to aiosmtpd Sink on loopback",
            "bare": "dramatiq actors: register record by plain SQL, same email, same SMTP",
        },
        "code": code,
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "dramatiq": dramatiq.__version__,
            "before": before,
            "after": machine_state(),
        },
        "throughput": {
            "pipeline_seconds": pipeline_seconds,
            "pipeline_events_per_second": opts.events / pipeline_seconds,
            "pipeline_messages_per_second": messages / pipeline_seconds,
            "bare_seconds_before": bare_before,
            "bare_seconds_after": bare_after,
            "bare_events_per_second": opts.events / bare_seconds,
            "bare_messages_per_second": messages / bare_seconds,
            "ratio": bare_seconds / pipeline_seconds,
            # CPU the worker processes used for the batch (the pipeline's includes its idle
            # polling until the last row was seen done): near the wall time, a GIL-bound worker.
            "pipeline_worker_cpu_seconds": worker_cpu,
            "bare_worker_cpu_seconds_before": bare_cpu,
        },
        "latency_ms": {
            "register": quantiles(register_ms),
            "email": quantiles(email_ms),
            "register_relay_hop": quantiles(relay_ms),
            "register_deliver_hop": quantiles(deliver_ms),
            "decide_and_commit": quantiles(decide_ms),
            "offered_rate": offered,
        },
        "memory_kib": {
            "worker_peak": peaks,
            "worker_rss_at_end": rss,
            "bare_worker_peak": bare_peaks,
        },
        "worker_log_warnings": warnings,
    }


def report(r: dict[str, Any]) -> str:
    c, t, lat, mem, m = r["config"], r["throughput"], r["latency_ms"], r["memory_kib"], r["machine"]

    def mib(kib: list[int]) -> str:
        return " + ".join(f"{k / 1024:.0f}" for k in kib) + " MiB"

    reg, mail = lat["register"], lat["email"]
    return "\n".join(
        [
            "",
            f"Throughput: {c['events']} decisions, {c['events'] * c['messages_per_event']} "
            f"messages (register + email each); {c['workers']} worker process(es) "
            f"x {c['threads']} threads",
            f"  pipeline (relay -> actor -> register + SMTP): "
            f"{t['pipeline_events_per_second']:8.1f} events/s  "
            f"({t['pipeline_messages_per_second']:.0f} msg/s, {t['pipeline_seconds']:.2f} s)",
            f"  bare dramatiq, same work, Redis and threads:  "
            f"{t['bare_events_per_second']:8.1f} events/s  "
            f"({t['bare_messages_per_second']:.0f} msg/s; {t['bare_seconds_before']:.2f} s before, "
            f"{t['bare_seconds_after']:.2f} s after)",
            f"  ratio pipeline / bare: {t['ratio']:.3f}   (worker CPU for the batch: pipeline "
            f"{t['pipeline_worker_cpu_seconds']:.2f} s, bare "
            f"{t['bare_worker_cpu_seconds_before']:.2f} s)",
            f"Latency, decision commit -> register record ({c['latency_events']} decisions "
            f"one at a time at {lat['offered_rate']:.1f}/s):",
            f"  median {reg['p50']:.0f} ms, p95 {reg['p95']:.0f} ms, max {reg['max']:.0f} ms"
            f"   (-> email accepted by SMTP: median {mail['p50']:.0f} ms, "
            f"p95 {mail['p95']:.0f} ms)",
            f"  of which commit -> relay run: median {lat['register_relay_hop']['p50']:.0f} ms; "
            f"relay run -> record: median {lat['register_deliver_hop']['p50']:.0f} ms",
            f"Worker peak memory (VmHWM): {mib(mem['worker_peak'])}"
            f"   (bare dramatiq worker: {mib([max(mem['bare_worker_peak'])])})",
            f"Machine: {m['cpus']} CPUs; load average {m['before']['loadavg'][0]:.2f} before, "
            f"{m['after']['loadavg'][0]:.2f} after; pytest processes running "
            f"{m['before']['pytest_processes']} before, {m['after']['pytest_processes']} after",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    opts = parse(argv)
    results = run(opts)
    print(report(results))
    opts.output.parent.mkdir(parents=True, exist_ok=True)
    opts.output.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nwritten to {opts.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
