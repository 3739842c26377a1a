"""Contract machinery: required hooks, declared capabilities, strict known failures.

A suite is a class marked ``abstract=True``; a downstream test class subclasses it, fills
in the hooks and declares what its implementation supports::

    class TestWidgetRepository(RepositoryContract):
        capabilities = {"soft_delete", "versioning"}
        known_failures = {"test_upsert_updates": "tracked in #12"}

Missing hooks and unknown capabilities raise ``ContractError`` when the class is defined,
so a forgotten hook can never turn into a class that silently runs zero tests.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from typing import Any, ClassVar, TypeVar

import pytest

SUITE_VERSION = "3.1.0"
"""Bumped when a suite gains, loses or tightens tests; see docs/testing.md for changes."""

F = TypeVar("F", bound=Callable[..., Any])
_REQUIRES = "__contract_requires__"
_HOOK = "__contract_hook__"


class ContractError(TypeError):
    """Raised when a contract subclass is incomplete or declares something unknown."""


def requires(*capabilities: str) -> Callable[[F], F]:
    """Mark a contract test as needing ``capabilities``; it is skipped when undeclared."""

    def mark(function: F) -> F:
        needed: frozenset[str] = getattr(function, _REQUIRES, frozenset())
        setattr(function, _REQUIRES, needed | frozenset(capabilities))
        return function

    return mark


def hook(function: F) -> F:
    """Mark a method as a hook a concrete subclass must override."""
    setattr(function, _HOOK, True)
    return function


class Contract:
    """Base of every suite: checks hooks and capabilities when a subclass is defined."""

    __test__: ClassVar[bool] = False
    suite_version: ClassVar[str] = SUITE_VERSION
    known_capabilities: ClassVar[frozenset[str]] = frozenset()
    """Every capability this suite knows; subclasses declare a subset in ``capabilities``."""
    required_hooks: ClassVar[tuple[str, ...]] = ()
    """Attributes, methods or fixtures every concrete subclass must define."""
    capability_hooks: ClassVar[Mapping[str, tuple[str, ...]]] = {}
    """Hooks that become required when a capability is declared."""

    capabilities: ClassVar[Collection[str]] = ()
    """What the implementation under test supports (declared by the concrete subclass)."""
    known_failures: ClassVar[Mapping[str, str]] = {}
    """Test name -> reason. Such tests must fail; one that passes turns the run red.
    ``"test_name[postgresql]"`` limits the entry to one database (its ``--db`` name)."""

    def __init_subclass__(cls, *, abstract: bool = False, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.__test__ = not abstract
        if not abstract:
            _check_concrete(cls)

    def has(self, capability: str) -> bool:
        """Whether the implementation under test declared ``capability``."""
        return capability in self.capabilities


def _check_concrete(cls: type[Contract]) -> None:
    name = cls.__qualname__
    unknown = set(cls.capabilities) - cls.known_capabilities
    if unknown:
        raise ContractError(
            f"{name} declares unknown capabilities {sorted(unknown)}; "
            f"known: {sorted(cls.known_capabilities)}"
        )
    required = list(cls.required_hooks)
    for capability in cls.capabilities:
        required.extend(cls.capability_hooks.get(capability, ()))
    missing = [
        hook_name
        for hook_name in dict.fromkeys(required)
        if not hasattr(cls, hook_name) or getattr(getattr(cls, hook_name), _HOOK, False)
    ]
    if missing:
        raise ContractError(
            f"{name} must define the hooks {missing} "
            f"(see {cls.__mro__[1].__qualname__}'s docstring for what each one is)"
        )
    tests = {attr for attr in dir(cls) if attr.startswith("test")}
    stray = {name for name in cls.known_failures if name.split("[", 1)[0] not in tests}
    if stray:
        raise ContractError(f"{name}.known_failures names no test of the suite: {sorted(stray)}")
    for attr in tests:
        needed: frozenset[str] = getattr(getattr(cls, attr), _REQUIRES, frozenset())
        if not needed <= cls.known_capabilities:
            raise ContractError(f"{attr} requires unknown capabilities {sorted(needed)}")


def contract_marks(
    cls: type[Contract], test_name: str, backend: str | None = None
) -> list[pytest.MarkDecorator]:
    """The skip / strict-xfail marks one test of a concrete contract class gets (on the
    database named ``backend``, if it runs on one)."""
    function = getattr(cls, test_name, None)
    needed: frozenset[str] = getattr(function, _REQUIRES, frozenset())
    absent = sorted(needed - set(cls.capabilities))
    marks: list[pytest.MarkDecorator] = []
    if absent:
        reason = f"capability not declared by {cls.__qualname__}: {', '.join(absent)}"
        marks.append(pytest.mark.skip(reason=reason))
    for key in (test_name, f"{test_name}[{backend}]"):
        if key in cls.known_failures and (backend or key == test_name):
            reason = f"known failure: {cls.known_failures[key]}"
            marks.append(pytest.mark.xfail(strict=True, reason=reason))
    return marks
