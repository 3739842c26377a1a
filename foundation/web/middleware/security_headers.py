"""Security headers on every response: no sniffing, no framing, a referrer policy, HSTS."""

from __future__ import annotations

from collections.abc import Iterable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

RawHeaders = list[tuple[bytes, bytes]]


def security_headers(
    *,
    hsts_seconds: int = 0,
    referrer_policy: str = "strict-origin-when-cross-origin",
    frame_options: str = "DENY",
) -> RawHeaders:
    """The headers as raw ASGI pairs (lower-case names); HSTS only when ``hsts_seconds``."""
    headers = {
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": referrer_policy,
        "X-Frame-Options": frame_options,
        "Content-Security-Policy": "frame-ancestors 'none'",
    }
    if hsts_seconds > 0:
        headers["Strict-Transport-Security"] = f"max-age={hsts_seconds}; includeSubDomains"
    return [
        (name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers.items()
    ]


def add_missing(raw: RawHeaders, defaults: Iterable[tuple[bytes, bytes]]) -> RawHeaders:
    """``raw`` plus each of ``defaults`` whose name the application did not set itself.

    One pass over the raw pairs: ``MutableHeaders`` would decode them all per lookup.
    """
    present = {name.lower() for name, _ in raw}
    raw.extend(pair for pair in defaults if pair[0] not in present)
    return raw


class SecurityHeadersMiddleware:
    """Add the headers unless the application set them itself (``create_app`` does this in
    :class:`~foundation.web.middleware.request.RequestMiddleware`)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        hsts_seconds: int = 0,
        referrer_policy: str = "strict-origin-when-cross-origin",
        frame_options: str = "DENY",
    ) -> None:
        self.app = app
        self._raw = security_headers(
            hsts_seconds=hsts_seconds, referrer_policy=referrer_policy, frame_options=frame_options
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request through, decorating the response start."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = add_missing(list(message.get("headers", ())), self._raw)
            await send(message)

        await self.app(scope, receive, send_with_headers)
