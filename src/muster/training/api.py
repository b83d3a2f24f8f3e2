"""Training routes: the standard routes of each table plus the cumulative count."""

from fastapi import APIRouter, Depends
from pydantic import BaseModel
from sqlalchemy.orm import Session

from muster.api_crud import crud_router
from muster.deps import ANY_ROLE, get_session
from muster.training import service

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
