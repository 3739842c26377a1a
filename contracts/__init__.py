"""Reusable contract suites for repositories, services, APIs and migrations.

Subclass a suite in a ``Test*`` class, fill in its hooks and declare ``capabilities``.
The suites load lazily, so importing this package (as the pytest plugin does) stays cheap.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from contracts._base import SUITE_VERSION, Contract, ContractError, requires
from contracts.profiles import Profile

if TYPE_CHECKING:
    from contracts.api import ApiContract
    from contracts.migrations import MigrationContract
    from contracts.repository import RepositoryContract
    from contracts.service import ServiceContract

_SUITES = {
    "ApiContract": "contracts.api",
    "MigrationContract": "contracts.migrations",
    "RepositoryContract": "contracts.repository",
    "ServiceContract": "contracts.service",
}

__all__ = [
    "SUITE_VERSION",
    "ApiContract",
    "Contract",
    "ContractError",
    "MigrationContract",
    "Profile",
    "RepositoryContract",
    "ServiceContract",
    "requires",
]


def __getattr__(name: str) -> Any:
    if name in _SUITES:
        return getattr(import_module(_SUITES[name]), name)
    raise AttributeError(f"module 'contracts' has no attribute {name!r}")
