"""Alembic migrations wired to the settings and the models' metadata.

A project's ``env.py`` is three lines::

    from foundation.migrations import run_env
    from myapp.models import Base

    run_env(Base.metadata)

``foundation db init`` writes it; the async functions below run Alembic commands on an
``AsyncEngine`` (the test kit and ``foundation db ...`` use them).
"""

from foundation.migrations.api import (
    check_async,
    current_async,
    describe_diff,
    downgrade_async,
    heads,
    history,
    make_config,
    revision_async,
    run_command,
    schema_diff,
    upgrade_async,
)
from foundation.migrations.environment import applies_to_dialect, run_env
from foundation.migrations.scaffold import init_directory

__all__ = [
    "applies_to_dialect",
    "check_async",
    "current_async",
    "describe_diff",
    "downgrade_async",
    "heads",
    "history",
    "init_directory",
    "make_config",
    "revision_async",
    "run_command",
    "run_env",
    "schema_diff",
    "upgrade_async",
]
