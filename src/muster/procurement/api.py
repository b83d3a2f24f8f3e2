"""Routes of the procurement pillar: the standard routes of each of its tables."""

from fastapi import APIRouter

from muster.api_crud import crud_router
from muster.procurement import service

router = APIRouter()
for _resource in service.RESOURCES:
    router.include_router(crud_router(_resource))
