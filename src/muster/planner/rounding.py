"""LP-guided rounding: turn the LP relaxation into a valid plan, then fill greedily.

Pass 1 places, for each candidate the LP uses, the LP's trainees in whole classes (largest
and most valuable first) as long as sites, releases and concrete pledges allow. Pass 2 gives
what is left of each request to the greedy. The result is always valid (the ledger checks
every resource) and usually far better than the greedy alone.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import highspy

from .formulation import Formulation
from .greedy import Ledger, fill_requests, pooled_to_concrete
from .index import ProblemIndex
from .problem import Cohort, Plan, Problem, Request


def lp_guided_plan(
    problem: Problem,
    index: ProblemIndex,
    f: Formulation,
    lp_values: Sequence[float],
    *,
    min_fill: float = 0.5,
) -> Plan:
    """A valid plan following the LP; classes under ``min_fill`` of class size are skipped."""
    from .pins import resolve_pins, seed_ledger

    ledger = Ledger(problem, index, pooled=True)
    pins = resolve_pins(problem)
    cohorts: list[Cohort] = seed_ledger(problem, ledger, pins)
    taken: dict[str, int] = {}
    for c in cohorts:
        taken[c.request] = taken.get(c.request, 0) + c.trainees
    used_ids: set[str] = {c.id for c in cohorts}
    order = sorted(
        range(len(f.candidates)),
        key=lambda k: (-f.candidates[k].request.priority, -lp_values[f.y[k]], k),
    )
    for k in order:
        y = lp_values[f.y[k]]
        if y < 0.999:
            continue
        cand = f.candidates[k]
        cs = cand.course.class_size
        want = int(y + 1e-6)
        i = 0
        while want > 0:
            left = cand.request.trainees - taken.get(cand.request.id, 0)
            size = min(cs, want, left)
            if size <= 0 or (size < min_fill * cs and size < want and size < left):
                break
            if size < min_fill * cs and i > 0:
                break
            cid = f"{cand.request.id}@{cand.site.id}@w{cand.start}#{i}"
            while cid in used_ids:
                i += 1
                cid = f"{cand.request.id}@{cand.site.id}@w{cand.start}#{i}"
            c = ledger.place(cand.request, cand.site.id, cand.start, size, cid)
            if c is None:
                break
            used_ids.add(cid)
            cohorts.append(c)
            taken[cand.request.id] = taken.get(cand.request.id, 0) + c.trainees
            want -= c.trainees
            i += 1
    rest = sorted(problem.requests, key=lambda r: (-r.priority, r.latest_end, r.id))
    fill_requests(ledger, rest, cohorts)
    return Plan(tuple(pooled_to_concrete(problem, index, cohorts, pins.fixed)))


class LpDive:
    """The LP relaxation kept in one HiGHS instance; each round fixes what was placed.

    Round after round, the whole classes the LP asks for are placed (valid, through the
    ledger), their use is subtracted from the right-hand sides, and the LP is re-solved from
    the previous basis (dual simplex: a fraction of the first solve). Once whole classes
    dry up, classes the LP fills at least half are rounded up. The LP keeps re-packing what
    is left around what has been fixed, which consolidates its fractional classes.
    """

    def __init__(self, problem: Problem, index: ProblemIndex, f: Formulation) -> None:
        from .bound import to_highs

        self.problem = problem
        self.index = index
        self.f = f
        self.h = to_highs(f, integer=False)
        self.base_upper = list(f.rows.upper)

    def solve(self, first: bool, time_limit: float | None) -> tuple[str, list[float], float]:
        self.h.setOptionValue("solver", "ipm" if first else "simplex")
        self.h.setOptionValue(
            "time_limit", highspy.kHighsInf if time_limit is None else float(max(0.1, time_limit))
        )
        self.h.run()
        status = self.h.modelStatusToString(self.h.getModelStatus())
        return (
            status,
            list(self.h.getSolution().col_value),
            self.h.getInfo().objective_function_value,
        )

    def subtract(self, cohorts: list[Cohort]) -> None:
        """Lower the right-hand sides by what ``cohorts`` use (on top of ``f.fixed``)."""
        from .lns import fixed_offsets

        fx = fixed_offsets(self.index, cohorts)
        idx_rows, uppers = [], []
        for i, name in enumerate(self.f.rows.names):
            kind = name[0]
            if kind == "demand":
                off = fx.demand.get(name[1], 0)
            elif kind == "site":
                off = fx.site.get((name[1], name[2]), 0)
            elif kind == "release":
                off = fx.release.get(name[1], 0)
            elif kind == "pledges":
                off = fx.pledge_class.get((name[1], name[2]), 0)
            else:
                continue
            if off:
                idx_rows.append(i)
                uppers.append(max(0.0, self.base_upper[i] - off))
        for i, ub in zip(idx_rows, uppers, strict=True):
            self.h.changeRowBounds(i, -highspy.kHighsInf, ub)


def lp_dive_plan(
    problem: Problem,
    index: ProblemIndex,
    f: Formulation,
    *,
    deadline: float,
    max_rounds: int = 12,
    round_up: Sequence[float] = (0.5, 0.3, 0.15, 0.01),
    on_first: Callable[[str, float, list[float]], None] | None = None,
    first_time_limit: float | None = None,
    log: Callable[[str], None] | None = None,
    seed_cohorts: Sequence[Cohort] | None = None,
    fill: Sequence[Request] | None = None,
    deterministic: bool = False,
) -> Plan | None:
    """A valid plan by LP diving (see ``LpDive``); stops at ``deadline`` (perf_counter).

    ``on_first(status, objective, values)`` receives the first (full) LP solve — the bound.
    None when the first LP does not solve in time. ``fill``: the requests the greedy
    completes at the end (None: all; [] none).
    """
    import time

    from .pins import resolve_pins, seed_ledger

    dive = LpDive(problem, index, f)
    ledger = Ledger(problem, index, pooled=True)
    pins = resolve_pins(problem)
    if seed_cohorts is None:
        seeded = seed_ledger(problem, ledger, pins)
    else:  # a later category of the category dive: everything placed so far is fixed
        seeded = list(seed_cohorts)
        for c in seeded:
            ledger.add(c)
    cohorts: list[Cohort] = list(seeded)
    taken: dict[str, int] = {}
    for c in cohorts:
        taken[c.request] = taken.get(c.request, 0) + c.trainees
    new: list[Cohort] = []

    def c_req(c: Cohort) -> float:
        return problem.request(c.request).priority

    mode, first_count, level = "full", None, 0
    values = None
    for rnd in range(max_rounds):
        left = None if deterministic else deadline - time.perf_counter()
        if rnd == 0:
            status, values, obj = dive.solve(
                True, None if deterministic else first_time_limit or left
            )
            if on_first is not None:
                on_first(status, obj, values)
            if status != "Optimal":
                return None
        else:
            if left is not None and left < 0.2:
                break
            status, values, obj = dive.solve(False, left)
            if status != "Optimal":
                break
        placed = 0
        order = sorted(
            range(len(f.candidates)),
            key=lambda k: (-f.candidates[k].request.priority, -values[f.y[k]], k),
        )
        for k in order:
            y = values[f.y[k]]
            if y < 0.5:
                continue
            c = f.candidates[k]
            cs = c.course.class_size
            left_d = c.request.trainees - taken.get(c.request.id, 0)
            if left_d <= 0:
                continue
            n_full = int(y / cs + 1e-6)
            rem = y - n_full * cs
            n = n_full
            if mode == "partial" and rem >= round_up[level] * min(cs, left_d):
                n += 1
            for i in range(n):
                size = min(cs, left_d)
                if size <= 0:
                    break
                cid = f"{c.request.id}@{c.site.id}@w{c.start}#d{rnd}.{i}"
                got = ledger.place(c.request, c.site.id, c.start, size, cid)
                if got is None:
                    break
                if got.trainees < size and mode == "full":
                    ledger.remove(got)
                    break
                new.append(got)
                cohorts.append(got)
                left_d -= got.trainees
                taken[c.request.id] = taken.get(c.request.id, 0) + got.trainees
                placed += 1
        if first_count is None:
            first_count = max(1, placed)
        if mode == "full" and placed < 0.05 * first_count:
            mode = "partial"
        elif mode == "partial" and placed == 0:
            if level + 1 >= len(round_up):
                break
            level += 1
        if log is not None:
            done = sum(c.trainees * c_req(c) for c in new)
            log(f"round {rnd} {mode} level {level}: LP {obj:.1f}, {placed} classes, {done:.0f}")
        dive.subtract(new)
    rest = sorted(
        problem.requests if fill is None else fill, key=lambda r: (-r.priority, r.latest_end, r.id)
    )
    fill_requests(ledger, rest, cohorts)
    return Plan(tuple(pooled_to_concrete(problem, index, cohorts, pins.fixed)))
