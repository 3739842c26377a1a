"""Refuse request bodies over a size limit with a 413 problem document.

A declared ``Content-Length`` is checked before the application runs; a streamed body
(chunked, or lying about its length) is counted as it is read and stopped at the limit.

Before answering, the rest of the body is read and thrown away, up to ``DRAIN_BYTES``:
closing a connection with unread data in it makes the kernel send a reset, and a client
that writes its whole body before reading (``http.client``, ``requests``) then sees
"connection reset" instead of the 413. A body declared larger than that is not read at
all: such a client should send ``Expect: 100-continue``, which gets the 413 before any of
the body is sent.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from foundation.web.problems import problem_response

DRAIN_BYTES = 16 * 1024 * 1024


class PayloadTooLargeError(HTTPException):
    """Raised from ``receive`` when the body read so far passes the limit."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"The request body exceeds {limit} bytes.")


class BodySizeLimitMiddleware:
    """Answer 413 to bodies larger than ``max_bytes``."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check the declared length, then count the streamed bytes."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared == -1:
            response = problem_response(
                400, code="bad_content_length", detail="Content-Length is not a number."
            )
            await response(scope, receive, send)
            return
        if declared is not None and declared > self.max_bytes:
            if declared <= DRAIN_BYTES and not _expects_continue(scope):
                await _drain(receive)
            await self._refuse(scope, receive, send)
            return

        received = 0
        started = False

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    if message.get("more_body", False):
                        await _drain(receive)
                    # an HTTPException, so FastAPI's body reader passes it on unchanged
                    raise PayloadTooLargeError(self.max_bytes)
            return message

        async def tracked_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted_receive, tracked_send)
        except PayloadTooLargeError:
            if started:
                raise
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = problem_response(
            413,
            code="payload_too_large",
            detail=f"The request body exceeds {self.max_bytes} bytes.",
            instance=scope["path"],
            headers={"Connection": "close"},
        )
        await response(scope, receive, send)


async def _drain(receive: Receive) -> None:
    """Read and discard the rest of the body, ``DRAIN_BYTES`` at most."""
    drained = 0
    while drained <= DRAIN_BYTES:
        message = await receive()
        if message["type"] != "http.request":
            return  # the client went away
        drained += len(message.get("body", b""))
        if not message.get("more_body", False):
            return


def _expects_continue(scope: Scope) -> bool:
    """Whether the client waits for ``100 Continue`` before sending the body."""
    return any(
        name == b"expect" and value.lower() == b"100-continue" for name, value in scope["headers"]
    )


def _content_length(scope: Scope) -> int | None:
    """The declared length; ``None`` when absent, ``-1`` when unparseable."""
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                length = int(value)
            except ValueError:
                return -1
            return length if length >= 0 else -1
    return None
