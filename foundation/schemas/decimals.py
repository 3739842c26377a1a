"""``DecimalString``: exact decimals (money) in JSON, as strings bounded by precision and scale.

Pydantic's ``Decimal`` admits any number and any string in its JSON schema, and a JSON number
is a binary float on most clients (``9.99`` is not 9.99). ``DecimalString(precision, scale)``
takes a string of at most ``precision`` digits, ``scale`` of them after the point — the
pattern in its JSON schema is exactly what it accepts, so clients and fuzzers send valid
values — and answers the same form with ``scale`` decimals (``"12.50"``)::

    class ProductCreate(BaseSchema):
        price: Annotated[Decimal, DecimalString(10, 2)]  # a Numeric(10, 2) column
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError, core_schema


def decimal_pattern(precision: int, scale: int | None) -> str:
    """A decimal number as text with no more digits than ``Numeric(precision, scale)`` holds:
    ``12.50``, ``-3``. ``scale=None``: up to ``precision`` digits after the point."""
    whole = max(precision - (scale or 0), 1)
    if scale is None:
        fraction = rf"(\.[0-9]{{1,{precision}}})?"
    elif scale == 0:
        fraction = ""
    else:
        fraction = rf"(\.[0-9]{{1,{scale}}})?"
    return rf"^-?[0-9]{{1,{whole}}}{fraction}$"


@dataclass(frozen=True)
class DecimalString:
    """Metadata for ``Annotated[Decimal, DecimalString(precision, scale)]``."""

    precision: int
    scale: int
    pattern: str = field(init=False)

    def __post_init__(self) -> None:
        if self.precision < 1 or not 0 <= self.scale <= self.precision:
            raise ValueError("DecimalString needs 1 <= precision and 0 <= scale <= precision")
        object.__setattr__(self, "pattern", decimal_pattern(self.precision, self.scale))

    @property
    def example(self) -> str:
        return "12." + "5".ljust(self.scale, "0") if self.scale else "12"

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        compiled = re.compile(self.pattern)
        quantum = Decimal(1).scaleb(-self.scale)
        message = (
            f"expected a decimal as a string with at most {self.precision - self.scale} "
            f"digits before the point and {self.scale} after it, e.g. {self.example!r}"
        )

        def parse(value: Any) -> Decimal:
            if isinstance(value, Decimal) and value.is_finite():
                value = format(value, "f")
            if not isinstance(value, str) or compiled.fullmatch(value) is None:
                raise PydanticCustomError("decimal_string", message)
            return Decimal(value)

        return core_schema.no_info_plain_validator_function(
            parse,
            serialization=core_schema.plain_serializer_function_ser_schema(
                lambda value: format(value.quantize(quantum), "f"),
                when_used="json",
            ),
        )

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {"type": "string", "pattern": self.pattern, "examples": [self.example]}
