"""Request and response schemas, envelopes, the problem document and field validators."""

from foundation.schemas.base import BaseSchema, ReadSchema
from foundation.schemas.decimals import DecimalString, decimal_pattern
from foundation.schemas.pages import CursorPage, Page
from foundation.schemas.problem import PROBLEM_MEDIA_TYPE, InvalidParam, Problem
from foundation.schemas.validators import (
    AwareDatetime,
    Email,
    FutureDatetime,
    NonBlankStr,
    PastDatetime,
    PhoneNumber,
    Slug,
    normalize_email,
    normalize_phone,
    phone_number,
)

__all__ = [
    "PROBLEM_MEDIA_TYPE",
    "AwareDatetime",
    "BaseSchema",
    "CursorPage",
    "DecimalString",
    "Email",
    "FutureDatetime",
    "InvalidParam",
    "NonBlankStr",
    "Page",
    "PastDatetime",
    "PhoneNumber",
    "Problem",
    "ReadSchema",
    "Slug",
    "decimal_pattern",
    "normalize_email",
    "normalize_phone",
    "phone_number",
]
