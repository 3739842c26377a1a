"""Authentication dependencies: ``current_principal``, ``require_scopes(...)``, the per-request
principal check, and the OAuth2 password flow in the OpenAPI document.

A valid bearer token makes its subject the current actor (:mod:`foundation.context`), so
audit columns and log records of the request name who acted.

Tokens are checked by signature and claims alone unless the app registers a principal
check with :func:`verify_principals`: it is then called on every authenticated request with
the decoded principal, so a service can refuse tokens of users since disabled, deleted or
revoked (for example by a token-version claim it issues and compares).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from foundation.context import actor_var
from foundation.errors import AuthenticationError, ConfigurationError, PermissionDeniedError
from foundation.security.passwords import PasswordHasher
from foundation.security.principal import Principal
from foundation.security.tokens import JWTCodec
from foundation.web.dependencies import get_app_settings
from foundation.web.openapi import BEARER_SCHEME, problem_statuses

PASSWORD_SCHEME = "passwordFlow"
"""The OpenAPI name of the OAuth2 password flow added by :func:`offer_password_flow`."""
DEFAULT_CACHE_SIZE = 10_000

PrincipalCheck = Callable[[Principal, Request], Awaitable[Principal]]
"""``async (principal, request) -> principal``: raise ``AuthenticationError`` to refuse it."""

bearer_scheme = HTTPBearer(
    auto_error=False, scheme_name=BEARER_SCHEME, description="A JWT access token"
)


class InsufficientScopeError(PermissionDeniedError):
    """Raised when a valid token lacks a scope the operation requires (RFC 6750 §3.1)."""

    default_message = "The access token lacks a required scope."

    def __init__(self, missing: set[str], required: tuple[str, ...]) -> None:
        super().__init__(details={"missing_scopes": sorted(missing)})
        self.headers = {
            "WWW-Authenticate": (
                f'Bearer error="insufficient_scope", scope="{" ".join(sorted(set(required)))}"'
            )
        }


async def get_token_codec(request: Request) -> JWTCodec:
    """The app's token codec, built from its settings on first use."""
    codec: JWTCodec | None = getattr(request.app.state, "token_codec", None)
    if codec is None:
        codec = JWTCodec.from_settings((await get_app_settings(request)).security)
        request.app.state.token_codec = codec
    return codec


async def get_password_hasher(request: Request) -> PasswordHasher:
    """The app's password hasher (its thread concurrency from the settings), built once."""
    hasher: PasswordHasher | None = getattr(request.app.state, "password_hasher", None)
    if hasher is None:
        hasher = PasswordHasher.from_settings((await get_app_settings(request)).security)
        request.app.state.password_hasher = hasher
    return hasher


class _CheckedPrincipals:
    """The app's principal check, with its answers kept ``ttl`` seconds per token."""

    def __init__(self, check: PrincipalCheck, ttl: float, size: int) -> None:
        self.check = check
        self.ttl = ttl
        self.size = size
        self._answers: OrderedDict[str, tuple[float, Principal]] = OrderedDict()

    async def __call__(self, token: str, principal: Principal, request: Request) -> Principal:
        if self.ttl <= 0:
            return await self.check(principal, request)
        now = time.monotonic()
        cached = self._answers.get(token)
        if cached is not None and cached[0] > now:
            return cached[1]
        checked = await self.check(principal, request)  # refusals raise: never cached
        self._answers[token] = (now + self.ttl, checked)
        self._answers.move_to_end(token)
        while len(self._answers) > self.size:
            self._answers.popitem(last=False)
        return checked


def verify_principals(
    app: FastAPI,
    check: PrincipalCheck,
    *,
    cache_seconds: float = 0.0,
    cache_size: int = DEFAULT_CACHE_SIZE,
) -> None:
    """Call ``check(principal, request)`` on every request that presents a valid token.

    ``check`` returns the principal to use (the same one, or one with more facts) or raises
    ``AuthenticationError`` (401) to refuse the token. ``cache_seconds`` keeps an accepted
    token's answer that long (at most ``cache_size`` tokens): a disabled user's token then
    keeps working for up to that time on this worker. Refusals are never cached.
    """
    if cache_seconds < 0 or cache_size < 1:
        raise ConfigurationError("verify_principals needs cache_seconds >= 0 and cache_size >= 1")
    app.state.principal_check = _CheckedPrincipals(check, cache_seconds, cache_size)


@problem_statuses(401)
async def current_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
    codec: Annotated[JWTCodec, Depends(get_token_codec)],
) -> Principal:
    """The caller named by a valid bearer token; 401 otherwise."""
    if credentials is None:
        raise AuthenticationError("A bearer token is required.")
    claims = codec.verify(credentials.credentials)
    principal = Principal(subject=claims.subject, scopes=claims.scopes, claims=claims.extra)
    check: _CheckedPrincipals | None = getattr(request.app.state, "principal_check", None)
    if check is not None:
        principal = await check(credentials.credentials, principal, request)
    # no reset here: the request-id middleware's context ends the actor with the request
    actor_var.set(principal.subject)
    return principal


PrincipalDep = Annotated[Principal, Depends(current_principal)]


def require_scopes(*scopes: str) -> Callable[..., Awaitable[Principal]]:
    """A dependency admitting only principals holding every scope in ``scopes``.

    Otherwise 403 with ``WWW-Authenticate: Bearer error="insufficient_scope"`` naming them.
    """

    @problem_statuses(401, 403)
    async def _require(principal: PrincipalDep) -> Principal:
        missing = principal.missing_scopes(*scopes)
        if missing:
            raise InsufficientScopeError(missing, scopes)
        return principal

    _require.__name__ = f"require_scopes_{'_'.join(scopes)}"
    return _require


def offer_password_flow(app: FastAPI, token_url: str, scopes: dict[str, str]) -> None:
    """Describe the OAuth2 password flow at ``token_url`` in the app's OpenAPI document.

    Every operation that accepts a bearer token accepts one from this flow as well, so
    Swagger UI's *Authorize* dialog offers a username/password form (``scopes`` names the
    scopes it lists) next to the field for a pasted token.
    """
    build = app.openapi

    def openapi() -> dict[str, Any]:
        schema = build()
        schemes = schema.setdefault("components", {}).setdefault("securitySchemes", {})
        if PASSWORD_SCHEME in schemes:
            return schema
        schemes[PASSWORD_SCHEME] = {
            "type": "oauth2",
            "description": "Sign in with an email and password",
            "flows": {"password": {"tokenUrl": token_url, "scopes": dict(scopes)}},
        }
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                security = operation.get("security") if isinstance(operation, dict) else None
                if security and any(BEARER_SCHEME in entry for entry in security):
                    security.append({PASSWORD_SCHEME: []})
        return schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented override
