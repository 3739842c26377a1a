"""The taskboard application: ``create_app()`` serves it (``make run``).

Access: reading needs ``projects:read`` / ``tasks:read``, writing (create, change, delete,
restore) ``projects:write`` / ``tasks:write``. Tokens come from ``POST /api/v1/auth/token``
(OAuth2 password flow); the first user is made with ``python -m taskboard create-user``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Path

from foundation import Database, Settings, get_settings
from foundation.web import (
    API_PREFIX,
    SessionDep,
    crud_router,
    offer_password_flow,
    problem_responses,
    require_scopes,
    verify_principals,
)
from foundation.web import create_app as create_foundation_app
from taskboard import auth
from taskboard.models import Project
from taskboard.schemas import ProjectCreate, ProjectRead, ProjectUpdate, TaskCreate, TaskUpdate
from taskboard.services import ProjectRepository, ProjectService, TaskService

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
DESCRIPTION = """A small task tracker built on fastapi-foundation.

Sign in with `POST /api/v1/auth/token` (form fields `username` = email, `password`) and send
the token as `Authorization: Bearer <token>`; in this page, *Authorize* takes the email and
password (`passwordFlow`) or a pasted token (`bearerAuth`, the `access_token` alone).
Reading needs `projects:read` / `tasks:read`, writing `projects:write` / `tasks:write`.
"""


def project_router() -> APIRouter:
    """Generated CRUD routes for projects, with a hand-written lookup by slug beside them."""
    router = APIRouter()

    @router.get(
        "/projects/by-slug/{slug}",
        response_model=ProjectRead,
        tags=["projects"],
        operation_id="get_project_by_slug",
        summary="Get one project by its slug",
        responses=problem_responses(404),
        dependencies=[Depends(require_scopes("projects:read"))],
    )
    async def project_by_slug(
        slug: Annotated[str, Path(pattern=SLUG_PATTERN, max_length=64)], session: SessionDep
    ) -> Project:
        return await ProjectRepository(session).find_one({"slug": slug})

    return crud_router(
        ProjectService,
        path="/projects",
        name="project",
        create_schema=ProjectCreate,
        update_schema=ProjectUpdate,
        read_access=["projects:read"],
        write_access=["projects:write"],
        deleted_access=["projects:write"],  # what can be restored: ?deleted=only
        idempotency=True,  # retried creates replay the first answer (Idempotency-Key)
        router=router,
    )


def task_router() -> APIRouter:
    """Generated CRUD routes for tasks."""
    return crud_router(
        TaskService,
        path="/tasks",
        name="task",
        create_schema=TaskCreate,
        update_schema=TaskUpdate,
        read_access=["tasks:read"],
        write_access=["tasks:write"],
        deleted_access=["tasks:write"],
        idempotency=True,
    )


def create_app(settings: Settings | None = None, *, database: Database | None = None) -> FastAPI:
    """Build the taskboard app (``database`` injects a ready one, as tests do)."""
    settings = settings or get_settings()
    if settings.app.name == "foundation":  # the library's default: name the service
        settings = settings.model_copy(
            update={"app": settings.app.model_copy(update={"name": "taskboard"})}
        )
    app = create_foundation_app(
        settings,
        routers=[auth.router, project_router(), task_router()],
        database=database,
        description=DESCRIPTION,
        tags=[
            {"name": "auth", "description": "Tokens and the signed-in user"},
            {"name": "projects", "description": "Boards of tasks, addressed by slug"},
            {"name": "tasks", "description": "Units of work inside a project"},
        ],
    )
    # every request re-checks the token's user: disabled, deleted and revoked stop at once
    verify_principals(app, auth.check_token_user)
    offer_password_flow(
        app, f"{API_PREFIX}/v1{auth.TOKEN_PATH}", {scope: scope for scope in auth.SCOPES}
    )
    link_tasks_to_projects(app)
    return app


def link_tasks_to_projects(app: FastAPI) -> None:
    """Link a created project to creating a task in it (OpenAPI links), so clients and
    stateful testers can reach the task routes, which need an existing project."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        schema = build()
        created = schema["paths"][f"{API_PREFIX}/v1/projects"]["post"]["responses"]["201"]
        created.setdefault("links", {})["CreateTask"] = {
            "operationId": "create_task",
            "requestBody": {"project_id": "$response.body#/id", "title": "A task"},
        }
        return schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented override
