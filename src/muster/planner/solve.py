"""Top-level planning: greedy, LP relaxation, LP-guided rounding, then CP-SAT (or HiGHS).

Decomposition, in order, each step under the one time budget:

1. greedy plan (the floor: the result is never worse);
2. LP relaxation of the aggregated model with HiGHS (interior point): the upper bound and
   a guide;
3. LP-guided rounding into a valid plan;
4. an exact integer model over a reduced candidate set — every candidate when the instance
   is small, otherwise the LP's support plus the candidates of the two heuristic plans —
   solved by CP-SAT (default) or the HiGHS MIP, warm-started from the best plan so far;
5. the solution is turned into cohorts with concrete pledges (``assign.py``) and checked;
   the best valid plan by ``score`` is returned.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from .assign import AssignmentError, cohorts_from_values, values_from_plan
from .bound import solve_lp, to_highs
from .cpsat import CpSatParams, solve_cpsat
from .formulation import build
from .greedy import greedy_plan
from .index import Candidate, ProblemIndex
from .problem import KM_WEIGHT, PRIORITY_SCALE, SPREAD_WEIGHT, Plan, Problem, SolverStats, score
from .rounding import lp_guided_plan
from .validate import validate

#: Up to this many candidates the exact model uses all of them (optimal on small instances).
FULL_MODEL_CANDIDATES = 4000


def solve(
    problem: Problem,
    *,
    time_limit: float = 10.0,
    seed: int = 0,
    workers: int = 2,
    deterministic: bool = False,
    on_progress: Callable[[float, float, float], None] | None = None,
    engine: str = "cpsat",
    full_model: bool | None = None,
) -> Plan:
    """The best plan found within ``time_limit`` seconds (never worse than the greedy)."""
    t0 = time.perf_counter()
    idx = ProblemIndex(problem)
    over_time: list[tuple[float, float]] = []

    def record(plan: Plan) -> float:
        obj = score(problem, plan).weighted_trainees
        over_time.append((time.perf_counter() - t0, obj))
        return obj

    best = greedy_plan(problem, index=idx)
    best_method = "greedy"
    record(best)
    cands = list(idx.candidates)
    bound: float | None = None
    status = "FEASIBLE"
    if cands:
        flp = build(idx, relaxed=True, spread=False)
        lp = solve_lp(flp, time_limit=max(0.5, 0.5 * time_limit))
        if lp.status == "Optimal":
            bound = lp.bound
            rounded = lp_guided_plan(problem, idx, flp, lp.col_value)
            if _better(problem, rounded, best):
                best, best_method = rounded, "lp-rounding"
            record(best)
            use_all = full_model if full_model is not None else len(cands) <= FULL_MODEL_CANDIDATES
            if not use_all:
                cands = _reduced_candidates(idx, flp.candidates, lp.col_value, flp.y, best)
        plan, st, mip_bound = _exact(
            problem, idx, cands, best, t0, time_limit, seed, workers, deterministic,
            on_progress, engine,
        )  # fmt: skip
        if plan is not None and _better(problem, plan, best):
            best, best_method = plan, engine
            record(best)
        status = st
        if mip_bound is not None and len(cands) == len(idx.candidates):
            bound = mip_bound if bound is None else min(bound, mip_bound)
    obj = score(problem, best).weighted_trainees
    if status == "OPTIMAL" and len(cands) != len(idx.candidates):
        status = "FEASIBLE"
    if bound is not None and bound < obj:
        bound = obj
    gap = None if bound is None or bound <= 0 else max(0.0, (bound - obj) / bound)
    stats = SolverStats(
        status=status,
        objective=obj,
        bound=bound,
        gap=gap,
        wall_seconds=time.perf_counter() - t0,
        objective_over_time=tuple(over_time),
        method=best_method,
    )
    return Plan(best.cohorts, stats, best.paused)


def _better(problem: Problem, a: Plan, b: Plan) -> bool:
    return score(problem, a).key() > score(problem, b).key()


def _reduced_candidates(
    idx: ProblemIndex, lp_cands: list[Candidate], lp_values, ycols: list[int], plan: Plan
) -> list[Candidate]:
    """The LP's support plus every candidate the given plan uses."""
    keep = {c.index for k, c in enumerate(lp_cands) if lp_values[ycols[k]] > 1e-3}
    pos = {(c.request.id, c.site.id, c.start): c.index for c in idx.candidates}
    for c in plan.cohorts:
        i = pos.get((c.request, c.site, c.start_week))
        if i is not None:
            keep.add(i)
    return [idx.candidates[i] for i in sorted(keep)]


def _exact(
    problem, idx, cands, hint_plan, t0, time_limit, seed, workers, deterministic, on_progress,
    engine,
):  # fmt: skip
    """Solve the exact model over ``cands``; returns (plan or None, status, bound or None)."""
    f = build(idx, cands, spread=True)
    hint = values_from_plan(f, hint_plan)
    left = max(0.2, time_limit - (time.perf_counter() - t0) - 0.1)
    if engine == "highs":
        h = to_highs(f, integer=True, objective="value", threads=1)
        h.setOptionValue("time_limit", float(left))
        h.setOptionValue("random_seed", int(seed))
        if hint is not None:
            h.setSolution(
                len(hint), np.arange(len(hint), dtype=np.int32), np.asarray(hint, dtype=np.double)
            )
        h.run()
        st = h.modelStatusToString(h.getModelStatus())
        info = h.getInfo()
        values = list(h.getSolution().col_value) if info.primal_solution_status == 2 else None
        status = "OPTIMAL" if st == "Optimal" else "FEASIBLE"
        bound = _primary_bound(f, info.mip_dual_bound * 1e6)
    else:
        res = solve_cpsat(
            f,
            CpSatParams(
                time_limit=left,
                workers=workers,
                seed=seed,
                deterministic=deterministic,
                on_progress=on_progress,
            ),
            hint,
        )
        values, status = res.values, res.status
        bound = _primary_bound(f, res.bound_units)
    if values is None:
        return None, status, bound
    try:
        plan = Plan(tuple(cohorts_from_values(f, values, reuse=problem.previous)))
    except AssignmentError:
        return None, status, bound
    if validate(problem, plan):
        return None, status, bound
    return plan, status, bound


def _primary_bound(f, bound_units: float) -> float | None:
    """A bound on weighted trainees from CP-SAT's bound on the integer value objective.

    value = PRIORITY_SCALE * primary - penalties (km, spread) with penalties >= 0 and at most
    ``pen_max``; so for every plan primary <= (bound + pen_max) / PRIORITY_SCALE.
    Not available with a stability reward.
    """
    if f.keep:
        return None
    km_max = max((c.site.distance_km for c in f.candidates), default=0.0)
    trainees_max = sum(r.trainees for r in f.index.problem.requests)
    pen_max = km_max * KM_WEIGHT * trainees_max + 100 * SPREAD_WEIGHT
    return (bound_units + pen_max) / PRIORITY_SCALE
