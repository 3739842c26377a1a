"""Security headers on every response: no sniffing, no framing, a referrer policy, HSTS."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class SecurityHeadersMiddleware:
    """Add the headers unless the application set them itself."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        hsts_seconds: int = 0,
        referrer_policy: str = "strict-origin-when-cross-origin",
        frame_options: str = "DENY",
    ) -> None:
        self.app = app
        headers = {
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": referrer_policy,
            "X-Frame-Options": frame_options,
            "Content-Security-Policy": "frame-ancestors 'none'",
        }
        if hsts_seconds > 0:
            headers["Strict-Transport-Security"] = f"max-age={hsts_seconds}; includeSubDomains"
        self.headers = headers
        # raw (lower-case name, value) pairs, added to a response start as they are
        self._raw = [
            (name.lower().encode("latin-1"), value.encode("latin-1"))
            for name, value in headers.items()
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request through, decorating the response start."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                # one pass over the raw headers: MutableHeaders would decode them all per
                # lookup; ASGI header names are lower-case bytes
                raw = list(message.get("headers", ()))
                present = {name.lower() for name, _ in raw}
                raw.extend(pair for pair in self._raw if pair[0] not in present)
                message["headers"] = raw
            await send(message)

        await self.app(scope, receive, send_with_headers)
