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
from .index import ProblemIndex
from .problem import Cohort, Plan


class AssignmentError(RuntimeError):
    """The aggregated solution could not be turned into concrete cohorts."""


Usage = dict[int, int]  # pledge class index -> instructors


def cohorts_from_values(
    f: Formulation, values: list[int] | list[float], *, reuse: Plan | None = None
) -> list[Cohort]:
    """Cohorts with concrete pledges for integer column values of ``f``."""
    return concretise(f.index, solution_cohorts(f, values, reuse=reuse))


def solution_cohorts(
    f: Formulation, values: list[int] | list[float], *, reuse: Plan | None = None
) -> list[tuple[Cohort, Usage]]:
    """Cohorts (split evenly; ids kept from ``reuse`` when possible) with pledge-class usage."""
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
        stem = f"{cand.request.id}@{cand.site.id}@w{cand.start}#"
        for i, size in enumerate(sizes):
            cid = old[i].id if i < len(old) else f"{stem}{i}"
            j = i
            while cid in used_ids:
                j += 1
                cid = f"{stem}{j}"
            used_ids.add(cid)
            cohorts.append(
                Cohort(cid, cand.request.id, cand.site.id, cand.start, cand.end, size, {})
            )
            group_of.append(cand.group)
    supply = instructor_supply(f, values)
    out: list[tuple[Cohort, Usage]] = []
    problem = f.index.problem
    for ci, c in enumerate(cohorts):
        need = problem.course(problem.request(c.request).course).instructors_per_class
        usage = take_instructors(supply[group_of[ci]], need)
        if usage is None:
            raise AssignmentError(f"no instructors left for {c.id}")
        out.append((c, usage))
    return out


Supply = dict[int, list[list[int]]]  # instructor group -> [[pledge class, amount left]]


def instructor_supply(f: Formulation, values) -> Supply:
    """The instructors a solution gives each instructor group, by pledge class."""
    supply: Supply = defaultdict(list)
    for (g, pc), col in sorted(f.z.items()):
        amt = int(round(values[col]))
        if amt > 0:
            supply[g].append([pc, amt])
    return supply


def take_instructors(entries: list[list[int]], need: int) -> Usage | None:
    """``need`` instructors for one class from its group's supply (used up in order), or
    None when the supply runs short."""
    usage: Usage = {}
    for entry in entries:
        if need == 0:
            break
        take = min(need, entry[1])
        if take > 0:
            entry[1] -= take
            need -= take
            usage[entry[0]] = usage.get(entry[0], 0) + take
    return None if need > 0 else usage


def class_usage(index: ProblemIndex, cohort: Cohort) -> Usage:
    """Pledge-class usage of a cohort with concrete pledges."""
    pc_of = index.pledge_class_of
    out: Usage = {}
    for pid, n in cohort.instructors.items():
        pc = int(pid[3:]) if pid.startswith("pc:") else pc_of[pid]
        out[pc] = out.get(pc, 0) + n
    return out


def concretise(
    index: ProblemIndex, items: list[tuple[Cohort, Usage]], *, pinned: list[Cohort] = ()
) -> list[Cohort]:
    """Concrete pledges for every cohort by interval partitioning within each pledge class.

    ``pinned`` cohorts keep their own pledges; their instructor-weeks are blocked first (then
    a best-fit rule is used, which can fail in rare cases: AssignmentError).
    """
    units: dict[int, list[tuple[int, int, int, int]]] = defaultdict(list)
    for ci, (c, usage) in enumerate(items):
        for pc, n in usage.items():
            if n > 0:
                units[pc].append((c.start_week, c.end_week, ci, n))
    classes = {pc.index: pc for pc in index.pledge_classes}
    instr: list[dict[str, int]] = [defaultdict(int) for _ in items]
    blocked = _pinned_blocks(index, pinned)
    for pc_i, us in units.items():
        pc = classes[pc_i]
        if not any(p.id in blocked for p in pc.pledges):
            _partition(pc_i, pc, sorted(us), instr)
        else:
            _partition_best_fit(pc_i, pc, sorted(us), instr, blocked)
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
        for i, (c, _u) in enumerate(items)
    ]


def _partition(pc_i, pc, units, instr) -> None:
    """Classic interval partitioning: reuse the slot that became free earliest."""
    slots = [(0, j, p.id) for j, p in enumerate(pc.pledges) for _ in range(p.instructors_per_week)]
    heapq.heapify(slots)
    for start, end, ci, take in units:
        for _ in range(take):
            if not slots or slots[0][0] > start:
                raise AssignmentError(f"pledge class {pc_i} over-used in week {start}")
            _free, j, pid = heapq.heappop(slots)
            instr[ci][pid] += 1
            heapq.heappush(slots, (end + 1, j, pid))


def _pinned_blocks(index: ProblemIndex, pinned: list[Cohort]) -> dict[str, list[list[tuple]]]:
    """Per pledge: one list of blocked week intervals per instructor slot."""
    out: dict[str, list[list[tuple[int, int]]]] = {}
    for c in sorted(pinned, key=lambda c: (c.start_week, c.id)):
        for pid, n in c.instructors.items():
            pl = index.problem._index("pledges").get(pid)
            if pl is None:
                continue
            slots = out.setdefault(pid, [[] for _ in range(pl.instructors_per_week)])
            for _ in range(n):
                for blocks in slots:
                    if not blocks or blocks[-1][1] < c.start_week:
                        blocks.append((c.start_week, c.end_week))
                        break
    return out


def _partition_best_fit(pc_i, pc, units, instr, blocked) -> None:
    slots = []  # [free_from, blocks, pid]
    for p in pc.pledges:
        rows = blocked.get(p.id, [[] for _ in range(p.instructors_per_week)])
        for blocks in rows:
            slots.append([0, blocks, p.id])
    for start, end, ci, take in units:
        for _ in range(take):
            best, best_key = None, None
            for s in slots:
                if s[0] > start or any(a <= end and b >= start for a, b in s[1]):
                    continue
                nxt = min((a for a, _b in s[1] if a > end), default=10**9)
                key = (nxt, s[0])
                if best_key is None or key < best_key:
                    best, best_key = s, key
            if best is None:
                raise AssignmentError(f"pledge class {pc_i}: no free instructor in week {start}")
            best[0] = end + 1
            instr[ci][best[2]] += 1


def values_from_plan(f: Formulation, plan: Plan) -> list[int] | None:
    """Column values of ``f`` that reproduce ``plan`` (None if a cohort has no column)."""
    vals = [0] * f.num_cols
    pos = {(c.request.id, c.site.id, c.start): k for k, c in enumerate(f.candidates)}
    pc_of = f.index.pledge_class_of
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
        for key, n in f.fixed.site.items():
            load[key] += n
        peak = 0
        for (sid, _w), n in load.items():
            cap = f.index.problem.site(sid).capacity
            peak = max(peak, -(-100 * n // cap))
        vals[f.u] = max(int(f.col_lower[f.u]), min(100, peak))
    for k, col in f.keep.items():
        avg = f.keep_avg.get(k, 0.0)
        fill = int(vals[f.y[k]] / avg + 1e-9) if avg > 0 else int(f.col_upper[col])
        vals[col] = min(vals[f.x[k]] if f.x else fill, int(f.col_upper[col]), fill)
    for j in range(f.num_cols):
        if vals[j] < f.col_lower[j] or vals[j] > f.col_upper[j]:
            return None
    return vals
