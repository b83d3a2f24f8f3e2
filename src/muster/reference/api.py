"""Reference routes: nations, courses, priority areas, and the fixed list of phases."""

from fastapi import APIRouter, Depends
from sqlalchemy import select
from sqlalchemy.orm import Session

from muster.api_crud import crud_router
from muster.deps import ANY_ROLE, get_session
from muster.reference import service
from muster.reference.models import Phase
from muster.reference.schemas import PhaseOut

router = APIRouter()
for _resource in service.RESOURCES:
    router.include_router(crud_router(_resource))


@router.get(
    "/phases",
    response_model=list[PhaseOut],
    tags=["reference"],
    summary="The phases of the war, in order",
    dependencies=[Depends(ANY_ROLE)],
)
def phases(db_session: Session = Depends(get_session)):
    return db_session.scalars(select(Phase).order_by(Phase.rank)).all()
