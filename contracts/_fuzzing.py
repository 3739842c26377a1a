"""What the fuzzing tests hand to Hypothesis and schemathesis: one budget of generated
cases, and an OpenAPI document whose reference fields name rows that exist."""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from hypothesis import HealthCheck, Phase, settings


def fuzz_settings(max_examples: int, *, shrink: bool = True) -> settings:
    """Hypothesis settings for ``max_examples`` generated cases: no deadline, no example
    database, no health check; without ``shrink`` a failing case is reported as generated."""
    found = settings(
        max_examples=max_examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    return found if shrink else settings(found, phases=[Phase.explicit, Phase.generate])


def with_references(document: dict[str, Any], references: Mapping[str, Sequence[Any]]) -> Any:
    """A copy of ``document`` whose request-body schemas allow only the given values for
    the ``references`` fields (response schemas stay as they are)."""
    if not references:
        return document
    document = copy.deepcopy(document)
    schemas = document.get("components", {}).get("schemas", {})
    pending: list[Any] = [
        operation.get("requestBody", {})
        for item in document.get("paths", {}).values()
        for operation in item.values()
        if isinstance(operation, dict)
    ]
    seen: set[str] = set()
    while pending:
        node = pending.pop()
        if isinstance(node, list):
            pending.extend(node)
        if not isinstance(node, dict):
            continue
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/schemas/") and ref not in seen:
            seen.add(ref)
            pending.append(schemas.get(ref.rsplit("/", 1)[1]))
        properties = node.get("properties")
        if isinstance(properties, dict):
            for field, values in references.items():
                if field in properties:
                    properties[field] = {"enum": [_json(value) for value in values]}
        pending.extend(value for key, value in node.items() if key != "properties")
        pending.extend(properties.values() if isinstance(properties, dict) else ())
    return document


def _json(value: Any) -> Any:
    return value if isinstance(value, str | int | float | bool) or value is None else str(value)
