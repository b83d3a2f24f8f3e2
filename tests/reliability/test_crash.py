"""Crash safety: SIGKILL the server in the middle of a large import and of a plan approval;
afterwards the database holds all of it or none of it, and the audit log agrees.

Runs on SQLite and PostgreSQL. The kill comes once the server has spent CPU time on the
request (so it is well inside the transaction) and before it has answered.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
import time

import httpx
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from muster.audit.models import AuditEntry
from muster.db import make_engine
from muster.training.models import Cohort, Plan, Pledge, Site, TrainingRequest
from tests.conftest import DEMO_PASSWORD
from tests.reliability.conftest import demo_database, drop
from tests.reliability.server import Server, token

IMPORT_ROWS = 20_000
PLAN_COHORTS = 20_000
BACKENDS = ["sqlite", pytest.param("pg", marks=pytest.mark.pg)]


def _count(session: Session, model, *where) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def _audits(session: Session, entity: str, action: str) -> int:
    return _count(session, AuditEntry, AuditEntry.entity == entity, AuditEntry.action == action)


def _pledge_csv(n: int) -> bytes:
    lines = ["nation,course_category,instructors,week_from,week_to,note"]
    monday = dt.date(2027, 1, 4)
    for i in range(n):
        start = monday + dt.timedelta(weeks=i % 40)
        end = start + dt.timedelta(weeks=4)
        lines.append(f"LV,drones,{1 + i % 9},{start},{end},crash-test row {i}")
    return ("\n".join(lines) + "\n").encode()


WRITING = text(
    "select count(*) from pg_stat_activity where datname = current_database() "
    "and pid <> pg_backend_pid() and backend_xid is not null"
)


def _send_then_kill(server: Server, request, cpu_seconds: float) -> dict:
    """Send `request` from a thread and SIGKILL the server in the middle of it: on
    PostgreSQL once its transaction has written rows (and not committed), on SQLite once
    the server has used `cpu_seconds` of CPU on it. Returns what the client saw."""
    seen: dict = {}
    pg = server.url.startswith("postgresql")
    watcher = make_engine(server.url) if pg else None

    def call():
        try:
            seen["response"] = request()
        except httpx.HTTPError as exc:
            seen["error"] = repr(exc)

    baseline = server.cpu_seconds()
    thread = threading.Thread(target=call)
    thread.start()
    deadline = time.monotonic() + 120
    with watcher.connect() if pg else contextlib.nullcontext() as conn:
        while thread.is_alive() and time.monotonic() < deadline:
            if pg:
                if conn.scalar(WRITING):
                    time.sleep(0.1)  # well inside: rows written, nothing committed
                    seen["writing"] = conn.scalar(WRITING)
                    break
                conn.rollback()
            elif server.cpu_seconds() - baseline >= cpu_seconds:
                break
            time.sleep(0.02)
    server.kill()
    thread.join(timeout=30)
    if watcher is not None:
        watcher.dispose()
    return seen


@pytest.mark.slow
@pytest.mark.parametrize("kind", BACKENDS)
def test_kill_during_large_import_leaves_all_or_nothing(kind, tmp_path_factory, tmp_path):
    url = demo_database(kind, tmp_path_factory)
    engine = make_engine(url)
    try:
        with Session(engine) as s:
            pledges, audits = _count(s, Pledge), _audits(s, "pledge", "create")
        content = _pledge_csv(IMPORT_ROWS)
        server = Server(url, cwd=tmp_path, MUSTER_MAX_REQUEST_BYTES=str(50 * 1024 * 1024))
        try:
            headers = {"Authorization": f"Bearer {token(server.base, 'planner', DEMO_PASSWORD)}"}
            seen = _send_then_kill(
                server,
                lambda: httpx.post(
                    f"{server.base}/api/v1/pledges/import",
                    headers=headers,
                    files={"file": ("pledges.csv", content, "text/csv")},
                    timeout=300,
                ),
                cpu_seconds=1.5,
            )
        finally:
            server.stop()
        assert "response" not in seen, f"the import finished before the kill: {seen}"
        assert seen.get("writing", 1) == 1, seen  # PostgreSQL: killed inside the transaction
        with Session(engine) as s:
            added = _count(s, Pledge) - pledges
            audited = _audits(s, "pledge", "create") - audits
        assert added in (0, IMPORT_ROWS), f"a partial import survived: {added} rows"
        assert audited == added
    finally:
        engine.dispose()
        drop(kind, url)


def _solved_plan(session: Session, cohorts: int) -> int:
    """A solved plan with `cohorts` cohorts over the demo's requests and sites."""
    requests = list(session.scalars(select(TrainingRequest.id).order_by(TrainingRequest.id)))
    sites = list(session.scalars(select(Site.id).order_by(Site.id)))
    result = {
        "cohorts": [
            {
                "request": str(requests[i % len(requests)]),
                "site": str(sites[i % len(sites)]),
                "start_week": i % 52,
                "trainees": 10 + i % 20,
                "instructors": {},
            }
            for i in range(cohorts)
        ],
        "violations": [],
        "stats": {},
    }
    plan = Plan(
        name="crash-test plan",
        status="done",
        horizon_start=dt.date(2027, 1, 4),
        horizon_weeks=52,
        inputs={"pledges": []},
        result=result,
        created_by="planner",
    )
    session.add(plan)
    session.commit()
    return plan.id


@pytest.mark.slow
@pytest.mark.parametrize("kind", BACKENDS)
def test_kill_during_plan_approval_leaves_all_or_nothing(kind, tmp_path_factory, tmp_path):
    url = demo_database(kind, tmp_path_factory)
    engine = make_engine(url)
    try:
        with Session(engine) as s:
            plan_id = _solved_plan(s, PLAN_COHORTS)
            version = s.get(Plan, plan_id).version
            cohorts_before = _count(s, Cohort)
            planned_before = _count(s, Cohort, Cohort.status == "planned")
            approvals = _audits(s, "plan", "approve")
        server = Server(url, cwd=tmp_path, MUSTER_RUN_JOBS="false")
        try:
            headers = {"Authorization": f"Bearer {token(server.base, 'planner', DEMO_PASSWORD)}"}
            seen = _send_then_kill(
                server,
                lambda: httpx.post(
                    f"{server.base}/api/v1/plans/{plan_id}/approve",
                    headers=headers,
                    json={"version": version},
                    timeout=300,
                ),
                cpu_seconds=0.8,
            )
        finally:
            server.stop()
        assert "response" not in seen, f"the approval finished before the kill: {seen}"
        assert seen.get("writing", 1) == 1, seen
        with Session(engine) as s:
            plan = s.get(Plan, plan_id)
            mine = _count(s, Cohort, Cohort.plan_id == plan_id)
            approved = _audits(s, "plan", "approve") - approvals
            if plan.status == "approved":  # all of it
                assert mine == PLAN_COHORTS and approved == 1
                assert _count(s, Cohort) == cohorts_before - planned_before + PLAN_COHORTS
            else:  # none of it
                assert plan.status == "done" and plan.version == version
                assert mine == 0 and approved == 0
                assert _count(s, Cohort) == cohorts_before
                assert _count(s, Cohort, Cohort.status == "planned") == planned_before
    finally:
        engine.dispose()
        drop(kind, url)
