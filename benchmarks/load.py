"""API load: a mixed read/write workload from many concurrent clients over loopback.

    python benchmarks/load.py --clients 50 --requests 6000 --workers 2

Starts Muster on a fresh PostgreSQL database with the demo data (`muster serve --workers N`
in its own process), then drives it from this process with aiohttp + asyncio:

1. ceiling: a bare endpoint (`/livez`, no database) and `/healthz` (one `select 1`),
   the same number of clients;
2. mixed: 80 % reads (lists with filters, one row, the audit log, the sites), 20 % writes
   (each client updates its own pledge with the version it read, or creates one), each
   client sending its next request as soon as the last one is answered (closed loop:
   latency = clients / throughput once the server is saturated);
3. paced: the same mix with a think time per client (`--think-ms`, mean 500 ms), i.e. 50
   people working at once rather than 50 scripts.

Prints throughput, p50/p95/p99 latency and errors per kind and writes JSON to
benchmarks/results/. Bounded by `--requests` and `--seconds`, whichever comes first.
Targets: 50 clients, p95 < 100 ms for reads, < 250 ms for writes, zero errors.
Database: MUSTER_TEST_DATABASE_URL (a server; a new database is created on it and dropped).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import statistics
import sys
import time
import uuid
from collections import defaultdict
from pathlib import Path

import aiohttp
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.reliability.server import Server, token  # noqa: E402

from muster.db import make_engine  # noqa: E402
from muster.migrate import upgrade  # noqa: E402
from muster.reference import demo  # noqa: E402

PASSWORD = "load-password-1"
DEFAULT_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
READ_TARGET_MS, WRITE_TARGET_MS = 100.0, 250.0


def create_database(server_url: str) -> str:
    name = f"muster_load_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    upgrade(url)
    engine = make_engine(url)
    with Session(engine) as session:
        demo.load(session, password=PASSWORD)
    engine.dispose()
    return url


def drop_database(server_url: str, url: str) -> None:
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    admin.dispose()


def group_cpu_s(pgid: int) -> float:
    """CPU seconds (user + system) used so far by every live process in group `pgid`."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:  # fields[0] is the state; pgrp is the 5th stat field
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


class Recorder:
    def __init__(self) -> None:
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)
        self.statuses: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        self.started = self.ended = 0.0
        self.client_cpu_s = self.server_cpu_s = 0.0

    def add(self, kind: str, ms: float, status: int | None, ok: bool) -> None:
        self.latency[kind].append(ms)
        if status is not None:
            self.statuses[kind][status] += 1
        if not ok:
            self.errors[kind] += 1


class Answer:
    """What a step needs of a response, read in full inside the timing."""

    def __init__(self, status: int, body: bytes):
        self.status_code = status
        self.body = body

    def json(self):
        return json.loads(self.body)


async def timed(
    http: aiohttp.ClientSession, rec: Recorder, kind: str, method: str, url: str, **kw
) -> Answer | None:
    t0 = time.perf_counter()
    try:
        async with http.request(method, url, **kw) as r:
            answer = Answer(r.status, await r.read())
    except (aiohttp.ClientError, TimeoutError):
        rec.add(kind, (time.perf_counter() - t0) * 1000, None, False)
        return None
    rec.add(kind, (time.perf_counter() - t0) * 1000, answer.status_code, answer.status_code < 400)
    return answer


async def run_phase(
    base, headers, clients, budget, seconds, step, think_ms=0.0, server_pgid=None
) -> Recorder:
    """`clients` tasks share a budget of requests; each calls `step(http, rec, n, rng)`,
    then waits a random think time (exponential, mean `think_ms`; 0: closed loop). With a
    think time every client also starts after one, so the clients do not all fire at once.
    Records the CPU time this client and the server's process group spent in the phase."""
    rec = Recorder()
    cpu0, server0 = time.process_time(), group_cpu_s(server_pgid) if server_pgid else 0.0
    remaining = [budget]
    deadline = time.monotonic() + seconds
    connector = aiohttp.TCPConnector(limit=clients)
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(
        base_url=base, headers=headers, timeout=timeout, connector=connector
    ) as http:

        async def client(n: int) -> None:
            rng = random.Random(n)
            state: dict = {}
            if think_ms:  # start in steady state: people do not all click at the same instant
                await asyncio.sleep(rng.expovariate(1000.0 / think_ms))
            while remaining[0] > 0 and time.monotonic() < deadline:
                remaining[0] -= 1
                await step(http, rec, n, rng, state)
                if think_ms:
                    await asyncio.sleep(rng.expovariate(1000.0 / think_ms))

        rec.started = time.perf_counter()
        await asyncio.gather(*(client(n) for n in range(clients)))
        rec.ended = time.perf_counter()
    rec.client_cpu_s = time.process_time() - cpu0
    if server_pgid:
        rec.server_cpu_s = group_cpu_s(server_pgid) - server0
    return rec


def bare(path: str, kind: str):
    async def step(http, rec, n, rng, state):
        await timed(http, rec, kind, "GET", path)

    return step


async def mixed(http, rec, n, rng, state):
    """80 % reads, 20 % writes; each client writes its own pledge, so no 409 is expected."""
    if "pledge" not in state:
        r = await timed(
            http,
            rec,
            "write: create pledge",
            "POST",
            "/api/v1/pledges",
            json={
                "nation": "LV",
                "course_category": "drones",
                "instructors": 1,
                "week_from": "2027-01-04",
                "week_to": "2027-06-28",
                "note": f"load client {n}",
            },
        )
        if r is not None and r.status_code == 201:
            state["pledge"] = r.json()
        return
    x = rng.random()
    pledge = state["pledge"]
    if x < 0.30:
        await timed(http, rec, "read: list pledges", "GET", "/api/v1/pledges?limit=50")
    elif x < 0.45:
        nation = rng.choice(["LV", "EE", "PL", "DE", "FR", "NL"])
        await timed(
            http, rec, "read: filter+sort", "GET", f"/api/v1/pledges?nation={nation}&sort=-id"
        )
    elif x < 0.60:
        await timed(http, rec, "read: one row", "GET", f"/api/v1/pledges/{pledge['id']}")
    elif x < 0.70:
        await timed(http, rec, "read: sites", "GET", "/api/v1/sites")
    elif x < 0.80:
        await timed(http, rec, "read: audit log", "GET", "/api/v1/audit?limit=20")
    elif x < 0.97:
        r = await timed(
            http,
            rec,
            "write: update pledge",
            "PATCH",
            f"/api/v1/pledges/{pledge['id']}",
            json={"version": pledge["version"], "instructors": pledge["instructors"] % 20 + 1},
        )
        if r is not None and r.status_code == 200:
            state["pledge"] = r.json()
    else:
        r = await timed(
            http,
            rec,
            "write: create pledge",
            "POST",
            "/api/v1/pledges",
            json={
                "nation": "EE",
                "course_category": "medical",
                "instructors": 2,
                "week_from": "2027-02-01",
                "week_to": "2027-03-01",
            },
        )


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def summarise(name: str, rec: Recorder) -> list[dict]:
    wall = rec.ended - rec.started
    rows = []
    groups = dict(rec.latency)
    reads = [v for k, vs in groups.items() if k.startswith("read") for v in vs]
    writes = [v for k, vs in groups.items() if k.startswith("write") for v in vs]
    if reads and writes:
        groups["ALL READS"] = reads
        groups["ALL WRITES"] = writes
    n_phase = sum(len(vs) for vs in rec.latency.values())
    cpu = {
        "client_cpu_ms_per_request": 1000 * rec.client_cpu_s / n_phase if n_phase else 0.0,
        "server_cpu_ms_per_request": 1000 * rec.server_cpu_s / n_phase if n_phase else 0.0,
    }
    for kind, values in groups.items():
        errors = (
            sum(e for k, e in rec.errors.items() if k.startswith(kind.split()[1][:-1].lower()))
            if kind.startswith("ALL")
            else rec.errors.get(kind, 0)
        )
        rows.append(
            {
                "phase": name,
                "kind": kind,
                "requests": len(values),
                "errors": errors,
                "rps": len(values) / wall if wall else 0.0,
                "p50_ms": statistics.median(values),
                "p95_ms": pct(values, 95),
                "p99_ms": pct(values, 99),
                "max_ms": max(values),
                "statuses": {str(k): v for k, v in rec.statuses.get(kind, {}).items()},
                **cpu,
            }
        )
    return rows


def print_table(rows: list[dict]) -> None:
    head = (
        f"{'phase':8} {'kind':22} {'requests':>8} {'errors':>6} {'req/s':>8} "
        f"{'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}"
    )
    print(head)
    print("-" * len(head))
    for r in rows:
        print(
            f"{r['phase']:8} {r['kind']:22} {r['requests']:8d} {r['errors']:6d} "
            f"{r['rps']:8.0f} {r['p50_ms']:8.1f} {r['p95_ms']:8.1f} {r['p99_ms']:8.1f} "
            f"{r['max_ms']:8.1f}"
        )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--requests", type=int, default=6000, help="Mixed-phase request budget")
    ap.add_argument("--ceiling-requests", type=int, default=3000)
    ap.add_argument("--seconds", type=float, default=90.0, help="Time bound per phase")
    ap.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    ap.add_argument("--warmup", type=int, default=200)
    ap.add_argument(
        "--think-ms",
        type=float,
        default=500.0,
        help="Mean think time per client in the paced mixed phase (the closed-loop phase has none)",
    )
    ap.add_argument("--server", default=os.environ.get("MUSTER_TEST_DATABASE_URL", DEFAULT_SERVER))
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    args = ap.parse_args()

    url = create_database(args.server)
    try:
        with Server(url, workers=args.workers, MUSTER_RUN_JOBS="false") as server:
            headers = {"Authorization": f"Bearer {token(server.base, 'planner', PASSWORD)}"}
            asyncio.run(
                run_phase(server.base, headers, args.clients, args.warmup, 30, mixed)
            )  # warm-up: connections, caches, each worker's first requests
            phases = [
                ("ceiling", bare("/livez", "bare: /livez"), args.ceiling_requests, 0.0),
                ("ceiling", bare("/healthz", "bare: /healthz"), args.ceiling_requests, 0.0),
                ("mixed", mixed, args.requests, 0.0),
                ("paced", mixed, args.requests, args.think_ms),
            ]
            rows = []
            for name, step, budget, think_ms in phases:
                rec = asyncio.run(
                    run_phase(
                        server.base,
                        headers,
                        args.clients,
                        budget,
                        args.seconds,
                        step,
                        think_ms=think_ms,
                        server_pgid=server.proc.pid,
                    )
                )
                rows += summarise(name, rec)
    finally:
        drop_database(args.server, url)

    print(
        f"\n{args.clients} clients, {args.workers} uvicorn workers, PostgreSQL, loopback; "
        f"{os.cpu_count()} CPUs shared by server, database and client\n"
    )
    print_table(rows)
    print("\nCPU per request (ms), by phase: the client (this process) and the server's processes")
    for r in rows:
        if r["kind"].startswith("bare") or r["kind"] == "ALL READS":
            label = r["kind"] if r["kind"].startswith("bare") else "mixed workload"
            print(
                f"  {r['phase']:8} {label:16} client {r['client_cpu_ms_per_request']:6.2f}   "
                f"server {r['server_cpu_ms_per_request']:6.2f}"
            )
    verdict = {"zero_errors": all(r["errors"] == 0 for r in rows)}
    for phase in ("mixed", "paced"):
        by_kind = {r["kind"]: r for r in rows if r["phase"] == phase}
        verdict[f"{phase}_reads_p95_ok"] = by_kind["ALL READS"]["p95_ms"] < READ_TARGET_MS
        verdict[f"{phase}_writes_p95_ok"] = by_kind["ALL WRITES"]["p95_ms"] < WRITE_TARGET_MS
    print(
        f"\ntargets (reads p95 < {READ_TARGET_MS:.0f} ms, writes p95 < "
        f"{WRITE_TARGET_MS:.0f} ms, zero errors): "
        + ", ".join(f"{k}: {v}" for k, v in verdict.items())
    )
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"load-{time.strftime('%Y%m%dT%H%M%S')}.json"
    path.write_text(
        json.dumps(
            {
                "command": " ".join(sys.argv),
                "clients": args.clients,
                "workers": args.workers,
                "cpus": os.cpu_count(),
                "python": platform.python_version(),
                "rows": rows,
                "verdict": verdict,
            },
            indent=2,
        )
    )
    print(f"written {path}")
    return 0 if all(verdict.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
