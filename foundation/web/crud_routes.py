"""The routes of ``crud_router`` as a table: one small handler per operation.

``ROUTES`` maps each ``Operation`` to a function building its ``Route`` from a
``Resource``; offset and cursor pages share one handler, which calls the service's
``list`` or ``list_cursor``. Handlers name their parameters
(``item_id``, ``body``, ``source``, ``request``, ``if_match``, ``if_none_match``) and
``_declare`` gives them the types FastAPI reads, so the per-request path is the
handler's own few lines.
"""

import inspect
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Annotated, Any, cast

from fastapi import Path, Request, Response
from fastapi.datastructures import Default
from fastapi.responses import JSONResponse
from pydantic import BaseModel, TypeAdapter

from foundation.errors import (
    ConcurrencyError,
    InvalidCursorError,
    NotFoundError,
    PreconditionFailedError,
)
from foundation.repository import TotalStrategy
from foundation.schemas.pages import CursorPage, Page
from foundation.web.auth import (
    InsufficientScopeError,
    bearer_scheme,
    current_principal,
    get_token_codec,
)
from foundation.web.crud_http import (
    ETAG_HEADER,
    IF_NONE_MATCH_HEADER,
    LINK_HEADER,
    cursor_links,
    if_match_header,
    none_match,
    offset_links,
)
from foundation.web.crud_query import list_query, python_type_of
from foundation.web.crud_resource import Operation, Resource, json_response
from foundation.web.openapi import problem_responses


@dataclass(frozen=True)
class Route:
    """One generated route: its path below the resource's, method, handler and OpenAPI."""

    path: str
    method: str
    endpoint: Callable[..., Awaitable[Any]]
    summary: str
    responses: dict[int | str, Any]
    model: Any = None
    status: int | None = None
    # APIRouter.add_api_route's own default, which an app's default class overrides
    response_class: Any = field(default_factory=lambda: Default(JSONResponse))


def _pages(r: Resource, *, cursor: bool) -> Route:
    """``GET {path}`` (offset pages) or ``GET {path}/cursor`` (keyset pages)."""
    deleted, scopes = None, r.deleted_access or ()
    if r.deleted_access is not None:
        needs = " ".join(scopes) or "any valid token"
        deleted = f"Soft-deleted {r.plural} too (include) or only them (only); needs {needs}"
        deleted += ", else 401/403"
    read_query = list_query(
        r.repository, cursor=cursor, refuse_unknown=r.refuse_unknown_query, deleted=deleted
    )
    envelope: Any = (CursorPage if cursor else Page)[r.read]
    adapter: TypeAdapter[Any] = TypeAdapter(envelope)
    body_of, links_of = (_cursor_body, cursor_links) if cursor else (_offset_body, offset_links)
    read = r.read

    async def list_items(*, source: Any, request: Request, **values: Any) -> Response:
        query = await read_query(request, **values)
        extra: dict[str, Any] = {}
        if query.deleted:  # deleted rows only for a caller with the scopes
            await _authorize(request, scopes)
            extra["include_deleted"] = query.deleted
        service = r.make(source)
        listing = service.list_cursor if cursor else service.list
        try:
            page = await listing(
                query.filters, sort=query.sort, page=query.page, search=query.search, **extra
            )
        except InvalidCursorError as exc:
            # a cursor this listing did not issue names no page of it
            raise NotFoundError(exc.message, details={"field": "cursor"}) from exc
        body = body_of(page)
        # items that are the read schema already (what a ``BaseService`` answers) go into
        # the envelope as they are; anything else is validated through it
        if {*map(type, body["items"])} <= {read}:  # no Python frame per item
            response = json_response(adapter, envelope.model_construct(**body))
        else:
            response = json_response(adapter, adapter.validate_python(body, from_attributes=True))
        response.headers["Link"] = links_of(request, page)
        return response

    query = inspect.signature(read_query).parameters.values()
    return Route(
        "/cursor" if cursor else "",
        "GET",
        _declare(list_items, r, query=[p for p in query if p.annotation is not Request]),
        f"List {r.plural} ({'keyset' if cursor else 'offset'} pages)",
        {
            200: {"description": "One page", "headers": LINK_HEADER},
            **problem_responses(*((404,) if cursor else ())),
            **({} if r.deleted_access is None else problem_responses(401, 403)),
        },
        model=envelope,
    )


async def _authorize(request: Request, scopes: Sequence[str]) -> None:
    """401 without a valid bearer token, 403 when it lacks ``scopes``."""
    credentials = await bearer_scheme(request)
    codec = await get_token_codec(request)
    principal = await current_principal(request, credentials, codec)
    missing = principal.missing_scopes(*scopes)
    if missing:
        raise InsufficientScopeError(missing, tuple(scopes))


def _offset_body(page: Any) -> dict[str, Any]:
    return {
        "items": page.items,
        "total": page.total,
        "total_strategy": TotalStrategy.EXACT.value,
        "limit": page.limit,
        "offset": page.offset,
    }


def _cursor_body(page: Any) -> dict[str, Any]:
    return {
        "items": page.items,
        "limit": page.limit,
        "next_cursor": page.next_cursor,
        "previous_cursor": page.previous_cursor,
    }


def _item(r: Resource) -> str:
    return f"/{{{r.id_parameter}}}"


def _get(r: Resource) -> Route:
    async def get_item(item_id: Any, source: Any, if_none_match: str | None = None) -> Any:
        item = await r.make(source).get(item_id)
        if if_none_match is not None:
            item = r.read_adapter.validate_python(item, from_attributes=True)
            tag = r.etag(item)
            if none_match(if_none_match, tag):
                return Response(status_code=304, headers={"ETag": cast(str, tag)})
        return r.respond(item)

    responses = r.item_response(200, "The resource")
    if r.version:
        responses[304] = {"description": "Not modified", "headers": ETAG_HEADER}
    return Route(
        _item(r),
        "GET",
        _declare(get_item, r),
        f"Get one {r.name}",
        {**responses, **problem_responses(404)},
        model=r.read,
    )


def _create(r: Resource) -> Route:
    located = Operation.GET in r.operation_ids

    async def create_item(body: Any, request: Request, source: Any) -> Any:
        item = await r.make(source).create(body)
        headers = {"Location": r.location(request, getattr(item, r.pk))} if located else None
        return r.respond(item, 201, headers)

    return Route(
        "",
        "POST",
        _declare(create_item, r, body=r.create),
        f"Create a {r.name}",
        {**r.item_response(201, "Created"), **problem_responses(409)},
        model=r.read,
        status=201,
    )


def _update(r: Resource) -> Route:
    async def update_item(
        item_id: Any, body: BaseModel, source: Any, if_match: str | None = None
    ) -> Any:
        data, body_version = _split_version(body, r.version)
        precondition = r.precondition(if_match)
        if precondition is None and body_version is not None:
            # a version in the body is a 409 when stale, not a 412
            return r.respond(
                await r.make(source).update(item_id, data, expected_version=body_version)
            )
        update = r.make(source).update
        return r.respond(await _conditionally(update, precondition, item_id, data))

    return Route(
        _item(r),
        "PATCH",
        _declare(update_item, r, body=r.update, action="Change"),
        f"Change a {r.name}",
        {
            **r.item_response(200, "The changed resource"),
            **problem_responses(*r.write_statuses(404, 409)),
        },
        model=r.read,
    )


def _split_version(body: BaseModel, version: str | None) -> tuple[BaseModel, int | None]:
    """The body without its ``version`` field, and that field's value if it was sent."""
    if version is None or version not in body.model_fields_set:
        return body, None
    values = body.model_dump(exclude_unset=True)
    expected = values.pop(version)
    fields = body.model_fields_set - {version}
    return type(body).model_construct(_fields_set=fields, **values), expected


def _delete(r: Resource) -> Route:
    async def delete_item(item_id: Any, source: Any, if_match: str | None = None) -> Response:
        precondition = r.precondition(if_match)
        await _conditionally(r.make(source).delete, precondition, item_id)
        return Response(status_code=204)

    return Route(
        _item(r),
        "DELETE",
        _declare(delete_item, r, action="Delete"),
        f"Delete a {r.name}" + (" (softly; restorable)" if r.traits.soft_delete else ""),
        {204: {"description": "Deleted"}, **problem_responses(*r.write_statuses(404, 409))},
        status=204,
        response_class=Response,
    )


def _restore(r: Resource) -> Route:
    async def restore_item(item_id: Any, source: Any, if_match: str | None = None) -> Any:
        precondition = r.precondition(if_match)
        return r.respond(await _conditionally(r.make(source).restore, precondition, item_id))

    return Route(
        _item(r) + "/restore",
        "POST",
        _declare(restore_item, r, action="Restore"),
        f"Restore a deleted {r.name}",
        {
            **r.item_response(200, "The restored resource"),
            **problem_responses(*r.write_statuses(404, 409)),
        },
        model=r.read,
    )


async def _conditionally(
    call: Callable[..., Awaitable[Any]], version: int | None, *args: Any
) -> Any:
    """``call(*args)``, with ``expected_version=version`` when ``If-Match`` named one; a
    stale version is then 412 Precondition Failed."""
    if version is None:
        return await call(*args)
    try:
        return await call(*args, expected_version=version)
    except ConcurrencyError as exc:
        raise PreconditionFailedError(
            "The resource no longer matches If-Match.", details=exc.details
        ) from exc


ROUTES: Mapping[Operation, Callable[[Resource], Route]] = {
    Operation.LIST: partial(_pages, cursor=False),
    Operation.CURSOR: partial(_pages, cursor=True),
    Operation.GET: _get,
    Operation.CREATE: _create,
    Operation.UPDATE: _update,
    Operation.DELETE: _delete,
    Operation.RESTORE: _restore,
}
"""How each operation's route is built, in the order routes are added."""


_CONDITIONAL = frozenset({"if_match", "if_none_match"})


def _declare(
    endpoint: Callable[..., Awaitable[Any]],
    r: Resource,
    *,
    body: Any = None,
    action: str = "",
    query: Iterable[inspect.Parameter] = (),
) -> Callable[..., Awaitable[Any]]:
    """Type ``endpoint``'s parameters for FastAPI, by name: ``item_id`` is the path
    parameter ``{name}_id``, ``source`` the routes' dependency, ``body`` the request body;
    the conditional headers go when the resource has no versions, and ``query`` takes the
    place of ``**values``."""
    types = {
        "item_id": Annotated[python_type_of(r.traits.pk_column), Path(alias=r.id_parameter)],
        "body": body,
        "source": r.source,
        "request": Request,
        "if_match": if_match_header(action),
        "if_none_match": IF_NONE_MATCH_HEADER,
    }
    parameters: list[inspect.Parameter] = []
    for parameter in inspect.signature(endpoint).parameters.values():
        if parameter.kind is inspect.Parameter.VAR_KEYWORD:
            parameters.extend(query)
        elif r.version is not None or parameter.name not in _CONDITIONAL:
            parameters.append(
                parameter.replace(
                    kind=inspect.Parameter.KEYWORD_ONLY, annotation=types[parameter.name]
                )
            )
    endpoint.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]  # FastAPI reads it
    return endpoint
