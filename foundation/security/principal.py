"""The authenticated caller of a request."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling (``subject``) and what they may do (``scopes``)."""

    subject: str
    scopes: frozenset[str] = frozenset()
    claims: Mapping[str, Any] = field(default_factory=dict)

    def missing_scopes(self, *required: str) -> set[str]:
        """The scopes of ``required`` this principal lacks."""
        return set(required) - self.scopes

    def has_scopes(self, *required: str) -> bool:
        """Whether this principal holds every scope of ``required``."""
        return not self.missing_scopes(*required)
