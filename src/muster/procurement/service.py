"""Procurement services: validation of coalitions, needs, joint procurements, loan requests."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from muster.config import get_settings
from muster.crud import Resource, require, require_all
from muster.errors import Invalid
from muster.procurement import allocation, eligibility, loans, optimizer
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


# --- rules, allocation, loans and the deadline board over the stored data -----------------


def participant_status(nation: Nation) -> eligibility.Status:
    """A nation's standing under SAFE, from its reference flags."""
    return eligibility.status_from_flags(
        nation=nation.code,
        eu_member=nation.eu_member,
        eea_efta=nation.eea_efta,
        partner=nation.partner,
    )


def participants(
    *, db_session: Session, codes: list[str], agreements: frozenset[str] = frozenset()
) -> tuple[eligibility.Participant, ...]:
    """Participants for the rules: a nation borrows under SAFE when it has a loan request."""
    borrowers = set(
        db_session.scalars(
            select(LoanRequest.nation).where(LoanRequest.status != "withdrawn")
        ).all()
    )
    nations = {n.code: n for n in db_session.scalars(select(Nation).where(Nation.code.in_(codes)))}
    return tuple(
        eligibility.Participant(
            nation=code,
            status=participant_status(nations[code]),
            borrows_under_safe=code in borrowers,
            has_agreement=code in agreements,
        )
        for code in codes
        if code in nations
    )


def check_joint_procurement(
    *,
    db_session: Session,
    id: int,
    on: dt.date | None = None,
    single_nation_until: dt.date | None = None,
) -> eligibility.EligibilityResult:
    """Run every SAFE rule on a stored joint procurement; the result names each failed rule."""
    from muster.crud import get

    row = get(db_session=db_session, resource=JOINT_PROCUREMENTS, id=id)
    share = Decimal(row.eu_origin_share)
    per_mille = int(share * 1000)
    item = eligibility.ProcurementItem(
        name=row.item,
        components=(
            eligibility.ComponentOrigin(eligibility.Status.MEMBER_STATE, per_mille),
            eligibility.ComponentOrigin(eligibility.Status.OTHER, 1000 - per_mille),
        ),
    )
    procurement = eligibility.Procurement(
        participants=participants(db_session=db_session, codes=list(row.participants)),
        items=(item,),
        procured_on=on or row.contract_date or dt.date.today(),
    )
    settings = eligibility.RuleSettings(
        single_nation_until=single_nation_until or eligibility.DEFAULT_SINGLE_NATION_UNTIL
    )
    return eligibility.check(procurement, settings)


def allocate_envelope(
    *, db_session: Session, rule: str = "pro_rata", envelope_cents: int | None = None
) -> allocation.AllocationResult:
    """Share the loan envelope among the nations' requests (summed per nation) under `rule`."""
    if rule not in {r.value for r in allocation.AllocationRule}:
        raise Invalid(
            f"unknown allocation rule '{rule}'; use one of "
            f"{', '.join(r.value for r in allocation.AllocationRule)}",
            field="rule",
        )
    totals: dict[str, int] = {}
    for row in db_session.scalars(
        select(LoanRequest).where(LoanRequest.status != "withdrawn").order_by(LoanRequest.nation)
    ):
        totals[row.nation] = totals.get(row.nation, 0) + row.amount_cents
    requests = [allocation.LoanRequest(nation=n, amount_cents=a) for n, a in totals.items()]
    envelope = (
        envelope_cents if envelope_cents is not None else (get_settings().loan_envelope_cents)
    )
    if envelope <= 0:
        raise Invalid("the envelope must be positive", field="envelope_cents")
    return allocation.allocate(requests, envelope_cents=envelope, rule=rule)


def loan_schedule(
    *,
    db_session: Session,
    nation: str,
    annual_rate: Decimal,
    start: dt.date,
    frequency: str = "annual",
    amortisation: str = "linear",
    rule: str = "pro_rata",
) -> loans.RepaymentSchedule:
    """Repayment schedule of a nation's allocated loan (45 years, 10 years' grace)."""
    result = allocate_envelope(db_session=db_session, rule=rule)
    allocated = next((a.allocated_cents for a in result.allocations if a.nation == nation), 0)
    if allocated <= 0:
        raise Invalid(f"{nation} has no allocated loan", field="nation")
    if not (Decimal(0) <= annual_rate < Decimal(1)):
        raise Invalid("annual_rate is a fraction between 0 and 1, e.g. 0.03", field="annual_rate")
    try:
        terms = loans.LoanTerms(
            principal_cents=allocated,
            annual_rate=annual_rate,
            start=start,
            frequency=loans.Frequency(frequency),
            amortisation=loans.Amortisation(amortisation),
        )
    except ValueError as exc:
        raise Invalid(str(exc), field="frequency") from exc
    return loans.repayment_schedule(terms)


@dataclass(frozen=True)
class DeadlineFlag:
    area_code: str
    lead_nation: str | None
    lead_deadline: dt.date
    contract_deadline: dt.date | None
    status: str
    level: str  # ok, due_soon, overdue
    reasons: tuple[str, ...]


def deadline_board(
    *, db_session: Session, today: dt.date, warn_days: int = 30
) -> list[DeadlineFlag]:
    """Coalitions flagged when a lead nation or a contract is missing as its date nears or
    passes."""
    out = []
    for row in db_session.scalars(
        select(CapabilityCoalition).order_by(CapabilityCoalition.area_code)
    ):
        reasons, level = [], "ok"
        checks = []
        if row.lead_nation is None:
            checks.append(("no lead nation", row.lead_deadline))
        if row.contract_deadline and row.status not in ("contracted", "closed"):
            checks.append(("no contract signed", row.contract_deadline))
        for what, due in checks:
            days = (due - today).days
            if days < 0:
                reasons.append(f"{what}; deadline {due.isoformat()} passed {-days} days ago")
                level = "overdue"
            elif days <= warn_days:
                reasons.append(f"{what}; deadline {due.isoformat()} in {days} days")
                level = "due_soon" if level == "ok" else level
        out.append(
            DeadlineFlag(
                row.area_code,
                row.lead_nation,
                row.lead_deadline,
                row.contract_deadline,
                row.status,
                level,
                tuple(reasons),
            )
        )
    return out


def aggregation(
    *,
    db_session: Session,
    on: dt.date,
    max_participants: int = 6,
    time_limit: float = 20.0,
    exclusions: tuple[tuple[str, str], ...] = (),
    solo_nations: tuple[str, ...] = (),
    area_code: str | None = None,
) -> optimizer.Comparison:
    """Group the stored needs into joint procurements (learning-curve savings): every nation
    alone, a greedy grouping, and the optimizer's grouping."""
    if not 1 <= max_participants <= 30:
        raise Invalid("max_participants is 1 to 30", field="max_participants")
    stmt = select(Need).order_by(Need.id)
    if area_code:
        stmt = stmt.where(Need.area_code == area_code)
    rows = db_session.scalars(stmt).all()
    if not rows:
        raise Invalid("there are no needs to group", field="area_code")
    needs = tuple(
        optimizer.Need(
            id=str(r.id),
            nation=r.nation,
            area=r.area_code,
            item=r.item,
            quantity=r.quantity,
            unit_cost_cents=r.unit_cost_cents,
            delivery_year=r.delivery_year,
        )
        for r in rows
    )
    codes = sorted({r.nation for r in rows})
    rates = tuple(
        (a.code, Decimal(a.learning_rate)) for a in db_session.scalars(select(PriorityArea))
    )
    try:
        problem = optimizer.AggregationProblem(
            needs=needs,
            participants=participants(db_session=db_session, codes=codes),
            procured_on=on,
            learning_rates=rates,
            max_participants=max_participants,
            exclusions=frozenset(frozenset(pair) for pair in exclusions),
            solo_nations=frozenset(solo_nations),
        )
    except ValueError as exc:
        raise Invalid(str(exc), field="exclusions") from exc
    return optimizer.compare(problem, optimizer.SolverSettings(time_limit_s=time_limit))


def loans_by_nation(*, db_session: Session) -> list[dict[str, Any]]:
    """Requested loan amounts (not withdrawn) per nation, largest first."""
    totals: dict[str, int] = {}
    for r in db_session.scalars(select(LoanRequest).where(LoanRequest.status != "withdrawn")):
        totals[r.nation] = totals.get(r.nation, 0) + r.amount_cents
    return [
        {"nation": n, "amount_cents": a} for n, a in sorted(totals.items(), key=lambda kv: -kv[1])
    ]
