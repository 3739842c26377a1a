"""The sample project's models, on their own metadata so the shared test schema leaves them out."""

from __future__ import annotations

import uuid

from sqlalchemy import ForeignKey, MetaData, String
from sqlalchemy.orm import Mapped, mapped_column

from foundation import Base, BaseModel
from foundation.models import NAMING_CONVENTION


class SampleBase(Base):
    """Abstract base whose tables go to ``metadata`` below, not to ``Base.metadata``."""

    __abstract__ = True
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class SampleAuthor(SampleBase, BaseModel):
    """Created by the first revision; ``email`` added by the second."""

    __tablename__ = "m_author"

    name: Mapped[str] = mapped_column(String(100), index=True)
    email: Mapped[str | None] = mapped_column(String(200), unique=True)


class SampleBook(SampleBase, BaseModel):
    """Created by the second revision."""

    __tablename__ = "m_book"

    author_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("m_author.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))


metadata = SampleBase.metadata
