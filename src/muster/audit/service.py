"""Record and query audit entries; records join the caller's transaction."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from muster.audit.models import AuditEntry


def snapshot(row: Any) -> dict[str, Any]:
    """Column values of a row as JSON-able data (dates as ISO text, Decimals as text)."""
    out: dict[str, Any] = {}
    for attr in inspect(row).mapper.column_attrs:
        value = getattr(row, attr.key)
        if isinstance(value, dt.date | dt.datetime):
            value = value.isoformat()
        elif isinstance(value, Decimal):
            value = str(value)
        out[attr.key] = value
    out.pop("password_hash", None)
    out.pop("token_hash", None)
    return out


def record(
    *,
    db_session: Session,
    actor: str,
    action: str,
    entity: str,
    entity_id: int | None,
    before: dict | None = None,
    after: dict | None = None,
) -> AuditEntry:
    """Add one audit entry to the current transaction (committed with the change itself)."""
    entry = AuditEntry(
        actor=actor,
        action=action,
        entity=entity,
        entity_id=entity_id,
        before=before,
        after=after,
    )
    db_session.add(entry)
    return entry


def search(
    *,
    db_session: Session,
    actor: str | None = None,
    entity: str | None = None,
    entity_id: int | None = None,
    action: str | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[AuditEntry], int]:
    """Audit entries, newest first, filtered by any of the given fields."""
    from sqlalchemy import func

    stmt = select(AuditEntry)
    for column, value in (
        (AuditEntry.actor, actor),
        (AuditEntry.entity, entity),
        (AuditEntry.entity_id, entity_id),
        (AuditEntry.action, action),
    ):
        if value is not None:
            stmt = stmt.where(column == value)
    if since is not None:
        stmt = stmt.where(AuditEntry.at >= since)
    if until is not None:
        stmt = stmt.where(AuditEntry.at < until)
    total = db_session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = db_session.scalars(stmt.order_by(AuditEntry.id.desc()).limit(limit).offset(offset)).all()
    return list(rows), total
