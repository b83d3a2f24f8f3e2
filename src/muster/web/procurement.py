"""Procurement additions: envelope allocation, loan schedules, proposed joint procurements."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal, InvalidOperation

import openpyxl
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from muster.auth.principal import Principal
from muster.deps import get_session
from muster.errors import MusterError
from muster.procurement import allocation
from muster.procurement import service as procurement_service
from muster.transfer import MEDIA_TYPES
from muster.web import charts, queries
from muster.web.core import WebRoute, current_principal, is_htmx, render
from muster.web.views import PILLARS

router = APIRouter(route_class=WebRoute, include_in_schema=False)
RULES = tuple(r.value for r in allocation.AllocationRule)


def _envelope_context(db_session: Session, rule: str) -> dict:
    rule = rule if rule in RULES else "pro_rata"
    result = procurement_service.allocate_envelope(db_session=db_session, rule=rule)
    names = queries.nation_names(db_session)
    return {
        "rule": rule,
        "rules": RULES,
        "result": result,
        "names": names,
        "figure": charts.envelope_allocation(result, names),
    }


@router.get("/procurement/envelope")
def envelope_page(
    request: Request,
    rule: str = "pro_rata",
    db_session: Session = Depends(get_session),
    principal: Principal = Depends(current_principal),
):
    context = _envelope_context(db_session, rule)
    if is_htmx(request) and request.headers.get("HX-Target") == "envelope-body":
        return render(request, "_envelope.html", **context)
    return render(
        request,
        "envelope.html",
        nav="procurement",
        siblings=PILLARS["procurement"],
        subpage=True,
        **context,
    )


def _schedule_args(annual_rate: str, start: str) -> tuple[Decimal | None, dt.date | None, dict]:
    errors: dict[str, str] = {}
    rate = day = None
    try:
        rate = Decimal(annual_rate)
    except InvalidOperation:
        errors["annual_rate"] = "a fraction is needed, e.g. 0.03"
    try:
        day = dt.date.fromisoformat(start)
    except ValueError:
        errors["start"] = "a date is needed (YYYY-MM-DD)"
    return rate, day, errors


@router.get("/procurement/loans/{nation}")
def loan_page(
    request: Request,
    nation: str,
    annual_rate: str = "0.03",
    start: str = "2026-01-01",
    frequency: str = "annual",
    amortisation: str = "linear",
    db_session: Session = Depends(get_session),
    principal: Principal = Depends(current_principal),
):
    nation = nation.upper()
    rate, day, errors = _schedule_args(annual_rate, start)
    schedule = None
    if not errors:
        try:
            schedule = procurement_service.loan_schedule(
                db_session=db_session,
                nation=nation,
                annual_rate=rate,
                start=day,
                frequency=frequency,
                amortisation=amortisation,
            )
        except MusterError as exc:
            errors[exc.field or "nation"] = exc.detail
    borrowers = [
        a.nation
        for a in procurement_service.allocate_envelope(db_session=db_session).allocations
        if a.allocated_cents > 0
    ]
    return render(
        request,
        "loan_schedule.html",
        status_code=422 if errors else 200,
        nav="procurement",
        siblings=PILLARS["procurement"],
        subpage=True,
        nation=nation,
        names=queries.nation_names(db_session),
        borrowers=borrowers,
        values={
            "annual_rate": annual_rate,
            "start": start,
            "frequency": frequency,
            "amortisation": amortisation,
        },
        errors=errors,
        schedule=schedule,
    )


@router.get("/procurement/loans/{nation}/schedule.xlsx")
def loan_xlsx(
    nation: str,
    annual_rate: str = "0.03",
    start: str = "2026-01-01",
    frequency: str = "annual",
    amortisation: str = "linear",
    db_session: Session = Depends(get_session),
    principal: Principal = Depends(current_principal),
):
    rate, day, errors = _schedule_args(annual_rate, start)
    if errors:
        from muster.errors import Invalid

        field, detail = next(iter(errors.items()))
        raise Invalid(detail, field=field)
    schedule = procurement_service.loan_schedule(
        db_session=db_session,
        nation=nation.upper(),
        annual_rate=rate,
        start=day,
        frequency=frequency,
        amortisation=amortisation,
    )
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = f"{nation.upper()} loan"
    for row in schedule.to_rows():
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return Response(
        out.getvalue(),
        media_type=MEDIA_TYPES["xlsx"],
        headers={"Content-Disposition": f'attachment; filename="loan-{nation.upper()}.xlsx"'},
    )


@router.get("/procurement/aggregation")
def aggregation_page(
    request: Request,
    max_participants: int = 6,
    time_limit: float = 3.0,
    db_session: Session = Depends(get_session),
    principal: Principal = Depends(current_principal),
):
    """Needs grouped into joint procurements: methods compared, proposals, savings charts."""
    names = queries.nation_names(db_session)
    time_limit = min(max(time_limit, 0.5), 30.0)
    error, result = "", None
    try:
        result = procurement_service.aggregation(
            db_session=db_session,
            on=dt.date.today(),
            max_participants=max_participants,
            time_limit=time_limit,
        )
    except MusterError as exc:
        error = exc.detail
    figures = []
    if result is not None:
        best = result.optimal
        figures = [
            charts.savings_bars(best.savings_by_nation(), "Savings per nation (€ m)", names),
            charts.savings_bars(best.savings_by_area(), "Savings per priority area (€ m)", {}),
        ]
    return render(
        request,
        "aggregation.html",
        nav="procurement",
        siblings=PILLARS["procurement"],
        subpage=True,
        result=result,
        error=error,
        names=names,
        figures=figures,
        max_participants=max_participants,
        time_limit=time_limit,
    )
