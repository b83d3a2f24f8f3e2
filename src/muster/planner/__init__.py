"""Muster training planner: pure functions of dataclasses (no database, no web)."""

from .bound import lp_bound
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
from .solve import solve
from .validate import Violation, validate

__all__ = [
    "Cohort",
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
    "greedy_plan",
    "lp_bound",
    "score",
    "solve",
    "validate",
]
