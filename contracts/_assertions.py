"""Assertions on answered JSON: values compared as sent, sort orders, private fields."""

from __future__ import annotations

import itertools
from collections.abc import Collection, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

import httpx


def same_value(got: Any, sent: Any) -> bool:
    """Whether an answered value is the sent one, compared as numbers when both are
    numeric (``"12.50"`` answers ``"12.5"``, ``2`` answers ``2.0``)."""
    if got == sent:
        return True
    try:
        return bool(Decimal(str(got)) == Decimal(str(sent)))
    except (InvalidOperation, ValueError):
        return False


def assert_ordered(items: list[dict[str, Any]], sort: Sequence[str]) -> None:
    """``items`` are ordered by the ``sort`` values, ties on all of them broken by id in
    one direction."""
    keys = [(value.lstrip("-"), value.startswith("-")) for value in sort]
    tie_directions = set()
    for before, after in itertools.pairwise(items):
        for field, descending in keys:
            a, b = _comparable(before[field]), _comparable(after[field])
            if a != b:
                assert (a > b) if descending else (a < b), (
                    f"not sorted by {list(sort)}: {field} {before[field]!r} before {after[field]!r}"
                )
                break
        else:
            tie_directions.add(str(before["id"]) < str(after["id"]))
    assert len(tie_directions) <= 1, "ties on the sort keys broken by id in both directions"


def _comparable(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return Decimal(value)
        except InvalidOperation:
            return value
    return value


def assert_private(document: Any, fields: Collection[str], where: str) -> None:
    """No object key in ``document`` (JSON, nested) is one of ``fields``."""
    if not fields:
        return
    stack = [document]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            leaked = set(value) & set(fields)
            assert not leaked, f"{where} names the private field(s) {sorted(leaked)}"
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)


def json_body(response: httpx.Response) -> Any:
    """The JSON of ``response``, or ``None`` when it has none."""
    try:
        return response.json()
    except ValueError:
        return None
