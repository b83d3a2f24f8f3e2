"""Tables of the scenario pillar: named timelines, their phase events, named conditions."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from muster.db import Base, Versioned


class Scenario(Versioned, Base):
    """A named timeline: the current reality or a what-if."""

    __tablename__ = "scenarios"
    name: Mapped[str] = mapped_column(String(80), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    is_reality: Mapped[bool] = mapped_column(Boolean, default=False)


class PhaseEvent(Versioned, Base):
    """From `date` (a Monday) the scenario is in `phase`; phase `breach` returns to hostilities."""

    __tablename__ = "phase_events"
    scenario_id: Mapped[int] = mapped_column(ForeignKey("scenarios.id"), index=True)
    date: Mapped[dt.date] = mapped_column(Date)
    phase: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")


class Condition(Versioned, Base):
    """A named condition (e.g. `us_backstop`) and whether it holds today."""

    __tablename__ = "conditions"
    name: Mapped[str] = mapped_column(String(60), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    holds: Mapped[bool] = mapped_column(Boolean, default=False)


class ConditionEvent(Versioned, Base):
    """In a scenario, from `date` (a Monday) on, the named condition holds (or stops holding).

    Without events a condition keeps its current truth (`Condition.holds`) over the horizon.
    """

    __tablename__ = "condition_events"
    scenario_id: Mapped[int] = mapped_column(ForeignKey("scenarios.id"), index=True)
    date: Mapped[dt.date] = mapped_column(Date)
    condition: Mapped[str] = mapped_column(String(60))
    holds: Mapped[bool] = mapped_column(Boolean, default=True)
    note: Mapped[str] = mapped_column(Text, default="")
