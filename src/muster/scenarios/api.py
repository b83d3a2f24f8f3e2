"""Scenario routes: the standard routes of each table, usability and site readiness."""

import datetime as dt

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from muster.api_crud import crud_router
from muster.deps import ANY_ROLE, get_session
from muster.scenarios import service
from muster.scenarios.schemas import SiteReadiness, Usable

router = APIRouter()
for _resource in service.RESOURCES:
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
