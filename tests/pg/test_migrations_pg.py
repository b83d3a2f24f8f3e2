"""Migrations on an empty PostgreSQL database: upgrade to head, model and schema agree."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from muster.migrate import current_head, upgrade
from muster.models import Base
from tests.conftest import create_pg_database, drop_pg_database


@pytest.mark.pg
def test_upgrade_empty_postgres_and_no_drift():
    url = create_pg_database()
    try:
        upgrade(url)
        engine = create_engine(url)
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True})
            assert ctx.get_current_revision() == current_head()
            diff = compare_metadata(ctx, Base.metadata)
        assert diff == [], f"models and migrations differ: {diff}"
        tables = set(inspect(engine).get_table_names())
        assert {"pledges", "cohorts", "contributions", "loan_requests", "audit_log"} <= tables
        engine.dispose()
    finally:
        drop_pg_database(url)


def test_sqlite_upgrade_and_no_drift(tmp_path):
    url = f"sqlite:///{tmp_path / 'm.db'}"
    upgrade(url)
    engine = create_engine(url)
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(ctx, Base.metadata) == []
    engine.dispose()
