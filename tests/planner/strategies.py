"""Hypothesis strategies and a brute-force solver for tiny planning problems."""

from __future__ import annotations

import itertools
from math import ceil

from hypothesis import strategies as st

from muster.planner.problem import Course, Pledge, Problem, Request, Site

CATS = ("infantry", "artillery")


@st.composite
def problems(draw, *, max_sites=3, max_courses=3, max_weeks=8, max_requests=5, max_pledges=4,
             max_trainees=60, tiny=False):  # fmt: skip
    """Small random problems with conditions, Ukrainian sites, releases."""
    H = draw(st.integers(2, max_weeks))

    def from_week():  # a condition holds from some week on, sometimes with a gap
        a = draw(st.integers(0, H))
        gap = draw(st.sets(st.integers(0, H - 1), max_size=1))
        return frozenset(range(a, H)) - gap

    conditions = {"ceasefire": from_week(), "us_backstop": from_week()}
    n_courses = draw(st.integers(1, max_courses))
    courses = tuple(
        Course(
            id=f"C{i}",
            category=draw(st.sampled_from(CATS)),
            duration_weeks=draw(st.integers(1, min(3, H))),
            class_size=draw(st.integers(1, 3 if tiny else 12)),
            instructors_per_class=draw(st.integers(0 if not tiny else 1, 2)),
        )
        for i in range(n_courses)
    )
    n_sites = draw(st.integers(1, max_sites))
    sites = []
    for i in range(n_sites):
        ua = draw(st.booleans())
        sites.append(
            Site(
                id=f"S{i}",
                name=f"site {i}",
                capacity=draw(st.integers(1 if tiny else 0, 4 if tiny else 40)),
                courses=tuple(
                    sorted(draw(st.sets(st.sampled_from([c.id for c in courses]), min_size=1)))
                ),
                in_ukraine=ua,
                distance_km=0.0 if ua else float(draw(st.integers(0, 100))),
                required_conditions=("ceasefire",) if ua and draw(st.booleans()) else (),
            )
        )
    pledges = []
    for i in range(draw(st.integers(1, max_pledges))):
        a = draw(st.integers(0, H - 1)) if draw(st.booleans()) else 0
        b = draw(st.integers(a, H - 1)) if draw(st.booleans()) else H - 1
        pledges.append(
            Pledge(
                id=f"P{i}",
                nation=draw(st.sampled_from(["FR", "DE", "PL"])),
                category=draw(st.sampled_from(CATS)),
                instructors_per_week=draw(st.integers(1, 3 if tiny else 6)),
                week_from=a,
                week_to=b,
                requires=draw(st.sampled_from([(), (), (), ("us_backstop",)])),
                ukraine_requires=draw(st.sampled_from([None, (), ("ceasefire",)])),
            )
        )
    requests = []
    for i in range(draw(st.integers(1, max_requests))):
        a = draw(st.integers(0, H - 1))
        b = draw(st.integers(a, H - 1)) if draw(st.booleans()) else H - 1
        requests.append(
            Request(
                id=f"R{i}",
                course=draw(st.sampled_from([c.id for c in courses])),
                trainees=draw(st.integers(1, 3 if tiny else max_trainees)),
                earliest_start=a,
                latest_end=b,
                priority=float(draw(st.integers(1, 3))),
            )
        )
    release = None
    if draw(st.booleans()):
        release = {w: draw(st.integers(0, 6 if tiny else 60)) for w in range(H)}
    return Problem(
        horizon_weeks=H,
        courses=courses,
        sites=tuple(sites),
        pledges=tuple(pledges),
        requests=tuple(requests),
        conditions=conditions,
        release_per_week=release,
    )


def brute_force_optimum(problem: Problem) -> float:
    """The best priority-weighted trainees by exhaustive search (tiny problems only).

    Independent of the planner's model: enumerates trainees per (request, site, start),
    opens the fewest classes that hold them and checks instructors by backtracking over
    concrete pledges.
    """
    H = problem.horizon_weeks
    course = {c.id: c for c in problem.courses}
    slots = []  # (request, site, start)
    for r in problem.requests:
        c = course[r.course]
        for s in problem.sites:
            if r.course not in s.courses:
                continue
            for t in range(r.earliest_start, r.latest_end - c.duration_weeks + 2):
                end = t + c.duration_weeks - 1
                if end >= H or end > r.latest_end:
                    continue
                if all(problem.holds(s.required_conditions, w) for w in range(t, end + 1)):
                    slots.append((r, s, t))
    per_request = {
        r.id: [i for i, sl in enumerate(slots) if sl[0].id == r.id] for r in problem.requests
    }

    def splits(total_max: int, n: int):
        """All ways to give 0..total_max trainees to n slots."""
        if n == 0:
            yield ()
            return
        for first in range(total_max + 1):
            for rest in splits(total_max - first, n - 1):
                yield (first, *rest)

    choices = [list(splits(r.trainees, len(per_request[r.id]))) for r in problem.requests]
    best = 0.0
    for combo in itertools.product(*choices):
        y = [0] * len(slots)
        value = 0.0
        for r, alloc in zip(problem.requests, combo, strict=True):
            for i, n in zip(per_request[r.id], alloc, strict=True):
                y[i] = n
            value += sum(alloc) * r.priority
        if value <= best:
            continue
        if _feasible(problem, slots, y, course):
            best = value
    return best


def _feasible(problem, slots, y, course) -> bool:
    H = problem.horizon_weeks
    load = {(s.id, w): 0 for s in problem.sites for w in range(H)}
    started = [0] * H
    classes = []
    for (r, s, t), n in zip(slots, y, strict=True):
        if n == 0:
            continue
        c = course[r.course]
        end = t + c.duration_weeks - 1
        for w in range(t, end + 1):
            load[(s.id, w)] += n
        started[t] += n
        for _ in range(ceil(n / c.class_size)):
            classes.append((c, s, t, end))
    if any(load[(s.id, w)] > s.capacity for s in problem.sites for w in range(H)):
        return False
    if problem.release_per_week is not None and any(
        started[w] > problem.release_per_week.get(w, 0) for w in range(H)
    ):
        return False
    used = {(p.id, w): 0 for p in problem.pledges for w in range(H)}

    def ok(p, s, t, end):
        for w in range(t, end + 1):
            if not p.week_from <= w <= p.week_to or not problem.holds(p.requires, w):
                return False
            if s.in_ukraine and (
                p.ukraine_requires is None or not problem.holds(p.ukraine_requires, w)
            ):
                return False
        return True

    def place(i: int) -> bool:
        if i == len(classes):
            return True
        c, s, t, end = classes[i]
        elig = [p for p in problem.pledges if p.category == c.category and ok(p, s, t, end)]
        return take(i, elig, 0, c.instructors_per_class, t, end)

    def take(i, elig, j, need, t, end) -> bool:
        if need == 0:
            return place(i + 1)
        if j == len(elig):
            return False
        p = elig[j]
        room = min(p.instructors_per_week - used[(p.id, w)] for w in range(t, end + 1))
        for k in range(min(room, need), -1, -1):
            for w in range(t, end + 1):
                used[(p.id, w)] += k
            if take(i, elig, j + 1, need - k, t, end):
                for w in range(t, end + 1):
                    used[(p.id, w)] -= k
                return True
            for w in range(t, end + 1):
                used[(p.id, w)] -= k
        return False

    return place(0)
