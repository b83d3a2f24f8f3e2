"""Tables of the guarantees pillar: force requirements and conditional contributions."""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from muster.db import Base, Versioned


class ForceRequirement(Versioned, Base):
    """What the coalition needs: a capability in a zone, from a phase on."""

    __tablename__ = "force_requirements"
    capability: Mapped[str] = mapped_column(String(60), index=True)
    zone: Mapped[str] = mapped_column(String(60), index=True)
    quantity: Mapped[int] = mapped_column(Integer)
    unit: Mapped[str] = mapped_column(String(30), default="personnel")
    phase_from: Mapped[str] = mapped_column(String(20), default="ceasefire")
    rotation_weeks: Mapped[int] = mapped_column(Integer, default=26)
    priority: Mapped[int] = mapped_column(Integer, default=3)
    note: Mapped[str] = mapped_column(Text, default="")


class Contribution(Versioned, Base):
    """What a nation offers, under which conditions, in which zones."""

    __tablename__ = "contributions"
    nation: Mapped[str] = mapped_column(ForeignKey("nations.code"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    capability: Mapped[str | None] = mapped_column(String(60), nullable=True)
    quantity: Mapped[int] = mapped_column(Integer, default=0)
    unit: Mapped[str] = mapped_column(String(30), default="personnel")
    amount_cents: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    zones: Mapped[list[str]] = mapped_column(JSON, default=list)
    condition: Mapped[str] = mapped_column(Text, default="")
    rotation_weeks: Mapped[int | None] = mapped_column(Integer, nullable=True)
    status: Mapped[str] = mapped_column(String(20), default="offered")
    note: Mapped[str] = mapped_column(Text, default="")
