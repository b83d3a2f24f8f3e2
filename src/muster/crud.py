"""Shared service functions for editable rows: list, get, create, update, delete.

Each pillar declares its tables as `Resource`s (who may write, which field scopes a row to a
nation, which checks run before a write); these functions apply the house rules in one place:
role and nation scoping, optimistic locking (a stale `version` gets 409 and changes nothing),
one audit entry per write in the same transaction, and clear errors naming the field.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from sqlalchemy import BigInteger, func, inspect, select
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from muster.audit import service as audit
from muster.auth.principal import Principal
from muster.db import as_utc, utc_columns
from muster.errors import Conflict, Forbidden, Invalid, NotFound

Check = Callable[[Session, dict[str, Any], Any | None], dict[str, Any]]


@dataclass(frozen=True)
class Resource:
    """An editable table as the API, CLI and importers see it."""

    name: str  # URL segment and import name, e.g. "pledges"
    entity: str  # audit entity name, e.g. "pledge"
    model: type
    create_schema: type[BaseModel]
    update_schema: type[BaseModel]
    read_schema: type[BaseModel]
    writers: frozenset[str]  # roles that may write at all
    nation_field: str | None = None  # scoped users may only write rows of their nation
    filters: tuple[str, ...] = ()
    check: Check | None = None  # domain validation; returns the (normalised) values
    title: str = ""
    tags: tuple[str, ...] = field(default_factory=tuple)


def may_write(principal: Principal, resource: Resource) -> bool:
    """Role-level rule: may this principal write this kind of row at all?"""
    return principal.role in resource.writers


def _ensure_scope(principal: Principal, resource: Resource, values: dict[str, Any]) -> None:
    if not may_write(principal, resource):
        raise Forbidden(f"role '{principal.role}' may not change {resource.name}")
    if principal.is_scoped and resource.nation_field:
        nation = values.get(resource.nation_field)
        if nation != principal.nation:
            raise Forbidden(
                f"a {principal.role} user for {principal.nation} may only change rows of "
                f"{principal.nation}",
                field=resource.nation_field,
            )


def _row_values(row: Any) -> dict[str, Any]:
    return {a.key: getattr(row, a.key) for a in inspect(row).mapper.column_attrs}


def check_version(row: Any, version: int, what: str) -> None:
    """Optimistic locking for the caller: 409 naming `version` unless `version` is current."""
    if row.version != version:
        raise Conflict(
            f"{what} was changed by someone else (version {row.version}, you sent {version}); "
            "reload and try again",
            field="version",
        )


def get(*, db_session: Session, resource: Resource, id: int) -> Any:
    """One row by id, or NotFound."""
    row = db_session.get(resource.model, id)
    if row is None:
        raise NotFound(f"{resource.entity} {id} does not exist", field="id")
    return row


def _where_and_order(model: type, filters: dict[str, Any] | None, sort: str | None) -> tuple:
    """The WHERE conditions of equality `filters` and the ORDER BY of `sort` (id breaks ties)."""
    conditions = [getattr(model, k) == v for k, v in (filters or {}).items() if v is not None]
    order = model.id
    if sort:
        desc = sort.startswith("-")
        key = sort.lstrip("-")
        columns = {a.key for a in inspect(model).column_attrs}
        if key not in columns:
            raise Invalid(
                f"cannot sort by '{key}'; use one of: {', '.join(sorted(columns))}", field="sort"
            )
        order = getattr(model, key).desc() if desc else getattr(model, key)
    return conditions, (order, model.id)


def search(
    *,
    db_session: Session,
    resource: Resource,
    filters: dict[str, Any] | None = None,
    sort: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Any], int]:
    """Rows matching equality filters, sorted by `sort` (`-field` descending), paginated."""
    model = resource.model
    conditions, order = _where_and_order(model, filters, sort)
    stmt = select(model).where(*conditions)
    total = db_session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = db_session.scalars(stmt.order_by(*order).limit(limit).offset(offset)).all()
    return list(rows), total


def search_values(
    *,
    db_session: Session,
    resource: Resource,
    filters: dict[str, Any] | None = None,
    sort: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[dict[str, Any]], int]:
    """`search` as plain column values, for read-only lists (the API's).

    No ORM objects and the total from a window count in the same query: on the load
    benchmark building ORM objects was the largest part of a list request's CPU, and the
    separate count query a second round trip.
    """
    model = resource.model
    mapper = inspect(model)
    conditions, order = _where_and_order(model, filters, sort)
    stmt = (
        select(*(a.columns[0].label(a.key) for a in mapper.column_attrs))
        .add_columns(func.count().over().label("_total"))
        .where(*conditions)
        .order_by(*order)
        .limit(limit)
        .offset(offset)
    )
    found = db_session.execute(stmt).all()
    if found:
        total = found[0]._total
    elif offset:  # past the end: the window saw no rows to count
        total = db_session.scalar(select(func.count()).select_from(model).where(*conditions)) or 0
    else:
        total = 0
    tz_keys = utc_columns(mapper)
    values = []
    for row in found:
        item = row._asdict()
        del item["_total"]
        for key in tz_keys:
            item[key] = as_utc(item[key])
        values.append(item)
    return values, total


def _checked(
    db_session: Session, resource: Resource, values: dict[str, Any], row: Any | None
) -> dict[str, Any]:
    if resource.check is None:
        return values
    return resource.check(db_session, values, row)


def create(
    *,
    db_session: Session,
    resource: Resource,
    principal: Principal,
    data: BaseModel,
    commit: bool = True,
) -> Any:
    """Insert a row after scope and domain checks, with its audit entry."""
    values = data.model_dump()
    _ensure_scope(principal, resource, values)
    values = _checked(db_session, resource, values, None)
    row = resource.model(**values)
    db_session.add(row)
    _flush(db_session, resource)
    audit.record(
        db_session=db_session,
        actor=principal.username,
        action="create",
        entity=resource.entity,
        entity_id=row.id,
        after=audit.snapshot(row),
    )
    if commit:
        _commit(db_session, resource)
    return row


def update(
    *, db_session: Session, resource: Resource, principal: Principal, id: int, data: BaseModel
) -> Any:
    """Apply the given fields if `data.version` is current; otherwise 409 and no change."""
    row = get(db_session=db_session, resource=resource, id=id)
    changes = data.model_dump(exclude_unset=True)
    version = changes.pop("version", None)
    if version is None:
        raise Invalid("version is required for an update", field="version")
    columns = {c.key: c for c in inspect(resource.model).columns}
    for key, value in changes.items():
        if value is None and key in columns and not columns[key].nullable:
            raise Invalid(f"{key} may not be empty", field=key)
    before_values = _row_values(row)
    _ensure_scope(principal, resource, before_values)
    check_version(row, version, f"{resource.entity} {id}")
    merged = {**before_values, **changes}
    _ensure_scope(principal, resource, merged)
    merged = _checked(db_session, resource, merged, row)
    before = audit.snapshot(row)
    for key in changes:
        setattr(row, key, merged[key])
    if not db_session.is_modified(row):
        return row
    _flush(db_session, resource)
    audit.record(
        db_session=db_session,
        actor=principal.username,
        action="update",
        entity=resource.entity,
        entity_id=row.id,
        before=before,
        after=audit.snapshot(row),
    )
    _commit(db_session, resource)
    return row


def delete(
    *, db_session: Session, resource: Resource, principal: Principal, id: int, version: int
) -> None:
    """Delete a row if `version` is current; the audit entry keeps what it held."""
    row = get(db_session=db_session, resource=resource, id=id)
    _ensure_scope(principal, resource, _row_values(row))
    check_version(row, version, f"{resource.entity} {id}")
    before = audit.snapshot(row)
    db_session.delete(row)
    _flush(db_session, resource)
    audit.record(
        db_session=db_session,
        actor=principal.username,
        action="delete",
        entity=resource.entity,
        entity_id=id,
        before=before,
    )
    _commit(db_session, resource)


def _out_of_range_field(db_session: Session) -> str | None:
    """The first pending value a database refuses: an integer beyond its column's range, a
    string with a NUL byte (PostgreSQL)."""
    for row in [*db_session.new, *db_session.dirty]:
        for attr in inspect(row).mapper.column_attrs:
            value = getattr(row, attr.key, None)
            column_type = attr.columns[0].type
            if isinstance(value, bool):
                continue
            if isinstance(value, int):
                bits = 63 if isinstance(column_type, BigInteger) else 31
                if not -(2**bits) <= value < 2**bits:
                    return attr.key
            if isinstance(value, str) and "\x00" in value:
                return attr.key
    return None


def _flush(db_session: Session, resource: Resource) -> None:
    try:
        db_session.flush()
    except (DataError, OverflowError) as exc:
        field_name = _out_of_range_field(db_session)
        db_session.rollback()
        raise Invalid(
            f"{field_name or 'a value'} is out of range for {resource.entity}", field=field_name
        ) from exc
    except StaleDataError as exc:
        db_session.rollback()
        raise Conflict(
            f"{resource.entity} was changed by someone else; reload and try again",
            field="version",
        ) from exc
    except IntegrityError as exc:
        db_session.rollback()
        raise Conflict(
            f"{resource.entity} clashes with existing data or is still referenced: "
            f"{_integrity_reason(exc)}"
        ) from exc


def _commit(db_session: Session, resource: Resource) -> None:
    try:
        db_session.commit()
    except (StaleDataError, IntegrityError) as exc:
        db_session.rollback()
        raise Conflict(f"{resource.entity} could not be saved: {_integrity_reason(exc)}") from exc


def _integrity_reason(exc: Exception) -> str:
    text = str(getattr(exc, "orig", exc)).splitlines()[0]
    return text[:200]


def require(
    db_session: Session, model: type, column: str, value: Any, field_name: str, what: str
) -> None:
    """Raise Invalid naming `field_name` unless a `model` row has `column == value`."""
    if value is None:
        return
    found = db_session.scalar(select(func.count()).where(getattr(model, column) == value))
    if not found:
        raise Invalid(f"unknown {what} '{value}'", field=field_name)


def require_all(
    db_session: Session,
    model: type,
    column: str,
    values: Iterable[Any],
    field_name: str,
    what: str,
) -> None:
    """Like `require` for a list of values; names the first unknown one."""
    wanted = set(values)
    if not wanted:
        return
    known = set(
        db_session.scalars(
            select(getattr(model, column)).where(getattr(model, column).in_(wanted))
        ).all()
    )
    missing = sorted(wanted - known)
    if missing:
        raise Invalid(f"unknown {what} '{missing[0]}'", field=field_name)
