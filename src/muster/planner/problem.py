"""Planner inputs and outputs as frozen dataclasses, and the objective in one place.

Everything here is plain data: no database, no web. Every class round-trips through
``to_dict``/``from_dict`` (JSON-able) so the service can store problem and plan snapshots.
Weeks are integer indices ``0..horizon_weeks-1``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

#: One trainee of priority 1.0 is worth this many integer objective units.
PRIORITY_SCALE = 1_000_000
#: Objective units lost per trainee-km travelled (1 km costs 1e-6 of a priority-1 trainee).
KM_WEIGHT = 1
#: Objective units lost per percentage point of the peak site-week utilisation.
SPREAD_WEIGHT = 1_000
#: Objective units gained per cohort of the previous plan kept unchanged (re-planning).
STABILITY_WEIGHT = 2 * PRIORITY_SCALE


@dataclass(frozen=True)
class Course:
    """A course of the catalogue: its instructor category, length and class shape."""

    id: str
    category: str
    duration_weeks: int
    class_size: int
    instructors_per_class: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "category": self.category,
            "duration_weeks": self.duration_weeks,
            "class_size": self.class_size,
            "instructors_per_class": self.instructors_per_class,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Course:
        return cls(
            id=str(d["id"]),
            category=str(d["category"]),
            duration_weeks=int(d["duration_weeks"]),
            class_size=int(d["class_size"]),
            instructors_per_class=int(d["instructors_per_class"]),
        )


@dataclass(frozen=True)
class Site:
    """A training site: trainees present at once, courses it runs, where it is."""

    id: str
    name: str
    capacity: int
    courses: tuple[str, ...]
    in_ukraine: bool = False
    distance_km: float = 0.0
    required_conditions: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "capacity": self.capacity,
            "courses": list(self.courses),
            "in_ukraine": self.in_ukraine,
            "distance_km": self.distance_km,
            "required_conditions": list(self.required_conditions),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Site:
        return cls(
            id=str(d["id"]),
            name=str(d.get("name", d["id"])),
            capacity=int(d["capacity"]),
            courses=tuple(d.get("courses", ())),
            in_ukraine=bool(d.get("in_ukraine", False)),
            distance_km=float(d.get("distance_km", 0.0)),
            required_conditions=tuple(d.get("required_conditions", ())),
        )


@dataclass(frozen=True)
class Pledge:
    """Instructors a nation offers for one course category, per week, over a period.

    ``requires``: condition keys that must hold in a week for the pledge to be usable at all.
    ``ukraine_requires``: condition keys that must hold for teaching at a site inside Ukraine;
    ``None`` means "EU soil only".
    """

    id: str
    nation: str
    category: str
    instructors_per_week: int
    week_from: int
    week_to: int
    requires: tuple[str, ...] = ()
    ukraine_requires: tuple[str, ...] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "nation": self.nation,
            "category": self.category,
            "instructors_per_week": self.instructors_per_week,
            "week_from": self.week_from,
            "week_to": self.week_to,
            "requires": list(self.requires),
            "ukraine_requires": (
                None if self.ukraine_requires is None else list(self.ukraine_requires)
            ),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Pledge:
        ur = d.get("ukraine_requires")
        return cls(
            id=str(d["id"]),
            nation=str(d["nation"]),
            category=str(d["category"]),
            instructors_per_week=int(d["instructors_per_week"]),
            week_from=int(d["week_from"]),
            week_to=int(d["week_to"]),
            requires=tuple(d.get("requires", ())),
            ukraine_requires=None if ur is None else tuple(ur),
        )


@dataclass(frozen=True)
class Request:
    """Ukraine's request: ``trainees`` on ``course``, inside [earliest_start, latest_end]."""

    id: str
    course: str
    trainees: int
    earliest_start: int
    latest_end: int
    priority: float = 1.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "course": self.course,
            "trainees": self.trainees,
            "earliest_start": self.earliest_start,
            "latest_end": self.latest_end,
            "priority": self.priority,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Request:
        return cls(
            id=str(d["id"]),
            course=str(d["course"]),
            trainees=int(d["trainees"]),
            earliest_start=int(d["earliest_start"]),
            latest_end=int(d["latest_end"]),
            priority=float(d.get("priority", 1.0)),
        )


@dataclass(frozen=True)
class Cohort:
    """One class of one request at one site: ``trainees`` present from start to end week.

    ``instructors`` maps pledge id to the number of that pledge's instructors teaching the
    cohort in every week it runs.
    """

    id: str
    request: str
    site: str
    start_week: int
    end_week: int
    trainees: int
    instructors: dict[str, int] = field(default_factory=dict, compare=True, hash=False)

    @property
    def weeks(self) -> range:
        return range(self.start_week, self.end_week + 1)

    def placement(self) -> tuple[str, str, int, int]:
        """What identifies a cohort for stability: request, site, start, trainees."""
        return (self.request, self.site, self.start_week, self.trainees)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "request": self.request,
            "site": self.site,
            "start_week": self.start_week,
            "end_week": self.end_week,
            "trainees": self.trainees,
            "instructors": dict(sorted(self.instructors.items())),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Cohort:
        return cls(
            id=str(d["id"]),
            request=str(d["request"]),
            site=str(d["site"]),
            start_week=int(d["start_week"]),
            end_week=int(d["end_week"]),
            trainees=int(d["trainees"]),
            instructors={str(k): int(v) for k, v in d.get("instructors", {}).items()},
        )


@dataclass(frozen=True)
class SolverStats:
    """How a plan was found: status, objective and bound (priority-weighted trainees)."""

    status: str = "unknown"
    objective: float = 0.0
    bound: float | None = None
    gap: float | None = None
    wall_seconds: float = 0.0
    objective_over_time: tuple[tuple[float, float], ...] = ()
    method: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "objective": self.objective,
            "bound": self.bound,
            "gap": self.gap,
            "wall_seconds": self.wall_seconds,
            "objective_over_time": [list(p) for p in self.objective_over_time],
            "method": self.method,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> SolverStats:
        return cls(
            status=str(d.get("status", "unknown")),
            objective=float(d.get("objective", 0.0)),
            bound=None if d.get("bound") is None else float(d["bound"]),
            gap=None if d.get("gap") is None else float(d["gap"]),
            wall_seconds=float(d.get("wall_seconds", 0.0)),
            objective_over_time=tuple(
                (float(a), float(b)) for a, b in d.get("objective_over_time", ())
            ),
            method=str(d.get("method", "")),
        )


@dataclass(frozen=True)
class Plan:
    """Cohorts of a plan; ``paused`` holds cohorts stopped by a breach (not counted)."""

    cohorts: tuple[Cohort, ...] = ()
    stats: SolverStats = field(default_factory=SolverStats)
    paused: tuple[Cohort, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "cohorts": [c.to_dict() for c in self.cohorts],
            "stats": self.stats.to_dict(),
            "paused": [c.to_dict() for c in self.paused],
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Plan:
        return cls(
            cohorts=tuple(Cohort.from_dict(c) for c in d.get("cohorts", ())),
            stats=SolverStats.from_dict(d.get("stats", {})),
            paused=tuple(Cohort.from_dict(c) for c in d.get("paused", ())),
        )


PinKeep = Literal["cohort", "site", "week"]


@dataclass(frozen=True)
class Pin:
    """Keep a cohort of the previous plan: wholly, only its site, or only its start week."""

    cohort_id: str
    keep: PinKeep = "cohort"

    def to_dict(self) -> dict[str, Any]:
        return {"cohort_id": self.cohort_id, "keep": self.keep}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Pin:
        keep = str(d.get("keep", "cohort"))
        if keep not in ("cohort", "site", "week"):
            raise ValueError(f"unknown pin kind {keep!r}")
        return cls(cohort_id=str(d["cohort_id"]), keep=keep)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Problem:
    """Everything the planner needs; ``conditions`` maps a condition key to its weeks."""

    horizon_weeks: int
    courses: tuple[Course, ...]
    sites: tuple[Site, ...]
    pledges: tuple[Pledge, ...]
    requests: tuple[Request, ...]
    conditions: dict[str, frozenset[int]] = field(default_factory=dict, hash=False)
    release_per_week: dict[int, int] | None = field(default=None, hash=False)
    pins: tuple[Pin, ...] = ()
    previous: Plan | None = None

    # -- lookups -------------------------------------------------------------------------
    def course(self, course_id: str) -> Course:
        return self._index("courses")[course_id]

    def site(self, site_id: str) -> Site:
        return self._index("sites")[site_id]

    def pledge(self, pledge_id: str) -> Pledge:
        return self._index("pledges")[pledge_id]

    def request(self, request_id: str) -> Request:
        return self._index("requests")[request_id]

    def _index(self, name: str) -> dict[str, Any]:
        cache = self.__dict__.setdefault("_indices", {})
        if name not in cache:
            cache[name] = {x.id: x for x in getattr(self, name)}
        return cache[name]

    def holds(self, keys: Iterable[str], week: int) -> bool:
        """True when every condition key holds in ``week`` (an unknown key never holds)."""
        return all(week in self.conditions.get(k, frozenset()) for k in keys)

    def replace(self, **changes: Any) -> Problem:
        """A copy with some fields changed (the lookup caches are not carried over)."""
        d = {
            "horizon_weeks": self.horizon_weeks,
            "courses": self.courses,
            "sites": self.sites,
            "pledges": self.pledges,
            "requests": self.requests,
            "conditions": self.conditions,
            "release_per_week": self.release_per_week,
            "pins": self.pins,
            "previous": self.previous,
        }
        d.update(changes)
        return Problem(**d)

    def to_dict(self) -> dict[str, Any]:
        return {
            "horizon_weeks": self.horizon_weeks,
            "courses": [c.to_dict() for c in self.courses],
            "sites": [s.to_dict() for s in self.sites],
            "pledges": [p.to_dict() for p in self.pledges],
            "requests": [r.to_dict() for r in self.requests],
            "conditions": {k: sorted(v) for k, v in sorted(self.conditions.items())},
            "release_per_week": (
                None
                if self.release_per_week is None
                else {str(k): v for k, v in sorted(self.release_per_week.items())}
            ),
            "pins": [p.to_dict() for p in self.pins],
            "previous": None if self.previous is None else self.previous.to_dict(),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Problem:
        rel = d.get("release_per_week")
        prev = d.get("previous")
        return cls(
            horizon_weeks=int(d["horizon_weeks"]),
            courses=tuple(Course.from_dict(x) for x in d.get("courses", ())),
            sites=tuple(Site.from_dict(x) for x in d.get("sites", ())),
            pledges=tuple(Pledge.from_dict(x) for x in d.get("pledges", ())),
            requests=tuple(Request.from_dict(x) for x in d.get("requests", ())),
            conditions={
                str(k): frozenset(int(w) for w in v) for k, v in d.get("conditions", {}).items()
            },
            release_per_week=None if rel is None else {int(k): int(v) for k, v in rel.items()},
            pins=tuple(Pin.from_dict(x) for x in d.get("pins", ())),
            previous=None if prev is None else Plan.from_dict(prev),
        )


@dataclass(frozen=True)
class Score:
    """The objective of a plan: primary first, then the tie-breakers."""

    weighted_trainees: float  # primary: priority-weighted trainees completing in window
    trainees: int
    trainee_km: float
    peak_utilisation_pct: int  # highest share of a site's capacity used in any week
    kept_cohorts: int  # cohorts of the previous plan kept unchanged

    @property
    def value(self) -> int:
        """The single integer the solvers maximise (primary dominates the secondaries)."""
        return (
            round(self.weighted_trainees * PRIORITY_SCALE)
            - round(self.trainee_km * KM_WEIGHT)
            - SPREAD_WEIGHT * self.peak_utilisation_pct
            + STABILITY_WEIGHT * self.kept_cohorts
        )

    def key(self) -> tuple[float, float, int]:
        """Lexicographic comparison key (larger is better)."""
        return (round(self.weighted_trainees, 6), float(self.value), self.trainees)


def trainee_value(priority: float) -> int:
    """Integer objective units of one trainee of this priority."""
    return round(priority * PRIORITY_SCALE)


def score(problem: Problem, plan: Plan) -> Score:
    """The objective of ``plan``: the one definition every solver and test uses.

    Only cohorts that lie inside their request's window count, and never more trainees than
    the request asked for.
    """
    by_request: dict[str, int] = {}
    km = 0.0
    load: dict[tuple[str, int], int] = {}
    for c in plan.cohorts:
        req = problem._index("requests").get(c.request)
        site = problem._index("sites").get(c.site)
        if req is None or site is None:
            continue
        if c.start_week < req.earliest_start or c.end_week > req.latest_end:
            continue
        by_request[c.request] = by_request.get(c.request, 0) + c.trainees
        km += c.trainees * site.distance_km
        for w in c.weeks:
            load[(c.site, w)] = load.get((c.site, w), 0) + c.trainees
    weighted = 0.0
    total = 0
    for rid, n in by_request.items():
        req = problem.request(rid)
        n = min(n, req.trainees)
        total += n
        weighted += n * req.priority
    peak = 0
    for (sid, _w), n in load.items():
        cap = problem.site(sid).capacity
        if cap > 0:
            peak = max(peak, -(-100 * n // cap))
    kept = 0
    if problem.previous is not None:
        from collections import Counter

        prev = Counter(c.placement() for c in problem.previous.cohorts)
        now = Counter(c.placement() for c in plan.cohorts)
        kept = sum((prev & now).values())  # each previous cohort counts once
    return Score(
        weighted_trainees=weighted,
        trainees=total,
        trainee_km=km,
        peak_utilisation_pct=peak,
        kept_cohorts=kept,
    )
