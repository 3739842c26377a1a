"""Password hashing with Argon2id."""

from __future__ import annotations

from argon2 import PasswordHasher as Argon2

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
