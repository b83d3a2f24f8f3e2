"""Muster training planner: pure functions of dataclasses (no database, no web)."""

from .bound import lp_bound
from .explain import Explanation, Reason, explain
from .greedy import greedy_plan
from .problem import (
    Cohort,
    Course,
    Pin,
    Plan,
    Pledge,
    Problem,
    Request,
    Score,
    Site,
    SolverStats,
    score,
)
from .recommend import Recommendation, recommend
from .repair import breach_problem, repair_after_breach, replan
from .solve import solve
from .validate import Violation, validate

__all__ = [
    "Cohort",
    "Explanation",
    "Reason",
    "Recommendation",
    "Course",
    "Pin",
    "Plan",
    "Pledge",
    "Problem",
    "Request",
    "Score",
    "Site",
    "SolverStats",
    "Violation",
    "breach_problem",
    "explain",
    "greedy_plan",
    "recommend",
    "repair_after_breach",
    "replan",
    "lp_bound",
    "score",
    "solve",
    "validate",
]
