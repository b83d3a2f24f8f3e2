"""Baseline: earliest deadline first, then highest priority, one class at a time.

Fast and always valid; ``solve`` uses it as a hint and as the fallback.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from .index import ProblemIndex
from .problem import Cohort, Plan, Problem, Request, SolverStats, score

POOL = "pc:"  # instructor keys of a pooled ledger: "pc:<pledge class index>"


class Ledger:
    """Resources already used: site load, pledge instructors and releases, by week.

    A *pooled* ledger books instructors per pledge class (keys ``"pc:<i>"``) instead of per
    pledge; ``pooled_to_concrete`` later assigns concrete pledges, which always succeeds
    (interval partitioning) — so no placement is lost to an unlucky choice of pledge.
    """

    def __init__(
        self, problem: Problem, index: ProblemIndex | None = None, *, pooled: bool = False
    ) -> None:
        self.problem = problem
        self.index = index or ProblemIndex(problem)
        self.pooled = pooled
        H = problem.horizon_weeks
        self.load = {s.id: [0] * H for s in problem.sites}
        self.used = {p.id: [0] * H for p in problem.pledges}
        self.class_used = {pc.index: [0] * H for pc in self.index.pledge_classes}
        self.released = [0] * H

    def _book(self, cohort: Cohort, sign: int) -> None:
        pc_of = self.index.pledge_class_of
        for key, n in cohort.instructors.items():
            if key.startswith(POOL):
                row = self.class_used[int(key[len(POOL) :])]
            elif self.pooled:
                row = self.class_used[pc_of[key]]
            else:
                row = self.used[key]
            for w in cohort.weeks:
                row[w] += sign * n

    def class_room(self, pc: int, start: int, end: int) -> int:
        cap = self.index.pledge_classes[pc].instructors_per_week
        return cap - max(self.class_used[pc][start : end + 1])

    def fits(self, c: Cohort) -> bool:
        """True when ``c`` (with its instructors) fits in what is left."""
        if self.site_room(c.site, c.start_week, c.end_week) < c.trainees:
            return False
        rel = self.release_room(c.start_week)
        if rel is not None and rel < c.trainees:
            return False
        need: dict[tuple[str, int], int] = {}
        for key, n in c.instructors.items():
            if key.startswith(POOL):
                k = ("c", int(key[len(POOL) :]))
            elif self.pooled:
                k = ("c", self.index.pledge_class_of[key])
            else:
                k = ("p", key)
            need[k] = need.get(k, 0) + n
        for (kind, key), n in need.items():
            room = (
                self.class_room(key, c.start_week, c.end_week)
                if kind == "c"
                else self.pledge_room(key, c.start_week, c.end_week)
            )
            if room < n:
                return False
        return True

    def site_room(self, site_id: str, start: int, end: int) -> int:
        cap = self.problem.site(site_id).capacity
        row = self.load[site_id]
        return cap - max(row[start : end + 1])

    def pledge_room(self, pledge_id: str, start: int, end: int) -> int:
        ipw = self.problem.pledge(pledge_id).instructors_per_week
        return ipw - max(self.used[pledge_id][start : end + 1])

    def release_room(self, start: int) -> int | None:
        lim = self.index.release_limit(start)
        return None if lim is None else lim - self.released[start]

    def add(self, cohort: Cohort) -> None:
        for w in cohort.weeks:
            self.load[cohort.site][w] += cohort.trainees
        self._book(cohort, 1)
        self.released[cohort.start_week] += cohort.trainees

    def remove(self, cohort: Cohort) -> None:
        for w in cohort.weeks:
            self.load[cohort.site][w] -= cohort.trainees
        self._book(cohort, -1)
        self.released[cohort.start_week] -= cohort.trainees

    def pick_instructors(
        self, category: str, start: int, end: int, in_ukraine: bool, needed: int
    ) -> dict[str, int] | None:
        """Instructors from eligible pledges with room; EU-only pledges first at EU sites."""
        if needed <= 0:
            return {}
        if self.pooled:
            return self._pick_classes(category, start, end, in_ukraine, needed)
        pledges = sorted(
            self.index.eligible_pledges(category, start, end, in_ukraine),
            key=lambda p: (p.ukraine_requires is not None, p.id),
        )
        got: dict[str, int] = {}
        for p in pledges:
            room = self.pledge_room(p.id, start, end)
            if room <= 0:
                continue
            take = min(room, needed)
            got[p.id] = take
            needed -= take
            if needed == 0:
                return got
        return None

    def _pick_classes(
        self, category: str, start: int, end: int, in_ukraine: bool, needed: int
    ) -> dict[str, int] | None:
        classes = sorted(
            (
                pc
                for pc in self.index.pledge_classes
                if pc.category == category and pc.eligible(start, end, in_ukraine)
            ),
            key=lambda pc: (pc.ua_prefix[-1] > 0, pc.index),
        )
        return self.take_from_classes((pc.index for pc in classes), start, end, needed)

    def take_from_classes(
        self, classes: Iterable[int], start: int, end: int, needed: int
    ) -> dict[str, int] | None:
        """``needed`` instructors from the pledge classes in the order given, or None."""
        got: dict[str, int] = {}
        for index in classes:
            room = self.class_room(index, start, end)
            if room <= 0:
                continue
            take = min(room, needed)
            got[f"{POOL}{index}"] = take
            needed -= take
            if needed == 0:
                return got
        return None

    def place(
        self, request: Request, site_id: str, start: int, trainees: int, cohort_id: str
    ) -> Cohort | None:
        """Place one class of up to ``trainees`` if resources allow; returns the cohort."""
        p = self.problem
        course = p.course(request.course)
        site = p.site(site_id)
        end = start + course.duration_weeks - 1
        n = min(trainees, course.class_size, self.site_room(site_id, start, end))
        rel = self.release_room(start)
        if rel is not None:
            n = min(n, rel)
        if n <= 0:
            return None
        instr = self.pick_instructors(
            course.category, start, end, site.in_ukraine, course.instructors_per_class
        )
        if instr is None:
            return None
        c = Cohort(cohort_id, request.id, site_id, start, end, n, instr)
        self.add(c)
        return c


def request_order(problem: Problem) -> list[Request]:
    """Earliest deadline first, highest priority next, id last (deterministic)."""
    return sorted(problem.requests, key=lambda r: (r.latest_end, -r.priority, r.id))


def greedy_plan(
    problem: Problem, *, index: ProblemIndex | None = None, keep_previous: bool = False
) -> Plan:
    """Fill requests in deadline/priority order, nearest site and earliest week first.

    Pins are placed first; with ``keep_previous`` every still-valid cohort of the previous
    plan is kept before anything new is added (the minimal-change start for re-planning).
    """
    from .pins import resolve_pins, seed_ledger

    t0 = time.perf_counter()
    ledger = Ledger(problem, index)
    cohorts: list[Cohort] = seed_ledger(
        problem, ledger, resolve_pins(problem), keep_previous=keep_previous
    )
    fill_requests(ledger, request_order(problem), cohorts)
    s = score(problem, Plan(tuple(cohorts)))
    stats = SolverStats(
        status="FEASIBLE",
        objective=s.weighted_trainees,
        wall_seconds=time.perf_counter() - t0,
        method="greedy",
    )
    return Plan(tuple(cohorts), stats)


def fill_requests(
    ledger: Ledger,
    requests: list[Request],
    cohorts: list[Cohort],
    *,
    already: dict[str, int] | None = None,
) -> None:
    """Greedily add classes for ``requests`` to ``cohorts`` using what ``ledger`` has left."""
    taken = dict(already or {})
    for c in cohorts:
        taken.setdefault(c.request, 0)
    if already is None:
        for c in cohorts:
            taken[c.request] += c.trainees
    used_ids = {c.id for c in cohorts}
    for req in requests:
        remaining = req.trainees - taken.get(req.id, 0)
        if remaining <= 0:
            continue
        cands = sorted(
            ledger.index.request_candidates(req),
            key=lambda st: (st[1], st[0].distance_km, st[0].id),
        )
        for site, t in cands:
            k = 0
            while remaining > 0:
                cid = f"{req.id}@{site.id}@w{t}#{k}"
                while cid in used_ids:
                    k += 1
                    cid = f"{req.id}@{site.id}@w{t}#{k}"
                c = ledger.place(req, site.id, t, remaining, cid)
                if c is None:
                    break
                used_ids.add(cid)
                cohorts.append(c)
                remaining -= c.trainees
            if remaining <= 0:
                break
        taken[req.id] = req.trainees - remaining


def pooled_to_concrete(
    problem: Problem, index: ProblemIndex, cohorts: list[Cohort], pinned: list[Cohort] = ()
) -> list[Cohort]:
    """Concrete pledges for cohorts booked on a pooled ledger (``pinned`` keep theirs)."""
    from .assign import concretise

    pinned_ids = {c.id for c in pinned}
    items = []
    pc_of = index.pledge_class_of
    for c in cohorts:
        if c.id in pinned_ids:
            continue
        usage: dict[int, int] = {}
        for key, n in c.instructors.items():
            pc = int(key[len(POOL) :]) if key.startswith(POOL) else pc_of[key]
            usage[pc] = usage.get(pc, 0) + n
        items.append((c, usage))
    return concretise(index, items, pinned=list(pinned)) + [
        c for c in cohorts if c.id in pinned_ids
    ]
