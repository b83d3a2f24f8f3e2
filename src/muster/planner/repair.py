"""Stable re-planning and breach repair.

``replan`` re-solves with the previous plan as a reference: pins are honoured and the
stability term of the objective keeps every cohort that can stay. ``repair_after_breach``
is the fast, minimal-change answer to a breach of the ceasefire: Ukrainian sites become
unusable from the breach week, every cohort elsewhere is kept as it is, and each unfinished
cohort on a Ukrainian site is either restarted at an EU site (same request and size, from
the breach week on, nearest site and earliest week first) or paused.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from .greedy import Ledger
from .index import ProblemIndex
from .problem import Cohort, Pin, Plan, Problem, Site, SolverStats, score
from .solve import solve


def replan(
    problem: Problem,
    previous: Plan,
    *,
    pins: Sequence[Pin] = (),
    time_limit: float = 10.0,
    seed: int = 0,
    workers: int = 2,
    deterministic: bool = False,
) -> Plan:
    """Re-solve ``problem`` honouring ``pins`` and changing as little of ``previous`` as pays."""
    p = problem.replace(previous=previous, pins=tuple(pins))
    return solve(p, time_limit=time_limit, seed=seed, workers=workers, deterministic=deterministic)


def breach_condition(breach_week: int) -> str:
    return f"no breach (before week {breach_week})"


def breach_problem(problem: Problem, breach_week: int) -> Problem:
    """The problem after a breach: no Ukrainian site is usable from ``breach_week`` on."""
    key = breach_condition(breach_week)
    conditions = dict(problem.conditions)
    conditions[key] = frozenset(range(min(breach_week, problem.horizon_weeks)))
    sites = tuple(
        Site(
            s.id, s.name, s.capacity, s.courses, s.in_ukraine, s.distance_km,
            (*s.required_conditions, key),
        ) if s.in_ukraine else s
        for s in problem.sites
    )  # fmt: skip
    return problem.replace(sites=sites, conditions=conditions, pins=(), previous=None)


def affected_by_breach(problem: Problem, plan: Plan, breach_week: int) -> list[Cohort]:
    """Cohorts on Ukrainian sites still running (or not yet started) at the breach."""
    ua = {s.id for s in problem.sites if s.in_ukraine}
    return [c for c in plan.cohorts if c.site in ua and c.end_week >= breach_week]


def repair_after_breach(problem: Problem, plan: Plan, breach_week: int) -> Plan:
    """Move or pause the cohorts a breach hits; keep every other cohort unchanged.

    The result is valid for ``breach_problem(problem, breach_week)``. Moved cohorts restart
    (same request, same trainees) at an EU site no earlier than the breach week; those that
    cannot be moved are listed in ``Plan.paused``.
    """
    t0 = time.perf_counter()
    after = breach_problem(problem, breach_week)
    idx = ProblemIndex(after)
    hit = affected_by_breach(problem, plan, breach_week)
    hit_ids = {c.id for c in hit}
    kept = [c for c in plan.cohorts if c.id not in hit_ids]
    ledger = Ledger(after, idx)
    for c in kept:
        ledger.add(c)
    moved: list[Cohort] = []
    paused: list[Cohort] = []
    used = {c.id for c in kept}
    order = sorted(hit, key=lambda c: (-after.request(c.request).priority, c.start_week, c.id))
    for c in order:
        req = after.request(c.request)
        options = sorted(
            (
                (s, t)
                for s, t in idx.request_candidates(req)
                if t >= breach_week and not s.in_ukraine
            ),
            key=lambda st: (max(st[1], c.start_week) - c.start_week, st[0].distance_km, st[0].id),
        )
        new = None
        cid = f"{c.id}>moved"
        while cid in used:
            cid += "'"
        for s, t in options:
            got = ledger.place(req, s.id, t, c.trainees, cid)
            if got is None:
                continue
            if got.trainees == c.trainees:
                new = got
                break
            ledger.remove(got)
        if new is None:
            paused.append(c)
        else:
            moved.append(new)
            used.add(cid)
    cohorts = tuple(sorted(kept + moved, key=lambda c: c.id))
    out = Plan(cohorts, paused=tuple(paused))
    obj = score(after, out).weighted_trainees
    stats = SolverStats(
        status="FEASIBLE",
        objective=obj,
        wall_seconds=time.perf_counter() - t0,
        objective_over_time=((time.perf_counter() - t0, obj),),
        method="breach-repair",
    )
    return Plan(cohorts, stats, tuple(paused))


def changed_cohorts(before: Plan, after: Plan) -> int:
    """How many cohorts differ: placements of ``before`` not kept plus new ones in ``after``."""
    from collections import Counter

    a = Counter(c.placement() for c in before.cohorts)
    b = Counter(c.placement() for c in after.cohorts)
    return sum((a - b).values()) + sum((b - a).values())
