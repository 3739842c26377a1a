"""Declarative base, column types and mixins."""

from foundation.models.base import NAMING_CONVENTION, Base
from foundation.models.live_unique import LIVE_MARKER, unique_among_live
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
