"""Login, logout, the dashboard, the pillar overviews, scenarios and the audit log."""

from __future__ import annotations

import contextlib
import datetime as dt
from pathlib import Path

import plotly
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse, RedirectResponse
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from muster import crud
from muster.audit import service as audit_service
from muster.auth import service as auth_service
from muster.auth.principal import Principal
from muster.deps import get_session
from muster.errors import Conflict, Forbidden, MusterError, NotFound, Unauthorized
from muster.guarantees import service as guarantee_service
from muster.procurement import service as procurement_service
from muster.scenarios import service as scenario_service
from muster.training import service as training_service
from muster.web import charts, queries
from muster.web.core import (
    LoginThrottle,
    WebRoute,
    check_csrf,
    csrf_form,
    current_principal,
    flash,
    is_htmx,
    redirect,
    render,
)
from muster.web.mandate import mandate_context
from muster.web.views import PILLARS

router = APIRouter(route_class=WebRoute, include_in_schema=False)
PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
AUDIT_ROLES = frozenset({"admin", "planner", "observer"})


@router.api_route("/static/vendor/plotly.min.js", methods=["GET", "HEAD"])
def plotly_js():
    """plotly.js as shipped inside the plotly Python package (no CDN)."""
    return FileResponse(
        PLOTLY_JS,
        media_type="text/javascript",
        headers={"Cache-Control": "public, max-age=86400"},
    )


# -- login and logout ---------------------------------------------------------------------


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return "/"


@router.get("/login")
def login_form(request: Request, next: str = "/"):
    return render(request, "login.html", next=_safe_next(next), error="", username="")


def _throttle(request: Request) -> LoginThrottle:
    return request.app.state.login_throttle


@router.post("/login")
async def login(request: Request, db_session: Session = Depends(get_session)):
    form = await request.form()
    check_csrf(request, form)
    username = str(form.get("username", "")).strip()
    password = str(form.get("password", ""))
    target = _safe_next(str(form.get("next", "/")))
    key = (username.lower(), request.client.host if request.client else "")
    throttle = _throttle(request)
    wait = throttle.blocked_for(key)
    if wait:
        return render(
            request,
            "login.html",
            status_code=429,
            next=target,
            username=username,
            error=f"Too many failed attempts. Try again in {wait} seconds.",
        )
    try:
        user = auth_service.authenticate(
            db_session=db_session, username=username, password=password
        )
    except Unauthorized:
        throttle.failed(key)
        return render(
            request,
            "login.html",
            status_code=401,
            next=target,
            username=username,
            error="Wrong user name or password.",
        )
    throttle.succeeded(key)
    token = auth_service.issue_token(db_session=db_session, user=user, name="web session")
    request.session.clear()  # a new session (and CSRF token) for the logged-in user
    request.session["token"] = token
    return RedirectResponse(target, status_code=303)


@router.post("/logout")
def logout(
    request: Request,
    form: FormData = Depends(csrf_form),
    db_session: Session = Depends(get_session),
    principal: Principal = Depends(current_principal),
):
    token = request.session.get("token")
    if token:
        with contextlib.suppress(MusterError):
            auth_service.revoke_token(db_session=db_session, actor=principal, token=token)
    request.session.clear()
    return redirect("/login", request)


# -- dashboard ------------------------------------------------------------------------------


def _scenario_choice(db_session: Session, scenario_id: int | None):
    scenarios = queries.scenarios(db_session)
    if not scenarios:
        return scenarios, None
    chosen = next((s for s in scenarios if s.id == scenario_id), None)
    return scenarios, chosen or scenarios[0]


def _readiness_context(db_session: Session, scenario_id: int | None) -> dict:
    scenarios, chosen = _scenario_choice(db_session, scenario_id)
    today = dt.date.today()
    readiness = []
    phase_now = None
    if chosen is not None:
        readiness = scenario_service.site_readiness(
            db_session=db_session, scenario_id=chosen.id, today=today
        )
        line = scenario_service.timeline(
            db_session=db_session, scenario_id=chosen.id, start=today, weeks=1
        )
        phase_now = line.phases[0].label
    return {
        "scenarios": scenarios,
        "scenario": chosen,
        "readiness": readiness,
        "phase_now": phase_now,
        "conditions": queries.conditions(db_session),
    }


@router.get("/")
def dashboard(
    request: Request,
    scenario_id: int | None = None,
    db_session: Session = Depends(get_session),
    principal: Principal = Depends(current_principal),
):
    today = dt.date.today()
    history = queries.training_history(db_session)
    trained = training_service.cumulative_trained(db_session=db_session)
    by_priority = training_service.open_requests_by_priority(db_session=db_session)
    capacity = training_service.capacity_by_host_nation(db_session=db_session)
    guarantees = guarantee_service.guarantee_figures(db_session=db_session)
    board = procurement_service.deadline_board(db_session=db_session, today=today)
    loans = procurement_service.loans_by_nation(db_session=db_session)
    envelope = request.app.state.settings.loan_envelope_cents
    figures = {
        "trained": charts.cumulative_trained(
            history,
            trained,
            today,
            training_service.projected_trained(db_session=db_session, today=today, current=trained),
        ),
        "priority": charts.requests_by_priority(by_priority),
        "capacity": charts.capacity_by_nation(capacity),
        "guarantees": charts.guarantee_fill(guarantees),
    }
    return render(
        request,
        "dashboard.html",
        nav="dashboard",
        trained=trained,
        history=history,
        by_priority=by_priority,
        open_requests=sum(r["requests"] for r in by_priority),
        open_trainees=sum(r["trainees"] for r in by_priority),
        capacity=capacity,
        instructors=training_service.pledged_instructors(db_session=db_session),
        guarantees=guarantees,
        board=[b for b in board if b.level != "ok" or not b.lead_nation],
        loans_total=sum(r["amount_cents"] for r in loans),
        envelope=envelope,
        figures=figures,
        **_readiness_context(db_session, scenario_id),
        **mandate_context(db_session, scenario_id),
    )


@router.get("/dashboard/readiness")
def readiness_partial(
    request: Request,
    scenario_id: int | None = None,
    db_session: Session = Depends(get_session),
    principal: Principal = Depends(current_principal),
):
    return render(request, "_readiness.html", **_readiness_context(db_session, scenario_id))


# -- pillar overviews -----------------------------------------------------------------------


SOURCING_WEEKS_AHEAD = 26
BASES = ("promised", "confirmed", "deployed")


def _sourcing_context(db_session: Session, week: dt.date | None, basis: str) -> dict:
    """Fill rate per zone and capability in every scenario for one week (sourcing optimizer)."""
    from muster.guarantees import charts as guarantee_charts

    week = week or dt.date.today() + dt.timedelta(weeks=SOURCING_WEEKS_AHEAD)
    week = week - dt.timedelta(days=week.weekday())
    basis = basis if basis in BASES else "promised"
    figure, error = None, ""
    try:
        rows = guarantee_service.fill_rows(
            db_session=db_session,
            scenario_ids=guarantee_service.scenario_ids(db_session=db_session),
            week=week,
            basis=basis,
        )
        if rows:
            figure = guarantee_charts.fill_rate_figure(rows)
    except MusterError as exc:
        error = exc.detail
    return {"week": week, "basis": basis, "bases": BASES, "sourcing": figure, "error": error}


@router.get("/guarantees")
def guarantees_page(
    request: Request,
    week: dt.date | None = None,
    basis: str = "promised",
    db_session: Session = Depends(get_session),
    principal: Principal = Depends(current_principal),
):
    rows = guarantee_service.guarantee_figures(db_session=db_session)
    return render(
        request,
        "guarantees.html",
        nav="guarantees",
        siblings=PILLARS["guarantees"],
        rows=rows,
        funding=guarantee_service.funding_offered_cents(db_session=db_session),
        figures=[charts.guarantee_fill(rows)],
        **_sourcing_context(db_session, week, basis),
    )


@router.get("/guarantees/sourcing")
def guarantees_sourcing(
    request: Request,
    week: dt.date | None = None,
    basis: str = "promised",
    db_session: Session = Depends(get_session),
    principal: Principal = Depends(current_principal),
):
    return render(request, "_sourcing.html", **_sourcing_context(db_session, week, basis))


@router.get("/procurement")
def procurement_page(
    request: Request,
    db_session: Session = Depends(get_session),
    principal: Principal = Depends(current_principal),
):
    loans = procurement_service.loans_by_nation(db_session=db_session)
    names = queries.nation_names(db_session)
    return render(
        request,
        "procurement.html",
        nav="procurement",
        siblings=PILLARS["procurement"],
        board=procurement_service.deadline_board(db_session=db_session, today=dt.date.today()),
        members=queries.coalition_members(db_session),
        loans=loans,
        names=names,
        loans_total=sum(r["amount_cents"] for r in loans),
        envelope=request.app.state.settings.loan_envelope_cents,
        figures=[charts.loans(loans, names)],
    )


# -- scenarios ------------------------------------------------------------------------------

TIMELINE_BACK_WEEKS = 8
TIMELINE_WEEKS = 78


def _scenarios_context(db_session: Session) -> dict:
    today = dt.date.today()
    start = today - dt.timedelta(weeks=TIMELINE_BACK_WEEKS)
    items = []
    for s in queries.scenarios(db_session):
        line = scenario_service.timeline(
            db_session=db_session, scenario_id=s.id, start=start, weeks=TIMELINE_WEEKS
        )
        now = line.phases[line.index(today)].label
        items.append(
            {
                "scenario": s,
                "events": queries.phase_events(db_session, s.id),
                "condition_events": scenario_service.condition_events(
                    db_session=db_session, scenario_id=s.id
                ),
                "phase_now": now,
                "figure": charts.phase_timeline(line),
            }
        )
    return {"items": items, "conditions": queries.conditions(db_session)}


@router.get("/scenarios")
def scenarios_page(
    request: Request,
    db_session: Session = Depends(get_session),
    principal: Principal = Depends(current_principal),
):
    may_plan = crud.may_write(principal, scenario_service.PHASE_EVENTS)
    return render(
        request,
        "scenarios.html",
        nav="scenarios",
        may_plan=may_plan,
        may_toggle=crud.may_write(principal, scenario_service.CONDITIONS),
        event_errors={},
        event_values={},
        **_scenarios_context(db_session),
    )


@router.post("/scenarios/{scenario_id}/events")
def record_event(
    request: Request,
    scenario_id: int,
    form: FormData = Depends(csrf_form),
    db_session: Session = Depends(get_session),
    principal: Principal = Depends(current_principal),
):
    resource = scenario_service.PHASE_EVENTS
    if not crud.may_write(principal, resource):
        raise Forbidden(f"your role ({principal.role}) may not record phase events")
    values = {
        "scenario_id": scenario_id,
        "date": str(form.get("date", "")).strip(),
        "phase": str(form.get("phase", "")).strip(),
        "note": str(form.get("note", "")).strip(),
    }
    errors: dict[str, str] = {}
    from pydantic import ValidationError

    from muster.web.forms import validation_errors

    try:
        data = resource.create_schema(**values)
        crud.create(db_session=db_session, resource=resource, principal=principal, data=data)
    except ValidationError as exc:
        errors, general = validation_errors(exc)
        if general:
            errors["phase"] = general
    except MusterError as exc:
        errors[exc.field or "phase"] = exc.detail
    else:
        flash(request, f"Recorded {values['phase']} from {values['date']}.")
        return redirect(f"/scenarios#scenario-{scenario_id}", request)
    return render(
        request,
        "scenarios.html",
        status_code=422,
        nav="scenarios",
        may_plan=True,
        may_toggle=crud.may_write(principal, scenario_service.CONDITIONS),
        event_errors={scenario_id: errors},
        event_values={scenario_id: values},
        **_scenarios_context(db_session),
    )


@router.post("/scenarios/conditions/{condition_id}/toggle")
def toggle_condition(
    request: Request,
    condition_id: int,
    form: FormData = Depends(csrf_form),
    db_session: Session = Depends(get_session),
    principal: Principal = Depends(current_principal),
):
    resource = scenario_service.CONDITIONS
    row = crud.get(db_session=db_session, resource=resource, id=condition_id)
    try:
        version = int(str(form.get("version", "0")))
    except ValueError:
        version = 0
    message = ""
    try:
        data = resource.update_schema(version=version, holds=not row.holds)
        row = crud.update(
            db_session=db_session, resource=resource, principal=principal, id=row.id, data=data
        )
    except Conflict:
        db_session.rollback()
        row = crud.get(db_session=db_session, resource=resource, id=condition_id)
        message = "Changed by someone else meanwhile; this row now shows the current value."
    if is_htmx(request):
        return render(request, "_condition_row.html", c=row, may_toggle=True, message=message)
    if message:
        flash(request, message, "error")
    return redirect("/scenarios#conditions", request)


# -- audit ----------------------------------------------------------------------------------


@router.get("/audit")
def audit_page(
    request: Request,
    actor: str = "",
    entity: str = "",
    action: str = "",
    entity_id: str = "",
    offset: int = Query(0, ge=0),
    db_session: Session = Depends(get_session),
    principal: Principal = Depends(current_principal),
):
    if principal.role not in AUDIT_ROLES:
        raise Forbidden(f"your role ({principal.role}) may not read the audit log")
    row_id = int(entity_id) if entity_id.strip().isdigit() else None
    rows, total = audit_service.search(
        db_session=db_session,
        actor=actor.strip() or None,
        entity=entity.strip() or None,
        action=action.strip() or None,
        entity_id=row_id,
        limit=50,
        offset=offset,
    )
    entries = [{"entry": e, "changes": _changes(e.before, e.after)} for e in rows]
    context = {
        "nav": "audit",
        "entries": entries,
        "total": total,
        "offset": offset,
        "actor": actor,
        "entity": entity,
        "action": action,
        "entity_id": row_id,
        "entities": _audit_entities(),
    }
    if is_htmx(request) and request.headers.get("HX-Target") == "audit-table":
        return render(request, "_audit_table.html", **context)
    return render(request, "audit.html", **context)


def _audit_entities() -> list[str]:
    from muster.resources import ALL

    return sorted({r.entity for r in ALL} | {"user", "api_token"})


def _changes(before: dict | None, after: dict | None) -> list[tuple[str, str, str]]:
    """(field, before, after) of the fields that differ; skips bookkeeping columns."""
    skip = {"id", "version", "created_at", "updated_at"}
    before = before or {}
    after = after or {}
    out = []
    for key in sorted(set(before) | set(after)):
        if key in skip:
            continue
        old, new = before.get(key), after.get(key)
        if old != new:
            out.append((key, "" if old is None else str(old), "" if new is None else str(new)))
    return out


def not_found_page():
    raise NotFound("no such page")
