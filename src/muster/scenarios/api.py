"""Scenario routes: the standard routes of each table, usability and site readiness."""

import datetime as dt

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from muster.api_crud import crud_router
from muster.auth.principal import Principal
from muster.deps import ANY_ROLE, Permission, get_session
from muster.scenarios import contingency, mandate, runs, service
from muster.scenarios.schemas import (
    Activate,
    ContingencyIn,
    ContingencyOut,
    MandateState,
    MonteCarloIn,
    MonteCarloOut,
    SiteReadiness,
    Usable,
)
from muster.schemas import ERROR_RESPONSES, Page

router = APIRouter()
for _resource in service.RESOURCES + mandate.RESOURCES:
    router.include_router(crud_router(_resource))


@router.get(
    "/scenarios/{id}/usable",
    response_model=Usable,
    tags=["scenarios"],
    summary="What is usable in a week of a scenario: sites, pledges, contributions",
    dependencies=[Depends(ANY_ROLE)],
)
def usable(
    id: int,
    week: dt.date = Query(..., examples=["2027-01-04"]),
    db_session: Session = Depends(get_session),
):
    return service.usable(db_session=db_session, scenario_id=id, week=week)


@router.get(
    "/scenarios/{id}/readiness",
    response_model=list[SiteReadiness],
    tags=["scenarios"],
    dependencies=[Depends(ANY_ROLE)],
    summary="Ukrainian sites: open now, what blocks them, first week they open",
)
def readiness(
    id: int,
    today: dt.date | None = Query(None, description="Default: today"),
    weeks: int = Query(104, ge=1, le=520),
    db_session: Session = Depends(get_session),
):
    return service.site_readiness(
        db_session=db_session, scenario_id=id, today=today or dt.date.today(), weeks=weeks
    )


@router.get(
    "/scenarios/{id}/mandate",
    response_model=MandateState,
    tags=["scenarios"],
    dependencies=[Depends(ANY_ROLE)],
    summary="Does `mandate_amended` hold in a week; who blocks, with which stance and stated "
    "conditions; first week it holds",
)
def mandate_state(
    id: int,
    week: dt.date | None = Query(None, description="Default: this week"),
    weeks: int = Query(104, ge=1, le=520, description="Horizon to look for the first week"),
    db_session: Session = Depends(get_session),
):
    return mandate.state(
        db_session=db_session, scenario_id=id, week=week or dt.date.today(), weeks=weeks
    )


contingencies = APIRouter(prefix="/contingencies", tags=["scenarios"], responses=ERROR_RESPONSES)
PLANNER = Permission("admin", "planner")


@contingencies.post(
    "",
    response_model=ContingencyOut,
    status_code=202,
    summary="Prepare a contingency plan for a trigger; the solve is queued",
)
def prepare(
    data: ContingencyIn,
    db_session: Session = Depends(get_session),
    principal: Principal = Depends(PLANNER),
):
    row = contingency.prepare(db_session=db_session, principal=principal, **data.model_dump())
    return contingency.as_dict(db_session=db_session, row=row)


@contingencies.get(
    "",
    response_model=list[ContingencyOut],
    dependencies=[Depends(ANY_ROLE)],
    summary="Contingency plans with their readiness",
)
def list_contingencies(scenario_id: int | None = None, db_session: Session = Depends(get_session)):
    return [
        contingency.as_dict(db_session=db_session, row=r)
        for r in contingency.list_all(db_session=db_session, scenario_id=scenario_id)
    ]


@contingencies.get(
    "/proposals",
    response_model=list[ContingencyOut],
    dependencies=[Depends(ANY_ROLE)],
    summary="Contingencies whose trigger event has been recorded: activate them",
)
def list_proposals(scenario_id: int | None = None, db_session: Session = Depends(get_session)):
    return contingency.proposals(db_session=db_session, scenario_id=scenario_id)


@contingencies.post(
    "/{id}/activate",
    response_model=ContingencyOut,
    summary="Activate a contingency: its plan becomes the approved plan",
)
def activate(
    id: int,
    data: Activate,
    db_session: Session = Depends(get_session),
    principal: Principal = Depends(PLANNER),
):
    row = contingency.activate(
        db_session=db_session, principal=principal, id=id, version=data.version
    )
    return contingency.as_dict(db_session=db_session, row=row)


montecarlo = APIRouter(prefix="/montecarlo", tags=["scenarios"], responses=ERROR_RESPONSES)


@montecarlo.get(
    "/default",
    dependencies=[Depends(ANY_ROLE)],
    summary="The default Monte Carlo configuration, to edit and send back",
)
def default_config():
    return runs.default_config()


@montecarlo.post(
    "",
    response_model=MonteCarloOut,
    status_code=202,
    summary="Queue a Monte Carlo run comparing policies (wait vs proactive)",
)
def create_run(
    data: MonteCarloIn,
    db_session: Session = Depends(get_session),
    principal: Principal = Depends(PLANNER),
):
    return runs.create(db_session=db_session, principal=principal, **data.model_dump())


@montecarlo.get(
    "",
    response_model=Page[MonteCarloOut],
    dependencies=[Depends(ANY_ROLE)],
    summary="Monte Carlo runs, newest first",
)
def list_runs(
    limit: int = Query(20, ge=1, le=200),
    offset: int = Query(0, ge=0),
    db_session: Session = Depends(get_session),
):
    rows, total = runs.list_runs(db_session=db_session, limit=limit, offset=offset)
    return {"items": rows, "total": total, "limit": limit, "offset": offset}


@montecarlo.get(
    "/{id}",
    response_model=MonteCarloOut,
    dependencies=[Depends(ANY_ROLE)],
    summary="A run: status, progress, summaries (P10/P50/P90), charts",
)
def get_run(id: int, db_session: Session = Depends(get_session)):
    return runs.get(db_session=db_session, id=id)


@montecarlo.delete("/{id}", response_model=MonteCarloOut, summary="Cancel a run")
def cancel_run(
    id: int, db_session: Session = Depends(get_session), principal: Principal = Depends(PLANNER)
):
    return runs.cancel(db_session=db_session, principal=principal, id=id)


router.include_router(contingencies)
router.include_router(montecarlo)
