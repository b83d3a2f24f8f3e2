"""Monte Carlo benchmark: draws per second locally and on Dask, and the policy comparison.

    python benchmarks/montecarlo.py --draws 200000 --seed 1 [--dask] [--workers 2]
                                    [--chunk-size 8192] [--horizon 104] [--address tcp://...]

Runs the default scenario (wait vs proactive) locally, and with ``--dask`` again on a Dask
LocalCluster of ``--workers`` processes (or the scheduler at ``--address``); checks that both
give identical numbers; prints a table and writes JSON to
benchmarks/results/montecarlo-<draws>-<seed>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from muster.scenarios.montecarlo import METRICS, MonteCarloResult, ScenarioConfig, run

RESULTS = Path(__file__).resolve().parent / "results"


def _identical(a: MonteCarloResult, b: MonteCarloResult) -> bool:
    if a.summaries != b.summaries or a.differences != b.differences:
        return False
    assert a.samples is not None and b.samples is not None
    return all(
        np.array_equal(a.samples[p][m], b.samples[p][m], equal_nan=True)
        for p in a.samples
        for m in METRICS
    )


def _fmt(x: float | None, digits: int = 1) -> str:
    if x is None or x != x:  # NaN
        return "—"
    return f"{x:,.{digits}f}"


def _print_results(result: MonteCarloResult) -> None:
    print(f"\nPer policy ({result.draws:,} draws, seed {result.seed}):")
    header = (
        f"{'policy':<10} {'metric':<28} {'mean':>11} {'P10':>10} {'P50':>10} {'P90':>10} {'n':>8}"
    )
    print(header)
    print("-" * len(header))
    for policy, per in result.summaries.items():
        for metric, s in per.items():
            print(
                f"{policy:<10} {metric:<28} {_fmt(s.mean):>11} {_fmt(s.p10):>10} "
                f"{_fmt(s.p50):>10} {_fmt(s.p90):>10} {s.n:>8,}"
            )
    print(f"\nPaired difference (policy − {result.baseline}), {result.confidence:.0%} CI:")
    header = (
        f"{'policy':<10} {'metric':<28} {'mean':>11} {'CI low':>10} {'CI high':>10} "
        f"{'P10':>10} {'P90':>10} {'>0':>6}"
    )
    print(header)
    print("-" * len(header))
    for policy, per in result.differences.items():
        for metric, s in per.items():
            print(
                f"{policy:<10} {metric:<28} {_fmt(s.mean):>11} {_fmt(s.ci_low):>10} "
                f"{_fmt(s.ci_high):>10} {_fmt(s.p10):>10} {_fmt(s.p90):>10} "
                f"{_fmt(s.share_positive * 100 if s.n else None, 0):>5}%"
            )
    print(
        f"\nNo ceasefire within {result.config.horizon_weeks} weeks in "
        f"{result.share_no_ceasefire:.1%} of draws; "
        f"mean breaches per draw {result.mean_breaches:.2f}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--dask", action="store_true", help="also run on Dask")
    parser.add_argument("--workers", type=int, default=2, help="LocalCluster worker processes")
    parser.add_argument("--address", default=None, help="Dask scheduler address instead")
    parser.add_argument("--chunk-size", type=int, default=8192)
    parser.add_argument("--horizon", type=int, default=104, help="weeks")
    args = parser.parse_args(argv)

    config = ScenarioConfig(horizon_weeks=args.horizon)
    rows: list[dict[str, Any]] = []

    local = run(config, args.draws, args.seed, chunk_size=args.chunk_size)
    rows.append(
        {
            "backend": "local",
            "workers": 1,
            "chunk_size": args.chunk_size,
            "startup_s": 0.0,
            "run_s": local.elapsed_seconds,
            "draws_per_s": args.draws / local.elapsed_seconds,
            "identical_to_local": True,
        }
    )

    if args.dask or args.address:
        from distributed import Client, LocalCluster

        began = time.perf_counter()
        if args.address:
            client = Client(args.address)
            cluster = None
        else:
            cluster = LocalCluster(
                n_workers=args.workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
            )
            client = Client(cluster)
        client.wait_for_workers(1 if args.address else args.workers)
        startup = time.perf_counter() - began
        try:
            # warm-up: import muster on the workers, so it is not timed
            run(config, min(args.draws, 1000), args.seed, client=client, chunk_size=500)
            remote = run(config, args.draws, args.seed, client=client, chunk_size=args.chunk_size)
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
        rows.append(
            {
                "backend": f"dask ({args.address or 'LocalCluster'})",
                "workers": args.workers if not args.address else None,
                "chunk_size": args.chunk_size,
                "startup_s": startup,
                "run_s": remote.elapsed_seconds,
                "draws_per_s": args.draws / remote.elapsed_seconds,
                "identical_to_local": _identical(local, remote),
            }
        )

    print(
        f"Monte Carlo benchmark: {args.draws:,} draws, seed {args.seed}, horizon "
        f"{args.horizon} weeks, {len(config.policies)} policies, cpus {os.cpu_count()}"
    )
    header = (
        f"{'backend':<26} {'workers':>7} {'chunk':>7} {'startup s':>10} {'run s':>8} "
        f"{'draws/s':>11} {'identical':>9}"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        print(
            f"{row['backend']:<26} {row['workers'] or '—':>7} {row['chunk_size']:>7} "
            f"{row['startup_s']:>10.2f} {row['run_s']:>8.2f} {row['draws_per_s']:>11,.0f} "
            f"{'yes' if row['identical_to_local'] else 'NO':>9}"
        )
    _print_results(local)

    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"montecarlo-{args.draws}-{args.seed}.json"
    out.write_text(
        json.dumps(
            {"benchmark": "montecarlo", "timings": rows, "result": local.to_dict()},
            indent=2,
            allow_nan=False,
        )
    )
    print(f"\nwrote {out}")
    return 0 if all(r["identical_to_local"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
