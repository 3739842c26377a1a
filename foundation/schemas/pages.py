"""Response envelopes for lists: ``Page[T]`` (offset) and ``CursorPage[T]`` (keyset).

Both validate straight from the repository's page objects, converting each item through
``T`` (a ``ReadSchema``): ``Page[UserRead].model_validate(repo_page)``.
"""

from __future__ import annotations

from typing import Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """One page by offset; ``total`` is ``null`` when it was not counted."""

    model_config = ConfigDict(from_attributes=True)

    items: list[T]
    total: int | None = Field(None, ge=0, examples=[42])
    total_strategy: Literal["exact", "estimated", "none"] = Field(
        "exact",
        description="How total was found: counted, the planner's estimate, or not at all",
    )
    limit: int = Field(ge=0, examples=[50])
    offset: int = Field(ge=0, examples=[0])


class CursorPage(BaseModel, Generic[T]):
    """One page by keyset; pass ``next_cursor`` back as ``after`` for the next page."""

    model_config = ConfigDict(from_attributes=True)

    items: list[T]
    limit: int = Field(ge=0, examples=[50])
    next_cursor: str | None = Field(None, examples=["eyJpZCI6IjAxOTMifQ"])
    previous_cursor: str | None = Field(None, examples=[None])
