"""The taskboard domain: users who sign in, projects, and the tasks inside them."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from foundation.models import (
    AuditMixin,
    BaseModel,
    SoftDeleteMixin,
    VersionedMixin,
    unique_among_live,
)
from foundation.models.idempotency import IdempotencyRecord
from foundation.models.sign_in import SignInFailure

__all__ = ["BaseModel", "IdempotencyRecord", "Project", "SignInFailure", "Task", "User"]
"""``SignInFailure`` and ``IdempotencyRecord`` are the foundation's tables for the sign-in
throttle and for idempotency keys, part of this service's schema."""


class User(BaseModel):
    """Someone who can obtain a token; ``scopes`` is space-separated.

    Tokens carry ``token_version`` as their ``ver`` claim; raising it (a password change, a
    revocation) makes every token issued before invalid.
    """

    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("email"),)

    email: Mapped[str] = mapped_column(String(320))
    full_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    scopes: Mapped[str] = mapped_column(String(500), default="")
    is_active: Mapped[bool] = mapped_column(default=True)
    token_version: Mapped[int] = mapped_column(default=0, server_default="0")


class Project(AuditMixin, SoftDeleteMixin, VersionedMixin, BaseModel):
    """A board of tasks, addressed by a slug unique among live projects: deleting
    ``website`` frees the slug, and restoring it while another ``website`` lives is a 409."""

    __tablename__ = "projects"
    __table_args__ = (*unique_among_live("slug"),)

    slug: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")


class Task(AuditMixin, SoftDeleteMixin, VersionedMixin, BaseModel):
    """A unit of work in a project."""

    __tablename__ = "tasks"
    __table_args__ = (
        CheckConstraint("priority BETWEEN 1 AND 5", name="priority_range"),
        CheckConstraint("status IN ('todo', 'doing', 'done')", name="status_known"),
    )

    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("projects.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default="todo")
    priority: Mapped[int] = mapped_column(default=3)
    due_at: Mapped[datetime | None] = mapped_column(default=None)
