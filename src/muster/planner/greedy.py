"""Baseline: earliest deadline first, then highest priority, one class at a time.

Fast and always valid; ``solve`` uses it as a hint and as the fallback.
"""

from __future__ import annotations

import time

from .index import ProblemIndex
from .problem import Cohort, Plan, Problem, Request, SolverStats, score


class Ledger:
    """Resources already used: site load, pledge instructors and releases, by week."""

    def __init__(self, problem: Problem, index: ProblemIndex | None = None) -> None:
        self.problem = problem
        self.index = index or ProblemIndex(problem)
        H = problem.horizon_weeks
        self.load = {s.id: [0] * H for s in problem.sites}
        self.used = {p.id: [0] * H for p in problem.pledges}
        self.released = [0] * H

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
            for pid, n in cohort.instructors.items():
                self.used[pid][w] += n
        self.released[cohort.start_week] += cohort.trainees

    def remove(self, cohort: Cohort) -> None:
        for w in cohort.weeks:
            self.load[cohort.site][w] -= cohort.trainees
            for pid, n in cohort.instructors.items():
                self.used[pid][w] -= n
        self.released[cohort.start_week] -= cohort.trainees

    def pick_instructors(
        self, category: str, start: int, end: int, in_ukraine: bool, needed: int
    ) -> dict[str, int] | None:
        """Instructors from eligible pledges with room; EU-only pledges first at EU sites."""
        if needed <= 0:
            return {}
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
