"""Recommendations: where a new request or pledge fits best, without a full re-solve.

For a new request every possible placement (site, start week) is tried against what the
current plan leaves free; if that is not enough, lower-value cohorts that compete for the
same site, instructors or release are displaced one at a time, cheapest first. Options are
ranked by net priority-weighted trainees (gain minus displaced), then distance. For a new
pledge, the requests it could serve are filled in priority order with the pledge's
instructors and the best placements are reported. Both run in well under a second on
medium instances.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .greedy import Ledger
from .index import ProblemIndex
from .problem import Cohort, Plan, Pledge, Problem, Request


@dataclass(frozen=True)
class Recommendation:
    request: str
    site: str
    start_week: int
    trainees: int
    net_value: float
    cohorts: tuple[Cohort, ...] = ()
    displaced: tuple[str, ...] = field(default_factory=tuple)

    def describe(self) -> str:
        s = f"{self.request}: {self.trainees} trainees at {self.site} from week {self.start_week}"
        if self.displaced:
            s += f", displacing {len(self.displaced)} cohort(s): {', '.join(self.displaced)}"
        return s + f" (net {self.net_value:+g})"

    def to_dict(self) -> dict:
        return {
            "request": self.request,
            "site": self.site,
            "start_week": self.start_week,
            "trainees": self.trainees,
            "net_value": self.net_value,
            "cohorts": [c.to_dict() for c in self.cohorts],
            "displaced": list(self.displaced),
            "description": self.describe(),
        }


def recommend(
    problem: Problem, plan: Plan, new: Request | Pledge, k: int = 3
) -> list[Recommendation]:
    """The best ``k`` placements for a new request, or the best uses of a new pledge."""
    if isinstance(new, Request):
        return _for_request(problem, plan, new, k)
    return _for_pledge(problem, plan, new, k)


def _fill(ledger: Ledger, req: Request, site: str, start: int, want: int, tag: str):
    placed: list[Cohort] = []
    while want > 0:
        c = ledger.place(req, site, start, want, f"{tag}#{len(placed)}")
        if c is None:
            break
        placed.append(c)
        want -= c.trainees
    return placed


def _for_request(problem: Problem, plan: Plan, req: Request, k: int) -> list[Recommendation]:
    p2 = problem.replace(requests=(*problem.requests, req))
    idx = ProblemIndex(p2)
    ledger = Ledger(p2, idx)
    for c in plan.cohorts:
        ledger.add(c)
    course = p2.course(req.course)
    value = {c.id: c.trainees * p2.request(c.request).priority for c in plan.cohorts}
    options: list[tuple[tuple, Recommendation]] = []
    for site, t in idx.request_candidates(req):
        end = t + course.duration_weeks - 1
        tag = f"{req.id}@{site.id}@w{t}"
        placed = _fill(ledger, req, site.id, t, req.trainees, tag)
        displaced: list[Cohort] = []
        got = sum(c.trainees for c in placed)
        if got < req.trainees:
            rivals = sorted(
                (
                    c
                    for c in plan.cohorts
                    if c.start_week <= end
                    and c.end_week >= t
                    and p2.request(c.request).priority < req.priority
                    and (
                        c.site == site.id
                        or c.start_week == t
                        or p2.course(p2.request(c.request).course).category == course.category
                    )
                ),
                key=lambda c: (value[c.id] / max(1, c.trainees), value[c.id], c.id),
            )
            for rival in rivals:
                if got >= req.trainees:
                    break
                ledger.remove(rival)
                displaced.append(rival)
                more = _fill(ledger, req, site.id, t, req.trainees - got, f"{tag}+{len(displaced)}")
                placed += more
                got += sum(c.trainees for c in more)
            # give back displaced cohorts that turned out not to be needed
            for rival in list(reversed(displaced)):
                if _fits(ledger, rival):
                    ledger.add(rival)
                    displaced.remove(rival)
        net = got * req.priority - sum(value[c.id] for c in displaced)
        if got > 0:
            rec = Recommendation(
                req.id, site.id, t, got, net, tuple(placed), tuple(c.id for c in displaced)
            )
            options.append(((-net, -got, site.distance_km, t, site.id), rec))
        for c in placed:
            ledger.remove(c)
        for c in displaced:
            ledger.add(c)
    options.sort(key=lambda o: o[0])
    return [rec for _key, rec in options[:k]]


def _fits(ledger: Ledger, c: Cohort) -> bool:
    from .pins import _fits as fits

    return fits(ledger, c)


def _for_pledge(problem: Problem, plan: Plan, pledge: Pledge, k: int) -> list[Recommendation]:
    p2 = problem.replace(pledges=(*problem.pledges, pledge))
    idx = ProblemIndex(p2)
    ledger = Ledger(p2, idx)
    got: dict[str, int] = {}
    for c in plan.cohorts:
        ledger.add(c)
        got[c.request] = got.get(c.request, 0) + c.trainees
    options: list[tuple[tuple, Recommendation]] = []
    for req in p2.requests:
        course = p2.course(req.course)
        if course.category != pledge.category or got.get(req.id, 0) >= req.trainees:
            continue
        want = req.trainees - got.get(req.id, 0)
        for site, t in idx.request_candidates(req):
            end = t + course.duration_weeks - 1
            if not idx.pledge_eligible(pledge, t, end, site.in_ukraine):
                continue
            placed = _fill(ledger, req, site.id, t, want, f"{req.id}@{site.id}@w{t}")
            n = sum(c.trainees for c in placed)
            if n > 0 and any(pledge.id in c.instructors for c in placed):
                rec = Recommendation(req.id, site.id, t, n, n * req.priority, tuple(placed))
                options.append(((-rec.net_value, site.distance_km, t, req.id, site.id), rec))
            for c in placed:
                ledger.remove(c)
    options.sort(key=lambda o: o[0])
    out, seen = [], set()
    for _key, rec in options:
        if rec.request in seen:
            continue
        seen.add(rec.request)
        out.append(rec)
        if len(out) == k:
            break
    return out
