"""Benchmark the procurement optimizer: national-only vs greedy vs HiGHS set packing.

    python benchmarks/procurement.py --nations 12 --items 8 --seed 1

Prints a table (savings of each method, wall time) and writes JSON to benchmarks/results/.
The problem is random but reproducible from the seed: nations drawn from the SAFE borrowers
of the Commission's tentative allocation, other member states, Ukraine, Norway and two SDP
partners; quantities log-normal; learning rates 5-20 % per area.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

from muster.procurement.eligibility import Participant, Status
from muster.procurement.optimizer import (
    AggregationProblem,
    Need,
    SolverSettings,
    compare,
)

# The 19 member states in the Commission's tentative SAFE allocation (9 Sep 2025).
SAFE_BORROWERS = (
    "PL RO FR HU IT BE LT PT LV BG EE SK CZ HR CY FI ES GR DK".split()  # noqa: SIM905
)
OTHER_MEMBER_STATES = "DE NL SE AT IE LU MT SI".split()  # noqa: SIM905
AREAS = (
    "air_missile_defence",
    "artillery",
    "ammunition_missiles",
    "drones_counter_drones",
    "military_mobility",
    "cyber_ai_ew",
    "strategic_enablers",
)


def participants_pool() -> list[Participant]:
    pool = [Participant(n, Status.MEMBER_STATE, borrows_under_safe=True) for n in SAFE_BORROWERS]
    pool += [Participant(n, Status.MEMBER_STATE) for n in OTHER_MEMBER_STATES]
    pool += [
        Participant("UA", Status.UKRAINE),
        Participant("NO", Status.EEA_EFTA),
        Participant("GB", Status.SDP_PARTNER),  # no agreement as of Dec 2025
        Participant("CA", Status.SDP_PARTNER, has_agreement=True),  # illustrative
    ]
    return pool


def random_problem(
    nations: int, items: int, seed: int, *, max_participants: int = 6
) -> AggregationProblem:
    """A reproducible random aggregation problem."""
    rng = random.Random(seed)
    pool = participants_pool()
    borrowers, others = pool[: len(SAFE_BORROWERS)], pool[len(SAFE_BORROWERS) :]
    k = min(nations, len(pool))
    n_borrowers = min(len(borrowers), max(1, (2 * k) // 3))
    chosen = rng.sample(borrowers, n_borrowers) + rng.sample(others, k - n_borrowers)
    chosen.sort(key=lambda p: p.nation)
    codes = [p.nation for p in chosen]
    rates = {
        a: Decimal(rng.choice(["0.05", "0.08", "0.10", "0.12", "0.15", "0.20"])) for a in AREAS
    }
    needs = []
    for it in range(items):
        area = rng.choice(AREAS)
        base_price = int(rng.lognormvariate(13, 1.5)) + 100  # cents
        buyers = rng.sample(codes, rng.randint(2, len(codes)))
        for n in buyers:
            needs.append(
                Need(
                    id=f"{n}-{it}",
                    nation=n,
                    area=area,
                    item=f"item{it:03d}",
                    quantity=max(1, int(rng.lognormvariate(4, 1.2))),
                    unit_cost_cents=int(base_price * rng.uniform(0.85, 1.15)),
                    delivery_year=rng.randint(2026, 2030),
                )
            )
    exclusions = set()
    for _ in range(max(1, len(codes) // 4)):
        a, b = rng.sample(codes, 2)
        exclusions.add(frozenset({a, b}))
    return AggregationProblem(
        needs=tuple(needs),
        participants=tuple(chosen),
        procured_on=date(2026, 9, 1),
        learning_rates=tuple(sorted(rates.items())),
        max_participants=max_participants,
        exclusions=frozenset(exclusions),
        solo_nations=frozenset({rng.choice(codes)}) if len(codes) > 4 else frozenset(),
        max_delivery_spread_years=2,
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nations", type=int, default=12)
    ap.add_argument("--items", type=int, default=8)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--max-participants", type=int, default=6)
    ap.add_argument("--max-columns", type=int, default=20_000)
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    args = ap.parse_args()

    problem = random_problem(
        args.nations, args.items, args.seed, max_participants=args.max_participants
    )
    settings = SolverSettings(
        time_limit_s=args.time_limit, max_columns=args.max_columns, seed=args.seed
    )
    t0 = time.perf_counter()
    cmp = compare(problem, settings)
    total = time.perf_counter() - t0
    rows = cmp.rows()
    alone = cmp.national.alone_cents
    print(
        f"procurement benchmark: nations={args.nations} items={args.items} seed={args.seed} "
        f"needs={len(problem.needs)} max_participants={args.max_participants}"
    )
    print(f"{'method':<10} {'total EUR':>18} {'savings EUR':>16} {'savings %':>9} "
          f"{'joint':>6} {'exact':>6} {'time s':>8}")  # fmt: skip
    for r in rows:
        print(
            f"{r['method']:<10} {r['total_cents'] / 100:>18,.0f} {r['savings_cents'] / 100:>16,.0f}"
            f" {100 * r['savings_cents'] / alone if alone else 0:>8.2f}% "
            f"{r['joint_procurements']:>6} {r['exact']!s:>6} {r['wall_time_s']:>8.3f}"
        )
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"procurement_n{args.nations}_k{args.items}_s{args.seed}.json"
    path.write_text(
        json.dumps(
            {
                "benchmark": "procurement",
                "nations": args.nations,
                "items": args.items,
                "seed": args.seed,
                "needs": len(problem.needs),
                "max_participants": args.max_participants,
                "max_columns": args.max_columns,
                "python": platform.python_version(),
                "wall_time_total_s": round(total, 4),
                "methods": rows,
                "savings_by_area_cents": cmp.optimal.savings_by_area(),
            },
            indent=2,
        )
    )
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
