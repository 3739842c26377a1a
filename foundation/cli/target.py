"""Finding the app a command works on: ``module:attr``, an ASGI app or a factory."""

from __future__ import annotations

import importlib
import inspect
import os
import sys
from typing import Any

from foundation.config import Settings
from foundation.errors import ConfigurationError


def app_target(flag: str | None, settings: Settings) -> str:
    """The ``module:attr`` from ``--app``, else from ``FOUNDATION_APP__TARGET``."""
    target = flag or settings.app.target
    if not target:
        raise ConfigurationError(
            "no app given: pass --app module:attr or set FOUNDATION_APP__TARGET"
        )
    return target


def load_target(target: str) -> Any:
    """Import ``module:attr`` (attr may be dotted) from the working directory or sys.path."""
    module_name, sep, attribute = target.partition(":")
    if not sep or not module_name or not attribute:
        raise ConfigurationError(f"app target {target!r} must look like 'module:attr'")
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())  # as uvicorn does: the project need not be installed
    try:
        found: Any = importlib.import_module(module_name)
    except ImportError as exc:
        raise ConfigurationError(f"cannot import app target {target!r}: {exc}") from exc
    for name in attribute.split("."):
        try:
            found = getattr(found, name)
        except AttributeError as exc:
            raise ConfigurationError(f"app target {target!r}: no attribute {name!r}") from exc
    return found


def is_factory(target: Any) -> bool:
    """Whether ``target`` builds the app: a plain (non-async) function or method."""
    function = inspect.isfunction(target) or inspect.ismethod(target)
    return function and not inspect.iscoroutinefunction(target)


def load_app(target: str, *, factory: bool = False) -> Any:
    """The app object for ``target``, calling it when it is a factory."""
    found = load_target(target)
    if factory or is_factory(found):
        found = found()
    return found
