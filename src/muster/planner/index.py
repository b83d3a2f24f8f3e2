"""Precomputed lookups shared by the solvers: availability by week, eligible pledges.

A pledge is *eligible* for a cohort of category ``c`` running weeks ``a..b`` at an EU site
when its category is ``c``, its period covers ``a..b`` and its ``requires`` hold in every one
of those weeks; at a site in Ukraine its ``ukraine_requires`` must also be given and hold.
Pledges with exactly the same availability are merged into one *pledge class* for the
optimisation (their weekly instructors add up); concrete pledges are assigned afterwards.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

from .problem import Course, Pledge, Problem, Request, Site


def _prefix(flags: list[bool]) -> list[int]:
    out = [0]
    for f in flags:
        out.append(out[-1] + (1 if f else 0))
    return out


def _all_true(prefix: Sequence[int], a: int, b: int) -> bool:
    """True when flags[a..b] (inclusive) are all true."""
    if a < 0 or b >= len(prefix) - 1 or a > b:
        return False
    return prefix[b + 1] - prefix[a] == b - a + 1


@dataclass(frozen=True)
class PledgeClass:
    """Pledges of one category with identical availability, merged."""

    index: int
    category: str
    pledges: tuple[Pledge, ...]
    instructors_per_week: int
    eu_prefix: tuple[int, ...]
    ua_prefix: tuple[int, ...]

    def eligible(self, start: int, end: int, in_ukraine: bool) -> bool:
        return _all_true(self.ua_prefix if in_ukraine else self.eu_prefix, start, end)


@dataclass(frozen=True)
class Candidate:
    """A possible placement: classes of ``request`` at ``site`` starting in ``start``."""

    index: int
    request: Request
    course: Course
    site: Site
    start: int
    group: int  # instructor group: (category, in_ukraine, start, duration)

    @property
    def end(self) -> int:
        return self.start + self.course.duration_weeks - 1

    @property
    def max_classes(self) -> int:
        cs = self.course.class_size
        return max(0, min(-(-self.request.trainees // cs), self.site.capacity))

    @property
    def max_trainees(self) -> int:
        return min(
            self.request.trainees, self.site.capacity, self.max_classes * self.course.class_size
        )


@dataclass
class ProblemIndex:
    """Everything derived once from a Problem; cheap to build, shared by all solvers."""

    problem: Problem
    pledge_eu: dict[str, list[int]] = field(default_factory=dict)  # prefix sums
    pledge_ua: dict[str, list[int]] = field(default_factory=dict)
    site_ok: dict[str, list[int]] = field(default_factory=dict)
    _elig_cache: dict[tuple[str, int, int, bool], tuple[Pledge, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        p = self.problem
        H = p.horizon_weeks
        for pl in p.pledges:
            eu = [pl.week_from <= w <= pl.week_to and p.holds(pl.requires, w) for w in range(H)]
            if pl.ukraine_requires is None:
                ua = [False] * H
            else:
                ua = [eu[w] and p.holds(pl.ukraine_requires, w) for w in range(H)]
            self.pledge_eu[pl.id] = _prefix(eu)
            self.pledge_ua[pl.id] = _prefix(ua)
        for s in p.sites:
            self.site_ok[s.id] = _prefix([p.holds(s.required_conditions, w) for w in range(H)])

    # -- eligibility --------------------------------------------------------------------
    def pledge_eligible(self, pledge: Pledge, start: int, end: int, in_ukraine: bool) -> bool:
        pre = self.pledge_ua[pledge.id] if in_ukraine else self.pledge_eu[pledge.id]
        return _all_true(pre, start, end)

    def eligible_pledges(
        self, category: str, start: int, end: int, in_ukraine: bool
    ) -> tuple[Pledge, ...]:
        key = (category, start, end, in_ukraine)
        got = self._elig_cache.get(key)
        if got is None:
            got = tuple(
                pl
                for pl in self.pledges_by_category.get(category, ())
                if pl.instructors_per_week > 0 and self.pledge_eligible(pl, start, end, in_ukraine)
            )
            self._elig_cache[key] = got
        return got

    def site_conditions_hold(self, site: Site, start: int, end: int) -> bool:
        return _all_true(self.site_ok[site.id], start, end)

    def release_limit(self, week: int) -> int | None:
        rel = self.problem.release_per_week
        if rel is None:
            return None
        return int(rel.get(week, 0))

    @cached_property
    def pledges_by_category(self) -> dict[str, tuple[Pledge, ...]]:
        out: dict[str, list[Pledge]] = {}
        for pl in self.problem.pledges:
            out.setdefault(pl.category, []).append(pl)
        return {k: tuple(v) for k, v in out.items()}

    @cached_property
    def pledge_classes(self) -> tuple[PledgeClass, ...]:
        """Merge pledges of a category whose availability is identical in every week."""
        groups: dict[tuple, list[Pledge]] = {}
        for pl in self.problem.pledges:
            if pl.instructors_per_week <= 0:
                continue
            key = (pl.category, tuple(self.pledge_eu[pl.id]), tuple(self.pledge_ua[pl.id]))
            groups.setdefault(key, []).append(pl)
        out = []
        for i, (key, pls) in enumerate(sorted(groups.items(), key=lambda kv: kv[1][0].id)):
            out.append(
                PledgeClass(
                    index=i,
                    category=key[0],
                    pledges=tuple(sorted(pls, key=lambda x: x.id)),
                    instructors_per_week=sum(p.instructors_per_week for p in pls),
                    eu_prefix=key[1],
                    ua_prefix=key[2],
                )
            )
        return tuple(out)

    @cached_property
    def pledge_class_of(self) -> dict[str, int]:
        return {p.id: pc.index for pc in self.pledge_classes for p in pc.pledges}

    @cached_property
    def candidate_at(self) -> dict[tuple[str, str, int], Candidate]:
        """(request, site, start) -> candidate."""
        return {(c.request.id, c.site.id, c.start): c for c in self.candidates}

    # -- candidates ---------------------------------------------------------------------
    def request_candidates(self, request: Request) -> list[tuple[Site, int]]:
        """(site, start) pairs where a class of this request could run at all."""
        p = self.problem
        course = p._index("courses").get(request.course)
        if course is None or request.trainees <= 0:
            return []
        d = course.duration_weeks
        out = []
        last = min(request.latest_end, p.horizon_weeks - 1) - d + 1
        for site in p.sites:
            if request.course not in site.courses or site.capacity <= 0:
                continue
            for t in range(max(0, request.earliest_start), last + 1):
                end = t + d - 1
                rel = self.release_limit(t)
                if rel is not None and rel <= 0:
                    continue
                if not self.site_conditions_hold(site, t, end):
                    continue
                if course.instructors_per_class > 0 and not self.eligible_pledges(
                    course.category, t, end, site.in_ukraine
                ):
                    continue
                out.append((site, t))
        return out

    @cached_property
    def candidates(self) -> tuple[Candidate, ...]:
        out: list[Candidate] = []
        groups: dict[tuple[str, bool, int, int], int] = {}
        for req in self.problem.requests:
            course = self.problem._index("courses").get(req.course)
            for site, t in self.request_candidates(req):
                assert course is not None
                gk = (course.category, site.in_ukraine, t, course.duration_weeks)
                g = groups.setdefault(gk, len(groups))
                out.append(Candidate(len(out), req, course, site, t, g))
        self.__dict__["group_keys"] = {g: k for k, g in groups.items()}
        return tuple(out)

    @property
    def groups(self) -> dict[int, tuple[str, bool, int, int]]:
        """Instructor groups used by the candidates: id -> (category, in_ukraine, start, d)."""
        _ = self.candidates
        return self.__dict__["group_keys"]

    def group_classes(self, group: int) -> list[PledgeClass]:
        cat, ua, t, d = self.groups[group]
        return [
            pc for pc in self.pledge_classes if pc.category == cat and pc.eligible(t, t + d - 1, ua)
        ]
