"""``ApiContract``: CRUD over HTTP, problem documents for every error, then schemathesis.

Requests go through ``httpx.AsyncClient(ASGITransport(app))`` on the test's own event loop,
so the app uses the per-test isolated database. Schemathesis generates the cases; the
suite sends them itself and validates each response with ``case.validate_response``.
"""

from __future__ import annotations

import asyncio
import re
import uuid
import zlib
from collections import Counter
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any, ClassVar, TypeVar

import httpx
import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import Phase, find, given, seed, settings
from schemathesis.generation import GenerationMode
from sqlalchemy.ext.asyncio import AsyncConnection

from contracts._acceptance import WRITES, BusinessRules, WriteTally, decided_by_body
from contracts._api_stateful import run_stateful
from contracts._assertions import assert_ordered, assert_private, json_body, same_value
from contracts._base import Contract, hook, requires
from contracts._conditional import ConditionalRequests
from contracts._fuzzing import fuzz_settings, with_references
from contracts._http import (
    assert_problem,
    assert_status,
    credentials,
    on_loop,
    operations,
    send,
    with_unique_idempotency_key,
)
from contracts._prerequisites import Prerequisites
from contracts.profiles import Profile

REQUEST_ID_HEADER = "X-Request-ID"
IF_MATCH_CAPABILITIES = frozenset({"if_match", "if_match_delete", "if_match_restore"})
F = TypeVar("F", bound=Callable[..., Any])


class ApiContract(Prerequisites, ConditionalRequests, BusinessRules, Contract, abstract=True):
    """Subclass in a ``Test*`` class and provide:

    - ``resource``: the collection path, e.g. ``/api/v1/books``; items live at
      ``{resource}/{id}``, created by ``POST``, changed by ``PATCH``, removed by ``DELETE``.
    - ``new_payload(n)`` / ``update_payload(n)``: JSON bodies the API accepts.
    - ``invalid_payloads()``: create bodies the API refuses with 422.
    - ``invalid_update_payloads()``: ``PATCH`` bodies the API refuses with 422 for an item
      made from ``new_payload(0)`` (shape errors and business rules on update).
    - ``cursor_sorts`` (with ``cursor_pagination``): sort orders, each a tuple of ``sort``
      values (``("-title",)``, ``("priority", "-title")``), whose keyset pages the suite walks
      forward and backward; include a descending one and two keys where the first has ties.
    - ``private_fields`` (optional, default ``("deleted_at",)``): fields that must never
      leave the service: neither the OpenAPI document nor any response may name them.
    - ``references()`` (optional): valid values for reference fields of request bodies
      (``{"warehouse_id": [MAIN]}``), which schemathesis then uses instead of random ids;
      make the rows with the ``prerequisites`` fixture.
    - ``write_scopes`` (with ``auth``): scopes a writing token needs; without a token a
      write is 401, with a token lacking them 403.
    - ``stale_update(created)`` (with ``versioning``): ``httpx`` request arguments updating
      ``created`` with an outdated version; the answer must be 409 or 412.
    - ``read_scopes`` (optional): scopes every read needs (default none: reads are open).

    ``conflicts``: creating ``new_payload(0)`` twice is a 409. ``cursor_pagination``:
    ``GET {cursor_path}`` (default ``{resource}/cursor``) answers keyset pages
    (``items``, ``next_cursor``) that ``cursor_params`` walks; a foreign cursor answers
    ``foreign_cursor_status`` (404: it names no page).
    ``if_match``: items carry an ``ETag``; a ``PATCH`` with a stale ``If-Match`` is a 412,
    one without ``If-Match`` answers ``missing_if_match_status`` (200: an unconditional
    update) and a garbled one ``garbled_if_match_status`` (400). ``if_match_delete`` and
    ``if_match_restore``: ``DELETE`` and ``POST {item}/restore`` (``restore_path``) answer a
    stale ``If-Match`` with 412 and leave the item as it was, and succeed with the current
    tag (for restore, ``deleted_etag()``). ``if_none_match``: ``GET`` of an item with its
    current tag in ``If-None-Match`` is a 304 without a body, with an older tag a 200.
    ``stateful``: the document
    links (or lets schemathesis infer) create -> get/update/delete, and a stateful run
    chains them; each scenario runs in a SAVEPOINT of the plugin's ``db_connection``.
    The ``app``, ``client`` and ``auth_headers`` fixtures come from the plugin (override
    ``app`` to build it otherwise).
    """

    known_capabilities = frozenset(
        {
            "auth",
            "conflicts",
            "versioning",
            "offset_pagination",
            "cursor_pagination",
            "if_match",
            "if_match_delete",
            "if_match_restore",
            "if_none_match",
            "stateful",
        }
    )
    required_hooks = (
        "resource",
        "new_payload",
        "update_payload",
        "invalid_payloads",
        "invalid_update_payloads",
    )
    capability_hooks: ClassVar[dict[str, tuple[str, ...]]] = {
        "auth": ("write_scopes",),
        "versioning": ("stale_update",),
        "cursor_pagination": ("cursor_sorts",),
    }
    resource: ClassVar[str]
    cursor_sorts: ClassVar[Sequence[Sequence[str]]]
    private_fields: ClassVar[Collection[str]] = ("deleted_at",)
    fuzz_seed: ClassVar[int] = 0
    """Changes the seeds of the fuzzing test (the ``quick`` profile pins them)."""
    write_scopes: ClassVar[tuple[str, ...]]
    read_scopes: ClassVar[tuple[str, ...]] = ()
    missing_if_match_status: ClassVar[int] = 200
    garbled_if_match_status: ClassVar[int] = 400
    foreign_cursor_status: ClassVar[int] = 404

    def pytest_generate_tests(self, metafunc: pytest.Metafunc) -> None:
        """One ``test_cursor_pages_follow_each_sort_both_ways`` case per ``cursor_sorts``."""
        if "cursor_sort" in metafunc.fixturenames:
            sorts = [tuple(sort) for sort in getattr(self, "cursor_sorts", ())] or [()]
            metafunc.parametrize("cursor_sort", sorts, ids=[",".join(s) for s in sorts])

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
    def invalid_update_payloads(self) -> Sequence[dict[str, Any]]:
        """``PATCH`` bodies the API answers with 422."""
        raise NotImplementedError

    def references(self) -> Mapping[str, Sequence[Any]]:
        """Valid values of reference (foreign key) fields in request bodies (default none)."""
        return {}

    @hook
    def stale_update(self, created: dict[str, Any]) -> dict[str, Any]:
        """``client.request(**...)`` arguments for an update with an outdated version."""
        raise NotImplementedError

    @pytest.fixture
    def writer(self, auth_headers: Callable[..., dict[str, str]]) -> dict[str, str]:
        """Headers of a principal allowed to read and write."""
        return auth_headers(*self.read_scopes, *getattr(self, "write_scopes", ()))

    @pytest.fixture
    def reader(self, auth_headers: Callable[..., dict[str, str]]) -> dict[str, str]:
        """Headers of a principal allowed to read (none when reads are open)."""
        return auth_headers(*self.read_scopes) if self.read_scopes else {}

    def item(self, created: dict[str, Any]) -> str:
        """The path of a created item."""
        return f"{self.resource}/{created['id']}"

    def page_params(self, limit: int, offset: int) -> dict[str, int]:
        """Query parameters asking for one offset page."""
        return {"limit": limit, "offset": offset}

    @property
    def cursor_path(self) -> str:
        """Where keyset pages are listed (default ``{resource}/cursor``)."""
        return f"{self.resource}/cursor"

    def cursor_params(
        self, limit: int, cursor: str | None, *, backwards: bool = False
    ) -> dict[str, Any]:
        """Query parameters asking for the keyset page that ``cursor`` points to (a
        ``next_cursor``, or with ``backwards`` a ``previous_cursor``). ``crud_router``
        takes one ``cursor`` parameter that carries its own direction; an API with
        ``after``/``before`` parameters overrides this."""
        return {"limit": limit} if cursor is None else {"limit": limit, "cursor": cursor}

    async def listed_ids(self, client: httpx.AsyncClient, headers: dict[str, str]) -> list[Any]:
        """Ids of the first page of ``GET {resource}`` (all of them for small tables)."""
        params = self.page_params(100, 0) if self.has("offset_pagination") else None
        response = await client.get(self.resource, params=params, headers=headers)
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()["items"]]

    async def create(self, client: httpx.AsyncClient, writer: dict[str, str], n: int) -> Any:
        """Create through the API; return the body."""
        response = await client.post(self.resource, json=self.new_payload(n), headers=writer)
        assert response.status_code == 201, response.text
        return response.json()

    # -- round trips ---------------------------------------------------------------------

    async def test_crud_round_trip(self, client: httpx.AsyncClient, writer: dict[str, str]) -> None:
        created = await self.create(client, writer, 0)
        fetched = await client.get(self.item(created), headers=writer)
        assert (fetched.status_code, fetched.json()) == (200, created)
        changed = await client.patch(
            self.item(created), json=self.update_payload(1), headers=writer
        )
        assert changed.status_code == 200, changed.text
        for key, value in self.update_payload(1).items():
            assert same_value(changed.json()[key], value), (key, changed.json()[key], value)
        assert (await client.get(self.item(created), headers=writer)).json() == changed.json()
        assert await self.listed_ids(client, writer) == [created["id"]]
        deleted = await client.delete(self.item(created), headers=writer)
        assert deleted.status_code in (200, 204)
        assert_problem(await client.get(self.item(created), headers=writer), 404)
        assert_problem(await client.delete(self.item(created), headers=writer), 404)

    @requires("offset_pagination")
    async def test_pagination_envelope(
        self, client: httpx.AsyncClient, writer: dict[str, str]
    ) -> None:
        ids = {(await self.create(client, writer, n))["id"] for n in range(3)}
        first = await client.get(self.resource, params=self.page_params(2, 0), headers=writer)
        second = await client.get(self.resource, params=self.page_params(2, 2), headers=writer)
        first_page, second_page = first.json(), second.json()
        assert (
            len(first_page["items"]),
            first_page["total"],
            first_page["limit"],
            first_page["offset"],
        ) == (2, 3, 2, 0)
        assert (len(second_page["items"]), second_page["offset"]) == (1, 2)
        assert {item["id"] for item in first_page["items"] + second_page["items"]} == ids

    @requires("cursor_pagination")
    async def test_cursor_pages_cover_every_item_once_in_list_order(
        self, client: httpx.AsyncClient, writer: dict[str, str]
    ) -> None:
        created = [(await self.create(client, writer, n))["id"] for n in range(5)]
        walked: list[Any] = []
        pages, cursor = 0, None
        while True:
            response = await client.get(
                self.cursor_path, params=self.cursor_params(2, cursor), headers=writer
            )
            assert response.status_code == 200, response.text
            page = response.json()
            assert len(page["items"]) <= 2
            walked += [item["id"] for item in page["items"]]
            pages += 1
            assert pages <= 10, "next_cursor never ends"
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert sorted(walked) == sorted(created), "every item exactly once"
        assert pages == 3, "two full pages and a last one, no empty trailing page"
        assert walked == await self.listed_ids(client, writer), "cursor and offset orders differ"
        foreign = self.cursor_params(2, "not-a-cursor")
        answer = await client.get(self.cursor_path, params=foreign, headers=writer)
        assert_problem(answer, self.foreign_cursor_status)

    @requires("cursor_pagination")
    async def test_cursor_pages_follow_each_sort_both_ways(
        self, client: httpx.AsyncClient, writer: dict[str, str], cursor_sort: tuple[str, ...]
    ) -> None:
        """Forward and backward keyset walks under ``cursor_sorts`` give one order, which
        is the declared one (ties on the id broken in either direction)."""
        created = [await self.create(client, writer, n) for n in range(7)]
        forward, pages = await self.walk_cursor(client, writer, cursor_sort, "after")
        assert sorted(i["id"] for i in forward) == sorted(c["id"] for c in created)
        assert_ordered(forward, cursor_sort)
        backward, _ = await self.walk_cursor(client, writer, cursor_sort, "before", pages[-1])
        assert [i["id"] for i in backward] == [i["id"] for i in forward], "backward walk"

    async def walk_cursor(
        self,
        client: httpx.AsyncClient,
        writer: dict[str, str],
        sort: Sequence[str],
        direction: str,
        last: dict[str, Any] | None = None,
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """Items and pages (in list order) of a keyset walk: forward (``after``) from the
        first page, or backward (``before``) from ``last``, the last page."""
        follow = "next_cursor" if direction == "after" else "previous_cursor"
        pages = [] if last is None else [last]
        cursor = None if last is None else last[follow]
        while last is None or cursor is not None:
            backwards = direction == "before"
            params = {**self.cursor_params(3, cursor, backwards=backwards), "sort": list(sort)}
            response = await client.get(self.cursor_path, params=params, headers=writer)
            assert response.status_code == 200, response.text
            page = response.json()
            assert page["items"] or not pages, f"{direction}: a cursor led to an empty page"
            pages.append(page)
            assert len(pages) <= 10, f"{follow} never ends"
            cursor = page[follow]
            if cursor is None:
                break
        ordered = pages if direction == "after" else pages[::-1]
        return [item for page in ordered for item in page["items"]], ordered

    async def test_request_id_is_echoed(
        self, client: httpx.AsyncClient, reader: dict[str, str]
    ) -> None:
        headers = {**reader, REQUEST_ID_HEADER: "contract-42"}
        response = await client.get(self.resource, headers=headers)
        assert response.headers.get(REQUEST_ID_HEADER) == "contract-42"
        generated = (await client.get(self.resource, headers=reader)).headers.get(REQUEST_ID_HEADER)
        assert generated, "a request without an id gets one"

    # -- problems ------------------------------------------------------------------------

    async def test_missing_item_is_a_404_problem(
        self, client: httpx.AsyncClient, reader: dict[str, str]
    ) -> None:
        assert_problem(await client.get(f"{self.resource}/{uuid.uuid4()}", headers=reader), 404)

    async def test_invalid_payload_is_a_422_problem_and_writes_nothing(
        self, client: httpx.AsyncClient, writer: dict[str, str]
    ) -> None:
        for payload in self.invalid_payloads():
            response = await client.post(self.resource, json=payload, headers=writer)
            assert_problem(response, 422)
        assert await self.listed_ids(client, writer) == []

    async def test_invalid_update_is_a_422_problem_and_changes_nothing(
        self, client: httpx.AsyncClient, writer: dict[str, str]
    ) -> None:
        created = await self.create(client, writer, 0)
        refused = list(self.invalid_update_payloads())
        assert refused, "invalid_update_payloads() returned nothing: list refused PATCH bodies"
        for payload in refused:
            response = await client.patch(self.item(created), json=payload, headers=writer)
            assert_problem(response, 422)
        fetched = await client.get(self.item(created), headers=writer)
        assert fetched.json() == created, "a refused update changed the item"

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
        self,
        client: httpx.AsyncClient,
        writer: dict[str, str],
        auth_headers: Callable[..., dict[str, str]],
    ) -> None:
        assert_problem(await client.post(self.resource, json=self.new_payload(0)), 401)
        bad = {"Authorization": "Bearer not-a-token"}
        assert_problem(await client.post(self.resource, json=self.new_payload(0), headers=bad), 401)
        if self.write_scopes:
            weak = auth_headers(*self.read_scopes)
            response = await client.post(self.resource, json=self.new_payload(0), headers=weak)
            assert_problem(response, 403)
        assert await self.listed_ids(client, writer) == []

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

    @requires("if_match")
    async def test_stale_if_match_is_a_412_problem_and_changes_nothing(
        self, client: httpx.AsyncClient, writer: dict[str, str]
    ) -> None:
        created = await self.create(client, writer, 0)
        fetched = await client.get(self.item(created), headers=writer)
        etag = fetched.headers.get("ETag")
        assert etag, "an item response carries an ETag"
        fresh = {**writer, "If-Match": etag}
        changed = await client.patch(self.item(created), json=self.update_payload(1), headers=fresh)
        assert changed.status_code == 200, changed.text
        assert changed.headers.get("ETag") not in (None, etag), "a write moves the ETag"
        stale = await client.patch(self.item(created), json=self.update_payload(2), headers=fresh)
        assert_problem(stale, 412)
        assert (await client.get(self.item(created), headers=writer)).json() == changed.json()
        garbled = {**writer, "If-Match": "garbled"}
        body = self.update_payload(3)
        answer = await client.patch(self.item(created), json=body, headers=garbled)
        assert_status(answer, self.garbled_if_match_status)
        answer = await client.patch(self.item(created), json=self.update_payload(4), headers=writer)
        assert_status(answer, self.missing_if_match_status)

    async def test_private_fields_never_leave_the_service(
        self, app: FastAPI, client: httpx.AsyncClient, writer: dict[str, str]
    ) -> None:
        """Neither the document nor a response names a field of ``private_fields``."""
        assert_private(app.openapi(), self.private_fields, "the OpenAPI document")
        created = await self.create(client, writer, 0)
        assert_private(created, self.private_fields, f"POST {self.resource}")
        responses = [
            await client.get(self.item(created), headers=writer),
            await client.patch(self.item(created), json=self.update_payload(1), headers=writer),
            await client.get(self.resource, headers=writer),
        ]
        if self.has("cursor_pagination"):
            responses.append(await client.get(self.cursor_path, headers=writer))
        for response in responses:
            assert response.status_code == 200, response.text
            label = f"{response.request.method} {response.request.url.path}"
            assert_private(response.json(), self.private_fields, label)

    # -- schemathesis --------------------------------------------------------------------

    def fuzzed(self, path: str) -> bool:
        """Whether schemathesis exercises the operation at ``path`` (default: the resource)."""
        return bool(re.match(re.escape(self.resource) + r"(/|$)", path))

    def chained(self, method: str, path: str) -> bool:
        """Whether the stateful run uses the operation (default: ``POST {resource}`` and the
        operations on one item, ``POST …/restore`` aside).

        Other routes (a listing, a report, a search) stay out: the run then explores the
        same scenarios whatever else the API offers, and its entry point is the create, also
        when schemathesis sees a reference field it cannot fill (it would rather start from
        a listing and never create anything). Schemathesis counts only a ``POST`` to a parent
        path as bringing a deleted item back, so a successful read after ``POST
        {item}/restore`` would be reported as a use after free; the fuzzing test still
        exercises restore and every other route.
        """
        if path == self.resource:
            return method == "POST"
        return bool(re.fullmatch(re.escape(self.resource) + r"/\{[^}/]+\}", path))

    def load_schema(self, app: FastAPI) -> Any:
        """The app's OpenAPI document for schemathesis, with request-body reference fields
        limited to ``references()``; with an ``If-Match`` capability a schema-valid request
        may get 412 (a generated tag names no current version). Business-rule statuses are
        allowed per operation (``allowed_statuses``), not here."""
        document = with_references(app.openapi(), self.references())
        schema = schemathesis.openapi.from_dict(document)
        if IF_MATCH_CAPABILITIES & set(self.capabilities):
            acceptance = schema.config.checks.positive_data_acceptance
            acceptance.expected_statuses = [*acceptance.expected_statuses, "412"]
        return schema

    async def test_every_operation_conforms_to_the_openapi_document(
        self,
        app: FastAPI,
        client: httpx.AsyncClient,
        writer: dict[str, str],
        contract_profile: Profile,
    ) -> None:
        schema = self.load_schema(app)
        self.assert_rules_name_operations(schema)
        fuzzed = [op for op in operations(schema) if self.fuzzed(op.path)]
        assert fuzzed, f"no operation under {self.resource} in the OpenAPI document"
        loop = asyncio.get_running_loop()
        negative = contract_profile.negative_examples or contract_profile.max_examples
        budgets = {
            mode: fuzz_settings(examples)
            for mode, examples in (
                (GenerationMode.POSITIVE, contract_profile.max_examples),
                (GenerationMode.NEGATIVE, negative),
            )
        }
        for operation in fuzzed:
            for mode, budget in budgets.items():

                @self.seeded(contract_profile, f"{operation.label} {mode.value}")
                @budget
                @given(case=operation.as_strategy(generation_mode=mode))
                def check(case: Any) -> None:
                    # runs before the loop moves on: ``mode`` is this iteration's
                    if mode is GenerationMode.POSITIVE:  # noqa: B023
                        case = with_unique_idempotency_key(case)
                    response = on_loop(loop, send(client, case, writer))
                    assert_private(json_body(response), self.private_fields, case.operation.label)
                    case.validate_response(
                        response,
                        headers=credentials(case, writer),
                        excluded_checks=self.excluded_checks(case, response.status_code),
                    )

                await asyncio.to_thread(check)

    async def test_schema_valid_writes_are_mostly_accepted(
        self,
        app: FastAPI,
        client: httpx.AsyncClient,
        writer: dict[str, str],
        contract_profile: Profile,
    ) -> None:
        """Business rules refuse a minority of schema-valid bodies, not most.

        For every write with a body that may answer ``business_rule_statuses``, schema-valid
        requests are generated (seeded in the ``quick`` profile, never shrunk) without their
        optional headers, the item operations aimed at an item made from ``new_payload(0)``;
        at least ``min_accepted_share`` of those that are accepted or refused by a rule
        must be accepted. Other answers (a 409 for a taken unique value) count for neither.
        """
        schema = self.load_schema(app)
        checked = [
            op
            for op in operations(schema)
            if op.body and op.method.upper() in WRITES and self.business_rules(op)
        ]
        item = re.compile(re.escape(self.resource) + r"/\{([^}/]+)\}")
        failures = []
        for operation in checked:
            target = item.match(operation.path)
            created = await self.create(client, writer, 0) if target else None
            cases = await self.generated(operation, contract_profile, "acceptance")
            tally = WriteTally(operation.label, self.business_rules(operation))
            for case in map(decided_by_body, cases):
                if target and created is not None:
                    case.path_parameters = {
                        **(case.path_parameters or {}),
                        target[1]: created["id"],
                    }
                response = await send(client, case, writer)
                tally.count(case.body, response.status_code, response.text)
            failure = tally.failure(self.min_accepted_share)
            if failure:
                failures.append(failure)
        assert not failures, "\n".join(failures)

    async def generated(self, operation: Any, profile: Profile, label: str) -> list[Any]:
        """``profile.max_examples`` schema-valid cases of ``operation``, generated without
        shrinking (seeded as the fuzzing test is, with ``label`` in the seed)."""
        cases: list[Any] = []

        @self.seeded(profile, f"{operation.label} {label}")
        @fuzz_settings(profile.max_examples, shrink=False)
        @given(case=operation.as_strategy(generation_mode=GenerationMode.POSITIVE))
        def collect(case: Any) -> None:
            cases.append(case)

        await asyncio.to_thread(collect)
        return cases

    @requires("stateful")
    async def test_stateful_sequences_conform_and_deleted_items_stay_gone(
        self,
        app: FastAPI,
        client: httpx.AsyncClient,
        writer: dict[str, str],
        db_connection: AsyncConnection,
        contract_profile: Profile,
    ) -> None:
        schema = self.load_schema(app).include(
            func=lambda ctx: self.chained(ctx.operation.method.upper(), ctx.operation.path)
        )
        calls = await run_stateful(
            schema,
            client,
            writer,
            db_connection,
            contract_profile,
            inspect=lambda case, body: assert_private(body, self.private_fields, case.path),
            excluded=self.excluded_checks,
        )
        item = re.compile(re.escape(self.resource) + r"/\{[^}/]+\}$")
        deleted = [c for c in calls if c[0] == "DELETE" and item.match(c[1]) and c[2] < 300]
        tried = Counter(f"{method} {path} -> {status}" for method, path, status in calls)
        assert deleted, (
            "the stateful run never deleted an item; it sent "
            + (", ".join(f"{call} x{n}" for call, n in sorted(tried.items())) or "nothing")
            + ". A create that never succeeds (a reference field? declare references()) "
            "leaves nothing to delete."
        )

    def seeded(self, profile: Profile, label: str) -> Callable[[F], F]:
        """Hypothesis ``seed`` for one fuzzed operation: derived from the class, the
        operation and ``fuzz_seed`` in profiles that pin seeds (``quick``), so every run of
        the same code gives the same verdict; none in ``deep``, which explores at random."""
        if not profile.seeded:
            return lambda function: function
        name = f"{type(self).__qualname__} {label} {self.fuzz_seed}"
        return seed(zlib.crc32(name.encode()))

    @requires("auth")
    async def test_secured_operations_refuse_missing_credentials(
        self, app: FastAPI, client: httpx.AsyncClient, writer: dict[str, str]
    ) -> None:
        schema = self.load_schema(app)
        secured = 0
        for operation in operations(schema):
            if not self.fuzzed(operation.path) or not operation.definition.raw.get("security"):
                continue
            secured += 1
            # any request will do: generate one, never shrink it (shrinking took seconds)
            case = find(
                operation.as_strategy(),
                lambda _: True,
                settings=settings(database=None, phases=[Phase.generate], derandomize=True),
            )
            response = await send(client, case, {})
            assert response.status_code == 401, f"{operation.label} ignored missing auth"
        assert secured, "capability 'auth' declared but no operation requires security"


__all__ = ["ApiContract", "assert_problem"]
