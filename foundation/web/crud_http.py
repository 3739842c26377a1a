"""HTTP details of generated CRUD routes: ETags from versions, ``If-Match``, OpenAPI links."""

from __future__ import annotations

import re
from typing import Any

from foundation.errors import PreconditionFailedError

_IF_MATCH = re.compile(r'^"([0-9]{1,10})"$')
_MAX_VERSION = 2**31 - 1

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
    """The version an ``If-Match`` header requires; ``None`` for absent or ``*``.

    Anything but ``*`` or one strong ETag of ours can match no representation, so the
    precondition fails (412) — a header's syntax is not a schema's business here.
    """
    if if_match is None or if_match.strip() == "*":
        return None
    match = _IF_MATCH.fullmatch(if_match.strip())
    if match is None or int(match.group(1)) > _MAX_VERSION:
        raise PreconditionFailedError(
            "If-Match names no version of this resource.", details={"if_match": if_match}
        )
    return int(match.group(1))


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
