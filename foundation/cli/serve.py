"""``foundation serve`` and ``foundation openapi``."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from foundation.cli.db import migrations_directory, with_engine
from foundation.cli.target import app_target, is_factory, load_app, load_target
from foundation.config import Settings
from foundation.errors import ConfigurationError
from foundation.logging import configure_logging, logger
from foundation.metrics import clear_directory
from foundation.migrations import upgrade_async


def should_migrate(flag: bool | None, settings: Settings) -> bool:
    """``--migrate``, else the setting, else only on SQLite (the newcomer's default)."""
    if flag is not None:
        return flag
    if settings.database.migrate_on_start is not None:
        return settings.database.migrate_on_start
    return settings.database.dialect == "sqlite"


def migrate_on_start(args: argparse.Namespace, settings: Settings) -> None:
    """Apply pending migrations before serving, when asked or by default on SQLite."""
    if not should_migrate(args.migrate, settings):
        return
    directory = migrations_directory(args.migrations, settings)
    explicit = args.migrate or settings.database.migrate_on_start
    if not (Path(directory) / "env.py").is_file() and not explicit:
        logger.warning("no migrations at {!r}: serving without applying any", directory)
        return
    logger.info("applying migrations from {!r} to {}", directory, settings.database.masked_url())
    with_engine(settings, lambda engine: upgrade_async(engine, directory, "head"))


def run_serve(args: argparse.Namespace, settings: Settings) -> int:
    """Serve the app with uvicorn (options: flags, else settings)."""
    import uvicorn

    target = app_target(args.app, settings)
    factory = args.factory or is_factory(load_target(target))
    configure_logging(settings)
    migrate_on_start(args, settings)
    # values a previous run left in PROMETHEUS_MULTIPROC_DIR would add to this run's
    clear_directory()
    server = settings.server
    uvicorn.run(
        target,
        host=args.host or server.host,
        port=args.port if args.port is not None else server.port,
        workers=args.workers or server.workers,
        reload=args.reload if args.reload is not None else server.reload,
        factory=factory,
        app_dir=os.getcwd(),
        log_config=None,  # uvicorn's records go through loguru (configure_logging)
        # create_app's own access record is the one line per request (uvicorn's would
        # repeat it, with the query string)
        access_log=False,
        # the app applies X-Forwarded-* from FOUNDATION_SECURITY__TRUSTED_PROXIES only;
        # uvicorn's own default would believe any client on 127.0.0.1
        proxy_headers=False,
    )
    return 0


def run_openapi(args: argparse.Namespace, settings: Settings) -> int:
    """Print the app's OpenAPI document."""
    target = app_target(args.app, settings)
    app = load_app(target, factory=args.factory)
    openapi = getattr(app, "openapi", None)
    if not callable(openapi):
        raise ConfigurationError(f"app target {target!r} is not a FastAPI application")
    print(json.dumps(openapi(), indent=2))
    return 0
