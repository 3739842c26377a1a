"""JWT access tokens: issue and verify with one allowed algorithm and required claims.

Only the configured algorithm is accepted, so ``alg: none`` and algorithm-confusion tokens
fail. The time claims (``exp``, ``nbf``, ``iat``) must be JSON numbers with an integral value
(``1700000000`` or ``1700000000.0``) between 1970 and the end of year 9999; numeric strings,
fractions, booleans and values out of that range make the token invalid (401).

HS* sign with the shared secret; RS256/ES256 sign with the private key and verify with
the public key (a verifying-only service needs just the public key).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt

from foundation.config import SecuritySettings
from foundation.errors import AuthenticationError, ConfigurationError

REQUIRED_CLAIMS = ("sub", "exp", "iat", "nbf", "iss", "aud")
DEFAULT_LEEWAY_SECONDS = 0
MAX_TIMESTAMP = 253_402_300_799
"""9999-12-31T23:59:59Z, the last second a ``datetime`` holds."""


class InvalidTokenError(AuthenticationError):
    """Raised when a bearer token is malformed, forged, expired, not yet valid or misdirected."""

    code = "invalid_token"
    default_message = "The access token is invalid."
    headers = {"WWW-Authenticate": 'Bearer error="invalid_token"'}  # noqa: RUF012


@dataclass(frozen=True, slots=True)
class TokenClaims:
    """The verified content of an access token."""

    subject: str
    scopes: frozenset[str]
    issued_at: datetime
    expires_at: datetime
    not_before: datetime
    issuer: str
    audience: str | list[str]
    extra: Mapping[str, Any] = field(default_factory=dict)


def _timestamp(payload: Mapping[str, Any], claim: str) -> datetime:
    """The time claim ``claim`` of ``payload``; ``InvalidTokenError`` unless it is a number
    with an integral value in range (``bool`` is an ``int`` in Python, but not in JSON)."""
    value = payload[claim]
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_TIMESTAMP:
        raise InvalidTokenError(f"The access token's {claim!r} claim is not a valid time.")
    return datetime.fromtimestamp(value, UTC)


class JWTCodec:
    """Issues and verifies access tokens for one issuer, audience and algorithm."""

    def __init__(
        self,
        *,
        algorithm: str,
        signing_key: str | None,
        verification_key: str,
        issuer: str,
        audience: str,
        lifetime: timedelta,
        leeway: int = DEFAULT_LEEWAY_SECONDS,
    ) -> None:
        self.algorithm = algorithm
        self._signing_key = signing_key
        self._verification_key = verification_key
        self.issuer = issuer
        self.audience = audience
        self.lifetime = lifetime
        self.leeway = leeway

    @classmethod
    def from_settings(cls, settings: SecuritySettings) -> JWTCodec:
        """Build from settings; asymmetric algorithms need at least the public key."""
        algorithm = settings.jwt_algorithm
        signing: str | None
        if algorithm.startswith("HS"):
            secret = settings.jwt_secret.get_secret_value()
            signing, verification = secret, secret
        else:
            if not settings.jwt_public_key:
                raise ConfigurationError(
                    f"FOUNDATION_SECURITY__JWT_PUBLIC_KEY is required for {algorithm}"
                )
            private = settings.jwt_private_key
            signing = private.get_secret_value() if private is not None else None
            verification = settings.jwt_public_key
        return cls(
            algorithm=algorithm,
            signing_key=signing,
            verification_key=verification,
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
            lifetime=timedelta(minutes=settings.access_token_minutes),
        )

    def issue(
        self,
        subject: str,
        scopes: Iterable[str] = (),
        *,
        lifetime: timedelta | None = None,
        now: datetime | None = None,
        claims: Mapping[str, Any] | None = None,
    ) -> str:
        """A signed token for ``subject`` with ``scopes`` (space-separated ``scope`` claim)."""
        if self._signing_key is None:
            raise ConfigurationError(
                f"FOUNDATION_SECURITY__JWT_PRIVATE_KEY is required to issue {self.algorithm} tokens"
            )
        issued = now or datetime.now(UTC)
        payload: dict[str, Any] = {
            **(claims or {}),
            "sub": subject,
            "iat": issued,
            "nbf": issued,
            "exp": issued + (lifetime or self.lifetime),
            "iss": self.issuer,
            "aud": self.audience,
            "scope": " ".join(sorted(set(scopes))),
        }
        return jwt.encode(payload, self._signing_key, algorithm=self.algorithm)

    def verify(self, token: str) -> TokenClaims:
        """The claims of a valid token; ``InvalidTokenError`` saying why otherwise."""
        try:
            payload = jwt.decode(
                token,
                self._verification_key,
                algorithms=[self.algorithm],
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway,
                options={"require": list(REQUIRED_CLAIMS)},
            )
        except jwt.ExpiredSignatureError:
            raise InvalidTokenError("The access token has expired.") from None
        except jwt.ImmatureSignatureError:
            raise InvalidTokenError("The access token is not valid yet.") from None
        except (jwt.InvalidAudienceError, jwt.InvalidIssuerError):
            raise InvalidTokenError("The access token is not meant for this service.") from None
        except jwt.MissingRequiredClaimError as exc:
            raise InvalidTokenError(f"The access token lacks the {exc.claim!r} claim.") from None
        except jwt.InvalidTokenError:
            raise InvalidTokenError() from None
        issued_at, expires_at, not_before = (
            _timestamp(payload, "iat"),
            _timestamp(payload, "exp"),
            _timestamp(payload, "nbf"),
        )
        subject = payload.get("sub")
        scope = payload.get("scope", "")
        if not isinstance(subject, str) or not subject or not isinstance(scope, str):
            raise InvalidTokenError()
        standard = {*REQUIRED_CLAIMS, "scope"}
        return TokenClaims(
            subject=subject,
            scopes=frozenset(scope.split()),
            issued_at=issued_at,
            expires_at=expires_at,
            not_before=not_before,
            issuer=payload["iss"],
            audience=payload["aud"],
            extra={k: v for k, v in payload.items() if k not in standard},
        )
