"""Pure ASGI middleware, one concern per module."""

from foundation.web.middleware.access_log import AccessLogMiddleware
from foundation.web.middleware.body_limit import BodySizeLimitMiddleware
from foundation.web.middleware.errors import UnhandledErrorMiddleware
from foundation.web.middleware.head import HeadMiddleware
from foundation.web.middleware.request import RequestMiddleware
from foundation.web.middleware.request_id import REQUEST_ID_HEADER, RequestIdMiddleware
from foundation.web.middleware.security_headers import SecurityHeadersMiddleware
from foundation.web.middleware.trusted_hosts import TrustedHostMiddleware

__all__ = [
    "REQUEST_ID_HEADER",
    "AccessLogMiddleware",
    "BodySizeLimitMiddleware",
    "HeadMiddleware",
    "RequestIdMiddleware",
    "RequestMiddleware",
    "SecurityHeadersMiddleware",
    "TrustedHostMiddleware",
    "UnhandledErrorMiddleware",
]
