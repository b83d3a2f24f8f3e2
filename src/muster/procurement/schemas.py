"""API shapes of the procurement pillar."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from pydantic import Field

from muster.schemas import NationCode, ReadBase, StrictInput, make_update

CoalitionStatus = Literal["forming", "lead_designated", "contracting", "contracted", "closed"]
ProcurementStatus = Literal["proposed", "eligible", "tendering", "contracted", "cancelled"]
LoanStatus = Literal["requested", "allocated", "signed", "withdrawn"]


class CapabilityCoalitionIn(StrictInput):
    area_code: str = Field(min_length=1, max_length=40, examples=["air_missile_defence"])
    lead_nation: str | None = Field(default=None, pattern=r"^[A-Z]{2}$", examples=["DE"])
    members: list[str] = Field(default_factory=list, examples=[["DE", "NL", "PL"]])
    lead_deadline: dt.date = Field(examples=["2025-10-31"])
    contract_deadline: dt.date | None = None
    status: CoalitionStatus = "forming"
    note: str = ""


class CapabilityCoalitionOut(ReadBase, CapabilityCoalitionIn):
    pass


CapabilityCoalitionUpdate = make_update(CapabilityCoalitionIn, "CapabilityCoalitionUpdate")


class NeedIn(StrictInput):
    nation: str = NationCode
    area_code: str = Field(min_length=1, max_length=40, examples=["drones_counter_drone"])
    item: str = Field(min_length=1, max_length=120, examples=["short-range counter-drone system"])
    quantity: int = Field(ge=1, le=10_000_000, examples=[40])
    unit_cost_cents: int = Field(
        ge=0, description="Estimated unit cost in euro cents", examples=[250_000_000]
    )
    delivery_year: int | None = Field(default=None, ge=2025, le=2060, examples=[2027])
    note: str = ""


class NeedOut(ReadBase, NeedIn):
    pass


NeedUpdate = make_update(NeedIn, "NeedUpdate")


class JointProcurementIn(StrictInput):
    lead_nation: str = NationCode
    participants: list[str] = Field(min_length=1, examples=[["PL", "LT", "UA"]])
    area_code: str = Field(min_length=1, max_length=40)
    item: str = Field(min_length=1, max_length=120)
    quantity: int = Field(ge=1)
    eu_origin_share: Decimal = Field(
        default=Decimal("1"),
        ge=0,
        le=1,
        max_digits=5,
        decimal_places=4,
        description="Share of component cost from EU/EEA/UA",
    )
    status: ProcurementStatus = "proposed"
    contract_date: dt.date | None = None
    note: str = ""


class JointProcurementOut(ReadBase, JointProcurementIn):
    pass


JointProcurementUpdate = make_update(JointProcurementIn, "JointProcurementUpdate")


class LoanRequestIn(StrictInput):
    nation: str = NationCode
    amount_cents: int = Field(ge=1, description="Requested loan in euro cents")
    status: LoanStatus = "requested"
    note: str = ""


class LoanRequestOut(ReadBase, LoanRequestIn):
    pass


LoanRequestUpdate = make_update(LoanRequestIn, "LoanRequestUpdate")
