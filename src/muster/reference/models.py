"""Reference tables shared by every pillar."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Boolean, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from muster.db import Base, Versioned


class Nation(Versioned, Base):
    """A state that pledges, contributes, borrows or receives; keyed by ISO 3166-1 alpha-2."""

    __tablename__ = "nations"
    code: Mapped[str] = mapped_column(String(2), unique=True, index=True)
    name: Mapped[str] = mapped_column(String(80))
    eu_member: Mapped[bool] = mapped_column(Boolean, default=False)
    nato_member: Mapped[bool] = mapped_column(Boolean, default=False)
    eea_efta: Mapped[bool] = mapped_column(Boolean, default=False)
    eumam_contributor: Mapped[bool] = mapped_column(Boolean, default=False)
    coalition_member: Mapped[bool] = mapped_column(Boolean, default=False)
    partner: Mapped[bool] = mapped_column(Boolean, default=False)


class Phase(Versioned, Base):
    """A phase of the war; `rank` orders them (hostilities < truce < ceasefire < peace)."""

    __tablename__ = "phases"
    name: Mapped[str] = mapped_column(String(20), unique=True)
    rank: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(Text, default="")


class PriorityArea(Versioned, Base):
    """A procurement priority capability area with its learning-curve rate."""

    __tablename__ = "priority_areas"
    code: Mapped[str] = mapped_column(String(40), unique=True, index=True)
    name: Mapped[str] = mapped_column(String(120))
    learning_rate: Mapped[Decimal] = mapped_column(Numeric(5, 4), default=Decimal("0.10"))
    description: Mapped[str] = mapped_column(Text, default="")


class Course(Versioned, Base):
    """A course in the catalogue: its instructor category, length and class size."""

    __tablename__ = "courses"
    code: Mapped[str] = mapped_column(String(40), unique=True, index=True)
    name: Mapped[str] = mapped_column(String(120))
    category: Mapped[str] = mapped_column(String(40), index=True)
    duration_weeks: Mapped[int] = mapped_column(Integer)
    class_size: Mapped[int] = mapped_column(Integer)
    instructors_per_class: Mapped[int] = mapped_column(Integer)
