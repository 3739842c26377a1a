"""``ApiContract`` has teeth: the bookshelf API passes, and a 500 on bad input or a response
that breaks its schema fails the schemathesis test. The bookshelf served by ``crud_router``
(cursor pages, ETags, OpenAPI links) passes every test, and a read after delete, a cursor
that skips items and an ignored ``If-Match`` each fail the test named for them."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from tests.contracts.conftest import ContractRunner

EXAMPLE = Path(__file__).parents[2] / "examples" / "downstream"

PAYLOAD_HOOKS = """\
    def new_payload(self, n):
        return {"isbn": f"978-{n:09d}", "title": f"Book {n}"}

    def update_payload(self, n):
        return {"title": f"Edition {n}"}

    def invalid_payloads(self):
        return [{"isbn": "x"}]

    def invalid_update_payloads(self):
        return [{"title": ""}, {"title": "LOUD"}]"""
"""The payload hooks both bookshelf API suites below share."""

SUITE = """
import uuid
from typing import Annotated

import pytest
from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from bookshelf import api
from contracts import ApiContract
from foundation import ValidationError
from foundation.web import create_app, problem_responses


def broken_app():
    router = APIRouter(prefix="/books")
{routes}
    return create_app(routers=[api.router, router])


class TestBookApi(ApiContract):
    capabilities = ("auth", "conflicts", "offset_pagination")
    resource, write_scopes = "/api/v1/books", ("books:write",)
    business_rule_statuses = (422,)
    app_factory = pytest.fixture(lambda self: {factory})

{payload_hooks}
"""

CRASH_ON_EMPTY_QUERY = """
    @router.get("/search/titles")
    async def search(q: Annotated[str, Query(max_length=20)]) -> list[str]:
        return [q[: 100 // len(q)]]  # ZeroDivisionError for q="": a 500
"""
BREAKS_ITS_SCHEMA = """
    @router.get("/first/{book_id}", responses={404: {}})
    async def first(book_id: uuid.UUID) -> api.BookRead:
        return JSONResponse({"id": str(book_id), "title": None})  # missing and null fields
"""

REFUSES_VALID_QUERIES = """
    @router.get("/search/isbns", responses=problem_responses(422))
    async def search_isbns(q: Annotated[str, Query(max_length=20)]) -> list[str]:
        if not q.isdigit():  # a 422 the schema does not announce, on a read
            raise ValidationError("Search by digits.")
        return [q]
"""


@pytest.fixture
def runner(contract_runner: ContractRunner, monkeypatch: pytest.MonkeyPatch) -> ContractRunner:
    shutil.copytree(
        EXAMPLE / "bookshelf",
        contract_runner.pytester.path / "bookshelf",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    monkeypatch.syspath_prepend(str(contract_runner.pytester.path))
    sys.modules.pop("bookshelf", None)
    return contract_runner


def test_correct_api_passes_with_exact_counts(runner: ContractRunner) -> None:
    outcome = runner.run(
        SUITE.format(routes="", factory="api.create_app", payload_hooks=PAYLOAD_HOOKS)
    )
    # skipped: versioning, cursor_pagination (two tests), if_match, if_match_delete,
    # if_match_restore, if_none_match, stateful (not declared)
    assert (outcome.passed, outcome.skipped, outcome.failed) == (14, 8, set()), outcome.text


@pytest.mark.parametrize(
    ("routes", "finding"),
    [
        (CRASH_ON_EMPTY_QUERY, "Server error"),
        (BREAKS_ITS_SCHEMA, "Response violates schema"),
        # business_rule_statuses = (422,) covers the writes, not every operation
        (REFUSES_VALID_QUERIES, "Valid data should have been accepted"),
    ],
    ids=["500 on bad input", "response breaks its schema", "a read refuses valid data"],
)
def test_broken_api_fails_the_schemathesis_test(
    runner: ContractRunner, routes: str, finding: str
) -> None:
    outcome = runner.run(
        SUITE.format(routes=routes, factory="broken_app", payload_hooks=PAYLOAD_HOOKS),
        "-k",
        "conforms",
    )
    assert outcome.failed == {"test_every_operation_conforms_to_the_openapi_document"}
    assert finding in outcome.text


CRUD_SUITE = """
from datetime import datetime

import pytest
from foundation.web import create_app, crud_router

from bookshelf.service import BookCreate, BookRead, BookService, BookUpdate
from contracts import ApiContract


class Service(BookService):
{service}


def crud_app():
    router = crud_router(
        Service, path="/books", name="book", create_schema=BookCreate,
        update_schema=BookUpdate, write_access=["books:write"],
        deleted_access=["books:write"],
    )
    return create_app(routers=[router])


class TestCrudBookApi(ApiContract):
    capabilities = (
        "auth", "conflicts", "offset_pagination", "versioning", "cursor_pagination",
        "if_match", "if_match_delete", "if_match_restore", "if_none_match", "stateful",
    )
    resource, write_scopes = "/api/v1/books", ("books:write",)
    business_rule_statuses = (422,)
    cursor_sorts = (("-title",), ("title", "-id"))
    app_factory = pytest.fixture(lambda self: crud_app)

{payload_hooks}

    def stale_update(self, created):
        stale = {{"If-Match": f'"{{created["version"]}}"'}}
        body = {{"title": "Lost"}}
        return {{"method": "PATCH", "url": self.item(created), "json": body, "headers": stale}}
{module}"""

CRUD_BROKEN = {
    "read after delete succeeds": (
        """
    async def get(self, id):
        async with self.unit_of_work() as session:
            return self.to_read(await self.repository(session).get(id, include_deleted=True))
""",
        {
            "test_crud_round_trip",
            "test_stateful_sequences_conform_and_deleted_items_stay_gone",
            "test_conditional_delete_refuses_a_stale_tag_and_keeps_the_item",
            "test_conditional_restore_refuses_a_stale_tag_and_keeps_it_deleted",
        },
    ),
    "update revives a deleted item": (
        """
    async def update(self, id, data, *, expected_version=None):
        async with self.unit_of_work() as session:
            books = self.repository(session)
            if await books.get_or_none(id) is None and await books.get_or_none(
                id, include_deleted=True
            ):
                expected_version = (await books.restore(id)).version
        return await super().update(id, data, expected_version=expected_version)
""",
        {"test_stateful_sequences_conform_and_deleted_items_stay_gone"},
    ),
    "cursor that skips items": (
        """
    async def list_cursor(self, filters=None, *, sort=None, page=None, search=None, **extra):
        result = await super().list_cursor(filters, sort=sort, page=page, search=search, **extra)
        if page is not None and page.after:
            result.items = result.items[1:]  # loses the first item of every later page
        return result
""",
        {
            "test_cursor_pages_cover_every_item_once_in_list_order",
            "test_cursor_pages_follow_each_sort_both_ways",
        },
    ),
    "keyset cursor that ignores the sort direction": (
        """
    import foundation.repository.sorting as sorting

    def ascending_keyset(order, bound, reverse):  # always '>' (or '<' going back)
        from sqlalchemy import and_, or_

        branches = []
        for index, attr in enumerate(order.attrs):
            equal = [a == v for a, v in zip(order.attrs[:index], bound[:index])]
            later = attr < bound[index] if reverse else attr > bound[index]
            branches.append(and_(*equal, later))
        return or_(*branches)

    sorting._keyset = ascending_keyset
""",
        {"test_cursor_pages_follow_each_sort_both_ways"},
    ),
    "business rule checked on create only": (
        """
    async def before_update(self, unit, id, changes):
        return changes
""",
        {"test_invalid_update_is_a_422_problem_and_changes_nothing"},
    ),
    "an internal field in the read schema": (
        """
    class read_schema(BookRead):
        deleted_at: datetime | None = None
""",
        {
            "test_private_fields_never_leave_the_service",
            "test_every_operation_conforms_to_the_openapi_document",
            "test_stateful_sequences_conform_and_deleted_items_stay_gone",
        },
    ),
    "DELETE ignores If-Match": (
        """
    async def delete(self, id, *, expected_version=None):
        return await super().delete(id)
""",
        {"test_conditional_delete_refuses_a_stale_tag_and_keeps_the_item"},
    ),
    "restore ignores If-Match": (
        """
    async def restore(self, id, *, expected_version=None):
        return await super().restore(id)
""",
        {"test_conditional_restore_refuses_a_stale_tag_and_keeps_it_deleted"},
    ),
    "a title rule far stricter than the schema": (
        """
    async def before_create(self, unit, values):  # nine generated titles in ten refused
        import zlib
        from foundation import ValidationError

        title = values["title"]
        if not title.startswith("Book ") and zlib.crc32(title.encode()) % 10:
            raise ValidationError("Not a title we like.")
        return values
""",
        {"test_schema_valid_writes_are_mostly_accepted"},
    ),
    "If-Match not checked": (
        """
    async def update(self, id, data, *, expected_version=None):
        return await super().update(id, data)
""",
        {
            "test_stale_if_match_is_a_412_problem_and_changes_nothing",
            "test_stale_version_is_a_409_or_412_problem",
        },
    ),
}


CRUD_APP_BROKEN = {
    "GET never answers 304": (
        """
class ForgetIfNoneMatch:  # a proxy in front that drops If-None-Match: every GET is a 200
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            headers = [(k, v) for k, v in scope["headers"] if k != b"if-none-match"]
            scope = {**scope, "headers": headers}
        await self.app(scope, receive, send)


def crud_app():
    app = create_app(routers=[crud_router(
        Service, path="/books", name="book", create_schema=BookCreate,
        update_schema=BookUpdate, write_access=["books:write"], deleted_access=["books:write"],
    )])
    app.add_middleware(ForgetIfNoneMatch)
    return app
""",
        {"test_if_none_match_with_the_current_tag_is_a_304_without_body"},
    ),
}
"""Defects outside the service: ``module`` code that replaces ``crud_app``."""


def test_crud_router_api_passes_every_test(runner: ContractRunner) -> None:
    outcome = runner.run(
        CRUD_SUITE.format(service="    pass", payload_hooks=PAYLOAD_HOOKS, module="")
    )
    # 23: the cursor walk runs once per sort order of cursor_sorts
    assert (outcome.passed, outcome.skipped, outcome.failed) == (23, 0, set()), outcome.text


@pytest.mark.parametrize("defect", [*CRUD_BROKEN, *CRUD_APP_BROKEN])
def test_broken_crud_api_fails_the_named_tests(runner: ContractRunner, defect: str) -> None:
    if defect in CRUD_BROKEN:
        (service, expected), module = CRUD_BROKEN[defect], ""
    else:
        (module, expected), service = CRUD_APP_BROKEN[defect], "    pass"
    source = CRUD_SUITE.format(service=service, payload_hooks=PAYLOAD_HOOKS, module=module)
    outcome = runner.run(source)
    assert outcome.failed == expected, outcome.text
