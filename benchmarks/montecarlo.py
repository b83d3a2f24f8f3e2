"""Monte Carlo benchmark: draws per second serially and on 1..K Dask workers, and checks.

    python benchmarks/montecarlo.py --draws 10000 --seed 1 [--dask] [--workers 2]
                                    [--repeat 5] [--chunk-size N] [--horizon 104]
                                    [--address tcp://...] [--validate K]

Runs the default scenario (wait vs proactive) serially in-process; with ``--dask`` also on
a Dask LocalCluster of 1, 2, ..., ``--workers`` worker processes (one thread each), or on
the scheduler at ``--address``. Each cluster is started, waited for and warmed up before
the clock starts, so the timings are of the run alone (cluster start-up is reported apart);
each configuration is timed ``--repeat`` times and the median is reported, with the load
average around it. Every run is checked to give numbers identical to the serial run.
``--validate K`` re-plans draws 0..K-1 with the full planner (``montecarlo_check``) and
prints the Monte Carlo figure beside the planner's for each metric. Prints tables and
writes JSON to benchmarks/results/montecarlo-<draws>-<seed>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from muster.scenarios.montecarlo import (
    BLOCK_SIZE,
    DEFAULT_CHUNK_SIZE,
    METRICS,
    MonteCarloResult,
    ScenarioConfig,
    local_cluster,
    run,
)

RESULTS = Path(__file__).resolve().parent / "results"
TASKS_PER_WORKER = 4
"""Enough tasks to balance the workers, few enough that per-task overhead stays small."""


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


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def _busy(_: int) -> float:
    """A fixed CPU-bound loop (pure Python, no memory traffic); its wall seconds."""
    began = time.perf_counter()
    x = 0
    for i in range(2_000_000):
        x += i * i
    return time.perf_counter() - began


def _machine_ceiling(workers: int, repeat: int) -> dict[str, Any]:
    """What the machine gives right now: ``workers`` processes running a CPU-bound loop at
    once against one alone, as a throughput ratio (2.0 on two idle cores). A Dask speed-up
    cannot exceed it; other users' load lowers it."""
    import multiprocessing

    with multiprocessing.get_context("spawn").Pool(workers) as pool:
        pool.map(_busy, range(workers))  # warm-up
        alone, together = [], []
        for _ in range(repeat):
            alone.append(pool.apply(_busy, (0,)))
            together.append(max(pool.map(_busy, range(workers))))
    ratio = workers * statistics.median(alone) / statistics.median(together)
    return {"workers": workers, "alone_s": alone, "together_s": together, "speedup": ratio}


def _restore_environ(environ: dict[str, str]) -> None:
    for key in set(os.environ) - set(environ):
        del os.environ[key]
    os.environ.update(environ)


def _auto_chunk(draws: int, workers: int) -> int:
    """Equal chunks, ``TASKS_PER_WORKER`` per worker (the numbers never depend on chunking;
    a chunk that starts inside a 512-draw block only regenerates that block's uniforms)."""
    return max(-(-draws // (TASKS_PER_WORKER * max(workers, 1))), 1)


def _row(
    backend: str,
    workers: int | None,
    chunk: int,
    startup: float,
    times: list[float],
    cpu: list[float],
    draws: int,
    identical: bool,
    loads: list[str],
) -> dict[str, Any]:
    median = statistics.median(times)
    return {
        "backend": backend,
        "workers": workers,
        "chunk_size": chunk,
        "startup_s": startup,
        "run_s": median,
        "run_s_all": times,
        "run_s_best": min(times),
        # CPU of this process (client, and the LocalCluster's scheduler) per run: for Dask
        # runs the coordination cost that competes with the workers for the cores
        "client_cpu_s": statistics.median(cpu),
        "draws_per_s": draws / median,
        "identical_to_serial": identical,
        "load_before": loads[0],
        "load_after": loads[-1],
    }


def _timings(
    args: argparse.Namespace, config: ScenarioConfig
) -> tuple[list, MonteCarloResult, list]:
    """Serial and 1..K-worker runs, timed in interleaved rounds under the same load.

    Every cluster is started, waited for and warmed up (muster and numpy imported on each
    worker) before any clock starts; start-up is reported apart. Each round times one run
    of every backend in turn, so a change of the machine's load hits them all alike.
    """
    from contextlib import ExitStack

    serial_chunk = args.chunk_size or DEFAULT_CHUNK_SIZE
    # the same tasks for every worker count, so only the number of workers changes
    chunk = args.chunk_size or _auto_chunk(args.draws, args.workers)
    backends: list[tuple[str, int | None, int, float, Any]] = [
        ("serial", None, serial_chunk, 0.0, None)
    ]
    with ExitStack() as stack:
        if args.dask or args.address:
            from distributed import Client

            counts = [None] if args.address else list(range(1, args.workers + 1))
            environ = dict(os.environ)
            stack.callback(_restore_environ, environ)
            for workers in counts:
                began = time.perf_counter()
                if args.address:
                    client = stack.enter_context(Client(args.address))
                    client.wait_for_workers(1)
                else:
                    cluster = stack.enter_context(local_cluster(workers))
                    client = stack.enter_context(Client(cluster))
                    client.wait_for_workers(workers)
                startup = time.perf_counter() - began
                # the nannies set MALLOC_TRIM_THRESHOLD_ in this process's environment too;
                # the serial runs should run as in a process without Dask
                _restore_environ(environ)
                name = f"dask {args.address}" if args.address else "dask LocalCluster"
                backends.append((name, workers, chunk, startup, client))
        for _name, _workers, size, _startup, client in backends:  # warm-up, not timed
            run(config, min(args.draws, 4 * BLOCK_SIZE), args.seed, client=client, chunk_size=size)
        times: list[list[float]] = [[] for _ in backends]
        cpu: list[list[float]] = [[] for _ in backends]
        results: list[MonteCarloResult | None] = [None] * len(backends)
        ceilings = [_machine_ceiling(args.workers, 5)] if len(backends) > 1 else []
        loads = [_load()]
        for _ in range(args.repeat):
            for i, (_name, _workers, size, _startup, client) in enumerate(backends):
                began, began_cpu = time.perf_counter(), time.process_time()
                results[i] = run(config, args.draws, args.seed, client=client, chunk_size=size)
                times[i].append(time.perf_counter() - began)
                cpu[i].append(time.process_time() - began_cpu)
            loads.append(_load())
        if ceilings:
            ceilings.append(_machine_ceiling(args.workers, 5))
    serial = results[0]
    assert serial is not None
    rows = [
        _row(
            name,
            workers,
            size,
            startup,
            times[i],
            cpu[i],
            args.draws,
            results[i] is not None and _identical(serial, results[i]),
            loads,
        )
        for i, (name, workers, size, startup, _client) in enumerate(backends)
    ]
    return rows, serial, ceilings


def _print_timings(rows: list[dict[str, Any]], draws: int) -> None:
    one = next((r for r in rows if r["workers"] == 1 and r["backend"] != "serial"), None)
    serial = rows[0]
    header = (
        f"{'backend':<20} {'workers':>7} {'chunk':>6} {'startup s':>9} {'run s':>7} "
        f"{'best s':>7} {'client cpu s':>12} {'draws/s':>9} {'vs 1 worker':>11} "
        f"{'vs serial':>9} {'same':>4}"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        vs_one = one["run_s"] / row["run_s"] if one and row["backend"] != "serial" else None
        print(
            f"{row['backend'][:20]:<20} {row['workers'] or '—':>7} {row['chunk_size']:>6} "
            f"{row['startup_s']:>9.2f} {row['run_s']:>7.3f} {row['run_s_best']:>7.3f} "
            f"{row['client_cpu_s']:>12.3f} "
            f"{row['draws_per_s']:>9,.0f} "
            f"{(f'{vs_one:.2f}×' if vs_one else '—'):>11} "
            f"{serial['run_s'] / row['run_s']:>8.2f}× "
            f"{'yes' if row['identical_to_serial'] else 'NO':>4}"
        )
        row["speedup_vs_1_worker"] = vs_one
        row["speedup_vs_serial"] = serial["run_s"] / row["run_s"]
    print(
        f"({draws:,} draws; run s = median of the repeats, start-up not included; client cpu "
        f"s = CPU of this process per run (client and the LocalCluster's scheduler); load "
        f"average 1/5/15 min {serial['load_before']} before, {serial['load_after']} after)"
    )


def _validate(config: ScenarioConfig, seed: int, k: int) -> list[dict[str, Any]]:
    from muster.scenarios.montecarlo_check import check_draw

    print(f"\nMonte Carlo vs planner, draws 0..{k - 1} (seed {seed}; planner accepts [low, high]):")
    header = (
        f"{'draw':>4} {'policy':<10} {'cease':>5} {'spells':>6} {'metric':<28} {'MC':>9} "
        f"{'planner':>9} {'low':>9} {'high':>9} {'ok':>3}"
    )
    print(header)
    print("-" * len(header))
    out = []
    for draw in range(k):
        for check in check_draw(config, seed, draw):
            for m in check.metrics:
                print(
                    f"{draw:>4} {check.policy:<10} {_fmt(check.first_ceasefire, 0):>5} "
                    f"{check.open_spells:>6} {m.metric:<28} {_fmt(m.monte_carlo, 0):>9} "
                    f"{_fmt(m.planner, 0):>9} {_fmt(m.low, 0):>9} {_fmt(m.high, 0):>9} "
                    f"{'yes' if m.ok else 'NO':>3}"
                )
                out.append(
                    {
                        "draw": draw,
                        "policy": check.policy,
                        "first_ceasefire": check.first_ceasefire,
                        "open_spells": check.open_spells,
                        "metric": m.metric,
                        "monte_carlo": m.monte_carlo,
                        "planner": m.planner,
                        "low": m.low,
                        "high": m.high,
                        "ok": m.ok,
                        "solve_seconds": check.solve_seconds,
                    }
                )
    ok = sum(r["ok"] for r in out)
    print(f"{ok} of {len(out)} comparisons within tolerance")
    print(
        f"{'metric':<28} {'n':>4} {'mean planner−MC':>16} {'max |planner−MC|':>17} "
        f"{'max share of band':>18}"
    )
    for metric in {r["metric"]: None for r in out}:
        rows = [r for r in out if r["metric"] == metric and r["low"] is not None]
        if not rows:
            continue
        diffs = [r["planner"] - r["monte_carlo"] for r in rows]
        share = max(
            (
                (
                    d / (r["high"] - r["monte_carlo"])
                    if d >= 0
                    else d / (r["low"] - r["monte_carlo"])
                )
                if r["high"] != r["low"]
                else 0.0
            )
            for d, r in zip(diffs, rows, strict=True)
        )
        print(
            f"{metric:<28} {len(rows):>4} {statistics.mean(diffs):>16,.1f} "
            f"{max(abs(d) for d in diffs):>17,.1f} {share:>17.0%}"
        )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--dask", action="store_true", help="also run on 1..K Dask workers")
    parser.add_argument("--workers", type=int, default=2, help="K: most LocalCluster workers")
    parser.add_argument("--address", default=None, help="Dask scheduler address instead")
    parser.add_argument(
        "--chunk-size", type=int, default=None, help="draws per task (default: ~4 per worker)"
    )
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per configuration")
    parser.add_argument("--horizon", type=int, default=104, help="weeks")
    parser.add_argument("--validate", type=int, default=0, help="re-plan K draws")
    args = parser.parse_args(argv)

    config = ScenarioConfig(horizon_weeks=args.horizon)
    rows, serial, ceilings = _timings(args, config)

    print(
        f"Monte Carlo benchmark: {args.draws:,} draws, seed {args.seed}, horizon "
        f"{args.horizon} weeks, {len(config.policies)} policies, cpus {os.cpu_count()}, "
        f"{args.repeat} timed runs each"
    )
    _print_timings(rows, args.draws)
    for when, ceiling in zip(("before", "after"), ceilings, strict=False):
        print(
            f"machine ceiling {when} the rounds: {ceiling['workers']} busy-loop processes at "
            f"once give {ceiling['speedup']:.2f}× the throughput of one"
        )
    _print_results(serial)
    checks = _validate(config, args.seed, args.validate) if args.validate else []

    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"montecarlo-{args.draws}-{args.seed}.json"
    out.write_text(
        json.dumps(
            {
                "benchmark": "montecarlo",
                "timings": rows,
                "machine_ceiling": ceilings,
                "validation": checks,
                "result": serial.to_dict(),
            },
            indent=2,
            allow_nan=False,
        )
    )
    print(f"\nwrote {out}")
    ok = all(r["identical_to_serial"] for r in rows) and all(c["ok"] for c in checks)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
