"""``crud_router``: list, get, create, update, delete and restore routes for one service.

::

    router = crud_router(
        ProjectService,
        path="/projects",
        name="project",
        create_schema=ProjectCreate,
        update_schema=ProjectUpdate,
        write_access=["projects:write"],
    )
    app = create_app(routers=[router])

Routes (``{project_id}`` typed by the model's key):

- ``GET /projects`` — offset page (``Page``), ``GET /projects/cursor`` — keyset page
  (``CursorPage``); both take the filter, ``sort`` and ``search`` parameters derived from
  the repository's allow-lists (:mod:`foundation.web.crud_query`).
- ``GET /projects/{project_id}``, ``POST /projects`` (201, ``Location``),
  ``PATCH /projects/{project_id}``, ``DELETE /projects/{project_id}`` (204) and, for
  soft-deleting models, ``POST /projects/{project_id}/restore``.

Versioned models answer with an ``ETag`` (the version); ``PATCH`` with ``If-Match`` then
updates only that version (else 412), and a ``version`` field in the update body does the
same with 409. The create response links to get/update/delete (OpenAPI links), so clients
and stateful testers can follow them. Access is per operation: ``None`` is open, a
sequence of scopes requires a bearer token holding them (an empty one: any valid token).
The generated routes go on an ``APIRouter`` that may already carry hand-written routes.
"""

import inspect
from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from enum import StrEnum
from functools import partial
from typing import Annotated, Any, cast
from weakref import WeakKeyDictionary

from fastapi import APIRouter, Depends, Header, Path, Request, Response
from fastapi.params import Depends as DependsParam
from pydantic import BaseModel, TypeAdapter
from sqlalchemy import inspect as sa_inspect
from starlette.exceptions import HTTPException as StarletteHTTPException

from foundation.errors import (
    ConcurrencyError,
    ConfigurationError,
    InvalidCursorError,
    NotFoundError,
    PreconditionFailedError,
    PreconditionRequiredError,
)
from foundation.models import SoftDeleteMixin
from foundation.repository import TotalStrategy
from foundation.schemas.pages import CursorPage, Page
from foundation.web.auth import (
    InsufficientScopeError,
    bearer_scheme,
    current_principal,
    get_token_codec,
    require_scopes,
)
from foundation.web.crud_http import (
    ETAG_HEADER,
    ETAG_PATTERN,
    LINK_HEADER,
    etag,
    expected_version,
    link_header,
    links,
    none_match,
)
from foundation.web.crud_query import (
    MAX_OFFSET,
    ListQuery,
    RepositoryFacts,
    list_query,
    python_type_of,
)
from foundation.web.dependencies import get_database
from foundation.web.idempotency import idempotent
from foundation.web.openapi import problem_responses

Access = Sequence[str] | None
"""``None``: open to anyone; a sequence of scopes: a bearer token holding all of them."""


class Operation(StrEnum):
    """A route ``crud_router`` can generate."""

    LIST = "list"
    CURSOR = "cursor"
    GET = "get"
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    RESTORE = "restore"


READ_OPERATIONS = frozenset({Operation.LIST, Operation.CURSOR, Operation.GET})
_ID_PLACEHOLDER = "__foundation_id__"


def _access_dependency(access: Access) -> list[DependsParam]:
    if access is None:
        return []
    if not access:
        return [Depends(current_principal)]
    return [Depends(require_scopes(*access))]


def _identity(service: Any) -> Any:
    return service


def crud_router(
    service: Callable[..., Any],
    *,
    path: str,
    name: str,
    create_schema: type[BaseModel],
    update_schema: type[BaseModel],
    read_schema: type[BaseModel] | None = None,
    repository: RepositoryFacts | None = None,
    provider: Callable[..., Any] | None = None,
    read_access: Access = None,
    write_access: Access = (),
    access: Mapping[Operation, Access] | None = None,
    operations: Collection[Operation] = tuple(Operation),
    plural: str | None = None,
    tags: Sequence[str] | None = None,
    router: APIRouter | None = None,
    refuse_unknown_query: bool = True,
    require_if_match: bool = False,
    deleted_access: Sequence[str] | None = None,
    idempotency: bool = False,
) -> APIRouter:
    """Add the CRUD routes of ``service`` (a ``BaseService`` subclass) to ``router``.

    ``repository`` and ``read_schema`` default to the service's ``repository_type`` and
    ``read_schema``; ``repository`` is any implementation of the repository protocol, class
    or instance, carrying the allow-lists (``model``, ``filterable``, ``sortable``,
    ``searchable``, ``max_limit``); ``provider`` replaces the dependency that builds the service, by
    default ``service(database)`` from ``get_database`` (a ``BaseService`` commits each
    call itself, before the route answers; a service that does not must get a session that
    does, e.g. through ``SessionDep``). ``name`` is the singular
    resource name used in operation ids (``get_project``) and the path parameter
    (``project_id``). List routes answer 422 to a query parameter they do not declare
    (a misspelt filter would otherwise return everything); ``refuse_unknown_query=False``
    ignores such parameters.

    For versioned models ``PATCH``, ``DELETE`` and restore take ``If-Match`` (412 when
    stale) and ``GET`` takes ``If-None-Match`` (304 when it names the current ETag);
    ``require_if_match`` makes ``If-Match`` mandatory on those writes (428 without it).
    ``deleted_access`` (scopes; empty: any valid token) offers ``deleted=include|only`` on
    the list routes of a soft-deleting model, to find what to restore.
    ``idempotency`` offers ``Idempotency-Key`` on ``POST`` (a retry replays the stored
    answer); the service's migrations must then create the keys' table, which importing
    ``foundation.models.idempotency`` adds to its metadata.
    """
    repository = repository or getattr(service, "repository_type", None)
    read_schema = read_schema or getattr(service, "read_schema", None)
    if repository is None or read_schema is None:
        raise ConfigurationError(
            "crud_router needs a repository and a read schema (from the service or given)."
        )
    router = router if router is not None else APIRouter()
    spec = _Resource(
        repository=repository,
        name=name,
        plural=plural or f"{name}s",
        read=read_schema,
        create=create_schema,
        update=update_schema,
    )
    spec.refuse_unknown_query = refuse_unknown_query
    if require_if_match and spec.version is None:
        raise ConfigurationError(
            f"require_if_match needs a versioned model; {name} has no version column."
        )
    spec.require_if_match = require_if_match
    if deleted_access is not None and not spec.soft_delete:
        raise ConfigurationError(f"deleted_access needs soft delete; {name} has none.")
    spec.deleted_access = None if deleted_access is None else tuple(deleted_access)
    spec.idempotency = idempotency
    chosen = set(operations)
    if Operation.RESTORE in chosen and not spec.soft_delete:
        chosen.discard(Operation.RESTORE)
    # Without a provider the routes depend on ``get_database`` alone (overridable as ever)
    # and build the service themselves: one dependency less to solve on every request.
    spec.make = service if provider is None else _identity
    service_dep: Any = Annotated[Any, Depends(provider or get_database)]

    def route_options(operation: Operation) -> dict[str, Any]:
        default = read_access if operation in READ_OPERATIONS else write_access
        chosen_access = (access or {}).get(operation, default)
        return {
            "operation_id": spec.operation_ids[operation],
            "name": spec.operation_ids[operation],
            "dependencies": _access_dependency(chosen_access),
            "tags": list(tags) if tags is not None else [spec.plural],
        }

    builders: dict[Operation, Callable[..., None]] = {
        Operation.LIST: partial(_add_pages, cursor=False),
        Operation.CURSOR: partial(_add_pages, cursor=True),
        Operation.GET: _add_get,
        Operation.CREATE: _add_create,
        Operation.UPDATE: _add_update,
        Operation.DELETE: _add_delete,
        Operation.RESTORE: _add_restore,
    }
    spec.operation_ids = {
        op: f"{op.value}_{spec.name}"
        if op not in (Operation.LIST, Operation.CURSOR)
        else f"list_{spec.plural}" + ("_by_cursor" if op is Operation.CURSOR else "")
        for op in chosen
    }
    for operation in Operation:
        if operation in chosen:
            builders[operation](router, path, spec, service_dep, route_options(operation))
    return router


class _Resource:
    """What the route builders need to know about one resource."""

    def __init__(
        self,
        *,
        repository: RepositoryFacts,
        name: str,
        plural: str,
        read: type[BaseModel],
        create: type[BaseModel],
        update: type[BaseModel],
    ) -> None:
        model: Any = repository.model
        mapper: Any = sa_inspect(model)
        pk_column = mapper.primary_key[0]
        self.repository = repository
        self.name = name
        self.plural = plural
        self.read = read
        self.read_adapter: TypeAdapter[Any] = TypeAdapter(read)
        self.create = create
        self.update = update
        self.pk = str(mapper.get_property_by_column(pk_column).key)
        self.id_type: Any = python_type_of(pk_column)
        self.id_parameter = f"{name}_id"
        self.refuse_unknown_query = True
        self.require_if_match = False
        self.deleted_access: tuple[str, ...] | None = None
        self.idempotency = False
        self.soft_delete = isinstance(model, type) and issubclass(model, SoftDeleteMixin)
        version_column = mapper.version_id_col
        self.version: str | None = (
            None
            if version_column is None
            else str(mapper.get_property_by_column(version_column).key)
        )
        self.operation_ids: dict[Operation, str] = {}
        self.make: Callable[[Any], Any] = _identity  # the route's dependency -> the service
        self._locations: WeakKeyDictionary[Any, dict[str, str]] = WeakKeyDictionary()

    @property
    def item_path(self) -> str:
        return f"/{{{self.id_parameter}}}"

    def etag(self, item: Any) -> str | None:
        return etag(getattr(item, self.version, None)) if self.version else None

    def precondition(self, if_match: str | None) -> int | None:
        """The version ``If-Match`` requires (``None``: any); 428 when it is required."""
        if if_match is None and self.require_if_match:
            raise PreconditionRequiredError()
        return expected_version(if_match)

    def write_statuses(self, *statuses: int) -> tuple[int, ...]:
        """``statuses`` and those of ``If-Match`` for a versioned resource."""
        if self.version is None:
            return statuses
        extra = (400, 412, 428) if self.require_if_match else (400, 412)
        return tuple(sorted({*statuses, *extra}))

    def links(self) -> dict[str, Any]:
        ids = {op.value: oid for op, oid in self.operation_ids.items()}
        return links(ids, self.id_parameter, self.pk, versioned=self.version is not None)

    def location(self, request: Request, identifier: Any) -> str:
        """The path of the item ``identifier`` (its get route) in the app serving ``request``.

        ``url_for`` searches every route; it runs once per app and mount point, for a
        template the id is then put into.
        """
        templates = self._locations.setdefault(request.app, {})
        root = request.scope.get("root_path", "")
        template = templates.get(root)
        if template is None:
            name = self.operation_ids[Operation.GET]
            url = request.url_for(name, **{self.id_parameter: _ID_PLACEHOLDER})
            template = templates[root] = url.path
        return template.replace(_ID_PLACEHOLDER, str(identifier))

    def item_response(self, status: int, description: str) -> dict[int | str, Any]:
        entry: dict[str, Any] = {"description": description, "links": self.links()}
        if self.version is not None:
            entry["headers"] = ETAG_HEADER
        return {status: entry}

    def respond(
        self, item: Any, status: int = 200, headers: dict[str, str] | None = None
    ) -> Response:
        """``item`` as the read schema's JSON, with its ``ETag``.

        Serialized here, in one pass of pydantic's serializer: FastAPI would validate the
        returned schema against ``response_model`` once more before serializing it.
        """
        if not isinstance(item, self.read):
            item = self.read_adapter.validate_python(item, from_attributes=True)
        tag = self.etag(item)
        if tag is not None:
            headers = {**(headers or {}), "ETag": tag}
        return _json(self.read_adapter, item, status, headers)


def _json(
    adapter: TypeAdapter[Any], value: Any, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    return Response(
        adapter.dump_json(value, by_alias=True),
        status_code=status,
        headers=headers,
        media_type="application/json",
    )


def _page_json(
    spec: _Resource, model: Any, adapter: TypeAdapter[Any], body: dict[str, Any]
) -> Response:
    """The page ``body`` as JSON. Items that are the read schema already (what a
    ``BaseService`` answers) go into the envelope as they are; anything else is validated
    through it."""
    read = spec.read
    if all(type(item) is read for item in body["items"]):
        return _json(adapter, model.model_construct(**body))
    return _json(adapter, adapter.validate_python(body, from_attributes=True))


def _add_pages(
    router: APIRouter,
    path: str,
    spec: _Resource,
    service_dep: Any,
    options: dict[str, Any],
    *,
    cursor: bool,
) -> None:
    """``GET {path}`` (offset pages) or ``GET {path}/cursor`` (keyset pages): one handler."""
    read_query = list_query(
        spec.repository,
        cursor=cursor,
        refuse_unknown=spec.refuse_unknown_query,
        deleted=_deleted_description(spec),
    )
    envelope: Any = (CursorPage if cursor else Page)[spec.read]
    adapter: TypeAdapter[Any] = TypeAdapter(envelope)
    body_of, links_of = (_cursor_body, _cursor_links) if cursor else (_offset_body, _offset_links)

    async def list_items(source: Any, foundation_request: Request, **values: Any) -> Any:
        query = await read_query(foundation_request, **values)
        page = await _read_page(spec, source, foundation_request, query)
        response = _page_json(spec, envelope, adapter, body_of(page))
        response.headers["Link"] = links_of(foundation_request, page)
        return response

    _take_query_parameters(list_items, read_query, service_dep)
    router.add_api_route(
        f"{path}/cursor" if cursor else path,
        list_items,
        methods=["GET"],
        response_model=envelope,
        summary=f"List {spec.plural} ({'keyset' if cursor else 'offset'} pages)",
        responses={
            200: {"description": "One page", "headers": LINK_HEADER},
            **problem_responses(*((404,) if cursor else ())),
            **_deleted_responses(spec),
        },
        **options,
    )
    if cursor:
        # Without this, PATCH/DELETE /things/cursor would reach /things/{thing_id} and answer
        # 422 (``cursor`` is no id) instead of 405.
        router.add_api_route(
            f"{path}/cursor",
            _method_not_allowed,
            methods=["POST", "PUT", "PATCH", "DELETE"],
            include_in_schema=False,
        )


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


def _cursor_links(request: Request, page: Any) -> str:
    """``first``, and ``prev``/``next`` with the page's cursors where there are some."""
    relations: dict[str, dict[str, Any]] = {"first": {"cursor": None}}
    if page.previous_cursor:
        relations["prev"] = {"cursor": page.previous_cursor}
    if page.next_cursor:
        relations["next"] = {"cursor": page.next_cursor}
    return link_header(request.url.path, _query(request), relations)


def _take_query_parameters(
    endpoint: Callable[..., Any], read_query: Callable[..., Any], service_dep: Any
) -> None:
    """Declare ``read_query``'s parameters on ``endpoint(source, foundation_request,
    **values)`` itself.

    The same query parameters as ``Depends(read_query)``, one dependency level less for
    FastAPI to solve on every request; the endpoint then calls
    ``read_query(foundation_request, **values)``.
    """
    parameters = [
        inspect.Parameter("source", inspect.Parameter.KEYWORD_ONLY, annotation=service_dep),
        inspect.Parameter("foundation_request", inspect.Parameter.KEYWORD_ONLY, annotation=Request),
        *(
            parameter
            for parameter in inspect.signature(read_query).parameters.values()
            if parameter.name != "foundation_request"
        ),
    ]
    endpoint.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]  # FastAPI reads it


async def _read_page(spec: _Resource, source: Any, request: Request, query: ListQuery) -> Any:
    """The page ``query`` asks for; deleted rows only for a caller with the scopes."""
    extra: dict[str, Any] = {}
    if query.deleted:
        await _authorize(request, spec.deleted_access or ())
        extra["include_deleted"] = query.deleted
    try:
        return await spec.make(source).list(
            query.filters, sort=query.sort, page=query.page, search=query.search, **extra
        )
    except InvalidCursorError as exc:
        # a cursor this listing did not issue names no page of it
        raise NotFoundError(exc.message, details={"field": "cursor"}) from exc


async def _authorize(request: Request, scopes: Sequence[str]) -> None:
    """401 without a valid bearer token, 403 when it lacks ``scopes``."""
    credentials = await bearer_scheme(request)
    codec = await get_token_codec(request)
    principal = await current_principal(request, credentials, codec)
    missing = principal.missing_scopes(*scopes)
    if missing:
        raise InsufficientScopeError(missing, tuple(scopes))


def _deleted_description(spec: _Resource) -> str | None:
    if spec.deleted_access is None:
        return None
    needs = " ".join(spec.deleted_access) or "any valid token"
    return (
        f"Soft-deleted {spec.plural} too (include) or only them (only); needs {needs}, else 401/403"
    )


def _deleted_responses(spec: _Resource) -> dict[int | str, Any]:
    return {} if spec.deleted_access is None else problem_responses(401, 403)


def _query(request: Request) -> dict[str, list[str]]:
    query: dict[str, list[str]] = {}
    for name, value in request.query_params.multi_items():
        query.setdefault(name, []).append(value)
    return query


def _offset_links(request: Request, page: Any) -> str:
    """``first``, ``prev`` and ``next`` of an offset page (``next`` when rows may follow)."""
    offset, limit = page.offset, page.limit
    relations: dict[str, dict[str, Any]] = {"first": {"offset": None}}
    if offset > 0:
        relations["prev"] = {"offset": max(offset - limit, 0) or None}
    more = len(page.items) >= limit if page.total is None else offset + limit < page.total
    if more and offset + limit <= MAX_OFFSET:
        relations["next"] = {"offset": offset + limit}
    return link_header(request.url.path, _query(request), relations)


async def _method_not_allowed() -> None:
    raise StarletteHTTPException(status_code=405)


def _id_annotation(spec: _Resource) -> Any:
    return spec.id_type


def _if_match(action: str) -> Any:
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


_IF_NONE_MATCH: Any = Annotated[
    str,
    Header(
        alias="If-None-Match",
        description="ETags you hold; 304 with no body when one is the current ETag",
    ),
]


def _add_get(
    router: APIRouter, path: str, spec: _Resource, service_dep: Any, options: dict[str, Any]
) -> None:
    id_type = _id_annotation(spec)

    async def get_item(
        item_id: id_type,  # type: ignore[valid-type]
        source: service_dep,
        if_none_match: _IF_NONE_MATCH = None,
    ) -> Any:
        item = await spec.make(source).get(item_id)
        if if_none_match is not None:
            item = spec.read_adapter.validate_python(item, from_attributes=True)
            tag = spec.etag(item)
            if none_match(if_none_match, tag):
                return Response(status_code=304, headers={"ETag": cast(str, tag)})
        return spec.respond(item)

    _rewrite_signature(get_item, spec)
    not_modified: dict[int | str, Any] = {
        304: {"description": "Not modified", "headers": ETAG_HEADER}
    }
    router.add_api_route(
        path + spec.item_path,
        get_item,
        methods=["GET"],
        response_model=spec.read,
        summary=f"Get one {spec.name}",
        responses={
            **spec.item_response(200, "The resource"),
            **(not_modified if spec.version else {}),
            **problem_responses(404),
        },
        **options,
    )


def _add_create(
    router: APIRouter, path: str, spec: _Resource, service_dep: Any, options: dict[str, Any]
) -> None:
    body_type: Any = spec.create

    async def create_item(body: body_type, request: Request, source: service_dep) -> Any:
        item = await spec.make(source).create(body)
        headers = None
        if Operation.GET in spec.operation_ids:
            headers = {"Location": spec.location(request, getattr(item, spec.pk))}
        return spec.respond(item, 201, headers)

    router.add_api_route(
        path,
        idempotent(create_item) if spec.idempotency else create_item,
        methods=["POST"],
        status_code=201,
        response_model=spec.read,
        summary=f"Create a {spec.name}",
        responses={
            **spec.item_response(201, "Created"),
            **problem_responses(409),
        },
        **options,
    )


def _add_update(
    router: APIRouter, path: str, spec: _Resource, service_dep: Any, options: dict[str, Any]
) -> None:
    id_type = _id_annotation(spec)
    body_type: Any = spec.update
    if_match_type: Any = _if_match("Change")

    async def update_item(
        item_id: id_type,  # type: ignore[valid-type]
        body: body_type,
        source: service_dep,
        if_match: if_match_type = None,
    ) -> Any:
        data, body_version = _split_version(body, spec.version)
        precondition = spec.precondition(if_match)
        if precondition is None and body_version is not None:
            # a version in the body is a 409 when stale, not a 412
            return spec.respond(
                await spec.make(source).update(item_id, data, expected_version=body_version)
            )
        update = spec.make(source).update
        return spec.respond(await _conditionally(update, precondition, item_id, data))

    _rewrite_signature(update_item, spec)
    router.add_api_route(
        path + spec.item_path,
        update_item,
        methods=["PATCH"],
        response_model=spec.read,
        summary=f"Change a {spec.name}",
        responses={
            **spec.item_response(200, "The changed resource"),
            **problem_responses(*spec.write_statuses(404, 409)),
        },
        **options,
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


def _split_version(body: BaseModel, version: str | None) -> tuple[BaseModel, int | None]:
    """The body without its ``version`` field, and that field's value if it was sent."""
    if version is None or version not in body.model_fields_set:
        return body, None
    values = body.model_dump(exclude_unset=True)
    expected = values.pop(version)
    fields = body.model_fields_set - {version}
    return type(body).model_construct(_fields_set=fields, **values), expected


def _add_delete(
    router: APIRouter, path: str, spec: _Resource, service_dep: Any, options: dict[str, Any]
) -> None:
    id_type = _id_annotation(spec)
    if_match_type: Any = _if_match("Delete")

    async def delete_item(
        item_id: id_type,  # type: ignore[valid-type]
        source: service_dep,
        if_match: if_match_type = None,
    ) -> Response:
        precondition = spec.precondition(if_match)
        await _conditionally(spec.make(source).delete, precondition, item_id)
        return Response(status_code=204)

    _rewrite_signature(delete_item, spec)
    router.add_api_route(
        path + spec.item_path,
        delete_item,
        methods=["DELETE"],
        status_code=204,
        response_class=Response,
        summary=f"Delete a {spec.name}" + (" (softly; restorable)" if spec.soft_delete else ""),
        responses={
            204: {"description": "Deleted"},
            **problem_responses(*spec.write_statuses(404, 409)),
        },
        **options,
    )


def _add_restore(
    router: APIRouter, path: str, spec: _Resource, service_dep: Any, options: dict[str, Any]
) -> None:
    id_type = _id_annotation(spec)
    if_match_type: Any = _if_match("Restore")

    async def restore_item(
        item_id: id_type,  # type: ignore[valid-type]
        source: service_dep,
        if_match: if_match_type = None,
    ) -> Any:
        precondition = spec.precondition(if_match)
        return spec.respond(await _conditionally(spec.make(source).restore, precondition, item_id))

    _rewrite_signature(restore_item, spec)
    router.add_api_route(
        path + spec.item_path + "/restore",
        restore_item,
        methods=["POST"],
        response_model=spec.read,
        summary=f"Restore a deleted {spec.name}",
        responses={
            **spec.item_response(200, "The restored resource"),
            **problem_responses(*spec.write_statuses(404, 409)),
        },
        **options,
    )


_HTTP_ONLY_WITH_VERSIONS = frozenset({"if_match", "if_none_match"})


def _rewrite_signature(endpoint: Callable[..., Any], spec: _Resource) -> None:
    """Expose the endpoint's ``item_id`` argument as the path parameter ``{name}_id``, and
    drop its conditional-request headers when the resource has no versions."""
    signature = inspect.signature(endpoint)
    parameters = [
        parameter.replace(annotation=Annotated[parameter.annotation, Path(alias=spec.id_parameter)])
        if parameter.name == "item_id"
        else parameter
        for parameter in signature.parameters.values()
        if spec.version is not None or parameter.name not in _HTTP_ONLY_WITH_VERSIONS
    ]
    endpoint.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
