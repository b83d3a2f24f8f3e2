"""Fixtures of the reliability tests: a private database with the demo data, per backend."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from muster.db import make_engine
from muster.migrate import upgrade
from muster.reference import demo
from tests.conftest import DEMO_PASSWORD, drop_pg_database, fresh_database


def demo_database(kind: str, tmp_path_factory) -> str:
    """A new database of `kind`, migrated, with the demo data; returns its URL."""
    url = fresh_database(kind, tmp_path_factory)
    upgrade(url)
    engine = make_engine(url)
    with Session(engine) as session:
        demo.load(session, password=DEMO_PASSWORD)
    engine.dispose()
    return url


def drop(kind: str, url: str) -> None:
    if kind == "pg":
        drop_pg_database(url)


@pytest.fixture(scope="module")
def sqlite_demo(tmp_path_factory) -> str:
    return demo_database("sqlite", tmp_path_factory)
