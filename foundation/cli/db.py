"""``foundation db ...``: Alembic commands against the settings' database."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from alembic import command
from alembic.util import CommandError
from sqlalchemy.ext.asyncio import AsyncEngine

from foundation.config import Settings
from foundation.db import create_engine
from foundation.errors import ConfigurationError
from foundation.migrations import (
    check_async,
    current_async,
    downgrade_async,
    heads,
    init_directory,
    make_config,
    revision_async,
    upgrade_async,
)

T = TypeVar("T")


def migrations_directory(flag: str | None, settings: Settings) -> str:
    """The script directory from ``-d``, else ``FOUNDATION_DATABASE__MIGRATIONS``."""
    return flag or settings.database.migrations


_CHATTER = ("Context impl ", "Will assume ", "setting up autogenerate plugin")


def _is_progress(record: logging.LogRecord) -> bool:
    return not record.getMessage().startswith(_CHATTER)


@contextmanager
def alembic_progress() -> Iterator[None]:
    """Show Alembic's progress lines ("Running upgrade ...") on stderr for one command."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    handler.addFilter(_is_progress)
    alembic = logging.getLogger("alembic")
    previous = alembic.level
    alembic.addHandler(handler)
    alembic.setLevel(logging.INFO)
    try:
        yield
    finally:
        alembic.removeHandler(handler)
        alembic.setLevel(previous)


def with_engine(settings: Settings, work: Callable[[AsyncEngine], Awaitable[T]]) -> T:
    """Run ``work`` on a fresh engine for the settings' database, then dispose of it."""

    async def run() -> T:
        engine = create_engine(settings.database)
        try:
            return await work(engine)
        finally:
            await engine.dispose()

    return asyncio.run(run())


def run_db(args: argparse.Namespace, settings: Settings) -> int:
    """Dispatch one ``db`` action; returns the exit status."""
    directory = migrations_directory(args.migrations, settings)
    action: str = args.db_command
    if action == "init":
        if args.metadata is None:
            # a default would be an empty metadata, and `db check` would then propose a
            # revision that drops every table: only the project knows where its models are
            raise ConfigurationError(
                "db init needs --metadata MODULE:EXPR, the metadata of your models "
                "(e.g. --metadata myapp.models:Base.metadata)"
            )
        path = init_directory(directory, args.metadata)
        print(f"created {path}: edit env.py if the models live elsewhere")
        return 0
    if action == "heads":
        for head in heads(directory):
            print(f"{head} (head)")
        return 0
    if action == "history":
        command.history(make_config(directory))
        return 0
    if action == "revision" and not args.autogenerate:
        script = command.revision(make_config(directory), message=args.message)
        print(getattr(script, "path", script))
        return 0
    if action == "check":  # its verdict is the one line; Alembic's notes would repeat it
        with_engine(settings, lambda engine: _check_at_head(engine, directory))
        print("models and migrations agree")
        return 0
    with alembic_progress():
        return _run_on_database(action, args, directory, settings)


async def _check_at_head(engine: AsyncEngine, directory: str) -> None:
    """Compare models and migrations, after making sure the database is at the head."""
    applied = await current_async(engine)
    known = heads(directory)
    if set(applied) != set(known):
        at = ", ".join(applied) or "no revision"
        raise CommandError(  # status 2, as Alembic's own check
            f"Target database is not up to date: it is at {at}, the head is "
            f"{', '.join(known)}; run `foundation db upgrade` first"
        )
    await check_async(engine, directory)


def _run_on_database(
    action: str, args: argparse.Namespace, directory: str, settings: Settings
) -> int:
    if action == "upgrade":
        with_engine(settings, lambda engine: upgrade_async(engine, directory, args.revision))
    elif action == "downgrade":
        with_engine(settings, lambda engine: downgrade_async(engine, directory, args.revision))
    elif action == "revision":
        paths = with_engine(
            settings,
            lambda engine: revision_async(engine, directory, args.message, autogenerate=True),
        )
        for path in paths:
            print(path)
    elif action == "current":
        known_heads = set(heads(directory))
        revisions = with_engine(settings, current_async)
        for revision in revisions:
            print(f"{revision} (head)" if revision in known_heads else revision)
        if not revisions:
            print("(no revision applied)")
    return 0
