"""Deprecated: the authentication dependencies live in :mod:`foundation.web.auth`.

Importing a name from here still works for one release and warns (``DeprecationWarning``).
"""

from __future__ import annotations

from typing import Any

from foundation.security import MOVED_TO_WEB, moved


def __getattr__(name: str) -> Any:
    if name in MOVED_TO_WEB:
        return moved(__name__, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
