"""Authentication primitives: JWT access tokens, password hashing and the principal.

This package knows nothing of FastAPI; the request dependencies (``current_principal``,
``require_scopes``, ...) live in :mod:`foundation.web.auth`. Their old names here still
work for one release, with a ``DeprecationWarning``.
"""

from __future__ import annotations

import importlib
import warnings
from typing import Any

from foundation.security.passwords import PasswordHasher, hash_password, verify_password
from foundation.security.principal import Principal
from foundation.security.tokens import InvalidTokenError, JWTCodec, TokenClaims

MOVED_TO_WEB = frozenset(
    {"PrincipalDep", "bearer_scheme", "current_principal", "get_token_codec", "require_scopes"}
)
"""Names that moved to ``foundation.web.auth`` (still importable from here, deprecated)."""

__all__ = [
    "InvalidTokenError",
    "JWTCodec",
    "PasswordHasher",
    "Principal",
    "TokenClaims",
    "hash_password",
    "verify_password",
]


def moved(module: str, name: str) -> Any:
    """``foundation.web.auth.<name>``, warning that ``module.<name>`` is deprecated."""
    warnings.warn(
        f"{module}.{name} moved to foundation.web.auth; import it from there "
        "(the old path goes away in the next release)",
        DeprecationWarning,
        stacklevel=3,
    )
    # loaded by name at call time: the web layer builds on this package, not the reverse
    return getattr(importlib.import_module("foundation.web.auth"), name)


def __getattr__(name: str) -> Any:
    if name in MOVED_TO_WEB:
        return moved(__name__, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
