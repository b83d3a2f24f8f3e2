"""API shapes of the scenario pillar."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from muster.schemas import ReadBase, StrictInput, make_update

PhaseName = Literal["hostilities", "truce", "ceasefire", "peace", "breach"]


class ScenarioIn(StrictInput):
    name: str = Field(min_length=1, max_length=80, examples=["Ceasefire in March"])
    description: str = ""
    is_reality: bool = False


class ScenarioOut(ReadBase, ScenarioIn):
    pass


ScenarioUpdate = make_update(ScenarioIn, "ScenarioUpdate")


class PhaseEventIn(StrictInput):
    scenario_id: int = Field(ge=1)
    date: dt.date = Field(description="Moved to the Monday of its week", examples=["2026-03-02"])
    phase: PhaseName = Field(description="`breach` returns to hostilities")
    note: str = ""


class PhaseEventOut(ReadBase, PhaseEventIn):
    pass


PhaseEventUpdate = make_update(PhaseEventIn, "PhaseEventUpdate")


class ConditionIn(StrictInput):
    name: str = Field(min_length=1, max_length=60, examples=["us_backstop"])
    description: str = ""
    holds: bool = False


class ConditionOut(ReadBase, ConditionIn):
    pass


ConditionUpdate = make_update(ConditionIn, "ConditionUpdate")


class ConditionEventIn(StrictInput):
    scenario_id: int = Field(ge=1)
    date: dt.date = Field(description="Moved to the Monday of its week", examples=["2027-01-04"])
    condition: str = Field(min_length=1, max_length=60, examples=["ceasefire_parameters_agreed"])
    holds: bool = True
    note: str = ""


class ConditionEventOut(ReadBase, ConditionEventIn):
    pass


ConditionEventUpdate = make_update(ConditionEventIn, "ConditionEventUpdate")


class SiteReadiness(BaseModel):
    site_id: int
    site: str
    condition: str
    open_now: bool
    blocking: list[str] = Field(description="Parts of the condition that do not hold now")
    first_open_week: dt.date | None = Field(description="First week in the horizon it opens")
    weeks_from_now: int | None


class Usable(BaseModel):
    scenario_id: int
    week: dt.date
    phase: str
    conditions: dict[str, bool]
    open_sites: list[int]
    closed_sites: list[int]
    pledges_usable: list[int]
    pledges_usable_in_ukraine: list[int]
    contributions_usable: list[int]


class ContingencyIn(StrictInput):
    scenario_id: int | None = Field(default=None, description="Default: the reality scenario")
    trigger_phase: Literal["truce", "ceasefire", "peace"] = "ceasefire"
    trigger_week: dt.date = Field(examples=["2027-01-04"])
    start: dt.date | None = Field(default=None, description="First week; default: this week")
    weeks: int = Field(default=52, ge=1, le=260)
    time_limit: float = Field(default=10.0, ge=0.1, le=3600)
    seed: int = Field(default=0, ge=0)


class ContingencyReadiness(BaseModel):
    plan_status: str | None
    first_in_country_week: dt.date | None
    weeks_to_first_in_country: int | None
    in_country_trainees: int


class ContingencyOut(BaseModel):
    id: int
    version: int
    scenario_id: int
    trigger_phase: str
    trigger_week: dt.date
    plan_id: int | None
    status: str
    readiness: ContingencyReadiness
    event_id: int | None = None
    event_date: dt.date | None = None


class Activate(StrictInput):
    version: int = Field(ge=1)


class MonteCarloIn(StrictInput):
    config: dict | None = Field(
        default=None, description="Model configuration; default: GET /montecarlo/default"
    )
    draws: int = Field(default=10_000, ge=1, le=5_000_000)
    seed: int = Field(default=0, ge=0)
    use_dask: bool = Field(default=False, description="Run chunks on a local Dask cluster")
    scheduler_address: str | None = Field(
        default=None, max_length=200, description="A Dask scheduler to use instead"
    )
    name: str = Field(default="", max_length=120)


class MonteCarloOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    version: int
    name: str
    status: str
    draws: int
    seed: int
    use_dask: bool
    progress: list
    error: str
    created_by: str
    config: dict
    result: dict
