"""``MigrationContract``: one head, migrations that build exactly the models, and a clean
round trip down to base and up again."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, ClassVar

from sqlalchemy import MetaData, inspect
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from contracts._base import Contract, ContractError, hook
from foundation.migrations import (
    current_async,
    describe_diff,
    downgrade_async,
    heads,
    schema_diff,
    upgrade_async,
)


def metadata_of(*models: Any) -> MetaData:
    """A metadata holding only ``models``' tables (when several projects share one base)."""
    metadata = MetaData()
    for model in models:
        model.__table__.to_metadata(metadata)
    return metadata


class MigrationContract(Contract, abstract=True):
    """Subclass in a ``Test*`` class and provide:

    - ``migrations``: the Alembic script directory (its ``env.py`` calls ``run_env``). A
      relative path is resolved from the folder of the test module that declares it, so
      the suite finds it wherever pytest is started.
    - ``metadata()``: the models' metadata, exactly the tables the migrations must build.

    The tests use the plugin's ``empty_db_engine``: a database of its own per backend.
    """

    required_hooks = ("migrations", "metadata")
    migrations: ClassVar[str | Path]

    def __init_subclass__(cls, *, abstract: bool = False, **kwargs: Any) -> None:
        super().__init_subclass__(abstract=abstract, **kwargs)
        if not abstract:
            cls.migrations = _script_directory(cls)

    @hook
    def metadata(self) -> MetaData:
        """The models whose schema the migrations must produce."""
        raise NotImplementedError

    async def assert_matches_models(self, engine: AsyncEngine) -> None:
        """Upgrade to head; the models and the database must not differ."""
        diff = await schema_diff(engine, self.migrations, self.metadata())
        assert not diff, "models and migrations differ: " + "; ".join(map(describe_diff, diff))

    def test_single_head(self) -> None:
        found = heads(self.migrations)
        assert len(found) == 1, f"expected one head, found {found}: merge them"

    async def test_upgrade_on_an_empty_database_builds_the_models(
        self, empty_db_engine: AsyncEngine
    ) -> None:
        assert await _tables(empty_db_engine) == set()
        await self.assert_matches_models(empty_db_engine)
        assert await current_async(empty_db_engine) == heads(self.migrations)

    async def test_downgrade_to_base_and_upgrade_again(self, empty_db_engine: AsyncEngine) -> None:
        await upgrade_async(empty_db_engine, self.migrations, "head")
        await downgrade_async(empty_db_engine, self.migrations, "base")
        assert await _tables(empty_db_engine) <= {"alembic_version"}, "downgrade left tables"
        assert await current_async(empty_db_engine) == ()
        await self.assert_matches_models(empty_db_engine)


def _script_directory(cls: type[MigrationContract]) -> Path:
    path = Path(cls.migrations)
    if not path.is_absolute():
        module = getattr(sys.modules.get(cls.__module__), "__file__", None) or "."
        path = Path(module).resolve().parent / path
    if not (path / "env.py").is_file():
        raise ContractError(
            f"{cls.__qualname__}.migrations: no Alembic directory (env.py) at {path}; a "
            "relative path is resolved from the test module's folder"
        )
    return path


async def _tables(engine: AsyncEngine) -> set[str]:
    def names(connection: Connection) -> set[str]:
        return set(inspect(connection).get_table_names())

    async with engine.connect() as connection:
        return await connection.run_sync(names)
