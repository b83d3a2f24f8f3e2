"""Upper bound on the priority-weighted trainees: the LP relaxation, solved with HiGHS.

The LP keeps every constraint of the aggregated model (``formulation.py``) but lets classes,
trainees and instructors be fractional, so no plan can beat it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import highspy
import numpy as np

from .formulation import Formulation, build
from .index import ProblemIndex
from .merged import build_merged
from .problem import Problem


@dataclass
class HighsResult:
    status: str
    objective: float
    bound: float
    col_value: np.ndarray
    row_dual: np.ndarray
    wall_seconds: float


def to_highs(
    f: Formulation, *, integer: bool, objective: str = "primary", threads: int = 1
) -> highspy.Highs:
    """A HiGHS instance holding ``f`` (maximise ``primary`` or the integer ``value``)."""
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", int(threads))
    lp = highspy.HighsLp()
    lp.num_col_ = f.num_cols
    lp.num_row_ = len(f.rows)
    lp.sense_ = highspy.ObjSense.kMaximize
    cost = f.primary if objective == "primary" else [v / 1e6 for v in f.value]
    lp.col_cost_ = np.asarray(cost, dtype=np.double)
    lp.col_lower_ = np.asarray(f.col_lower, dtype=np.double)
    lp.col_upper_ = np.asarray(f.col_upper, dtype=np.double)
    inf = highspy.kHighsInf
    lp.row_lower_ = np.asarray([max(v, -inf) for v in f.rows.lower], dtype=np.double)
    lp.row_upper_ = np.asarray([min(v, inf) for v in f.rows.upper], dtype=np.double)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.start_ = np.asarray(f.rows.start, dtype=np.int32)
    lp.a_matrix_.index_ = np.asarray(f.rows.index, dtype=np.int32)
    lp.a_matrix_.value_ = np.asarray(f.rows.value, dtype=np.double)
    if integer:
        lp.integrality_ = [
            highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous
            for i in f.col_integer
        ]
    h.passModel(lp)
    return h


def solve_lp(f: Formulation, *, time_limit: float | None = None) -> HighsResult:
    """Solve the LP relaxation of ``f`` for the primary objective."""
    t0 = time.perf_counter()
    h = to_highs(f, integer=False)
    h.setOptionValue("solver", "ipm")
    if time_limit is not None:
        h.setOptionValue("time_limit", float(max(0.1, time_limit)))
    h.run()
    status = h.modelStatusToString(h.getModelStatus())
    sol = h.getSolution()
    obj = h.getInfo().objective_function_value
    # a time-limited simplex stops at a non-optimal basis: no valid bound then
    bound = obj if status == "Optimal" else float("inf")
    return HighsResult(
        status=status,
        objective=obj,
        bound=bound,
        col_value=np.asarray(sol.col_value),
        row_dual=np.asarray(sol.row_dual),
        wall_seconds=time.perf_counter() - t0,
    )


def lp_bound(problem: Problem, *, index: ProblemIndex | None = None, cuts: bool = True) -> float:
    """Upper bound on the priority-weighted trainees any plan can reach.

    With ``cuts`` the LP keeps class variables and the remainder-class cuts
    (``formulation.add_remainder_class_cuts``): tighter, about twice as slow.
    Pins are ignored: this bounds the unpinned problem.
    """
    idx = index or ProblemIndex(problem)
    if not idx.candidates:
        return 0.0
    f = build(idx, spread=False, relaxed=not cuts)
    return solve_lp(f).bound


def category_bound(
    problem: Problem,
    *,
    index: ProblemIndex | None = None,
    mip_seconds: float | None = None,
    mip_budget: float | None = None,
    on_category: Callable[[str, float, float], None] | None = None,
    merged: bool = True,
) -> float:
    """Upper bound by decomposition over course categories (Lagrangian, zero multipliers).

    Categories share only sites and releases. Relaxing those shared rows with multipliers
    0 and giving *each* category the whole site capacity and the whole weekly release (both
    still hold for any plan's cohorts of one category) splits the model into one small
    model per category; the sum of their optima bounds every plan. Each category's model is
    the exact one (class, remainder-cut, instructor rows), so its bound can be its LP
    (``mip_seconds=None``: about the full cut LP, in a fraction of its time) or the dual
    bound of the HiGHS branch and bound after ``mip_seconds`` (tighter: the integrality of
    classes against the pledge classes' weekly instructors lives inside a category).
    ``mip_budget`` (instead of ``mip_seconds``): seconds for all categories together; the
    categories run smallest first, each with an equal share of what is left, so the time a
    category does not need (proven optimal early) goes to the larger ones.
    ``on_category(category, lp, bound)`` reports each category. Pins are ignored.
    ``merged`` (default): each category's model is the site-merged relaxation
    (``merged.py``): the same LP on the benchmark instances, far less symmetry for branch
    and bound; ``merged=False`` uses the exact per-category model.
    """
    idx = index or ProblemIndex(problem)
    per_cat: dict[str, list] = {}
    for c in idx.candidates:
        per_cat.setdefault(c.course.category, []).append(c)
    total = 0.0
    order = sorted(per_cat, key=lambda k: (len(per_cat[k]), k)) if mip_budget else sorted(per_cat)
    t_end = None if mip_budget is None else time.perf_counter() + mip_budget
    for i, cat in enumerate(order):
        f = build_merged(idx, per_cat[cat]) if merged else build(idx, per_cat[cat], spread=False)
        lp = solve_lp(f)
        if lp.status != "Optimal":
            return float("inf")
        b = lp.objective
        seconds = mip_seconds
        if t_end is not None:
            seconds = max(1.0, (t_end - time.perf_counter()) / (len(order) - i))
        if seconds is not None:
            h = to_highs(f, integer=True, objective="primary", threads=1)
            h.setOptionValue("time_limit", float(seconds))
            h.setOptionValue("mip_rel_gap", 1e-6)
            h.run()
            status = h.modelStatusToString(h.getModelStatus())
            dual = h.getInfo().mip_dual_bound
            if status in ("Optimal", "Time limit reached") and np.isfinite(dual):
                # HiGHS's tolerances: never claim more than the LP, keep a hair of slack
                b = min(b, dual + 1e-6 * max(1.0, abs(dual)))
        if on_category is not None:
            on_category(cat, lp.objective, b)
        total += b
    return total
