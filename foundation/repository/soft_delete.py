"""What soft delete means beyond the row itself: restoring into a taken unique value."""

from __future__ import annotations

from typing import Any

from foundation.errors import DuplicateError


def restore_conflict(model: str, key: Any, error: DuplicateError) -> DuplicateError:
    """The 409 for restoring row ``key`` whose unique values a live row has taken since."""
    fields = error.details.get("fields") or []
    taken = ", ".join(map(str, fields)) or "unique values"
    return DuplicateError(
        f"{model} {key} cannot be restored: a live {model} has taken its {taken} since it "
        "was deleted. Change or delete that one first.",
        details={**error.details, "id": str(key), "operation": "restore"},
    )
