"""``python -m taskboard create-user EMAIL --scopes "..." [--password ...]``: the first user.

The database comes from ``FOUNDATION_DATABASE__URL`` (the same settings ``make run`` uses);
its migrations must have been applied (``make run`` does that on SQLite).
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from collections.abc import Sequence

from foundation import Database, FoundationError, get_settings
from taskboard.auth import SCOPES, create_user


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m taskboard")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    create = commands.add_parser("create-user", help="create a user who can obtain tokens")
    create.add_argument("email")
    create.add_argument(
        "--scopes",
        default=" ".join(SCOPES),
        help="space-separated scopes (default: all: %(default)s)",
    )
    create.add_argument("--password", help="the password (prompted for when left out)")
    create.add_argument("--name", default="", help="full name (default: the email)")
    return parser


def can_prompt() -> bool:
    """Whether a person can answer a password prompt (getpass fails on termios otherwise)."""
    return sys.stdin.isatty()


def _read_password() -> str:
    password = getpass.getpass("Password: ")
    if password != getpass.getpass("Repeat password: "):
        raise SystemExit("python -m taskboard: error: the passwords differ")
    return password


async def _create(email: str, password: str, scopes: str, name: str) -> str:
    database = Database.from_settings(get_settings().database)
    try:
        user = await create_user(database, email, password, scopes=scopes, full_name=name)
    finally:
        await database.dispose()
    return str(user.id)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; returns the exit status."""
    args = _parser().parse_args(argv)
    if args.password is None and not can_prompt():
        print(
            "python -m taskboard: error: no terminal to prompt for the password: use --password",
            file=sys.stderr,
        )
        return 2
    password = args.password if args.password is not None else _read_password()
    if not password:
        print("python -m taskboard: error: the password must not be empty", file=sys.stderr)
        return 2
    unknown = set(args.scopes.split()) - set(SCOPES)
    if unknown:
        print(
            f"python -m taskboard: error: unknown scopes: {' '.join(sorted(unknown))}",
            file=sys.stderr,
        )
        return 2
    try:
        user_id = asyncio.run(_create(args.email, password, args.scopes, args.name))
    except FoundationError as error:
        print(f"python -m taskboard: error: {error}", file=sys.stderr)  # with the reason
        return 1
    print(f"created user {args.email} ({user_id}) with scopes: {' '.join(args.scopes.split())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
