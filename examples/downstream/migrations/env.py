"""Alembic environment for the bookshelf."""

from bookshelf.models import Book

from foundation.migrations import run_env

run_env(Book.metadata)
