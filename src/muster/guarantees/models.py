"""Tables of the guarantees pillar: force requirements, conditional contributions, capability
substitutions, and the rounds of a force-sourcing conference with their gaps."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, BigInteger, Date, Float, ForeignKey, Integer, String, Text
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
    """What a nation offers, under which conditions, in which zones; the dates of its status
    changes tell what is on the ground in a week apart from what was promised."""

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
    confirmed_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    deployed_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    rotated_out_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    round_id: Mapped[int | None] = mapped_column(
        ForeignKey("sourcing_rounds.id", ondelete="SET NULL"), nullable=True, index=True
    )
    note: Mapped[str] = mapped_column(Text, default="")


class CapabilitySubstitution(Versioned, Base):
    """One unit of `provided` counts as `ratio` units of `required` (e.g. a mechanised
    company for an infantry company, ratio 1)."""

    __tablename__ = "capability_substitutions"
    provided: Mapped[str] = mapped_column(String(60), index=True)
    required: Mapped[str] = mapped_column(String(60), index=True)
    ratio: Mapped[float] = mapped_column(Float, default=1.0)
    note: Mapped[str] = mapped_column(Text, default="")


class SourcingRound(Versioned, Base):
    """One round of a force-sourcing conference: a statement of requirements issued for a
    scenario week, answered by nations until it closes."""

    __tablename__ = "sourcing_rounds"
    number: Mapped[int] = mapped_column(Integer, unique=True)
    title: Mapped[str] = mapped_column(String(200), default="")
    scenario_id: Mapped[int | None] = mapped_column(
        ForeignKey("scenarios.id", ondelete="SET NULL"), nullable=True
    )
    week: Mapped[dt.date] = mapped_column(Date)
    basis: Mapped[str] = mapped_column(String(20), default="promised")
    issued_on: Mapped[dt.date] = mapped_column(Date)
    closes_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    status: Mapped[str] = mapped_column(String(20), default="open")
    fill_rate: Mapped[float] = mapped_column(Float, default=0.0)
    note: Mapped[str] = mapped_column(Text, default="")


class SourcingGap(Versioned, Base):
    """A requirement short of its quantity when a round was issued, and what was decided:
    `open`, `accepted` (the coalition lives with it) or `ask_again` (in the next round)."""

    __tablename__ = "sourcing_gaps"
    round_id: Mapped[int] = mapped_column(
        ForeignKey("sourcing_rounds.id", ondelete="CASCADE"), index=True
    )
    requirement_id: Mapped[int | None] = mapped_column(
        ForeignKey("force_requirements.id", ondelete="SET NULL"), nullable=True
    )
    capability: Mapped[str] = mapped_column(String(60))
    zone: Mapped[str] = mapped_column(String(60))
    unit: Mapped[str] = mapped_column(String(30))
    required: Mapped[float] = mapped_column(Float)
    covered: Mapped[float] = mapped_column(Float)
    shortfall: Mapped[float] = mapped_column(Float)
    decision: Mapped[str] = mapped_column(String(20), default="open")
    note: Mapped[str] = mapped_column(Text, default="")
