"""``ApiContract`` has teeth: the bookshelf API passes, and a 500 on bad input or a response
that breaks its schema fails the schemathesis test."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from tests.contracts.conftest import ContractRunner

EXAMPLE = Path(__file__).parents[2] / "examples" / "downstream"

SUITE = """
import uuid
from typing import Annotated

import pytest
from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from bookshelf import api
from contracts import ApiContract
from foundation.web import create_app


def broken_app():
    router = APIRouter(prefix="/books")
{routes}
    return create_app(routers=[api.router, router])


class TestBookApi(ApiContract):
    capabilities = ("auth", "conflicts", "offset_pagination")
    resource, write_scopes = "/api/v1/books", ("books:write",)
    business_rule_statuses = (422,)
    app_factory = pytest.fixture(lambda self: {factory})

    def new_payload(self, n):
        return {{"isbn": f"978-{{n:09d}}", "title": f"Book {{n}}"}}

    def update_payload(self, n):
        return {{"title": f"Edition {{n}}"}}

    def invalid_payloads(self):
        return [{{"isbn": "x"}}]
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
    outcome = runner.run(SUITE.format(routes="", factory="api.create_app"))
    assert (outcome.passed, outcome.skipped, outcome.failed) == (11, 1, set()), outcome.text


@pytest.mark.parametrize(
    ("routes", "finding"),
    [(CRASH_ON_EMPTY_QUERY, "Server error"), (BREAKS_ITS_SCHEMA, "Response violates schema")],
    ids=["500 on bad input", "response breaks its schema"],
)
def test_broken_api_fails_the_schemathesis_test(
    runner: ContractRunner, routes: str, finding: str
) -> None:
    outcome = runner.run(SUITE.format(routes=routes, factory="broken_app"), "-k", "conforms")
    assert outcome.failed == {"test_every_operation_conforms_to_the_openapi_document"}
    assert finding in outcome.text
