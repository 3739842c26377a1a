"""The foundation's request handling in one ASGI layer: request id, security headers, the
access log, ``HEAD`` served as ``GET`` and the key that signs cursors.

The same as :class:`RequestIdMiddleware` around :class:`AccessLogMiddleware` around
:class:`SecurityHeadersMiddleware` around :class:`HeadMiddleware`, the order ``create_app``
needs (the id wraps all that logs or answers), for the price of one layer: every layer is a
coroutine and a ``send`` wrapper more on every request.
"""

from __future__ import annotations

import time
from typing import Literal

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from foundation.context import bind_request, unbind_request
from foundation.repository.cursor import bind_cursor_key, current_cursor_key, unbind_cursor_key
from foundation.web.middleware.access_log import log_access
from foundation.web.middleware.head import as_get, without_body
from foundation.web.middleware.request_id import REQUEST_ID_HEADER, request_id_of, with_request_id
from foundation.web.middleware.security_headers import add_missing, security_headers


class RequestMiddleware:
    """Give the request its id, decorate the response's headers and log the request.

    ``cursor_key`` signs the cursors of the request's queries (``None``: unsigned;
    by default the key of ``get_settings()``).
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        header: str = REQUEST_ID_HEADER,
        access_log: bool = True,
        hsts_seconds: int = 0,
        cursor_key: bytes | Literal["settings"] | None = "settings",
    ) -> None:
        self.app = app
        self.cursor_key = current_cursor_key() if cursor_key == "settings" else cursor_key
        self.header = header.lower().encode("latin-1")
        self.access_log = access_log
        self._security = security_headers(hsts_seconds=hsts_seconds)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the request inside a context that carries its id; log it once answered."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        request_id = request_id_of(scope, self.header)
        status = 500  # what the client gets when the app fails before answering
        head = scope["method"] == "HEAD"

        async def decorated_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                raw = with_request_id(message.get("headers", ()), self.header, request_id)
                message["headers"] = add_missing(raw, self._security)
            elif head:
                message = without_body(message)
            await send(message)

        cursor_key = bind_cursor_key(self.cursor_key)
        bound = bind_request(request_id)
        try:
            await self.app(as_get(scope) if head else scope, receive, decorated_send)
        finally:
            unbind_cursor_key(cursor_key)
            if self.access_log:
                log_access(scope, status, start)
            unbind_request(bound)  # after the access line, which carries the id
