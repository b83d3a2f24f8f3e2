"""Training services: validation of sites, pledges, requests and cohorts; the cumulative count."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from muster.crud import Resource, require, require_all
from muster.errors import Invalid
from muster.reference.models import Course, Nation
from muster.scenarios.service import check_condition
from muster.training.models import Cohort, Pledge, Site, TrainingRequest, TrainingTotal
from muster.training.schemas import (
    CohortIn,
    CohortOut,
    CohortUpdate,
    PledgeIn,
    PledgeOut,
    PledgeUpdate,
    SiteIn,
    SiteOut,
    SiteUpdate,
    TrainingRequestIn,
    TrainingRequestOut,
    TrainingRequestUpdate,
    TrainingTotalIn,
    TrainingTotalOut,
    TrainingTotalUpdate,
)
from muster.weeks import monday

PLANNERS = frozenset({"admin", "planner"})


def _check_site(db_session: Session, values: dict[str, Any], row: Any) -> dict[str, Any]:
    require(db_session, Nation, "code", values["host_nation"], "host_nation", "nation")
    require_all(db_session, Course, "code", values["course_codes"], "course_codes", "course")
    values["condition"] = check_condition(db_session, values["condition"], "condition")
    if values["in_ukraine"] != (values["host_nation"] == "UA"):
        raise Invalid(
            "a site is inside Ukraine exactly when its host nation is UA", field="in_ukraine"
        )
    return values


def _check_pledge(db_session: Session, values: dict[str, Any], row: Any) -> dict[str, Any]:
    require(db_session, Nation, "code", values["nation"], "nation", "nation")
    categories = set(db_session.scalars(select(Course.category)).all())
    if values["course_category"] not in categories:
        raise Invalid(
            f"unknown course category '{values['course_category']}'; known: "
            f"{', '.join(sorted(categories))}",
            field="course_category",
        )
    values["week_from"] = monday(values["week_from"])
    values["week_to"] = monday(values["week_to"])
    if values["week_to"] < values["week_from"]:
        raise Invalid("week_to is before week_from", field="week_to")
    values["condition"] = check_condition(db_session, values["condition"], "condition")
    values["ukraine_condition"] = check_condition(
        db_session, values["ukraine_condition"], "ukraine_condition"
    )
    return values


def _check_request(db_session: Session, values: dict[str, Any], row: Any) -> dict[str, Any]:
    course = db_session.scalar(select(Course).where(Course.code == values["course_code"]))
    if course is None:
        raise Invalid(f"unknown course '{values['course_code']}'", field="course_code")
    values["earliest_start"] = monday(values["earliest_start"])
    values["latest_end"] = monday(values["latest_end"])
    weeks = (values["latest_end"] - values["earliest_start"]).days // 7 + 1
    if weeks < course.duration_weeks:
        raise Invalid(
            f"the window holds {weeks} week(s) but {course.code} lasts {course.duration_weeks}",
            field="latest_end",
        )
    return values


def _check_cohort(db_session: Session, values: dict[str, Any], row: Any) -> dict[str, Any]:
    require(db_session, TrainingRequest, "id", values["request_id"], "request_id", "request")
    require(db_session, Site, "id", values["site_id"], "site_id", "site")
    require_all(db_session, Nation, "code", values["instructors"], "instructors", "nation")
    if any(n < 0 for n in values["instructors"].values()):
        raise Invalid("instructor counts may not be negative", field="instructors")
    values["start_week"] = monday(values["start_week"])
    return values


def _check_total(db_session: Session, values: dict[str, Any], row: Any) -> dict[str, Any]:
    return values


SITES = Resource(
    name="sites",
    entity="site",
    model=Site,
    create_schema=SiteIn,
    update_schema=SiteUpdate,
    read_schema=SiteOut,
    writers=PLANNERS,
    filters=("host_nation", "in_ukraine", "status"),
    check=_check_site,
    title="Training sites",
    tags=("training",),
)
PLEDGES = Resource(
    name="pledges",
    entity="pledge",
    model=Pledge,
    create_schema=PledgeIn,
    update_schema=PledgeUpdate,
    read_schema=PledgeOut,
    writers=frozenset({"admin", "planner", "nation"}),
    nation_field="nation",
    filters=("nation", "course_category", "status", "eu_soil_only"),
    check=_check_pledge,
    title="Instructor pledges",
    tags=("training",),
)
REQUESTS = Resource(
    name="training-requests",
    entity="training_request",
    model=TrainingRequest,
    create_schema=TrainingRequestIn,
    update_schema=TrainingRequestUpdate,
    read_schema=TrainingRequestOut,
    writers=frozenset({"admin", "planner", "liaison"}),
    filters=("course_code", "status", "priority"),
    check=_check_request,
    title="Training requests",
    tags=("training",),
)
COHORTS = Resource(
    name="cohorts",
    entity="cohort",
    model=Cohort,
    create_schema=CohortIn,
    update_schema=CohortUpdate,
    read_schema=CohortOut,
    writers=PLANNERS,
    filters=("request_id", "site_id", "status", "plan_id"),
    check=_check_cohort,
    title="Cohorts",
    tags=("training",),
)
TOTALS = Resource(
    name="training-totals",
    entity="training_total",
    model=TrainingTotal,
    create_schema=TrainingTotalIn,
    update_schema=TrainingTotalUpdate,
    read_schema=TrainingTotalOut,
    writers=PLANNERS,
    check=_check_total,
    title="Cumulative trained (history)",
    tags=("training",),
)
RESOURCES = (SITES, PLEDGES, REQUESTS, COHORTS, TOTALS)


def cumulative_trained(*, db_session: Session) -> int:
    """The latest public cumulative figure plus trainees of completed cohorts after it."""
    latest = db_session.scalar(select(TrainingTotal).order_by(TrainingTotal.as_of.desc()))
    base = latest.cumulative_trained if latest else 0
    stmt = select(Cohort).where(Cohort.status == "completed")
    if latest:
        stmt = stmt.where(Cohort.start_week > latest.as_of)
    return base + sum(c.trainees for c in db_session.scalars(stmt))


# --- figures the pages show --------------------------------------------------------------


def open_requests_by_priority(*, db_session: Session) -> list[dict[str, int]]:
    """Open training requests per priority (5 first): how many and how many trainees."""
    out: dict[int, dict[str, int]] = {
        p: {"priority": p, "requests": 0, "trainees": 0} for p in range(5, 0, -1)
    }
    for r in db_session.scalars(select(TrainingRequest).where(TrainingRequest.status == "open")):
        out[r.priority]["requests"] += 1
        out[r.priority]["trainees"] += r.trainees
    return list(out.values())


def cohort_schedule(*, db_session: Session) -> list[dict[str, Any]]:
    """Cohorts (not cancelled) with their site, course and weeks, for a Gantt chart."""
    import datetime as dt

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


def capacity_by_host_nation(*, db_session: Session, today: Any = None) -> list[dict[str, Any]]:
    """Per host nation: capacity of the sites that are not closed (trainees at once) and the
    trainees of planned or running cohorts in training during the week of `today`."""
    import datetime as dt

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
    for c in cohort_schedule(db_session=db_session):
        if c["status"] in ("planned", "running") and c["start"] <= today < c["end"]:
            nation = host_of.get(c["site_id"])
            if nation:
                totals[nation]["in_use"] += c["trainees"]
    return sorted(totals.values(), key=lambda e: -e["capacity"])


def pledged_instructors(*, db_session: Session) -> int:
    """Instructors in pledges that are not withdrawn."""
    return sum(
        p.instructors
        for p in db_session.scalars(select(Pledge).where(Pledge.status != "withdrawn"))
    )


def projected_trained(
    *, db_session: Session, today: dt.date, current: int
) -> list[tuple[dt.date, int]]:
    """The approved plan's projection: `current` plus the trainees of each planned or running
    cohort, counted in the week its course ends (from today on)."""
    rows = db_session.execute(
        select(Cohort.start_week, Cohort.trainees, Course.duration_weeks)
        .join(TrainingRequest, TrainingRequest.id == Cohort.request_id)
        .join(Course, Course.code == TrainingRequest.course_code)
        .where(Cohort.status.in_(("planned", "running")))
    ).all()
    ends: dict[dt.date, int] = {}
    for start, trainees, weeks in rows:
        end = start + dt.timedelta(weeks=weeks, days=-3)  # the Friday of the last week
        if end >= today:
            ends[end] = ends.get(end, 0) + trainees
    out, total = [(today, current)], current
    for end in sorted(ends):
        total += ends[end]
        out.append((end, total))
    return out if len(out) > 1 else []
