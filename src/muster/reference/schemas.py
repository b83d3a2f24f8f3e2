"""API shapes of the reference tables."""

from __future__ import annotations

from decimal import Decimal

from pydantic import Field

from muster.schemas import NationCode, ReadBase, StrictInput, make_update


class NationIn(StrictInput):
    code: str = NationCode
    name: str = Field(min_length=1, max_length=80, examples=["Latvia"])
    eu_member: bool = False
    nato_member: bool = False
    eea_efta: bool = False
    eumam_contributor: bool = False
    coalition_member: bool = False
    partner: bool = False


class NationOut(ReadBase, NationIn):
    pass


NationUpdate = make_update(NationIn, "NationUpdate")


class CourseIn(StrictInput):
    code: str = Field(min_length=1, max_length=40, pattern=r"^[A-Z0-9-]+$", examples=["MEDIC"])
    name: str = Field(min_length=1, max_length=120, examples=["Combat medic"])
    category: str = Field(min_length=1, max_length=40, pattern=r"^[a-z_]+$", examples=["medical"])
    duration_weeks: int = Field(ge=1, le=52, examples=[4])
    class_size: int = Field(ge=1, le=1000, examples=[30])
    instructors_per_class: int = Field(ge=1, le=100, examples=[4])


class CourseOut(ReadBase, CourseIn):
    pass


CourseUpdate = make_update(CourseIn, "CourseUpdate")


class PriorityAreaIn(StrictInput):
    code: str = Field(
        min_length=1, max_length=40, pattern=r"^[a-z_]+$", examples=["air_missile_defence"]
    )
    name: str = Field(min_length=1, max_length=120)
    learning_rate: Decimal = Field(
        default=Decimal("0.10"),
        ge=0,
        lt=1,
        max_digits=5,
        decimal_places=4,
        description="Unit-cost fall per doubling of quantity",
    )
    description: str = ""


class PriorityAreaOut(ReadBase, PriorityAreaIn):
    pass


PriorityAreaUpdate = make_update(PriorityAreaIn, "PriorityAreaUpdate")


class PhaseOut(ReadBase):
    name: str
    rank: int
    description: str
