"""Models for the soft-delete tests (tables prefixed ``s_``): a board of cards."""

from __future__ import annotations

import uuid

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from foundation import AuditMixin, BaseModel, SoftDeleteMixin, VersionedMixin
from foundation.models import unique_among_live


class Board(AuditMixin, SoftDeleteMixin, VersionedMixin, BaseModel):
    """A parent whose slug is unique among live boards, and whose code is too."""

    __tablename__ = "s_board"
    __table_args__ = (*unique_among_live("slug"), *unique_among_live("owner", "code"))

    slug: Mapped[str] = mapped_column(String(64))
    owner: Mapped[str] = mapped_column(String(64), default="me")
    code: Mapped[str | None] = mapped_column(String(16), default=None)
    cards: Mapped[list[Card]] = relationship(back_populates="board", order_by="Card.title")


class Card(SoftDeleteMixin, VersionedMixin, BaseModel):
    """A child of a board."""

    __tablename__ = "s_card"

    board_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("s_board.id"), index=True)
    title: Mapped[str] = mapped_column(String(100))
    board: Mapped[Board] = relationship(back_populates="cards")


class Comment(SoftDeleteMixin, BaseModel):
    """A grandchild of a board: cascades reach it through its card."""

    __tablename__ = "s_comment"

    card_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("s_card.id"), index=True)
    body: Mapped[str] = mapped_column(String(100))


class Sticker(BaseModel):
    """A child of a board that cannot be soft-deleted (no cascade possible)."""

    __tablename__ = "s_sticker"

    board_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("s_board.id"))


class Wall(BaseModel):
    """A parent that cannot be soft-deleted: its delete is for good, and so are cascades."""

    __tablename__ = "s_wall"

    name: Mapped[str] = mapped_column(String(64))


class Poster(SoftDeleteMixin, BaseModel):
    """A soft-deleting child of a wall."""

    __tablename__ = "s_poster"

    wall_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("s_wall.id"), index=True)
