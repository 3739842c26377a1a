"""Alembic environment: the foundation runs it against the models' metadata."""

from taskboard.models import BaseModel

from foundation.migrations import run_env

run_env(BaseModel.metadata)
