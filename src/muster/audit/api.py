"""Read the audit log (planner, admin, observer)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel
from sqlalchemy.orm import Session

from muster.audit import service
from muster.deps import Permission, get_session
from muster.schemas import ERROR_RESPONSES, Page

router = APIRouter(prefix="/audit", tags=["audit"], responses=ERROR_RESPONSES)


class AuditOut(BaseModel):
    model_config = {"from_attributes": True}
    id: int
    at: dt.datetime
    actor: str
    action: str
    entity: str
    entity_id: int | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None


@router.get(
    "",
    response_model=Page[AuditOut],
    summary="Search the audit log",
    dependencies=[Depends(Permission("admin", "planner", "observer"))],
)
def search(
    actor: str | None = None,
    entity: str | None = Query(None, examples=["pledge"]),
    entity_id: int | None = None,
    action: str | None = Query(None, examples=["update"]),
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    limit: int = Query(50, ge=1, le=1000),
    offset: int = Query(0, ge=0),
    db_session: Session = Depends(get_session),
):
    rows, total = service.search(
        db_session=db_session,
        actor=actor,
        entity=entity,
        entity_id=entity_id,
        action=action,
        since=since,
        until=until,
        limit=limit,
        offset=offset,
    )
    return {"items": rows, "total": total, "limit": limit, "offset": offset}
