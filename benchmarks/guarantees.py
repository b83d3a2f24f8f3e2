"""Benchmark the force-sourcing optimizer: greedy baseline vs HiGHS, and the what-if re-solves.

    python benchmarks/guarantees.py --requirements 200 --contributions 1000 --seed 1

Prints a table (priority-weighted fill, proven bound, wall and CPU time, the load average
of the machine) and writes JSON to benchmarks/results/. The solve splits the problem into
independent components (printed: how many, the largest); the what-if re-solves start from
the base solution and reuse the components an alternative leaves unchanged;
`--what-if-time-limit` bounds the re-solves together (default: each may take `--time-limit`).

The problem is random but reproducible from the seed: requirements in
8 zones over 14 capabilities (quantities log-normal, rotations 13-52 weeks, priorities 1-5);
contributions from 30 nations accepting 1-3 zones, a third with a shorter sustainable
rotation, each with one of five conditions (none, US backstop, parliamentary approval, both,
ceasefire parameters agreed), of which only "none" holds; substitutions between related
capabilities with ratios 0.25-1.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import time
from pathlib import Path

from muster.guarantees.sourcing import (
    Offer,
    Requirement,
    SolverSettings,
    SourcingProblem,
    Substitution,
    greedy,
    lp_rounding,
    solve,
    what_if,
)

ZONES = [
    "western_non_combat",
    "central_non_combat",
    "kyiv_hq",
    "airspace_west",
    "airspace_east",
    "black_sea",
    "odesa_port",
    "lviv_hub",
]
CAPABILITIES = {
    # capability: (unit, typical quantity)
    "infantry_battalion": ("battalions", 3),
    "mechanised_battalion": ("battalions", 2),
    "infantry_company": ("companies", 6),
    "hq_staff": ("personnel", 120),
    "fighter_squadron": ("squadrons", 2),
    "air_defence_battery": ("batteries", 3),
    "counter_drone": ("systems", 10),
    "isr": ("orbits", 2),
    "maritime_escort": ("ships", 3),
    "frigate": ("ships", 2),
    "mine_countermeasures": ("ships", 2),
    "logistics": ("personnel", 400),
    "medical": ("personnel", 150),
    "instructors": ("personnel", 200),
}
SUBSTITUTIONS = (
    Substitution("mechanised_battalion", "infantry_battalion", 1.0),
    Substitution("infantry_company", "infantry_battalion", 0.25),
    Substitution("frigate", "maritime_escort", 1.0),
)
CONDITIONS = {
    "": True,
    "us_backstop": False,
    "parliamentary_approval": False,
    "us_backstop and parliamentary_approval": False,
    "ceasefire_parameters_agreed": False,
}
NATIONS = (
    "FR GB DE IT NL DK SE BE PL RO EE LV LT FI NO CA AU TR ES PT CZ SK HR SI IE LU AT GR BG US"
)
NATIONS = NATIONS.split()


def random_problem(requirements: int, contributions: int, seed: int) -> tuple:
    """A reproducible random sourcing problem and the condition text of each offer."""
    rng = random.Random(seed)
    caps = list(CAPABILITIES)
    reqs = []
    for j in range(requirements):
        cap = rng.choice(caps)
        unit, typical = CAPABILITIES[cap]
        reqs.append(
            Requirement(
                id=j,
                capability=cap,
                zone=rng.choice(ZONES),
                quantity=max(1, round(typical * rng.lognormvariate(0, 0.6))),
                unit=unit,
                rotation_weeks=rng.choice([13, 17, 26, 52]),
                priority=rng.randint(1, 5),
            )
        )
    offers, texts = [], {}
    for i in range(contributions):
        cap = rng.choice(caps)
        _unit, typical = CAPABILITIES[cap]
        text = rng.choices(list(CONDITIONS), weights=[5, 3, 1, 1, 1])[0]
        texts[i] = text
        offers.append(
            Offer(
                id=i,
                nation=rng.choice(NATIONS),
                capability=cap,
                quantity=max(1, round(typical * rng.lognormvariate(-1.2, 0.7))),
                zones=frozenset(rng.sample(ZONES, rng.randint(1, 3))),
                available=CONDITIONS[text],
                rotation_weeks=rng.choice([None, None, 13, 26]),
                status=rng.choice(["offered", "offered", "confirmed", "deployed"]),
            )
        )
    return SourcingProblem(tuple(reqs), tuple(offers), SUBSTITUTIONS), texts


def _holds(text: str, true_names: set[str]) -> bool:
    return not text or all(part.strip() in true_names for part in text.split(" and "))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requirements", type=int, default=200)
    ap.add_argument("--contributions", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--gap", type=float, default=1e-9, help="relative MIP gap to stop at")
    ap.add_argument("--what-if-time-limit", type=float, default=None, help="all re-solves together")
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    args = ap.parse_args()

    problem, texts = random_problem(args.requirements, args.contributions, args.seed)
    settings = SolverSettings(
        time_limit_s=args.time_limit, threads=args.threads, seed=args.seed, mip_rel_gap=args.gap
    )
    load_before = os.getloadavg()[0]
    base_greedy = greedy(problem)
    base_rounded = lp_rounding(problem, settings)
    t0, c0 = time.perf_counter(), time.process_time()
    base = solve(problem, settings)
    solve_s, solve_cpu = time.perf_counter() - t0, time.process_time() - c0
    names = ["us_backstop", "parliamentary_approval", "ceasefire_parameters_agreed"]
    alternatives = {n: {i for i, t in texts.items() if _holds(t, {n})} for n in names}
    t0, c0 = time.perf_counter(), time.process_time()
    unlocks = what_if(
        problem, alternatives, settings, base=base, time_limit_s=args.what_if_time_limit
    )
    what_if_s, what_if_cpu = time.perf_counter() - t0, time.process_time() - c0
    load_after = os.getloadavg()[0]
    sizes = sorted((len(p.requirement_ids) for p in base.parts), reverse=True)

    print(
        f"guarantees benchmark: requirements={args.requirements} "
        f"contributions={args.contributions} seed={args.seed} gap={args.gap:g} "
        f"available={sum(o.available for o in problem.offers)} "
        f"load average {load_before:.2f} -> {load_after:.2f}"
    )
    print(f"{len(base.parts)} components, requirements in the largest: {sizes[:3]}")
    print(f"{'method':<11} {'objective':>10} {'fill %':>7} {'bound':>10} {'gap %':>7} "
          f"{'optimal':>7} {'time s':>8}")  # fmt: skip
    rows = []
    for r in (base_greedy, base_rounded, base):
        gap = 100 * (base.bound - r.objective) / base.bound if base.bound else 0.0
        rows.append(
            {
                "method": r.method,
                "objective": round(r.objective, 6),
                "fill_rate": round(r.fill_rate, 6),
                "bound": None if base.bound is None else round(base.bound, 6),
                "gap_to_bound": round(gap, 6),
                "optimal": r.optimal,
                "wall_time_s": round(r.wall_time_s, 4),
                "assignments": len(r.assignments),
            }
        )
        print(
            f"{r.method:<11} {r.objective:>10.3f} {100 * r.fill_rate:>6.2f}% "
            f"{base.bound if base.bound is not None else float('nan'):>10.3f} {gap:>6.3f}% "
            f"{r.optimal!s:>7} {r.wall_time_s:>8.3f}"
        )
    print(f"highs CPU s: {solve_cpu:.3f}")
    print(
        f"what-if: {len(alternatives)} re-solves in {what_if_s:.3f} s (CPU {what_if_cpu:.3f} s), "
        f"{sum(u.result.optimal for u in unlocks)} proven optimal"
    )
    for u in unlocks:
        closed = ", ".join(f"{v:,.1f} {k}" for k, v in sorted(u.closed.items()) if v > 1e-6)
        bound = "optimal" if u.result.optimal else f"<= +{u.gain_bound:.3f}"
        print(f"  {u.name:<28} +{u.gain:8.3f} ({bound})  unlocks {len(u.unlocked):>4}, "
              f"used {len(u.used):>4}  closes {closed}")  # fmt: skip
    args.out.mkdir(parents=True, exist_ok=True)
    path = (
        args.out
        / f"guarantees_r{args.requirements}_c{args.contributions}_s{args.seed}_g{args.gap:g}.json"
    )
    path.write_text(
        json.dumps(
            {
                "benchmark": "guarantees",
                "requirements": args.requirements,
                "contributions": args.contributions,
                "seed": args.seed,
                "threads": args.threads,
                "mip_rel_gap": args.gap,
                "time_limit_s": args.time_limit,
                "python": platform.python_version(),
                "what_if_time_limit_s": args.what_if_time_limit,
                "load_average": [round(load_before, 2), round(load_after, 2)],
                "components": sizes,
                "solve_wall_time_s": round(solve_s, 4),
                "solve_cpu_time_s": round(solve_cpu, 4),
                "what_if_wall_time_s": round(what_if_s, 4),
                "what_if_cpu_time_s": round(what_if_cpu, 4),
                "methods": rows,
                "what_if": [
                    {
                        "condition": u.name,
                        "gain": round(u.gain, 6),
                        "gain_bound": None if u.gain_bound is None else round(u.gain_bound, 6),
                        "optimal": u.result.optimal,
                        "unlocked": len(u.unlocked),
                        "used": len(u.used),
                        "closed": {k: round(v, 6) for k, v in u.closed.items()},
                    }
                    for u in unlocks
                ],
            },
            indent=2,
        )
    )
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
