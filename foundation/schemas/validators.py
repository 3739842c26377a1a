"""Field validators attached declaratively: ``email: Email``, ``phone: PhoneNumber``.

Each is an ``Annotated`` type, so a schema states its rules in its annotations and the
OpenAPI document shows the format. Narrow further by nesting: ``Annotated[Slug,
Field(max_length=40)]``; ``phone_number(region)`` reads national numbers of a region.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from pydantic import AfterValidator, Field, WithJsonSchema
from pydantic_core import PydanticCustomError

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
_SLUG = re.compile(SLUG_PATTERN)


def normalize_email(value: str) -> str:
    """The normalised address (domain lower-cased, IDNA); ``value_error`` when invalid."""
    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise PydanticCustomError(
            "email", "Not a valid email address: {reason}", {"reason": str(exc)}
        ) from None


def normalize_phone(value: str, region: str | None = None) -> str:
    """The number in E.164 (``+4915112345678``); numbers without ``+`` need ``region``."""
    try:
        parsed = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        raise PydanticCustomError("phone_number", "Not a valid phone number") from None
    if not phonenumbers.is_valid_number(parsed):
        raise PydanticCustomError("phone_number", "Not a valid phone number")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def require_aware(value: datetime) -> datetime:
    """Refuse naive datetimes; aware ones are converted to UTC."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise PydanticCustomError("timezone_aware", "Datetime must include a timezone offset")
    try:
        return value.astimezone(UTC)
    except OverflowError:  # e.g. 0001-01-01T00:00:00+01:00 has no UTC equivalent
        raise PydanticCustomError("datetime_range", "Datetime is out of range") from None


def require_past(value: datetime) -> datetime:
    """Refuse datetimes that are not in the past."""
    if value >= datetime.now(UTC):
        raise PydanticCustomError("datetime_past", "Datetime must be in the past")
    return value


def require_future(value: datetime) -> datetime:
    """Refuse datetimes that are not in the future."""
    if value <= datetime.now(UTC):
        raise PydanticCustomError("datetime_future", "Datetime must be in the future")
    return value


def require_non_blank(value: str) -> str:
    """Refuse strings that are empty or only whitespace."""
    if not value.strip():
        raise PydanticCustomError("string_blank", "String must not be blank")
    return value


def require_slug(value: str) -> str:
    """Refuse anything but lower-case words of ``a-z0-9`` joined by single hyphens."""
    if not _SLUG.fullmatch(value):
        raise PydanticCustomError("slug", "Must be lower-case letters and digits joined by '-'")
    return value


def phone_number(region: str | None = None) -> AfterValidator:
    """Validator reading numbers of ``region``: ``Annotated[str, phone_number("DE")]``."""
    return AfterValidator(lambda value: normalize_phone(value, region))


# Special-use domains (RFC 6761: .test, .localhost, ...) are never real mailboxes; the pattern
# says so in the schema, so generated "valid" addresses are ones the validator accepts.
EMAIL_PATTERN = (
    r"^[^@\s\x00]+@(?![^@]*\.?(?:arpa|invalid|local|localhost|onion|test)$)"
    r"[^@\s\x00]+\.[^@\s\x00]+$"
)
NON_BLANK_PATTERN = r"^[^\x00]*[^\s\x00][^\x00]*$"

Email = Annotated[
    str,
    AfterValidator(normalize_email),
    WithJsonSchema(
        {
            "type": "string",
            "format": "email",
            "pattern": EMAIL_PATTERN,
            "maxLength": 254,
            "examples": ["ada@example.com"],
        }
    ),
]
"""An email address (syntax only, no DNS), normalised."""

PhoneNumber = Annotated[
    str,
    phone_number(),
    WithJsonSchema({"type": "string", "format": "phone", "examples": ["+14155552671"]}),
]
"""An international phone number (with ``+``), normalised to E.164."""

AwareDatetime = Annotated[datetime, AfterValidator(require_aware)]
"""A datetime with a timezone offset, converted to UTC."""

PastDatetime = Annotated[datetime, AfterValidator(require_aware), AfterValidator(require_past)]
"""An aware datetime in the past."""

FutureDatetime = Annotated[datetime, AfterValidator(require_aware), AfterValidator(require_future)]
"""An aware datetime in the future."""

NonBlankStr = Annotated[
    str, Field(min_length=1, pattern=NON_BLANK_PATTERN), AfterValidator(require_non_blank)
]
"""A string with at least one non-whitespace character."""

Slug = Annotated[
    str,
    Field(min_length=1, max_length=100, pattern=SLUG_PATTERN, examples=["my-item-1"]),
    AfterValidator(require_slug),
]
"""A URL slug: ``a-z``, ``0-9`` and single hyphens, at most 100 characters."""
