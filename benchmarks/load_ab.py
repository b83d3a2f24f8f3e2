"""Server CPU per request of two versions of the code, alternating on one database.

    git worktree add --detach /tmp/old <commit>
    python benchmarks/load_ab.py --old /tmp/old/src [--rounds 3] [--requests 3000]

Each round starts `muster serve --workers 1` from the old source tree (through PYTHONPATH),
then from this checkout's, and drives the mixed workload of `load.py` closed-loop from
`--clients` clients; it reports the server process's CPU time per request, which a shared
machine disturbs much less than latency. Prints a table and writes JSON to
benchmarks/results/load-ab-<time>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import load  # noqa: E402
from tests.reliability.server import Server, token  # noqa: E402

HERE = Path(__file__).resolve().parents[1] / "src"


def measure(url: str, clients: int, requests: int) -> dict:
    with Server(url, workers=1, MUSTER_RUN_JOBS="false") as server:
        headers = {"Authorization": f"Bearer {token(server.base, 'planner', load.PASSWORD)}"}
        asyncio.run(load.run_phase(server.base, headers, clients, 300, 30, load.mixed))
        rec = asyncio.run(
            load.run_phase(
                server.base,
                headers,
                clients,
                requests,
                120,
                load.mixed,
                server_pgid=server.proc.pid,
            )
        )
    n = sum(len(v) for v in rec.latency.values())
    return {
        "server_cpu_ms_per_request": 1000 * rec.server_cpu_s / n,
        "requests_per_s": n / (rec.ended - rec.started),
        "errors": sum(rec.errors.values()),
        "load": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--old", type=Path, required=True, help="the other version's src folder")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--requests", type=int, default=3000)
    ap.add_argument(
        "--server", default=os.environ.get("MUSTER_TEST_DATABASE_URL", load.DEFAULT_SERVER)
    )
    args = ap.parse_args()
    if not (args.old / "muster" / "__init__.py").is_file():
        ap.error(f"--old: no muster package in {args.old}")

    variants = {"old": str(args.old.resolve()), "new": str(HERE)}
    runs: dict[str, list[dict]] = {name: [] for name in variants}
    url = load.create_database(args.server)
    saved = os.environ.get("PYTHONPATH")
    try:
        for round_ in range(args.rounds):
            for name, src in variants.items():
                os.environ["PYTHONPATH"] = src
                run = measure(url, args.clients, args.requests)
                runs[name].append(run)
                print(
                    f"round {round_ + 1} {name}: server CPU "
                    f"{run['server_cpu_ms_per_request']:.2f} ms/request, "
                    f"{run['requests_per_s']:.0f} requests/s, {run['errors']} errors, "
                    f"load {run['load']}",
                    flush=True,
                )
    finally:
        if saved is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = saved
        load.drop_database(args.server, url)
    medians = {
        name: statistics.median(r["server_cpu_ms_per_request"] for r in rs)
        for name, rs in runs.items()
    }
    print(
        f"median server CPU per request: old {medians['old']:.2f} ms, new "
        f"{medians['new']:.2f} ms ({100 * (medians['new'] / medians['old'] - 1):+.0f} %)"
    )
    out = Path(__file__).parent / "results" / f"load-ab-{time.strftime('%Y%m%dT%H%M%S')}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"command": " ".join(sys.argv), "runs": runs, "median": medians}))
    print(f"written {out}")
    return 0 if all(r["errors"] == 0 for rs in runs.values() for r in rs) else 1


if __name__ == "__main__":
    sys.exit(main())
