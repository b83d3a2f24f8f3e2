"""API shapes of the scenario pillar."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

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
