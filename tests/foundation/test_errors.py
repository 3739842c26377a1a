"""The error hierarchy: stable codes and statuses, problem documents, translation."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from foundation import Database
from foundation.errors import (
    AuthenticationError,
    ConcurrencyError,
    ConfigurationError,
    ConflictError,
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
