"""Configuration, read from the environment only.

With nothing set the service runs on its embedded default: SQLite in `instance/`, an
in-process worker and scheduler, and email written to `instance/outbox/`.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from workflows.machine import Law
from workflows.rules import Rulebook

# Annual report reminders: working days before 30 June (s.32(3), s.95(3)).
REPORT_REMINDER_OFFSETS = (40, 20, 5)


class ConfigError(ValueError):
    pass


def normalise_database_url(url: str) -> str:
    """Accept the usual spellings of a PostgreSQL URL and use the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


@dataclass(frozen=True)
class Settings:
    database_url: str
    redis_url: str | None
    smtp_url: str | None
    secret_key: str
    base_url: str
    instance_path: Path
    rule_overrides: Mapping[str, int | str] = field(default_factory=dict)
    unconstituted_groups: bool = False
    reminder_offsets: tuple[int, ...] = (10, 5, 1)
    report_reminder_offsets: tuple[int, ...] = REPORT_REMINDER_OFFSETS
    mail_from: str = "casework@localhost"
    # An outbox row sent this long ago and still not done is sent again (Redis may have
    # lost it); consumers are idempotent, so a second copy does nothing new.
    redispatch_after_seconds: int = 900
    redis_namespace: str = "casework"
    job_max_retries: int = 8
    job_min_backoff_ms: int = 2_000
    job_max_backoff_ms: int = 300_000
    # How many proxies (a platform router, a load balancer) stand in front of `web`: their
    # X-Forwarded-For and -Proto are then trusted, so the sign-in limit counts real
    # addresses and HSTS is sent over HTTPS. 0 trusts no such header.
    trusted_proxies: int = 0
    # The bearer token Prometheus sends for /metrics; unset, /metrics is not served.
    metrics_token: str | None = None
    # Fernet keys for secrets kept at rest (casework.crypto), newest first.
    encryption_keys: tuple[str, ...] = ()
    # Webhooks may be sent to loopback addresses (tests, a receiver on the same host); private,
    # link-local and metadata addresses are refused whatever this says.
    webhook_allow_loopback: bool = False
    # Representations accepted from one client address per hour (casework.ratelimit).
    representation_limit: int = 10
    # A streaming replica for the public read side (register, feeds, statistics); unset,
    # those read the primary.
    database_read_url: str | None = None
    # Connections each process keeps open: at least the web server's threads, so none is
    # opened and closed per request under load.
    database_pool_size: int = 10
    # The national statistics are worked out again at most this often, in seconds, however
    # often the records change (0: whenever they have changed).
    statistics_max_age: int = 300
    # An unconfirmed follow (casework.following) lapses after this many days.
    follow_confirm_days: int = 7

    @property
    def embedded(self) -> bool:
        """No Redis: the broker, worker and scheduler run inside the web process."""
        return self.redis_url is None

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def outbox_path(self) -> Path:
        return self.instance_path / "outbox"

    def law(self) -> Law:
        return Law(Rulebook(self.rule_overrides), unconstituted_groups=self.unconstituted_groups)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        instance = Path(env.get("CASEWORK_INSTANCE", "instance")).resolve()
        database_url = env.get("DATABASE_URL") or f"sqlite:///{instance / 'casework.db'}"
        overrides = rule_overrides(env)
        offsets = _offsets(env, "REMINDER_OFFSETS", (10, 5, 1))
        settings = cls(
            database_url=normalise_database_url(database_url),
            redis_url=env.get("REDIS_URL") or None,
            smtp_url=env.get("SMTP_URL") or None,
            secret_key=env.get("SECRET_KEY") or _instance_secret(instance),
            # Unset, `casework serve` puts the address it listens on here (cli.serve_settings);
            # other commands (worker, scheduler) assume the default port.
            base_url=(env.get("BASE_URL") or "http://127.0.0.1:5000").rstrip("/"),
            instance_path=instance,
            rule_overrides=overrides,
            unconstituted_groups=env.get("CASEWORK_UNCONSTITUTED_GROUPS", "") in {"1", "true"},
            reminder_offsets=offsets,
            report_reminder_offsets=_offsets(
                env, "REPORT_REMINDER_OFFSETS", REPORT_REMINDER_OFFSETS
            ),
            mail_from=env.get("MAIL_FROM", "casework@localhost"),
            redispatch_after_seconds=_positive(env, "OUTBOX_REDISPATCH_SECONDS", 900),
            redis_namespace=env.get("REDIS_NAMESPACE") or "casework",
            job_max_retries=_positive(env, "JOB_MAX_RETRIES", 8),
            job_min_backoff_ms=_positive(env, "JOB_MIN_BACKOFF_MS", 2_000),
            job_max_backoff_ms=_positive(env, "JOB_MAX_BACKOFF_MS", 300_000),
            trusted_proxies=_count(env, "TRUSTED_PROXIES"),
            metrics_token=env.get("METRICS_TOKEN") or None,
            encryption_keys=_encryption_keys(env, instance),
            webhook_allow_loopback=env.get("WEBHOOK_ALLOW_LOOPBACK", "") in {"1", "true"},
            representation_limit=_positive(env, "REPRESENTATION_LIMIT", 10),
            database_read_url=(
                normalise_database_url(env["DATABASE_READ_URL"])
                if env.get("DATABASE_READ_URL")
                else None
            ),
            database_pool_size=_positive(env, "DATABASE_POOL_SIZE", 10),
            statistics_max_age=_count(env, "STATISTICS_MAX_AGE", 300),
            follow_confirm_days=_positive(env, "FOLLOW_CONFIRM_DAYS", 7),
        )
        settings.law()  # fail at start-up, not at the first deadline, on a bad override
        return settings


def rule_overrides(env: Mapping[str, str]) -> dict[str, int | str]:
    """CASEWORK_RULES, parsed; the Rulebook then refuses any override the law does not allow."""
    try:
        overrides = json.loads(env.get("CASEWORK_RULES", "{}"))
    except json.JSONDecodeError as exc:
        raise ConfigError(f"CASEWORK_RULES is not valid JSON: {exc}") from exc
    if not isinstance(overrides, dict):
        raise ConfigError("CASEWORK_RULES must be a JSON object of rule id to value")
    return overrides


def _offsets(env: Mapping[str, str], name: str, default: tuple[int, ...]) -> tuple[int, ...]:
    """Working days before a due date, largest first, e.g. "10,5,1"."""
    try:
        found = {int(x) for x in env.get(name, ",".join(map(str, default))).split(",")}
    except ValueError as exc:
        example = ",".join(map(str, default))
        raise ConfigError(f"{name} must be whole numbers, e.g. {example}") from exc
    return tuple(sorted(found, reverse=True))


def _positive(env: Mapping[str, str], name: str, default: int) -> int:
    try:
        value = int(env.get(name, default))
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number") from exc
    if value < 1:
        raise ConfigError(f"{name} must be above 0")
    return value


def _count(env: Mapping[str, str], name: str, default: int = 0) -> int:
    try:
        value = int(env.get(name, default) or 0)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number") from exc
    if value < 0:
        raise ConfigError(f"{name} must be 0 or more")
    return value


def _instance_secret(instance: Path) -> str:
    """A secret kept in the instance folder, so sessions survive a restart of the demo."""
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key


def _encryption_keys(env: Mapping[str, str], instance: Path) -> tuple[str, ...]:
    """CASEWORK_ENCRYPTION_KEYS, else a key kept in the instance folder (casework.crypto)."""
    from casework.crypto import configured_keys

    return configured_keys(env, instance)
