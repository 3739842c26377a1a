"""``HEAD`` answered like ``GET`` without a body (RFC 9110 §9.3.2).

FastAPI's routes answer only the methods they declare, so ``HEAD`` on a ``GET`` route
would be a 405. The request goes on as a ``GET`` and the body of its answer is dropped;
status and headers (``Content-Length`` included) are those of the ``GET``.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send


def as_get(scope: Scope) -> Scope:
    """A copy of a ``HEAD`` request's scope asking for ``GET``."""
    return {**scope, "method": "GET"}


def without_body(message: Message) -> Message:
    """``message`` with its body dropped, if it is a response body."""
    if message["type"] != "http.response.body":
        return message
    return {"type": "http.response.body", "body": b"", "more_body": message.get("more_body", False)}


class HeadMiddleware:
    """Serve ``HEAD`` through the ``GET`` route of the same path."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass anything but ``HEAD`` on untouched."""
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def bodiless_send(message: Message) -> None:
            await send(without_body(message))

        await self.app(as_get(scope), receive, bodiless_send)
