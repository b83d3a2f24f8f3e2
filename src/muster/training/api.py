"""Training routes: the standard routes of each table, the cumulative count, and plans."""

import datetime as dt

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel
from sqlalchemy.orm import Session

from muster.api_crud import crud_router
from muster.auth.principal import Principal
from muster.deps import ANY_ROLE, Permission, get_session
from muster.schemas import ERROR_RESPONSES, Page
from muster.training import plans, service
from muster.training.schemas import (
    Approve,
    PlanDiff,
    PlanIn,
    PlanOut,
    PlanSummary,
    RecommendIn,
    RepairIn,
    RepairOut,
)

router = APIRouter()
for _resource in service.RESOURCES:
    router.include_router(crud_router(_resource))


class Trained(BaseModel):
    cumulative_trained: int


@router.get(
    "/training/cumulative",
    response_model=Trained,
    tags=["training"],
    summary="Soldiers trained so far: public history plus completed cohorts",
    dependencies=[Depends(ANY_ROLE)],
)
def cumulative(db_session: Session = Depends(get_session)):
    return Trained(cumulative_trained=service.cumulative_trained(db_session=db_session))


plans_router = APIRouter(prefix="/plans", tags=["plans"], responses=ERROR_RESPONSES)


@plans_router.post(
    "",
    response_model=PlanSummary,
    status_code=202,
    summary="Queue a plan; the solve runs in the background",
)
def create_plan(
    data: PlanIn,
    db_session: Session = Depends(get_session),
    principal: Principal = Depends(Permission("admin", "planner")),
):
    return plans.create(
        db_session=db_session,
        principal=principal,
        scenario_id=data.scenario_id,
        start=data.start or dt.date.today(),
        weeks=data.weeks,
        time_limit=data.time_limit,
        seed=data.seed,
        deterministic=data.deterministic,
        name=data.name,
        release_per_week=data.release_per_week,
        stable=data.stable,
        pins=tuple((p.cohort_id, p.keep) for p in data.pins),
    )


@plans_router.get(
    "",
    response_model=Page[PlanSummary],
    summary="List plans, newest first",
    dependencies=[Depends(ANY_ROLE)],
)
def list_plans(
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0),
    db_session: Session = Depends(get_session),
):
    rows, total = plans.list_plans(db_session=db_session, limit=limit, offset=offset)
    return {"items": rows, "total": total, "limit": limit, "offset": offset}


@plans_router.get(
    "/{id}",
    response_model=PlanOut,
    summary="A plan: status, progress, statistics, cohorts, unmet demand",
    dependencies=[Depends(ANY_ROLE)],
)
def get_plan(id: int, db_session: Session = Depends(get_session)):
    return plans.get(db_session=db_session, id=id)


@plans_router.delete("/{id}", response_model=PlanSummary, summary="Cancel a queued or running plan")
def cancel_plan(
    id: int,
    db_session: Session = Depends(get_session),
    principal: Principal = Depends(Permission("admin", "planner")),
):
    return plans.cancel(db_session=db_session, principal=principal, id=id)


@plans_router.get(
    "/{id}/diff",
    response_model=PlanDiff,
    dependencies=[Depends(ANY_ROLE)],
    summary="Cohorts kept, moved, added and removed against another plan",
)
def diff_plan(
    id: int,
    against: int | None = Query(None, description="Default: approved"),
    db_session: Session = Depends(get_session),
):
    return plans.diff(db_session=db_session, id=id, against=against)


@plans_router.post(
    "/{id}/approve",
    response_model=PlanSummary,
    summary="Approve a solved plan: its cohorts become the current ones",
)
def approve_plan(
    id: int,
    data: Approve,
    db_session: Session = Depends(get_session),
    principal: Principal = Depends(Permission("admin", "planner")),
):
    return plans.approve(db_session=db_session, principal=principal, id=id, version=data.version)


@plans_router.post(
    "/{id}/repair",
    response_model=RepairOut,
    summary="Repair a plan after a breach: Ukrainian cohorts move to EU sites or pause",
)
def repair_plan(
    id: int,
    data: RepairIn,
    db_session: Session = Depends(get_session),
    principal: Principal = Depends(Permission("admin", "planner")),
):
    plan, changes = plans.repair_breach(
        db_session=db_session, principal=principal, id=id, breach_week=data.breach_week
    )
    return {"plan": plan, "diff": {"against": id, **changes}}


@plans_router.post(
    "/{id}/recommend",
    summary="Best placements of one new request in a plan, without a full re-solve",
    dependencies=[Depends(Permission("admin", "planner", "liaison"))],
)
def recommend(id: int, data: RecommendIn, db_session: Session = Depends(get_session)):
    return plans.recommend(db_session=db_session, id=id, **data.model_dump())


router.include_router(plans_router)
