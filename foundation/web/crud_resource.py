"""What the routes of ``crud_router`` know about their resource: one frozen value, built
once with the router, so serving a request looks nothing up."""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any
from weakref import WeakKeyDictionary

from fastapi import Request, Response
from pydantic import BaseModel, TypeAdapter

from foundation.errors import PreconditionRequiredError
from foundation.repository import ModelTraits
from foundation.web.crud_http import ETAG_HEADER, etag, expected_version, links
from foundation.web.crud_query import RepositoryFacts

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


@dataclass(frozen=True, kw_only=True)
class Resource:
    """One resource: its model's facts (``traits``, as the repository reads them), its
    schemas and the router's options."""

    repository: RepositoryFacts
    traits: ModelTraits
    name: str
    plural: str
    read: type[BaseModel]
    read_adapter: TypeAdapter[Any]
    create: type[BaseModel]
    update: type[BaseModel]
    operation_ids: Mapping[Operation, str]  # of the operations the router offers
    source: Any  # the annotation of the routes' dependency
    make: Callable[[Any], Any]  # that dependency's value -> the service
    refuse_unknown_query: bool
    require_if_match: bool
    deleted_access: tuple[str, ...] | None
    # copies of traits read on every request
    pk: str
    version: str | None
    id_parameter: str
    _locations: WeakKeyDictionary[Any, dict[str, str]] = field(default_factory=WeakKeyDictionary)

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

    def item_response(self, status: int, description: str) -> dict[int | str, Any]:
        """The OpenAPI response carrying one item: its links, and its ``ETag`` if versioned."""
        ids = {op.value: oid for op, oid in self.operation_ids.items()}
        found = links(ids, self.id_parameter, self.pk, versioned=self.version is not None)
        entry: dict[str, Any] = {"description": description, "links": found}
        if self.version is not None:
            entry["headers"] = ETAG_HEADER
        return {status: entry}

    def location(self, request: Request, identifier: Any) -> str:
        """The path of the item ``identifier`` (its get route) in the app serving ``request``."""
        # ``url_for`` searches every route: once per app and mount point, for a template
        templates = self._locations.setdefault(request.app, {})
        root = request.scope.get("root_path", "")
        template = templates.get(root)
        if template is None:
            name = self.operation_ids[Operation.GET]
            url = request.url_for(name, **{self.id_parameter: _ID_PLACEHOLDER})
            template = templates[root] = url.path
        return template.replace(_ID_PLACEHOLDER, str(identifier))

    def respond(
        self, item: Any, status: int = 200, headers: dict[str, str] | None = None
    ) -> Response:
        """``item`` as the read schema's JSON, with its ``ETag``."""
        # one pass of pydantic's serializer: FastAPI would validate the returned schema
        # against ``response_model`` once more before serializing it
        if not isinstance(item, self.read):
            item = self.read_adapter.validate_python(item, from_attributes=True)
        tag = self.etag(item)
        if tag is not None:
            headers = {**(headers or {}), "ETag": tag}
        return json_response(self.read_adapter, item, status, headers)


def json_response(
    adapter: TypeAdapter[Any], value: Any, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    """``value`` serialized by ``adapter`` as a JSON response."""
    return Response(
        adapter.dump_json(value, by_alias=True),
        status_code=status,
        headers=headers,
        media_type="application/json",
    )
