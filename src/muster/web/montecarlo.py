"""Monte Carlo: "redesign now or wait" over random ceasefire timings and breaches.

A form maps the main parameters onto `runs.default_config()`; the run is queued as a job
(`runs.create`), its page polls while it runs, then shows the stored charts and summaries.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from muster.auth.principal import Principal
from muster.deps import get_session
from muster.errors import Forbidden, MusterError
from muster.scenarios import montecarlo as mc
from muster.scenarios import runs
from muster.scenarios.models import MonteCarloRun
from muster.web.core import WebRoute, csrf_form, current_principal, flash, is_htmx, redirect, render

router = APIRouter(route_class=WebRoute, include_in_schema=False)
PLANNERS = frozenset({"admin", "planner"})
ACTIVE = ("queued", "running", "cancelling")

# form field -> (path in the config JSON, type)
FIELDS: dict[str, tuple[tuple[str | int, ...], type]] = {
    "weekly_probability": (("ceasefire", "weekly_probability"), float),
    "p_never": (("ceasefire", "p_never"), float),
    "weekly_hazard": (("breach", "weekly_hazard"), float),
    "wait_weeks": (("policies", 0, "lead_weeks"), int),
    "proactive_weeks": (("policies", 1, "lead_weeks"), int),
    "horizon_weeks": (("horizon_weeks",), int),
}


def may_run(principal: Principal) -> bool:
    return principal.role in PLANNERS


def _get(config: dict[str, Any], path: tuple[str | int, ...]) -> Any:
    node: Any = config
    for key in path:
        node = node[key]
    return node


def _set(config: dict[str, Any], path: tuple[str | int, ...], value: Any) -> None:
    node: Any = config
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value


def form_values(config: dict[str, Any] | None = None) -> dict[str, str]:
    """The form's values from a config (default: the default config)."""
    config = config or runs.default_config()
    values = {"draws": "20000", "seed": "1"}
    for name, (path, _kind) in FIELDS.items():
        try:
            values[name] = str(_get(config, path))
        except (KeyError, IndexError, TypeError):
            values[name] = ""
    return values


def config_from_form(values: dict[str, str], errors: dict[str, str]) -> dict[str, Any]:
    """The default config with the form's values put in place."""
    config = copy.deepcopy(runs.default_config())
    for name, (path, kind) in FIELDS.items():
        try:
            _set(config, path, kind(values[name]))
        except ValueError:
            errors[name] = "a whole number is needed" if kind is int else "a number is needed"
    return config


def _list_context(db_session: Session, principal: Principal) -> dict[str, Any]:
    rows, total = runs.list_runs(db_session=db_session, limit=50)
    return {"nav": "montecarlo", "runs": rows, "total": total, "may_run": may_run(principal)}


@router.get("/montecarlo")
def montecarlo_page(
    request: Request,
    db_session: Session = Depends(get_session),
    principal: Principal = Depends(current_principal),
):
    return render(
        request,
        "montecarlo.html",
        values=form_values(),
        errors={},
        **_list_context(db_session, principal),
    )


def _field_of(detail_field: str | None) -> str:
    """The form field a service error names (`config.ceasefire.p_never` → p_never)."""
    if not detail_field:
        return "draws"
    if detail_field in ("draws", "seed"):
        return detail_field
    dotted = detail_field.removeprefix("config.")
    for name, (path, _kind) in FIELDS.items():
        if dotted == ".".join(str(p) for p in path):
            return name
    return "draws"


@router.post("/montecarlo")
def create_run(
    request: Request,
    form: FormData = Depends(csrf_form),
    db_session: Session = Depends(get_session),
    principal: Principal = Depends(current_principal),
):
    if not may_run(principal):
        raise Forbidden(f"your role ({principal.role}) may not run Monte Carlo comparisons")
    values = {k: str(form.get(k, "")).strip() for k in ("draws", "seed", *FIELDS)}
    errors: dict[str, str] = {}
    config = config_from_form(values, errors)
    draws = seed = 0
    for name in ("draws", "seed"):
        try:
            number = int(values[name])
        except ValueError:
            errors[name] = "a whole number is needed"
        else:
            draws, seed = (number, seed) if name == "draws" else (draws, number)
    if not errors:
        try:
            run = runs.create(
                db_session=db_session, principal=principal, config=config, draws=draws, seed=seed
            )
        except MusterError as exc:
            db_session.rollback()
            errors[_field_of(exc.field)] = exc.detail
        else:
            flash(request, f"Run {run.id} queued.")
            return redirect(f"/montecarlo/{run.id}", request)
    return render(
        request,
        "montecarlo.html",
        status_code=422,
        values=values,
        errors=errors,
        **_list_context(db_session, principal),
    )


def _metric_label(metric: str) -> str:
    return mc.METRICS[metric][0] if metric in mc.METRICS else metric.replace("_", " ")


def _sized(figure: dict[str, Any], height: int) -> dict[str, Any]:
    """A stored figure with a height (the stored ones leave it to the container)."""
    layout = {"height": height, **figure.get("layout", {})}
    return {**figure, "layout": layout}


def _run_context(principal: Principal, run: MonteCarloRun) -> dict[str, Any]:
    result = run.result or {}
    figures = {k: _sized(v, 340) for k, v in result.get("figures", {}).items()}
    progress = run.progress if isinstance(run.progress, list) and len(run.progress) == 2 else None
    return {
        "nav": "montecarlo",
        "run": run,
        "active": run.status in ACTIVE,
        "may_run": may_run(principal),
        "progress": progress,
        "result": result,
        "difference_figure": figures.get("difference"),
        "distribution_figures": [
            (_metric_label(m), figures[f"distribution_{m}"])
            for m in mc.METRICS
            if f"distribution_{m}" in figures
        ],
        "metrics": list(mc.METRICS),
        "metric_label": _metric_label,
        "config_json": json.dumps(run.config, indent=2),
    }


@router.get("/montecarlo/{id:int}")
def run_page(
    request: Request,
    id: int,
    db_session: Session = Depends(get_session),
    principal: Principal = Depends(current_principal),
):
    run = runs.get(db_session=db_session, id=id)
    return render(request, "montecarlo_run.html", **_run_context(principal, run))


@router.get("/montecarlo/{id:int}/progress")
def run_progress(
    request: Request,
    id: int,
    db_session: Session = Depends(get_session),
    principal: Principal = Depends(current_principal),
):
    """The live part of a queued or running run; once it has finished, reload the page."""
    run = runs.get(db_session=db_session, id=id)
    context = _run_context(principal, run)
    if not context["active"] and is_htmx(request):
        return Response(status_code=204, headers={"HX-Refresh": "true"})
    return render(request, "_montecarlo_progress.html", **context)


@router.post("/montecarlo/{id:int}/cancel")
def cancel_run(
    request: Request,
    id: int,
    form: FormData = Depends(csrf_form),
    db_session: Session = Depends(get_session),
    principal: Principal = Depends(current_principal),
):
    if not may_run(principal):
        raise Forbidden(f"your role ({principal.role}) may not cancel runs")
    try:
        runs.cancel(db_session=db_session, principal=principal, id=id)
        flash(request, f"Run {id}: cancel requested.")
    except MusterError as exc:
        db_session.rollback()
        flash(request, exc.detail, "error")
    return redirect(f"/montecarlo/{id}", request)


@router.get("/montecarlo/{id:int}/download")
def download(
    request: Request,
    id: int,
    db_session: Session = Depends(get_session),
    principal: Principal = Depends(current_principal),
):
    """The run as JSON: seed, draws, config and the summaries (without the charts)."""
    run = runs.get(db_session=db_session, id=id)
    result = {k: v for k, v in (run.result or {}).items() if k != "figures"}
    body = {
        "id": run.id,
        "name": run.name,
        "status": run.status,
        "draws": run.draws,
        "seed": run.seed,
        "config": run.config,
        "result": result,
    }
    return Response(
        json.dumps(body, indent=2),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="montecarlo-{id}.json"'},
    )
