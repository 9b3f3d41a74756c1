"""one-time-code secrets encrypted at rest

Revision ID: 0007
Revises: 0006

The column is widened (a Fernet token of a 32-character key is about 140 characters) and
every key stored in clear is encrypted. The key is read as the app reads it
(CASEWORK_ENCRYPTION_KEYS, else the instance folder's `encryption_key`); the migration never
makes one up, since a key nobody keeps would lose the secrets: with no key and secrets to
encrypt, it stops with a message saying what to set.
"""

from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.engine import Connection

from casework.crypto import KEYS_VARIABLE, Keyring, KeyringError, is_token, keys_from_environment

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SELECT = sa.text("SELECT id, totp_secret FROM users WHERE totp_secret IS NOT NULL")
UPDATE = sa.text("UPDATE users SET totp_secret = :secret WHERE id = :id")


def keyring_from_environment() -> Keyring:
    keys = keys_from_environment()
    if not keys:
        raise KeyringError(
            f"Migration 0007 encrypts the stored one-time-code keys and needs a key: set "
            f"{KEYS_VARIABLE} (make one with `casework keys new`), or point CASEWORK_INSTANCE "
            "at the instance folder holding `encryption_key`."
        )
    return Keyring(keys)


def encrypt_clear_secrets(connection: Connection, keyring: Callable[[], Keyring]) -> int:
    """Encrypt every secret still in clear; tokens are left as they are. The keyring is
    asked for only when there is something to encrypt."""
    clear = [(i, s) for i, s in connection.execute(SELECT) if not is_token(s)]
    if clear:
        ring = keyring()
        for user_id, secret in clear:
            connection.execute(UPDATE, {"id": user_id, "secret": ring.encrypt(secret)})
    return len(clear)


def decrypt_secrets(connection: Connection, keyring: Callable[[], Keyring]) -> int:
    tokens = [(i, s) for i, s in connection.execute(SELECT) if is_token(s)]
    if tokens:
        ring = keyring()
        for user_id, token in tokens:
            connection.execute(UPDATE, {"id": user_id, "secret": ring.decrypt(token)})
    return len(tokens)


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.alter_column(
            "totp_secret", existing_type=sa.String(length=64), type_=sa.Text(), nullable=True
        )
    encrypt_clear_secrets(op.get_bind(), keyring_from_environment)


def downgrade() -> None:
    decrypt_secrets(op.get_bind(), keyring_from_environment)
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.alter_column(
            "totp_secret", existing_type=sa.Text(), type_=sa.String(length=64), nullable=True
        )
