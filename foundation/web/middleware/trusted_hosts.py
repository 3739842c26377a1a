"""Refuse requests whose ``Host`` header names none of the trusted hosts (400 problem).

The host a client sends ends up in URLs the service builds (``url_for``, absolute
``Location`` headers): without this check a request with ``Host: evil.example`` could make
the service hand out links to another site. ``*.example.com`` trusts the subdomains of
``example.com``; ``*`` trusts every host, and then ``create_app`` installs no layer at all.
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.types import ASGIApp, Receive, Scope, Send

from foundation.web.problems import problem_response


class TrustedHostMiddleware:
    """Answer 400 to HTTP requests for a host outside ``hosts``."""

    def __init__(self, app: ASGIApp, *, hosts: Sequence[str]) -> None:
        self.app = app
        self.exact = frozenset(host.lower() for host in hosts if not host.startswith("*"))
        self.suffixes = tuple(host[1:].lower() for host in hosts if host.startswith("*."))
        self.any = "*" in hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass a trusted host on; answer anything else at once."""
        if scope["type"] not in ("http", "websocket") or self.any or self.trusts(_host(scope)):
            await self.app(scope, receive, send)
            return
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return
        response = problem_response(
            400, code="untrusted_host", detail="The Host header names no host this service serves."
        )
        await response(scope, receive, send)

    def trusts(self, host: str) -> bool:
        """Whether ``host`` (without port) is one of the trusted names."""
        return host in self.exact or host.endswith(self.suffixes)


def _host(scope: Scope) -> str:
    """The ``Host`` header without its port, lower-cased; empty when absent."""
    for name, value in scope["headers"]:
        if name == b"host":
            host: str = value.decode("latin-1").lower()
            if host.startswith("["):  # an IPv6 literal: [::1]:8000
                return host.split("]", 1)[0] + "]"
            return host.rsplit(":", 1)[0] if ":" in host else host
    return ""
