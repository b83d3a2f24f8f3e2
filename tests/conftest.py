"""Fixtures shared by the database tests.

Each backend (SQLite always; PostgreSQL when MUSTER_TEST_DATABASE_URL names one) gets a
fresh database, migrated with Alembic and loaded with the demo data once per session. Each
test runs inside an outer transaction that is rolled back afterwards; services still call
commit(), which releases a savepoint instead, so tests see real commits but leave no trace.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

from muster.app import create_app
from muster.config import Settings
from muster.db import make_engine
from muster.migrate import upgrade
from muster.reference import demo

DEMO_PASSWORD = "demo-password-1"
PG_URL = os.environ.get("MUSTER_TEST_DATABASE_URL")


def _backends() -> list:
    params = [pytest.param("sqlite", id="sqlite")]
    params.append(pytest.param("pg", id="pg", marks=pytest.mark.pg))
    return params


def pg_server_url() -> str:
    """The PostgreSQL URL from the environment; fails loudly if it is set but unreachable."""
    if not PG_URL:
        pytest.skip("MUSTER_TEST_DATABASE_URL not set")
    engine = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text("select 1"))
    except Exception as exc:  # any failure to connect must fail, not skip
        pytest.fail(f"MUSTER_TEST_DATABASE_URL is set but PostgreSQL is unreachable: {exc}")
    finally:
        engine.dispose()
    return PG_URL


def create_pg_database() -> str:
    """A new empty database on the test server; returns its URL."""
    server = pg_server_url()
    name = f"muster_t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(server).set(database=name).render_as_string(hide_password=False)


def drop_pg_database(url: str) -> None:
    name = make_url(url).database
    admin = create_engine(pg_server_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def fresh_database(kind: str, tmp_path_factory) -> str:
    """URL of a new, empty database of `kind`."""
    if kind == "sqlite":
        path = tmp_path_factory.mktemp("db") / "muster.db"
        return f"sqlite:///{path}"
    return create_pg_database()


@pytest.fixture(scope="session", params=_backends())
def backend(request, tmp_path_factory) -> Iterator[tuple[str, Engine, str]]:
    """(kind, engine, url) of a migrated database holding the demo data."""
    kind = request.param
    url = fresh_database(kind, tmp_path_factory)
    upgrade(url)
    engine = make_engine(url)
    with Session(engine) as session:
        demo.load(session, password=DEMO_PASSWORD)
    yield kind, engine, url
    engine.dispose()
    if kind == "pg":
        drop_pg_database(url)


@pytest.fixture
def connection(backend):
    _kind, engine, _url = backend
    conn = engine.connect()
    outer = conn.begin()
    yield conn
    if outer.is_active:
        outer.rollback()
    conn.close()


@pytest.fixture
def factory(connection) -> sessionmaker[Session]:
    return sessionmaker(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )


@pytest.fixture
def db(factory) -> Iterator[Session]:
    session = factory()
    yield session
    session.close()


@pytest.fixture(scope="session")
def app_for(backend):
    _kind, _engine, url = backend
    return create_app(Settings(database_url=url, secret_key="test-secret", run_jobs=False))


@pytest.fixture
def client(app_for, factory) -> Iterator[TestClient]:
    app_for.state.sessionmaker = factory
    with TestClient(app_for, raise_server_exceptions=False) as c:
        yield c


class Users:
    """Log demo users in through the API and hand out their headers."""

    def __init__(self, client: TestClient):
        self.client = client
        self.cache: dict[str, dict[str, str]] = {}

    def __call__(self, username: str) -> dict[str, str]:
        if username not in self.cache:
            r = self.client.post(
                "/api/v1/auth/token", json={"username": username, "password": DEMO_PASSWORD}
            )
            assert r.status_code == 200, r.text
            self.cache[username] = {"Authorization": f"Bearer {r.json()['token']}"}
        return self.cache[username]


@pytest.fixture
def as_user(client) -> Users:
    return Users(client)
