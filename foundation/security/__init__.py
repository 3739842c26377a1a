"""Authentication: JWT access tokens, password hashing, the principal and its dependencies."""

from foundation.security.dependencies import (
    PrincipalDep,
    bearer_scheme,
    current_principal,
    get_token_codec,
    require_scopes,
)
from foundation.security.passwords import PasswordHasher, hash_password, verify_password
from foundation.security.principal import Principal
from foundation.security.tokens import InvalidTokenError, JWTCodec, TokenClaims

__all__ = [
    "InvalidTokenError",
    "JWTCodec",
    "PasswordHasher",
    "Principal",
    "PrincipalDep",
    "TokenClaims",
    "bearer_scheme",
    "current_principal",
    "get_token_codec",
    "hash_password",
    "require_scopes",
    "verify_password",
]
