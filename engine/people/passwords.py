"""Password hashing with argon2 (OWASP's first choice); the web login and the admin use this."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


@cache
def _dummy_hash() -> str:
    return _hasher.hash("not a password anyone has")


def verify_password(stored_hash: str | None, password: str) -> bool:
    """True if `password` matches. An unknown user is checked against a dummy hash so that
    the answer takes as long as for a known one (no user enumeration by timing)."""
    try:
        return _hasher.verify(stored_hash or _dummy_hash(), password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False
