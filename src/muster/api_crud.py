"""One router per `Resource`: list (filters, sort, pagination), get, create, update, delete.

Routers stay thin: they parse, check the role at the route, and call `muster.crud`.
"""

import inspect
from typing import Any, Literal, Optional

from fastapi import APIRouter, Depends, File, Query, Response, UploadFile
from pydantic import BaseModel
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session

from muster import crud, transfer
from muster.auth.principal import Principal
from muster.crud import Resource
from muster.deps import ANY_ROLE, Permission, get_session
from muster.schemas import ERROR_RESPONSES, Page


class ImportResult(BaseModel):
    imported: int


def _filter_dependency(resource: Resource):
    """A dependency whose signature declares one optional query parameter per filter field,
    so every filter appears in the OpenAPI document with its type."""
    columns = {c.key: c for c in sa_inspect(resource.model).columns}
    params = []
    for name in resource.filters:
        py_type = columns[name].type.python_type
        params.append(
            inspect.Parameter(
                name,
                inspect.Parameter.KEYWORD_ONLY,
                default=Query(None, description=f"Only rows whose {name} equals this"),
                annotation=Optional[py_type],  # noqa: UP045 - a runtime type
            )
        )

    async def filters(**kwargs: Any) -> dict[str, Any]:  # async: no thread hop
        return {k: v for k, v in kwargs.items() if v is not None}

    filters.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    return filters


def crud_router(resource: Resource) -> APIRouter:
    """Build the five standard routes of a resource."""
    router = APIRouter(
        prefix=f"/{resource.name}", tags=list(resource.tags), responses=ERROR_RESPONSES
    )
    Read = resource.read_schema
    Create = resource.create_schema
    Update = resource.update_schema
    writer = Permission(*sorted(resource.writers))
    filter_dep = _filter_dependency(resource)
    label = resource.title or resource.name
    # lists are served from plain column values when the read schema needs nothing else
    columns = {a.key for a in sa_inspect(resource.model).column_attrs}
    search = crud.search_values if set(Read.model_fields) <= columns else crud.search

    @router.get(
        "",
        response_model=Page[Read],
        summary=f"List {label.lower()}",
        dependencies=[Depends(ANY_ROLE)],
    )
    def list_rows(
        filters: dict = Depends(filter_dep),
        sort: str | None = Query(None, description="Field to sort by; prefix - for descending"),
        limit: int = Query(50, ge=1, le=1000),
        offset: int = Query(0, ge=0),
        db_session: Session = Depends(get_session),
    ):
        rows, total = search(
            db_session=db_session,
            resource=resource,
            filters=filters,
            sort=sort,
            limit=limit,
            offset=offset,
        )
        return {"items": rows, "total": total, "limit": limit, "offset": offset}

    @router.get(
        "/export",
        summary=f"Export {label.lower()} as CSV or XLSX",
        dependencies=[Depends(ANY_ROLE)],
        responses={
            200: {
                "content": {"text/csv": {}, transfer.MEDIA_TYPES["xlsx"]: {}},
                "description": "The rows, re-importable as they are",
            }
        },
    )
    def export(
        filters: dict = Depends(filter_dep),
        format: Literal["csv", "xlsx"] = Query("csv"),
        db_session: Session = Depends(get_session),
    ):
        content = transfer.export_rows(
            db_session=db_session, resource=resource, fmt=format, filters=filters
        )
        return Response(
            content,
            media_type=transfer.MEDIA_TYPES[format],
            headers={"Content-Disposition": f'attachment; filename="{resource.name}.{format}"'},
        )

    if resource.name in transfer.IMPORTABLE:

        @router.post(
            "/import",
            response_model=ImportResult,
            summary=f"Import {label.lower()} from CSV or XLSX (all or nothing)",
        )
        async def import_file(
            file: UploadFile = File(..., description="CSV or XLSX with a header row"),
            db_session: Session = Depends(get_session),
            principal: Principal = Depends(writer),
        ):
            name = (file.filename or "").lower()
            fmt = "xlsx" if name.endswith(".xlsx") else "csv"
            content = await file.read()
            count = transfer.import_rows(
                db_session=db_session,
                resource=resource,
                principal=principal,
                content=content,
                fmt=fmt,
            )
            return ImportResult(imported=count)

    @router.get(
        "/{id}",
        response_model=Read,
        summary=f"Get one of {label.lower()}",
        dependencies=[Depends(ANY_ROLE)],
    )
    def get_row(id: int, db_session: Session = Depends(get_session)):
        return crud.get(db_session=db_session, resource=resource, id=id)

    @router.post("", response_model=Read, status_code=201, summary=f"Create ({label.lower()})")
    def create_row(
        data: Create,
        db_session: Session = Depends(get_session),  # type: ignore
        principal: Principal = Depends(writer),
    ):
        return crud.create(db_session=db_session, resource=resource, principal=principal, data=data)

    @router.patch(
        "/{id}", response_model=Read, summary=f"Update ({label.lower()}); send the version you read"
    )
    def update_row(
        id: int,
        data: Update,
        db_session: Session = Depends(get_session),  # type: ignore
        principal: Principal = Depends(writer),
    ):
        return crud.update(
            db_session=db_session, resource=resource, principal=principal, id=id, data=data
        )

    @router.delete(
        "/{id}",
        status_code=204,
        response_class=Response,
        summary=f"Delete ({label.lower()}); send the version you read",
    )
    def delete_row(
        id: int,
        version: int = Query(..., ge=1),
        db_session: Session = Depends(get_session),
        principal: Principal = Depends(writer),
    ):
        crud.delete(
            db_session=db_session, resource=resource, principal=principal, id=id, version=version
        )
        return Response(status_code=204)

    return router
