"""Password hashing with Argon2id."""

from __future__ import annotations

import asyncio
import os
import threading
import time

from argon2 import PasswordHasher as Argon2

from foundation import SecuritySettings
from foundation.security import PasswordHasher, hash_password, verify_password


def test_hash_verifies_the_right_password_only() -> None:
    encoded = hash_password("correct horse")
    assert encoded.startswith("$argon2id$")
    assert verify_password(encoded, "correct horse")
    assert not verify_password(encoded, "wrong horse")


def test_hashes_are_salted() -> None:
    assert hash_password("same") != hash_password("same")


def test_missing_account_or_garbage_hash_never_verifies() -> None:
    assert not verify_password(None, "not-a-password")
    assert not verify_password("not-a-hash", "anything")


def test_weaker_parameters_need_a_rehash() -> None:
    weak = PasswordHasher(Argon2(time_cost=1, memory_cost=8, parallelism=1))
    encoded = weak.hash("pw")
    assert weak.verify(encoded, "pw")
    assert PasswordHasher().needs_rehash(encoded)
    assert not PasswordHasher().needs_rehash(hash_password("pw"))


class _Counting(PasswordHasher):
    """Records the thread and the number of checks running at once."""

    def __init__(self, concurrency: int) -> None:
        super().__init__(Argon2(time_cost=1, memory_cost=8, parallelism=1), concurrency=concurrency)
        self.threads: set[str] = set()
        self.running = 0
        self.most = 0
        self._lock = threading.Lock()

    def verify(self, encoded: str | None, password: str) -> bool:
        with self._lock:
            self.running += 1
            self.most = max(self.most, self.running)
            self.threads.add(threading.current_thread().name)
        time.sleep(0.05)  # long enough for the others to pile up, if they could
        with self._lock:
            self.running -= 1
        return super().verify(encoded, password)


async def test_async_checks_run_in_worker_threads_at_most_concurrency_at_once() -> None:
    hasher = _Counting(concurrency=2)
    encoded = hasher.hash("correct horse")
    results = await asyncio.gather(
        *(hasher.verify_async(encoded, "correct horse" if n % 2 else "wrong") for n in range(6))
    )
    assert results == [False, True] * 3
    assert hasher.most == 2
    assert threading.current_thread().name not in hasher.threads
    assert all(name.startswith("argon2") for name in hasher.threads)


async def test_async_hash_verifies() -> None:
    hasher = PasswordHasher(Argon2(time_cost=1, memory_cost=8, parallelism=1), concurrency=1)
    encoded = await hasher.hash_async("correct horse")
    assert await hasher.verify_async(encoded, "correct horse")
    assert not await hasher.verify_async(None, "correct horse")


def test_concurrency_zero_means_one_check_per_lanes_worth_of_cores() -> None:
    cores = os.cpu_count() or 1
    assert PasswordHasher(concurrency=0).concurrency == max(1, cores // 4)
    assert PasswordHasher(concurrency=3).concurrency == 3
    settings = SecuritySettings(password_hash_concurrency=5)
    assert PasswordHasher.from_settings(settings).concurrency == 5
