"""Training plans: run one (live progress), read its result (Gantt, unmet demand, diff),
approve it, repair it after a breach, recommend a placement, export its cohorts."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import openpyxl
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from muster.auth.principal import Principal
from muster.deps import get_session
from muster.errors import Conflict, Forbidden, Invalid, MusterError
from muster.training import plans
from muster.training.models import Plan
from muster.transfer import MEDIA_TYPES
from muster.web import charts, queries
from muster.web.core import (
    WebRoute,
    csrf_form,
    current_principal,
    flash,
    is_htmx,
    redirect,
    render,
)
from muster.weeks import monday

router = APIRouter(route_class=WebRoute, include_in_schema=False)
PLANNERS = frozenset({"admin", "planner"})
FORM_DEFAULTS = {
    "name": "",
    "scenario_id": "",
    "start": "",
    "weeks": "40",
    "time_limit": "10",
    "seed": "0",
    "deterministic": "",
    "stable": "",
    "pins": "",
}


def may_plan(principal: Principal) -> bool:
    """Planners and admins run, cancel, approve, repair plans."""
    return principal.role in PLANNERS


def _ensure_may_plan(principal: Principal) -> None:
    if not may_plan(principal):
        raise Forbidden(f"your role ({principal.role}) may not run or approve plans")


def _next_monday(today: dt.date) -> dt.date:
    return today + dt.timedelta(days=(7 - today.weekday()) % 7)


# -- the list and the run form ---------------------------------------------------------------


def _list_context(db_session: Session, principal: Principal) -> dict[str, Any]:
    rows, total = plans.list_plans(db_session=db_session, limit=100)
    approved = plans.approved_plan(db_session=db_session)
    return {
        "nav": "plans",
        "plans": rows,
        "total": total,
        "approved": approved,
        "scenarios": queries.scenarios(db_session),
        "may_plan": may_plan(principal),
    }


@router.get("/plans")
def plans_page(
    request: Request,
    db_session: Session = Depends(get_session),
    principal: Principal = Depends(current_principal),
):
    values = {**FORM_DEFAULTS, "start": _next_monday(dt.date.today()).isoformat()}
    return render(
        request,
        "plans.html",
        values=values,
        errors={},
        **_list_context(db_session, principal),
    )


def _parse_pins(text: str) -> tuple[tuple[str, str], ...]:
    """`cohort-id=keep` per line or `;`; keep is cohort (default), site or week."""
    pins = []
    for part in text.replace("\n", ";").split(";"):
        part = part.strip()
        if not part:
            continue
        cohort, _, keep = part.partition("=")
        pins.append((cohort.strip(), keep.strip() or "cohort"))
    return tuple(pins)


def _number(values: dict[str, str], name: str, kind: type, errors: dict[str, str]) -> Any:
    try:
        return kind(values[name])
    except ValueError:
        errors[name] = "a number is needed"
        return None


@router.post("/plans")
def run_plan(
    request: Request,
    form: FormData = Depends(csrf_form),
    db_session: Session = Depends(get_session),
    principal: Principal = Depends(current_principal),
):
    _ensure_may_plan(principal)
    values = {k: str(form.get(k, "")).strip() for k in FORM_DEFAULTS}
    errors: dict[str, str] = {}
    weeks = _number(values, "weeks", int, errors)
    time_limit = _number(values, "time_limit", float, errors)
    seed = _number(values, "seed", int, errors)
    scenario_id = None
    if values["scenario_id"]:
        scenario_id = _number(values, "scenario_id", int, errors)
    try:
        start = dt.date.fromisoformat(values["start"])
    except ValueError:
        errors["start"] = "a date is needed (YYYY-MM-DD)"
    if not errors:
        try:
            plan = plans.create(
                db_session=db_session,
                principal=principal,
                scenario_id=scenario_id,
                start=start,
                weeks=weeks,
                time_limit=time_limit,
                seed=seed,
                deterministic=bool(values["deterministic"]),
                name=values["name"],
                pins=_parse_pins(values["pins"]),
                stable=bool(values["stable"]),
            )
        except MusterError as exc:
            db_session.rollback()
            errors[exc.field if exc.field in FORM_DEFAULTS else "name"] = exc.detail
        else:
            flash(request, f"Plan {plan.id} queued.")
            return redirect(f"/plans/{plan.id}", request)
    return render(
        request,
        "plans.html",
        status_code=422,
        values=values,
        errors=errors,
        **_list_context(db_session, principal),
    )


# -- one plan -----------------------------------------------------------------------------


def _site_names(plan: Plan) -> dict[str, dict[str, Any]]:
    return {s["id"]: s for s in (plan.inputs or {}).get("sites", [])}


def _request_courses(plan: Plan) -> dict[str, str]:
    return {r["id"]: r["course"] for r in (plan.inputs or {}).get("requests", [])}


def cohort_rows(plan: Plan) -> list[dict[str, Any]]:
    """The plan's cohorts with site names, course and dates (week indices → Mondays)."""
    sites = _site_names(plan)
    courses = _request_courses(plan)
    start = plan.horizon_start
    rows = []
    for c in (plan.result or {}).get("cohorts", []):
        site = sites.get(str(c["site"]), {})
        rows.append(
            {
                "id": c["id"],
                "request": c["request"],
                "course": courses.get(str(c["request"]), ""),
                "site_id": c["site"],
                "site": site.get("name", str(c["site"])),
                "in_ukraine": bool(site.get("in_ukraine")),
                "start": start + dt.timedelta(weeks=int(c["start_week"])),
                "end": start + dt.timedelta(weeks=int(c["end_week"])),
                "trainees": int(c["trainees"]),
                "instructors": sum(c.get("instructors", {}).values()),
            }
        )
    rows.sort(key=lambda r: (r["site"], r["start"]))
    return rows


def _named_diff(plan: Plan, diff: dict[str, Any]) -> dict[str, Any]:
    """A diff with site names, dates and courses in place of ids and week indices."""
    sites = _site_names(plan)
    courses = _request_courses(plan)

    def place(x: dict[str, Any]) -> dict[str, Any]:
        return {
            **x,
            "site_name": sites.get(str(x["site"]), {}).get("name", str(x["site"])),
            "date": plan.horizon_start + dt.timedelta(weeks=int(x["start_week"])),
        }

    return {
        **diff,
        "moved": [
            {
                **m,
                "course": courses.get(str(m["request"]), ""),
                "from": place(m["from"]),
                "to": place(m["to"]),
            }
            for m in diff["moved"]
        ],
        "added": [
            {**place(a), "course": courses.get(str(a["request"]), "")} for a in diff["added"]
        ],
        "removed": [
            {**place(r), "course": courses.get(str(r["request"]), "")} for r in diff["removed"]
        ],
    }


def _plan_context(
    db_session: Session, principal: Principal, plan: Plan, against: int | None = None, **extra: Any
) -> dict[str, Any]:
    """Everything the plan page shows; a repair is compared with the plan it repairs."""
    against = against or (plan.params or {}).get("repair_of")
    context: dict[str, Any] = {
        "nav": "plans",
        "plan": plan,
        "may_plan": may_plan(principal),
        "active": plan.status in plans.ACTIVE or plan.status == "cancelling",
        "progress_figure": charts.solve_progress(plan.progress) if plan.progress else None,
        "rows": [],
        "gantt": None,
        "diff": None,
        "recommend_values": {},
        "recommendations": None,
        "errors": {},
        "courses": sorted(c["id"] for c in (plan.inputs or {}).get("courses", [])),
        "horizon_end": plan.horizon_start + dt.timedelta(weeks=plan.horizon_weeks - 1),
        "breach_default": max(monday(dt.date.today()), plan.horizon_start),
    }
    if plan.result:
        rows = cohort_rows(plan)
        context["rows"] = rows
        context["gantt"] = charts.plan_gantt(rows) if rows else None
        if against or plan.status != "approved":  # the approved plan has nothing to compare
            context["diff"] = _named_diff(
                plan, plans.diff(db_session=db_session, id=plan.id, against=against)
            )
        context["paused"] = [
            {
                **c,
                "date": plan.horizon_start + dt.timedelta(weeks=int(c["start_week"])),
                "site_name": _site_names(plan).get(str(c["site"]), {}).get("name", c["site"]),
            }
            for c in plan.result.get("paused", [])
        ]
    context.update(extra)
    return context


@router.get("/plans/{id:int}")
def plan_page(
    request: Request,
    id: int,
    against: int | None = None,
    db_session: Session = Depends(get_session),
    principal: Principal = Depends(current_principal),
):
    plan = plans.get(db_session=db_session, id=id)
    return render(request, "plan.html", **_plan_context(db_session, principal, plan, against))


@router.get("/plans/{id:int}/progress")
def plan_progress(
    request: Request,
    id: int,
    db_session: Session = Depends(get_session),
    principal: Principal = Depends(current_principal),
):
    """The live part of a queued or running plan; once it has finished, reload the page."""
    plan = plans.get(db_session=db_session, id=id)
    context = _plan_context(db_session, principal, plan)
    if not context["active"] and is_htmx(request):
        return Response(status_code=204, headers={"HX-Refresh": "true"})
    return render(request, "_plan_progress.html", **context)


@router.post("/plans/{id:int}/cancel")
def cancel_plan(
    request: Request,
    id: int,
    form: FormData = Depends(csrf_form),
    db_session: Session = Depends(get_session),
    principal: Principal = Depends(current_principal),
):
    _ensure_may_plan(principal)
    try:
        plans.cancel(db_session=db_session, principal=principal, id=id)
        flash(request, f"Plan {id}: cancel requested.")
    except Conflict as exc:
        db_session.rollback()
        flash(request, exc.detail, "error")
    return redirect(f"/plans/{id}", request)


@router.post("/plans/{id:int}/approve")
def approve_plan(
    request: Request,
    id: int,
    form: FormData = Depends(csrf_form),
    db_session: Session = Depends(get_session),
    principal: Principal = Depends(current_principal),
):
    _ensure_may_plan(principal)
    try:
        version = int(str(form.get("version", "")))
    except ValueError:
        version = -1
    try:
        plans.approve(db_session=db_session, principal=principal, id=id, version=version)
    except Conflict as exc:
        db_session.rollback()
        flash(
            request,
            f"Not approved: changed by someone else meanwhile — reload ({exc.detail}).",
            "error",
        )
    else:
        flash(request, f"Plan {id} approved; its cohorts are now the planned cohorts.")
    return redirect(f"/plans/{id}", request)


@router.post("/plans/{id:int}/repair")
def repair_plan(
    request: Request,
    id: int,
    form: FormData = Depends(csrf_form),
    db_session: Session = Depends(get_session),
    principal: Principal = Depends(current_principal),
):
    _ensure_may_plan(principal)
    plan = plans.get(db_session=db_session, id=id)
    text = str(form.get("breach_week", "")).strip()
    try:
        week = dt.date.fromisoformat(text)
        repaired, _changes = plans.repair_breach(
            db_session=db_session, principal=principal, id=id, breach_week=week
        )
    except ValueError:
        error = "a date is needed (YYYY-MM-DD)"
    except MusterError as exc:
        db_session.rollback()
        error = exc.detail
    else:
        flash(
            request,
            f"Plan {repaired.id} repairs plan {id} after a breach in the week of {text}; "
            "its differences to the original are listed below.",
        )
        return redirect(f"/plans/{repaired.id}", request)
    context = _plan_context(
        db_session, principal, plan, errors={"breach_week": error}, breach_week=text
    )
    return render(request, "plan.html", status_code=422, **context)


RECOMMEND_FIELDS = ("course_code", "trainees", "earliest_start", "latest_end", "priority")


@router.post("/plans/{id:int}/recommend")
def recommend(
    request: Request,
    id: int,
    form: FormData = Depends(csrf_form),
    db_session: Session = Depends(get_session),
    principal: Principal = Depends(current_principal),
):
    plan = plans.get(db_session=db_session, id=id)
    values = {k: str(form.get(k, "")).strip() for k in RECOMMEND_FIELDS}
    errors: dict[str, str] = {}
    options = None
    try:
        trainees = int(values["trainees"])
        if trainees < 1:
            raise Invalid("at least one trainee", field="trainees")
        priority = int(values["priority"] or "1")
        first = dt.date.fromisoformat(values["earliest_start"])
        last = dt.date.fromisoformat(values["latest_end"])
        options = plans.recommend(
            db_session=db_session,
            id=id,
            course_code=values["course_code"],
            trainees=trainees,
            earliest_start=first,
            latest_end=last,
            priority=priority,
        )
    except ValueError:
        errors["trainees"] = "trainees and priority are whole numbers; dates are YYYY-MM-DD"
    except MusterError as exc:
        errors[exc.field if exc.field in RECOMMEND_FIELDS else "course_code"] = exc.detail
    if options:
        by_id = {r["id"]: r for r in cohort_rows(plan)}
        for o in options:
            o["displaced_rows"] = [by_id[c] for c in o.get("displaced", []) if c in by_id]
    context = _plan_context(
        db_session,
        principal,
        plan,
        recommend_values=values,
        recommendations=options,
        errors=errors,
    )
    return render(request, "plan.html", status_code=422 if errors else 200, **context)


EXPORT_COLUMNS = (
    "id",
    "request",
    "course",
    "site_id",
    "site",
    "in_ukraine",
    "start",
    "end",
    "trainees",
    "instructors",
)


@router.get("/plans/{id:int}/export")
def export_plan(
    request: Request,
    id: int,
    format: str = "csv",
    db_session: Session = Depends(get_session),
    principal: Principal = Depends(current_principal),
):
    """The plan's cohorts as CSV or XLSX."""
    plan = plans.get(db_session=db_session, id=id)
    table = [[r[c] for c in EXPORT_COLUMNS] for r in cohort_rows(plan)]
    fmt = "xlsx" if format == "xlsx" else "csv"
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow(EXPORT_COLUMNS)
        writer.writerows(
            [[v.isoformat() if isinstance(v, dt.date) else v for v in r] for r in table]
        )
        content = buf.getvalue().encode("utf-8")
    else:
        book = openpyxl.Workbook()
        sheet = book.active
        sheet.title = f"plan {id}"
        sheet.append(list(EXPORT_COLUMNS))
        for record in table:
            sheet.append(record)
        out = io.BytesIO()
        book.save(out)
        content = out.getvalue()
    return Response(
        content,
        media_type=MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="plan-{id}-cohorts.{fmt}"'},
    )
