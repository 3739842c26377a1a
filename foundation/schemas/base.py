"""``BaseSchema`` for request bodies and ``ReadSchema`` for responses built from ORM objects.

Request models are strict where JSON is ambiguous — ``false`` is not an integer, ``"1"`` is
not a number — yet still accept ISO strings for datetimes, UUIDs and decimals, because JSON
has no such types. FastAPI validates the parsed body in Python mode, where pydantic's
``strict=True`` would refuse those strings; so strictness is set per scalar type instead.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError, core_schema

_STRICT_TYPES = frozenset({"int", "float", "bool", "str"})
NO_NUL_PATTERN = "^[^\\u0000]*$"


def _reject_nul(value: str) -> str:
    if "\x00" in value:
        raise PydanticCustomError("string_nul", "String must not contain NUL characters")
    return value


def _harden(node: Any) -> Any:
    """Copy a core schema with strict scalars and NUL-free strings, recursively."""
    if isinstance(node, list):
        return [_harden(item) for item in node]
    if not isinstance(node, dict):
        return node
    hardened = {key: _harden(value) for key, value in node.items()}
    kind = hardened.get("type")
    if kind in ("datetime", "date"):
        # ``format: date-time`` admits only strings; pydantic would read numbers as Unix times
        return core_schema.no_info_before_validator_function(_refuse_number, hardened)
    if kind in _STRICT_TYPES:
        hardened["strict"] = True
        if kind == "str":
            return core_schema.no_info_after_validator_function(_reject_nul, hardened)
        if kind == "int":
            # JSON Schema counts 3.0 as an integer; strict mode alone would refuse it
            return core_schema.no_info_before_validator_function(_integral_float, hardened)
    return hardened


def _refuse_number(value: Any) -> Any:
    """Refuse JSON numbers where a date or date-time string is expected."""
    if isinstance(value, int | float):
        raise PydanticCustomError("datetime_type", "Input should be an RFC 3339 string")
    return value


def _integral_float(value: Any) -> Any:
    """``3.0`` becomes ``3``; anything else (``3.5``, ``"3"``, ``true``) is left to refuse."""
    if type(value) is float and value.is_integer():
        return int(value)
    return value


def _document_no_nul(node: Any) -> None:
    """Add the NUL-free pattern to plain string schemas (those without their own rules)."""
    if isinstance(node, list):
        for item in node:
            _document_no_nul(item)
        return
    if not isinstance(node, dict):
        return
    if node.get("type") == "string" and not {"pattern", "format", "enum", "const"} & node.keys():
        node["pattern"] = NO_NUL_PATTERN
    for value in node.values():
        _document_no_nul(value)


class BaseSchema(BaseModel):
    """Base for request bodies: unknown fields rejected, strict scalars, no NUL in strings."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: type[BaseModel], handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        """Build the model's schema, then make its scalars strict and its strings NUL-free."""
        schema: CoreSchema = _harden(handler(source))
        return schema

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        """Say in the JSON Schema what validation enforces, so generated input is accepted."""
        json_schema = handler(schema)
        _document_no_nul(handler.resolve_ref_schema(json_schema).get("properties", {}))
        return json_schema


class ReadSchema(BaseModel):
    """Base for responses: built from ORM objects (``model_validate(row)``)."""

    model_config = ConfigDict(from_attributes=True)
