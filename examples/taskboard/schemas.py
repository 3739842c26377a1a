"""Request and response bodies of the taskboard API.

Every rule here is one JSON Schema can state (lengths, patterns, ranges, enums), so a
client — or a fuzzer — that follows the OpenAPI document is never refused by a hidden rule.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, field_validator

from foundation.schemas import BaseSchema, NonBlankStr, ReadSchema, Slug

Status = Literal["todo", "doing", "done"]


def _integral(value: Any) -> Any:
    """JSON Schema counts ``3.0`` as an integer; the strict int check would refuse it."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


# constraints first: a validator placed before them would hide them from the JSON Schema
Priority = Annotated[int, Field(ge=1, le=5, examples=[3]), BeforeValidator(_integral)]
Version = Annotated[
    int,
    Field(ge=1, le=2**31 - 1, description="Update only this version (409)"),
    BeforeValidator(_integral),
]
ProjectSlug = Annotated[Slug, Field(max_length=64, examples=["website-relaunch"])]
ProjectName = Annotated[NonBlankStr, Field(max_length=200, examples=["Website relaunch"])]
Description = Annotated[str, Field(max_length=10_000, pattern=r"^[^\x00]*$")]
Title = Annotated[NonBlankStr, Field(max_length=200, examples=["Write the announcement"])]


def _rfc3339(value: Any) -> datetime:
    """Only what ``format: date-time`` admits: a string with an offset (not a Unix number)."""
    if not isinstance(value, str):
        raise ValueError("expected an RFC 3339 date-time string")
    parsed = datetime.fromisoformat(value)
    if parsed.utcoffset() is None:
        raise ValueError("the date-time needs a timezone offset")
    try:
        return parsed.astimezone(UTC)
    except OverflowError:  # e.g. year 1 with a positive offset
        raise ValueError("the date-time is out of range") from None


Instant = Annotated[datetime, BeforeValidator(_rfc3339)]
"""A point in time, stored in UTC."""


def _no_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


def optional(**constraints: Any) -> Any:
    """A field that may be left out but, when sent, must not be ``null`` (PATCH bodies)."""
    return Field(default=None, json_schema_extra=_no_default, **constraints)


class ProjectCreate(BaseSchema):
    """A new project."""

    slug: ProjectSlug
    name: ProjectName
    description: Description = ""


class ProjectUpdate(BaseSchema):
    """Changes to a project; send ``version`` (or ``If-Match``) to update only that version."""

    slug: ProjectSlug = optional()
    name: ProjectName = optional()
    description: Description = optional()
    version: Version = optional()


class ProjectRead(ReadSchema):
    """A project."""

    id: uuid.UUID
    slug: str
    name: str
    description: str
    version: int
    created_at: datetime
    updated_at: datetime
    created_by: str | None
    updated_by: str | None


class TaskCreate(BaseSchema):
    """A new task in an existing project."""

    project_id: uuid.UUID
    title: Title
    status: Status = "todo"
    priority: Priority = 3
    due_at: Instant | None = None


class TaskUpdate(BaseSchema):
    """Changes to a task; ``due_at: null`` clears the due date."""

    project_id: uuid.UUID = optional()
    title: Title = optional()
    status: Status = optional()
    priority: Priority = optional()
    due_at: Instant | None = None
    version: Version = optional()


class TaskRead(ReadSchema):
    """A task."""

    id: uuid.UUID
    project_id: uuid.UUID
    title: str
    status: Status
    priority: int
    due_at: datetime | None
    version: int
    created_at: datetime
    updated_at: datetime
    created_by: str | None
    updated_by: str | None


class UserRead(ReadSchema):
    """The signed-in user."""

    id: uuid.UUID
    email: str
    full_name: str
    scopes: list[str]
    is_active: bool

    @field_validator("scopes", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        return value.split() if isinstance(value, str) else value


class Token(BaseSchema):
    """An OAuth2 bearer token response."""

    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(examples=[1800])
    scope: str = Field(examples=["projects:read projects:write"])
