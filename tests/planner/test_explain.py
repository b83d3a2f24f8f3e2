from __future__ import annotations

from muster.planner import Problem, solve, validate
from muster.planner.explain import Explanation, explain
from muster.planner.problem import Course, Pledge, Request, Site

ART = Course("ART", "artillery", 2, 10, 2)


def _problem(**kw) -> Problem:
    base = dict(
        horizon_weeks=6,
        courses=(ART,),
        sites=(Site("EU1", "Grafenwöhr", 40, ("ART",), False, 900.0),),
        pledges=(Pledge("P1", "DE", "artillery", 4, 0, 5),),
        requests=(Request("R1", "ART", 10, 0, 5),),
        conditions={},
    )
    base.update(kw)
    return Problem(**base)


def _why(problem: Problem) -> dict[str, Explanation]:
    plan = solve(problem, time_limit=1.0, deterministic=True)
    assert validate(problem, plan) == []
    return {e.request: e for e in explain(problem, plan)}


def test_fully_met_requests_need_no_explanation() -> None:
    assert _why(_problem()) == {}


def test_no_site_runs_the_course() -> None:
    p = _problem(sites=(Site("EU1", "Grafenwöhr", 40, (), False, 900.0),))
    e = _why(p)["R1"]
    assert e.kinds == {"no_site"} and "ART" in e.reasons[0].message


def test_window_shorter_than_course() -> None:
    p = _problem(requests=(Request("R1", "ART", 10, 3, 3),))
    assert _why(p)["R1"].kinds == {"window"}


def test_site_condition_is_named() -> None:
    p = _problem(
        sites=(Site("UA1", "Yavoriv", 40, ("ART",), True, 0.0, ("site_cleared:UA1",)),),
        pledges=(Pledge("P1", "DE", "artillery", 4, 0, 5, (), ()),),
        conditions={"site_cleared:UA1": frozenset({0, 2, 4})},
    )
    e = _why(p)["R1"]
    assert e.kinds == {"site_condition"}
    assert "site_cleared:UA1" in e.reasons[0].message


def test_eu_only_pledges_at_ukrainian_sites() -> None:
    p = _problem(sites=(Site("UA1", "Yavoriv", 40, ("ART",), True, 0.0),))
    e = _why(p)["R1"]
    assert "eu_only" in e.kinds


def test_pledge_ukraine_condition_is_named() -> None:
    p = _problem(
        sites=(Site("UA1", "Yavoriv", 40, ("ART",), True, 0.0),),
        pledges=(Pledge("P1", "FR", "artillery", 4, 0, 5, (), ("ceasefire",)),),
        conditions={"ceasefire": frozenset({5})},
    )
    e = _why(p)["R1"]
    assert "pledge_ukraine_condition" in e.kinds
    assert any("ceasefire" in r.message for r in e.reasons)


def test_instructor_shortage_says_how_many_and_when() -> None:
    p = _problem(
        pledges=(Pledge("P1", "DE", "artillery", 2, 0, 5),),
        requests=(
            Request("R1", "ART", 10, 0, 1, 5.0),
            Request("R2", "ART", 10, 0, 1, 1.0),
        ),
    )
    why = _why(p)
    assert set(why) == {"R2"}
    e = why["R2"]
    assert e.kinds == {"instructors"}
    assert e.reasons[0].unlock == "2 more artillery instructors in weeks 0–1"


def test_site_capacity_is_named() -> None:
    p = _problem(
        sites=(Site("EU1", "Grafenwöhr", 10, ("ART",), False, 900.0),),
        requests=(Request("R1", "ART", 20, 0, 1),),
    )
    e = _why(p)["R1"]
    assert e.kinds == {"site_capacity"}
    assert "Grafenwöhr" in e.reasons[0].message


def test_release_limit_is_named() -> None:
    p = _problem(release_per_week={0: 5, 1: 0, 2: 0, 3: 0, 4: 0, 5: 0})
    e = _why(p)["R1"]
    assert "release" in e.kinds
    assert e.planned == 5
