"""API shapes of the training pillar."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from muster.schemas import NationCode, ReadBase, StrictInput, make_update

SiteStatus = Literal["active", "candidate", "closed"]
PledgeStatus = Literal["offered", "confirmed", "withdrawn"]
RequestStatus = Literal["open", "planned", "closed", "withdrawn"]
CohortStatus = Literal["planned", "running", "completed", "paused", "cancelled"]


class SiteIn(StrictInput):
    name: str = Field(min_length=1, max_length=120, examples=["Strausberg (ST-C)"])
    host_nation: str = NationCode
    latitude: float = Field(ge=-90, le=90, examples=[52.58])
    longitude: float = Field(ge=-180, le=180, examples=[13.88])
    in_ukraine: bool = False
    weekly_capacity: int = Field(
        ge=0, le=100_000, description="Trainees present at once", examples=[1200]
    )
    course_codes: list[str] = Field(default_factory=list, examples=[["BASIC", "MEDIC"]])
    condition: str = Field(
        default="",
        description="Condition expression for the site to open",
        examples=["phase >= ceasefire and site_lviv_cleared"],
    )
    zone: str | None = Field(default=None, examples=["western_non_combat"])
    status: SiteStatus = "active"
    note: str = ""


class SiteOut(ReadBase, SiteIn):
    pass


SiteUpdate = make_update(SiteIn, "SiteUpdate")


class PledgeIn(StrictInput):
    nation: str = NationCode
    course_category: str = Field(min_length=1, max_length=40, examples=["artillery"])
    instructors: int = Field(ge=1, le=10_000, examples=[24])
    week_from: dt.date = Field(
        description="Monday of the first week (other days are moved to their Monday)",
        examples=["2026-01-05"],
    )
    week_to: dt.date = Field(description="Monday of the last week", examples=["2026-06-29"])
    eu_soil_only: bool = Field(default=True, description="Never deployed inside Ukraine")
    ukraine_condition: str = Field(
        default="",
        description="Condition for instructors to teach inside Ukraine",
        examples=["phase >= ceasefire and ceasefire_parameters_agreed"],
    )
    condition: str = Field(
        default="", description="Condition for the pledge to hold at all", examples=["us_backstop"]
    )
    status: PledgeStatus = "offered"
    note: str = ""


class PledgeOut(ReadBase, PledgeIn):
    pass


PledgeUpdate = make_update(PledgeIn, "PledgeUpdate")


class TrainingRequestIn(StrictInput):
    course_code: str = Field(min_length=1, max_length=40, examples=["ARTY-155"])
    trainees: int = Field(ge=1, le=100_000, examples=[240])
    earliest_start: dt.date = Field(examples=["2026-02-02"])
    latest_end: dt.date = Field(examples=["2026-05-25"])
    priority: int = Field(default=3, ge=1, le=5, description="5 is most urgent")
    status: RequestStatus = "open"
    note: str = ""


class TrainingRequestOut(ReadBase, TrainingRequestIn):
    pass


TrainingRequestUpdate = make_update(TrainingRequestIn, "TrainingRequestUpdate")


class CohortIn(StrictInput):
    request_id: int = Field(ge=1)
    site_id: int = Field(ge=1)
    start_week: dt.date
    trainees: int = Field(ge=1, le=10_000)
    instructors: dict[str, int] = Field(
        default_factory=dict,
        description="Instructors by nation code",
        examples=[{"DE": 4, "NL": 2}],
    )
    status: CohortStatus = "planned"
    plan_id: int | None = None


class CohortOut(ReadBase, CohortIn):
    pass


CohortUpdate = make_update(CohortIn, "CohortUpdate")


class TrainingTotalIn(StrictInput):
    as_of: dt.date
    cumulative_trained: int = Field(ge=0)
    source: str = ""


class TrainingTotalOut(ReadBase, TrainingTotalIn):
    pass


TrainingTotalUpdate = make_update(TrainingTotalIn, "TrainingTotalUpdate")


class PinIn(StrictInput):
    cohort_id: str = Field(
        min_length=1,
        max_length=40,
        description="A cohort id of the approved plan's result",
        examples=["c12"],
    )
    keep: Literal["cohort", "site", "week"] = Field(
        default="cohort", description="Keep it wholly, only its site, or only its week"
    )


class PlanIn(StrictInput):
    scenario_id: int | None = Field(default=None, description="Default: the reality scenario")
    start: dt.date | None = Field(default=None, description="First week; default: this week")
    weeks: int = Field(default=52, ge=1, le=260)
    time_limit: float = Field(default=10.0, ge=0.1, le=3600, description="Seconds")
    seed: int = Field(default=0, ge=0)
    deterministic: bool = Field(default=False, description="Same input, same plan")
    release_per_week: int | None = Field(
        default=None, ge=0, description="Trainees Ukraine can release to start per week"
    )
    name: str = Field(default="", max_length=120)
    stable: bool = Field(default=False, description="Change as little of the approved plan as pays")
    pins: list[PinIn] = Field(
        default_factory=list, description="Cohorts of the approved plan to keep"
    )


class PlanSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    version: int
    name: str
    scenario_id: int | None
    status: str
    horizon_start: dt.date
    horizon_weeks: int
    params: dict
    stats: dict
    progress: list
    error: str
    created_by: str
    created_at: dt.datetime | None = None
    approved_by: str | None
    approved_at: dt.datetime | None


class PlanOut(PlanSummary):
    result: dict


class Approve(StrictInput):
    version: int = Field(ge=1)


class PlanDiff(BaseModel):
    against: int | None
    kept: int
    moved: list[dict]
    added: list[dict]
    removed: list[dict]


class RepairIn(StrictInput):
    breach_week: dt.date = Field(examples=["2027-07-05"])


class RepairOut(BaseModel):
    plan: PlanOut
    diff: PlanDiff


class RecommendIn(StrictInput):
    course_code: str = Field(min_length=1, max_length=40, examples=["MEDIC"])
    trainees: int = Field(ge=1, le=100_000, examples=[48])
    earliest_start: dt.date
    latest_end: dt.date
    priority: int = Field(default=3, ge=1, le=5)
    k: int = Field(default=3, ge=1, le=10, description="How many options")
