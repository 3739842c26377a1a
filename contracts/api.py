"""``ApiContract``: CRUD over HTTP, problem documents for every error, then schemathesis.

Requests go through ``httpx.AsyncClient(ASGITransport(app))`` on the test's own event loop,
so the app uses the per-test isolated database. Schemathesis generates the cases; the
suite sends them itself and validates each response with ``case.validate_response``.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Callable, Coroutine, Sequence
from typing import Any, ClassVar, TypeVar

import httpx
import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, find, given, settings
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import ignored_auth

from contracts._base import Contract, hook, requires
from contracts.profiles import Profile

T = TypeVar("T")
PROBLEM_MEDIA_TYPE = "application/problem+json"
REQUEST_ID_HEADER = "X-Request-ID"
BASE_URL = "http://testserver"


class ApiContract(Contract, abstract=True):
    """Subclass in a ``Test*`` class and provide:

    - ``resource``: the collection path, e.g. ``/api/v1/books``; items live at
      ``{resource}/{id}``, created by ``POST``, changed by ``PATCH``, removed by ``DELETE``.
    - ``new_payload(n)`` / ``update_payload(n)``: JSON bodies the API accepts.
    - ``invalid_payloads()``: create bodies the API refuses with 422.
    - ``write_scopes`` (with ``auth``): scopes a writing token needs; without a token a
      write is 401, with a token lacking them 403.
    - ``stale_update(created)`` (with ``versioning``): ``httpx`` request arguments updating
      ``created`` with an outdated version; the answer must be 409 or 412.

    ``conflicts``: creating ``new_payload(0)`` twice is a 409. The ``app``, ``client`` and
    ``auth_headers`` fixtures come from the plugin (override ``app`` to build it otherwise).
    """

    known_capabilities = frozenset({"auth", "conflicts", "versioning", "offset_pagination"})
    required_hooks = ("resource", "new_payload", "update_payload", "invalid_payloads")
    capability_hooks: ClassVar[dict[str, tuple[str, ...]]] = {
        "auth": ("write_scopes",),
        "versioning": ("stale_update",),
    }
    resource: ClassVar[str]
    write_scopes: ClassVar[tuple[str, ...]]
    business_rule_statuses: ClassVar[tuple[int, ...]] = ()
    """Statuses a schema-valid request may still get from business rules (e.g. 422)."""

    @hook
    def new_payload(self, n: int) -> dict[str, Any]:
        """A create body the API accepts, distinct for each ``n``."""
        raise NotImplementedError

    @hook
    def update_payload(self, n: int) -> dict[str, Any]:
        """A ``PATCH`` body the API accepts."""
        raise NotImplementedError

    @hook
    def invalid_payloads(self) -> Sequence[dict[str, Any]]:
        """Create bodies the API answers with 422."""
        raise NotImplementedError

    @hook
    def stale_update(self, created: dict[str, Any]) -> dict[str, Any]:
        """``client.request(**...)`` arguments for an update with an outdated version."""
        raise NotImplementedError

    @pytest.fixture
    def writer(self, auth_headers: Callable[..., dict[str, str]]) -> dict[str, str]:
        """Headers of a principal allowed to write."""
        return auth_headers(*getattr(self, "write_scopes", ()))

    def item(self, created: dict[str, Any]) -> str:
        """The path of a created item."""
        return f"{self.resource}/{created['id']}"

    def page_params(self, limit: int, offset: int) -> dict[str, int]:
        """Query parameters asking for one offset page."""
        return {"limit": limit, "offset": offset}

    async def create(self, client: httpx.AsyncClient, writer: dict[str, str], n: int) -> Any:
        """Create through the API; return the body."""
        response = await client.post(self.resource, json=self.new_payload(n), headers=writer)
        assert response.status_code == 201, response.text
        return response.json()

    # -- round trips ---------------------------------------------------------------------

    async def test_crud_round_trip(self, client: httpx.AsyncClient, writer: dict[str, str]) -> None:
        created = await self.create(client, writer, 0)
        fetched = await client.get(self.item(created))
        assert (fetched.status_code, fetched.json()) == (200, created)
        changed = await client.patch(
            self.item(created), json=self.update_payload(1), headers=writer
        )
        assert changed.status_code == 200, changed.text
        for key, value in self.update_payload(1).items():
            assert changed.json()[key] == value, key
        assert (await client.get(self.item(created))).json() == changed.json()
        listed = await client.get(self.resource)
        assert [item["id"] for item in listed.json()["items"]] == [created["id"]]
        deleted = await client.delete(self.item(created), headers=writer)
        assert deleted.status_code in (200, 204)
        assert_problem(await client.get(self.item(created)), 404)
        assert_problem(await client.delete(self.item(created), headers=writer), 404)

    @requires("offset_pagination")
    async def test_pagination_envelope(
        self, client: httpx.AsyncClient, writer: dict[str, str]
    ) -> None:
        ids = {(await self.create(client, writer, n))["id"] for n in range(3)}
        first = (await client.get(self.resource, params=self.page_params(2, 0))).json()
        second = (await client.get(self.resource, params=self.page_params(2, 2))).json()
        assert (len(first["items"]), first["total"], first["limit"], first["offset"]) == (
            2,
            3,
            2,
            0,
        )
        assert (len(second["items"]), second["offset"]) == (1, 2)
        assert {item["id"] for item in first["items"] + second["items"]} == ids

    async def test_request_id_is_echoed(self, client: httpx.AsyncClient) -> None:
        response = await client.get(self.resource, headers={REQUEST_ID_HEADER: "contract-42"})
        assert response.headers.get(REQUEST_ID_HEADER) == "contract-42"
        generated = (await client.get(self.resource)).headers.get(REQUEST_ID_HEADER)
        assert generated, "a request without an id gets one"

    # -- problems ------------------------------------------------------------------------

    async def test_missing_item_is_a_404_problem(self, client: httpx.AsyncClient) -> None:
        assert_problem(await client.get(f"{self.resource}/{uuid.uuid4()}"), 404)

    async def test_invalid_payload_is_a_422_problem_and_writes_nothing(
        self, client: httpx.AsyncClient, writer: dict[str, str]
    ) -> None:
        for payload in self.invalid_payloads():
            response = await client.post(self.resource, json=payload, headers=writer)
            assert_problem(response, 422)
        assert (await client.get(self.resource)).json()["items"] == []

    async def test_malformed_body_is_a_400_problem(
        self, client: httpx.AsyncClient, writer: dict[str, str]
    ) -> None:
        headers = {**writer, "Content-Type": "application/json"}
        assert_problem(await client.post(self.resource, content=b"{not json", headers=headers), 400)

    async def test_oversized_body_is_a_413_problem(
        self, app: FastAPI, client: httpx.AsyncClient, writer: dict[str, str]
    ) -> None:
        limit = app.state.settings.security.max_body_bytes
        body = b'{"x": "' + b"a" * limit + b'"}'
        headers = {**writer, "Content-Type": "application/json"}
        assert_problem(await client.post(self.resource, content=body, headers=headers), 413)

    @requires("conflicts")
    async def test_duplicate_is_a_409_problem(
        self, client: httpx.AsyncClient, writer: dict[str, str]
    ) -> None:
        await self.create(client, writer, 0)
        response = await client.post(self.resource, json=self.new_payload(0), headers=writer)
        assert_problem(response, 409)

    @requires("auth")
    async def test_write_without_token_is_401_and_without_scope_403(
        self, client: httpx.AsyncClient, auth_headers: Callable[..., dict[str, str]]
    ) -> None:
        assert_problem(await client.post(self.resource, json=self.new_payload(0)), 401)
        bad = {"Authorization": "Bearer not-a-token"}
        assert_problem(await client.post(self.resource, json=self.new_payload(0), headers=bad), 401)
        if self.write_scopes:
            weak = auth_headers()
            response = await client.post(self.resource, json=self.new_payload(0), headers=weak)
            assert_problem(response, 403)
        assert (await client.get(self.resource)).json()["items"] == []

    @requires("versioning")
    async def test_stale_version_is_a_409_or_412_problem(
        self, client: httpx.AsyncClient, writer: dict[str, str]
    ) -> None:
        created = await self.create(client, writer, 0)
        changed = await client.patch(
            self.item(created), json=self.update_payload(1), headers=writer
        )
        assert changed.status_code == 200
        request = self.stale_update(created)
        request["headers"] = {**writer, **request.get("headers", {})}
        response = await client.request(**request)
        assert response.status_code in (409, 412), response.text
        assert_problem(response, response.status_code)

    # -- schemathesis --------------------------------------------------------------------

    def fuzzed(self, path: str) -> bool:
        """Whether schemathesis exercises the operation at ``path`` (default: the resource)."""
        return bool(re.match(re.escape(self.resource) + r"(/|$)", path))

    async def test_every_operation_conforms_to_the_openapi_document(
        self,
        app: FastAPI,
        client: httpx.AsyncClient,
        writer: dict[str, str],
        contract_profile: Profile,
    ) -> None:
        schema = schemathesis.openapi.from_dict(app.openapi())
        acceptance = schema.config.checks.positive_data_acceptance
        acceptance.expected_statuses = [
            *acceptance.expected_statuses,
            *map(str, self.business_rule_statuses),
        ]
        operations = [op for op in _operations(schema) if self.fuzzed(op.path)]
        assert operations, f"no operation under {self.resource} in the OpenAPI document"
        loop = asyncio.get_running_loop()
        budget = settings(
            max_examples=contract_profile.max_examples,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        for operation in operations:
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

                @budget
                @given(case=operation.as_strategy(generation_mode=mode))
                def check(case: Any) -> None:
                    response = _on_loop(loop, _send(client, case, writer))
                    case.validate_response(response, headers=writer, excluded_checks=[ignored_auth])

                await asyncio.to_thread(check)

    @requires("auth")
    async def test_secured_operations_refuse_missing_credentials(
        self, app: FastAPI, client: httpx.AsyncClient, writer: dict[str, str]
    ) -> None:
        schema = schemathesis.openapi.from_dict(app.openapi())
        secured = 0
        for operation in _operations(schema):
            if not self.fuzzed(operation.path) or not operation.definition.raw.get("security"):
                continue
            secured += 1
            case = find(operation.as_strategy(), lambda _: True, settings=settings(database=None))
            response = await _send(client, case, {})
            assert response.status_code == 401, f"{operation.label} ignored missing auth"
        assert secured, "capability 'auth' declared but no operation requires security"


def assert_problem(response: httpx.Response, status: int) -> None:
    """``response`` is an RFC 9457 problem document with ``status``."""
    assert response.status_code == status, f"expected {status}: {response.text}"
    assert response.headers["content-type"].startswith(PROBLEM_MEDIA_TYPE), response.headers
    body = response.json()
    assert body["status"] == status
    assert body.get("type"), body
    assert body.get("title"), body


async def _send(client: httpx.AsyncClient, case: Any, headers: dict[str, str]) -> httpx.Response:
    kwargs = case.as_transport_kwargs(base_url=BASE_URL, headers=headers)
    content = kwargs.pop("data", None)
    if isinstance(content, str):
        content = content.encode()
    return await client.request(
        kwargs["method"],
        kwargs["url"],
        headers=kwargs.get("headers"),
        params=kwargs.get("params"),
        json=kwargs.get("json"),
        content=content,
    )


def _operations(schema: Any) -> list[Any]:
    """Every operation of the document; an operation schemathesis cannot read is an error."""
    results: list[Any] = list(schema.get_all_operations())
    return [result.ok() for result in results]


def _on_loop(loop: asyncio.AbstractEventLoop, coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run_coroutine_threadsafe(coro, loop).result()
