"""One-time-code secrets are kept encrypted (Fernet, casework.crypto): the database never
holds the clear key, sign-in with a code still works, keys rotate, and migration 0007
encrypts the secrets already stored in clear."""

from __future__ import annotations

import importlib.util
import re
import time
from pathlib import Path

import pyotp
import pytest
from alembic import command
from click.testing import CliRunner
from cryptography.fernet import Fernet
from sqlalchemy import create_engine, select, text

from casework.app import create_app
from casework.auth import create_user, hash_password
from casework.cli import main
from casework.config import Settings
from casework.crypto import Keyring, KeyringError, is_token
from casework.migrate import alembic_config, upgrade
from casework.models import Authority, User
from tests.conftest import fresh_database, settings_for

PASSWORD = "correct horse battery staple"
OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()
MIGRATION = Path(__file__).resolve().parents[2] / "migrations/versions/0007_totp_encryption.py"


def migration_0007():
    spec = importlib.util.spec_from_file_location("migration_0007", MIGRATION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def app_with(database_url, sessions, clock, tmp_path, keys: str):
    return create_app(
        settings_for(database_url, tmp_path, CASEWORK_ENCRYPTION_KEYS=keys),
        clock=clock,
        sessions=sessions,
    )


def https(app):
    client = app.test_client()
    client.environ_base["wsgi.url_scheme"] = "https"
    return client


def token_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def sign_in(client, email: str):
    page = client.get("/sign-in").get_data(as_text=True)
    return client.post(
        "/sign-in", data={"csrf_token": token_of(page), "email": email, "password": PASSWORD}
    )


def manager(session) -> User:
    fife = Authority(code="FIFE", name="Fife Council", type="local_authority")
    session.add(fife)
    session.flush()
    user = create_user(session, email="manager@fife.test", role="manager", authority=fife)
    user.password_hash = hash_password(PASSWORD)
    session.commit()
    return user


def enrol(client, email: str) -> tuple[str, float]:
    """Set up one-time codes through the pages; the secret and the moment its code was used."""
    assert sign_in(client, email).status_code == 302
    page = client.get("/account/two-factor").get_data(as_text=True)
    secret = re.search(r'<strong class="casework-key">([A-Z2-7 ]+)</strong>', page).group(1)
    secret = secret.replace(" ", "")
    moment = time.time()
    done = client.post(
        "/account/two-factor",
        data={"csrf_token": token_of(page), "code": pyotp.TOTP(secret).at(moment)},
    )
    assert done.status_code == 302, done.get_data(as_text=True)
    return secret, moment


def sign_in_with_code(app, email: str, code: str):
    client = https(app)
    assert sign_in(client, email).headers["Location"].startswith("/sign-in/code")
    page = client.get("/sign-in/code").get_data(as_text=True)
    response = client.post("/sign-in/code", data={"csrf_token": token_of(page), "code": code})
    return client, response


def stored(connection, user_id: int) -> str:
    return connection.execute(
        text("SELECT totp_secret FROM users WHERE id = :id"), {"id": user_id}
    ).scalar_one()


def test_the_database_column_never_holds_the_clear_secret(
    database_url, sessions, session, connection, clock, tmp_path
):
    app = app_with(database_url, sessions, clock, tmp_path, OLD)
    user = manager(session)
    secret, _ = enrol(https(app), user.email)
    raw = stored(connection, user.id)
    assert secret not in raw and secret.lower() not in raw.lower()
    assert is_token(raw)
    assert Keyring([OLD]).decrypt(raw) == secret
    with pytest.raises(KeyringError):
        Keyring([NEW]).decrypt(raw)  # another key cannot read it


def test_sign_in_with_a_one_time_code_works_on_the_encrypted_secret(
    database_url, sessions, session, clock, tmp_path
):
    app = app_with(database_url, sessions, clock, tmp_path, OLD)
    user = manager(session)
    secret, moment = enrol(https(app), user.email)
    client, wrong = sign_in_with_code(app, user.email, "000000")
    assert wrong.status_code == 422
    client, good = sign_in_with_code(app, user.email, pyotp.TOTP(secret).at(moment + 30))
    assert good.status_code == 302 and good.headers["Location"] == "/queue"
    assert client.get("/queue").status_code == 200


def test_rotation_keeps_codes_working_and_the_old_key_can_then_be_dropped(
    database_url, sessions, session, connection, clock, tmp_path
):
    from casework.cli import rotate_totp_secrets

    old_app = app_with(database_url, sessions, clock, tmp_path, OLD)
    user = manager(session)
    secret, moment = enrol(https(old_app), user.email)  # a code from it works under OLD
    before = stored(connection, user.id)

    # The new key goes first; the old one stays until every secret is re-encrypted.
    assert rotate_totp_secrets(session, Keyring([NEW, OLD])) == 1
    session.commit()
    after = stored(connection, user.id)
    assert after != before and Keyring([NEW]).decrypt(after) == secret
    with pytest.raises(KeyringError):
        Keyring([OLD]).decrypt(after)

    # Now the old key can go: the service with only the new key still takes the codes.
    new_app = app_with(database_url, sessions, clock, tmp_path, NEW)
    client, good = sign_in_with_code(new_app, user.email, pyotp.TOTP(secret).at(moment + 30))
    assert good.status_code == 302 and good.headers["Location"] == "/queue"
    assert client.get("/queue").status_code == 200


def test_a_session_is_kept_across_rotation_but_ends_when_the_secret_changes(
    database_url, sessions, session, clock, tmp_path
):
    from casework.cli import rotate_totp_secrets

    app = app_with(database_url, sessions, clock, tmp_path, f"{NEW},{OLD}")
    user = manager(session)
    client = https(app)
    enrol(client, user.email)
    assert client.get("/queue").status_code == 200
    rotate_totp_secrets(session, Keyring([NEW, OLD]))
    session.commit()
    assert client.get("/queue").status_code == 200  # the same secret: still signed in
    user = session.get(User, user.id)
    user.totp_secret = Keyring([NEW]).encrypt(pyotp.random_base32())
    session.commit()
    assert client.get("/queue").status_code == 302  # a new secret: signed out


def test_casework_keys_rotate_re_encrypts_every_stored_secret(worker_id, tmp_path):
    url = fresh_database(f"keys_{worker_id}")
    env = {"DATABASE_URL": url, "CASEWORK_INSTANCE": str(tmp_path), "SECRET_KEY": "x"}
    upgrade(url)
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            for n in range(3):
                conn.execute(
                    text(
                        "INSERT INTO users (email, name, role, active, created_at, totp_secret)"
                        " VALUES (:email, '', 'officer', true, now(), :secret)"
                    ),
                    {"email": f"u{n}@x.test", "secret": Keyring([OLD]).encrypt(f"SECRET{n}AAAA")},
                )
        runner = CliRunner()
        result = runner.invoke(
            main, ["keys", "rotate"], env={**env, "CASEWORK_ENCRYPTION_KEYS": f"{NEW},{OLD}"}
        )
        assert result.exit_code == 0, result.output
        assert "3" in result.output
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT totp_secret FROM users ORDER BY email")).scalars()
            assert [Keyring([NEW]).decrypt(r) for r in rows] == [f"SECRET{n}AAAA" for n in range(3)]
        # A key missing for some secret: status 2, one line, nothing changed.
        third = Fernet.generate_key().decode()
        refused = runner.invoke(
            main, ["keys", "rotate"], env={**env, "CASEWORK_ENCRYPTION_KEYS": third}
        )
        assert refused.exit_code == 2 and "CASEWORK_ENCRYPTION_KEYS" in refused.stderr
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT totp_secret FROM users ORDER BY email")).scalars()
            assert all(Keyring([NEW]).decrypt(r) for r in rows)
    finally:
        engine.dispose()


def test_the_migration_encrypts_a_clear_secret(connection):
    module = migration_0007()
    clear = pyotp.random_base32()
    user_id = connection.execute(
        text(
            "INSERT INTO users (email, name, role, active, created_at, totp_secret)"
            " VALUES ('m@x.test', '', 'manager', true, now(), :secret) RETURNING id"
        ),
        {"secret": clear},
    ).scalar_one()
    assert module.encrypt_clear_secrets(connection, lambda: Keyring([OLD])) == 1
    raw = stored(connection, user_id)
    assert clear not in raw and Keyring([OLD]).decrypt(raw) == clear
    # Run again, nothing is encrypted twice.
    assert module.encrypt_clear_secrets(connection, lambda: Keyring([OLD])) == 0
    assert stored(connection, user_id) == raw


def test_the_migration_without_a_key_fails_with_a_clear_message(connection, tmp_path, monkeypatch):
    module = migration_0007()
    monkeypatch.delenv("CASEWORK_ENCRYPTION_KEYS", raising=False)
    monkeypatch.setenv("CASEWORK_INSTANCE", str(tmp_path / "empty"))
    clear = pyotp.random_base32()
    connection.execute(
        text(
            "INSERT INTO users (email, name, role, active, created_at, totp_secret)"
            " VALUES ('m@x.test', '', 'manager', true, now(), :secret)"
        ),
        {"secret": clear},
    )
    with pytest.raises(KeyringError, match="CASEWORK_ENCRYPTION_KEYS"):
        module.encrypt_clear_secrets(connection, module.keyring_from_environment)
    assert not (tmp_path / "empty").exists()  # no key was made up that nobody would keep


def test_upgrading_to_0007_encrypts_stored_secrets_and_downgrading_restores_them(
    worker_id, monkeypatch
):
    url = fresh_database(f"m0007_{worker_id}")
    upgrade(url, revision="0006")
    engine = create_engine(url)
    clear = pyotp.random_base32(32)
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO users (email, name, role, active, created_at, totp_secret)"
                    " VALUES ('m@x.test', '', 'manager', true, now(), :secret)"
                ),
                {"secret": clear},
            )
        monkeypatch.setenv("CASEWORK_ENCRYPTION_KEYS", OLD)
        upgrade(url, revision="0007")
        with engine.connect() as conn:
            raw = conn.execute(text("SELECT totp_secret FROM users")).scalar_one()
        assert len(raw) > 64 and Keyring([OLD]).decrypt(raw) == clear
        command.downgrade(alembic_config(url), "0006")
        with engine.connect() as conn:
            assert conn.execute(text("SELECT totp_secret FROM users")).scalar_one() == clear
    finally:
        engine.dispose()


def test_a_bad_key_in_the_setting_is_refused_at_start_up(tmp_path):
    env = {"CASEWORK_INSTANCE": str(tmp_path), "SECRET_KEY": "x"}
    with pytest.raises(ValueError, match="CASEWORK_ENCRYPTION_KEYS: key 2 is not a Fernet key"):
        Settings.from_env({**env, "CASEWORK_ENCRYPTION_KEYS": f"{NEW},not-a-key"})


def test_the_embedded_default_makes_one_key_once_in_the_instance_folder(tmp_path):
    env = {"CASEWORK_INSTANCE": str(tmp_path), "SECRET_KEY": "x"}
    first = Settings.from_env(env).encryption_keys
    assert len(first) == 1 and Settings.from_env(env).encryption_keys == first
    assert (tmp_path / "encryption_key").stat().st_mode & 0o777 == 0o600
    assert Settings.from_env({**env, "CASEWORK_ENCRYPTION_KEYS": NEW}).encryption_keys == (NEW,)


def test_the_demo_manager_key_is_stored_encrypted(database_url, sessions, session, clock, tmp_path):
    from casework.demo import DEMO_TOTP_SECRET, seed

    app = app_with(database_url, sessions, clock, tmp_path, OLD)
    with app.app_context():
        seed(app)
    found = session.scalar(select(User).where(User.email == "manager@fife.example"))
    assert found.totp_secret != DEMO_TOTP_SECRET
    assert Keyring([OLD]).decrypt(found.totp_secret) == DEMO_TOTP_SECRET
