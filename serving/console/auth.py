"""Who may use the steward console, and the checks every request passes.

Stewards and their passwords come from the config (``console.stewards``: name →
password hash, made by ``hub steward --hash-password``) and from the environment
(``HUB_STEWARDS="alice:secret bob:other"``, plain, for a trial). Every form carries a
token bound to the session, so another site cannot post on a steward's behalf. Failed
logins hold off the name tried, and the address they came from.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import os
import secrets
import threading
import time
from collections.abc import Mapping
from typing import Final

#: Stewards and plain passwords, separated by spaces: ``name:password name:password``.
STEWARDS_ENV: Final = "HUB_STEWARDS"
#: Key that signs session cookies; without it each console start makes its own.
SECRET_ENV: Final = "HUB_CONSOLE_SECRET"

_SCRYPT: Final = {"n": 2**14, "r": 8, "p": 1}


def hash_password(password: str, salt: bytes | None = None) -> str:
    """A password hash for ``console.stewards``: ``scrypt$<salt>$<hash>`` in hex."""
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, **_SCRYPT)
    return f"scrypt${salt.hex()}${digest.hex()}"


def _matches(password: str, stored: str) -> bool:
    kind, _, rest = stored.partition("$")
    if kind != "scrypt":
        return False
    salt_hex, _, _ = rest.partition("$")
    return hmac.compare_digest(hash_password(password, bytes.fromhex(salt_hex)), stored)


class Stewards:
    """The stewards who may log in."""

    def __init__(self, hashed: Mapping[str, str], plain: Mapping[str, str]) -> None:
        self._hashed = dict(hashed)
        self._plain = dict(plain)

    @classmethod
    def from_settings(cls, hashed: Mapping[str, str]) -> Stewards:
        """The config's stewards, and those of ``HUB_STEWARDS``."""
        plain = {}
        for entry in os.environ.get(STEWARDS_ENV, "").split():
            name, _, password = entry.partition(":")
            if name and password:
                plain[name] = password
        return cls(hashed, plain)

    def __bool__(self) -> bool:
        return bool(self._hashed or self._plain)

    def check(self, name: str, password: str) -> bool:
        """Whether the name and password are a steward's (in constant time per check)."""
        if name in self._hashed:
            return _matches(password, self._hashed[name])
        # As slow as checking a hash whatever the name, so that names cannot be probed.
        hash_password(password)
        plain = self._plain.get(name)
        return plain is not None and hmac.compare_digest(plain.encode(), password.encode())


def new_token() -> str:
    """A fresh anti-forgery token for a session."""
    return secrets.token_urlsafe(32)


def same_token(given: str | None, expected: str | None) -> bool:
    """Whether a form's token is its session's."""
    return bool(given and expected) and hmac.compare_digest(str(given), str(expected))


def session_secret() -> str:
    """The key that signs session cookies."""
    return os.environ.get(SECRET_ENV) or secrets.token_hex(32)


class Sessions:
    """The logged-in sessions of this console: a signed cookie counts only while its
    session is open here, so logging out ends it even where the cookie was copied."""

    def __init__(self) -> None:
        self._open: set[str] = set()
        self._lock = threading.Lock()

    def open(self) -> str:
        session_id = secrets.token_urlsafe(24)
        with self._lock:
            self._open.add(session_id)
        return session_id

    def is_open(self, session_id: object) -> bool:
        with self._lock:
            return isinstance(session_id, str) and session_id in self._open

    def close(self, session_id: object) -> None:
        with self._lock:
            self._open.discard(str(session_id))


class LoginAttempts:
    """Failed logins per steward name or client address: after `limit` within `WINDOW`
    seconds, the name or address may not try again until the oldest of them is `WINDOW`
    seconds old."""

    WINDOW: Final = 15 * 60.0

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._failed: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> list[float]:
        recent = [at for at in self._failed.get(key, []) if now - at < self.WINDOW]
        if recent:
            self._failed[key] = recent
        else:
            self._failed.pop(key, None)
        return recent

    def blocked(self, key: str) -> bool:
        with self._lock:
            return len(self._recent(key, time.monotonic())) >= self.limit

    def failed(self, key: str) -> None:
        with self._lock:
            now = time.monotonic()
            self._failed[key] = [*self._recent(key, now), now]

    def succeeded(self, key: str) -> None:
        with self._lock:
            self._failed.pop(key, None)


def client_network(host: str | None) -> str:
    """Where a login comes from, as failed logins are counted: the client's IPv4 address,
    or its IPv6 /64, since one host commonly holds a whole /64."""
    try:
        address = ipaddress.ip_address(host or "")
    except ValueError:
        return host or ""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)
