"""Training plans: build the planner's problem from the database and a scenario, run the
solve as a job, store the result, compare plans and approve one.

The planner itself (`muster.planner`) is pure; this module is the only bridge between it
and the tables.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from muster.audit import service as audit
from muster.auth.principal import Principal
from muster.crud import check_version
from muster.db import utcnow
from muster.errors import Conflict, Forbidden, Invalid, NotFound
from muster.planner import problem as pp
from muster.planner.explain import explain
from muster.planner.recommend import recommend as planner_recommend
from muster.planner.repair import breach_problem, changed_cohorts, repair_after_breach
from muster.planner.validate import validate
from muster.reference.models import Course
from muster.scenarios import service as scenarios
from muster.training.models import Cohort, Plan, Pledge, Site, TrainingRequest
from muster.weeks import monday

KYIV = (50.45, 30.52)
FINISHED = ("done", "failed", "cancelled", "approved", "superseded")
ACTIVE = ("queued", "running")


def distance_km(lat: float, lon: float, origin: tuple[float, float] = KYIV) -> float:
    """Great-circle distance from Kyiv: how far trainees travel to a site."""
    p1, p2 = math.radians(origin[0]), math.radians(lat)
    dp, dl = p2 - p1, math.radians(lon - origin[1])
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return round(2 * 6371 * math.asin(math.sqrt(a)), 1)


def _index(day: dt.date, start: dt.date) -> int:
    return (monday(day) - start).days // 7


def build_problem(
    *,
    db_session: Session,
    scenario_id: int | None,
    start: dt.date,
    weeks: int,
    release_per_week: int | None = None,
    extra_events: tuple[tuple[dt.date, str], ...] = (),
) -> pp.Problem:
    """The planner's input: open requests, usable sites and pledges, the scenario's weeks.

    Condition expressions become condition keys (the expression text) with the weeks in
    which the scenario makes them hold.
    """
    if not 1 <= weeks <= 260:
        raise Invalid("a horizon is 1 to 260 weeks", field="weeks")
    start = monday(start)
    line = scenarios.timeline(
        db_session=db_session,
        scenario_id=scenario_id,
        start=start,
        weeks=weeks,
        extra_events=extra_events,
    )
    conditions: dict[str, frozenset[int]] = {}

    def key(text: str) -> tuple[str, ...]:
        if not text:
            return ()
        if text not in conditions:
            conditions[text] = line.weeks_holding(text)
        return (text,)

    courses = tuple(
        pp.Course(
            id=c.code,
            category=c.category,
            duration_weeks=c.duration_weeks,
            class_size=c.class_size,
            instructors_per_class=c.instructors_per_class,
        )
        for c in db_session.scalars(select(Course).order_by(Course.code))
    )
    sites = tuple(
        pp.Site(
            id=str(s.id),
            name=s.name,
            capacity=s.weekly_capacity,
            courses=tuple(s.course_codes),
            in_ukraine=s.in_ukraine,
            distance_km=distance_km(s.latitude, s.longitude),
            required_conditions=key(s.condition),
        )
        for s in db_session.scalars(select(Site).where(Site.status != "closed").order_by(Site.id))
    )
    pledges = []
    for p in db_session.scalars(
        select(Pledge).where(Pledge.status != "withdrawn").order_by(Pledge.id)
    ):
        first, last = max(0, _index(p.week_from, start)), min(weeks - 1, _index(p.week_to, start))
        if first > last:
            continue
        pledges.append(
            pp.Pledge(
                id=str(p.id),
                nation=p.nation,
                category=p.course_category,
                instructors_per_week=p.instructors,
                week_from=first,
                week_to=last,
                requires=key(p.condition),
                ukraine_requires=None if p.eu_soil_only else key(p.ukraine_condition),
            )
        )
    requests = []
    for r in db_session.scalars(
        select(TrainingRequest)
        .where(TrainingRequest.status.in_(("open", "planned")))
        .order_by(TrainingRequest.id)
    ):
        first, last = (
            max(0, _index(r.earliest_start, start)),
            min(weeks - 1, _index(r.latest_end, start)),
        )
        if first > last:
            continue
        requests.append(
            pp.Request(
                id=str(r.id),
                course=r.course_code,
                trainees=r.trainees,
                earliest_start=first,
                latest_end=last,
                priority=float(r.priority),
            )
        )
    release = None if release_per_week is None else dict.fromkeys(range(weeks), release_per_week)
    return pp.Problem(
        horizon_weeks=weeks,
        courses=courses,
        sites=sites,
        pledges=tuple(pledges),
        requests=tuple(requests),
        conditions=conditions,
        release_per_week=release,
    )


def create(
    *,
    db_session: Session,
    principal: Principal,
    scenario_id: int | None,
    start: dt.date,
    weeks: int,
    time_limit: float,
    seed: int,
    deterministic: bool,
    name: str = "",
    release_per_week: int | None = None,
    workers: int = 2,
    extra_events: tuple[tuple[dt.date, str], ...] = (),
    pins: tuple[tuple[str, str], ...] = (),
    stable: bool = False,
) -> Plan:
    """Snapshot the inputs and queue a plan; the job runner solves it.

    With `stable` (or any `pins`) the approved plan is the previous plan: pinned cohorts are
    kept (wholly, or only their site or week) and otherwise the planner changes as little of
    it as pays. The approved plan must cover the same horizon start.
    """
    if principal.role not in ("admin", "planner"):
        raise Forbidden("only planners run plans")
    if not 0.1 <= time_limit <= 3600:
        raise Invalid("time_limit is 0.1 to 3600 seconds", field="time_limit")
    scenario = scenarios.get_scenario(db_session=db_session, scenario_id=scenario_id)
    problem = build_problem(
        db_session=db_session,
        scenario_id=scenario.id,
        start=start,
        weeks=weeks,
        release_per_week=release_per_week,
        extra_events=extra_events,
    )
    if pins or stable:
        problem = _with_previous(db_session, problem, monday(start), pins)
    plan = Plan(
        name=name or f"{scenario.name} from {monday(start).isoformat()}",
        scenario_id=scenario.id,
        status="queued",
        horizon_start=monday(start),
        horizon_weeks=weeks,
        inputs=problem.to_dict(),
        created_by=principal.username,
        params={
            "time_limit": time_limit,
            "seed": seed,
            "deterministic": deterministic,
            "workers": 1 if deterministic else workers,
            "extra_events": [[d.isoformat(), phase] for d, phase in extra_events],
        },
    )
    db_session.add(plan)
    db_session.flush()
    audit.record(
        db_session=db_session,
        actor=principal.username,
        action="create",
        entity="plan",
        entity_id=plan.id,
        after={
            "scenario_id": scenario.id,
            "params": plan.params,
            "horizon_start": plan.horizon_start.isoformat(),
            "weeks": weeks,
        },
    )
    db_session.commit()
    return plan


def _with_previous(
    db_session: Session, problem: pp.Problem, start: dt.date, pins: tuple[tuple[str, str], ...]
) -> pp.Problem:
    previous = approved_plan(db_session=db_session)
    if previous is None:
        raise Invalid("there is no approved plan to keep stable or to pin", field="pins")
    if previous.horizon_start != start:
        raise Invalid(
            f"the approved plan starts {previous.horizon_start.isoformat()}; "
            "start the new plan on the same week to pin its cohorts",
            field="start",
        )
    prev = pp.Plan.from_dict(previous.result)
    known = {c.id for c in prev.cohorts}
    for cohort_id, keep in pins:
        if cohort_id not in known:
            raise Invalid(f"the approved plan has no cohort '{cohort_id}'", field="pins")
        if keep not in ("cohort", "site", "week"):
            raise Invalid("a pin keeps the cohort, its site or its week", field="pins")
    return problem.replace(previous=prev, pins=tuple(pp.Pin(cohort_id=c, keep=k) for c, k in pins))


def get(*, db_session: Session, id: int) -> Plan:
    """One plan by id, or NotFound."""
    plan = db_session.get(Plan, id)
    if plan is None:
        raise NotFound(f"plan {id} does not exist", field="id")
    return plan


def list_plans(*, db_session: Session, limit: int = 50, offset: int = 0) -> tuple[list[Plan], int]:
    """Plans, newest first."""
    from sqlalchemy import func

    total = db_session.scalar(select(func.count()).select_from(Plan)) or 0
    rows = db_session.scalars(
        select(Plan).order_by(Plan.id.desc()).limit(limit).offset(offset)
    ).all()
    return list(rows), total


def solve_stored(plan: Plan, *, on_progress=None) -> dict[str, Any]:
    """Solve a plan's stored inputs (pure: no database); returns the result to store."""
    from muster.planner.solve import solve

    problem = pp.Problem.from_dict(plan.inputs)
    params = plan.params
    result = solve(
        problem,
        time_limit=float(params.get("time_limit", 10)),
        seed=int(params.get("seed", 0)),
        workers=int(params.get("workers", 2)),
        deterministic=bool(params.get("deterministic", False)),
        on_progress=on_progress,
    )
    return _result(problem, result)


def _score_dict(problem: pp.Problem, result: pp.Plan) -> dict[str, Any]:
    s = pp.score(problem, result)
    return {
        "weighted_trainees": s.weighted_trainees,
        "trainees": s.trainees,
        "trainee_km": s.trainee_km,
        "peak_utilisation_pct": s.peak_utilisation_pct,
    }


def _unmet(problem: pp.Problem, result: pp.Plan) -> list[dict[str, Any]]:
    """Requests not fully met, with the binding reasons and what would unlock them."""
    courses = {r.id: r.course for r in problem.requests}
    return [{**e.to_dict(), "course": courses.get(e.request)} for e in explain(problem, result)]


def record_progress(plan: Plan, wall: float, objective: float, bound: float | None) -> None:
    plan.progress = [*(plan.progress or []), [round(wall, 2), objective, bound]][-200:]


def finish(*, db_session: Session, plan: Plan, result: dict[str, Any]) -> None:
    """Store a solved plan's result and statistics in one transaction."""
    plan.result = result
    plan.stats = result.get("stats", {})
    plan.status = "done"
    audit.record(
        db_session=db_session,
        actor="planner-job",
        action="solve",
        entity="plan",
        entity_id=plan.id,
        after={"stats": plan.stats, "cohorts": len(result.get("cohorts", []))},
    )
    db_session.commit()


def cancel(*, db_session: Session, principal: Principal, id: int) -> Plan:
    """Ask a queued or running plan to stop; the runner ends its process."""
    plan = get(db_session=db_session, id=id)
    if plan.status not in ACTIVE:
        raise Conflict(
            f"plan {id} is {plan.status}; only queued or running plans can be cancelled",
            field="status",
        )
    plan.status = "cancelling" if plan.status == "running" else "cancelled"
    audit.record(
        db_session=db_session,
        actor=principal.username,
        action="cancel",
        entity="plan",
        entity_id=plan.id,
    )
    db_session.commit()
    return plan


@dataclass(frozen=True)
class Move:
    request: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


def _placements(cohorts: list[dict[str, Any]]) -> Counter:
    return Counter(
        (str(c["request"]), str(c["site"]), int(c["start_week"]), int(c["trainees"]))
        for c in cohorts
    )


def diff_cohorts(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> dict[str, Any]:
    """Cohorts added, removed and moved (same request, other site or week) between plans."""
    a, b = _placements(old), _placements(new)
    removed, added = a - b, b - a
    kept = sum((a & b).values())
    moved = []
    removed_list = list(removed.elements())
    added_list = list(added.elements())
    for r in list(removed_list):
        match = next((x for x in added_list if x[0] == r[0]), None)
        if match is not None:
            moved.append(
                {
                    "request": r[0],
                    "from": {"site": r[1], "start_week": r[2], "trainees": r[3]},
                    "to": {"site": match[1], "start_week": match[2], "trainees": match[3]},
                }
            )
            removed_list.remove(r)
            added_list.remove(match)

    def as_dict(x):
        return {"request": x[0], "site": x[1], "start_week": x[2], "trainees": x[3]}

    return {
        "kept": kept,
        "moved": moved,
        "added": [as_dict(x) for x in added_list],
        "removed": [as_dict(x) for x in removed_list],
    }


def approved_plan(*, db_session: Session) -> Plan | None:
    return db_session.scalar(
        select(Plan).where(Plan.status == "approved").order_by(Plan.approved_at.desc())
    )


def diff(*, db_session: Session, id: int, against: int | None = None) -> dict[str, Any]:
    """Diff of plan `id` against plan `against` (default: the approved plan)."""
    plan = get(db_session=db_session, id=id)
    other = (
        get(db_session=db_session, id=against) if against else approved_plan(db_session=db_session)
    )
    old = (other.result or {}).get("cohorts", []) if other else []
    out = diff_cohorts(old, (plan.result or {}).get("cohorts", []))
    out["against"] = other.id if other else None
    return out


def approve(*, db_session: Session, principal: Principal, id: int, version: int) -> Plan:
    """Make a solved plan the current one: its cohorts replace the planned cohorts of the
    previously approved plan, all in one transaction."""
    plan = get(db_session=db_session, id=id)
    check_version(plan, version, f"plan {id}")
    if plan.status != "done":
        raise Conflict(
            f"plan {id} is {plan.status}; only a solved plan can be approved", field="status"
        )
    if (plan.result or {}).get("violations"):
        raise Conflict("the plan breaks hard constraints and cannot be approved", field="status")
    previous = approved_plan(db_session=db_session)
    if previous is not None:
        previous.status = "superseded"
    replaced = db_session.scalars(select(Cohort).where(Cohort.status == "planned")).all()
    for cohort in replaced:
        db_session.delete(cohort)
    start = plan.horizon_start
    pledge_nation = {p["id"]: p["nation"] for p in plan.inputs.get("pledges", [])}
    for c in plan.result.get("cohorts", []):
        by_nation: Counter = Counter()
        for pledge_id, n in c.get("instructors", {}).items():
            by_nation[pledge_nation.get(pledge_id, "??")] += n
        db_session.add(
            Cohort(
                request_id=int(c["request"]),
                site_id=int(c["site"]),
                start_week=start + dt.timedelta(weeks=int(c["start_week"])),
                trainees=int(c["trainees"]),
                instructors=dict(by_nation),
                status="planned",
                plan_id=plan.id,
            )
        )
    plan.status = "approved"
    plan.approved_by = principal.username
    plan.approved_at = utcnow()
    db_session.flush()
    audit.record(
        db_session=db_session,
        actor=principal.username,
        action="approve",
        entity="plan",
        entity_id=plan.id,
        after={
            "cohorts": len(plan.result.get("cohorts", [])),
            "replaced_cohorts": len(replaced),
            "superseded": previous.id if previous else None,
        },
    )
    db_session.commit()
    return plan


def _result(problem: pp.Problem, plan: pp.Plan) -> dict[str, Any]:
    out = plan.to_dict()
    out["violations"] = [getattr(v, "message", str(v)) for v in validate(problem, plan)]
    out["score"] = _score_dict(problem, plan)
    out["unmet"] = _unmet(problem, plan)
    return out


def repair_breach(
    *, db_session: Session, principal: Principal, id: int, breach_week: dt.date
) -> tuple[Plan, dict[str, Any]]:
    """Repair a plan after a breach: cohorts on Ukrainian sites still running at the breach
    move back to EU sites or pause; every other cohort stays. Stored as a new solved plan;
    returns it with the diff against the original."""
    original = get(db_session=db_session, id=id)
    if original.status not in ("done", "approved"):
        raise Conflict(
            f"plan {id} is {original.status}; repair needs a solved plan", field="status"
        )
    week = (monday(breach_week) - original.horizon_start).days // 7
    if not 0 <= week < original.horizon_weeks:
        raise Invalid("the breach week is outside the plan's horizon", field="breach_week")
    problem = pp.Problem.from_dict(original.inputs)
    before = pp.Plan.from_dict(original.result)
    repaired = repair_after_breach(problem, before, week)
    after_problem = breach_problem(problem, week)
    result = _result(after_problem, repaired)
    result["paused"] = [c.to_dict() for c in repaired.paused]
    result["changed_cohorts"] = changed_cohorts(before, repaired)
    plan = Plan(
        name=f"Repair of plan {id} after a breach in week of {monday(breach_week).isoformat()}",
        scenario_id=original.scenario_id,
        status="done",
        horizon_start=original.horizon_start,
        horizon_weeks=original.horizon_weeks,
        inputs=after_problem.to_dict(),
        params={"repair_of": id, "breach_week": monday(breach_week).isoformat()},
        stats=result.get("stats", {}),
        result=result,
        created_by=principal.username,
    )
    db_session.add(plan)
    db_session.flush()
    audit.record(
        db_session=db_session,
        actor=principal.username,
        action="repair",
        entity="plan",
        entity_id=plan.id,
        after={
            "repair_of": id,
            "changed_cohorts": result["changed_cohorts"],
            "paused": len(repaired.paused),
        },
    )
    db_session.commit()
    return plan, diff_cohorts(original.result.get("cohorts", []), result["cohorts"])


def recommend(
    *,
    db_session: Session,
    id: int,
    course_code: str,
    trainees: int,
    earliest_start: dt.date,
    latest_end: dt.date,
    priority: int,
    k: int = 3,
) -> list[dict[str, Any]]:
    """The best few placements of one new request in a solved plan, with their effect on
    the rest of the plan, without a full re-solve."""
    plan = get(db_session=db_session, id=id)
    if not plan.result:
        raise Conflict(f"plan {id} has no result yet", field="status")
    problem = pp.Problem.from_dict(plan.inputs)
    if course_code not in {c.id for c in problem.courses}:
        raise Invalid(f"unknown course '{course_code}'", field="course_code")
    first = _index(earliest_start, plan.horizon_start)
    last = min(plan.horizon_weeks - 1, _index(latest_end, plan.horizon_start))
    if first < 0 or first > last:
        raise Invalid("the window is outside the plan's horizon", field="earliest_start")
    new = pp.Request(
        id="new",
        course=course_code,
        trainees=trainees,
        earliest_start=first,
        latest_end=last,
        priority=float(priority),
    )
    problem = problem.replace(requests=(*problem.requests, new))
    names = {s.id: s.name for s in problem.sites}
    out = []
    for rec in planner_recommend(problem, pp.Plan.from_dict(plan.result), new, k=k):
        item = rec.to_dict()
        item["site_name"] = names.get(rec.site, rec.site)
        item["start_date"] = plan.horizon_start + dt.timedelta(weeks=rec.start_week)
        out.append(item)
    return out
