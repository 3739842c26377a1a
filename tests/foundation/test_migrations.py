"""Migrations: upgrade, downgrade, current/heads/history, and the models-vs-migrations check.

Each test runs on an empty database of its own (see ``migrations_sample/databases.py``) with
the sample project's script directory, whose ``env.py`` is the three-line ``run_env`` form.
"""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Column, Integer, MetaData, String, Table, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from fixtures.schema import build_schema
from foundation import ConfigurationError, Database
from foundation.migrations import (
    current_async,
    downgrade_async,
    heads,
    history,
    init_directory,
    make_config,
    revision_async,
    schema_diff,
    upgrade_async,
)
from foundation.migrations.scaffold import TEMPLATES
from foundation.models import NAMING_CONVENTION
from tests.foundation.migrations_sample.databases import (
    MIGRATIONS,
    column_names,
    migration_engine,
    migration_url,
    migrations_copy,
    table_names,
)
from tests.foundation.migrations_sample.models import SampleAuthor, SampleBook, metadata

__all__ = ["migration_engine", "migration_url", "migrations_copy"]  # fixtures used below


def _metadata_with_extra_table() -> MetaData:
    extra = MetaData(naming_convention=NAMING_CONVENTION)
    for table in metadata.tables.values():
        table.to_metadata(extra)
    Table("m_extra", extra, Column("id", Integer, primary_key=True), Column("note", String(20)))
    return extra


# -- upgrade and downgrade -------------------------------------------------------------


async def test_upgrade_to_head_builds_a_usable_schema(migration_engine: AsyncEngine) -> None:
    assert await current_async(migration_engine) == ()
    await upgrade_async(migration_engine, str(MIGRATIONS), "head")
    assert await current_async(migration_engine) == ("0002",)
    assert {"m_author", "m_book", "alembic_version"} <= await table_names(migration_engine)
    database = Database(migration_engine)
    async with database.transaction() as session:
        author = SampleAuthor(name="Ada", email="ada@example.org")
        session.add(author)
        await session.flush()
        session.add(SampleBook(author_id=author.id, title="Notes"))
    async with database.session() as session:
        assert await session.scalar(select(func.count()).select_from(SampleBook)) == 1


async def test_upgrade_is_idempotent_at_head(migration_engine: AsyncEngine) -> None:
    await upgrade_async(migration_engine, MIGRATIONS)
    await upgrade_async(migration_engine, MIGRATIONS)
    assert await current_async(migration_engine) == ("0002",)


async def test_upgrade_stops_at_the_given_revision(migration_engine: AsyncEngine) -> None:
    await upgrade_async(migration_engine, MIGRATIONS, "0001")
    assert await current_async(migration_engine) == ("0001",)
    assert "m_book" not in await table_names(migration_engine)
    assert "email" not in await column_names(migration_engine, "m_author")


async def test_downgrade_reverts_an_alter_and_then_everything(
    migration_engine: AsyncEngine,
) -> None:
    await upgrade_async(migration_engine, MIGRATIONS)
    assert "email" in await column_names(migration_engine, "m_author")
    await downgrade_async(migration_engine, MIGRATIONS, "-1")
    assert await current_async(migration_engine) == ("0001",)
    assert "email" not in await column_names(migration_engine, "m_author")
    assert "m_book" not in await table_names(migration_engine)
    await downgrade_async(migration_engine, MIGRATIONS, "base")
    assert await current_async(migration_engine) == ()
    assert await table_names(migration_engine) == {"alembic_version"}


async def test_build_schema_of_the_test_kit_runs_the_migrations(
    migration_engine: AsyncEngine,
) -> None:
    await build_schema(migration_engine, metadata, str(MIGRATIONS))
    assert await current_async(migration_engine) == ("0002",)
    assert {"m_author", "m_book"} <= await table_names(migration_engine)


# -- models versus migrations ----------------------------------------------------------


async def test_schema_diff_is_empty_when_models_and_migrations_agree(
    migration_engine: AsyncEngine,
) -> None:
    assert await schema_diff(migration_engine, MIGRATIONS, metadata) == []


async def test_schema_diff_lists_a_table_the_migrations_lack(
    migration_engine: AsyncEngine,
) -> None:
    diff = await schema_diff(migration_engine, MIGRATIONS, _metadata_with_extra_table())
    assert [(entry[0], entry[1].name) for entry in diff] == [("add_table", "m_extra")]


async def test_schema_diff_lists_what_a_missing_revision_would_add(
    migration_engine: AsyncEngine, migrations_copy: Path
) -> None:
    diff = await schema_diff(migration_engine, migrations_copy, metadata)
    kinds = {entry[0] for entry in diff if isinstance(entry, tuple)}
    assert "add_table" in kinds
    added = {e[1].name for e in diff if isinstance(e, tuple) and e[0] == "add_table"}
    assert added == {"m_book"}


async def test_autogenerated_revision_closes_the_gap(
    migration_engine: AsyncEngine, migrations_copy: Path
) -> None:
    await upgrade_async(migration_engine, migrations_copy)
    paths = await revision_async(
        migration_engine, migrations_copy, "books and email", autogenerate=True
    )
    assert len(paths) == 1
    source = await asyncio.to_thread(Path(paths[0]).read_text)
    assert "m_book" in source
    assert "import foundation.models.types" in source  # custom types import themselves
    assert heads(migrations_copy) != ("0001",)
    assert await schema_diff(migration_engine, migrations_copy, metadata) == []


# -- script directory ------------------------------------------------------------------


def test_heads_and_history_read_the_script_directory() -> None:
    assert heads(MIGRATIONS) == ("0002",)
    assert [script.revision for script in history(MIGRATIONS)] == ["0002", "0001"]


def test_a_directory_without_env_py_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="no Alembic script directory"):
        make_config(tmp_path / "nowhere")


def test_init_writes_a_three_line_env_and_the_packaged_template(tmp_path: Path) -> None:
    target = init_directory(tmp_path / "migrations", "myapp.models:Base.metadata")
    env = (target / "env.py").read_text()
    assert "from myapp.models import Base" in env
    assert "run_env(Base.metadata)" in env
    code = [line for line in env.splitlines() if line and not line.startswith('"""')]
    assert len(code) == 3
    assert (target / "script.py.mako").read_text() == (TEMPLATES / "script.py.mako").read_text()
    assert (target / "versions").is_dir()
    with pytest.raises(ConfigurationError, match=r"already holds an env\.py"):
        init_directory(target)


def test_init_refuses_a_metadata_reference_without_a_module(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match=r"module:Base\.metadata"):
        init_directory(tmp_path / "m", "Base.metadata")


def test_offline_mode_renders_sql_without_a_database() -> None:
    out = io.StringIO()
    config = make_config(MIGRATIONS, stdout=out)
    config.attributes["url"] = "postgresql://nobody@unreachable.invalid/none"
    command.upgrade(config, "head", sql=True)
    sql = out.getvalue()
    assert "CREATE TABLE m_author" in sql
    assert "ALTER TABLE m_author ADD COLUMN email VARCHAR(200)" in sql
    assert "UPDATE alembic_version SET version_num='0002'" in sql


async def test_plain_alembic_invocation_builds_its_own_engine(migration_url: str) -> None:
    # no connection handed over: env.py connects with the URL itself, as `alembic upgrade`
    # does; that runs its own event loop, hence a thread
    out = io.StringIO()

    def alembic_upgrade_then_current() -> None:
        config = make_config(MIGRATIONS, stdout=out)
        config.attributes["url"] = migration_url
        command.upgrade(config, "0001")
        command.current(config)

    await asyncio.to_thread(alembic_upgrade_then_current)
    assert "0001" in out.getvalue()
