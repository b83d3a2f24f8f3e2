from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from muster.planner import Plan, Problem, greedy_plan, lp_bound, score, solve, validate
from muster.planner.bound import category_bound
from muster.planner.problem import Cohort, Course, Pledge, Request, Site

from .strategies import brute_force_optimum, problems

FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(problems())
def test_every_plan_is_valid_and_ordered(problem: Problem) -> None:
    g = greedy_plan(problem)
    assert validate(problem, g) == []
    plan = solve(problem, time_limit=2.0, seed=1, workers=1)
    assert validate(problem, plan) == []
    obj = score(problem, plan).weighted_trainees
    assert score(problem, g).weighted_trainees <= obj + 1e-9
    assert lp_bound(problem) >= obj - 1e-6
    assert plan.stats.bound is None or plan.stats.bound >= obj - 1e-6


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(max_sites=2, max_courses=1, max_weeks=3, max_requests=2, max_pledges=2, tiny=True))
def test_cpsat_optimum_equals_exhaustive_search(problem: Problem) -> None:
    plan = solve(problem, time_limit=5.0, seed=0, workers=1, deterministic=True)
    assert validate(problem, plan) == []
    best = brute_force_optimum(problem)
    assert score(problem, plan).weighted_trainees == best
    # both LP bounds (plain and with the remainder-class cuts) are valid
    assert lp_bound(problem, cuts=True) >= best - 1e-6
    assert lp_bound(problem, cuts=False) >= lp_bound(problem, cuts=True) - 1e-6


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(max_sites=2, max_courses=2, max_weeks=3, max_requests=3, max_pledges=3, tiny=True))
def test_category_bounds_are_valid_against_exhaustive_search(problem: Problem) -> None:
    """Both category bounds (per-category cut LPs; per-category MIP dual bounds) hold, on the
    site-merged relaxation (the default) and on the exact per-category models."""
    best = brute_force_optimum(problem)
    lp = category_bound(problem)
    mip = category_bound(problem, mip_seconds=2.0)
    budget = category_bound(problem, mip_budget=2.0)  # the reference's shared time budget
    exact_lp = category_bound(problem, merged=False)
    exact_mip = category_bound(problem, mip_seconds=2.0, merged=False)
    assert exact_mip >= best - 1e-6
    assert exact_lp >= exact_mip - 1e-6
    assert mip >= best - 1e-6
    assert budget >= best - 1e-6
    assert lp >= budget - 1e-6
    assert lp >= mip - 1e-6
    # dropping the shared rows can only loosen the full cut LP
    assert lp >= lp_bound(problem, cuts=True) - 1e-6


@settings(max_examples=10, deadline=None)
@given(problems())
def test_deterministic_mode_is_reproducible(problem: Problem) -> None:
    a = solve(problem, time_limit=1.0, seed=7, deterministic=True)
    b = solve(problem, time_limit=1.0, seed=7, deterministic=True)
    assert a.cohorts == b.cohorts


@settings(max_examples=20, deadline=None)
@given(problems())
def test_problem_and_plan_round_trip_through_dicts(problem: Problem) -> None:
    import json

    plan = greedy_plan(problem)
    p2 = Problem.from_dict(json.loads(json.dumps(problem.to_dict())))
    assert p2 == problem
    pl2 = Plan.from_dict(json.loads(json.dumps(plan.to_dict())))
    assert pl2.cohorts == plan.cohorts
    assert score(p2, pl2) == score(problem, plan)


def _one_site_problem(**kw) -> Problem:
    base = dict(
        horizon_weeks=6,
        courses=(Course("C1", "artillery", 2, 10, 2),),
        sites=(Site("S1", "Grafenwöhr", 15, ("C1",), False, 900.0),),
        pledges=(Pledge("P1", "DE", "artillery", 2, 0, 5),),
        requests=(Request("R1", "C1", 30, 0, 5, 1.0),),
        conditions={},
    )
    base.update(kw)
    return Problem(**base)


def test_validator_names_each_broken_rule() -> None:
    p = _one_site_problem()
    bad = Plan(
        (
            Cohort("a", "R1", "S1", 0, 1, 12, {"P1": 2}),  # class too big
            Cohort("b", "R1", "S1", 1, 2, 8, {"P1": 1}),  # too few instructors, capacity
            Cohort("c", "R1", "S1", 5, 6, 5, {"P1": 2}),  # outside window/horizon
        )
    )
    kinds = {v.kind for v in validate(p, bad)}
    assert {"class_size", "instructors", "site_capacity", "window", "horizon"} <= kinds
    assert "pledge_overuse" in kinds


def test_eu_only_pledge_cannot_teach_in_ukraine() -> None:
    p = _one_site_problem(
        sites=(Site("UA1", "Lviv", 20, ("C1",), True, 0.0, ("ceasefire",)),),
        conditions={"ceasefire": frozenset(range(6))},
    )
    plan = Plan((Cohort("a", "R1", "UA1", 0, 1, 10, {"P1": 2}),))
    assert "pledge_eu_only" in {v.kind for v in validate(p, plan)}
    assert solve(p, time_limit=1.0).cohorts == ()


def test_solver_beats_greedy_on_a_trap() -> None:
    # greedy serves the early-deadline low-priority request first and blocks the site
    p = _one_site_problem(
        requests=(
            Request("low", "C1", 10, 0, 3, 1.0),
            Request("high", "C1", 10, 0, 4, 5.0),
        ),
        sites=(Site("S1", "Grafenwöhr", 10, ("C1",), False, 900.0),),
        horizon_weeks=5,
        pledges=(Pledge("P1", "DE", "artillery", 2, 0, 1),),
    )
    g = score(p, greedy_plan(p)).weighted_trainees
    s = score(p, solve(p, time_limit=2.0)).weighted_trainees
    assert g == 10 and s == 50


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(max_requests=6))
def test_large_instance_paths_give_valid_plans(problem: Problem) -> None:
    """The category dive and the category LNS (used on L) on small problems."""
    import importlib

    mod = importlib.import_module("muster.planner.solve")
    saved = (mod.LP_FULL_CANDIDATES, mod.CATEGORY_DIVE_SITES, mod.EXACT_MAX_CANDIDATES)
    try:
        mod.LP_FULL_CANDIDATES, mod.CATEGORY_DIVE_SITES, mod.EXACT_MAX_CANDIDATES = 0, 1, 0
        plan = solve(problem, time_limit=1.0, seed=3)
    finally:
        mod.LP_FULL_CANDIDATES, mod.CATEGORY_DIVE_SITES, mod.EXACT_MAX_CANDIDATES = saved
    assert validate(problem, plan) == []
    assert (
        score(problem, plan).weighted_trainees
        >= score(problem, greedy_plan(problem)).weighted_trainees
    )


def test_progress_callback_reports_improvements() -> None:
    p = _one_site_problem(
        requests=(Request("low", "C1", 10, 0, 3, 1.0), Request("high", "C1", 10, 0, 4, 5.0)),
        sites=(Site("S1", "Grafenwöhr", 10, ("C1",), False, 900.0),),
        horizon_weeks=5,
        pledges=(Pledge("P1", "DE", "artillery", 2, 0, 1),),
    )
    seen: list[tuple[float, float, float]] = []
    plan = solve(p, time_limit=1.0, on_progress=lambda w, o, b: seen.append((w, o, b)))
    assert seen and seen[-1][1] == plan.stats.objective == 50
    objs = [o for _w, o, _b in seen]
    assert objs == sorted(objs)
    assert plan.stats.objective_over_time[-1][1] == 50


def test_deterministic_mode_on_a_benchmark_instance() -> None:
    """LP diving and CP-SAT under work limits: same input, same plan, whatever the load."""
    from benchmarks.planner import generate

    problem = generate("S", 2)
    a = solve(problem, time_limit=0.5, seed=5, deterministic=True)
    b = solve(problem, time_limit=0.5, seed=5, deterministic=True)
    assert validate(problem, a) == []
    assert a.cohorts == b.cohorts


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(max_sites=3, max_courses=3, max_weeks=8, max_requests=6, max_pledges=4))
def test_repack_keeps_plans_valid_and_never_worse(problem: Problem) -> None:
    """The make-room local search: every plan it returns is valid and at least as good."""
    from muster.planner.index import ProblemIndex
    from muster.planner.pins import resolve_pins
    from muster.planner.repack import repack

    g = greedy_plan(problem)
    for seed in (0, 1):
        got = repack(
            problem, ProblemIndex(problem), g, resolve_pins(problem), deadline=None, seed=seed,
            max_passes=4, max_kicks=30,
        )  # fmt: skip
        if got is None:
            continue
        assert validate(problem, got) == []
        assert score(problem, got).weighted_trainees >= score(problem, g).weighted_trainees


def test_repack_makes_room_by_moving_a_class() -> None:
    """One pledge of 2 instructors; a 1-week class sits in week 0, where a 2-week request
    (weeks 0-1 only) needs it. Moving the first class to week 2 makes room for the second."""
    course_a = Course("A", "infantry", 1, 10, 2)
    course_b = Course("B", "infantry", 2, 10, 2)
    site = Site("S", "s", 100, ("A", "B"), False, 100.0, ())
    pledge = Pledge("P", "FR", "infantry", 2, 0, 2, (), None)
    r_a = Request("RA", "A", 10, 0, 2, 1.0)
    r_b = Request("RB", "B", 10, 0, 1, 1.0)
    problem = Problem(3, (course_a, course_b), (site,), (pledge,), (r_a, r_b), {}, None)
    blocked = Plan((Cohort("a", "RA", "S", 0, 0, 10, {"P": 2}),))
    assert validate(problem, blocked) == []
    from muster.planner.index import ProblemIndex
    from muster.planner.pins import resolve_pins
    from muster.planner.repack import repack

    got = repack(problem, ProblemIndex(problem), blocked, resolve_pins(problem), deadline=None)
    assert got is not None and validate(problem, got) == []
    assert score(problem, got).weighted_trainees == 20


def test_repack_makes_room_by_moving_two_classes() -> None:
    """One pledge of 2 instructors; 1-instructor classes sit in weeks 0 and 1, where a
    2-week request (weeks 0-1 only) needs both instructors: no single class frees enough,
    moving both (to weeks 2 and 3) does."""
    course_a = Course("A", "infantry", 1, 10, 1)
    course_b = Course("B", "infantry", 2, 10, 2)
    site = Site("S", "s", 100, ("A", "B"), False, 100.0, ())
    pledge = Pledge("P", "FR", "infantry", 2, 0, 3, (), None)
    r_a = Request("RA", "A", 20, 0, 3, 1.0)
    r_b = Request("RB", "B", 10, 0, 1, 1.0)
    problem = Problem(4, (course_a, course_b), (site,), (pledge,), (r_a, r_b), {}, None)
    blocked = Plan(
        (
            Cohort("a0", "RA", "S", 0, 0, 10, {"P": 1}),
            Cohort("a1", "RA", "S", 1, 1, 10, {"P": 1}),
        )
    )
    assert validate(problem, blocked) == []
    from muster.planner.index import ProblemIndex
    from muster.planner.pins import resolve_pins
    from muster.planner.repack import repack

    idx, pins = ProblemIndex(problem), resolve_pins(problem)
    single = repack(problem, idx, blocked, pins, deadline=None, max_kicks=0, pair_blockers=0)
    assert single is None  # one blocker never frees enough
    got = repack(problem, idx, blocked, pins, deadline=None, max_kicks=0)
    assert got is not None and validate(problem, got) == []
    assert score(problem, got).weighted_trainees == 30
