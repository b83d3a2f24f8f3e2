"""Many writers on the same rows of a real PostgreSQL database, with real commits.

Every update either applies or gets 409; the audit log holds exactly one entry per applied
update; no update is lost (the final value equals the number of applied increments).
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from muster import crud
from muster.audit.models import AuditEntry
from muster.auth.principal import Principal
from muster.db import make_engine, make_sessionmaker
from muster.errors import Conflict
from muster.migrate import upgrade
from muster.reference import demo
from muster.training.models import Pledge
from muster.training.service import PLEDGES
from tests.conftest import create_pg_database, drop_pg_database

pytestmark = pytest.mark.pg

PLANNER = Principal(username="planner", role="planner")


@pytest.fixture(scope="module")
def pg_factory():
    url = create_pg_database()
    upgrade(url)
    engine = make_engine(url)
    with Session(engine) as session:
        demo.load(session, password="demo-password-1")
    yield make_sessionmaker(engine)
    engine.dispose()
    drop_pg_database(url)


def _increment(factory, pledge_id, results, barrier):
    session = factory()
    try:
        row = crud.get(db_session=session, resource=PLEDGES, id=pledge_id)
        version, value = row.version, row.instructors
        session.rollback()  # end the read; the write must rely on the version alone
        barrier.wait()
        data = PLEDGES.update_schema(version=version, instructors=value + 1)
        try:
            crud.update(
                db_session=session, resource=PLEDGES, principal=PLANNER, id=pledge_id, data=data
            )
            results.append("applied")
        except Conflict:
            results.append("conflict")
    finally:
        session.close()


def test_racing_updates_apply_or_conflict_never_lost(pg_factory):
    with pg_factory() as s:
        pledge = s.scalars(select(Pledge).order_by(Pledge.id)).first()
        start, pledge_id = pledge.instructors, pledge.id
        audit_before = s.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(
                AuditEntry.entity == "pledge",
                AuditEntry.entity_id == pledge_id,
                AuditEntry.action == "update",
            )
        )
    applied_total = 0
    for _round in range(5):
        results: list[str] = []
        barrier = threading.Barrier(8)
        threads = [
            threading.Thread(target=_increment, args=(pg_factory, pledge_id, results, barrier))
            for _ in range(8)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(results) == 8
        assert results.count("applied") == 1, results  # all read the same version
        applied_total += results.count("applied")
    with pg_factory() as s:
        row = s.get(Pledge, pledge_id)
        assert row.instructors == start + applied_total
        audits = s.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(
                AuditEntry.entity == "pledge",
                AuditEntry.entity_id == pledge_id,
                AuditEntry.action == "update",
            )
        )
        assert audits - audit_before == applied_total


def test_two_stale_updates_one_wins(pg_factory):
    with pg_factory() as s:
        row = s.scalars(select(Pledge).order_by(Pledge.id.desc())).first()
        version, pledge_id = row.version, row.id
    a, b = pg_factory(), pg_factory()
    crud.update(
        db_session=a,
        resource=PLEDGES,
        principal=PLANNER,
        id=pledge_id,
        data=PLEDGES.update_schema(version=version, note="first"),
    )
    with pytest.raises(Conflict):
        crud.update(
            db_session=b,
            resource=PLEDGES,
            principal=PLANNER,
            id=pledge_id,
            data=PLEDGES.update_schema(version=version, note="second"),
        )
    a.close()
    b.close()
    with pg_factory() as s:
        assert s.get(Pledge, pledge_id).note == "first"
