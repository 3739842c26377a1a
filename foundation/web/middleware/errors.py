"""The last line of defence: an unhandled exception becomes a 500 problem document.

It sits inside the request-id and access-log middleware, so the 500 still carries the
request id and is logged once; the traceback goes to the log, never to the client.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from foundation.logging import logger
from foundation.web.problems import problem_response


class UnhandledErrorMiddleware:
    """Log an unexpected exception and answer 500, unless the response already started."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the app; turn an escaping exception into a problem response."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracked_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracked_send)
        except Exception as exc:
            logger.opt(exception=exc).error(
                "unhandled error in {method} {path}", method=scope["method"], path=scope["path"]
            )
            if started:  # too late for a problem document; let the server drop the connection
                raise
            response = problem_response(
                500,
                code="internal_error",
                detail="An unexpected error occurred.",
                instance=scope["path"],
            )
            await response(scope, receive, send)
