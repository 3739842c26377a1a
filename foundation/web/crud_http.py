"""HTTP details of generated CRUD routes: ETags from versions, ``If-Match``, OpenAPI links."""

from __future__ import annotations

import re
from typing import Any

from foundation.errors import ValidationError

IF_MATCH_PATTERN = r'^(?:\*|"[0-9]{1,9}")$'
"""``*`` or one strong ETag (a quoted version); bounded so it fits a 32-bit column."""
_IF_MATCH = re.compile(IF_MATCH_PATTERN)

ETAG_HEADER = {
    "ETag": {
        "description": "The version of the resource; send it back in If-Match to update safely",
        "schema": {"type": "string", "examples": ['"1"']},
    }
}


def etag(version: Any) -> str | None:
    """The strong ETag for a version (``"3"``), or ``None`` when there is none."""
    return None if version is None else f'"{int(version)}"'


def expected_version(if_match: str | None) -> int | None:
    """The version an ``If-Match`` header requires; ``None`` for absent or ``*``."""
    if if_match is None or if_match == "*":
        return None
    if not _IF_MATCH.fullmatch(if_match):
        raise ValidationError("If-Match must be * or one ETag.", details={"field": "If-Match"})
    return int(if_match.strip('"'))


def links(
    operation_ids: dict[str, str], id_parameter: str, id_field: str, *, versioned: bool
) -> dict[str, Any]:
    """OpenAPI links from a response carrying a resource to the operations on that resource."""
    target = {id_parameter: f"$response.body#/{id_field}"}
    found: dict[str, Any] = {}
    for kind in ("get", "update", "delete"):
        if kind not in operation_ids:
            continue
        parameters = dict(target)
        if kind == "update" and versioned:
            parameters["header.if-match"] = "$response.header.ETag"
        found[kind.capitalize()] = {"operationId": operation_ids[kind], "parameters": parameters}
    return found
