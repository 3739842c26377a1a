"""Declarative base, column types and mixins."""

from foundation.models.base import NAMING_CONVENTION, Base
from foundation.models.live_unique import LIVE_MARKER, unique_among_live
from foundation.models.loading import INCLUDE_DELETED
from foundation.models.mixins import (
    AuditMixin,
    BaseModel,
    SoftDeleteMixin,
    TimestampMixin,
    UUIDPrimaryKeyMixin,
    VersionedMixin,
)
from foundation.models.types import UTCDateTime, utcnow, uuid7

__all__ = [
    "INCLUDE_DELETED",
    "LIVE_MARKER",
    "NAMING_CONVENTION",
    "AuditMixin",
    "Base",
    "BaseModel",
    "SoftDeleteMixin",
    "TimestampMixin",
    "UTCDateTime",
    "UUIDPrimaryKeyMixin",
    "VersionedMixin",
    "unique_among_live",
    "utcnow",
    "uuid7",
]
