"""The reference service's migrations pass ``MigrationContract`` on every selected database."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import MetaData
from taskboard import models

from contracts import MigrationContract
from contracts.migrations import metadata_of

MIGRATIONS = Path(__file__).parents[2] / "examples" / "taskboard" / "migrations"


class TestTaskboardMigrations(MigrationContract):
    migrations = MIGRATIONS

    def metadata(self) -> MetaData:
        return metadata_of(
            models.User, models.Project, models.Task, models.SignInFailure, models.IdempotencyRecord
        )
