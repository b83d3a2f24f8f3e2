"""Large-neighbourhood search: re-solve one course category (or week block) exactly.

Categories share only sites and releases; instructors never cross categories. Freeing all
cohorts of one category (optionally within a block of weeks) while keeping the rest fixed
gives a sub-model that CP-SAT or HiGHS solves to (near) optimality in a fraction of a second,
with the rest of the plan entering as fixed right-hand-side offsets (``formulation.Fixed``).
"""

from __future__ import annotations

import random
import time
from collections import defaultdict
from collections.abc import Callable

import numpy as np

from .assign import AssignmentError, class_usage, concretise, solution_cohorts, values_from_plan
from .bound import to_highs
from .cpsat import CpSatParams, solve_cpsat
from .formulation import Fixed, build
from .index import Candidate, ProblemIndex
from .problem import Plan, Problem, score


def fixed_offsets(index: ProblemIndex, cohorts) -> Fixed:
    """What the given (kept) cohorts take from demand, sites, releases and pledge classes."""
    fx = Fixed(defaultdict(int), defaultdict(int), defaultdict(int), defaultdict(int))
    for c in cohorts:
        fx.demand[c.request] += c.trainees
        fx.release[c.start_week] += c.trainees
        usage = class_usage(index, c)
        for w in c.weeks:
            fx.site[(c.site, w)] += c.trainees
            for pc, n in usage.items():
                fx.pledge_class[(pc, w)] += n
    return fx


def resolve_neighbourhood(
    problem: Problem,
    index: ProblemIndex,
    plan: Plan,
    free: list[Candidate],
    *,
    time_limit: float,
    seed: int,
    engine: str = "highs",
    deterministic: bool = False,
) -> Plan | None:
    """Re-optimise the cohorts on ``free`` candidates, all others fixed; None if no gain."""
    free_ids = {c.index for c in free}
    at = index.candidate_at
    inside, outside = [], []
    for c in plan.cohorts:
        cand = at.get((c.request, c.site, c.start_week))
        (inside if cand is not None and cand.index in free_ids else outside).append(c)
    fx = fixed_offsets(index, outside)
    f = build(index, free, spread=True, fixed=fx)
    hint = values_from_plan(f, Plan(tuple(inside)))
    if engine == "highs":
        h = to_highs(f, integer=True, objective="value", threads=1)
        h.setOptionValue("time_limit", float(max(0.05, time_limit)))
        h.setOptionValue("random_seed", int(seed))
        h.setOptionValue("mip_rel_gap", 1e-6)
        if hint is not None:
            h.setSolution(
                len(hint), np.arange(len(hint), dtype=np.int32), np.asarray(hint, dtype=np.double)
            )
        h.run()
        if h.getInfo().primal_solution_status != 2:
            return None
        values = [round(v) for v in h.getSolution().col_value]
    else:
        res = solve_cpsat(
            f,
            CpSatParams(time_limit=time_limit, workers=1, seed=seed, deterministic=deterministic),
            hint,
        )
        if res.values is None:
            return None
        values = res.values
    try:
        items = solution_cohorts(f, values, reuse=Plan(tuple(inside)))
        items += [(c, class_usage(index, c)) for c in outside]
        cohorts = concretise(index, items)
    except AssignmentError:
        return None
    new = Plan(tuple(sorted(cohorts, key=lambda c: c.id)))
    if score(problem, new).key() > score(problem, plan).key():
        return new
    return None


def neighbourhoods(
    index: ProblemIndex, pool: list[Candidate], *, max_size: int, rng: random.Random
) -> list[list[Candidate]]:
    """Candidates grouped by course category, split into week blocks when too large."""
    by_cat: dict[str, list[Candidate]] = defaultdict(list)
    for c in pool:
        by_cat[c.course.category].append(c)
    out = []
    for cat in sorted(by_cat):
        cs = by_cat[cat]
        if len(cs) <= max_size:
            out.append(cs)
            continue
        H = index.problem.horizon_weeks
        blocks = -(-len(cs) // max_size)
        width = max(1, -(-H // blocks))
        offset = rng.randrange(width)
        chunks: dict[int, list[Candidate]] = defaultdict(list)
        for c in cs:
            chunks[(c.start + offset) // width].append(c)
        out.extend(chunks[k] for k in sorted(chunks))
    return out


def improve(
    problem: Problem,
    index: ProblemIndex,
    plan: Plan,
    pool: list[Candidate],
    *,
    deadline: float,
    seed: int = 0,
    engine: str = "highs",
    deterministic: bool = False,
    max_size: int = 1500,
    slice_seconds: float = 1.0,
    on_improve: Callable[[Plan], None] | None = None,
) -> Plan:
    """Cycle through neighbourhoods until ``deadline`` (perf_counter) or no improvement."""
    rng = random.Random(seed)
    rounds = 0
    while time.perf_counter() < deadline - 0.05:
        improved = False
        nbs = neighbourhoods(index, pool, max_size=max_size, rng=rng)
        rng.shuffle(nbs)
        for nb in nbs:
            left = deadline - time.perf_counter()
            if deterministic:
                left = slice_seconds
            elif left < 0.05:
                break
            new = resolve_neighbourhood(
                problem, index, plan, nb, time_limit=min(left, slice_seconds),
                seed=seed + rounds, engine=engine, deterministic=deterministic,
            )  # fmt: skip
            if new is not None:
                plan = new
                improved = True
                if on_improve is not None:
                    on_improve(plan)
        rounds += 1
        if deterministic or (not improved and rounds > 1):
            break  # deterministic: one pass, every sub-solve under a work limit
    return plan
