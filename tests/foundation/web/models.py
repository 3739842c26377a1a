"""Models for the web-layer tests (tables prefixed ``w_``)."""

from __future__ import annotations

import uuid

from sqlalchemy import ForeignKeyConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from foundation import AuditMixin, BaseModel


class WNote(AuditMixin, BaseModel):
    """A note with a unique title and audit columns."""

    __tablename__ = "w_note"

    title: Mapped[str] = mapped_column(String(100), unique=True)


class WLink(BaseModel):
    """Refers to a note; the foreign key is checked at COMMIT where the database can defer."""

    __tablename__ = "w_link"
    __table_args__ = (
        # MariaDB has no deferred constraints: it gets an immediate foreign key instead
        ForeignKeyConstraint(
            ["note_id"],
            ["w_note.id"],
            name="fk_w_link_note_deferred",
            deferrable=True,
            initially="DEFERRED",
        ).ddl_if(dialect=("postgresql", "sqlite")),  # type: ignore[arg-type]  # documented: a tuple
        ForeignKeyConstraint(["note_id"], ["w_note.id"], name="fk_w_link_note").ddl_if(
            dialect="mysql"
        ),
    )

    note_id: Mapped[uuid.UUID]
