"""Does a Monte Carlo draw agree with the planner? Re-plan one draw's timeline and compare.

The Monte Carlo (``montecarlo.py``) evaluates a draw with a fast surrogate of a plan: EU sites
take ``eu_trainees_per_week`` every week, the Ukrainian site ``ua_trainees_per_week`` while a
policy has it open, a course counts when it ends inside the horizon and before a breach. This
module turns a draw and a policy into the planner's input — the draw's phase per week, the
policy's open weeks as the Ukrainian site's clearance, the config's capacity as sites,
pledges and weekly requests of the demo catalogue's course — solves it with the real planner
(``muster.planner.solve``, deterministic) and compares the metrics.

What the planner does that the surrogate does not (hence the tolerances below):

* whole classes: a class needs all its instructors even when part-filled, so the planner's
  instructor-weeks exceed ``trainee-weeks x instructors_per_trainee`` by up to one
  part-filled class per intake week;
* capacity as trainees *present at once* (site capacity, instructors per week) rather than as
  a weekly intake: at each opening and closing of the Ukrainian site and at the horizon's end
  the planner may bunch intakes, which the surrogate's steady weekly intake cannot. In theory
  that is worth up to ``course_weeks - 1`` weeks of the site's rate per boundary; measured on
  the default config it never exceeded one week, which is the tolerance;
* hindsight: the planner sees the whole timeline, so it never starts a course a breach will
  cut (the surrogate counts those trainees as interrupted; both count them as not trained);
* no ramp-up: the planner opens a site at full capacity, so the check runs the config with
  ``ramp_weeks = 0`` (the ramp is a pure scaling of the intake, not a planning decision).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Final

from muster.planner import problem as pp
from muster.scenarios import conditions as cond
from muster.scenarios import montecarlo as mc
from muster.scenarios.phases import Phase

__all__ = [
    "CHECKED_METRICS",
    "DrawCheck",
    "MetricCheck",
    "TOLERANCE_TRAINEES_PER_BOUNDARY_WEEKS",
    "TOLERANCE_FIRST_COHORT_COURSES",
    "TOLERANCE_RELATIVE",
    "TWO_SIDED",
    "check_draw",
    "check_config",
    "planner_metrics",
    "planner_problem",
    "tolerances",
]

TOLERANCE_RELATIVE: Final = 0.02
"""Relative slack on trainee counts and exposure (rounding of part-filled classes, 2 %)."""
TOLERANCE_TRAINEES_PER_BOUNDARY_WEEKS: Final = 1.0
"""Extra slack in weeks of the site's weekly rate per opening/closing (intake bunching)."""
TOLERANCE_FIRST_COHORT_COURSES: Final = 1
"""The planner's first in-country cohort may start up to this many courses (less a week)
later than the surrogate's first intake: filling the same room a few weeks later trains
as many, so the planner's objective does not pin the week."""
CHECKED_METRICS: Final = (
    "trainees_total",
    "trainees_in_ukraine",
    "weeks_to_first_cohort",
    "instructor_weeks_in_ukraine",
)
"""Metrics compared with the planner (interruptions are zero with hindsight: not compared)."""

TWO_SIDED: Final = frozenset({"instructor_weeks_in_ukraine"})
"""Metrics the planner may miss in either direction (the others: only above)."""

EU_SITE: Final = "eu"
UA_SITE: Final = "ua"
CEASEFIRE_PLEDGE: Final = "phase >= ceasefire"
"""The demo's French infantry pledge: may teach in Ukraine in any ceasefire."""
PARAMETERS_PLEDGE: Final = "phase >= ceasefire and ceasefire_parameters_agreed"
"""The demo's German infantry pledge: only once the ceasefire's parameters are agreed."""
CLEARED: Final = "site_yavoriv_cleared"
"""Condition the policy's open weeks stand for (the demo's Yavoriv site), with any other
name of the site's condition the draw does not decide (``mandate_amended``)."""


def _demo_course(course_weeks: int) -> pp.Course:
    """The demo catalogue's course of that length that Yavoriv runs (BASIC for 5 weeks)."""
    from muster.reference import demo_data

    yavoriv = next(s for s in demo_data.SITES if s[0] == "Yavoriv")
    for code, _name, category, weeks, size, instructors in demo_data.COURSES:
        if weeks == course_weeks and code in yavoriv[5]:
            return pp.Course(code, category, weeks, size, instructors)
    return pp.Course(f"COURSE-{course_weeks}W", "infantry", course_weeks, 40, 4)


def _yavoriv() -> tuple[str, float, float, str]:
    from muster.reference import demo_data

    name, _host, lat, lon, _cap, _courses, condition, _zone = next(
        s for s in demo_data.SITES if s[0] == "Yavoriv"
    )
    return name, lat, lon, condition


def check_config(config: mc.ScenarioConfig) -> mc.ScenarioConfig:
    """The config as the planner sees it: no ramp, the course's class shape, no demand cap.

    ``instructors_per_trainee`` and ``cohort_size`` come from the demo course of
    ``course_weeks`` (BASIC: 40 trainees, 4 instructors: 0.1, the default).
    """
    course = _demo_course(config.capacity.course_weeks)
    capacity = replace(
        config.capacity,
        ramp_weeks=0,
        cohort_size=course.class_size,
        instructors_per_trainee=course.instructors_per_class / course.class_size,
        demand_per_week=None,
    )
    return replace(config, capacity=capacity)


def planner_problem(config: mc.ScenarioConfig, detail: mc.DrawDetail, policy: str) -> pp.Problem:
    """The planner's input for one draw under one policy.

    Sites: the EU sites as one site with room for ``eu_trainees_per_week`` intakes of the
    course, the Ukrainian site (the demo's Yavoriv, with its condition) for
    ``ua_trainees_per_week``. Requests: Ukraine releases ``eu + ua`` trainees each week, each
    release to start that week (so the intake is weekly, as in the surrogate). Pledges:
    instructors enough for both sites (EU soil only, and cleared for Ukraine in a
    ceasefire); with ``ua_trainees_per_week_before_parameters``, the Ukrainian ones split as
    the demo's infantry pledges are: French (any ceasefire) exactly enough for that rate,
    German (once the parameters are agreed) the rest. Conditions: the site's condition holds
    in the policy's open weeks (``site_yavoriv_cleared``, ``mandate_amended``) under the
    draw's phases.
    """
    capacity = config.capacity
    horizon = config.horizon_weeks
    course = _demo_course(capacity.course_weeks)
    name, lat, lon, site_condition = _yavoriv()
    from muster.training.plans import distance_km

    eu_room = math.ceil(capacity.eu_trainees_per_week * course.duration_weeks)
    ua_room = math.ceil(capacity.ua_trainees_per_week * course.duration_weeks)
    sites = (
        pp.Site(EU_SITE, "EU sites (EUMAM)", eu_room, (course.id,), False, 1100.0),
        pp.Site(
            UA_SITE,
            name,
            ua_room,
            (course.id,),
            True,
            distance_km(lat, lon),
            (site_condition,),
        ),
    )

    def instructors(room: int) -> int:
        # one part-filled class per intake week on top of the full ones: never binding
        classes = math.ceil(room / course.class_size) + course.duration_weeks
        return classes * course.instructors_per_class

    pledges = [pp.Pledge("eu", "EU", course.category, instructors(eu_room), 0, horizon - 1)]
    before = capacity.ua_trainees_per_week_before_parameters
    if before is None:
        pledges.append(
            pp.Pledge(
                "ua",
                "FR",
                course.category,
                instructors(ua_room),
                0,
                horizon - 1,
                ukraine_requires=(CEASEFIRE_PLEDGE,),
            )
        )
    else:
        # the demo's infantry pledges: French instructors may teach in Ukraine in any
        # ceasefire (exactly enough classes for the rate before the parameters), German
        # ones once its parameters are agreed (the rest, never binding)
        early = math.ceil(before * course.duration_weeks / course.class_size)
        pledges += [
            pp.Pledge(
                "ua-ceasefire",
                "FR",
                course.category,
                early * course.instructors_per_class,
                0,
                horizon - 1,
                ukraine_requires=(CEASEFIRE_PLEDGE,),
            ),
            pp.Pledge(
                "ua-parameters",
                "DE",
                course.category,
                max(instructors(ua_room) - early * course.instructors_per_class, 0),
                0,
                horizon - 1,
                ukraine_requires=(PARAMETERS_PLEDGE,),
            ),
        ]
    weekly = math.ceil(capacity.eu_trainees_per_week + capacity.ua_trainees_per_week)
    requests = tuple(
        pp.Request(f"w{w}", course.id, weekly, w, w + course.duration_weeks - 1)
        for w in range(0, horizon - course.duration_weeks + 1)
    )
    open_weeks = detail.open_weeks[policy]
    truths: dict[str, list[bool]] = detail.truths_by_week()
    opened = [w in open_weeks for w in range(horizon)]
    # what the policy's redesign delivers: the site's clearance and whatever else the site
    # waits for that the draw does not decide (in the demo data the amended mandate)
    for name in cond.names(cond.parse(site_condition)) | {CLEARED}:
        if name not in detail.condition_weeks:
            truths[name] = opened
    phases = list(detail.phases)
    conditions = {
        text: cond.weeks_holding(cond.parse(text), phases, truths)
        for text in (site_condition, CEASEFIRE_PLEDGE, PARAMETERS_PLEDGE)
    }
    return pp.Problem(
        horizon_weeks=horizon,
        courses=(course,),
        sites=sites,
        pledges=tuple(pledges),
        requests=requests,
        conditions=conditions,
    )


def planner_metrics(
    problem: pp.Problem, plan: pp.Plan, first_ceasefire: int | None
) -> dict[str, float | None]:
    """The Monte Carlo's metrics read off a plan (``None``: undefined)."""
    in_ukraine = {s.id for s in problem.sites if s.in_ukraine}
    total = ua = 0
    instructor_weeks = 0.0
    first: int | None = None
    for c in plan.cohorts:
        total += c.trainees
        if c.site in in_ukraine:
            ua += c.trainees
            instructor_weeks += sum(c.instructors.values()) * len(c.weeks)
            first = c.start_week if first is None else min(first, c.start_week)
    return {
        "trainees_total": float(total),
        "trainees_in_ukraine": float(ua),
        "weeks_to_first_cohort": (
            None if first is None or first_ceasefire is None else float(first - first_ceasefire)
        ),
        "instructor_weeks_in_ukraine": instructor_weeks,
    }


@dataclass(frozen=True)
class MetricCheck:
    """One metric of one draw and policy: the Monte Carlo's figure, the planner's, the slack."""

    metric: str
    monte_carlo: float | None
    planner: float | None
    low: float | None
    """Smallest planner figure accepted (None: not compared numerically)."""
    high: float | None
    """Largest planner figure accepted."""
    ok: bool


@dataclass(frozen=True)
class DrawCheck:
    """One draw under one policy, checked against the planner."""

    draw: int
    policy: str
    first_ceasefire: int | None
    breaches: int
    open_spells: int
    metrics: tuple[MetricCheck, ...]
    solve_seconds: float

    @property
    def ok(self) -> bool:
        return all(m.ok for m in self.metrics)


def _spells(weeks: frozenset[int]) -> int:
    return sum(1 for w in weeks if w - 1 not in weeks)


def _first_spell_fits(weeks: frozenset[int], course_weeks: int, horizon: int) -> bool:
    if not weeks:
        return False
    start = min(weeks)
    end = start
    while end + 1 in weeks:
        end += 1
    return end - start + 1 >= course_weeks and end < horizon


def tolerances(
    config: mc.ScenarioConfig, open_weeks: frozenset[int], parameters_week: int | None = None
) -> dict[str, float]:
    """Allowed |Monte Carlo − planner| per metric for a draw with these open weeks.

    Trainees: ``TOLERANCE_RELATIVE`` of the figure plus, per opening or closing of the
    Ukrainian site (and the horizon's end, and the parameters' agreement while it is open
    when the rate depends on it), ``TOLERANCE_TRAINEES_PER_BOUNDARY_WEEKS`` weeks of the
    Ukrainian rate. Exposure: the same, plus one part-filled class's instructors per
    intake week. Weeks to the first cohort: ``course_weeks - 1`` (one course less a week).
    The relative part (``TOLERANCE_RELATIVE``) is added to trainees and exposure only.
    """
    capacity = config.capacity
    boundaries = 2 * _spells(open_weeks) + 1
    if capacity.ua_trainees_per_week_before_parameters is not None and (
        parameters_week in open_weeks
    ):
        boundaries += 1  # the Ukrainian rate steps up while the site is open
    bunching = boundaries * TOLERANCE_TRAINEES_PER_BOUNDARY_WEEKS * capacity.ua_trainees_per_week
    course = _demo_course(capacity.course_weeks)
    intake_weeks = max(len(open_weeks) - capacity.course_weeks + 1, 0)
    part_classes = intake_weeks * course.instructors_per_class * capacity.course_weeks
    first = TOLERANCE_FIRST_COHORT_COURSES * capacity.course_weeks - 1
    return {
        "trainees_total": bunching,
        "trainees_in_ukraine": bunching,
        "weeks_to_first_cohort": float(max(first, 0)),
        "instructor_weeks_in_ukraine": bunching
        * capacity.instructors_per_trainee
        * capacity.course_weeks
        + part_classes,
    }


def check_draw(
    config: mc.ScenarioConfig,
    seed: int,
    draw: int,
    *,
    policies: Sequence[str] | None = None,
    time_limit: float = 5.0,
    solve_seed: int = 0,
) -> list[DrawCheck]:
    """Re-plan draw ``draw`` of the run with ``seed`` under each policy and compare.

    The config is first made planner-shaped (``check_config``); the Monte Carlo figures are
    those of that config's draw.
    """
    import time

    from muster.planner.solve import solve

    config = check_config(config)
    detail = mc.explain_draw(config, seed, draw)
    first_ceasefire = next((i for i, p in enumerate(detail.phases) if p >= Phase.CEASEFIRE), None)
    breaches = sum(
        1
        for i in range(1, len(detail.phases))
        if detail.phases[i] < Phase.TRUCE and detail.phases[i - 1] >= Phase.CEASEFIRE
    )
    out = []
    for policy in policies or config.policy_names:
        problem = planner_problem(config, detail, policy)
        began = time.perf_counter()
        plan = solve(problem, time_limit=time_limit, seed=solve_seed, workers=1, deterministic=True)
        elapsed = time.perf_counter() - began
        planned = planner_metrics(problem, plan, first_ceasefire)
        figures: Mapping[str, float | None] = detail.metrics[policy]
        open_weeks = detail.open_weeks[policy]
        slack = tolerances(config, open_weeks, detail.parameters_week)
        checks = []
        for metric in CHECKED_METRICS:
            a, b = figures[metric], planned[metric]
            low = high = None
            if metric == "weeks_to_first_cohort" and not _first_spell_fits(
                open_weeks, config.capacity.course_weeks, config.horizon_weeks
            ):
                # the surrogate's first intake is cut short; the planner starts none there
                ok = True
            elif a is None or b is None:
                ok = a is None and b is None
            else:
                relative = 0.0 if metric == "weeks_to_first_cohort" else TOLERANCE_RELATIVE
                relative *= max(abs(a), abs(b))
                # the planner can only do better than the surrogate's (feasible) schedule,
                # except for exposure, where whole classes and bunching go either way
                low = a - relative - (slack[metric] if metric in TWO_SIDED else 0.0)
                high = a + relative + slack[metric]
                ok = low - 1e-9 <= b <= high + 1e-9
            checks.append(MetricCheck(metric, a, b, low, high, ok))
        out.append(
            DrawCheck(
                draw=draw,
                policy=policy,
                first_ceasefire=first_ceasefire,
                breaches=breaches,
                open_spells=_spells(open_weeks),
                metrics=tuple(checks),
                solve_seconds=elapsed,
            )
        )
    return out
