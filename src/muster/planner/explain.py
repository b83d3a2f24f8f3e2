"""Why a request is not fully met, and what would unlock it.

Structural reasons come first (nothing could ever be placed): no site runs the course, the
window is too short, a site condition never holds, no pledge of the category is usable
(period, a pledge condition, "EU soil only" at Ukrainian sites), no release. Otherwise the
plan's own resource use is examined at every possible placement of the request to find what
is exhausted: site capacity, instructors of the category, or Ukraine's weekly release.
Every reason names the condition, site or category and says what would unlock it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from .greedy import Ledger
from .index import ProblemIndex
from .problem import Plan, Problem, Request


@dataclass(frozen=True)
class Reason:
    kind: str
    message: str
    unlock: str

    def to_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "message": self.message, "unlock": self.unlock}


@dataclass(frozen=True)
class Explanation:
    request: str
    asked: int
    planned: int
    reasons: tuple[Reason, ...] = field(default_factory=tuple)

    @property
    def kinds(self) -> set[str]:
        return {r.kind for r in self.reasons}

    def to_dict(self) -> dict:
        return {
            "request": self.request,
            "asked": self.asked,
            "planned": self.planned,
            "reasons": [r.to_dict() for r in self.reasons],
        }


def _weeks(a: int, b: int) -> str:
    return f"week {a}" if a == b else f"weeks {a}–{b}"


def explain(problem: Problem, plan: Plan) -> list[Explanation]:
    """One explanation per request that gets fewer trainees than it asked for."""
    idx = ProblemIndex(problem)
    ledger = Ledger(problem, idx, pooled=True)
    planned: Counter[str] = Counter()
    for c in plan.cohorts:
        ledger.add(c)
        planned[c.request] += c.trainees
    out = []
    for req in problem.requests:
        got = planned[req.id]
        if got >= req.trainees:
            continue
        reasons = structural_reasons(problem, idx, req) or resource_reasons(
            problem, idx, ledger, req, req.trainees - got
        )
        out.append(Explanation(req.id, req.trainees, got, tuple(reasons)))
    return out


def structural_reasons(problem: Problem, idx: ProblemIndex, req: Request) -> list[Reason]:
    """Reasons why no class of ``req`` could be placed even in an empty plan."""
    course = problem._index("courses").get(req.course)
    if course is None:
        return [Reason("unknown_course", f"course {req.course} is not in the catalogue", "")]
    d = course.duration_weeks
    last = min(req.latest_end, problem.horizon_weeks - 1) - d + 1
    if last < req.earliest_start:
        return [
            Reason(
                "window",
                f"{course.id} lasts {d} weeks but the window is "
                f"{_weeks(req.earliest_start, req.latest_end)}",
                f"a window of at least {d} weeks",
            )
        ]
    sites = [s for s in problem.sites if req.course in s.courses and s.capacity > 0]
    if not sites:
        return [
            Reason(
                "no_site",
                f"no site runs {course.id} ({course.category})",
                f"a site that runs {course.id}",
            )
        ]
    starts = range(max(0, req.earliest_start), last + 1)
    reasons: list[Reason] = []
    # site conditions
    site_ok = []
    failing: Counter[str] = Counter()
    for s in sites:
        for t in starts:
            bad = [
                k
                for k in s.required_conditions
                if not all(problem.holds((k,), w) for w in range(t, t + d))
            ]
            if bad:
                failing.update(bad)
            else:
                site_ok.append((s, t))
    if not site_ok:
        for k, _n in failing.most_common():
            reasons.append(
                Reason(
                    "site_condition",
                    f"condition '{k}' does not hold in {_weeks(req.earliest_start, req.latest_end)}"
                    f" at the sites that run {course.id}",
                    f"'{k}' holding for {d} consecutive weeks inside the window",
                )
            )
        return reasons
    # releases
    rel = problem.release_per_week
    if rel is not None and all(rel.get(t, 0) <= 0 for _s, t in site_ok):
        return [
            Reason(
                "release",
                f"Ukraine releases nobody to start in {_weeks(starts[0], starts[-1])}",
                f"releases of {req.trainees} trainees in {_weeks(starts[0], starts[-1])}",
            )
        ]
    # instructors
    if course.instructors_per_class == 0:
        return []
    if any(idx.eligible_pledges(course.category, t, t + d - 1, s.in_ukraine) for s, t in site_ok):
        return []
    pledges = [p for p in problem.pledges if p.category == course.category]
    span = _weeks(req.earliest_start, req.latest_end)
    unlock_n = course.instructors_per_class
    if not pledges:
        return [
            Reason(
                "no_instructors",
                f"no nation pledges {course.category} instructors",
                f"{unlock_n} {course.category} instructors in {span}",
            )
        ]
    for p in pledges:
        for k in p.requires:
            if not any(
                problem.holds((k,), w) for w in range(req.earliest_start, req.latest_end + 1)
            ):
                reasons.append(
                    Reason(
                        "pledge_condition",
                        f"pledge {p.id} ({p.nation}) needs '{k}', which does not hold in {span}",
                        f"'{k}' holding in {span}",
                    )
                )
    if all(s.in_ukraine for s, _t in site_ok):
        eu_only = [p for p in pledges if p.ukraine_requires is None]
        if len(eu_only) == len(pledges):
            reasons.append(
                Reason(
                    "eu_only",
                    f"every {course.category} pledge is for EU soil only and the sites that can "
                    f"run {course.id} are in Ukraine",
                    f"{unlock_n} {course.category} instructors allowed in Ukraine in {span}",
                )
            )
        for p in pledges:
            for k in p.ukraine_requires or ():
                if not all(
                    problem.holds((k,), w) for w in range(req.earliest_start, req.latest_end + 1)
                ):
                    reasons.append(
                        Reason(
                            "pledge_ukraine_condition",
                            f"pledge {p.id} ({p.nation}) teaches in Ukraine only with '{k}', "
                            f"which does not hold throughout {span}",
                            f"'{k}' holding in {span}",
                        )
                    )
    if not reasons:
        reasons.append(
            Reason(
                "no_instructors",
                f"no {course.category} pledge covers {d} consecutive weeks inside {span}",
                f"{unlock_n} {course.category} instructors in {span}",
            )
        )
    return _dedupe(reasons)


def resource_reasons(
    problem: Problem, idx: ProblemIndex, ledger: Ledger, req: Request, missing: int
) -> list[Reason]:
    """What the plan has used up at every possible placement of ``req``."""
    course = problem.course(req.course)
    d = course.duration_weeks
    classes = -(-missing // course.class_size)
    blocked: Counter[str] = Counter()
    where: dict[str, tuple] = {}
    free = 0
    for site, t in idx.request_candidates(req):
        end = t + d - 1
        hit = False
        if ledger.site_room(site.id, t, end) <= 0:
            blocked["site_capacity"] += 1
            where.setdefault("site_capacity", (site, t, end))
            hit = True
        rel = ledger.release_room(t)
        if rel is not None and rel <= 0:
            blocked["release"] += 1
            where.setdefault("release", (site, t, end))
            hit = True
        if (
            ledger.pick_instructors(
                course.category, t, end, site.in_ukraine, course.instructors_per_class
            )
            is None
        ):
            blocked["instructors"] += 1
            where.setdefault("instructors", (site, t, end))
            hit = True
        if not hit:
            free += 1
    reasons = []
    for kind, _n in blocked.most_common():
        site, t, end = where[kind]
        if kind == "instructors":
            n = classes * course.instructors_per_class
            reasons.append(
                Reason(
                    "instructors",
                    f"{course.category} instructors are fully used in {_weeks(t, end)} "
                    f"(and at every other placement that fits)",
                    f"{n} more {course.category} instructors in {_weeks(t, end)}",
                )
            )
        elif kind == "site_capacity":
            reasons.append(
                Reason(
                    "site_capacity",
                    f"{site.name} is full in {_weeks(t, end)}",
                    f"{min(missing, course.class_size * classes)} more places at {site.name} "
                    f"in {_weeks(t, end)}",
                )
            )
        else:
            reasons.append(
                Reason(
                    "release",
                    f"Ukraine's release for week {t} is used up",
                    f"{missing} more trainees released in week {t}",
                )
            )
    if free:
        reasons.append(
            Reason(
                "priority",
                f"room exists at {free} placement(s) but the plan gave it to other requests "
                "(higher priority or better use of instructors)",
                f"a higher priority than {req.priority:g}",
            )
        )
    return reasons


def _dedupe(reasons: list[Reason]) -> list[Reason]:
    seen, out = set(), []
    for r in reasons:
        if r.message not in seen:
            seen.add(r.message)
            out.append(r)
    return out
