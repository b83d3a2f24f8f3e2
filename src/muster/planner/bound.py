"""Upper bound on the priority-weighted trainees: the LP relaxation, solved with HiGHS.

The LP keeps every constraint of the aggregated model (``formulation.py``) but lets classes,
trainees and instructors be fractional, so no plan can beat it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import highspy
import numpy as np

from .formulation import Formulation, build
from .index import ProblemIndex
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
