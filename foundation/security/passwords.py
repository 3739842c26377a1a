"""Password hashing with Argon2id (argon2-cffi's recommended parameters)."""

from __future__ import annotations

from argon2 import PasswordHasher as _Argon2
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError


class PasswordHasher:
    """Hash and verify passwords; ``verify`` never raises on a wrong password."""

    def __init__(self, hasher: _Argon2 | None = None) -> None:
        self._hasher = hasher or _Argon2()
        # compared against when the account does not exist, so timing reveals nothing
        self._dummy = self._hasher.hash("not-a-password")

    def hash(self, password: str) -> str:
        """The encoded Argon2id hash of ``password`` (salted; differs on every call)."""
        return self._hasher.hash(password)

    def verify(self, encoded: str | None, password: str) -> bool:
        """Whether ``password`` matches ``encoded``; ``None`` (no account) costs the same."""
        try:
            return self._hasher.verify(encoded or self._dummy, password) and encoded is not None
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, encoded: str) -> bool:
        """Whether ``encoded`` was made with weaker parameters than the current ones."""
        return self._hasher.check_needs_rehash(encoded)


_default: PasswordHasher | None = None


def _hasher() -> PasswordHasher:
    global _default  # built on first use, not at import time
    if _default is None:
        _default = PasswordHasher()
    return _default


def hash_password(password: str) -> str:
    """Hash ``password`` with the default hasher."""
    return _hasher().hash(password)


def verify_password(encoded: str | None, password: str) -> bool:
    """Check ``password`` against ``encoded`` with the default hasher."""
    return _hasher().verify(encoded, password)
