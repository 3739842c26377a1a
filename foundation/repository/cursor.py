"""Opaque keyset cursors: base64url JSON naming the resource, the sort order, the direction
and the sort values of one row, HMAC-signed.

A cursor is only accepted by a query over the same resource with the same order, and its
values must convert to the sort columns' types; anything else is a ``ValidationError``.
The signature stops clients from editing the values.

The key: a codec's own ``secret`` if it has one, else the key bound to the current context
by ``signing_cursors`` (the web app binds its settings' key to every request), else the key
of the process-wide settings (``get_settings().security.cursor_key()``). A bound ``None``
(``FOUNDATION_SECURITY__CURSOR_SIGNING=false``) sends and accepts unsigned cursors.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar, Token
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import Column

from foundation.config import get_settings
from foundation.errors import InvalidCursorError, ValidationError
from foundation.repository.sorting import SortOrder
from foundation.repository.values import coerce, to_json

Direction = Literal["next", "previous"]
_VERSION = 1
_SIGNATURE_BYTES = 16
_MAX_CURSOR_CHARS = 4096
_UNBOUND = object()
_bound_key: ContextVar[bytes | object | None] = ContextVar(
    "foundation_cursor_key", default=_UNBOUND
)


@contextmanager
def signing_cursors(key: bytes | None) -> Iterator[None]:
    """Sign and check cursors with ``key`` in this block (``None``: unsigned cursors)."""
    token = bind_cursor_key(key)
    try:
        yield
    finally:
        unbind_cursor_key(token)


def bind_cursor_key(key: bytes | None) -> Token[bytes | object | None]:
    """``signing_cursors`` without the context manager (a tenth of its cost, per request):
    bind ``key`` until ``unbind_cursor_key(token)``."""
    return _bound_key.set(key)


def unbind_cursor_key(token: Token[bytes | object | None]) -> None:
    """Restore the key bound before ``bind_cursor_key`` returned ``token``."""
    _bound_key.reset(token)


def current_cursor_key() -> bytes | None:
    """The key cursors are signed with here (see the module docstring)."""
    key = _bound_key.get()
    if key is _UNBOUND:
        return get_settings().security.cursor_key()
    assert key is None or isinstance(key, bytes)
    return key


@dataclass(frozen=True, slots=True)
class Position:
    """A decoded cursor: continue after (``next``) or before (``previous``) ``values``."""

    direction: Direction
    values: tuple[Any, ...]


class CursorCodec:
    """Encodes and checks cursors for one resource (``scope``); ``secret`` overrides the
    context's key."""

    def __init__(self, scope: str, secret: bytes | None = None) -> None:
        self.scope = scope
        self._secret = secret

    @property
    def secret(self) -> bytes | None:
        """The key that signs this codec's cursors now; ``None``: unsigned."""
        return self._secret if self._secret is not None else current_cursor_key()

    def encode(self, order: SortOrder, direction: Direction, values: Sequence[Any]) -> str:
        """A cursor for the row with ``values`` in ``order``."""
        payload = {
            "v": _VERSION,
            "r": self.scope,
            "s": order.spec,
            "d": direction,
            "k": [to_json(value) for value in values],
        }
        body = _b64encode(json.dumps(payload, separators=(",", ":")).encode())
        secret = self.secret
        if secret is None:
            return body
        return f"{body}.{_b64encode(_sign(secret, body))}"

    def decode(self, cursor: str, order: SortOrder, columns: Sequence[Column[Any]]) -> Position:
        """Check ``cursor`` against this resource and ``order``; ``ValidationError`` if foreign,
        tampered or malformed."""
        if not isinstance(cursor, str) or len(cursor) > _MAX_CURSOR_CHARS:
            raise _invalid()
        body, _, signature = cursor.partition(".")
        secret = self.secret
        if secret is not None:
            try:
                expected = _b64decode(signature)
            except (ValueError, binascii.Error) as exc:
                raise _invalid() from exc
            if not hmac.compare_digest(expected, _sign(secret, body)):
                raise _invalid()
        elif signature:
            raise _invalid()
        try:
            payload = json.loads(_b64decode(body))
        except (ValueError, binascii.Error, RecursionError) as exc:  # RecursionError: nesting
            raise _invalid() from exc
        if (
            not isinstance(payload, dict)
            or payload.get("v") != _VERSION
            or payload.get("r") != self.scope
            or payload.get("s") != order.spec
            or payload.get("d") not in ("next", "previous")
            or not isinstance(payload.get("k"), list)
            or len(payload["k"]) != len(order.keys)
        ):
            raise _invalid()
        try:
            values = tuple(
                coerce(column, raw, field=key.field)
                for column, key, raw in zip(columns, order.keys, payload["k"], strict=True)
            )
        except ValidationError as exc:
            raise _invalid() from exc
        if any(value is None for value in values):  # sort columns are NOT NULL
            raise _invalid()
        return Position(payload["d"], values)


def _sign(secret: bytes, body: str) -> bytes:
    return hmac.new(secret, body.encode(), hashlib.sha256).digest()[:_SIGNATURE_BYTES]


def _invalid() -> InvalidCursorError:
    return InvalidCursorError(details={"field": "cursor"})


def cursor_direction(cursor: str) -> Direction | None:
    """The direction ``cursor`` says it goes, unchecked (``decode`` checks it); ``None``
    when it cannot be read."""
    body = cursor.partition(".")[0]
    if len(cursor) > _MAX_CURSOR_CHARS:
        return None
    try:
        payload = json.loads(_b64decode(body))
    except (ValueError, binascii.Error, RecursionError):
        return None
    direction = payload.get("d") if isinstance(payload, dict) else None
    return direction if direction in ("next", "previous") else None


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    if not text.isascii():
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
