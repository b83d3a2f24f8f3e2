"""The aggregated model (``formulation.py``) solved with OR-Tools CP-SAT.

Built in small named steps: variables, constraint rows (one family per builder function in
``formulation.py``), objective, hint, parameters. All parameters are passed in.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from ortools.sat.python import cp_model

from .formulation import Formulation
from .problem import PRIORITY_SCALE, trainee_value

Progress = Callable[[float, float, float], None]


@dataclass
class CpSatParams:
    time_limit: float = 10.0
    workers: int = 2
    seed: int = 0
    deterministic: bool = False
    on_progress: Progress | None = None
    log: bool = False


@dataclass
class CpSatResult:
    status: str
    values: list[int] | None
    objective_units: float
    bound_units: float
    wall_seconds: float
    over_time: list[tuple[float, float]]
    scale: float = 1.0  # objective units per priority-weighted trainee (phase 1)


def add_variables(model: cp_model.CpModel, f: Formulation) -> list[cp_model.IntVar]:
    """One integer variable per column, with the column's bounds."""
    return [
        model.new_int_var(int(round(lo)), int(round(hi)), "")
        for lo, hi in zip(f.col_lower, f.col_upper, strict=True)
    ]


def add_rows(model: cp_model.CpModel, f: Formulation, v: list[cp_model.IntVar]) -> None:
    """Every row of the formulation (demand, class size, site, release, instructors)."""
    r = f.rows
    for i in range(len(r)):
        a, b = r.start[i], r.start[i + 1]
        cols = [v[j] for j in r.index[a:b]]
        coefs = [int(round(c)) for c in r.value[a:b]]
        expr = cp_model.LinearExpr.weighted_sum(cols, coefs)
        lo, hi = r.lower[i], r.upper[i]
        if lo == float("-inf"):
            model.add(expr <= int(hi))
        elif hi == float("inf"):
            model.add(expr >= int(lo))
        else:
            model.add_linear_constraint(expr, int(lo), int(hi))


def primary_units(f: Formulation) -> list[int]:
    """Integer priority-weighted trainees per column (priorities to 1/100)."""
    units = [round(w * 100) for w in f.primary]
    g = 0
    for u in units:
        g = math.gcd(g, u)
    return [u // g for u in units] if g > 1 else units


def set_objective(
    model: cp_model.CpModel, f: Formulation, v: list[cp_model.IntVar], objective: str
) -> None:
    """Phase 1 ("primary"): maximise priority-weighted trainees only. Phase 2 ("secondary"):
    maximise the tie-breakers of ``Score.value`` (stability, km, spread), primary held by a
    floor row. Two phases keep the order strictly lexicographic and each model easy."""
    if objective == "primary":
        coefs = primary_units(f)
    else:
        coefs = [c if f.primary[j] == 0 else c - trainee_value(f.primary[j])
                 for j, c in enumerate(f.value)]  # fmt: skip
    pairs = [(v[j], c) for j, c in enumerate(coefs) if c != 0]
    model.maximize(cp_model.LinearExpr.weighted_sum([p[0] for p in pairs], [p[1] for p in pairs]))


def add_primary_floor(
    model: cp_model.CpModel, f: Formulation, v: list[cp_model.IntVar], floor: int | None
) -> None:
    """Phase 2 keeps the primary objective at least at phase 1's value (in primary units)."""
    if floor is None:
        return
    coefs = primary_units(f)
    pairs = [(v[j], c) for j, c in enumerate(coefs) if c != 0]
    model.add(
        cp_model.LinearExpr.weighted_sum([p[0] for p in pairs], [p[1] for p in pairs]) >= floor
    )


def add_hint(model: cp_model.CpModel, v: list[cp_model.IntVar], hint: list[int] | None) -> None:
    """Start the search from a known feasible assignment (e.g. the greedy plan)."""
    if hint is None:
        return
    for var, val in zip(v, hint, strict=True):
        model.add_hint(var, int(val))


class _Progress(cp_model.CpSolverSolutionCallback):
    def __init__(self, t0: float, on_progress: Progress | None, scale: float) -> None:
        super().__init__()
        self.scale = scale
        self.t0 = t0
        self.on_progress = on_progress
        self.over_time: list[tuple[float, float]] = []

    def on_solution_callback(self) -> None:
        wall = time.perf_counter() - self.t0
        obj = self.objective_value / self.scale
        bound = self.best_objective_bound / self.scale
        self.over_time.append((wall, obj))
        if self.on_progress is not None:
            self.on_progress(wall, obj, bound)


def configure(solver: cp_model.CpSolver, p: CpSatParams) -> None:
    """Time limit, workers, seed; deterministic mode uses one worker and a work limit."""
    solver.parameters.random_seed = int(p.seed)
    solver.parameters.log_search_progress = p.log
    if p.deterministic:
        solver.parameters.num_workers = 1
        # deterministic time is reproducible; wall time is not
        solver.parameters.max_deterministic_time = max(0.05, float(p.time_limit))
        solver.parameters.max_time_in_seconds = 10.0 * max(1.0, float(p.time_limit))
    else:
        solver.parameters.num_workers = max(1, int(p.workers))
        solver.parameters.max_time_in_seconds = max(0.05, float(p.time_limit))


def solve_cpsat(
    f: Formulation,
    params: CpSatParams,
    hint: list[int] | None = None,
    *,
    objective: str = "primary",
    primary_floor: int | None = None,
) -> CpSatResult:
    """Solve ``f`` with CP-SAT; values are per column (None when no solution was found).

    Objective and bound are reported in ``primary_units`` for phase 1, in value units
    (``Score.value`` without the primary part) for phase 2.
    """
    t0 = time.perf_counter()
    model = cp_model.CpModel()
    v = add_variables(model, f)
    add_rows(model, f, v)
    set_objective(model, f, v, objective)
    add_primary_floor(model, f, v, primary_floor)
    add_hint(model, v, hint)
    solver = cp_model.CpSolver()
    configure(solver, params)
    scale = PRIORITY_SCALE
    if objective == "primary":
        units = primary_units(f)
        j = next((j for j, w in enumerate(f.primary) if w > 0), None)
        scale = units[j] / f.primary[j] if j is not None else 1.0
    cb = _Progress(t0, params.on_progress, scale)
    status = solver.solve(model, cb)
    name = solver.status_name(status)
    values = None
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        values = [int(solver.value(x)) for x in v]
    return CpSatResult(
        status=name,
        values=values,
        objective_units=solver.objective_value if values is not None else float("-inf"),
        bound_units=solver.best_objective_bound,
        scale=scale,
        wall_seconds=time.perf_counter() - t0,
        over_time=cb.over_time,
    )
