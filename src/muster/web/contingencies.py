"""Contingency plans: prepare one for a trigger, see how ready each is, activate a proposal."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from muster.auth.principal import Principal
from muster.deps import get_session
from muster.errors import Conflict, Forbidden, MusterError
from muster.scenarios import contingency
from muster.web import queries
from muster.web.core import WebRoute, csrf_form, current_principal, flash, redirect, render
from muster.web.plans import may_plan
from muster.weeks import monday

router = APIRouter(route_class=WebRoute, include_in_schema=False)
FIELDS = ("scenario_id", "trigger_phase", "trigger_week", "weeks", "time_limit")


def _context(db_session: Session, principal: Principal) -> dict[str, Any]:
    scenarios = queries.scenarios(db_session)
    names = {s.id: s.name for s in scenarios}
    rows = [
        {**contingency.as_dict(db_session=db_session, row=r), "scenario": names.get(r.scenario_id)}
        for r in contingency.list_all(db_session=db_session)
    ]
    proposals = [
        {**p, "scenario": names.get(p["scenario_id"])}
        for p in contingency.proposals(db_session=db_session)
    ]
    return {
        "nav": "scenarios",
        "rows": rows,
        "proposals": proposals,
        "scenarios": scenarios,
        "phases": contingency.TRIGGER_PHASES,
        "may_plan": may_plan(principal),
    }


@router.get("/scenarios/contingencies")
def contingencies_page(
    request: Request,
    db_session: Session = Depends(get_session),
    principal: Principal = Depends(current_principal),
):
    today = dt.date.today()
    values = {
        "scenario_id": "",
        "trigger_phase": "ceasefire",
        "trigger_week": (monday(today) + dt.timedelta(weeks=8)).isoformat(),
        "weeks": "52",
        "time_limit": "10",
    }
    return render(
        request,
        "contingencies.html",
        values=values,
        errors={},
        **_context(db_session, principal),
    )


@router.post("/scenarios/contingencies")
def prepare(
    request: Request,
    form: FormData = Depends(csrf_form),
    db_session: Session = Depends(get_session),
    principal: Principal = Depends(current_principal),
):
    if not may_plan(principal):
        raise Forbidden(f"your role ({principal.role}) may not prepare contingency plans")
    values = {k: str(form.get(k, "")).strip() for k in FIELDS}
    errors: dict[str, str] = {}
    try:
        week = dt.date.fromisoformat(values["trigger_week"])
    except ValueError:
        errors["trigger_week"] = "a date is needed (YYYY-MM-DD)"
    try:
        weeks = int(values["weeks"])
    except ValueError:
        errors["weeks"] = "a whole number is needed"
    try:
        time_limit = float(values["time_limit"])
    except ValueError:
        errors["time_limit"] = "a number is needed"
    if not errors:
        try:
            row = contingency.prepare(
                db_session=db_session,
                principal=principal,
                scenario_id=int(values["scenario_id"]) if values["scenario_id"] else None,
                trigger_phase=values["trigger_phase"],
                trigger_week=week,
                weeks=weeks,
                time_limit=time_limit,
            )
        except ValueError:
            errors["scenario_id"] = "choose a scenario"
        except MusterError as exc:
            db_session.rollback()
            errors[exc.field if exc.field in FIELDS else "trigger_week"] = exc.detail
        else:
            flash(request, f"Contingency {row.id} prepared; its plan {row.plan_id} is queued.")
            return redirect("/scenarios/contingencies", request)
    return render(
        request,
        "contingencies.html",
        status_code=422,
        values=values,
        errors=errors,
        **_context(db_session, principal),
    )


@router.post("/scenarios/contingencies/{id:int}/activate")
def activate(
    request: Request,
    id: int,
    form: FormData = Depends(csrf_form),
    db_session: Session = Depends(get_session),
    principal: Principal = Depends(current_principal),
):
    if not may_plan(principal):
        raise Forbidden(f"your role ({principal.role}) may not activate contingency plans")
    try:
        version = int(str(form.get("version", "")))
    except ValueError:
        version = -1
    try:
        row = contingency.activate(
            db_session=db_session, principal=principal, id=id, version=version
        )
    except Conflict as exc:
        db_session.rollback()
        flash(request, f"Not activated: {exc.detail} — reload and try again.", "error")
    else:
        flash(request, f"Contingency {id} activated: plan {row.plan_id} is now approved.")
    return redirect("/scenarios/contingencies", request)
