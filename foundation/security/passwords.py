"""Password hashing with Argon2id (argon2-cffi's recommended parameters).

An Argon2 check costs a few hundred milliseconds of CPU by design. Async code calls
``hash_async`` / ``verify_async``, which run it in a small pool of worker threads of its own
(argon2-cffi releases the GIL), at a lower CPU priority: the event loop keeps serving other
requests and a burst of sign-ins queues instead of starving the machine.
"""

from __future__ import annotations

import asyncio
import os
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

from argon2 import PasswordHasher as _Argon2
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from foundation.config import SecuritySettings

THREAD_NICENESS = 10
"""How much lower than the event loop's the CPU priority of the hashing threads is (Linux)."""


def _lower_priority() -> None:
    # Each Argon2 check keeps every core busy for a few hundred milliseconds (its lanes run
    # in threads of their own, which inherit this thread's priority): at a lower priority
    # the event loop's short bursts of work still get a core at once. Linux only: there
    # a thread id names one thread; elsewhere it would renice the whole process.
    if sys.platform == "linux":
        thread = threading.get_native_id()
        os.setpriority(
            os.PRIO_PROCESS, thread, os.getpriority(os.PRIO_PROCESS, thread) + THREAD_NICENESS
        )


class PasswordHasher:
    """Hash and verify passwords; ``verify`` never raises on a wrong password.

    ``*_async`` run at most ``concurrency`` checks at once; 0 means one per as many cores
    as a check runs lanes on (four by default), which keeps every core busy and no more.
    A missing account (``encoded=None``) is checked against a dummy hash, so it costs the
    same as a wrong password and timing does not reveal which accounts exist.
    """

    def __init__(self, hasher: _Argon2 | None = None, *, concurrency: int = 0) -> None:
        self._hasher = hasher or _Argon2()
        self._dummy: str | None = None  # made on first use: it costs one full hash
        lanes = self._hasher.parallelism  # a check runs on this many threads at once
        concurrency = concurrency or max(1, (os.cpu_count() or 1) // lanes)
        self._pool = ThreadPoolExecutor(
            concurrency, thread_name_prefix="argon2", initializer=_lower_priority
        )
        self._concurrency = concurrency

    @classmethod
    def from_settings(cls, settings: SecuritySettings) -> PasswordHasher:
        """A hasher running ``settings.password_hash_concurrency`` checks at once."""
        return cls(concurrency=settings.password_hash_concurrency)

    @property
    def concurrency(self) -> int:
        """How many hashes or checks may run at once in ``*_async``."""
        return self._concurrency

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
        """``hash`` in one of ``concurrency`` worker threads (others wait their turn)."""
        return await asyncio.get_running_loop().run_in_executor(self._pool, self.hash, password)

    async def verify_async(self, encoded: str | None, password: str) -> bool:
        """``verify`` in one of ``concurrency`` worker threads (others wait their turn)."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, self.verify, encoded, password)

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
