"""The site-merged model (a relaxation) and the category polish built on it."""

from __future__ import annotations

import importlib
import time

from hypothesis import HealthCheck, given, settings

from muster.planner import Problem, greedy_plan, score, solve, validate
from muster.planner.bound import solve_lp, to_highs
from muster.planner.formulation import build
from muster.planner.index import ProblemIndex
from muster.planner.merged import build_merged, merge_sites
from muster.planner.pins import resolve_pins
from muster.planner.polish import apply, polish
from muster.planner.problem import Course, Pledge, Request, Site

from .strategies import brute_force_optimum, problems

SLOW_OK = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _merged_optimum(problem: Problem) -> float:
    idx = ProblemIndex(problem)
    if not idx.candidates:
        return 0.0
    h = to_highs(build_merged(idx, list(idx.candidates)), integer=True)
    h.setOptionValue("mip_rel_gap", 0.0)
    h.run()
    assert h.modelStatusToString(h.getModelStatus()) == "Optimal"
    return h.getInfo().objective_function_value


@settings(max_examples=80, **SLOW_OK)
@given(problems(max_sites=3, max_courses=2, max_weeks=3, max_requests=3, max_pledges=3, tiny=True))
def test_merged_model_bounds_the_exhaustive_optimum(problem: Problem) -> None:
    """Pooling the sites (and Ukrainian placements into EU ones) only relaxes: its integer
    optimum and its LP are never below the best plan found by exhaustive search."""
    best = brute_force_optimum(problem)
    merged = _merged_optimum(problem)
    assert merged >= best - 1e-6
    idx = ProblemIndex(problem)
    if idx.candidates:
        assert solve_lp(build_merged(idx, list(idx.candidates))).objective >= merged - 1e-6


def test_merged_model_pools_sites_and_ukrainian_placements() -> None:
    """Two EU sites and one Ukrainian site for a course: one merged placement per start;
    a course that runs only in Ukraine keeps its own Ukrainian placements."""
    courses = (Course("C1", "artillery", 1, 10, 1), Course("C2", "artillery", 1, 10, 1))
    sites = (
        Site("EU1", "Grafenwöhr", 20, ("C1",), False, 900.0),
        Site("EU2", "Orzysz", 30, ("C1",), False, 400.0),
        Site("UA1", "Lviv", 40, ("C1", "C2"), True, 0.0),
    )
    p = Problem(
        horizon_weeks=2,
        courses=courses,
        sites=sites,
        pledges=(Pledge("P1", "DE", "artillery", 4, 0, 1, ukraine_requires=()),),
        requests=(Request("R1", "C1", 50, 0, 1), Request("R2", "C2", 10, 0, 1)),
    )
    idx = ProblemIndex(p)
    merged, members, pooled = merge_sites(idx, list(idx.candidates))
    assert len(idx.candidates) == 8  # R1: 3 sites x 2 weeks; R2: 1 site x 2 weeks
    assert sorted((c.request.id, c.start, c.site.id) for c in merged) == [
        ("R1", 0, "C1:all"), ("R1", 1, "C1:all"), ("R2", 0, "C2:UA"), ("R2", 1, "C2:UA"),
    ]  # fmt: skip
    assert pooled["C1:all"].site.capacity == 90
    assert all(not c.site.in_ukraine for c in merged if c.request.id == "R1")
    assert [len(m) for m in members] == [3, 3, 1, 1]
    # nothing here binds that the pooling loosens: both LPs place every trainee asked
    f = build_merged(idx, list(idx.candidates))
    assert solve_lp(f).objective == solve_lp(build(idx, spread=False)).objective == 60


@settings(max_examples=40, **SLOW_OK)
@given(problems(max_sites=3, max_courses=3, max_weeks=8, max_requests=6, max_pledges=4))
def test_polish_keeps_plans_valid_and_never_worse(problem: Problem) -> None:
    """Polished categories applied to the plan they came from, and to another plan (what
    ``apply`` must survive when another search changed the plan meanwhile)."""
    idx = ProblemIndex(problem)
    pins = resolve_pins(problem)
    g = greedy_plan(problem, index=idx)
    other = solve(problem, time_limit=0.5, seed=2, workers=1)
    for workers in (1, 2):  # 2: two categories solved at once, booked one after the other
        deadline = time.perf_counter() + 1.0
        improved = polish(problem, idx, g, pins, deadline=deadline, min_seconds=0, workers=workers)
        got = apply(problem, idx, g, improved)
        if improved:
            assert got is not None
        for base in (g, other):
            got = apply(problem, idx, base, improved)
            if got is None:
                continue
            assert validate(problem, got) == []
            assert score(problem, got).weighted_trainees > score(problem, base).weighted_trainees


def test_polish_reaches_the_category_optimum_the_greedy_misses() -> None:
    """Earliest deadline first fills week 0 with the low-priority request and then has no
    instructors left for the high-priority one; re-solving the category fixes it."""
    course = Course("C1", "artillery", 2, 10, 2)
    p = Problem(
        horizon_weeks=3,
        courses=(course,),
        sites=(Site("S1", "Grafenwöhr", 40, ("C1",), False, 900.0),),
        pledges=(Pledge("P1", "DE", "artillery", 2, 0, 2),),
        requests=(
            Request("early", "C1", 10, 0, 1, 1.0),
            Request("late", "C1", 10, 0, 2, 5.0),
        ),
    )
    idx = ProblemIndex(p)
    g = greedy_plan(p, index=idx)
    assert score(p, g).weighted_trainees == 10
    improved = polish(p, idx, g, resolve_pins(p), deadline=time.perf_counter() + 2.0)
    got = apply(p, idx, g, improved)
    assert got is not None and validate(p, got) == []
    assert score(p, got).weighted_trainees == 50


@settings(max_examples=15, **SLOW_OK)
@given(problems(max_requests=6))
def test_solve_with_time_for_the_polish_gives_valid_plans(problem: Problem) -> None:
    """The long-time-limit path (local search, then the polish) on small problems."""
    mod = importlib.import_module("muster.planner.solve")
    saved = (mod.FULL_MODEL_CANDIDATES, mod.POLISH_SECONDS, mod.polish)
    calls = []

    def spy(*args, **kw):  # the real polish, counted
        calls.append(kw.get("workers"))
        return saved[2](*args, **kw)

    try:
        mod.FULL_MODEL_CANDIDATES, mod.POLISH_SECONDS, mod.polish = 0, 0.001, spy
        plan = solve(problem, time_limit=1.0, seed=3, workers=2)
    finally:
        mod.FULL_MODEL_CANDIDATES, mod.POLISH_SECONDS, mod.polish = saved
    if ProblemIndex(problem).candidates:
        assert calls == [2]
    assert validate(problem, plan) == []
    assert (
        score(problem, plan).weighted_trainees
        >= score(problem, greedy_plan(problem)).weighted_trainees
    )
