"""The reference service's migrations build exactly its models on every backend, and
round-trip down to base and up again (the slug unique among live projects included)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import MetaData
from taskboard.models import IdempotencyRecord, Project, SignInFailure, Task, User

from contracts import MigrationContract
from contracts.migrations import metadata_of

MIGRATIONS = Path(__file__).parents[2] / "examples" / "taskboard" / "migrations"


class TestTaskboardMigrations(MigrationContract):
    migrations = MIGRATIONS

    def metadata(self) -> MetaData:
        return metadata_of(User, Project, Task, SignInFailure, IdempotencyRecord)
