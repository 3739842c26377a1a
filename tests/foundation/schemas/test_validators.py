"""Field validators attached through annotations."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Annotated, Any

import pytest
from pydantic import BaseModel, Field, ValidationError

from foundation.schemas import (
    AwareDatetime,
    Email,
    FutureDatetime,
    NonBlankStr,
    PastDatetime,
    PhoneNumber,
    Slug,
    phone_number,
)
from foundation.schemas.validators import EMAIL_PATTERN


class Contact(BaseModel):
    email: Email | None = None
    phone: PhoneNumber | None = None
    german_phone: Annotated[str, phone_number("DE")] | None = None
    seen_at: AwareDatetime | None = None
    born_at: PastDatetime | None = None
    due_at: FutureDatetime | None = None
    name: NonBlankStr | None = None
    handle: Slug | None = None
    short_handle: Annotated[Slug, Field(max_length=5)] | None = None


def _error_type(**data: Any) -> str:
    with pytest.raises(ValidationError) as info:
        Contact(**data)
    errors = info.value.errors()
    assert len(errors) == 1
    return str(errors[0]["type"])


def test_email_is_normalised() -> None:
    assert Contact(email="Ada@Example.COM").email == "Ada@example.com"


@pytest.mark.parametrize("value", ["no-at-sign", "a@", "a b@example.com", "a@-example.com"])
def test_invalid_email_is_refused(value: str) -> None:
    assert _error_type(email=value) == "email"


@pytest.mark.parametrize(
    ("value", "expected"),
    [("+1 415-555-2671", "+14155552671"), ("+49 (0)151 23456789", "+4915123456789")],
)
def test_phone_number_is_normalised_to_e164(value: str, expected: str) -> None:
    assert Contact(phone=value).phone == expected


def test_national_number_needs_a_region() -> None:
    assert _error_type(phone="0151 23456789") == "phone_number"
    assert Contact(german_phone="0151 23456789").german_phone == "+4915123456789"


@pytest.mark.parametrize("value", ["+1 000", "not a number", "+999 123"])
def test_invalid_phone_number_is_refused(value: str) -> None:
    assert _error_type(phone=value) == "phone_number"


def test_naive_datetime_is_refused() -> None:
    assert _error_type(seen_at=datetime(2026, 1, 1)) == "timezone_aware"
    assert _error_type(seen_at="2026-01-01T00:00:00") == "timezone_aware"


def test_aware_datetime_is_converted_to_utc() -> None:
    plus_two = datetime(2026, 1, 1, 12, tzinfo=timezone(timedelta(hours=2)))
    seen = Contact(seen_at=plus_two).seen_at
    assert seen is not None
    assert seen.tzinfo == UTC
    assert seen.hour == 10


def test_past_and_future_are_checked() -> None:
    now = datetime.now(UTC)
    assert Contact(born_at=now - timedelta(days=1)).born_at is not None
    assert _error_type(born_at=now + timedelta(days=1)) == "datetime_past"
    assert Contact(due_at=now + timedelta(days=1)).due_at is not None
    assert _error_type(due_at=now - timedelta(days=1)) == "datetime_future"
    assert _error_type(due_at=(now + timedelta(days=1)).replace(tzinfo=None)) == "timezone_aware"


@pytest.mark.parametrize("value", ["", "   ", "\t\n"])
def test_blank_strings_are_refused(value: str) -> None:
    assert _error_type(name=value) in {
        "string_blank",
        "string_too_short",
        "string_pattern_mismatch",
    }


@pytest.mark.parametrize("value", ["a", "my-item-1", "x2"])
def test_valid_slugs_pass(value: str) -> None:
    assert Contact(handle=value).handle == value


@pytest.mark.parametrize("value", ["", "Upper", "double--dash", "-lead", "trail-", "sp ace", "ü"])
def test_invalid_slugs_are_refused(value: str) -> None:
    assert _error_type(handle=value) in {"string_pattern_mismatch", "string_too_short", "slug"}


def test_slug_can_be_narrowed_declaratively() -> None:
    assert _error_type(short_handle="toolong") in {"string_too_long", "too_long"}


def test_formats_appear_in_the_json_schema() -> None:
    properties = Contact.model_json_schema()["properties"]
    assert {"type": "string", "format": "email"}.items() <= _first(properties["email"]).items()
    assert _first(properties["phone"])["format"] == "phone"
    assert _first(properties["handle"])["pattern"] == "^[a-z0-9]+(?:-[a-z0-9]+)*$"


def _first(schema: dict[str, Any]) -> dict[str, Any]:
    return dict(schema["anyOf"][0]) if "anyOf" in schema else schema


@pytest.mark.parametrize("value", ["ada@code.test", "ada@localhost", "ada@printer.local"])
def test_special_use_domains_are_refused_and_documented_as_such(value: str) -> None:
    assert _error_type(email=value) == "email"
    assert not re.search(EMAIL_PATTERN, value)
    assert re.search(EMAIL_PATTERN, "ada@example.com")
