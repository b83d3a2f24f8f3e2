"""Schemathesis over every operation of the API, as a planner, a nation user and an observer.

Bounded (a few examples per operation and generation mode) so that it runs in the suite on
SQLite; `make fuzz` runs the long version on PostgreSQL and SQLite.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from schemathesis.generation.modes import GenerationMode

from muster.app import create_app
from muster.config import Settings
from tests.conftest import DEMO_PASSWORD
from tests.reliability.fuzzing import fuzz


@pytest.fixture(scope="module")
def app(sqlite_demo):
    return create_app(Settings(database_url=sqlite_demo, secret_key="fuzz", run_jobs=False))


def _headers(app, username: str) -> dict[str, str]:
    with TestClient(app) as client:
        r = client.post(
            "/api/v1/auth/token", json={"username": username, "password": DEMO_PASSWORD}
        )
        assert r.status_code == 200, r.text
        return {"Authorization": f"Bearer {r.json()['token']}"}


def _assert_clean(report) -> None:
    assert report.operations > 100, "the schema lost its operations"
    assert report.statuses.get(500, 0) == 0 and not report.findings, "\n".join(
        str(f) for f in report.findings
    )


def test_fuzz_as_planner(app):
    report = fuzz(app, _headers(app, "planner"), user="planner", examples=3)
    _assert_clean(report)
    assert report.statuses[200] and report.statuses[201], report.statuses


def test_fuzz_as_nation_user(app):
    report = fuzz(
        app, _headers(app, "latvia"), user="latvia", examples=2, modes=(GenerationMode.POSITIVE,)
    )
    _assert_clean(report)
    assert report.statuses[403], "a nation user was never refused anything"


def test_fuzz_observer_writes_are_refused(app):
    """Every write an observer sends with schema-valid data is answered 403."""
    report = fuzz(
        app,
        _headers(app, "observer"),
        user="observer",
        examples=2,
        modes=(GenerationMode.POSITIVE,),
        observer=True,
    )
    _assert_clean(report)
    assert report.statuses[403] > 50, report.statuses


def test_out_of_range_input_is_422_naming_the_field(app):
    """Regressions of fuzz findings: values a database refuses are the caller's fault."""
    h = _headers(app, "planner")
    with TestClient(app, raise_server_exceptions=False) as client:
        r = client.get("/api/v1/nations/99999999999999999999999", headers=h)
        assert r.status_code == 422 and r.json()["field"] == "id", r.text
        r = client.get("/api/v1/pledges", params={"id": "²"}, headers=h)
        assert r.status_code < 500
        r = client.post("/api/v1/pledges/import", headers=h, files={"file": ("p.csv", b"a,b\r")})
        assert r.status_code == 422, r.text
