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


Stance = Literal["support", "support_with_conditions", "wait_for_ceasefire", "oppose", "abstain"]
ProposalStatus = Literal["open", "adopted", "withdrawn"]


class MandateProposalIn(StrictInput):
    title: str = Field(
        min_length=1,
        max_length=200,
        examples=["Amend EUMAM Ukraine mandate to allow training on Ukrainian soil"],
    )
    text: str = ""
    scenario_id: int | None = Field(
        default=None, ge=1, description="Empty: the proposal exists in every scenario"
    )
    status: ProposalStatus = Field(
        default="open",
        description="open: agreement comes from the positions; adopted: the Council has "
        "adopted it (holds in every week); withdrawn: ignored",
    )
    source: str = ""


class MandateProposalOut(ReadBase, MandateProposalIn):
    pass


MandateProposalUpdate = make_update(MandateProposalIn, "MandateProposalUpdate")


class MandatePositionIn(StrictInput):
    proposal_id: int = Field(ge=1)
    nation: str = Field(
        min_length=2,
        max_length=2,
        pattern=r"^[A-Z]{2}$",
        description="An EU member state (ISO 3166-1 alpha-2)",
        examples=["LV"],
    )
    scenario_id: int | None = Field(
        default=None,
        ge=1,
        description="Empty: the recorded position, in every scenario; a scenario: a what-if "
        "override of this nation's position there",
    )
    stance: Stance = Field(examples=["support_with_conditions"])
    stated_conditions: str = Field(
        default="", description="The conditions as the nation stated them (free text)"
    )
    condition: str = Field(
        default="",
        max_length=2000,
        description="For support_with_conditions: the stated conditions as a condition "
        "expression, evaluated per week (e.g. ceasefire_parameters_agreed)",
        examples=["phase >= ceasefire and ceasefire_parameters_agreed"],
    )
    conditions_met: bool = Field(
        default=False,
        description="For support_with_conditions without an expression: a planner records "
        "that the free-text conditions are met",
    )
    date: dt.date = Field(
        description="When the position was stated; it applies from that week on",
        examples=["2025-08-29"],
    )
    source: str = Field(min_length=1, description="Where the position is reported (required)")
    note: str = ""


class MandatePositionOut(ReadBase, MandatePositionIn):
    pass


MandatePositionUpdate = make_update(MandatePositionIn, "MandatePositionUpdate")


class MandateBlocker(BaseModel):
    nation: str
    name: str
    stance: str = Field(description="The stance in force, or `unknown` (no recorded position)")
    stated_conditions: str
    condition: str
    conditions_met: bool
    date: dt.date | None
    source: str
    scope: str = Field(description="baseline, scenario (a what-if override) or none")
    position_id: int | None
    first_agreeing_week: dt.date | None = Field(
        description="First week in the horizon in which this position agrees"
    )


class MandateProposalState(BaseModel):
    proposal_id: int
    title: str
    status: str
    scope: str
    holds: bool
    first_week: dt.date | None = Field(description="First week in the horizon it holds")
    weeks_from_now: int | None
    member_states: int
    agreeing: list[str]
    abstaining: list[str]
    blockers: list[MandateBlocker]


class MandateState(BaseModel):
    scenario_id: int
    scenario: str
    week: dt.date
    horizon_weeks: int
    holds: bool = Field(description="Whether `mandate_amended` holds in the week")
    first_week: dt.date | None = Field(
        description="First week in the horizon in which `mandate_amended` holds"
    )
    weeks_from_now: int | None
    proposals: list[MandateProposalState]
