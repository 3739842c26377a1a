"""One structured log record per request: method, path, status, duration, request id, actor,
client address and scheme."""

from __future__ import annotations

import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from foundation.context import current_actor, current_request_id
from foundation.logging import info_line


def log_access(scope: Scope, status: int, start: float) -> None:
    """Log the answered request ``scope`` (``extra["event"] == "access"``).

    ``start`` is the ``time.perf_counter()`` reading taken when the request arrived.
    """
    duration_ms = round((time.perf_counter() - start) * 1000, 2)
    # keyword arguments land in the record's ``extra``; ``info_line`` skips loguru's record
    # build when the JSON sink is all there is to write to
    info_line(
        "{method} {path} {status} {duration_ms}ms",
        event="access",
        method=scope["method"],
        path=scope["path"],
        status=status,
        duration_ms=duration_ms,
        request_id=current_request_id(),
        actor=current_actor(),
        # from X-Forwarded-* only behind a trusted proxy (FOUNDATION_SECURITY__TRUSTED_PROXIES)
        client=client[0] if (client := scope.get("client")) else None,
        scheme=scope.get("scheme", "http"),
    )


class AccessLogMiddleware:
    """Log each HTTP request once it has been answered (``create_app`` does this in
    :class:`~foundation.web.middleware.request.RequestMiddleware`)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Time the request and log it after the response (or the failure)."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500  # what the client gets when the app fails before answering

        async def send_and_record(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_record)
        finally:
            log_access(scope, status, start)
