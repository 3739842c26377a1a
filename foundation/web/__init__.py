"""The web layer: app factory, middleware, problem details, dependencies, auth, health."""

from foundation.web.app import API_PREFIX, check_session_scopes, create_app
from foundation.web.auth import (
    PASSWORD_SCHEME,
    InsufficientScopeError,
    PrincipalCheck,
    PrincipalDep,
    bearer_scheme,
    current_principal,
    get_password_hasher,
    get_token_codec,
    offer_password_flow,
    require_scopes,
    verify_principals,
)
from foundation.web.crud import Access, Operation, crud_router
from foundation.web.crud_query import ListQuery, list_query
from foundation.web.dependencies import (
    DatabaseDep,
    SessionDep,
    SettingsDep,
    get_app_settings,
    get_database,
    get_session,
    provide_repository,
    provide_service,
)
from foundation.web.health import build_health_router
from foundation.web.middleware import (
    REQUEST_ID_HEADER,
    AccessLogMiddleware,
    BodySizeLimitMiddleware,
    HeadMiddleware,
    RequestIdMiddleware,
    RequestMiddleware,
    SecurityHeadersMiddleware,
    TrustedHostMiddleware,
    UnhandledErrorMiddleware,
)
from foundation.web.openapi import BEARER_SCHEME, problem_responses, problem_statuses
from foundation.web.problems import ProblemResponse, error_response, problem_response

__all__ = [
    "API_PREFIX",
    "BEARER_SCHEME",
    "PASSWORD_SCHEME",
    "REQUEST_ID_HEADER",
    "Access",
    "AccessLogMiddleware",
    "BodySizeLimitMiddleware",
    "DatabaseDep",
    "HeadMiddleware",
    "InsufficientScopeError",
    "ListQuery",
    "Operation",
    "PrincipalCheck",
    "PrincipalDep",
    "ProblemResponse",
    "RequestIdMiddleware",
    "RequestMiddleware",
    "SecurityHeadersMiddleware",
    "SessionDep",
    "SettingsDep",
    "TrustedHostMiddleware",
    "UnhandledErrorMiddleware",
    "bearer_scheme",
    "build_health_router",
    "check_session_scopes",
    "create_app",
    "crud_router",
    "current_principal",
    "error_response",
    "get_app_settings",
    "get_database",
    "get_password_hasher",
    "get_session",
    "get_token_codec",
    "list_query",
    "offer_password_flow",
    "problem_response",
    "problem_responses",
    "problem_statuses",
    "provide_repository",
    "provide_service",
    "require_scopes",
    "verify_principals",
]
