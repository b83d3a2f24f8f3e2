from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from muster.planner import Pin, Problem, score, solve, validate
from muster.planner.problem import Cohort, Course, Plan, Pledge, Request, Site
from muster.planner.recommend import recommend
from muster.planner.repair import (
    affected_by_breach,
    breach_problem,
    changed_cohorts,
    repair_after_breach,
    replan,
)

from .strategies import problems

SETTINGS = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(problems(), st.data())
def test_pins_are_honoured(problem: Problem, data) -> None:
    plan = solve(problem, time_limit=1.0, deterministic=True)
    if not plan.cohorts:
        return
    chosen = data.draw(st.lists(st.sampled_from(plan.cohorts), unique_by=lambda c: c.id))
    kinds = [data.draw(st.sampled_from(["cohort", "site", "week"])) for _ in chosen]
    pins = [Pin(c.id, k) for c, k in zip(chosen, kinds, strict=True)]
    again = replan(problem, plan, pins=pins, time_limit=1.0, deterministic=True)
    p = problem.replace(previous=plan, pins=tuple(pins))
    assert validate(p, again) == []  # the validator checks every pin
    for c, k in zip(chosen, kinds, strict=True):
        if k == "cohort":
            assert c in again.cohorts


@SETTINGS
@given(problems())
def test_replanning_an_unchanged_problem_keeps_an_optimal_plan(problem: Problem) -> None:
    plan = solve(problem, time_limit=2.0, deterministic=True)
    if plan.stats.status != "OPTIMAL":
        return
    again = replan(problem, plan, time_limit=2.0, deterministic=True)
    assert score(problem, again).weighted_trainees == score(problem, plan).weighted_trainees
    assert changed_cohorts(plan, again) == 0


ART = Course("ART", "artillery", 2, 10, 2)


def _mission() -> Problem:
    """Two Ukrainian sites in use after a ceasefire, several EU sites, a breach to come."""
    sites = (
        Site("UA1", "Yavoriv", 40, ("ART",), True, 0.0, ("ceasefire",)),
        Site("UA2", "Rivne", 40, ("ART",), True, 0.0, ("ceasefire",)),
        Site("EU1", "Grafenwöhr", 30, ("ART",), False, 900.0),
        Site("EU2", "Bemowo", 30, ("ART",), False, 400.0),
        Site("EU3", "Mourmelon", 30, ("ART",), False, 2000.0),
    )
    pledges = (
        Pledge("P1", "DE", "artillery", 8, 0, 11, (), ("ceasefire",)),
        Pledge("P2", "PL", "artillery", 6, 0, 11),
    )
    requests = tuple(Request(f"R{i}", "ART", 20, 0, 11, float(1 + i % 3)) for i in range(6))
    return Problem(
        horizon_weeks=12,
        courses=(ART,),
        sites=sites,
        pledges=pledges,
        requests=requests,
        conditions={"ceasefire": frozenset(range(12))},
    )


def test_breach_repair_changes_fewer_cohorts_than_a_fresh_solve() -> None:
    problem = _mission()
    # the plan in force: made before the breach, using the Ukrainian sites and the farther
    # EU sites as the staff chose them
    before = Plan(
        (
            Cohort("a", "R0", "UA1", 2, 3, 10, {"P1": 2}),
            Cohort("b", "R0", "UA1", 2, 3, 10, {"P1": 2}),
            Cohort("c", "R1", "UA2", 6, 7, 10, {"P1": 2}),
            Cohort("d", "R2", "EU3", 0, 1, 10, {"P2": 2}),
            Cohort("e", "R3", "EU1", 4, 5, 10, {"P2": 2}),
            Cohort("f", "R4", "EU3", 8, 9, 10, {"P2": 2}),
            Cohort("g", "R5", "EU1", 0, 1, 10, {"P2": 2}),
        )
    )
    assert validate(problem, before) == []
    breach = 3
    after_problem = breach_problem(problem, breach)
    repaired = repair_after_breach(problem, before, breach)
    assert validate(after_problem, repaired) == []
    hit = affected_by_breach(problem, before, breach)
    assert {c.id for c in hit} == {"a", "b", "c"}
    # every cohort the breach did not hit is kept exactly
    assert all(c in repaired.cohorts for c in before.cohorts if c.id not in {"a", "b", "c"})
    assert {c.id for c in repaired.paused} | {
        c.id.split(">")[0] for c in repaired.cohorts if ">moved" in c.id
    } == {"a", "b", "c"}
    fresh = solve(after_problem, time_limit=2.0, deterministic=True)
    assert validate(after_problem, fresh) == []
    assert changed_cohorts(before, repaired) < changed_cohorts(before, fresh)


def test_recommend_a_new_request_shows_placements_and_their_effect() -> None:
    problem = _mission()
    plan = solve(problem, time_limit=2.0, deterministic=True)
    new = Request("NEW", "ART", 20, 0, 11, 5.0)
    recs = recommend(problem, plan, new, k=3)
    assert 1 <= len(recs) <= 3
    best = recs[0]
    assert best.trainees == 20 and best.net_value > 0
    p2 = problem.replace(requests=(*problem.requests, new))
    trial = Plan(tuple(c for c in plan.cohorts if c.id not in best.displaced) + best.cohorts)
    assert validate(p2, trial) == []
    assert [r.net_value for r in recs] == sorted((r.net_value for r in recs), reverse=True)


def test_recommend_a_new_pledge_names_requests_it_unlocks() -> None:
    problem = _mission().replace(
        requests=tuple(Request(f"R{i}", "ART", 40, 0, 3, 1.0 + i) for i in range(6))
    )
    plan = solve(problem, time_limit=2.0, deterministic=True)
    pledge = Pledge("NEW", "IT", "artillery", 4, 0, 11)
    recs = recommend(problem, plan, pledge, k=2)
    assert recs and all(any("NEW" in c.instructors for c in r.cohorts) for r in recs)
    p2 = problem.replace(pledges=(*problem.pledges, pledge))
    assert validate(p2, Plan(plan.cohorts + recs[0].cohorts)) == []
