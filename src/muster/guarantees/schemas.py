"""API shapes of the guarantees pillar."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

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
    note: str = ""


class ContributionOut(ReadBase, ContributionIn):
    pass


ContributionUpdate = make_update(ContributionIn, "ContributionUpdate")
