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

Here the router's options become one ``Resource`` (:mod:`foundation.web.crud_resource`);
each chosen operation's route is then built from it by the table in
:mod:`foundation.web.crud_routes`, and HTTP details live in :mod:`foundation.web.crud_http`.
"""

from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.params import Depends as DependsParam
from pydantic import BaseModel, TypeAdapter
from starlette.exceptions import HTTPException as StarletteHTTPException

from foundation.errors import ConfigurationError
from foundation.repository import read_traits
from foundation.web.auth import current_principal, require_scopes
from foundation.web.crud_query import RepositoryFacts
from foundation.web.crud_resource import READ_OPERATIONS, Access, Operation, Resource
from foundation.web.crud_routes import ROUTES
from foundation.web.dependencies import get_database
from foundation.web.idempotency import idempotent

__all__ = ["Access", "Operation", "crud_router"]


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
    does, e.g. through ``SessionDep``); the list routes call the service's ``list`` (offset
    pages) and ``list_cursor`` (keyset pages). ``name`` is the singular
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
    traits = read_traits(repository.model)
    if require_if_match and traits.version is None:
        raise ConfigurationError(
            f"require_if_match needs a versioned model; {name} has no version column."
        )
    if deleted_access is not None and not traits.soft_delete:
        raise ConfigurationError(f"deleted_access needs soft delete; {name} has none.")
    plural = plural or f"{name}s"
    ids = {op: f"{op.value}_{name}" for op in Operation}
    ids.update({Operation.LIST: f"list_{plural}", Operation.CURSOR: f"list_{plural}_by_cursor"})
    chosen = {op for op in operations if op is not Operation.RESTORE or traits.soft_delete}
    resource = Resource(
        repository=repository,
        traits=traits,
        name=name,
        plural=plural,
        read=read_schema,
        read_adapter=TypeAdapter(read_schema),
        create=create_schema,
        update=update_schema,
        operation_ids={op: ids[op] for op in Operation if op in chosen},
        # Without a provider the routes depend on ``get_database`` alone (overridable as
        # ever) and build the service themselves: one dependency less on every request.
        source=Annotated[Any, Depends(provider or get_database)],
        make=service if provider is None else _identity,
        refuse_unknown_query=refuse_unknown_query,
        require_if_match=require_if_match,
        deleted_access=None if deleted_access is None else tuple(deleted_access),
        pk=traits.pk,
        version=traits.version,
        id_parameter=f"{name}_id",
    )
    router = router if router is not None else APIRouter()
    for operation, operation_id in resource.operation_ids.items():
        route = ROUTES[operation](resource)
        default = read_access if operation in READ_OPERATIONS else write_access
        is_create = operation is Operation.CREATE
        router.add_api_route(
            path + route.path,
            idempotent(route.endpoint) if is_create and idempotency else route.endpoint,
            methods=[route.method],
            response_model=route.model,
            status_code=route.status,
            response_class=route.response_class,
            summary=route.summary,
            responses=route.responses,
            operation_id=operation_id,
            name=operation_id,
            dependencies=_access_dependency((access or {}).get(operation, default)),
            tags=list(tags) if tags is not None else [plural],
        )
        if operation is Operation.CURSOR:
            # Without this, PATCH/DELETE /things/cursor would reach /things/{thing_id} and
            # answer 422 (``cursor`` is no id) instead of 405.
            router.add_api_route(
                f"{path}/cursor",
                _method_not_allowed,
                methods=["POST", "PUT", "PATCH", "DELETE"],
                include_in_schema=False,
            )
    return router


def _access_dependency(access: Access) -> list[DependsParam]:
    if access is None:
        return []
    if not access:
        return [Depends(current_principal)]
    return [Depends(require_scopes(*access))]


def _identity(service: Any) -> Any:
    return service


async def _method_not_allowed() -> None:
    raise StarletteHTTPException(status_code=405)
