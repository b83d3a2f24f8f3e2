"""Pooled PostgreSQL connections: a dead one is replaced, a busy pool pays no ping per request."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from muster import db as muster_db
from tests.conftest import create_pg_database, drop_pg_database, pg_server_url

pytestmark = pytest.mark.pg


@pytest.fixture
def engine():
    url = create_pg_database()
    engine = muster_db.make_engine(url)
    yield engine
    engine.dispose()
    drop_pg_database(url)


def _backend_pid(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("select pg_backend_pid()")).scalar_one()


def _terminate(pid: int) -> None:
    admin = create_engine(pg_server_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        assert conn.execute(text("select pg_terminate_backend(:pid)"), {"pid": pid}).scalar()
    admin.dispose()


def _count_pings(engine, monkeypatch) -> list[int]:
    calls: list[int] = []
    real = engine.dialect.do_ping

    def counting(dbapi_conn):  # noqa: ANN001
        calls.append(1)
        return real(dbapi_conn)

    monkeypatch.setattr(engine.dialect, "do_ping", counting)
    return calls


def test_an_idle_connection_killed_by_the_server_is_replaced(engine, monkeypatch) -> None:
    first = _backend_pid(engine)
    _terminate(first)  # what a database restart does to every pooled connection
    monkeypatch.setattr(muster_db, "IDLE_PING_SECONDS", 0.0)  # the connection has idled
    second = _backend_pid(engine)  # no error: the ping found it dead, the pool reconnected
    assert second != first


def test_a_connection_in_steady_use_is_not_pinged(engine, monkeypatch) -> None:
    _backend_pid(engine)
    pings = _count_pings(engine, monkeypatch)
    for _ in range(20):
        _backend_pid(engine)
    assert pings == []  # pool_pre_ping would have pinged 20 times
    monkeypatch.setattr(muster_db, "IDLE_PING_SECONDS", 0.0)
    _backend_pid(engine)
    assert pings == [1]
