"""HTTP details of generated CRUD routes: ETags from versions, ``If-Match`` and
``If-None-Match``, RFC 8288 ``Link`` headers, OpenAPI links.

Our entity tags are strong and name a version: ``"3"``. ``If-Match`` takes ``*`` or one of
them (the OpenAPI parameter carries that grammar as a pattern, so clients and fuzzers send
well-formed ones); anything else is a 400 saying what a tag looks like. ``If-None-Match``
takes any list of tags and compares weakly, as RFC 9110 asks.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Header, Request

from foundation.errors import BadRequestError
from foundation.web.crud_query import MAX_OFFSET

ETAG_PATTERN = r'^(\*|"[0-9]{1,10}")$'
"""What ``If-Match`` accepts: ``*`` or one strong entity tag of ours, e.g. ``"3"``."""
_IF_MATCH = re.compile(ETAG_PATTERN)
_TAG = re.compile(r'(?:W/)?"([^"]*)"')
_MAX_VERSION = 2**31 - 1

ETAG_HEADER = {
    "ETag": {
        "description": "The version of the resource; send it back in If-Match to change it safely",
        "schema": {"type": "string", "pattern": r'^"[0-9]{1,10}"$', "examples": ['"1"']},
    }
}
LINK_HEADER = {
    "Link": {
        "description": "RFC 8288 links to the first, previous and next pages (relative URIs)",
        "schema": {"type": "string"},
    }
}


def if_match_header(action: str) -> Any:
    """The ``If-Match`` header parameter, its grammar published as a pattern."""
    return Annotated[
        str,  # not ``| None``: the schema must not offer a null header
        Header(
            alias="If-Match",
            description=f'{action} only if the resource still has this ETag, e.g. "3" '
            "(else 412); * matches any version",
            # an example keeps fuzzers from leading with values captured elsewhere
            json_schema_extra={"pattern": ETAG_PATTERN, "examples": ["*"]},
        ),
    ]


IF_NONE_MATCH_HEADER: Any = Annotated[
    str,
    Header(
        alias="If-None-Match",
        description="ETags you hold; 304 with no body when one is the current ETag",
    ),
]


def etag(version: Any) -> str | None:
    """The strong ETag for a version (``"3"``), or ``None`` when there is none."""
    return None if version is None else f'"{int(version)}"'


def expected_version(if_match: str | None) -> int | None:
    """The version an ``If-Match`` header requires; ``None`` for absent or ``*``.

    ``BadRequestError`` (400) for anything but ``*`` or one strong tag of ours.
    """
    if if_match is None:
        return None
    value = if_match.strip()
    match = _IF_MATCH.fullmatch(value)
    if match is None:
        raise BadRequestError(
            'If-Match must be * or one entity tag: a version in double quotes, e.g. "3".',
            details={"if_match": if_match[:200]},
        )
    if value == "*":
        return None
    version = int(value[1:-1])
    # a tag above any version we issue names none: the precondition fails (-1 never matches)
    return version if version <= _MAX_VERSION else -1


def none_match(if_none_match: str | None, tag: str | None) -> bool:
    """Whether ``If-None-Match`` names ``tag`` (weak comparison; ``*`` names any)."""
    if if_none_match is None or tag is None:
        return False
    if if_none_match.strip() == "*":
        return True
    return any(f'"{found}"' == tag for found in _TAG.findall(if_none_match))


def offset_links(request: Request, page: Any) -> str:
    """``first``, ``prev`` and ``next`` of an offset page (``next`` when rows may follow)."""
    offset, limit = page.offset, page.limit
    relations: dict[str, dict[str, Any]] = {"first": {"offset": None}}
    if offset > 0:
        relations["prev"] = {"offset": max(offset - limit, 0) or None}
    more = len(page.items) >= limit if page.total is None else offset + limit < page.total
    if more and offset + limit <= MAX_OFFSET:
        relations["next"] = {"offset": offset + limit}
    return link_header(request, relations)


def cursor_links(request: Request, page: Any) -> str:
    """``first``, and ``prev``/``next`` with the page's cursors where there are some."""
    relations: dict[str, dict[str, Any]] = {"first": {"cursor": None}}
    if page.previous_cursor:
        relations["prev"] = {"cursor": page.previous_cursor}
    if page.next_cursor:
        relations["next"] = {"cursor": page.next_cursor}
    return link_header(request, relations)


def link_header(request: Request, pages: Mapping[str, Mapping[str, Any]]) -> str:
    """An RFC 8288 ``Link`` value: for each relation, the request's path and query changed
    by its page's parameters (a ``None`` removes one). Relative URIs: the request's host,
    which a client may forge, never appears."""
    path = request.url.path
    query: dict[str, list[str]] = {}
    for name, value in request.query_params.multi_items():
        query.setdefault(name, []).append(value)
    links = []
    for relation, changes in pages.items():
        params = {**query, **changes}
        pairs = [
            (name, item)
            for name, value in params.items()
            if value is not None
            for item in (value if isinstance(value, list) else [value])
        ]
        target = f"{path}?{urlencode(pairs)}" if pairs else path
        links.append(f'<{target}>; rel="{relation}"')
    return ", ".join(links)


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
        if kind in ("update", "delete") and versioned:
            parameters["header.If-Match"] = "$response.header.ETag"
        found[kind.capitalize()] = {"operationId": operation_ids[kind], "parameters": parameters}
    return found
