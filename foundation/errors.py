"""Every error the foundation raises, and the one place database errors are translated.

Each class says when it is raised. ``to_problem()`` renders an RFC 9457 problem document;
``translate_db_errors()`` turns driver exceptions into these classes by SQLSTATE or driver
error code, never by matching message text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from http import HTTPStatus
from typing import Any, ClassVar

from sqlalchemy import exc as sa_exc
from sqlalchemy.orm.exc import StaleDataError

PROBLEM_TYPE_PREFIX = "urn:problem:"


class FoundationError(Exception):
    """Base of every error the foundation raises on purpose."""

    code: ClassVar[str] = "error"
    status: ClassVar[int] = 500
    transient: ClassVar[bool] = False
    default_message: ClassVar[str] = "An unexpected error occurred."

    def __init__(
        self,
        message: str | None = None,
        *,
        details: dict[str, Any] | None = None,
        reason: str | None = None,
    ):
        self.message = message or self.default_message
        self.details: dict[str, Any] = details or {}
        # for operators (the log, the CLI): never rendered into the problem document
        self.reason = reason
        super().__init__(self.message)

    def __str__(self) -> str:
        return f"{self.message} ({self.reason})" if self.reason else self.message

    @property
    def title(self) -> str:
        """The standard phrase for the status, e.g. ``Not Found``."""
        return HTTPStatus(self.status).phrase

    def to_problem(self, *, instance: str | None = None, **extra: Any) -> dict[str, Any]:
        """Render an RFC 9457 problem document (``application/problem+json`` body)."""
        problem: dict[str, Any] = {
            "type": PROBLEM_TYPE_PREFIX + self.code,
            "title": self.title,
            "status": self.status,
            "detail": self.message,
            "code": self.code,
        }
        if instance is not None:
            problem["instance"] = instance
        if self.details:
            problem.update(self.details)
        problem.update({k: v for k, v in extra.items() if v is not None})
        return problem


# -- configuration -------------------------------------------------------------------


class ConfigurationError(FoundationError):
    """Raised when settings or arguments are unusable (unsafe production values, bad URL)."""

    code = "configuration_error"
    default_message = "The configuration is invalid."


# -- client errors -------------------------------------------------------------------


class ValidationError(FoundationError):
    """Raised when input breaks a rule: unknown filter field, bad cursor, business validation."""

    code = "validation_error"
    status = 422
    default_message = "The request is invalid."


class BadRequestError(FoundationError):
    """Raised when a request is malformed outside its body and query (a garbled header)."""

    code = "bad_request"
    status = 400
    default_message = "The request is malformed."


class InvalidCursorError(ValidationError):
    """Raised when a keyset cursor is malformed, tampered with, or from another query."""

    code = "invalid_cursor"
    default_message = "The cursor is invalid for this query."


class NotFoundError(FoundationError):
    """Raised when the requested entity does not exist (or is soft-deleted)."""

    code = "not_found"
    status = 404
    default_message = "The requested resource was not found."

    @classmethod
    def of(cls, resource: str, id: Any) -> NotFoundError:
        """The error for entity ``id`` of ``resource`` (every repository raises this one)."""
        return cls(f"{resource} {id} was not found.", details={"resource": resource, "id": str(id)})


class ConflictError(FoundationError):
    """Raised when the request conflicts with the current state of a resource."""

    code = "conflict"
    status = 409
    default_message = "The request conflicts with the current state of the resource."


class DuplicateError(ConflictError):
    """Raised on a unique-constraint violation; ``details`` names the constraint and fields."""

    code = "duplicate"
    default_message = "A resource with the same unique values already exists."


class ForeignKeyError(ConflictError):
    """Raised on a foreign-key violation; ``details`` names the relation when known."""

    code = "foreign_key_violation"
    default_message = "The resource refers to, or is referred to by, another resource."


class IntegrityViolationError(ConflictError):
    """Raised on a NOT NULL or CHECK constraint violation."""

    code = "integrity_violation"
    default_message = "The data violates a constraint of the resource."


class ConcurrencyError(ConflictError):
    """Raised when an update carries a stale version (optimistic locking)."""

    code = "stale_version"
    default_message = "The resource was changed by someone else; reload it and retry."

    @classmethod
    def stale(cls, expected: int | None, current: int) -> ConcurrencyError:
        """The error for an update expecting version ``expected`` of one at ``current``."""
        return cls(details={"expected_version": expected, "current_version": current})


class PreconditionFailedError(ConcurrencyError):
    """Raised when an ``If-Match`` precondition does not hold."""

    code = "precondition_failed"
    status = 412


class PreconditionRequiredError(FoundationError):
    """Raised when a route requires ``If-Match`` on writes and the request has none."""

    code = "precondition_required"
    status = 428
    default_message = "This resource is changed only with If-Match: send the ETag you read."


class TransactionConflictError(ConflictError):
    """Raised on a serialization failure, deadlock or lock timeout; safe to retry."""

    code = "transaction_conflict"
    transient = True
    default_message = "The operation collided with a concurrent one; retry it."


class AuthenticationError(FoundationError):
    """Raised when credentials are missing or invalid."""

    code = "unauthenticated"
    status = 401
    default_message = "Authentication is required."


class PermissionDeniedError(FoundationError):
    """Raised when the principal lacks a required scope or right."""

    code = "forbidden"
    status = 403
    default_message = "You are not allowed to perform this operation."


# -- server errors -------------------------------------------------------------------


class DatabaseUnavailableError(FoundationError):
    """Raised when the database cannot be reached or dropped the connection; transient."""

    code = "database_unavailable"
    status = 503
    transient = True
    default_message = "The database is temporarily unavailable."


class DatabaseAccessError(DatabaseUnavailableError):
    """Raised when the database refuses this service for good: no such database, a wrong user
    or password, a SQLite file that cannot be opened. Not transient: ``reason`` says what an
    operator must fix; clients see the same problem as for an outage."""

    transient = False
    default_message = "The database is unavailable."


class DatabaseError(FoundationError):
    """Raised for any other database failure; the message never carries SQL or driver text."""

    code = "database_error"
    status = 500
    default_message = "A database error occurred."


# -- translation ---------------------------------------------------------------------

_PG_CLASSES: dict[str, type[FoundationError]] = {
    "23505": DuplicateError,
    "23503": ForeignKeyError,
    "23502": IntegrityViolationError,
    "23514": IntegrityViolationError,
    "40001": TransactionConflictError,
    "40P01": TransactionConflictError,
    "55P03": TransactionConflictError,
    "57P01": DatabaseUnavailableError,  # admin shutdown
    "57P02": DatabaseUnavailableError,
    "57P03": DatabaseUnavailableError,  # cannot connect now
    "3D000": DatabaseAccessError,  # invalid_catalog_name: no such database
    "28000": DatabaseAccessError,  # invalid_authorization_specification: no such role
    "28P01": DatabaseAccessError,  # invalid_password
}
_MYSQL_CODES: dict[int, type[FoundationError]] = {
    1062: DuplicateError,
    1451: ForeignKeyError,
    1452: ForeignKeyError,
    1216: ForeignKeyError,
    1217: ForeignKeyError,
    1048: IntegrityViolationError,
    1364: IntegrityViolationError,
    3819: IntegrityViolationError,  # CHECK (MySQL)
    4025: IntegrityViolationError,  # CHECK (MariaDB)
    1213: TransactionConflictError,
    1205: TransactionConflictError,
    1044: DatabaseAccessError,  # access denied to the database
    1045: DatabaseAccessError,  # access denied: user or password
    1049: DatabaseAccessError,  # unknown database
    1698: DatabaseAccessError,  # access denied: no such user (or no password given)
    2002: DatabaseUnavailableError,
    2003: DatabaseUnavailableError,
    2006: DatabaseUnavailableError,
    2013: DatabaseUnavailableError,
    2055: DatabaseUnavailableError,
}
_SQLITE_CODES: dict[int, type[FoundationError]] = {
    2067: DuplicateError,  # SQLITE_CONSTRAINT_UNIQUE
    1555: DuplicateError,  # SQLITE_CONSTRAINT_PRIMARYKEY
    787: ForeignKeyError,  # SQLITE_CONSTRAINT_FOREIGNKEY
    1299: IntegrityViolationError,  # SQLITE_CONSTRAINT_NOTNULL
    275: IntegrityViolationError,  # SQLITE_CONSTRAINT_CHECK
    5: TransactionConflictError,  # SQLITE_BUSY
    517: TransactionConflictError,  # SQLITE_BUSY_SNAPSHOT
    6: TransactionConflictError,  # SQLITE_LOCKED
    14: DatabaseAccessError,  # SQLITE_CANTOPEN
}
# What an operator does about a refused connection, by the same codes.
_FIX_MISSING_DATABASE = "create the database, or fix the database URL"
_FIX_CREDENTIALS = "check the user and password in the database URL"
_FIX_UNREACHABLE = "check that the server is running and reachable at the URL's host and port"
_ACCESS_FIXES: dict[str | int, str] = {
    "3D000": _FIX_MISSING_DATABASE,
    "28000": _FIX_CREDENTIALS,
    "28P01": _FIX_CREDENTIALS,
    1044: "grant the user access to the database, or fix the database URL",
    1045: _FIX_CREDENTIALS,
    1049: _FIX_MISSING_DATABASE,
    1698: _FIX_CREDENTIALS,
    14: "check that the file can be created or opened in its folder",
}
# Names only, for ``details``; classification above never reads messages.
_MYSQL_KEY = re.compile(r"for key '(?:[^'.]+\.)?([^']+)'")
_MYSQL_FK = re.compile(r"CONSTRAINT `([^`]+)`")
_SQLITE_COLUMNS = re.compile(r"constraint failed: (.+)$")


def _driver_error(error: BaseException) -> BaseException:
    orig = getattr(error, "orig", None) or error
    return orig


def _sqlstate(orig: BaseException) -> str | None:
    for candidate in (orig, orig.__cause__):
        code = getattr(candidate, "sqlstate", None) or getattr(candidate, "pgcode", None)
        if isinstance(code, str):
            return code
    return None


def _details(orig: BaseException, cls: type[FoundationError]) -> dict[str, Any]:
    details: dict[str, Any] = {}
    cause = orig.__cause__ or orig
    constraint = getattr(cause, "constraint_name", None)
    text = str(orig.args[-1]) if orig.args else ""
    if constraint is None and cls in (DuplicateError, ForeignKeyError):
        match = (_MYSQL_KEY if cls is DuplicateError else _MYSQL_FK).search(text)
        constraint = match.group(1) if match else None
    if constraint:
        details["constraint"] = constraint
    if cls is DuplicateError:
        match = _SQLITE_COLUMNS.search(text)
        if match:
            details["fields"] = [c.strip().split(".")[-1] for c in match.group(1).split(",")]
    return details


def _driver_text(orig: BaseException) -> str:
    """The driver's own words, first line only (SQLAlchemy's adapters prefix a class name)."""
    if len(orig.args) > 1 and isinstance(orig.args[0], int):  # MySQL: (code, message)
        text = str(orig.args[1])
    elif _sqlstate(orig) is not None and orig.__cause__ is not None:  # asyncpg, adapted
        text = str(orig.__cause__)
    else:
        text = str(orig)
    lines = text.strip().splitlines()
    return lines[0] if lines else type(orig).__name__


def _reason(orig: BaseException, cls: type[FoundationError], key: str | int | None) -> str | None:
    """What an operator needs to know about a connection failure; ``None`` for other errors."""
    if not issubclass(cls, DatabaseUnavailableError):
        return None
    fix = _ACCESS_FIXES.get(key) if key is not None else None
    return f"{_driver_text(orig)}; {fix or _FIX_UNREACHABLE}"


def classify_db_error(error: BaseException) -> FoundationError:
    """Return the foundation error for a SQLAlchemy/driver exception (not raised).

    Connection failures carry a ``reason`` for operators (the driver's words and the fix)."""
    if isinstance(error, FoundationError):
        return error
    orig = _driver_error(error)
    cls: type[FoundationError] | None = None
    key: str | int | None = None
    state = _sqlstate(orig)
    if orig.args and isinstance(orig.args[0], int):
        # MySQL/MariaDB: the driver error code is precise; its SQLSTATE (23000) is not
        key = mysql_code = orig.args[0]
        cls = _MYSQL_CODES.get(mysql_code)
    elif isinstance(getattr(orig, "sqlite_errorcode", None), int):
        key = sqlite_code = orig.sqlite_errorcode  # type: ignore[attr-defined]
        cls = _SQLITE_CODES.get(sqlite_code)
    elif state is not None:
        key = state
        cls = _PG_CLASSES.get(state)
        if cls is None and state.startswith("08"):
            cls = DatabaseUnavailableError
    if cls is None:
        invalidated = isinstance(error, sa_exc.DBAPIError) and error.connection_invalidated
        if invalidated or isinstance(orig, (ConnectionError, OSError, TimeoutError)):
            cls = DatabaseUnavailableError
        else:
            cls = DatabaseError
    return cls(details=_details(orig, cls), reason=_reason(orig, cls, key))


def translated_db_error(error: BaseException) -> FoundationError | None:
    """The foundation error ``translate_db_errors`` raises for ``error``; ``None`` for an
    exception it lets through unchanged."""
    if isinstance(error, StaleDataError):
        return ConcurrencyError()
    if isinstance(error, sa_exc.TimeoutError):  # no pooled connection came free in time
        return DatabaseUnavailableError(
            "The database is busy; no connection came free in time.",
            reason="the pool's connections were all in use for pool_timeout seconds",
        )
    if isinstance(error, sa_exc.DBAPIError | ConnectionError | OSError):
        return classify_db_error(error)
    return None


@contextmanager
def translate_db_errors() -> Iterator[None]:
    """Re-raise database exceptions raised inside the block as foundation errors."""
    try:
        yield
    except Exception as error:
        translated = translated_db_error(error)
        if translated is None:
            raise
        raise translated from error
