"""``Idempotency-Key``: a retried write is done once, and its retries get the same answer.

A client that lost the answer to a write (a timeout, a dropped connection, a 503 from a
proxy after the commit) cannot know whether it happened. Sent with an ``Idempotency-Key``
header, the write and its response are stored in one transaction — the request's unit of
work — so either both exist or neither does. A retry with the same key:

- and the same method, path and body gets the stored response again (status, body,
  ``Location``, ``ETag``), marked ``Idempotent-Replayed: true``;
- and another request is refused: 422 ``idempotency_key_reused``;
- while the first is still running gets 409 ``idempotency_key_in_use`` with
  ``Retry-After`` (on SQLite, whose writers take turns, it waits for the first instead).

Keys are scoped per principal (the authenticated subject; anonymous callers share one
scope) and expire after ``FOUNDATION_IDEMPOTENCY__TTL_SECONDS``. Only responses the
endpoint returned are stored: an error rolls the key back with the write, so a retry runs
again. Requests without the header take the endpoint's own path, untouched.

The records live in ``foundation_idempotency_keys`` (:mod:`foundation.models.idempotency`):
import that module where the service's models are, so its migrations create the table.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import random
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Annotated, Any, cast

from fastapi import Depends, Header, Request, Response
from sqlalchemy import bindparam, delete, func, insert, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import DBAPIError

from foundation.config import Settings
from foundation.context import current_actor
from foundation.db import Database, UnitOfWork
from foundation.errors import (
    ConfigurationError,
    ConflictError,
    DuplicateError,
    FoundationError,
    TransactionConflictError,
    ValidationError,
    classify_db_error,
)
from foundation.logging import logger
from foundation.models.idempotency_table import IDEMPOTENCY_KEYS
from foundation.models.types import utcnow
from foundation.web.dependencies import get_database
from foundation.web.openapi import problem_statuses

IDEMPOTENCY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255
PURGE_CHANCE = 0.01  # share of keyed requests that also delete expired records
_REPLAYED = ("content-type", "location", "etag")  # response headers stored with the body
_TABLE = IDEMPOTENCY_KEYS
# MariaDB: an insert meeting another transaction's uncommitted key fails at once (1205)
# instead of waiting for it, like PostgreSQL's try-lock
_MARIADB_CLAIM = text(
    "SET STATEMENT innodb_lock_wait_timeout=0 FOR "
    "INSERT INTO foundation_idempotency_keys (id, fingerprint, expires_at) "
    "VALUES (:id, :fingerprint, :expires_at)"
).bindparams(bindparam("expires_at", type_=_TABLE.c.expires_at.type))


class IdempotencyKeyReusedError(ValidationError):
    """Raised when an ``Idempotency-Key`` comes back with another method, path or body."""

    code = "idempotency_key_reused"
    default_message = "This Idempotency-Key was used for a different request."


class IdempotencyKeyInUseError(ConflictError):
    """Raised when a request with the same ``Idempotency-Key`` is still being processed."""

    code = "idempotency_key_in_use"
    transient = True
    default_message = "A request with this Idempotency-Key is in progress; retry later."


KeyHeader = Annotated[
    str,  # not ``| None``: the schema must not offer a null header
    Header(
        alias=IDEMPOTENCY_HEADER,
        min_length=1,
        max_length=MAX_KEY_LENGTH,
        pattern=r"^[!-~]+$",
        description="A unique value (e.g. a UUID) per intended write: a retry with the same "
        "key and body gets the stored response instead of writing again "
        f"(`{REPLAYED_HEADER}: true`); the same key with another body is 422, while the "
        "first is in progress 409",
    ),
]


def idempotent(endpoint: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    """``endpoint`` (a route function returning a ``Response``) with ``Idempotency-Key``
    support: the header joins its parameters (and the OpenAPI document)."""
    signature = inspect.signature(endpoint, eval_str=True)
    parameters = [
        p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in signature.parameters.values()
    ]
    # FastAPI hands the request to one parameter only: the endpoint's own, if it has one
    request_name = next((p.name for p in parameters if p.annotation is Request), None)
    takes_request = request_name is not None
    request_name = request_name or "idempotency_request"

    @problem_statuses(409, 422)
    async def with_idempotency(
        *, idempotency_key: str | None = None, idempotency_database: Database, **values: Any
    ) -> Any:
        request = values[request_name] if takes_request else values.pop(request_name)
        if idempotency_key is None:
            return await endpoint(**values)
        return await _once(endpoint, values, idempotency_key, request, idempotency_database)

    extra = [
        inspect.Parameter(
            "idempotency_key", inspect.Parameter.KEYWORD_ONLY, default=None, annotation=KeyHeader
        ),
        inspect.Parameter(
            "idempotency_database",
            inspect.Parameter.KEYWORD_ONLY,
            annotation=Annotated[Database, Depends(get_database)],
        ),
    ]
    if not takes_request:
        extra.append(
            inspect.Parameter(request_name, inspect.Parameter.KEYWORD_ONLY, annotation=Request)
        )
    with_idempotency.__signature__ = signature.replace(  # type: ignore[attr-defined]  # FastAPI reads it
        parameters=[*parameters, *extra]
    )
    with_idempotency.__name__ = endpoint.__name__
    with_idempotency.__doc__ = endpoint.__doc__
    return with_idempotency


async def _once(
    endpoint: Callable[..., Awaitable[Any]],
    values: dict[str, Any],
    key: str,
    request: Request,
    database: Database,
) -> Response:
    settings: Settings = request.app.state.settings
    record = record_id(current_actor(), key)
    fingerprint = request_fingerprint(request.method, request.url.path, await request.body())
    now = utcnow()
    expires_at = now + timedelta(seconds=settings.idempotency.ttl_seconds)
    async with database.unit() as unit:
        stored = await _claim(unit, record, fingerprint, now, expires_at)
        if stored is not None:
            return stored
        response = await endpoint(**values)
        if not isinstance(response, Response):
            raise ConfigurationError("an idempotent endpoint must return a Response")
        await _store(unit, record, response)
    if random.random() < PURGE_CHANCE:
        try:
            await purge_expired(database)
        except FoundationError as error:  # housekeeping: the write is done, answer it
            logger.warning("purging expired idempotency keys failed: {code}", code=error.code)
    return response


def record_id(principal: str | None, key: str) -> str:
    """The stored id of ``key`` sent by ``principal``: a SHA-256 hex digest."""
    return hashlib.sha256(f"{principal or ''}\0{key}".encode()).hexdigest()


def request_fingerprint(method: str, path: str, body: bytes) -> str:
    """A digest of the request a key was first used for; JSON bodies are compared as data
    (key order and spacing aside)."""
    try:
        canonical = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
    except ValueError:
        canonical = body
    return hashlib.sha256(method.encode() + b"\0" + path.encode() + b"\0" + canonical).hexdigest()


async def _claim(
    unit: UnitOfWork, record: str, fingerprint: str, now: datetime, expires_at: datetime
) -> Response | None:
    """Take ``record`` for this transaction, or return the response stored under it."""
    values = {"id": record, "fingerprint": fingerprint, "expires_at": expires_at}
    try:
        if not await _insert(unit, values):
            return await _existing(unit, record, fingerprint, now, expires_at)
    except DBAPIError as error:
        translated = classify_db_error(error)
        if isinstance(translated, DuplicateError):
            return await _existing(unit, record, fingerprint, now, expires_at)
        if isinstance(translated, TransactionConflictError):
            raise IdempotencyKeyInUseError() from error
        raise
    return None


async def _insert(unit: UnitOfWork, values: dict[str, Any]) -> bool:
    """Insert the claim; ``False`` when a record exists already (some dialects raise
    ``DuplicateError`` instead)."""
    dialect = unit.connection.dialect.name
    if dialect == "postgresql":
        # another transaction holding the key is in flight: answer now, do not wait for it
        lock = int.from_bytes(bytes.fromhex(values["id"])[:8], "big", signed=True)
        if not await unit.scalar(select(func.pg_try_advisory_xact_lock(lock))):
            raise IdempotencyKeyInUseError()
        statement: Any = pg_insert(_TABLE).values(values).on_conflict_do_nothing()
    elif dialect == "mysql":
        statement = _MARIADB_CLAIM.bindparams(**values)
    elif dialect == "sqlite":
        statement = sqlite_insert(_TABLE).values(values).on_conflict_do_nothing()
    else:
        statement = insert(_TABLE).values(values)
    result = cast(CursorResult[Any], await unit.execute(statement))
    return bool(result.rowcount)


async def _existing(
    unit: UnitOfWork, record: str, fingerprint: str, now: datetime, expires_at: datetime
) -> Response | None:
    """The stored response under ``record``; an expired record is taken over (``None``)."""
    row = (await unit.execute(select(_TABLE).where(_TABLE.c.id == record))).one()
    if row.expires_at <= now:
        await unit.execute(
            update(_TABLE)
            .where(_TABLE.c.id == record)
            .values(
                fingerprint=fingerprint, expires_at=expires_at, status=None, headers=None, body=None
            )
        )
        return None
    if row.fingerprint != fingerprint:
        raise IdempotencyKeyReusedError()
    if row.status is None:  # only its own transaction sees it so; kept for safety
        raise IdempotencyKeyInUseError()
    headers = json.loads(row.headers or "{}")
    headers[REPLAYED_HEADER] = "true"
    return Response(row.body, status_code=row.status, headers=headers)


async def _store(unit: UnitOfWork, record: str, response: Response) -> None:
    headers = {name: response.headers[name] for name in _REPLAYED if name in response.headers}
    await unit.execute(
        update(_TABLE)
        .where(_TABLE.c.id == record)
        .values(
            status=response.status_code,
            headers=json.dumps(headers),
            body=bytes(response.body).decode(),  # JSON: UTF-8 text
        )
    )


async def purge_expired(database: Database) -> int:
    """Delete expired records; returns how many. Keyed requests call it now and then."""
    async with database.writing() as connection:
        result = await connection.execute(delete(_TABLE).where(_TABLE.c.expires_at <= utcnow()))
    return int(result.rowcount)
