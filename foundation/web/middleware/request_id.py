"""Give every request an id: a well-formed incoming ``X-Request-ID`` or a fresh one.

The id is echoed on the response, bound into every log record of the request and put into
every problem document (through :mod:`foundation.context`).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from foundation.context import request_context

REQUEST_ID_HEADER = "X-Request-ID"
MAX_REQUEST_ID_LENGTH = 128
# letters, digits and a few separators: safe in headers, logs and JSON
_WELL_FORMED = re.compile(rf"[A-Za-z0-9._:-]{{1,{MAX_REQUEST_ID_LENGTH}}}")


def accept_request_id(value: str | None) -> str:
    """``value`` when it is a well-formed id, else a new random one."""
    if value is not None and _WELL_FORMED.fullmatch(value):
        return value
    return uuid.uuid4().hex


def request_id_of(scope: Scope, header: bytes) -> str:
    """The id for the request ``scope``: its ``header`` (lower-case) when well formed, else
    a new one; also stored as ``scope["state"]["request_id"]``."""
    incoming = None
    for name, value in scope["headers"]:
        if name == header:
            incoming = value.decode("latin-1")
            break
    request_id = accept_request_id(incoming)
    scope.setdefault("state", {})["request_id"] = request_id
    return request_id


def with_request_id(
    raw: Iterable[tuple[bytes, bytes]], header: bytes, request_id: str
) -> list[tuple[bytes, bytes]]:
    """Response headers ``raw`` with ``header`` set to ``request_id`` (and only that)."""
    pairs = [pair for pair in raw if pair[0].lower() != header]
    pairs.append((header, request_id.encode("latin-1")))
    return pairs


class RequestIdMiddleware:
    """Assign, echo and bind the request id (also to ``scope["state"]["request_id"]``);
    ``create_app`` does this in :class:`~foundation.web.middleware.request.RequestMiddleware`."""

    def __init__(self, app: ASGIApp, header: str = REQUEST_ID_HEADER) -> None:
        self.app = app
        self.header = header.lower().encode("latin-1")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the request inside a context that carries its id."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_of(scope, self.header)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = with_request_id(
                    message.get("headers", ()), self.header, request_id
                )
            await send(message)

        with request_context(request_id):
            await self.app(scope, receive, send_with_id)
