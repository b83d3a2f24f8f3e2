"""Procurement routes: the standard routes of each table, the SAFE rules, the envelope
allocation, loan schedules and the deadline board."""

import datetime as dt
import io
from decimal import Decimal
from typing import Literal

import openpyxl
from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from muster.api_crud import crud_router
from muster.deps import ANY_ROLE, get_session
from muster.procurement import service
from muster.schemas import ERROR_RESPONSES
from muster.transfer import MEDIA_TYPES, _xlsx_safe

router = APIRouter()
for _resource in service.RESOURCES:
    router.include_router(crud_router(_resource))

extra = APIRouter(
    prefix="/procurement",
    tags=["procurement"],
    responses=ERROR_RESPONSES,
    dependencies=[Depends(ANY_ROLE)],
)


class RuleFailureOut(BaseModel):
    rule_id: str
    text: str
    source: str
    detail: str


class EligibilityOut(BaseModel):
    eligible: bool
    failures: list[RuleFailureOut]


class AllocationOut(BaseModel):
    nation: str
    requested_cents: int
    allocated_cents: int


class EnvelopeOut(BaseModel):
    rule: str
    envelope_cents: int
    requested_cents: int
    allocated_cents: int
    oversubscribed: bool
    allocations: list[AllocationOut]


class ScheduleRowOut(BaseModel):
    period: int
    due_on: dt.date
    opening_balance_cents: int
    interest_cents: int
    principal_cents: int
    payment_cents: int
    closing_balance_cents: int


class ScheduleOut(BaseModel):
    nation: str
    principal_cents: int
    prefinancing_cents: int
    total_interest_cents: int
    rows: list[ScheduleRowOut]


class DeadlineOut(BaseModel):
    area_code: str
    lead_nation: str | None
    lead_deadline: dt.date
    contract_deadline: dt.date | None
    status: str
    level: Literal["ok", "due_soon", "overdue"]
    reasons: list[str]


@extra.get(
    "/joint-procurements/{id}/eligibility",
    response_model=EligibilityOut,
    summary="Check a joint procurement against every SAFE rule",
)
def eligibility(id: int, on: dt.date | None = None, db_session: Session = Depends(get_session)):
    result = service.check_joint_procurement(db_session=db_session, id=id, on=on)
    return EligibilityOut(
        eligible=result.eligible, failures=[RuleFailureOut(**f.__dict__) for f in result.failures]
    )


@extra.get(
    "/envelope",
    response_model=EnvelopeOut,
    summary="Allocate the loan envelope among the loan requests",
)
def envelope(
    rule: Literal["pro_rata", "equal_share_capped", "priority_first"] = "pro_rata",
    envelope_cents: int | None = Query(None, ge=1),
    db_session: Session = Depends(get_session),
):
    result = service.allocate_envelope(
        db_session=db_session, rule=rule, envelope_cents=envelope_cents
    )
    return EnvelopeOut(
        rule=str(result.rule),
        envelope_cents=result.envelope_cents,
        requested_cents=result.requested_cents,
        allocated_cents=result.allocated_cents,
        oversubscribed=result.oversubscribed,
        allocations=[AllocationOut(**a.__dict__) for a in result.allocations],
    )


@extra.get(
    "/loans/{nation}/schedule",
    response_model=ScheduleOut,
    summary="Repayment schedule of a nation's allocated loan (JSON or ?format=xlsx)",
    responses={200: {"content": {MEDIA_TYPES["xlsx"]: {}}}},
)
def schedule(
    nation: str,
    annual_rate: Decimal = Query(Decimal("0.03"), ge=0, lt=1),
    start: dt.date = Query(dt.date(2026, 1, 1)),
    frequency: Literal["annual", "semi_annual"] = "annual",
    amortisation: Literal["linear", "annuity"] = "linear",
    format: Literal["json", "xlsx"] = "json",
    db_session: Session = Depends(get_session),
):
    from muster.procurement import loans

    result = service.loan_schedule(
        db_session=db_session,
        nation=nation.upper(),
        annual_rate=annual_rate,
        start=start,
        frequency=frequency,
        amortisation=amortisation,
    )
    if format == "xlsx":
        book = openpyxl.Workbook()
        sheet = book.active
        sheet.title = f"{nation.upper()} loan"
        for row in result.to_rows():
            sheet.append(list(row))
        buf = io.BytesIO()
        book.save(buf)
        return Response(
            buf.getvalue(),
            media_type=MEDIA_TYPES["xlsx"],
            headers={"Content-Disposition": f'attachment; filename="loan-{nation.upper()}.xlsx"'},
        )
    pre = loans.prefinancing(result.terms.principal_cents)
    return ScheduleOut(
        nation=nation.upper(),
        principal_cents=result.terms.principal_cents,
        prefinancing_cents=pre.amount_cents,
        total_interest_cents=result.total_interest_cents,
        rows=[ScheduleRowOut(**r.__dict__) for r in result.rows],
    )


@extra.get(
    "/deadlines",
    response_model=list[DeadlineOut],
    summary="Capability coalitions flagged for a missing lead nation or contract",
)
def deadlines(
    today: dt.date | None = None,
    warn_days: int = Query(30, ge=0, le=365),
    db_session: Session = Depends(get_session),
):
    flags = service.deadline_board(
        db_session=db_session, today=today or dt.date.today(), warn_days=warn_days
    )
    return [DeadlineOut(**{**f.__dict__, "reasons": list(f.reasons)}) for f in flags]


class MemberOut(BaseModel):
    nation: str
    quantity: int
    alone_cents: int
    cost_cents: int
    savings_cents: int


class ProposalOut(BaseModel):
    item: str
    area: str
    lead_nation: str
    participants: list[str]
    quantity: int
    unit_price_cents: int
    total_cents: int
    savings_cents: int
    safe_eligible: bool
    failed_rules: list[str]
    members: list[MemberOut]


class MethodOut(BaseModel):
    method: str
    total_cents: int
    savings_cents: int
    joint_procurements: int
    exact: bool
    #: proven upper bound on any plan's savings (optimizer only), and (bound − savings) / bound
    bound_cents: int | None = None
    gap: float | None = None
    wall_time_s: float


class AggregationOut(BaseModel):
    methods: list[MethodOut]
    proposals: list[ProposalOut]
    savings_by_nation: dict[str, int]
    savings_by_area: dict[str, int]


@extra.get(
    "/aggregation",
    response_model=AggregationOut,
    responses={200: {"content": {MEDIA_TYPES["xlsx"]: {}}}},
    summary="Group needs into joint procurements: national-only vs greedy vs optimizer",
)
def aggregation(
    on: dt.date | None = Query(None, description="Procurement date for the rules"),
    max_participants: int = Query(6, ge=1, le=30),
    time_limit: float = Query(10.0, ge=0.1, le=300),
    area_code: str | None = None,
    format: Literal["json", "xlsx"] = "json",
    db_session: Session = Depends(get_session),
):
    result = service.aggregation(
        db_session=db_session,
        on=on or dt.date.today(),
        max_participants=max_participants,
        time_limit=time_limit,
        area_code=area_code,
    )
    best = result.optimal
    if format == "xlsx":
        book = openpyxl.Workbook()
        sheet = book.active
        sheet.title = "proposals"
        for row in best.to_rows():
            sheet.append([_xlsx_safe(v) for v in row])  # item names are free text
        compare = book.create_sheet("comparison")
        rows = result.rows()
        compare.append(list(rows[0]))
        for row in rows:
            compare.append(list(row.values()))
        buf = io.BytesIO()
        book.save(buf)
        return Response(
            buf.getvalue(),
            media_type=MEDIA_TYPES["xlsx"],
            headers={"Content-Disposition": 'attachment; filename="joint-procurements.xlsx"'},
        )
    return AggregationOut(
        methods=[MethodOut(**{k: row[k] for k in MethodOut.model_fields}) for row in result.rows()],
        proposals=[
            ProposalOut(
                item=p.item,
                area=p.area,
                lead_nation=p.lead_nation,
                participants=list(p.participants),
                quantity=p.quantity,
                unit_price_cents=p.unit_price_cents,
                total_cents=p.total_cents,
                savings_cents=p.savings_cents,
                safe_eligible=p.safe_eligible,
                failed_rules=list(p.failed_rules),
                members=[
                    MemberOut(
                        nation=m.nation,
                        quantity=m.quantity,
                        alone_cents=m.alone_cents,
                        cost_cents=m.cost_cents,
                        savings_cents=m.savings_cents,
                    )
                    for m in p.members
                ],
            )
            for p in best.procurements
        ],
        savings_by_nation=best.savings_by_nation(),
        savings_by_area=best.savings_by_area(),
    )


router.include_router(extra)
