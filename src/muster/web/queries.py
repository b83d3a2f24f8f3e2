"""Read-only figures the pages show. Candidates for the pillars' service modules; they live
here until those modules offer them."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from muster.guarantees.models import Contribution, ForceRequirement
from muster.procurement.models import CapabilityCoalition, LoanRequest
from muster.reference.models import Nation
from muster.scenarios.models import Condition, PhaseEvent, Scenario
from muster.training.models import Pledge, Site, TrainingRequest, TrainingTotal

DEADLINE_WARNING_DAYS = 30


def sites(db_session: Session) -> list[Site]:
    return list(db_session.scalars(select(Site).order_by(Site.name)))


def training_history(db_session: Session) -> list[TrainingTotal]:
    """The public milestones of the cumulative number trained, oldest first."""
    return list(db_session.scalars(select(TrainingTotal).order_by(TrainingTotal.as_of)))


def open_requests_by_priority(db_session: Session) -> list[dict[str, int]]:
    """Open training requests per priority (5 first): how many and how many trainees."""
    out: dict[int, dict[str, int]] = {
        p: {"priority": p, "requests": 0, "trainees": 0} for p in range(5, 0, -1)
    }
    for r in db_session.scalars(select(TrainingRequest).where(TrainingRequest.status == "open")):
        out[r.priority]["requests"] += 1
        out[r.priority]["trainees"] += r.trainees
    return list(out.values())


def capacity_by_host_nation(
    db_session: Session, today: dt.date | None = None
) -> list[dict[str, Any]]:
    """Per host nation: capacity of the sites that are not closed (trainees at once) and the
    trainees of planned or running cohorts in training during the week of `today`."""
    today = today or dt.date.today()
    totals: dict[str, dict[str, Any]] = {}
    host_of: dict[int, str] = {}
    for s in db_session.scalars(select(Site).where(Site.status != "closed")):
        entry = totals.setdefault(
            s.host_nation,
            {"nation": s.host_nation, "capacity": 0, "in_use": 0, "sites": 0, "in_ukraine": False},
        )
        entry["capacity"] += s.weekly_capacity
        entry["sites"] += 1
        entry["in_ukraine"] = entry["in_ukraine"] or s.in_ukraine
        host_of[s.id] = s.host_nation
    for c in cohort_schedule(db_session):
        if c["status"] in ("planned", "running") and c["start"] <= today < c["end"]:
            nation = host_of.get(c["site_id"])
            if nation:
                totals[nation]["in_use"] += c["trainees"]
    return sorted(totals.values(), key=lambda e: -e["capacity"])


def pledged_instructors(db_session: Session) -> int:
    """Instructors in pledges that are not withdrawn."""
    return sum(
        p.instructors
        for p in db_session.scalars(select(Pledge).where(Pledge.status != "withdrawn"))
    )


def guarantee_figures(db_session: Session) -> list[dict[str, Any]]:
    """Per capability: quantity required, offered (not withdrawn) and confirmed or deployed.

    A plain sum over zones and conditions, until the sourcing optimizer exists.
    """
    rows: dict[str, dict[str, Any]] = {}

    def entry(capability: str, unit: str) -> dict[str, Any]:
        return rows.setdefault(
            capability,
            {"capability": capability, "unit": unit, "required": 0, "offered": 0, "confirmed": 0},
        )

    for r in db_session.scalars(select(ForceRequirement)):
        entry(r.capability, r.unit)["required"] += r.quantity
    for c in db_session.scalars(select(Contribution).where(Contribution.status != "withdrawn")):
        if c.kind == "funding" or not c.capability:
            continue
        e = entry(c.capability, c.unit)
        e["offered"] += c.quantity
        if c.status in ("confirmed", "deployed"):
            e["confirmed"] += c.quantity
    out = sorted(rows.values(), key=lambda e: (-e["required"], e["capability"]))
    for e in out:
        e["fill"] = (
            round(100 * min(e["offered"], e["required"]) / e["required"]) if e["required"] else None
        )
    return out


def funding_offered_cents(db_session: Session) -> int:
    return sum(
        c.amount_cents or 0
        for c in db_session.scalars(
            select(Contribution).where(
                Contribution.kind == "funding", Contribution.status != "withdrawn"
            )
        )
    )


def deadline_board(db_session: Session, today: dt.date) -> list[dict[str, Any]]:
    """Capability coalitions with the state of their deadlines, most urgent first.

    `flag` is `overdue` (no lead nation and the lead deadline passed), `due` (no lead nation,
    deadline within 30 days), `open` (no lead nation yet) or `ok` (lead designated).
    """
    out = []
    for c in db_session.scalars(select(CapabilityCoalition).order_by(CapabilityCoalition.id)):
        days = (c.lead_deadline - today).days
        if c.lead_nation:
            flag = "ok"
        elif days < 0:
            flag = "overdue"
        elif days <= DEADLINE_WARNING_DAYS:
            flag = "due"
        else:
            flag = "open"
        contract_days = (c.contract_deadline - today).days if c.contract_deadline else None
        out.append(
            {
                "coalition": c,
                "flag": flag,
                "days": days,
                "contract_days": contract_days,
                "contract_flag": (
                    None
                    if contract_days is None or c.status in ("contracted", "closed")
                    else "overdue"
                    if contract_days < 0
                    else "due"
                    if contract_days <= DEADLINE_WARNING_DAYS
                    else None
                ),
            }
        )
    order = {"overdue": 0, "due": 1, "open": 2, "ok": 3}
    return sorted(out, key=lambda e: (order[e["flag"]], e["coalition"].lead_deadline))


def loans_by_nation(db_session: Session) -> list[dict[str, Any]]:
    """Requested loan amounts (not withdrawn) per nation, largest first."""
    totals: dict[str, int] = defaultdict(int)
    for r in db_session.scalars(select(LoanRequest).where(LoanRequest.status != "withdrawn")):
        totals[r.nation] += r.amount_cents
    return [
        {"nation": n, "amount_cents": a} for n, a in sorted(totals.items(), key=lambda kv: -kv[1])
    ]


def nation_names(db_session: Session) -> dict[str, str]:
    return {n.code: n.name for n in db_session.scalars(select(Nation))}


def conditions(db_session: Session) -> list[Condition]:
    return list(db_session.scalars(select(Condition).order_by(Condition.name)))


def scenarios(db_session: Session) -> list[Scenario]:
    return list(
        db_session.scalars(select(Scenario).order_by(Scenario.is_reality.desc(), Scenario.id))
    )


def phase_events(db_session: Session, scenario_id: int) -> list[PhaseEvent]:
    return list(
        db_session.scalars(
            select(PhaseEvent)
            .where(PhaseEvent.scenario_id == scenario_id)
            .order_by(PhaseEvent.date, PhaseEvent.id)
        )
    )


def cohort_schedule(db_session: Session) -> list[dict[str, Any]]:
    """Cohorts (not cancelled) with their site, course and weeks, for a Gantt chart."""
    from muster.reference.models import Course
    from muster.training.models import Cohort

    stmt = (
        select(Cohort, Site.name, TrainingRequest.course_code, Course.duration_weeks)
        .join(Site, Site.id == Cohort.site_id)
        .join(TrainingRequest, TrainingRequest.id == Cohort.request_id)
        .join(Course, Course.code == TrainingRequest.course_code)
        .where(Cohort.status != "cancelled")
        .order_by(Site.name, Cohort.start_week, Cohort.id)
    )
    return [
        {
            "id": cohort.id,
            "site": site,
            "site_id": cohort.site_id,
            "course": course,
            "start": cohort.start_week,
            "end": cohort.start_week + dt.timedelta(weeks=weeks),
            "trainees": cohort.trainees,
            "status": cohort.status,
        }
        for cohort, site, course, weeks in db_session.execute(stmt)
    ]


def condition_events(db_session: Session, scenario_id: int) -> list[Any]:
    """The scenario's changes of named conditions, in date order."""
    from muster.scenarios.models import ConditionEvent

    return list(
        db_session.scalars(
            select(ConditionEvent)
            .where(ConditionEvent.scenario_id == scenario_id)
            .order_by(ConditionEvent.date, ConditionEvent.id)
        )
    )
