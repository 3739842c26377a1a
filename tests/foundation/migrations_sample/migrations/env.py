"""Alembic environment: the foundation runs it against the models' metadata."""

from foundation.migrations import run_env
from tests.foundation.migrations_sample.models import metadata

run_env(metadata)
