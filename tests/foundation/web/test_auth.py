"""``foundation.web.auth``: the per-request principal check and its cache, the password flow
in the document, and the old import paths of the auth dependencies."""

from __future__ import annotations

import importlib
import subprocess
import sys
import warnings
from typing import Any

import pytest
from fastapi import APIRouter, Depends, FastAPI, Request

from foundation import AuthenticationError, ConfigurationError
from foundation.security import JWTCodec, Principal
from foundation.web import (
    BEARER_SCHEME,
    PASSWORD_SCHEME,
    PrincipalDep,
    create_app,
    current_principal,
    offer_password_flow,
    require_scopes,
    verify_principals,
)
from foundation.web import auth as web_auth
from tests.foundation.web.helpers import client, make_settings

SETTINGS = make_settings()
CODEC = JWTCodec.from_settings(SETTINGS.security)

router = APIRouter()


@router.get("/me")
async def me(principal: PrincipalDep) -> dict[str, Any]:
    return {"subject": principal.subject, "scopes": sorted(principal.scopes)}


class Check:
    """A principal check that refuses ``banned`` and adds a scope to everyone else."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    async def __call__(self, principal: Principal, request: Request) -> Principal:
        self.calls.append(principal.subject)
        if principal.subject == "banned":
            raise AuthenticationError("This account is disabled.")
        return Principal(principal.subject, principal.scopes | {"checked"}, principal.claims)


def _app(check: Check, **options: Any) -> FastAPI:
    app = create_app(SETTINGS, routers=[router])
    verify_principals(app, check, **options)
    return app


def _bearer(subject: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {CODEC.issue(subject)}"}


async def test_the_check_runs_on_every_request_and_its_principal_is_used() -> None:
    check = Check()
    async with client(_app(check)) as http:
        for _ in range(2):
            response = await http.get("/api/v1/me", headers=_bearer("ada"))
            assert response.json() == {"subject": "ada", "scopes": ["checked"]}
        refused = await http.get("/api/v1/me", headers=_bearer("banned"))
    assert refused.status_code == 401
    assert refused.json()["detail"] == "This account is disabled."
    assert check.calls == ["ada", "ada", "banned"]


async def test_accepted_tokens_are_cached_and_refusals_are_not() -> None:
    check = Check()
    async with client(_app(check, cache_seconds=60)) as http:
        ada = _bearer("ada")
        for _ in range(3):
            assert (await http.get("/api/v1/me", headers=ada)).status_code == 200
        for _ in range(2):
            assert (await http.get("/api/v1/me", headers=_bearer("banned"))).status_code == 401
    assert check.calls == ["ada", "banned", "banned"]


async def test_the_cache_keeps_at_most_its_size() -> None:
    check = Check()
    async with client(_app(check, cache_seconds=60, cache_size=1)) as http:
        first, second = _bearer("ada"), _bearer("grace")
        for headers in (first, second, first):
            assert (await http.get("/api/v1/me", headers=headers)).status_code == 200
    assert check.calls == ["ada", "grace", "ada"]  # ada's answer was pushed out by grace's


async def test_without_a_check_tokens_are_trusted_as_signed() -> None:
    async with client(create_app(SETTINGS, routers=[router])) as http:
        response = await http.get("/api/v1/me", headers=_bearer("anyone"))
    assert response.json() == {"subject": "anyone", "scopes": []}


@pytest.mark.parametrize("options", [{"cache_seconds": -1}, {"cache_size": 0}])
def test_a_nonsensical_cache_is_refused(options: dict[str, Any]) -> None:
    with pytest.raises(ConfigurationError):
        _app(Check(), **options)


def test_the_password_flow_joins_the_bearer_scheme_in_the_document() -> None:
    scoped = APIRouter()

    @scoped.get("/scoped", dependencies=[Depends(require_scopes("notes:read"))])
    async def read() -> None: ...

    app = create_app(SETTINGS, routers=[scoped])
    offer_password_flow(app, "/api/v1/token", {"notes:read": "read notes"})
    document = app.openapi()
    flow = document["components"]["securitySchemes"][PASSWORD_SCHEME]["flows"]["password"]
    assert flow == {"tokenUrl": "/api/v1/token", "scopes": {"notes:read": "read notes"}}
    security = document["paths"]["/api/v1/scoped"]["get"]["security"]
    assert security == [{BEARER_SCHEME: []}, {PASSWORD_SCHEME: []}]
    assert app.openapi() is document  # built once


# -- the move out of foundation.security -------------------------------------------------


@pytest.mark.parametrize("module", ["foundation.security", "foundation.security.dependencies"])
@pytest.mark.parametrize(
    "name",
    ["PrincipalDep", "bearer_scheme", "current_principal", "get_token_codec", "require_scopes"],
)
def test_the_old_import_paths_still_work_with_a_deprecation_warning(module: str, name: str) -> None:
    old = importlib.import_module(module)
    with pytest.warns(DeprecationWarning, match=f"{module}.{name} moved to foundation.web.auth"):
        moved = getattr(old, name)
    assert moved is getattr(web_auth, name)


def test_unknown_names_are_still_attribute_errors() -> None:
    import foundation.security.dependencies as old

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(AttributeError):
            _ = old.nothing_here  # type: ignore[attr-defined]


def test_the_security_package_loads_neither_fastapi_nor_the_web_layer() -> None:
    code = (
        "import sys, foundation.security, foundation.security.throttle; "
        "print(sorted(m for m in sys.modules if m.startswith(('fastapi', 'starlette', "
        "'foundation.web'))))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_current_principal_is_the_web_layers() -> None:
    assert current_principal is web_auth.current_principal
