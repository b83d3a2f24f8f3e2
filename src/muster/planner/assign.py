"""From aggregated solutions to cohorts with concrete pledges, and back (for hints).

Concrete pledges are assigned per pledge class by interval partitioning: every instructor
of a cohort occupies one "slot" of a pledge for the cohort's contiguous weeks. Processing
cohorts by start week and reusing the slot that became free earliest never fails while, in
every week, the instructors asked of the class do not exceed its weekly total — which is
exactly the model's constraint (interval graphs are perfect).
"""

from __future__ import annotations

import heapq
from collections import defaultdict

from .formulation import Formulation
from .problem import Cohort, Plan


class AssignmentError(RuntimeError):
    """The aggregated solution could not be turned into concrete cohorts."""


def cohorts_from_values(
    f: Formulation, values: list[int] | list[float], *, reuse: Plan | None = None
) -> list[Cohort]:
    """Cohorts for integer column values of ``f`` (split evenly; ids stable when possible)."""
    prev_ids: dict[tuple[str, str, int], list[Cohort]] = defaultdict(list)
    if reuse is not None:
        for c in reuse.cohorts:
            prev_ids[(c.request, c.site, c.start_week)].append(c)
    cohorts: list[Cohort] = []
    group_of: list[int] = []
    used_ids: set[str] = set()
    for k, cand in enumerate(f.candidates):
        y = int(round(values[f.y[k]]))
        if y <= 0:
            continue
        x = int(round(values[f.x[k]])) if f.x else -(-y // cand.course.class_size)
        n = min(x, y)
        if n <= 0:
            raise AssignmentError(f"{y} trainees but no class at candidate {k}")
        sizes = [y // n + (1 if i < y % n else 0) for i in range(n)]
        if max(sizes) > cand.course.class_size:
            raise AssignmentError(f"class too large at candidate {k}")
        old = prev_ids.get((cand.request.id, cand.site.id, cand.start), [])
        # keep previous cohorts' sizes and ids where the totals allow it
        if old and sum(c.trainees for c in old) == y and len(old) <= x:
            sizes = [c.trainees for c in old]
        for i, size in enumerate(sizes):
            cid = (
                old[i].id if i < len(old) else f"{cand.request.id}@{cand.site.id}@w{cand.start}#{i}"
            )
            j = i
            while cid in used_ids:
                j += 1
                cid = f"{cand.request.id}@{cand.site.id}@w{cand.start}#{j}"
            used_ids.add(cid)
            cohorts.append(
                Cohort(cid, cand.request.id, cand.site.id, cand.start, cand.end, size, {})
            )
            group_of.append(cand.group)
    return assign_pledges(f, values, cohorts, group_of)


def assign_pledges(
    f: Formulation, values, cohorts: list[Cohort], group_of: list[int]
) -> list[Cohort]:
    """Give every cohort its instructors: pledge classes from z, then concrete pledges."""
    supply: dict[int, list[list[int]]] = defaultdict(list)  # group -> [[class, amount]]
    for (g, pc), col in sorted(f.z.items()):
        amt = int(round(values[col]))
        if amt > 0:
            supply[g].append([pc, amt])
    # 1. pledge classes per cohort
    units: dict[int, list[tuple[int, int, int, int]]] = defaultdict(list)  # pc -> units
    for ci, c in enumerate(cohorts):
        need = f.index.problem.course(
            f.index.problem.request(c.request).course
        ).instructors_per_class
        for entry in supply[group_of[ci]]:
            if need == 0:
                break
            take = min(need, entry[1])
            if take > 0:
                entry[1] -= take
                need -= take
                units[entry[0]].append((c.start_week, c.end_week, ci, take))
        if need > 0:
            raise AssignmentError(f"no instructors left for {c.id}")
    # 2. concrete pledges by interval partitioning
    classes = {pc.index: pc for pc in f.index.pledge_classes}
    instr: list[dict[str, int]] = [defaultdict(int) for _ in cohorts]
    for pc_i, us in units.items():
        pc = classes[pc_i]
        slots = [
            (0, j, p.id) for j, p in enumerate(pc.pledges) for _ in range(p.instructors_per_week)
        ]
        heapq.heapify(slots)
        for start, end, ci, take in sorted(us):
            for _ in range(take):
                if not slots or slots[0][0] > start:
                    raise AssignmentError(f"pledge class {pc_i} over-used in week {start}")
                _free, j, pid = heapq.heappop(slots)
                instr[ci][pid] += 1
                heapq.heappush(slots, (end + 1, j, pid))
    return [
        Cohort(
            c.id,
            c.request,
            c.site,
            c.start_week,
            c.end_week,
            c.trainees,
            dict(sorted(instr[i].items())),
        )
        for i, c in enumerate(cohorts)
    ]


def values_from_plan(f: Formulation, plan: Plan) -> list[int] | None:
    """Column values of ``f`` that reproduce ``plan`` (None if a cohort has no column)."""
    vals = [0] * f.num_cols
    pos = {(c.request.id, c.site.id, c.start): k for k, c in enumerate(f.candidates)}
    pc_of = {p.id: pc.index for pc in f.index.pledge_classes for p in pc.pledges}
    load: dict[tuple[str, int], int] = defaultdict(int)
    for c in plan.cohorts:
        k = pos.get((c.request, c.site, c.start_week))
        if k is None:
            return None
        vals[f.y[k]] += c.trainees
        g = f.candidates[k].group
        for pid, n in c.instructors.items():
            col = f.z.get((g, pc_of.get(pid, -1)))
            if col is None:
                return None
            vals[col] += n
        for w in c.weeks:
            load[(c.site, w)] += c.trainees
    if f.x:
        for k, cand in enumerate(f.candidates):
            # as few classes as hold the trainees: never more instructors than the plan
            vals[f.x[k]] = -(-vals[f.y[k]] // cand.course.class_size)
    if f.u is not None:
        peak = 0
        for (sid, _w), n in load.items():
            cap = f.index.problem.site(sid).capacity
            peak = max(peak, -(-100 * n // cap))
        vals[f.u] = min(100, peak)
    for k, col in f.keep.items():
        vals[col] = min(vals[f.x[k]] if f.x else 0, int(f.col_upper[col]))
    for j in range(f.num_cols):
        if vals[j] < f.col_lower[j] or vals[j] > f.col_upper[j]:
            return None
    return vals
