"""The error hierarchy: stable codes and statuses, problem documents, translation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from foundation import Database
from foundation.errors import (
    AuthenticationError,
    ConcurrencyError,
    ConfigurationError,
    ConflictError,
    DatabaseAccessError,
    DatabaseError,
    DatabaseUnavailableError,
    DuplicateError,
    ForeignKeyError,
    FoundationError,
    IntegrityViolationError,
    NotFoundError,
    PermissionDeniedError,
    PreconditionFailedError,
    TransactionConflictError,
    ValidationError,
    classify_db_error,
)

HIERARCHY = [
    # class, code, status, transient, parent
    (ConfigurationError, "configuration_error", 500, False, FoundationError),
    (ValidationError, "validation_error", 422, False, FoundationError),
    (NotFoundError, "not_found", 404, False, FoundationError),
    (ConflictError, "conflict", 409, False, FoundationError),
    (DuplicateError, "duplicate", 409, False, ConflictError),
    (ForeignKeyError, "foreign_key_violation", 409, False, ConflictError),
    (IntegrityViolationError, "integrity_violation", 409, False, ConflictError),
    (ConcurrencyError, "stale_version", 409, False, ConflictError),
    (PreconditionFailedError, "precondition_failed", 412, False, ConcurrencyError),
    (TransactionConflictError, "transaction_conflict", 409, True, ConflictError),
    (AuthenticationError, "unauthenticated", 401, False, FoundationError),
    (PermissionDeniedError, "forbidden", 403, False, FoundationError),
    (DatabaseUnavailableError, "database_unavailable", 503, True, FoundationError),
    (DatabaseError, "database_error", 500, False, FoundationError),
]


@pytest.mark.parametrize(("cls", "code", "status", "transient", "parent"), HIERARCHY)
def test_each_error_has_a_stable_code_status_and_parent(
    cls: type[FoundationError], code: str, status: int, transient: bool, parent: type
) -> None:
    error = cls()
    assert (error.code, error.status, error.transient) == (code, status, transient)
    assert isinstance(error, parent)
    assert error.message == cls.default_message
    assert cls.__doc__


def test_codes_are_unique() -> None:
    codes = [code for _, code, *_ in HIERARCHY]
    assert len(codes) == len(set(codes))


def test_to_problem_renders_rfc_9457() -> None:
    error = DuplicateError("Sku taken.", details={"constraint": "uq_x", "fields": ["sku"]})
    problem = error.to_problem(instance="/widgets", request_id="r1", trace=None)
    assert problem == {
        "type": "urn:problem:duplicate",
        "title": "Conflict",
        "status": 409,
        "detail": "Sku taken.",
        "code": "duplicate",
        "instance": "/widgets",
        "constraint": "uq_x",
        "fields": ["sku"],
        "request_id": "r1",
    }
    assert NotFoundError().to_problem()["title"] == "Not Found"


def test_classifying_a_foundation_error_returns_it_unchanged() -> None:
    error = NotFoundError()
    assert classify_db_error(error) is error


async def test_an_unreachable_server_is_unavailable_and_transient() -> None:
    # a real connection attempt to a port nothing listens on
    database = Database.from_settings("postgresql://postgres@127.0.0.1:9/none")
    try:
        with pytest.raises(DatabaseUnavailableError) as info:
            async with database.transaction() as session:
                await session.execute(text("SELECT 1"))
    finally:
        await database.dispose()
    assert info.value.transient
    assert info.value.to_problem()["status"] == 503


async def _first_error(url: str) -> FoundationError:
    database = Database.from_settings(url)
    try:
        with pytest.raises(DatabaseUnavailableError) as info:
            async with database.transaction() as session:
                await session.execute(text("SELECT 1"))
    finally:
        await database.dispose()
    return info.value


async def test_a_missing_database_is_refused_for_good_with_a_reason_for_operators(
    db_backend: Any, db_url: str
) -> None:
    if db_backend.dialect == "sqlite":
        pytest.skip("SQLite creates a missing file: no server to refuse a database")
    url = make_url(db_url).set(database="no_such_database_errors")
    error = await _first_error(url.render_as_string(hide_password=False))
    assert isinstance(error, DatabaseAccessError)
    assert not error.transient  # retrying will not create it
    assert error.reason is not None
    assert "no_such_database_errors" in error.reason
    assert error.reason.endswith("; create the database, or fix the database URL")
    assert error.reason in str(error)  # the log's traceback line carries it
    problem = error.to_problem()
    assert (problem["status"], problem["code"]) == (503, "database_unavailable")
    assert "no_such_database_errors" not in str(problem)  # clients get the generic problem


async def test_a_sqlite_file_that_cannot_be_opened_is_refused_for_good(tmp_path: Path) -> None:
    # a folder where the file should be: SQLITE_CANTOPEN, whatever the retries
    error = await _first_error(f"sqlite+aiosqlite:///{tmp_path}")
    assert isinstance(error, DatabaseAccessError)
    assert error.reason == (
        "unable to open database file; check that the file can be created or opened in its folder"
    )
    assert "unable" not in str(error.to_problem())
