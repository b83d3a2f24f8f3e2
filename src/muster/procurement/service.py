"""Procurement services: validation of coalitions, needs, joint procurements, loan requests."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from muster.crud import Resource, require, require_all
from muster.errors import Invalid
from muster.procurement.models import CapabilityCoalition, JointProcurement, LoanRequest, Need
from muster.procurement.schemas import (
    CapabilityCoalitionIn,
    CapabilityCoalitionOut,
    CapabilityCoalitionUpdate,
    JointProcurementIn,
    JointProcurementOut,
    JointProcurementUpdate,
    LoanRequestIn,
    LoanRequestOut,
    LoanRequestUpdate,
    NeedIn,
    NeedOut,
    NeedUpdate,
)
from muster.reference.models import Nation, PriorityArea

PLANNERS = frozenset({"admin", "planner"})


def _check_coalition(db_session: Session, values: dict[str, Any], row: Any) -> dict[str, Any]:
    require(db_session, PriorityArea, "code", values["area_code"], "area_code", "priority area")
    require(db_session, Nation, "code", values["lead_nation"], "lead_nation", "nation")
    require_all(db_session, Nation, "code", values["members"], "members", "nation")
    return values


def _check_need(db_session: Session, values: dict[str, Any], row: Any) -> dict[str, Any]:
    require(db_session, Nation, "code", values["nation"], "nation", "nation")
    require(db_session, PriorityArea, "code", values["area_code"], "area_code", "priority area")
    return values


def _check_joint(db_session: Session, values: dict[str, Any], row: Any) -> dict[str, Any]:
    require(db_session, Nation, "code", values["lead_nation"], "lead_nation", "nation")
    require(db_session, PriorityArea, "code", values["area_code"], "area_code", "priority area")
    require_all(db_session, Nation, "code", values["participants"], "participants", "nation")
    if values["lead_nation"] not in values["participants"]:
        raise Invalid("the lead nation must be one of the participants", field="participants")
    if len(set(values["participants"])) != len(values["participants"]):
        raise Invalid("a participant is listed twice", field="participants")
    return values


def _check_loan(db_session: Session, values: dict[str, Any], row: Any) -> dict[str, Any]:
    require(db_session, Nation, "code", values["nation"], "nation", "nation")
    return values


COALITIONS = Resource(
    name="capability-coalitions",
    entity="capability_coalition",
    model=CapabilityCoalition,
    create_schema=CapabilityCoalitionIn,
    update_schema=CapabilityCoalitionUpdate,
    read_schema=CapabilityCoalitionOut,
    writers=PLANNERS,
    filters=("area_code", "status"),
    check=_check_coalition,
    title="Capability coalitions",
    tags=("procurement",),
)
NEEDS = Resource(
    name="needs",
    entity="need",
    model=Need,
    create_schema=NeedIn,
    update_schema=NeedUpdate,
    read_schema=NeedOut,
    writers=frozenset({"admin", "planner", "nation", "liaison"}),
    nation_field="nation",
    filters=("nation", "area_code", "item"),
    check=_check_need,
    title="Procurement needs",
    tags=("procurement",),
)
JOINT_PROCUREMENTS = Resource(
    name="joint-procurements",
    entity="joint_procurement",
    model=JointProcurement,
    create_schema=JointProcurementIn,
    update_schema=JointProcurementUpdate,
    read_schema=JointProcurementOut,
    writers=PLANNERS,
    filters=("lead_nation", "area_code", "status"),
    check=_check_joint,
    title="Joint procurements",
    tags=("procurement",),
)
LOAN_REQUESTS = Resource(
    name="loan-requests",
    entity="loan_request",
    model=LoanRequest,
    create_schema=LoanRequestIn,
    update_schema=LoanRequestUpdate,
    read_schema=LoanRequestOut,
    writers=frozenset({"admin", "planner", "nation"}),
    nation_field="nation",
    filters=("nation", "status"),
    check=_check_loan,
    title="Loan requests",
    tags=("procurement",),
)
RESOURCES = (COALITIONS, NEEDS, JOINT_PROCUREMENTS, LOAN_REQUESTS)
