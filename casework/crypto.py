"""Secrets kept at rest, encrypted: the one-time-code (TOTP) keys of users.

Why Fernet, from the `cryptography` package: it is a maintained, authenticated symmetric
scheme (AES-128-CBC with an HMAC-SHA256 over the whole token), so a token that was altered,
or made with another key, is refused instead of decrypting to rubbish, and it leaves no
mode, IV or padding for this code to get wrong. `MultiFernet` gives key rotation: it
encrypts with the first key, decrypts with any of them, and `rotate()` re-encrypts a token
with the first.

The keys are CASEWORK_ENCRYPTION_KEYS, comma-separated, newest first. Without it (the
embedded default) one key is generated once into the instance folder, as the secret key
is, so `make run` keeps working; production sets it, and keeps it safe: a lost key loses
every secret encrypted with it.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable, Mapping
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

KEYS_VARIABLE = "CASEWORK_ENCRYPTION_KEYS"
KEY_FILE = "encryption_key"


class KeyringError(ValueError):
    """No usable key, a malformed key, or a token that none of the keys can decrypt."""


def new_key() -> str:
    return Fernet.generate_key().decode()


def parse_keys(text: str, where: str = KEYS_VARIABLE) -> tuple[str, ...]:
    keys = tuple(k.strip() for k in text.split(",") if k.strip())
    for n, key in enumerate(keys, start=1):
        try:
            Fernet(key)
        except (ValueError, TypeError) as exc:
            raise KeyringError(
                f"{where}: key {n} is not a Fernet key (32 bytes in url-safe base64, "
                "44 characters); make one with `casework keys new`"
            ) from exc
    return keys


def configured_keys(
    env: Mapping[str, str], instance: Path, *, create: bool = True
) -> tuple[str, ...]:
    """The keys, newest first: CASEWORK_ENCRYPTION_KEYS, else the instance folder's key
    file; with `create`, a key is generated into that file when there is neither."""
    if env.get(KEYS_VARIABLE, "").strip():
        return parse_keys(env[KEYS_VARIABLE])
    path = instance / KEY_FILE
    if path.exists():
        return parse_keys(path.read_text(), str(path))
    if not create:
        return ()
    instance.mkdir(parents=True, exist_ok=True)
    key = new_key()
    path.write_text(key)
    path.chmod(0o600)
    return (key,)


def keys_from_environment(environ: Mapping[str, str] | None = None) -> tuple[str, ...]:
    """The keys as the app reads them, without making one (for migrations and checks)."""
    env = os.environ if environ is None else environ
    instance = Path(env.get("CASEWORK_INSTANCE", "instance")).resolve()
    return configured_keys(env, instance, create=False)


def is_token(value: str) -> bool:
    """Whether a stored value is a Fernet token rather than a clear base32 TOTP key: a
    token starts with the version byte 0x80 ("g" in base64), which base32 never has."""
    return value.startswith("gAAAAA")


class Keyring:
    def __init__(self, keys: Iterable[str]):
        keys = tuple(keys)
        if not keys:
            raise KeyringError(f"no encryption key: set {KEYS_VARIABLE}")
        self.keys = keys
        self._fernet = MultiFernet([Fernet(k) for k in keys])

    def encrypt(self, clear: str) -> str:
        return self._fernet.encrypt(clear.encode()).decode()

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken as exc:
            raise KeyringError(
                f"a stored secret cannot be decrypted with any key in {KEYS_VARIABLE}: "
                "was a key dropped before `casework keys rotate` ran?"
            ) from exc

    def rotate(self, token: str) -> str:
        """The same secret, encrypted with the newest key."""
        try:
            return self._fernet.rotate(token.encode()).decode()
        except InvalidToken as exc:
            raise KeyringError(
                f"a stored secret cannot be decrypted with any key in {KEYS_VARIABLE}"
            ) from exc


@functools.lru_cache(maxsize=8)
def keyring_for(keys: tuple[str, ...]) -> Keyring:
    return Keyring(keys)
