"""Contingency plans: solved in advance for a trigger ("formal ceasefire in week t"),
proposed when the matching event is recorded, activated by approving their plan.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from muster.audit import service as audit
from muster.auth.principal import Principal
from muster.crud import check_version
from muster.errors import Conflict, Invalid, NotFound
from muster.scenarios import service as scenarios
from muster.scenarios.models import ContingencyPlan, PhaseEvent
from muster.training import plans
from muster.weeks import monday

TRIGGER_PHASES = ("truce", "ceasefire", "peace")
MATCH_WEEKS = 2  # an event within this many weeks of the trigger matches it


def prepare(
    *,
    db_session: Session,
    principal: Principal,
    scenario_id: int | None,
    trigger_phase: str,
    trigger_week: dt.date,
    weeks: int = 52,
    time_limit: float = 10.0,
    seed: int = 0,
    start: dt.date | None = None,
) -> ContingencyPlan:
    """Queue the plan for "`trigger_phase` declared in `trigger_week`" on a scenario."""
    if trigger_phase not in TRIGGER_PHASES:
        raise Invalid(f"a trigger is one of {', '.join(TRIGGER_PHASES)}", field="trigger_phase")
    scenario = scenarios.get_scenario(db_session=db_session, scenario_id=scenario_id)
    trigger_week = monday(trigger_week)
    first = monday(start or dt.date.today())
    if trigger_week < first:
        raise Invalid("the trigger week is before the plan starts", field="trigger_week")
    plan = plans.create(
        db_session=db_session,
        principal=principal,
        scenario_id=scenario.id,
        start=first,
        weeks=weeks,
        time_limit=time_limit,
        seed=seed,
        deterministic=False,
        name=f"Contingency: {trigger_phase} in week of {trigger_week.isoformat()}",
        extra_events=((trigger_week, trigger_phase),),
    )
    row = ContingencyPlan(
        scenario_id=scenario.id,
        trigger_phase=trigger_phase,
        trigger_week=trigger_week,
        plan_id=plan.id,
        status="prepared",
    )
    db_session.add(row)
    db_session.flush()
    audit.record(
        db_session=db_session,
        actor=principal.username,
        action="create",
        entity="contingency_plan",
        entity_id=row.id,
        after=audit.snapshot(row),
    )
    db_session.commit()
    return row


def get(*, db_session: Session, id: int) -> ContingencyPlan:
    """One contingency plan, or NotFound."""
    row = db_session.get(ContingencyPlan, id)
    if row is None:
        raise NotFound(f"contingency plan {id} does not exist", field="id")
    return row


def readiness(*, db_session: Session, row: ContingencyPlan) -> dict[str, Any]:
    """Weeks from the trigger to the first cohort on a Ukrainian site in its plan."""
    plan = plans.get(db_session=db_session, id=row.plan_id) if row.plan_id else None
    out: dict[str, Any] = {
        "plan_status": plan.status if plan else None,
        "first_in_country_week": None,
        "weeks_to_first_in_country": None,
        "in_country_trainees": 0,
    }
    if plan is None or not plan.result:
        return out
    in_ukraine = {s["id"] for s in plan.inputs.get("sites", []) if s.get("in_ukraine")}
    starts = [
        c["start_week"] for c in plan.result.get("cohorts", []) if str(c["site"]) in in_ukraine
    ]
    out["in_country_trainees"] = sum(
        c["trainees"] for c in plan.result.get("cohorts", []) if str(c["site"]) in in_ukraine
    )
    if starts:
        first = plan.horizon_start + dt.timedelta(weeks=min(starts))
        out["first_in_country_week"] = first
        out["weeks_to_first_in_country"] = (first - row.trigger_week).days // 7
    return out


def as_dict(*, db_session: Session, row: ContingencyPlan) -> dict[str, Any]:
    return {
        "id": row.id,
        "version": row.version,
        "scenario_id": row.scenario_id,
        "trigger_phase": row.trigger_phase,
        "trigger_week": row.trigger_week,
        "plan_id": row.plan_id,
        "status": row.status,
        "readiness": readiness(db_session=db_session, row=row),
    }


def list_all(*, db_session: Session, scenario_id: int | None = None) -> list[ContingencyPlan]:
    stmt = select(ContingencyPlan).order_by(ContingencyPlan.trigger_week, ContingencyPlan.id)
    if scenario_id is not None:
        stmt = stmt.where(ContingencyPlan.scenario_id == scenario_id)
    return list(db_session.scalars(stmt))


def proposals(*, db_session: Session, scenario_id: int | None = None) -> list[dict[str, Any]]:
    """Prepared contingencies whose trigger has now been recorded in their scenario: the
    recorded event matches the trigger phase within MATCH_WEEKS of the trigger week."""
    out = []
    for row in list_all(db_session=db_session, scenario_id=scenario_id):
        if row.status != "prepared":
            continue
        events = db_session.scalars(
            select(PhaseEvent).where(
                PhaseEvent.scenario_id == row.scenario_id,
                PhaseEvent.phase == row.trigger_phase,
            )
        ).all()
        match = min(
            (e for e in events if abs((e.date - row.trigger_week).days) <= 7 * MATCH_WEEKS),
            key=lambda e: abs((e.date - row.trigger_week).days),
            default=None,
        )
        if match is not None:
            item = as_dict(db_session=db_session, row=row)
            item["event_id"] = match.id
            item["event_date"] = match.date
            out.append(item)
    return out


def activate(
    *, db_session: Session, principal: Principal, id: int, version: int
) -> ContingencyPlan:
    """Activate a contingency: approve its plan (its cohorts become the current ones)."""
    row = get(db_session=db_session, id=id)
    check_version(row, version, f"contingency plan {id}")
    if row.status != "prepared":
        raise Conflict(f"contingency plan {id} is {row.status}", field="status")
    plan = plans.get(db_session=db_session, id=row.plan_id)
    plans.approve(db_session=db_session, principal=principal, id=plan.id, version=plan.version)
    row.status = "active"
    audit.record(
        db_session=db_session,
        actor=principal.username,
        action="activate",
        entity="contingency_plan",
        entity_id=row.id,
    )
    db_session.commit()
    return row
