"""Tables of the scenario pillar: named timelines, their phase events, named conditions."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text
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


class ContingencyPlan(Versioned, Base):
    """A plan solved in advance for a trigger (e.g. a formal ceasefire in a given week),
    proposed for activation when the matching event is recorded."""

    __tablename__ = "contingency_plans"
    scenario_id: Mapped[int] = mapped_column(ForeignKey("scenarios.id"), index=True)
    trigger_phase: Mapped[str] = mapped_column(String(20), default="ceasefire")
    trigger_week: Mapped[dt.date] = mapped_column(Date)
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("plans.id"), nullable=True)
    status: Mapped[str] = mapped_column(String(20), default="prepared")
    note: Mapped[str] = mapped_column(Text, default="")


class MonteCarloRun(Versioned, Base):
    """A Monte Carlo comparison of policies, run as a background job; the seed and the
    configuration reproduce it exactly."""

    __tablename__ = "montecarlo_runs"
    name: Mapped[str] = mapped_column(String(120), default="")
    status: Mapped[str] = mapped_column(String(20), default="queued", index=True)
    config: Mapped[dict] = mapped_column(JSON, default=dict)
    draws: Mapped[int] = mapped_column(Integer)
    seed: Mapped[int] = mapped_column(Integer)
    use_dask: Mapped[bool] = mapped_column(Boolean, default=False)
    scheduler_address: Mapped[str | None] = mapped_column(String(200), nullable=True)
    progress: Mapped[list] = mapped_column(JSON, default=list)
    result: Mapped[dict] = mapped_column(JSON, default=dict)
    error: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(80), default="")


class MandateProposal(Versioned, Base):
    """A proposal to change the mandate of the mission (e.g. EUMAM Ukraine training on
    Ukrainian soil), which needs every EU member state to agree. `scenario_id` None: the
    proposal exists in every scenario; otherwise only in that what-if."""

    __tablename__ = "mandate_proposals"
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text, default="")
    scenario_id: Mapped[int | None] = mapped_column(
        ForeignKey("scenarios.id"), nullable=True, index=True
    )
    status: Mapped[str] = mapped_column(String(20), default="open")
    source: Mapped[str] = mapped_column(Text, default="")


class MandatePosition(Versioned, Base):
    """A member state's stated position on a proposal, from the week of `date` on.

    `scenario_id` None: the recorded (baseline) position, in every scenario; otherwise a
    what-if override of that nation's position in that scenario only."""

    __tablename__ = "mandate_positions"
    proposal_id: Mapped[int] = mapped_column(ForeignKey("mandate_proposals.id"), index=True)
    nation: Mapped[str] = mapped_column(String(2), index=True)
    scenario_id: Mapped[int | None] = mapped_column(
        ForeignKey("scenarios.id"), nullable=True, index=True
    )
    stance: Mapped[str] = mapped_column(String(30))
    stated_conditions: Mapped[str] = mapped_column(Text, default="")
    condition: Mapped[str] = mapped_column(Text, default="")
    conditions_met: Mapped[bool] = mapped_column(Boolean, default=False)
    date: Mapped[dt.date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(Text)
    note: Mapped[str] = mapped_column(Text, default="")
