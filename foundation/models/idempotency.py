"""The table of idempotency keys: each keyed write's response, stored with the write.

Not imported by ``foundation.models``: its table joins a project's metadata (and so its
migrations) only when the project imports this module, as the reference service does.
"""

from __future__ import annotations

from foundation.models.base import Base
from foundation.models.idempotency_table import IDEMPOTENCY_KEYS


class IdempotencyRecord(Base):
    """The response to one request sent with an ``Idempotency-Key``, replayed to retries.

    ``id`` is a SHA-256 digest of the principal and the client's key (keys are scoped per
    principal), ``fingerprint`` one of the method, path and body, so that a key reused for
    another request is refused. ``status`` is null only inside the transaction that claimed
    the key: other transactions see a record with its response, or none.
    """

    __table__ = IDEMPOTENCY_KEYS.to_metadata(Base.metadata)
