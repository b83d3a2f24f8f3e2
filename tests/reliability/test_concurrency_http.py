"""Many HTTP clients against a real server (uvicorn, two workers, PostgreSQL) updating the
same rows: every update applies or gets 409, exactly one audit entry per applied update,
and no update is lost."""

from __future__ import annotations

import asyncio
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from muster.audit.models import AuditEntry
from muster.db import make_engine
from muster.training.models import Pledge
from tests.conftest import DEMO_PASSWORD
from tests.reliability.conftest import demo_database, drop
from tests.reliability.server import Server, token

CLIENTS = 24
ROUNDS = 8
ROWS = 3


def _audit_updates(session: Session, ids: list[int]) -> Counter:
    rows = session.execute(
        select(AuditEntry.entity_id, func.count())
        .where(
            AuditEntry.entity == "pledge",
            AuditEntry.action == "update",
            AuditEntry.entity_id.in_(ids),
        )
        .group_by(AuditEntry.entity_id)
    ).all()
    return Counter(dict(rows))


async def _client(base: str, headers: dict, ids: list[int], n: int, outcomes: list) -> None:
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=60) as http:
        for i in range(ROUNDS):
            pledge_id = ids[(n + i) % len(ids)]
            row = (await http.get(f"/api/v1/pledges/{pledge_id}")).json()
            r = await http.patch(
                f"/api/v1/pledges/{pledge_id}",
                json={"version": row["version"], "instructors": row["instructors"] + 1},
            )
            outcomes.append((pledge_id, r.status_code, r.json().get("error")))


async def _race(base: str, headers: dict, ids: list[int]) -> list:
    outcomes: list = []
    await asyncio.gather(*(_client(base, headers, ids, n, outcomes) for n in range(CLIENTS)))
    return outcomes


@pytest.mark.pg
def test_many_http_clients_update_the_same_rows(tmp_path_factory, tmp_path):
    url = demo_database("pg", tmp_path_factory)
    engine = make_engine(url)
    try:
        with Session(engine) as s:
            ids = list(s.scalars(select(Pledge.id).order_by(Pledge.id).limit(ROWS)))
            start = {
                p.id: p.instructors for p in s.scalars(select(Pledge).where(Pledge.id.in_(ids)))
            }
            audit_before = _audit_updates(s, ids)
        with Server(url, workers=2, cwd=tmp_path) as server:
            headers = {"Authorization": f"Bearer {token(server.base, 'planner', DEMO_PASSWORD)}"}
            # in a thread of its own: another test's event loop (Playwright's sync API) may
            # still be running in this one
            with ThreadPoolExecutor(1) as pool:
                outcomes = pool.submit(asyncio.run, _race(server.base, headers, ids)).result()
        statuses = Counter(status for _id, status, _e in outcomes)
        print(f"\n{CLIENTS} clients x {ROUNDS} rounds on {ROWS} rows: {dict(statuses)}")
        assert set(statuses) <= {200, 409}, statuses
        assert statuses[200] >= ROWS and statuses[409] > 0, statuses  # it really raced
        assert all(err == "conflict" for _i, status, err in outcomes if status == 409)
        applied = Counter(pledge_id for pledge_id, status, _e in outcomes if status == 200)
        with Session(engine) as s:
            for pledge_id in ids:
                row = s.get(Pledge, pledge_id)
                assert row.instructors == start[pledge_id] + applied[pledge_id]  # none lost
            audits = _audit_updates(s, ids)
        for pledge_id in ids:
            assert audits[pledge_id] - audit_before[pledge_id] == applied[pledge_id]
    finally:
        engine.dispose()
        drop("pg", url)
