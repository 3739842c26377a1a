"""JWT issue and verify: every way a token can be wrong is refused, with the reason."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from foundation import ConfigurationError, SecuritySettings
from foundation.security import InvalidTokenError, JWTCodec

SECRET = "a-test-secret-that-is-long-enough-for-every-hmac-algorithm-we-allow"


def _codec(**overrides: Any) -> JWTCodec:
    settings = SecuritySettings(jwt_secret=SECRET, **overrides)
    return JWTCodec.from_settings(settings)


def _claims(**overrides: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    claims: dict[str, Any] = {
        "sub": "user-1",
        "iat": now,
        "nbf": now,
        "exp": now + timedelta(days=1),
        "iss": "foundation",
        "aud": "foundation-api",
        "scope": "notes:read",
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def _b64(data: dict[str, Any]) -> str:
    raw = json.dumps(data, default=lambda d: int(d.timestamp())).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def test_issued_token_verifies_with_its_claims() -> None:
    codec = _codec()
    claims = codec.verify(codec.issue("user-1", ["notes:write", "notes:read"]))
    assert claims.subject == "user-1"
    assert claims.scopes == {"notes:read", "notes:write"}
    assert (claims.issuer, claims.audience) == ("foundation", "foundation-api")
    assert claims.not_before <= datetime.now(UTC) < claims.expires_at
    assert claims.expires_at - claims.issued_at == timedelta(minutes=30)


def test_extra_claims_travel_along() -> None:
    codec = _codec()
    claims = codec.verify(codec.issue("user-1", claims={"tenant": "acme"}))
    assert claims.extra == {"tenant": "acme"}


@pytest.mark.parametrize(
    ("token_claims", "message"),
    [
        (_claims(exp=datetime.now(UTC) - timedelta(days=1)), "expired"),
        (_claims(nbf=datetime.now(UTC) + timedelta(days=1)), "not valid yet"),
        (_claims(iss="someone-else"), "not meant for this service"),
        (_claims(aud="another-api"), "not meant for this service"),
        (_claims(exp=None), "'exp'"),
        (_claims(sub=None), "'sub'"),
        (_claims(aud=None), "'aud'"),
    ],
    ids=[
        "expired",
        "not-yet-valid",
        "wrong-issuer",
        "wrong-audience",
        "no-exp",
        "no-sub",
        "no-aud",
    ],
)
def test_invalid_claims_are_refused(token_claims: dict[str, Any], message: str) -> None:
    token = jwt.encode(token_claims, SECRET, algorithm="HS256")
    with pytest.raises(InvalidTokenError, match=message):
        _codec().verify(token)


def test_wrong_signature_is_refused() -> None:
    token = jwt.encode(_claims(), "another-secret-of-sufficient-length!!", algorithm="HS256")
    with pytest.raises(InvalidTokenError, match="invalid"):
        _codec().verify(token)


def test_alg_none_is_refused() -> None:
    token = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(_claims())}."
    with pytest.raises(InvalidTokenError):
        _codec().verify(token)


def test_algorithm_outside_the_allow_list_is_refused() -> None:
    token = jwt.encode(_claims(), SECRET, algorithm="HS512")
    with pytest.raises(InvalidTokenError):
        _codec().verify(token)


@pytest.mark.parametrize("token", ["", "not-a-token", "a.b.c", "Bearer x.y.z"])
def test_garbage_is_refused(token: str) -> None:
    with pytest.raises(InvalidTokenError):
        _codec().verify(token)


def _rsa_pems() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return _pems(key)


def _ec_pems() -> tuple[str, str]:
    return _pems(ec.generate_private_key(ec.SECP256R1()))


def _pems(key: Any) -> tuple[str, str]:
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


@pytest.mark.parametrize(("algorithm", "make_keys"), [("RS256", _rsa_pems), ("ES256", _ec_pems)])
def test_asymmetric_algorithms_sign_with_the_private_and_verify_with_the_public_key(
    algorithm: str, make_keys: Any
) -> None:
    private, public = make_keys()
    signer = _codec(jwt_algorithm=algorithm, jwt_private_key=private, jwt_public_key=public)
    verifier = _codec(jwt_algorithm=algorithm, jwt_public_key=public)
    token = signer.issue("user-2", ["a"])
    assert jwt.get_unverified_header(token)["alg"] == algorithm
    assert verifier.verify(token).subject == "user-2"
    with pytest.raises(ConfigurationError, match="JWT_PRIVATE_KEY"):
        verifier.issue("user-2")
    # a token signed by the shared secret is not accepted by an asymmetric verifier
    with pytest.raises(InvalidTokenError):
        verifier.verify(_codec().issue("user-2"))


def test_token_signed_by_another_key_pair_is_refused() -> None:
    private, public = _rsa_pems()
    _, other_public = _rsa_pems()
    token = _codec(jwt_algorithm="RS256", jwt_private_key=private, jwt_public_key=public).issue("u")
    with pytest.raises(InvalidTokenError):
        _codec(jwt_algorithm="RS256", jwt_public_key=other_public).verify(token)


def test_asymmetric_algorithm_without_a_public_key_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="JWT_PUBLIC_KEY"):
        _codec(jwt_algorithm="RS256")


_IN_AN_HOUR = int(datetime.now(UTC).timestamp()) + 3600


@pytest.mark.parametrize(
    ("changes", "claim"),
    [
        ({"exp": "9999999999"}, "exp"),
        ({"exp": 1e12}, "exp"),
        ({"exp": float(_IN_AN_HOUR) + 0.5}, "exp"),
        ({"exp": True}, "exp"),
        ({"nbf": -1e13}, "nbf"),
        ({"nbf": "0"}, "nbf"),
        ({"iat": -1e13}, "iat"),
        ({"iat": -1}, "iat"),
    ],
    ids=[
        "exp-numeric-string",
        "exp-1e12",
        "exp-fraction",
        "exp-bool",
        "nbf-minus-1e13",
        "nbf-numeric-string",
        "iat-minus-1e13",
        "iat-before-1970",
    ],
)
def test_time_claims_must_be_integral_numbers_in_range(changes: dict[str, Any], claim: str) -> None:
    token = jwt.encode(_claims(**changes), SECRET, algorithm="HS256")
    with pytest.raises(InvalidTokenError) as caught:
        _codec().verify(token)
    assert claim in caught.value.message


def test_integral_float_time_claims_are_accepted() -> None:
    now = int(datetime.now(UTC).timestamp())
    claims = _claims(iat=float(now), nbf=float(now), exp=float(now + 60))
    verified = _codec().verify(jwt.encode(claims, SECRET, algorithm="HS256"))
    assert verified.expires_at == datetime.fromtimestamp(now + 60, UTC)
