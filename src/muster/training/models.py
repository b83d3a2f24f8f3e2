"""Tables of the training pillar: sites, pledges, requests, cohorts, history."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, Date, DateTime, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from muster.db import Base, Versioned


class Site(Versioned, Base):
    """A training site; sites inside Ukraine open only when their `condition` holds."""

    __tablename__ = "sites"
    name: Mapped[str] = mapped_column(String(120), unique=True)
    host_nation: Mapped[str] = mapped_column(ForeignKey("nations.code"), index=True)
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    in_ukraine: Mapped[bool] = mapped_column(Boolean, default=False)
    weekly_capacity: Mapped[int] = mapped_column(Integer)
    course_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    condition: Mapped[str] = mapped_column(Text, default="")
    zone: Mapped[str | None] = mapped_column(String(60), nullable=True)
    status: Mapped[str] = mapped_column(String(20), default="active")
    note: Mapped[str] = mapped_column(Text, default="")


class Pledge(Versioned, Base):
    """Instructors a nation pledges for a course category over a period, with conditions."""

    __tablename__ = "pledges"
    nation: Mapped[str] = mapped_column(ForeignKey("nations.code"), index=True)
    course_category: Mapped[str] = mapped_column(String(40), index=True)
    instructors: Mapped[int] = mapped_column(Integer)
    week_from: Mapped[dt.date] = mapped_column(Date)
    week_to: Mapped[dt.date] = mapped_column(Date)
    eu_soil_only: Mapped[bool] = mapped_column(Boolean, default=True)
    ukraine_condition: Mapped[str] = mapped_column(Text, default="")
    condition: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="offered")
    note: Mapped[str] = mapped_column(Text, default="")


class TrainingRequest(Versioned, Base):
    """Ukraine's request: a course, a number of trainees, a window and a priority."""

    __tablename__ = "training_requests"
    course_code: Mapped[str] = mapped_column(ForeignKey("courses.code"), index=True)
    trainees: Mapped[int] = mapped_column(Integer)
    earliest_start: Mapped[dt.date] = mapped_column(Date)
    latest_end: Mapped[dt.date] = mapped_column(Date)
    priority: Mapped[int] = mapped_column(Integer, default=3)
    status: Mapped[str] = mapped_column(String(20), default="open")
    note: Mapped[str] = mapped_column(Text, default="")


class Cohort(Versioned, Base):
    """A class of trainees from one request, at one site, from a start week."""

    __tablename__ = "cohorts"
    request_id: Mapped[int] = mapped_column(ForeignKey("training_requests.id"), index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    start_week: Mapped[dt.date] = mapped_column(Date)
    trainees: Mapped[int] = mapped_column(Integer)
    instructors: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(20), default="planned")
    plan_id: Mapped[int | None] = mapped_column(Integer, nullable=True)


class TrainingTotal(Versioned, Base):
    """A public milestone of the cumulative number of Ukrainian soldiers trained."""

    __tablename__ = "training_totals"
    as_of: Mapped[dt.date] = mapped_column(Date, unique=True)
    cumulative_trained: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(Text, default="")


class Plan(Versioned, Base):
    """A training plan: the solver job, its inputs' snapshot, statistics and cohorts.

    Status runs queued → running → done (or failed / cancelled); one done plan can be
    approved, which writes its cohorts into the `cohorts` table.
    """

    __tablename__ = "plans"
    name: Mapped[str] = mapped_column(String(120), default="")
    scenario_id: Mapped[int | None] = mapped_column(ForeignKey("scenarios.id"), nullable=True)
    status: Mapped[str] = mapped_column(String(20), default="queued", index=True)
    horizon_start: Mapped[dt.date] = mapped_column(Date)
    horizon_weeks: Mapped[int] = mapped_column(Integer)
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    inputs: Mapped[dict] = mapped_column(JSON, default=dict)
    stats: Mapped[dict] = mapped_column(JSON, default=dict)
    result: Mapped[dict] = mapped_column(JSON, default=dict)
    progress: Mapped[list] = mapped_column(JSON, default=list)
    error: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(80), default="")
    approved_by: Mapped[str | None] = mapped_column(String(80), nullable=True)
    approved_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
