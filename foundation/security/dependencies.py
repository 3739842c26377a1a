"""Authentication dependencies: ``current_principal`` and ``require_scopes(...)``.

A valid bearer token makes its subject the current actor (:mod:`foundation.context`), so
audit columns and log records of the request name who acted.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from foundation.context import actor_var
from foundation.errors import AuthenticationError, PermissionDeniedError
from foundation.security.principal import Principal
from foundation.security.tokens import JWTCodec
from foundation.web import BEARER_SCHEME, get_app_settings, problem_statuses

bearer_scheme = HTTPBearer(
    auto_error=False, scheme_name=BEARER_SCHEME, description="A JWT access token"
)


async def get_token_codec(request: Request) -> JWTCodec:
    """The app's token codec, built from its settings on first use."""
    codec: JWTCodec | None = getattr(request.app.state, "token_codec", None)
    if codec is None:
        codec = JWTCodec.from_settings((await get_app_settings(request)).security)
        request.app.state.token_codec = codec
    return codec


@problem_statuses(401)
async def current_principal(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
    codec: Annotated[JWTCodec, Depends(get_token_codec)],
) -> Principal:
    """The caller named by a valid bearer token; 401 otherwise."""
    if credentials is None:
        raise AuthenticationError("A bearer token is required.")
    claims = codec.verify(credentials.credentials)
    # no reset here: the request-id middleware's context ends the actor with the request
    actor_var.set(claims.subject)
    return Principal(subject=claims.subject, scopes=claims.scopes, claims=claims.extra)


PrincipalDep = Annotated[Principal, Depends(current_principal)]


def require_scopes(*scopes: str) -> Callable[..., Awaitable[Principal]]:
    """A dependency admitting only principals holding every scope in ``scopes`` (else 403)."""

    @problem_statuses(401, 403)
    async def _require(principal: PrincipalDep) -> Principal:
        missing = principal.missing_scopes(*scopes)
        if missing:
            raise PermissionDeniedError(
                "The access token lacks a required scope.",
                details={"missing_scopes": sorted(missing)},
            )
        return principal

    _require.__name__ = f"require_scopes_{'_'.join(scopes)}"
    return _require
