"""The ``foundation`` command: serve, database migrations, OpenAPI and settings."""

from foundation.cli.main import main

__all__ = ["main"]
