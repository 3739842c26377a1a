"""Repositories (what may be filtered, sorted, searched) and services (business rules)."""

from __future__ import annotations

from typing import Any

from foundation import ForeignKeyError, UnitOfWork
from foundation.repository import (
    EQUALITY_OPS,
    ORDERING_OPS,
    TEXT_OPS,
    Children,
    OnParentDelete,
    Op,
    SQLAlchemyRepository,
)
from foundation.service import BaseService
from taskboard.models import Project, Task, User
from taskboard.schemas import (
    ProjectCreate,
    ProjectRead,
    ProjectUpdate,
    TaskCreate,
    TaskRead,
    TaskUpdate,
)


class UserRepository(SQLAlchemyRepository[User]):
    """Users, found by email."""

    model = User
    filterable = {"email": {Op.EQ}}  # noqa: RUF012


class TaskRepository(SQLAlchemyRepository[Task]):
    """Tasks: filter by project, status, priority, due date; search titles."""

    model = Task
    filterable = {  # noqa: RUF012
        "project_id": {Op.EQ, Op.IN},
        "status": {Op.EQ, Op.NE, Op.IN, Op.NOT_IN},
        "priority": EQUALITY_OPS - {Op.IS_NULL} | ORDERING_OPS,
        "due_at": ORDERING_OPS | {Op.IS_NULL},
        "title": TEXT_OPS,
    }
    sortable = ("title", "status", "priority", "created_at", "updated_at")
    searchable = ("title",)
    default_sort = ("-priority", "created_at")


class ProjectRepository(SQLAlchemyRepository[Project]):
    """Projects: filter by slug or name, sort by name or age, search name and description;
    a soft delete cascades to the project's tasks."""

    model = Project
    filterable = {  # noqa: RUF012
        "slug": {Op.EQ, Op.IN, *TEXT_OPS},
        "name": {Op.EQ, *TEXT_OPS},
        "created_at": ORDERING_OPS,
    }
    sortable = ("slug", "name", "created_at", "updated_at")
    searchable = ("name", "description")
    default_sort = "-created_at"
    # deleting a project deletes its live tasks with it; restoring it brings back those
    # (a task deleted on its own before stays deleted)
    children = (Children(TaskRepository, "project_id", OnParentDelete.CASCADE),)


class ProjectService(BaseService[Project, ProjectCreate, ProjectUpdate, ProjectRead]):
    """Projects: slugs are unique among live projects (409 ``duplicate``, also when restoring
    a project whose slug was taken since); deletion is soft, restorable, and takes the
    project's tasks with it."""

    repository_type = ProjectRepository
    read_schema = ProjectRead


class TaskService(BaseService[Task, TaskCreate, TaskUpdate, TaskRead]):
    """Tasks belong to a live project: naming a missing or deleted one is a 409."""

    repository_type = TaskRepository
    read_schema = TaskRead

    async def before_create(self, unit: UnitOfWork, values: dict[str, Any]) -> dict[str, Any]:
        await _require_project(unit, values["project_id"])
        return values

    async def before_update(
        self, unit: UnitOfWork, id: Any, changes: dict[str, Any]
    ) -> dict[str, Any]:
        if "project_id" in changes:
            await _require_project(unit, changes["project_id"])
        return changes


async def _require_project(unit: UnitOfWork, project_id: Any) -> None:
    """The database checks the key too; this also refuses soft-deleted projects."""
    if await ProjectRepository(unit).get_or_none(project_id) is None:
        raise ForeignKeyError(
            f"Project {project_id} does not exist.",
            details={"field": "project_id", "resource": "Project"},
        )
