"""How many schema-valid bodies an operation with business rules accepts.

A business rule may refuse a request its schema allows, so the fuzzing test lets such an
operation answer its ``business_rule_statuses``. That allowance must not hide a request
schema far looser than the validation behind it (``name: string`` where most strings are
refused): ``ApiContract.test_schema_valid_writes_are_mostly_accepted`` sends generated
schema-valid bodies and counts how many the rules accept.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from schemathesis.core.parameters import ParameterLocation

EXAMPLES_SHOWN = 3


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
