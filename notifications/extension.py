"""How the service loads the pipeline: through the `casework.extensions` entry point, so
that `casework` never imports `notifications` (dependencies point one way)."""

from __future__ import annotations

import logging

import click
from flask import Flask


def install(app: Flask) -> None:
    """Every app: outbox rows for every event, a broker to nudge, and the ops endpoints."""
    from notifications import failures, outbox, runtime
    from notifications.ops import blp as ops
    from notifications.webhooks import blp as webhooks

    outbox.install()
    svc = app.extensions["casework"]
    runtime.configure(svc.settings, sessions=svc.sessions, clock=svc.clock)
    app.register_blueprint(ops)
    app.register_blueprint(failures.bp)
    app.extensions["casework.api"].register_blueprint(webhooks)


def serve(app: Flask) -> None:
    """`casework serve` on the embedded default runs the worker and scheduler in-process."""
    from notifications import runtime
    from notifications.processes import start_embedded

    if app.extensions["casework"].settings.embedded:
        start_embedded(runtime.current().broker)
        click.echo(
            "Worker and scheduler: running inside this process (StubBroker); "
            f"mail goes to {app.extensions['casework'].settings.outbox_path}/"
        )


def _logging() -> None:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(processName)s %(name)s %(message)s"
    )


def cli(main: click.Group) -> None:
    @main.command()
    @click.option("--threads", default=8, show_default=True)
    @click.option("--webhook-threads", default=4, show_default=True)
    def worker(threads: int, webhook_threads: int) -> None:
        """Run the dramatiq worker (Procfile `worker`)."""
        from casework.config import Settings
        from notifications import outbox, runtime
        from notifications.processes import run_worker

        _logging()
        outbox.install()
        rt = runtime.configure(Settings.from_env())
        run_worker(rt.broker, threads, webhook_threads)

    @main.command()
    @click.option("--every", default=60, show_default=True, help="seconds between sweeps")
    def scheduler(every: int) -> None:
        """Run the scheduler (Procfile `scheduler`): the outbox and deadline sweeps."""
        from casework.config import Settings
        from notifications import runtime
        from notifications.processes import run_scheduler

        _logging()
        runtime.configure(Settings.from_env())
        run_scheduler(every)

    @main.group()
    def jobs() -> None:
        """Jobs whose retries ran out."""

    @jobs.command("failed")
    def jobs_failed() -> None:
        """List failed jobs, with the error."""
        from sqlalchemy import select

        from casework.config import Settings
        from notifications import runtime
        from notifications.models import FailedJob

        rt = runtime.configure(Settings.from_env())
        with rt.sessions() as s:
            rows = s.scalars(
                select(FailedJob).where(FailedJob.retried_at.is_(None)).order_by(FailedJob.id)
            ).all()
        for job in rows:
            click.echo(
                f"{job.id}\t{job.failed_at:%Y-%m-%d %H:%M:%S}\t{job.actor}"
                f"{tuple(job.args)}\t{job.error}"
            )
        click.echo(f"{len(rows)} failed job(s).")

    @jobs.command("retry")
    @click.argument("job_id", required=False, type=int)
    @click.option("--all", "everything", is_flag=True, help="retry every failed job")
    def jobs_retry(job_id: int | None, everything: bool) -> None:
        """Run a failed job (or all of them) again."""
        from casework.config import Settings
        from notifications import runtime

        if (job_id is None) == (not everything):
            raise click.UsageError("give a job id or --all")
        runtime.configure(Settings.from_env())
        done = runtime.retry_failed(None if everything else [job_id])

        click.echo(f"Retried {len(done)} job(s): {', '.join(map(str, done)) or 'none'}.")
