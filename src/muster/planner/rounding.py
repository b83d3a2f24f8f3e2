"""LP-guided rounding: turn the LP relaxation into a valid plan, then fill greedily.

Pass 1 places, for each candidate the LP uses, the LP's trainees in whole classes (largest
and most valuable first) as long as sites, releases and concrete pledges allow. Pass 2 gives
what is left of each request to the greedy. The result is always valid (the ledger checks
every resource) and usually far better than the greedy alone.
"""

from __future__ import annotations

from collections.abc import Sequence

from .formulation import Formulation
from .greedy import Ledger, fill_requests
from .index import ProblemIndex
from .problem import Cohort, Plan, Problem


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

    ledger = Ledger(problem, index)
    cohorts: list[Cohort] = seed_ledger(problem, ledger, resolve_pins(problem))
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
    return Plan(tuple(cohorts))
