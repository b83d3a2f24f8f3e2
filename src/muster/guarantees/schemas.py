"""API shapes of the guarantees pillar."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from muster.schemas import NationCode, ReadBase, StrictInput, make_update

ContributionKind = Literal[
    "troops", "instructors", "intelligence", "air_defence", "supplies", "funding"
]
ContributionStatus = Literal["offered", "confirmed", "deployed", "rotated_out", "withdrawn"]
PhaseFrom = Literal["hostilities", "truce", "ceasefire", "peace"]


class ForceRequirementIn(StrictInput):
    capability: str = Field(min_length=1, max_length=60, examples=["infantry_battalion"])
    zone: str = Field(min_length=1, max_length=60, examples=["western_non_combat"])
    quantity: int = Field(ge=1, le=1_000_000, examples=[3])
    unit: str = Field(default="personnel", max_length=30, examples=["battalions"])
    phase_from: PhaseFrom = "ceasefire"
    rotation_weeks: int = Field(default=26, ge=1, le=260)
    priority: int = Field(default=3, ge=1, le=5)
    note: str = ""


class ForceRequirementOut(ReadBase, ForceRequirementIn):
    pass


ForceRequirementUpdate = make_update(ForceRequirementIn, "ForceRequirementUpdate")


class ContributionIn(StrictInput):
    nation: str = NationCode
    kind: ContributionKind
    capability: str | None = Field(default=None, max_length=60, examples=["air_defence_battery"])
    quantity: int = Field(default=0, ge=0, le=1_000_000)
    unit: str = Field(default="personnel", max_length=30)
    amount_cents: int | None = Field(default=None, ge=0, description="For funding, in euro cents")
    zones: list[str] = Field(default_factory=list, examples=[["airspace", "kyiv_hq"]])
    condition: str = Field(default="", examples=["us_backstop and phase >= ceasefire"])
    rotation_weeks: int | None = Field(default=None, ge=1, le=260)
    status: ContributionStatus = "offered"
    confirmed_on: dt.date | None = Field(default=None, description="Date it was confirmed")
    deployed_on: dt.date | None = Field(default=None, description="Date it deployed")
    rotated_out_on: dt.date | None = Field(default=None, description="Date it rotated out")
    round_id: int | None = Field(default=None, description="The sourcing round it answers")
    note: str = ""


class ContributionOut(ReadBase, ContributionIn):
    pass


ContributionUpdate = make_update(ContributionIn, "ContributionUpdate")


class CapabilitySubstitutionIn(StrictInput):
    provided: str = Field(min_length=1, max_length=60, examples=["mechanised_battalion"])
    required: str = Field(min_length=1, max_length=60, examples=["infantry_battalion"])
    ratio: float = Field(
        default=1.0,
        gt=0,
        le=100,
        description="One unit of `provided` counts as this many units of `required`",
    )
    note: str = ""


class CapabilitySubstitutionOut(ReadBase, CapabilitySubstitutionIn):
    pass


CapabilitySubstitutionUpdate = make_update(CapabilitySubstitutionIn, "CapabilitySubstitutionUpdate")

Basis = Literal["promised", "confirmed", "deployed"]
GapDecision = Literal["open", "accepted", "ask_again"]


class StatusChange(StrictInput):
    status: ContributionStatus = Field(examples=["deployed"])
    on: dt.date | None = Field(default=None, description="Date of the change (default: today)")
    version: int = Field(ge=1, description="The version you read; stale gets 409.")


class AssignmentOut(BaseModel):
    contribution_id: int
    requirement_id: int
    nation: str
    units: int
    coverage: float
    substituted: bool
    rotation_factor: float


class RequirementFillOut(BaseModel):
    requirement_id: int
    capability: str
    zone: str
    unit: str
    priority: int
    required: float
    covered: float
    fill_rate: float
    shortfall: float
    nations: list[str]


class ZoneFillOut(BaseModel):
    zone: str
    requirements: int
    filled: int
    fill_rate: float
    shortfall: dict[str, float]
    air_defence_covered: bool


class SourcingOut(BaseModel):
    scenario_id: int
    scenario: str
    week: dt.date
    phase: str
    basis: Basis
    fill_rate: float = Field(description="Priority-weighted fill over the requirements needed")
    objective: float
    best_possible: float
    optimal: bool
    status: str
    wall_time_s: float
    requirements: list[RequirementFillOut]
    not_needed_yet: list[int] = Field(description="Requirements whose phase is not reached")
    zones: list[ZoneFillOut]
    assignments: list[AssignmentOut]
    spare: dict[int, int] = Field(description="Contribution id -> units available, unassigned")
    conditions: dict[str, bool] = Field(description="Coverage conditions for other pillars")


class BlockedOut(BaseModel):
    contribution_id: int
    nation: str
    blocking: list[str]


class UnlockOut(BaseModel):
    condition: str
    gain: float = Field(description="Increase of Σ priority × fill rate")
    optimal: bool = Field(
        description="The re-solve was proven optimal within the what-if's time budget"
    )
    gain_bound: float = Field(
        description="Proven upper bound on the gain (equals `gain` when optimal)"
    )
    fill_rate: float
    closed: dict[str, float] = Field(description="Shortfall closed per unit of measure")
    by_requirement: dict[int, float]
    unlocked: list[int]
    used: list[int]
    lost: list[int]
    still_blocked: list[BlockedOut] = Field(
        description="Contributions naming this condition that would still wait on others"
    )
    summary: str


class CandidateOut(BaseModel):
    contribution_id: int
    nation: str
    capability: str
    units_free: int
    factor: float
    available: bool
    condition: str


class RequirementCandidatesOut(BaseModel):
    requirement_id: int
    capability: str
    zone: str
    shortfall: float
    candidates: list[CandidateOut]


class WhatIfOut(BaseModel):
    scenario_id: int
    week: dt.date
    phase: str
    basis: Basis
    fill_rate: float
    conditions: list[UnlockOut]
    requirements: list[RequirementCandidatesOut]


class RoundIn(StrictInput):
    title: str = Field(default="", max_length=200, examples=["Statement of requirements 1"])
    scenario_id: int | None = Field(default=None, description="Default: the reality")
    week: dt.date = Field(examples=["2027-02-01"])
    basis: Basis = "promised"
    closes_on: dt.date | None = None
    note: str = ""


class GapOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    version: int
    requirement_id: int | None
    capability: str
    zone: str
    unit: str
    required: float
    covered: float
    shortfall: float
    decision: GapDecision
    note: str


class RoundOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    version: int
    number: int
    title: str
    scenario_id: int | None
    week: dt.date
    basis: Basis
    issued_on: dt.date
    closes_on: dt.date | None
    status: Literal["open", "closed"]
    fill_rate: float
    note: str
    gaps: list[GapOut] = []
    answers: list[int] = Field(default=[], description="Contributions answering this round")


class GapDecisionIn(StrictInput):
    decision: GapDecision
    note: str | None = None
    version: int = Field(ge=1, description="The version you read; stale gets 409.")


class VersionIn(StrictInput):
    version: int = Field(ge=1, description="The version you read; stale gets 409.")


class Figure(BaseModel):
    data: list[dict[str, Any]]
    layout: dict[str, Any]
