"""API shapes of the scenario pillar."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field

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
