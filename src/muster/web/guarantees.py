"""Guarantees additions: sourcing rounds (issue, decide gaps, close) and the what-if table."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from muster.auth.principal import Principal
from muster.deps import get_session
from muster.errors import Conflict, Forbidden, MusterError
from muster.guarantees import service as guarantee_service
from muster.guarantees.schemas import RoundIn
from muster.web import queries
from muster.web.core import WebRoute, csrf_form, current_principal, flash, redirect, render
from muster.web.forms import validation_errors
from muster.web.plans import may_plan
from muster.web.views import PILLARS
from muster.weeks import monday

router = APIRouter(route_class=WebRoute, include_in_schema=False)
BASES = ("promised", "confirmed", "deployed")
ROUND_FIELDS = ("title", "scenario_id", "week", "basis", "closes_on", "note")
WEEKS_AHEAD = 26


def _default_week() -> dt.date:
    return monday(dt.date.today()) + dt.timedelta(weeks=WEEKS_AHEAD)


def _rounds_context(db_session: Session, principal: Principal) -> dict[str, Any]:
    scenarios = queries.scenarios(db_session)
    return {
        "nav": "guarantees",
        "siblings": PILLARS["guarantees"],
        "subpage": True,
        "rounds": guarantee_service.list_rounds(db_session=db_session),
        "scenarios": scenarios,
        "scenario_names": {s.id: s.name for s in scenarios},
        "bases": BASES,
        "may_plan": may_plan(principal),
    }


@router.get("/guarantees/rounds")
def rounds_page(
    request: Request,
    db_session: Session = Depends(get_session),
    principal: Principal = Depends(current_principal),
):
    values = {"week": _default_week().isoformat(), "basis": "promised"}
    return render(
        request,
        "rounds.html",
        values=values,
        errors={},
        **_rounds_context(db_session, principal),
    )


def _ensure(principal: Principal) -> None:
    if not may_plan(principal):
        raise Forbidden(f"your role ({principal.role}) may not run sourcing rounds")


@router.post("/guarantees/rounds")
def issue_round(
    request: Request,
    form: FormData = Depends(csrf_form),
    db_session: Session = Depends(get_session),
    principal: Principal = Depends(current_principal),
):
    _ensure(principal)
    values = {k: str(form.get(k, "")).strip() for k in ROUND_FIELDS}
    errors: dict[str, str] = {}
    try:
        data = RoundIn(**{k: v for k, v in values.items() if v != ""})
        out = guarantee_service.issue_round(db_session=db_session, principal=principal, data=data)
    except ValidationError as exc:
        errors, general = validation_errors(exc)
        if general:
            errors["week"] = general
    except MusterError as exc:
        db_session.rollback()
        errors[exc.field if exc.field in ROUND_FIELDS else "week"] = exc.detail
    else:
        flash(request, f"Round {out['number']} issued with {len(out['gaps'])} gaps.")
        return redirect(f"/guarantees/rounds#round-{out['id']}", request)
    return render(
        request,
        "rounds.html",
        status_code=422,
        values=values,
        errors=errors,
        **_rounds_context(db_session, principal),
    )


def _version(form: FormData) -> int:
    try:
        return int(str(form.get("version", "")))
    except ValueError:
        return -1


@router.post("/guarantees/rounds/{round_id:int}/gaps/{gap_id:int}")
def decide_gap(
    request: Request,
    round_id: int,
    gap_id: int,
    form: FormData = Depends(csrf_form),
    db_session: Session = Depends(get_session),
    principal: Principal = Depends(current_principal),
):
    _ensure(principal)
    decision = str(form.get("decision", ""))
    if decision not in ("open", "accepted", "ask_again"):
        flash(request, "A gap is accepted, asked again, or left open.", "error")
        return redirect(f"/guarantees/rounds#round-{round_id}", request)
    try:
        guarantee_service.decide_gap(
            db_session=db_session,
            principal=principal,
            round_id=round_id,
            gap_id=gap_id,
            decision=decision,
            note=None,
            version=_version(form),
        )
    except Conflict as exc:
        db_session.rollback()
        flash(request, f"Not saved: {exc.detail}", "error")
    else:
        flash(request, f"Gap {gap_id}: {decision.replace('_', ' ')}.")
    return redirect(f"/guarantees/rounds#round-{round_id}", request)


@router.post("/guarantees/rounds/{round_id:int}/close")
def close_round(
    request: Request,
    round_id: int,
    form: FormData = Depends(csrf_form),
    db_session: Session = Depends(get_session),
    principal: Principal = Depends(current_principal),
):
    _ensure(principal)
    try:
        guarantee_service.close_round(
            db_session=db_session, principal=principal, id=round_id, version=_version(form)
        )
    except Conflict as exc:
        db_session.rollback()
        flash(request, f"Not closed: {exc.detail}", "error")
    else:
        flash(request, "Round closed.")
    return redirect(f"/guarantees/rounds#round-{round_id}", request)


@router.get("/guarantees/what-if")
def what_if_page(
    request: Request,
    scenario_id: int | None = None,
    week: dt.date | None = None,
    basis: str = "promised",
    db_session: Session = Depends(get_session),
    principal: Principal = Depends(current_principal),
):
    """Which condition, turning true, would unlock how much of the shortfall."""
    week = monday(week or _default_week())
    basis = basis if basis in BASES else "promised"
    result, error = None, ""
    try:
        result = guarantee_service.what_if(
            db_session=db_session, scenario_id=scenario_id, week=week, basis=basis
        )
    except MusterError as exc:
        error = exc.detail
    return render(
        request,
        "what_if.html",
        nav="guarantees",
        siblings=PILLARS["guarantees"],
        subpage=True,
        scenarios=queries.scenarios(db_session),
        scenario_id=scenario_id,
        week=week,
        basis=basis,
        bases=BASES,
        result=result,
        error=error,
    )
