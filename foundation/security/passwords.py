"""Password hashing with Argon2id (argon2-cffi's recommended parameters).

An Argon2 check costs a few hundred milliseconds of CPU by design. Async code calls
``hash_async`` / ``verify_async``, which run it in a worker thread (argon2-cffi releases the
GIL) behind a capacity limiter, so the event loop keeps serving other requests and a burst
of sign-ins queues instead of starving the machine.
"""

from __future__ import annotations

from anyio import CapacityLimiter, to_thread
from argon2 import PasswordHasher as _Argon2
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from foundation.config import SecuritySettings

DEFAULT_CONCURRENCY = 2
"""Argon2 checks run at once per process, by default (more wait their turn)."""


class PasswordHasher:
    """Hash and verify passwords; ``verify`` never raises on a wrong password.

    A missing account (``encoded=None``) is checked against a dummy hash, so it costs the
    same as a wrong password and timing does not reveal which accounts exist.
    """

    def __init__(
        self, hasher: _Argon2 | None = None, *, concurrency: int = DEFAULT_CONCURRENCY
    ) -> None:
        self._hasher = hasher or _Argon2()
        self._dummy: str | None = None  # made on first use: it costs one full hash
        self._limiter = CapacityLimiter(concurrency)

    @classmethod
    def from_settings(cls, settings: SecuritySettings) -> PasswordHasher:
        """A hasher running at most ``settings.password_hash_concurrency`` checks at once."""
        return cls(concurrency=settings.password_hash_concurrency)

    @property
    def concurrency(self) -> int:
        """How many hashes or checks may run at once in ``*_async``."""
        return int(self._limiter.total_tokens)

    def hash(self, password: str) -> str:
        """The encoded Argon2id hash of ``password`` (salted; differs on every call)."""
        return self._hasher.hash(password)

    def verify(self, encoded: str | None, password: str) -> bool:
        """Whether ``password`` matches ``encoded``; ``None`` (no account) costs the same."""
        if self._dummy is None:
            self._dummy = self._hasher.hash("not-a-password")
        try:
            return self._hasher.verify(encoded or self._dummy, password) and encoded is not None
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    async def hash_async(self, password: str) -> str:
        """``hash`` in a worker thread, at most ``concurrency`` at once."""
        return await to_thread.run_sync(self.hash, password, limiter=self._limiter)

    async def verify_async(self, encoded: str | None, password: str) -> bool:
        """``verify`` in a worker thread, at most ``concurrency`` at once."""
        return await to_thread.run_sync(self.verify, encoded, password, limiter=self._limiter)

    def needs_rehash(self, encoded: str) -> bool:
        """Whether ``encoded`` was made with weaker parameters than the current ones."""
        return self._hasher.check_needs_rehash(encoded)


_default: PasswordHasher | None = None


def default_hasher() -> PasswordHasher:
    """The process-wide hasher with default parameters, built on first use."""
    global _default  # built on first use, not at import time
    if _default is None:
        _default = PasswordHasher()
    return _default


def hash_password(password: str) -> str:
    """Hash ``password`` with the default hasher (blocks: use ``hash_async`` in async code)."""
    return default_hasher().hash(password)


def verify_password(encoded: str | None, password: str) -> bool:
    """Check ``password`` against ``encoded`` with the default hasher (blocks, like ``hash``)."""
    return default_hasher().verify(encoded, password)
