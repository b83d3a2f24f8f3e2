"""Routes of the guarantees pillar: the standard routes of each table, the sourcing of a
scenario week (JSON or XLSX), what-if, coverage conditions, a fill-rate figure, contribution
status changes and sourcing rounds."""

import datetime as dt

from fastapi import APIRouter, Depends, Query, Response
from sqlalchemy.orm import Session

from muster import transfer
from muster.api_crud import crud_router
from muster.auth.principal import Principal
from muster.deps import ANY_ROLE, Permission, get_session
from muster.guarantees import charts, export, service
from muster.guarantees.schemas import (
    ContributionOut,
    Figure,
    GapDecisionIn,
    GapOut,
    RoundIn,
    RoundOut,
    SourcingOut,
    StatusChange,
    VersionIn,
    WhatIfOut,
)
from muster.schemas import ERROR_RESPONSES
from muster.weeks import monday

PLANNER = Permission("admin", "planner")
CONTRIBUTOR = Permission("admin", "planner", "nation")

router = APIRouter()
for _resource in service.RESOURCES:
    router.include_router(crud_router(_resource))

sourcing_router = APIRouter(prefix="/guarantees", tags=["guarantees"], responses=ERROR_RESPONSES)

SCENARIO = Query(None, description="Scenario id (default: the reality)")
WEEK = Query(None, description="Any day of the week (default: this week)", examples=["2027-02-01"])
BASIS = Query(
    "promised",
    pattern="^(promised|confirmed|deployed)$",
    description="What counts: promised (offered, confirmed, deployed), confirmed, or deployed "
    "(on the ground that week)",
)


def _week(week: dt.date | None) -> dt.date:
    return monday(week or dt.date.today())


@sourcing_router.get(
    "/sourcing",
    response_model=SourcingOut,
    summary="Who fills which requirement in a scenario week; fill and shortfall per zone",
    dependencies=[Depends(ANY_ROLE)],
)
def sourcing(
    scenario_id: int | None = SCENARIO,
    week: dt.date | None = WEEK,
    basis: str = BASIS,
    db_session: Session = Depends(get_session),
):
    data, result = service.source(
        db_session=db_session, scenario_id=scenario_id, week=_week(week), basis=basis
    )
    return service.sourcing_dict(data, result)


@sourcing_router.get(
    "/sourcing/export",
    summary="The sourcing table of a scenario week as XLSX",
    dependencies=[Depends(ANY_ROLE)],
    responses={200: {"content": {transfer.MEDIA_TYPES["xlsx"]: {}}}},
)
def sourcing_export(
    scenario_id: int | None = SCENARIO,
    week: dt.date | None = WEEK,
    basis: str = BASIS,
    db_session: Session = Depends(get_session),
):
    data, result = service.source(
        db_session=db_session, scenario_id=scenario_id, week=_week(week), basis=basis
    )
    content = export.sourcing_xlsx(service.sourcing_dict(data, result))
    return Response(
        content,
        media_type=transfer.MEDIA_TYPES["xlsx"],
        headers={"Content-Disposition": f'attachment; filename="sourcing-{data.week}.xlsx"'},
    )


@sourcing_router.get(
    "/what-if",
    response_model=WhatIfOut,
    summary="What each condition that does not hold would unlock; who could still fill a gap",
    dependencies=[Depends(ANY_ROLE)],
)
def what_if(
    scenario_id: int | None = SCENARIO,
    week: dt.date | None = WEEK,
    basis: str = BASIS,
    db_session: Session = Depends(get_session),
):
    return service.what_if(
        db_session=db_session, scenario_id=scenario_id, week=_week(week), basis=basis
    )


@sourcing_router.get(
    "/coverage",
    response_model=dict[str, bool],
    summary="Coverage conditions (<zone>_air_defence_covered) in a scenario week",
    dependencies=[Depends(ANY_ROLE)],
)
def coverage(
    scenario_id: int | None = SCENARIO,
    week: dt.date | None = WEEK,
    basis: str = BASIS,
    db_session: Session = Depends(get_session),
):
    return service.coverage_conditions(
        db_session=db_session, scenario_id=scenario_id, week=_week(week), basis=basis
    )


@sourcing_router.get(
    "/charts/fill",
    response_model=Figure,
    summary="Plotly figure: fill rate per zone and capability across scenarios",
    dependencies=[Depends(ANY_ROLE)],
)
def fill_chart(
    scenario_id: list[int] = Query([], description="Scenario ids (default: every scenario)"),
    week: dt.date | None = WEEK,
    basis: str = BASIS,
    db_session: Session = Depends(get_session),
):
    ids = scenario_id or service.scenario_ids(db_session=db_session)
    rows = service.fill_rows(db_session=db_session, scenario_ids=ids, week=_week(week), basis=basis)
    return charts.fill_rate_figure(
        rows, title=f"Fill rate per zone and capability, week of {_week(week)}"
    )


@sourcing_router.post(
    "/contributions/{id}/status",
    response_model=ContributionOut,
    summary="Move a contribution offered → confirmed → deployed → rotated out, with the date",
)
def change_status(
    id: int,
    data: StatusChange,
    db_session: Session = Depends(get_session),
    principal: Principal = Depends(CONTRIBUTOR),
):
    return service.change_status(
        db_session=db_session,
        principal=principal,
        id=id,
        status=data.status,
        on=data.on,
        version=data.version,
    )


@sourcing_router.get(
    "/rounds",
    response_model=list[RoundOut],
    summary="Sourcing rounds, newest first",
    dependencies=[Depends(ANY_ROLE)],
)
def list_rounds(db_session: Session = Depends(get_session)):
    return service.list_rounds(db_session=db_session)


@sourcing_router.post(
    "/rounds",
    response_model=RoundOut,
    status_code=201,
    summary="Issue a statement of requirements: a new round with the gaps of a scenario week",
)
def issue_round(
    data: RoundIn,
    db_session: Session = Depends(get_session),
    principal: Principal = Depends(PLANNER),
):
    return service.issue_round(db_session=db_session, principal=principal, data=data)


@sourcing_router.get(
    "/rounds/{id}",
    response_model=RoundOut,
    summary="One sourcing round with its gaps and answers",
    dependencies=[Depends(ANY_ROLE)],
)
def get_round(id: int, db_session: Session = Depends(get_session)):
    return service.get_round(db_session=db_session, id=id)


@sourcing_router.post(
    "/rounds/{id}/close",
    response_model=RoundOut,
    summary="Close a round; send the version you read",
)
def close_round(
    id: int,
    data: VersionIn,
    db_session: Session = Depends(get_session),
    principal: Principal = Depends(PLANNER),
):
    return service.close_round(
        db_session=db_session, principal=principal, id=id, version=data.version
    )


@sourcing_router.patch(
    "/rounds/{id}/gaps/{gap_id}",
    response_model=GapOut,
    summary="Accept a gap or ask again in the next round; send the version you read",
)
def decide_gap(
    id: int,
    gap_id: int,
    data: GapDecisionIn,
    db_session: Session = Depends(get_session),
    principal: Principal = Depends(PLANNER),
):
    return service.decide_gap(
        db_session=db_session,
        principal=principal,
        round_id=id,
        gap_id=gap_id,
        decision=data.decision,
        note=data.note,
        version=data.version,
    )


router.include_router(sourcing_router)
