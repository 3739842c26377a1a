"""The command line: subcommands and their flags (settings supply every default)."""

from __future__ import annotations

import argparse
from typing import NoReturn

from foundation.errors import ConfigurationError


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors become one-line ``ConfigurationError``s."""

    def error(self, message: str) -> NoReturn:
        raise ConfigurationError(f"{self.prog}: {message} (see --help)")


def _app_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--app",
        metavar="MODULE:ATTR",
        help="the ASGI app or app factory (default: FOUNDATION_APP__TARGET)",
    )
    parser.add_argument(
        "--factory",
        action="store_true",
        help="call the target to build the app (detected for plain functions)",
    )


def _migrations_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-d",
        "--migrations",
        metavar="DIR",
        help="Alembic script directory (default: FOUNDATION_DATABASE__MIGRATIONS)",
    )


def _serve(commands: argparse._SubParsersAction[Parser]) -> None:
    serve = commands.add_parser("serve", help="run the app with uvicorn")
    _app_options(serve)
    serve.add_argument("--host", help="interface to bind (default: FOUNDATION_SERVER__HOST)")
    serve.add_argument("--port", type=int, help="port (default: FOUNDATION_SERVER__PORT)")
    serve.add_argument("--workers", type=int, help="worker processes (FOUNDATION_SERVER__WORKERS)")
    serve.add_argument(
        "--reload",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="restart on code changes (FOUNDATION_SERVER__RELOAD)",
    )
    serve.add_argument(
        "--migrate",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="apply pending migrations first (default: FOUNDATION_DATABASE__MIGRATE_ON_START, "
        "else only on SQLite)",
    )
    _migrations_option(serve)


def _db(commands: argparse._SubParsersAction[Parser]) -> None:
    db = commands.add_parser("db", help="database migrations (Alembic)")
    actions = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    init = actions.add_parser("init", help="create the script directory")
    init.add_argument(
        "--metadata",
        metavar="MODULE:EXPR",
        help="where env.py finds the models' metadata (required), e.g. app.models:Base.metadata",
    )
    upgrade = actions.add_parser("upgrade", help="apply migrations up to REV (default head)")
    upgrade.add_argument("revision", nargs="?", default="head", metavar="REV")
    downgrade = actions.add_parser("downgrade", help="revert migrations down to REV")
    downgrade.add_argument("revision", metavar="REV", help="a revision, base, or -N")
    revision = actions.add_parser("revision", help="create a revision file")
    revision.add_argument("-m", "--message", required=True, metavar="MSG")
    revision.add_argument(
        "--autogenerate", action="store_true", help="diff the models against the database"
    )
    actions.add_parser("current", help="show the database's revision")
    actions.add_parser("heads", help="show the head revisions")
    actions.add_parser("history", help="list the revisions")
    actions.add_parser("check", help="exit 1 when the models and the migrations disagree")
    for action in actions.choices.values():
        _migrations_option(action)


def build_parser() -> Parser:
    """The ``foundation`` argument parser."""
    parser = Parser(prog="foundation", description="Run and manage a foundation service.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _serve(commands)
    _db(commands)
    openapi = commands.add_parser("openapi", help="print the app's OpenAPI document as JSON")
    _app_options(openapi)
    commands.add_parser("settings", help="print the effective settings, secrets masked")
    return parser
