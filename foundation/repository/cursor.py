"""Opaque keyset cursors: base64url JSON naming the resource, the sort order, the direction
and the sort values of one row, optionally HMAC-signed.

A cursor is only accepted by a query over the same resource with the same order, and its
values must convert to the sort columns' types; anything else is a ``ValidationError``.
With a secret the signature also stops clients from editing the values.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import Column

from foundation.errors import ValidationError
from foundation.repository.sorting import SortOrder
from foundation.repository.values import coerce, to_json

Direction = Literal["next", "previous"]
_VERSION = 1
_SIGNATURE_BYTES = 16
_MAX_CURSOR_CHARS = 4096


@dataclass(frozen=True, slots=True)
class Position:
    """A decoded cursor: continue after (``next``) or before (``previous``) ``values``."""

    direction: Direction
    values: tuple[Any, ...]


class CursorCodec:
    """Encodes and checks cursors for one resource (``scope``), optionally with a secret."""

    def __init__(self, scope: str, secret: bytes | None = None) -> None:
        self.scope = scope
        self.secret = secret

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
        if self.secret is None:
            return body
        return f"{body}.{_b64encode(self._sign(body))}"

    def decode(self, cursor: str, order: SortOrder, columns: Sequence[Column[Any]]) -> Position:
        """Check ``cursor`` against this resource and ``order``; ``ValidationError`` if foreign,
        tampered or malformed."""
        if not isinstance(cursor, str) or len(cursor) > _MAX_CURSOR_CHARS:
            raise _invalid()
        body, _, signature = cursor.partition(".")
        if self.secret is not None:
            try:
                expected = _b64decode(signature)
            except (ValueError, binascii.Error) as exc:
                raise _invalid() from exc
            if not hmac.compare_digest(expected, self._sign(body)):
                raise _invalid()
        elif signature:
            raise _invalid()
        try:
            payload = json.loads(_b64decode(body))
        except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
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

    def _sign(self, body: str) -> bytes:
        assert self.secret is not None
        return hmac.new(self.secret, body.encode(), hashlib.sha256).digest()[:_SIGNATURE_BYTES]


def _invalid() -> ValidationError:
    return ValidationError("The cursor is invalid for this query.", details={"field": "cursor"})


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    if not text.isascii():
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
