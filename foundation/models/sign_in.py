"""The table counting failed sign-ins, shared by every worker of a service.

Not imported by ``foundation.models``: its table joins a project's metadata (and so its
migrations) only when the project imports this module, as the reference service does.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from foundation.models.base import Base


class SignInFailure(Base):
    """Failed sign-ins under one key (an account or a client address) in the current window.

    ``key`` is a SHA-256 digest of the kind and value, so no email or address is stored.
    """

    __tablename__ = "foundation_sign_in_failures"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int]
    window_started_at: Mapped[datetime] = mapped_column(index=True)
