"""Business rules: which statuses schema-valid requests may get, and how many such bodies
an operation with business rules accepts.

A business rule may refuse a request its schema allows, so the fuzzing test lets such an
operation answer its ``business_rule_statuses`` (``BusinessRules``). That allowance must not
hide a request schema far looser than the validation behind it (``name: string`` where most
strings are refused): ``ApiContract.test_schema_valid_writes_are_mostly_accepted`` sends
generated schema-valid bodies and counts how many the rules accept (``WriteTally``).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import ignored_auth, positive_data_acceptance

from contracts._base import ContractError
from contracts._http import operations

EXAMPLES_SHOWN = 3
WRITES = frozenset({"POST", "PUT", "PATCH"})


class BusinessRules:
    """Mixed into ``ApiContract``: the statuses a business rule may give schema-valid data,
    checked when a subclass is defined, and the schemathesis checks they leave out."""

    business_rule_statuses: ClassVar[Collection[int] | Mapping[str, Collection[int]]] = ()
    """Statuses a business rule may give a schema-valid request (4xx, e.g. 422): a tuple
    allows them on the resource's writes with a body (``POST``, ``PUT``, ``PATCH``), a
    mapping on the operations it names (``{"POST /api/v1/books": (422,)}``). Such rules must
    still accept ``min_accepted_share`` of generated schema-valid bodies. With an ``If-Match``
    capability 412 is allowed everywhere, with ``cursor_pagination`` 422 on the cursor route."""
    min_accepted_share: ClassVar[float] = 0.5
    """The share of generated schema-valid bodies that an operation with business rules must
    accept (``test_schema_valid_writes_are_mostly_accepted``)."""

    if TYPE_CHECKING:

        @property
        def cursor_path(self) -> str: ...
        def has(self, capability: str) -> bool: ...
        def fuzzed(self, path: str) -> bool: ...

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        rules = cls.business_rule_statuses
        named = rules if isinstance(rules, Mapping) else {"writes": rules}
        for label, statuses in named.items():
            if isinstance(rules, Mapping) and not re.fullmatch(r"[A-Z]+ /\S*", label):
                raise ContractError(
                    f"{cls.__qualname__}.business_rule_statuses: {label!r} is no operation; "
                    'name one as "METHOD /path", e.g. "POST /api/v1/books"'
                )
            if not all(isinstance(s, int) and 400 <= s < 500 for s in statuses):
                raise ContractError(
                    f"{cls.__qualname__}.business_rule_statuses: {list(statuses)} for {label}; "
                    "a business rule answers a 4xx status"
                )
        if not 0 < cls.min_accepted_share <= 1:
            raise ContractError(f"{cls.__qualname__}.min_accepted_share must be in (0, 1]")

    def business_rules(self, operation: Any) -> frozenset[int]:
        """The ``business_rule_statuses`` that ``operation`` may answer schema-valid data."""
        rules = self.business_rule_statuses
        if isinstance(rules, Mapping):
            return frozenset(rules.get(operation.label, ()))
        write = operation.method.upper() in WRITES and bool(operation.body)
        return frozenset(rules) if write and self.fuzzed(operation.path) else frozenset()

    def allowed_statuses(self, operation: Any) -> frozenset[int]:
        """Statuses beyond schemathesis' defaults that schema-valid data may get from
        ``operation``: its business rules, and 422 on the cursor route (a generated cursor
        is none the server issued)."""
        allowed = set(self.business_rules(operation))
        cursor_route = operation.method.upper() == "GET" and operation.path == self.cursor_path
        if self.has("cursor_pagination") and cursor_route:
            allowed.add(422)
        return frozenset(allowed)

    def excluded_checks(self, case: Any, status: int) -> list[Any]:
        """Schemathesis checks left out for one response: ``ignored_auth`` (it sends
        requests over the network; the suite checks auth itself), and the acceptance of
        positive data when ``status`` is one ``allowed_statuses`` names."""
        if status in self.allowed_statuses(case.operation):
            return [ignored_auth, positive_data_acceptance]
        return [ignored_auth]

    def assert_rules_name_operations(self, schema: Any) -> None:
        """Every operation a ``business_rule_statuses`` mapping names is in the document."""
        rules = self.business_rule_statuses
        if isinstance(rules, Mapping):
            labels = {operation.label for operation in operations(schema)}
            unknown = sorted(set(rules) - labels)
            assert not unknown, f"business_rule_statuses names no operation: {unknown}"


def decided_by_body(case: Any) -> Any:
    """``case`` without the optional headers it was generated with (``If-Match``, an
    ``Idempotency-Key``): its answer then depends on the body alone."""
    required = {
        parameter.name.lower()
        for parameter in case.operation.iter_parameters()
        if parameter.location is ParameterLocation.HEADER and parameter.is_required
    }
    if case.headers:
        case.headers = {k: v for k, v in case.headers.items() if k.lower() in required}
    return case


@dataclass
class WriteTally:
    """Answers to schema-valid bodies sent to one operation."""

    label: str
    rules: frozenset[int]
    accepted: int = 0
    refused: list[tuple[Any, int, str]] = field(default_factory=list)
    other: Counter[int] = field(default_factory=Counter)

    def count(self, body: Any, status: int, answer: str) -> None:
        """Count one answer: accepted (2xx), refused by a rule, or neither (a conflict, …)."""
        if 200 <= status < 300:
            self.accepted += 1
        elif status in self.rules:
            self.refused.append((body, status, answer))
        else:
            self.other[status] += 1

    def failure(self, minimum: float) -> str | None:
        """Why the operation fails the check, or ``None`` when it passes."""
        decided = self.accepted + len(self.refused)
        others = ", ".join(f"{status} x{n}" for status, n in sorted(self.other.items()))
        if not decided:
            return (
                f"{self.label}: no generated schema-valid body was accepted or refused by a "
                f"business rule (other answers: {others or 'none'})"
            )
        if self.accepted / decided >= minimum:
            return None
        examples = "\n".join(
            f"  {json.dumps(body, default=str)[:200]} -> {status} {answer[:200]}"
            for body, status, answer in self.refused[:EXAMPLES_SHOWN]
        )
        return (
            f"{self.label}: business rules refused {len(self.refused)} of {decided} "
            f"schema-valid bodies (accepted {self.accepted / decided:.0%}, at least "
            f"{minimum:.0%} expected). The request schema is far looser than the validation: "
            "publish the rules in it (pattern, enum, bounds, multipleOf) so that clients and "
            f"fuzzers see them. Refused, for example:\n{examples}"
        )
