"""Pins: cohorts of the previous plan that re-planning must keep.

* ``keep="cohort"`` — the cohort is kept wholly (site, weeks, trainees, instructors);
* ``keep="site"`` — a cohort of the same request and size stays at that site, weeks may move;
* ``keep="week"`` — a cohort of the same request and size keeps its start week, site may move.

A site or week pin is honoured when the plan has, for that (request, site) or
(request, start week), at least as many cohorts and trainees as were pinned there.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from .greedy import Ledger
from .problem import Cohort, Plan, Problem


@dataclass
class PinSet:
    fixed: list[Cohort] = field(default_factory=list)
    by_site: list[Cohort] = field(default_factory=list)
    by_week: list[Cohort] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.fixed or self.by_site or self.by_week)

    def site_totals(self) -> dict[tuple[str, str], tuple[int, int]]:
        """(request, site) -> (cohorts, trainees) pinned there."""
        out: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
        for c in self.by_site:
            out[(c.request, c.site)][0] += 1
            out[(c.request, c.site)][1] += c.trainees
        return {k: (v[0], v[1]) for k, v in out.items()}

    def week_totals(self) -> dict[tuple[str, int], tuple[int, int]]:
        """(request, start week) -> (cohorts, trainees) pinned there."""
        out: dict[tuple[str, int], list[int]] = defaultdict(lambda: [0, 0])
        for c in self.by_week:
            out[(c.request, c.start_week)][0] += 1
            out[(c.request, c.start_week)][1] += c.trainees
        return {k: (v[0], v[1]) for k, v in out.items()}


def resolve_pins(problem: Problem) -> PinSet:
    """Look the pinned cohorts up in ``problem.previous``."""
    out = PinSet()
    if not problem.pins:
        return out
    prev = {c.id: c for c in (problem.previous.cohorts if problem.previous else ())}
    for pin in problem.pins:
        c = prev.get(pin.cohort_id)
        if c is None:
            out.unknown.append(pin.cohort_id)
        elif pin.keep == "cohort":
            out.fixed.append(c)
        elif pin.keep == "site":
            out.by_site.append(c)
        else:
            out.by_week.append(c)
    return out


def seed_ledger(
    problem: Problem, ledger: Ledger, pins: PinSet, *, keep_previous: bool = False
) -> list[Cohort]:
    """Cohorts to start from: fixed pins, placed site/week pins, and (optionally) every
    cohort of the previous plan that is still valid and still fits."""
    from .validate import validate  # local: validate imports this module

    cohorts: list[Cohort] = []
    for c in pins.fixed:
        ledger.add(c)
        cohorts.append(c)
    used = {c.id for c in cohorts}
    for c in pins.by_site:
        placed = _place_at_site(problem, ledger, c, used)
        if placed is not None:
            cohorts.append(placed)
            used.add(placed.id)
    for c in pins.by_week:
        placed = _place_at_week(problem, ledger, c, used)
        if placed is not None:
            cohorts.append(placed)
            used.add(placed.id)
    if keep_previous and problem.previous is not None:
        pinned = {c.id for c in pins.fixed + pins.by_site + pins.by_week}
        per_request: dict[str, int] = defaultdict(int)
        for c in cohorts:
            per_request[c.request] += c.trainees
        for c in problem.previous.cohorts:
            if c.id in pinned or c.id in used:
                continue
            req = problem._index("requests").get(c.request)
            if req is None or per_request[c.request] + c.trainees > req.trainees:
                continue
            if validate(problem, Plan((c,)), check_pins=False):
                continue
            if not _fits(ledger, c):
                continue
            ledger.add(c)
            cohorts.append(c)
            used.add(c.id)
            per_request[c.request] += c.trainees
    return cohorts


def _validate_one(problem: Problem, c: Cohort) -> list:
    from .validate import validate

    return validate(problem, Plan((c,)), check_pins=False)


def _fits(ledger: Ledger, c: Cohort) -> bool:
    return ledger.fits(c)


def _place_exact(
    problem: Problem, ledger: Ledger, c: Cohort, site: str, start: int, used: set[str]
) -> Cohort | None:
    req = problem.request(c.request)
    cid = c.id if c.id not in used else f"{c.id}'"
    if (site, start) == (c.site, c.start_week) and _fits(ledger, c):
        # the pinned cohort exactly as it was: pins taken from one valid plan always fit
        kept = Cohort(cid, c.request, c.site, c.start_week, c.end_week, c.trainees, c.instructors)
        if not [v for v in _validate_one(problem, kept)]:
            ledger.add(kept)
            return kept
    got = ledger.place(req, site, start, c.trainees, cid)
    if got is not None and got.trainees != c.trainees:
        ledger.remove(got)
        return None
    return got


def _place_at_site(problem: Problem, ledger: Ledger, c: Cohort, used: set[str]) -> Cohort | None:
    """The pinned cohort at its site, at the start week closest to the original."""
    req = problem.request(c.request)
    starts = sorted(
        {t for s, t in ledger.index.request_candidates(req) if s.id == c.site},
        key=lambda t: (abs(t - c.start_week), t),
    )
    for t in starts:
        got = _place_exact(problem, ledger, c, c.site, t, used)
        if got is not None:
            return got
    return None


def _place_at_week(problem: Problem, ledger: Ledger, c: Cohort, used: set[str]) -> Cohort | None:
    """The pinned cohort in its start week, at its old site if possible, else the nearest."""
    req = problem.request(c.request)
    sites = sorted(
        {s for s, t in ledger.index.request_candidates(req) if t == c.start_week},
        key=lambda s: (s.id != c.site, s.distance_km, s.id),
    )
    for s in sites:
        got = _place_exact(problem, ledger, c, s.id, c.start_week, used)
        if got is not None:
            return got
    return None


def pin_problems(problem: Problem, plan: Plan) -> list[tuple[str, str]]:
    """(kind, message) for every pin the plan does not honour."""
    pins = resolve_pins(problem)
    out = [
        ("pin_unknown", f"pinned cohort {cid} is not in the previous plan") for cid in pins.unknown
    ]
    have = {c.id: c for c in plan.cohorts}
    for c in pins.fixed:
        got = have.get(c.id)
        if got is None or got.placement() != c.placement() or got.instructors != c.instructors:
            out.append(("pin_cohort", f"pinned cohort {c.id} was not kept as it was"))
    by_site: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    by_week: dict[tuple[str, int], list[int]] = defaultdict(lambda: [0, 0])
    for c in plan.cohorts:
        by_site[(c.request, c.site)][0] += 1
        by_site[(c.request, c.site)][1] += c.trainees
        by_week[(c.request, c.start_week)][0] += 1
        by_week[(c.request, c.start_week)][1] += c.trainees
    for (rid, sid), (n, tr) in pins.site_totals().items():
        got = by_site[(rid, sid)]
        if got[0] < n or got[1] < tr:
            out.append(("pin_site", f"request {rid} lost its pinned cohort(s) at site {sid}"))
    for (rid, t), (n, tr) in pins.week_totals().items():
        got = by_week[(rid, t)]
        if got[0] < n or got[1] < tr:
            out.append(("pin_week", f"request {rid} lost its pinned cohort(s) starting week {t}"))
    return out
