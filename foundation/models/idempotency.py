"""The table of idempotency keys: each keyed write's response, stored with the write.

Not imported by ``foundation.models``: its table joins a project's metadata (and so its
migrations) only when the project imports this module, as the reference service does.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.dialects import mysql
from sqlalchemy.orm import Mapped, mapped_column

from foundation.models.base import Base

# MariaDB's TEXT holds 64 KiB; the others have no such limit
LONG_TEXT = Text().with_variant(mysql.MEDIUMTEXT(), "mysql", "mariadb")


class IdempotencyRecord(Base):
    """The response to one request sent with an ``Idempotency-Key``, replayed to retries.

    ``id`` is a SHA-256 digest of the principal and the client's key (keys are scoped per
    principal), ``fingerprint`` one of the method, path and body, so that a key reused for
    another request is refused. ``status`` is null only inside the transaction that claimed
    the key: other transactions see a record with its response, or none.
    """

    __tablename__ = "foundation_idempotency_keys"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    status: Mapped[int | None]
    headers: Mapped[str | None] = mapped_column(Text)
    body: Mapped[str | None] = mapped_column(LONG_TEXT)  # the JSON answered
    expires_at: Mapped[datetime] = mapped_column(index=True)
