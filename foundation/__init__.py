"""Foundation for FastAPI + SQLAlchemy services.

The public API is what this module (and each subpackage's ``__init__``) exports.
"""

from foundation.config import (
    AppSettings,
    CorsSettings,
    DatabaseSettings,
    LoggingSettings,
    SecuritySettings,
    ServerSettings,
    Settings,
    get_settings,
)
from foundation.context import acting_as, current_actor, current_request_id, request_context
from foundation.db import Database, UnitOfWork, create_engine, normalize_url, run_in_transaction
from foundation.errors import (
    AuthenticationError,
    ConcurrencyError,
    ConfigurationError,
    ConflictError,
    DatabaseError,
    DatabaseUnavailableError,
    DuplicateError,
    ForeignKeyError,
    FoundationError,
    IntegrityViolationError,
    NotFoundError,
    PermissionDeniedError,
    PreconditionFailedError,
    TransactionConflictError,
    ValidationError,
    translate_db_errors,
)
from foundation.logging import configure_logging, logger
from foundation.models import (
    AuditMixin,
    Base,
    BaseModel,
    SoftDeleteMixin,
    TimestampMixin,
    UTCDateTime,
    UUIDPrimaryKeyMixin,
    VersionedMixin,
    utcnow,
    uuid7,
)

__version__ = "0.1.0"

__all__ = [
    "AppSettings",
    "AuditMixin",
    "AuthenticationError",
    "Base",
    "BaseModel",
    "ConcurrencyError",
    "ConfigurationError",
    "ConflictError",
    "CorsSettings",
    "Database",
    "DatabaseError",
    "DatabaseSettings",
    "DatabaseUnavailableError",
    "DuplicateError",
    "ForeignKeyError",
    "FoundationError",
    "IntegrityViolationError",
    "LoggingSettings",
    "NotFoundError",
    "PermissionDeniedError",
    "PreconditionFailedError",
    "SecuritySettings",
    "ServerSettings",
    "Settings",
    "SoftDeleteMixin",
    "TimestampMixin",
    "TransactionConflictError",
    "UTCDateTime",
    "UUIDPrimaryKeyMixin",
    "UnitOfWork",
    "ValidationError",
    "VersionedMixin",
    "__version__",
    "acting_as",
    "configure_logging",
    "create_engine",
    "current_actor",
    "current_request_id",
    "get_settings",
    "logger",
    "normalize_url",
    "request_context",
    "run_in_transaction",
    "translate_db_errors",
    "utcnow",
    "uuid7",
]
