"""The taskboard held to the contract suites, and schemathesis over its whole API.

``RepositoryContract`` runs against the project and task repositories with their real
filter allow-lists, ``ServiceContract`` against both services, ``ApiContract`` against the
project routes (tasks need a project first, which the suite's payload hooks cannot make).
The two schemathesis tests at the end cover all 20 operations (sign-in and users too) with
schemathesis' default statuses and no project configuration but 412 for a stale generated
If-Match (the CLI fuzz run, ``.ci/fuzz.py``, has no allowance at all). Cases are sent by
the test itself through ``httpx`` on its own event loop, so the app works on the per-test isolated
database; each response is validated with ``case.validate_response``.
"""

from __future__ import annotations

import asyncio
import copy
import uuid
from typing import Any

import httpx
import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import ignored_auth
from sqlalchemy.ext.asyncio import AsyncConnection
from taskboard.schemas import (
    ProjectCreate,
    ProjectRead,
    ProjectUpdate,
    TaskCreate,
    TaskRead,
    TaskUpdate,
)
from taskboard.services import ProjectRepository, ProjectService, TaskRepository, TaskService

from contracts import ApiContract, RepositoryContract, ServiceContract
from contracts._api_stateful import run_stateful
from contracts._http import credentials, on_loop, send
from contracts.profiles import Profile
from foundation import Database
from tests.taskboard.conftest import bearer

AUTH = bearer("fuzzer")
BUDGET = settings(
    max_examples=10,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)


HOME = uuid.UUID("0190a000-0000-7000-8000-000000000001")
"""The project the task suites put their tasks in (made by the ``home`` fixture)."""
VERSIONED = ("soft_delete", "versioning", "timestamps", "audit", "cursor_pagination", "search")


@pytest.fixture
async def home(database: Database) -> uuid.UUID:
    """The project ``HOME``, committed before the test's own writes (which may roll back)."""
    async with database.transaction() as session:
        await ProjectRepository(session).create({"id": HOME, "slug": "home", "name": "Home"})
    return HOME


def project(n: int) -> dict[str, Any]:
    return {"slug": f"project-{n}", "name": f"Project {n}"}


def task(n: int) -> dict[str, Any]:
    return {"project_id": HOME, "title": f"Task {n}", "priority": 1 + n % 5}


class TestProjectRepository(RepositoryContract):
    """Slugs are unique among live projects; a project's delete cascades to its tasks."""

    capabilities = (
        *VERSIONED,
        "upsert",
        "unique",
        "unique_among_live",
        "child_policy",
        "child_upsert",
    )
    text_field, unique_field = "name", "slug"
    filter_operators = {"name": ProjectRepository.filterable["name"]}  # noqa: RUF012
    repository = pytest.fixture(lambda self, db_session: ProjectRepository(db_session))
    new_data = staticmethod(project)
    child_policy = "cascade"

    def child_repository(self, repository: ProjectRepository) -> TaskRepository:
        return TaskRepository(repository.session)

    def new_child_data(self, parent: Any, n: int) -> dict[str, Any]:
        return {**task(n), "project_id": parent.id}


class TestTaskRepository(RepositoryContract):
    capabilities = (*VERSIONED, "foreign_keys")
    text_field, second_sort_field = "title", "priority"
    filter_operators = {"title": TaskRepository.filterable["title"]}  # noqa: RUF012
    repository = pytest.fixture(lambda self, home, db_session: TaskRepository(db_session))
    new_data = staticmethod(task)

    def data_with_missing_reference(self) -> dict[str, Any]:
        return {**task(0), "project_id": uuid.uuid4()}


class TestProjectService(ServiceContract):
    capabilities = ("conflicts", "versioning", "soft_delete", "cursor_pagination")
    service = pytest.fixture(lambda self, database: ProjectService(database))
    read_schema = ProjectRead
    valid_create = staticmethod(lambda n: ProjectCreate(**project(n)))
    valid_update = staticmethod(lambda n: ProjectUpdate(name=f"Renamed {n}"))

    def conflicting_create(self, existing: Any) -> ProjectCreate:
        return ProjectCreate(slug=existing.slug, name="Copy")


class TestTaskService(ServiceContract):
    """A task naming a missing project is the business conflict (``ForeignKeyError``)."""

    capabilities = ("conflicts", "versioning", "soft_delete", "cursor_pagination")
    service = pytest.fixture(lambda self, home, database: TaskService(database))
    read_schema = TaskRead
    valid_create = staticmethod(lambda n: TaskCreate(**task(n)))
    valid_update = staticmethod(lambda n: TaskUpdate(title=f"Renamed {n}"))

    def conflicting_create(self, existing: Any) -> TaskCreate:
        return TaskCreate(project_id=uuid.uuid4(), title=existing.title)


class TestProjectApi(ApiContract):
    capabilities = (
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
    )
    resource = "/api/v1/projects"
    read_scopes, write_scopes = ("projects:read",), ("projects:write",)
    new_payload = staticmethod(project)
    update_payload = staticmethod(lambda n: {"name": f"Renamed {n}"})

    cursor_sorts = (("-name",), ("name", "-slug"))

    def invalid_payloads(self) -> list[dict[str, Any]]:
        return [{"slug": "Not A Slug", "name": "x"}, {"slug": "ok", "name": 7}, {"name": "x"}]

    def invalid_update_payloads(self) -> list[dict[str, Any]]:
        return [{"slug": "Not A Slug"}, {"name": 7}, {"name": ""}]

    def stale_update(self, created: dict[str, Any]) -> dict[str, Any]:
        body = {"name": "Lost", "version": created["version"]}
        return {"method": "PATCH", "url": self.item(created), "json": body}


def load(app: FastAPI) -> Any:
    """The app's document with schemathesis' defaults and one allowance, as
    ``ApiContract.load_schema`` makes: a generated ``If-Match`` naming another version of an
    existing item is a 412 (RFC 9110 requires it; schemathesis counts it as a rejection).

    The optional ``Idempotency-Key`` header is left out of what is generated: schemathesis
    repeats its minimal key with other bodies, which the IETF draft answers with 422, and
    a replayed create names an item deleted since. Its behaviour has tests of its own
    (``tests/taskboard/test_idempotency.py``); the command-line fuzzer (``tox -e fuzz``)
    still sends it."""
    document = copy.deepcopy(app.openapi())  # the app keeps its own
    for item in document["paths"].values():
        for operation in item.values():
            if isinstance(operation, dict) and "parameters" in operation:
                operation["parameters"] = [
                    p for p in operation["parameters"] if p.get("name") != "Idempotency-Key"
                ]
    schema = schemathesis.openapi.from_dict(document)
    acceptance = schema.config.checks.positive_data_acceptance
    acceptance.expected_statuses = [*acceptance.expected_statuses, "412"]
    return schema


async def test_every_operation_conforms(app: FastAPI, http: httpx.AsyncClient) -> None:
    schema = load(app)
    loop = asyncio.get_running_loop()
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 20
    for operation in operations:
        has_input = bool(list(operation.iter_parameters())) or bool(operation.body)
        modes = [GenerationMode.POSITIVE] + ([GenerationMode.NEGATIVE] if has_input else [])
        for mode in modes:

            @BUDGET
            @given(case=operation.as_strategy(generation_mode=mode))
            def check(case: Any) -> None:
                response = on_loop(loop, send(http, case, AUTH))
                # ignored_auth sends its own requests over the network: the CLI run has it
                case.validate_response(
                    response, headers=credentials(case, AUTH), excluded_checks=[ignored_auth]
                )

            await asyncio.to_thread(check)


async def test_stateful_scenarios_conform(
    app: FastAPI, http: httpx.AsyncClient, db_connection: AsyncConnection
) -> None:
    """Links (create → get/update/delete) drive scenarios; use-after-free is checked.

    Each scenario runs in a SAVEPOINT rolled back at its end, so every scenario starts
    from the same (empty) data and replays behave the same.
    """
    budget = Profile(
        "taskboard", max_examples=10, stateful_steps=8, stateful_examples=20, api_stateful_steps=8
    )
    calls = await run_stateful(load(app), http, AUTH, db_connection, budget)
    linked = {"GET /api/v1/projects/{project_id}", "DELETE /api/v1/projects/{project_id}"}
    followed = {f"{method} {path}" for method, path, _ in calls}
    assert linked <= followed, "the create → get/delete links were never followed"
