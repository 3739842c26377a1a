"""The table of idempotency keys, outside any project's metadata.

``foundation.web.idempotency`` writes it through Core; the mapped class
(:mod:`foundation.models.idempotency`) puts a copy into the project's metadata, and so into
its migrations, only when the project imports it. A project that serves ``crud_router``
without offering idempotency keys never sees the table.
"""

from __future__ import annotations

from sqlalchemy import Column, Index, Integer, MetaData, String, Table, Text
from sqlalchemy.dialects import mysql

from foundation.models.types import UTCDateTime

# MariaDB's TEXT holds 64 KiB; the others have no such limit
LONG_TEXT = Text().with_variant(mysql.MEDIUMTEXT(), "mysql", "mariadb")

IDEMPOTENCY_KEYS = Table(
    "foundation_idempotency_keys",
    MetaData(),
    Column("id", String(64), primary_key=True),
    Column("fingerprint", String(64), nullable=False),
    Column("status", Integer, nullable=True),
    Column("headers", Text, nullable=True),
    Column("body", LONG_TEXT, nullable=True),  # the JSON answered
    Column("expires_at", UTCDateTime(timezone=True), nullable=False),
    Index("ix_foundation_idempotency_keys_expires_at", "expires_at"),
)
"""``id``: a SHA-256 digest of the principal and the client's key; ``fingerprint``: one of
the method, path and body; ``status`` is null only inside the transaction that claimed the
key."""
