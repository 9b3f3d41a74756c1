"""The `casework` command."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import errno
import os
import re
import socket
import sys

import click
from sqlalchemy import select

from casework import extensions
from casework.config import ConfigError, Settings, rule_overrides
from workflows.authorities import AUTHORITY_TYPES
from workflows.rules import RULE_IDS, Rulebook, UnknownRule


def _fail(message: str) -> None:
    """One line on stderr and status 2, for input the command cannot use."""
    click.echo(f"casework: {message}", err=True)
    sys.exit(2)


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except (ConfigError, ValueError) as exc:
        _fail(str(exc))
        raise


def _app():
    from casework.app import create_app

    return create_app(_settings())


@click.group(help="Casework for the Community Empowerment (Scotland) Act 2015.")
def main() -> None:
    pass


def _port_taken(host: str, port: int) -> bool:
    """Whether another program already listens on host:port (as waitress would bind it)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror:
        return False  # waitress reports a bad host itself
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            return exc.errno == errno.EADDRINUSE
    return False


def _port_in_use(port: int) -> None:
    other = 5050 if port != 5050 else 5051
    click.echo(
        f"Port {port} is in use. Stop the other program or choose another: make run PORT={other}",
        err=True,
    )
    sys.exit(1)


def listening_url(host: str, port: int) -> str:
    """The address a browser on this machine opens for a server listening on host:port."""
    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    if ":" in shown:
        shown = f"[{shown}]"
    return f"http://{shown}:{port}"


def serve_settings(settings: Settings, environ, host: str, port: int) -> Settings:
    """Links in notices, email and the register use BASE_URL when it is set, and otherwise
    the address this server listens on."""
    if environ.get("BASE_URL"):
        return settings
    return dataclasses.replace(settings, base_url=listening_url(host, port))


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--demo", is_flag=True, help="Seed demo data (once) and print the demo logins.")
def serve(host: str, port: int, demo: bool) -> None:
    """Run the web service."""
    from waitress import create_server

    from casework.app import create_app

    if _port_taken(host, port):
        _port_in_use(port)
    settings = serve_settings(_settings(), os.environ, host, port)
    if settings.is_sqlite:
        # The embedded default makes its own schema, so one command is enough to start.
        from casework.migrate import upgrade

        settings.instance_path.mkdir(parents=True, exist_ok=True)
        upgrade(settings.database_url)
    app = create_app(settings)
    try:
        server = create_server(app, host=host, port=port, threads=8, ident="casework")
    except OSError as exc:  # taken since the check above
        if exc.errno == errno.EADDRINUSE:
            _port_in_use(port)
        raise
    if demo:
        from casework.demo import print_logins, seed

        with app.app_context():
            print_logins(seed(app))
    extensions.call("serve", app)
    url = listening_url(host, port) + "/"
    click.echo(f"Casework is running at {url} (API: {url}api/v1/openapi.json)")
    click.echo(
        f"Database: {settings.database_url.split('@')[-1]}; "
        f"broker: {'in-process' if settings.embedded else 'Redis'}"
    )
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl+C stops it without a traceback
        server.run()


@main.group()
def db() -> None:
    """The database schema."""


@db.command()
def upgrade() -> None:
    """Apply the migrations."""
    from casework.migrate import upgrade as do_upgrade

    settings = _settings()
    if settings.is_sqlite:
        settings.instance_path.mkdir(parents=True, exist_ok=True)
    do_upgrade(settings.database_url)
    click.echo("The database is up to date.")


@main.command()
def demo() -> None:
    """Seed demo data and print the demo logins and API tokens."""
    from casework.demo import print_logins, seed

    app = _app()
    with app.app_context():
        print_logins(seed(app))


@main.group()
def authorities() -> None:
    """Authorities."""


@authorities.command("add")
@click.option("--code", required=True, help="Short code used in references, e.g. FIFE")
@click.option("--name", required=True)
@click.option("--type", "type_", required=True, help="An authority type, as in docs/law.md")
@click.option("--email", default=None, help="Where notices to the authority are sent")
def authorities_add(code: str, name: str, type_: str, email: str | None) -> None:
    """Add an authority."""
    from casework.context import db as session
    from casework.models import Authority

    code = code.strip().upper()
    if not re.fullmatch(r"[A-Z0-9]{2,16}", code):
        _fail("the code must be 2 to 16 letters or digits, e.g. FIFE")
    if type_ not in AUTHORITY_TYPES:
        _fail(f"unknown authority type {type_!r}; known: {', '.join(AUTHORITY_TYPES)}")
    app = _app()
    with app.app_context():
        s = session()
        if s.scalar(select(Authority).where(Authority.code == code)):
            _fail(f"an authority with the code {code} already exists")
        s.add(Authority(code=code, name=name.strip(), type=type_, email=email))
        s.commit()
    click.echo(f"Added {name} ({code}), a {AUTHORITY_TYPES[type_].label.lower()}.")


@main.group()
def users() -> None:
    """Users and their API tokens."""


@users.command("create")
@click.option("--email", required=True)
@click.option(
    "--role", required=True, type=click.Choice(["community", "officer", "manager", "admin"])
)
@click.option("--authority", "authority_code", default=None, help="For officers and managers")
@click.option("--body", "body_id", default=None, type=int, help="For community users")
@click.option("--name", default="")
@click.option("--password", default=None, help="For signing in to the web pages")
def users_create(
    email: str,
    role: str,
    authority_code: str | None,
    body_id: int | None,
    name: str,
    password: str | None,
) -> None:
    """Create a user. The API token is printed as the last line."""
    from casework.auth import create_user, issue_token
    from casework.context import db as session
    from casework.errors import Invalid
    from casework.models import Authority, CommunityBody

    app = _app()
    with app.app_context():
        s = session()
        authority = body = None
        if authority_code:
            authority = s.scalar(select(Authority).where(Authority.code == authority_code.upper()))
            if authority is None:
                _fail(f"there is no authority with the code {authority_code}")
        if body_id is not None:
            body = s.get(CommunityBody, body_id)
            if body is None:
                _fail(f"there is no community body with the id {body_id}")
        try:
            user = create_user(
                s,
                email=email,
                role=role,
                name=name,
                authority=authority,
                body=body,
                password=password,
            )
        except Invalid as exc:
            _fail("; ".join(f"{k}: {' '.join(v)}" for k, v in exc.errors.items()))
        token = issue_token(s, user, label="created by casework users create")
        s.commit()
        click.echo(
            f"Created {user.email} ({role}"
            f"{', ' + authority.code if authority else ''}"
            f"{', body ' + str(body.id) if body else ''})."
        )
        click.echo(token)


@main.group()
def deadlines() -> None:
    """Stored deadlines."""


@deadlines.command("recompute")
@click.option(
    "--reason",
    default=None,
    help="why the dates moved, in plain words for the parties' email, e.g. "
    '"The Scottish Government added a bank holiday on 8 May 2026"',
)
def deadlines_recompute(reason: str | None) -> None:
    """Recompute the deadlines of every open case, e.g. after changing CASEWORK_RULES.

    The community body and the assigned officer (or the managers) of each case whose dates
    moved are emailed once, with the old and new dates and the reason."""
    from casework.commands import RECOMPUTE_REASON, recompute_open_cases
    from casework.context import db as session
    from casework.context import law

    reason = " ".join((reason or "").split())
    if len(reason) > 500:
        _fail("--reason: give at most 500 characters")
    app = _app()
    with app.app_context():
        changed = recompute_open_cases(session(), law(), reason or RECOMPUTE_REASON)
    click.echo(f"{changed} deadline(s) changed; each change is on its case's timeline.")


@main.command()
def sweep() -> None:
    """Take the actions that deadlines passing require (non-determination, lapse)."""
    from casework.context import db as session
    from casework.context import law, services
    from casework.sweep import sweep as run_sweep

    app = _app()
    with app.app_context():
        taken = run_sweep(session(), services().clock.today(), law())
    for t in taken:
        click.echo(f"{t.reference}: {t.action}")
    click.echo(f"{len(taken)} action(s) taken.")


@main.group()
def audit() -> None:
    """The tamper-evident record: hash chains over each case's events, and daily anchors."""


@audit.command("verify")
@click.argument("reference", required=False)
def audit_verify(reference: str | None) -> None:
    """Recompute every chain (or one case's) and every anchor; name the first break."""
    from casework.audit import verify
    from casework.context import db as session

    app = _app()
    with app.app_context():
        try:
            breaks = verify(session(), reference)
        except LookupError as exc:
            _fail(str(exc))
    for b in breaks:
        click.echo(str(b))
    if breaks:
        raise SystemExit(1)
    click.echo(f"The record of {reference or 'every case'} is intact.")


@audit.command("anchor")
def audit_anchor() -> None:
    """Make today's anchor now (the scheduler makes it with the first sweep of the day)."""
    from casework.audit import anchor
    from casework.context import db as session
    from casework.context import services

    app = _app()
    with app.app_context():
        made = anchor(session(), services().clock.today())
    click.echo(f"Anchor of {made.day}: {made.digest}" if made else "Today's anchor exists.")


@main.command()
def docs() -> None:
    """Regenerate the README's workflow diagrams and rule table from the code."""
    from casework.docs import write

    click.echo("README.md updated." if write() else "README.md is current.")


@main.command()
@click.argument("rule", required=False)
@click.argument("start", required=False)
@click.option(
    "--with-additional-authorities",
    is_flag=True,
    help="For pr.decision: other authorities are involved",
)
def deadline(rule: str | None, start: str | None, with_additional_authorities: bool) -> None:
    """Work out a deadline: the date on the first line, then how it was reached."""
    if not rule or not start:
        _fail(f"usage: casework deadline RULE START; rules: {', '.join(RULE_IDS)}")
    try:
        day = dt.date.fromisoformat(start)
    except ValueError:
        _fail(f"{start!r} is not a date; use YYYY-MM-DD")
    try:
        # Only the rules are needed: no database, secret or instance folder.
        rulebook = Rulebook(rule_overrides(os.environ))
    except ValueError as exc:
        _fail(str(exc))
    try:
        result = rulebook.compute(
            rule, day, with_additional_authorities=with_additional_authorities
        )
    except (UnknownRule, ValueError) as exc:
        _fail(str(exc))
    click.echo(result.due.isoformat())
    click.echo(result.explanation)


def rotate_totp_secrets(session, keyring) -> int:
    """Re-encrypt every stored one-time-code key with the keyring's newest key. Nothing is
    written unless every one of them can be read (KeyringError otherwise)."""
    from casework.models import User

    users = session.scalars(select(User).where(User.totp_secret.is_not(None))).all()
    rotated = [(user, keyring.rotate(user.totp_secret)) for user in users]
    for user, token in rotated:
        user.totp_secret = token
    return len(rotated)


@main.group()
def keys() -> None:
    """The keys that encrypt secrets at rest (CASEWORK_ENCRYPTION_KEYS, newest first)."""


@keys.command("new")
def keys_new() -> None:
    """Print a new key, to put first in CASEWORK_ENCRYPTION_KEYS."""
    from casework.crypto import new_key

    click.echo(new_key())


@keys.command("rotate")
def keys_rotate() -> None:
    """Re-encrypt every stored secret with the newest key; the older keys can then go."""
    from casework.calendar_feeds import rotate_feed_tokens
    from casework.crypto import KeyringError, keyring_for
    from casework.db import make_engine, make_sessionmaker

    settings = _settings()
    engine = make_engine(settings.database_url, settings.database_pool_size)
    try:
        with make_sessionmaker(engine)() as session:
            try:
                keyring = keyring_for(settings.encryption_keys)
                count = rotate_totp_secrets(session, keyring)
                feeds = rotate_feed_tokens(session, keyring)
            except KeyringError as exc:
                session.rollback()
                _fail(f"{exc}; nothing was changed")
            session.commit()
    finally:
        engine.dispose()
    click.echo(f"Re-encrypted {count} one-time-code key(s) with the newest key.")
    click.echo(f"Re-encrypted {feeds} calendar address(es) with the newest key.")
    if len(settings.encryption_keys) > 1:
        click.echo("The older keys can now be removed from CASEWORK_ENCRYPTION_KEYS.")


@main.group()
def simd() -> None:
    """The inequalities lens: SIMD ranks by data zone, and the postcode lookup."""


@simd.command("import")
@click.option(
    "--postcodes",
    required=True,
    type=click.Path(exists=True, dir_okay=False),
    help="The Scottish Statistics Postcode Lookup (CSV)",
)
@click.option(
    "--simd",
    "ranks",
    required=True,
    type=click.Path(exists=True, dir_okay=False),
    help="The SIMD ranks by data zone (CSV)",
)
@click.option("--edition", default="SIMD 2020v2", show_default=True)
@click.option("--vintage", default="2011 data zones", show_default=True)
def simd_import(postcodes: str, ranks: str, edition: str, vintage: str) -> None:
    """Load both files as a new version and make it current; on any failure nothing changes."""
    from pathlib import Path

    from sqlalchemy.exc import SQLAlchemyError

    from casework.db import make_engine, make_sessionmaker
    from casework.simd import LayoutError, import_files

    settings = _settings()
    engine = make_engine(settings.database_url, settings.database_pool_size)
    size = os.path.getsize(postcodes) + os.path.getsize(ranks)
    try:
        with (
            make_sessionmaker(engine)() as session,
            click.progressbar(
                length=size, label="Reading", file=sys.stderr, hidden=not sys.stderr.isatty()
            ) as bar,
        ):
            try:
                report = import_files(
                    session,
                    simd=Path(ranks),
                    postcodes=Path(postcodes),
                    edition=edition,
                    vintage=vintage,
                    progress=bar.update,
                )
                session.commit()
            except LayoutError as exc:
                session.rollback()
                _fail(f"{exc}; nothing was changed")
            except SQLAlchemyError as exc:
                session.rollback()
                _fail(
                    f"the database refused the import ({type(exc).__name__}); nothing was changed"
                )
    finally:
        engine.dispose()
    v = report.version
    click.echo(f"{v.edition} on {v.vintage} is now current (version {v.id}).")
    for line in report.simd.lines() + report.postcodes.lines():
        click.echo(line)


extensions.call("cli", main)
