"""``run_env``: the whole body of a project's Alembic ``env.py``.

It runs in one of three ways: on a connection handed over by :mod:`foundation.migrations.api`
(``config.attributes["connection"]``), on an engine built from the settings (plain
``alembic`` command line), or offline (``--sql``), rendering SQL for the settings' URL.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any

from alembic import context
from alembic.autogenerate.api import AutogenContext
from pydantic import SecretStr
from sqlalchemy import MetaData
from sqlalchemy.engine import Connection

from foundation.config import get_settings
from foundation.db import create_engine, normalize_url

CONNECTION_KEY = "connection"
URL_KEY = "url"


def render_item(kind: str, obj: Any, autogen_context: AutogenContext) -> str | bool:
    """Import the module of every non-SQLAlchemy type a generated revision refers to."""
    if kind == "type":
        module = type(obj).__module__
        if not module.startswith("sqlalchemy.") and autogen_context.imports is not None:
            autogen_context.imports.add(f"import {module}")
    return False  # keep Alembic's own rendering


def applies_to_dialect(obj: Any, dialect: str) -> bool:
    """Whether a schema item exists on ``dialect``: an index or constraint declared for
    other backends only (``ddl_if(dialect=...)``, as ``unique_among_live`` does) does not."""
    condition = getattr(obj, "_ddl_if", None)
    wanted = getattr(condition, "dialect", None)
    if wanted is None:
        return True
    return dialect in ((wanted,) if isinstance(wanted, str) else tuple(wanted))


def _include_for(dialect: str, include: Callable[..., bool] | None) -> Callable[..., bool]:
    """An ``include_object`` hook leaving out the models' items meant for other backends."""

    def include_object(
        obj: Any, name: str | None, kind: str, reflected: bool, compare_to: Any
    ) -> bool:
        if not reflected and not applies_to_dialect(obj, dialect):
            return False
        return include is None or include(obj, name, kind, reflected, compare_to)

    return include_object


def configure_options(
    metadata: MetaData | Sequence[MetaData] | None, dialect: str, **options: Any
) -> dict[str, Any]:
    """Options for ``context.configure``: batch ALTERs on SQLite, type comparison, and
    only the indexes meant for this backend (a given ``include_object`` runs after)."""
    defaults: dict[str, Any] = {
        "target_metadata": metadata,
        # SQLite cannot ALTER most things: copy-and-move through batch operations
        "render_as_batch": dialect == "sqlite",
        "compare_type": True,
        "render_item": render_item,
    }
    defaults.update(options)
    defaults["include_object"] = _include_for(dialect, options.get("include_object"))
    return defaults


def _url() -> str:
    url = context.config.attributes.get(URL_KEY) or context.config.get_main_option("sqlalchemy.url")
    if url:
        return str(url)
    return get_settings().database.url.get_secret_value()


def _run_on(connection: Connection, metadata: Any, options: dict[str, Any]) -> None:
    context.configure(
        connection=connection, **configure_options(metadata, connection.dialect.name, **options)
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_on_new_engine(metadata: Any, options: dict[str, Any]) -> None:
    settings = get_settings().database.model_copy(update={"url": SecretStr(_url())})
    engine = create_engine(settings)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run_on, metadata, options)
            await connection.commit()
    finally:
        await engine.dispose()


def run_env(metadata: MetaData | Sequence[MetaData] | None, **options: Any) -> None:
    """Run the migrations of the current Alembic invocation against ``metadata``.

    Extra keyword arguments go to ``context.configure`` (``include_object``,
    ``compare_server_default``, ...).
    """
    if context.is_offline_mode():
        url = normalize_url(_url())
        context.configure(
            url=url,
            literal_binds=True,
            dialect_opts={"paramstyle": "named"},
            **configure_options(metadata, url.get_backend_name(), **options),
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    connection = context.config.attributes.get(CONNECTION_KEY)
    if connection is not None:
        _run_on(connection, metadata, options)
    else:
        asyncio.run(_run_on_new_engine(metadata, options))
