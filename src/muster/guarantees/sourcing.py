"""Force sourcing: which contribution fills which requirement in one week of a scenario.

Pure: dataclasses in, dataclasses out, no database. The caller evaluates each contribution's
condition for the week (``Offer.available``) and passes only the requirements needed in that
week's phase.

Rules (each a named function below, so it can be read alone):

- **Zones** — an offer serves a requirement only in a zone it accepts (`serves_zone`).
- **Capability fit** — an offer of the requirement's own capability counts 1:1; another
  capability counts only through a stated `Substitution` (``provided`` counts as ``ratio``
  units of ``required``, e.g. a mechanised company as one infantry company); the best stated
  ratio wins (`fit_ratio`).
- **Rotation** — a requirement with rotation ``R`` weeks needs each unit replaced every ``R``
  weeks. An offer that can sustain a rotation of ``r`` weeks covers its units × ``min(1, r/R)``:
  a nation that can keep a battalion deployed for 13 weeks of a 26-week rotation covers half
  a battalion-slot; someone else has to fill the other half. An offer that states no rotation
  sustains any (`rotation_factor`).
- **No over-assignment** — the units of an offer assigned across all requirements are at most
  its quantity, and units are whole (a battalion is not split, 80 staff officers are 80 units).
- **Objective** — maximise Σ priority × fill rate over the requirements, where fill rate =
  min(1, Σ coverage / quantity). Units that would only over-fill a requirement are left
  unassigned, so they stay visible as spare.

`solve` builds a mixed-integer programme for HiGHS; `greedy` is the baseline (highest priority
first, most efficient offers first); `what_if` re-solves with other sets of available offers
(one per condition that does not hold); `candidates` lists, per requirement, the offers that
could still fill it.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Collection, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import highspy
import numpy as np

__all__ = [
    "Assignment",
    "Candidate",
    "Offer",
    "Requirement",
    "RequirementFill",
    "SolverSettings",
    "SourcingProblem",
    "SourcingResult",
    "Substitution",
    "Unlock",
    "ZoneFill",
    "candidates",
    "coverage_factor",
    "evaluate",
    "fit_ratio",
    "greedy",
    "lp_rounding",
    "rotation_factor",
    "serves_zone",
    "solve",
    "what_if",
]

EPS = 1e-9
LP_SHARE = 0.3  # share of the time limit the LP relaxation (for a start) may use
FIRMNESS = {"deployed": 0, "confirmed": 1, "offered": 2, "rotated_out": 3, "withdrawn": 4}

Id = Hashable


# ------------------------------------------------------------------------------- the problem


@dataclass(frozen=True)
class Requirement:
    """A capability needed in a zone: ``quantity`` units, each rotated every ``rotation_weeks``."""

    id: Id
    capability: str
    zone: str
    quantity: float
    unit: str = "units"
    rotation_weeks: int = 26
    priority: int = 3

    def __post_init__(self) -> None:
        if self.quantity <= 0:
            raise ValueError(f"requirement {self.id}: quantity must be positive")
        if self.rotation_weeks <= 0:
            raise ValueError(f"requirement {self.id}: rotation_weeks must be positive")
        if self.priority <= 0:
            raise ValueError(f"requirement {self.id}: priority must be positive")


@dataclass(frozen=True)
class Offer:
    """A nation's contribution as the optimizer sees it; ``available`` is its condition's
    truth in the week (evaluated by the caller)."""

    id: Id
    nation: str
    capability: str
    quantity: int
    zones: frozenset[str]
    available: bool = True
    rotation_weeks: int | None = None
    status: str = "offered"

    def __post_init__(self) -> None:
        if self.quantity < 0:
            raise ValueError(f"offer {self.id}: quantity may not be negative")
        if self.rotation_weeks is not None and self.rotation_weeks <= 0:
            raise ValueError(f"offer {self.id}: rotation_weeks must be positive")
        object.__setattr__(self, "zones", frozenset(self.zones))


@dataclass(frozen=True)
class Substitution:
    """One unit of ``provided`` counts as ``ratio`` units of ``required``."""

    provided: str
    required: str
    ratio: float

    def __post_init__(self) -> None:
        if not self.ratio > 0:
            raise ValueError(f"substitution {self.provided}->{self.required}: ratio must be > 0")


@dataclass(frozen=True)
class SourcingProblem:
    requirements: tuple[Requirement, ...]
    offers: tuple[Offer, ...]
    substitutions: tuple[Substitution, ...] = ()

    def __post_init__(self) -> None:
        for kind, items in (("requirement", self.requirements), ("offer", self.offers)):
            ids = [i.id for i in items]
            if len(ids) != len(set(ids)):
                raise ValueError(f"{kind} ids must be unique")

    def with_available(self, available: Collection[Id]) -> SourcingProblem:
        """The same problem with exactly the offers in ``available`` available."""
        wanted = set(available)
        return replace(
            self,
            offers=tuple(replace(o, available=o.id in wanted) for o in self.offers),
        )


@dataclass(frozen=True)
class SolverSettings:
    """Parameters of a solve; nothing is hard-coded in the model."""

    time_limit_s: float = 10.0
    threads: int = 1
    seed: int = 0
    mip_rel_gap: float = 1e-9
    warm_start: bool = True  # hand HiGHS the better of greedy and LP rounding
    lp_rounding: bool = True  # solve the LP relaxation first for a start


# -------------------------------------------------------------------------------- the rules


def serves_zone(offer: Offer, requirement: Requirement) -> bool:
    """An offer serves only in the zones it accepts."""
    return requirement.zone in offer.zones


def fit_ratio(
    provided: str, required: str, substitutions: Iterable[Substitution] = ()
) -> float | None:
    """Units of ``required`` one unit of ``provided`` counts as: 1 for the same capability,
    the best stated substitution ratio otherwise, None when it does not fit."""
    if provided == required:
        return 1.0
    ratios = [s.ratio for s in substitutions if s.provided == provided and s.required == required]
    return max(ratios) if ratios else None


def rotation_factor(sustained_weeks: int | None, required_weeks: int) -> float:
    """Share of a rotation slot an offer fills: min(1, r/R); an unstated r sustains any R."""
    if sustained_weeks is None:
        return 1.0
    return min(1.0, sustained_weeks / required_weeks)


def coverage_factor(
    offer: Offer, requirement: Requirement, substitutions: Iterable[Substitution] = ()
) -> float | None:
    """Units of the requirement one unit of the offer covers, or None if it cannot serve it
    (wrong zone or capability; availability is not checked here)."""
    if not serves_zone(offer, requirement):
        return None
    ratio = fit_ratio(offer.capability, requirement.capability, substitutions)
    if ratio is None:
        return None
    return ratio * rotation_factor(offer.rotation_weeks, requirement.rotation_weeks)


@dataclass(frozen=True)
class _Pair:
    offer: int  # index into problem.offers
    requirement: int  # index into problem.requirements
    factor: float


def _pairs(problem: SourcingProblem, *, available_only: bool = True) -> list[_Pair]:
    subs = problem.substitutions
    fits: dict[str, dict[str, float]] = defaultdict(dict)  # provided -> required -> ratio
    for s in subs:
        fits[s.provided][s.required] = max(s.ratio, fits[s.provided].get(s.required, 0.0))
    by_zone_capability: dict[tuple[str, str], list[int]] = defaultdict(list)
    for j, r in enumerate(problem.requirements):
        by_zone_capability[(r.zone, r.capability)].append(j)
    out = []
    for i, o in enumerate(problem.offers):
        if (available_only and not o.available) or o.quantity <= 0:
            continue
        for zone in sorted(o.zones):
            for capability in dict.fromkeys((o.capability, *fits.get(o.capability, ()))):
                for j in by_zone_capability.get((zone, capability), ()):
                    f = coverage_factor(o, problem.requirements[j], subs)
                    if f is not None and f > EPS:
                        out.append(_Pair(i, j, f))
    out.sort(key=lambda p: (p.offer, p.requirement))
    return out


# ------------------------------------------------------------------------------- the answer


@dataclass(frozen=True)
class Assignment:
    offer_id: Id
    requirement_id: Id
    nation: str
    units: int
    coverage: float  # units of the requirement covered
    substituted: bool
    rotation_factor: float


@dataclass(frozen=True)
class RequirementFill:
    requirement_id: Id
    capability: str
    zone: str
    unit: str
    priority: int
    required: float
    covered: float
    nations: tuple[str, ...]

    @property
    def fill_rate(self) -> float:
        return min(1.0, self.covered / self.required)

    @property
    def shortfall(self) -> float:
        return max(0.0, self.required - self.covered)

    @property
    def filled(self) -> bool:
        return self.covered >= self.required - 1e-6


@dataclass(frozen=True)
class ZoneFill:
    """A zone's requirements together: fill rate weighted by priority, shortfall per unit."""

    zone: str
    requirements: int
    filled: int
    fill_rate: float
    shortfall: dict[str, float]


@dataclass(frozen=True)
class SourcingResult:
    assignments: tuple[Assignment, ...]
    requirements: tuple[RequirementFill, ...]
    zones: tuple[ZoneFill, ...]
    objective: float  # Σ priority × fill rate
    best_possible: float  # Σ priority (every requirement filled)
    bound: float | None  # proven upper bound on the objective (solver), if any
    optimal: bool
    method: str
    wall_time_s: float = 0.0
    status: str = ""

    @property
    def fill_rate(self) -> float:
        """Priority-weighted fill rate over all requirements (1.0 when there are none)."""
        return self.objective / self.best_possible if self.best_possible else 1.0

    def units_assigned(self) -> dict[Id, int]:
        out: dict[Id, int] = defaultdict(int)
        for a in self.assignments:
            out[a.offer_id] += a.units
        return dict(out)

    def requirement(self, requirement_id: Id) -> RequirementFill:
        for r in self.requirements:
            if r.requirement_id == requirement_id:
                return r
        raise KeyError(requirement_id)

    def shortfall_by_unit(self) -> dict[str, float]:
        out: dict[str, float] = defaultdict(float)
        for r in self.requirements:
            if r.shortfall > 1e-6:
                out[r.unit] += r.shortfall
        return dict(out)


def evaluate(
    problem: SourcingProblem,
    units: Mapping[tuple[Id, Id], int],
    *,
    method: str = "given",
    bound: float | None = None,
    optimal: bool = False,
    wall_time_s: float = 0.0,
    status: str = "",
) -> SourcingResult:
    """The result of an assignment ``{(offer id, requirement id): units}``.

    Raises ValueError if the assignment breaks a rule (unavailable offer, wrong zone or
    capability, an offer over-assigned, negative or fractional units).
    """
    offers = {o.id: o for o in problem.offers}
    reqs = {r.id: r for r in problem.requirements}
    used: dict[Id, int] = defaultdict(int)
    covered: dict[Id, float] = defaultdict(float)
    nations: dict[Id, set[str]] = defaultdict(set)
    assignments = []
    for (oid, rid), n in sorted(units.items(), key=lambda kv: (str(kv[0][1]), str(kv[0][0]))):
        if n == 0:
            continue
        if n < 0 or int(n) != n:
            raise ValueError(f"offer {oid} -> requirement {rid}: units must be whole and >= 0")
        o, r = offers[oid], reqs[rid]
        if not o.available:
            raise ValueError(f"offer {oid} is not available (its condition does not hold)")
        f = coverage_factor(o, r, problem.substitutions)
        if f is None:
            raise ValueError(f"offer {oid} cannot serve requirement {rid} (zone or capability)")
        used[oid] += int(n)
        covered[rid] += n * f
        nations[rid].add(o.nation)
        assignments.append(
            Assignment(
                offer_id=oid,
                requirement_id=rid,
                nation=o.nation,
                units=int(n),
                coverage=n * f,
                substituted=o.capability != r.capability,
                rotation_factor=rotation_factor(o.rotation_weeks, r.rotation_weeks),
            )
        )
    for oid, n in used.items():
        if n > offers[oid].quantity:
            raise ValueError(f"offer {oid} over-assigned: {n} of {offers[oid].quantity} units")
    fills = tuple(
        RequirementFill(
            requirement_id=r.id,
            capability=r.capability,
            zone=r.zone,
            unit=r.unit,
            priority=r.priority,
            required=float(r.quantity),
            covered=min(float(r.quantity), covered[r.id]),
            nations=tuple(sorted(nations[r.id])),
        )
        for r in problem.requirements
    )
    objective = sum(f.priority * f.fill_rate for f in fills)
    return SourcingResult(
        assignments=tuple(assignments),
        requirements=fills,
        zones=_zones(fills),
        objective=objective,
        best_possible=float(sum(r.priority for r in problem.requirements)),
        bound=bound,
        optimal=optimal,
        method=method,
        wall_time_s=wall_time_s,
        status=status,
    )


def _zones(fills: Sequence[RequirementFill]) -> tuple[ZoneFill, ...]:
    by_zone: dict[str, list[RequirementFill]] = defaultdict(list)
    for f in fills:
        by_zone[f.zone].append(f)
    out = []
    for zone in sorted(by_zone):
        rows = by_zone[zone]
        weight = sum(r.priority for r in rows)
        shortfall: dict[str, float] = defaultdict(float)
        for r in rows:
            if r.shortfall > 1e-6:
                shortfall[r.unit] += r.shortfall
        out.append(
            ZoneFill(
                zone=zone,
                requirements=len(rows),
                filled=sum(1 for r in rows if r.filled),
                fill_rate=sum(r.priority * r.fill_rate for r in rows) / weight if weight else 1.0,
                shortfall=dict(shortfall),
            )
        )
    return tuple(out)


# ---------------------------------------------------------------------------------- greedy


def greedy(problem: SourcingProblem) -> SourcingResult:
    """Baseline: requirements by priority (highest first), each filled from the offers that
    cover most per unit, firm offers (deployed, confirmed) before mere offers."""
    t0 = time.perf_counter()
    units = _greedy_units(problem)
    return evaluate(
        problem, units, method="greedy", wall_time_s=time.perf_counter() - t0, status="heuristic"
    )


def _greedy_units(
    problem: SourcingProblem, start: Mapping[tuple[Id, Id], int] | None = None
) -> dict[tuple[Id, Id], int]:
    """Greedy assignment, optionally completing a partial one (`start`)."""
    pairs_by_req: dict[int, list[_Pair]] = defaultdict(list)
    pairs = _pairs(problem)
    for p in pairs:
        pairs_by_req[p.requirement].append(p)
    units: dict[tuple[Id, Id], int] = dict(start or {})
    offer_index = {o.id: i for i, o in enumerate(problem.offers)}
    left = [o.quantity for o in problem.offers]
    covered = defaultdict(float)
    factor = {
        (problem.offers[p.offer].id, problem.requirements[p.requirement].id): p.factor
        for p in pairs
    }
    for (oid, rid), n in units.items():
        left[offer_index[oid]] -= n
        covered[rid] += n * factor[(oid, rid)]
    order = sorted(
        range(len(problem.requirements)),
        key=lambda j: (-problem.requirements[j].priority, j),
    )
    for j in order:
        r = problem.requirements[j]
        need = float(r.quantity) - covered[r.id]
        for p in sorted(
            pairs_by_req[j],
            key=lambda p: (-p.factor, FIRMNESS.get(problem.offers[p.offer].status, 9), p.offer),
        ):
            if need <= EPS:
                break
            n = min(left[p.offer], math.ceil(need / p.factor - 1e-9))
            if n <= 0:
                continue
            left[p.offer] -= n
            key = (problem.offers[p.offer].id, r.id)
            units[key] = units.get(key, 0) + n
            need -= n * p.factor
    return units


def _lp_rounded_units(model: _Model, lp: highspy.HighsLp, settings: SolverSettings) -> dict:
    """A start for the MILP: the LP relaxation's units rounded down, completed greedily."""
    relaxed = highspy.HighsLp()
    relaxed.num_col_, relaxed.num_row_ = lp.num_col_, lp.num_row_
    relaxed.col_cost_, relaxed.col_lower_, relaxed.col_upper_ = (
        lp.col_cost_,
        lp.col_lower_,
        lp.col_upper_,
    )
    relaxed.row_lower_, relaxed.row_upper_ = lp.row_lower_, lp.row_upper_
    relaxed.a_matrix_ = lp.a_matrix_
    h = _solver(replace(settings, time_limit_s=LP_SHARE * settings.time_limit_s))
    h.passModel(relaxed)
    h.run()
    solution = h.getSolution()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal or not solution.value_valid:
        return _greedy_units(model.problem)  # out of time: an unfinished LP is no start
    offers, reqs = model.problem.offers, model.problem.requirements
    floor: dict[tuple[Id, Id], int] = {}
    values = solution.col_value  # a fresh copy on each access: take it once
    for c, p in enumerate(model.pairs):
        n = int(math.floor(values[c] + 1e-9))
        if n > 0:
            floor[(offers[p.offer].id, reqs[p.requirement].id)] = n
    return _greedy_units(model.problem, floor)


def lp_rounding(problem: SourcingProblem, settings: SolverSettings | None = None) -> SourcingResult:
    """Heuristic: the LP relaxation's units rounded down, the rest completed greedily."""
    settings = settings or SolverSettings()
    t0 = time.perf_counter()
    pairs = _pairs(problem)
    if not pairs:
        return evaluate(problem, {}, method="lp_rounding", status="nothing to assign")
    model, lp = _build(problem, pairs)
    units = _lp_rounded_units(model, lp, settings)
    return evaluate(
        problem,
        units,
        method="lp_rounding",
        wall_time_s=time.perf_counter() - t0,
        status="heuristic",
    )


# ------------------------------------------------------------------------------------ MILP


@dataclass
class _Model:
    """Columns: x_p (units of pair p, integer) then y_j (coverage of requirement j)."""

    problem: SourcingProblem
    pairs: list[_Pair]
    offer_rows: dict[int, int] = field(default_factory=dict)  # offer index -> row

    @property
    def n_x(self) -> int:
        return len(self.pairs)

    @property
    def n_y(self) -> int:
        return len(self.problem.requirements)


def _add_assignment_columns(lp: highspy.HighsLp, model: _Model) -> None:
    """x_p ∈ {0, …, quantity of the offer}: whole units of an offer given to a requirement."""
    offers = model.problem.offers
    upper = np.array([float(offers[p.offer].quantity) for p in model.pairs])
    lp.col_lower_ = np.concatenate([np.zeros(model.n_x), np.zeros(model.n_y)])
    lp.col_upper_ = np.concatenate(
        [upper, np.array([float(r.quantity) for r in model.problem.requirements])]
    )
    lp.num_col_ = model.n_x + model.n_y
    lp.integrality_ = [highspy.HighsVarType.kInteger] * model.n_x + [
        highspy.HighsVarType.kContinuous
    ] * model.n_y


def _objective_priority_weighted_fill(lp: highspy.HighsLp, model: _Model) -> None:
    """Maximise Σ_j priority_j · y_j / quantity_j (HiGHS minimises: costs are negated);
    y_j ≤ quantity_j by its bound, so each term is priority × fill rate."""
    reqs = model.problem.requirements
    lp.col_cost_ = np.concatenate(
        [np.zeros(model.n_x), np.array([-r.priority / float(r.quantity) for r in reqs])]
    )


def _rows(lp: highspy.HighsLp, model: _Model) -> None:
    """Two constraint families, written column-wise:

    - no offer over-assigned: Σ_{p of offer i} x_p ≤ quantity_i      (one row per offer)
    - coverage is what is assigned: y_j − Σ_{p of req j} factor_p · x_p ≤ 0  (one per requirement)
    """
    offers = model.problem.offers
    used = sorted({p.offer for p in model.pairs})
    model.offer_rows = {i: k for k, i in enumerate(used)}
    n_off = len(used)
    n_rows = n_off + model.n_y
    lp.num_row_ = n_rows
    lp.row_lower_ = np.full(n_rows, -highspy.kHighsInf)
    lp.row_upper_ = np.concatenate(
        [np.array([float(offers[i].quantity) for i in used]), np.zeros(model.n_y)]
    )
    starts = np.zeros(model.n_x + model.n_y + 1, dtype=np.int32)
    index = np.empty(2 * model.n_x + model.n_y, dtype=np.int32)
    value = np.empty(2 * model.n_x + model.n_y)
    k = 0
    for c, p in enumerate(model.pairs):
        starts[c] = k
        index[k], value[k] = model.offer_rows[p.offer], 1.0
        index[k + 1], value[k + 1] = n_off + p.requirement, -p.factor
        k += 2
    for j in range(model.n_y):
        starts[model.n_x + j] = k
        index[k], value[k] = n_off + j, 1.0
        k += 1
    starts[-1] = k
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = starts
    lp.a_matrix_.index_ = index
    lp.a_matrix_.value_ = value
    lp.a_matrix_.num_col_ = model.n_x + model.n_y
    lp.a_matrix_.num_row_ = n_rows


def _solver(settings: SolverSettings) -> highspy.Highs:
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", max(0.05, float(settings.time_limit_s)))
    h.setOptionValue("threads", int(settings.threads))
    h.setOptionValue("random_seed", int(settings.seed))
    h.setOptionValue("mip_rel_gap", float(settings.mip_rel_gap))
    h.setOptionValue("mip_abs_gap", 1e-9)
    return h


def _warm_start(h: highspy.Highs, model: _Model, units: Mapping[tuple[Id, Id], int]) -> None:
    """Hand HiGHS the greedy assignment as a first incumbent."""
    offers, reqs = model.problem.offers, model.problem.requirements
    x = [float(units.get((offers[p.offer].id, reqs[p.requirement].id), 0)) for p in model.pairs]
    y = [0.0] * model.n_y
    for p, v in zip(model.pairs, x, strict=True):
        y[p.requirement] += p.factor * v
    y = [min(float(r.quantity), v) for r, v in zip(reqs, y, strict=True)]
    sol = highspy.HighsSolution()
    sol.col_value = x + y
    h.setSolution(sol)


def _build(problem: SourcingProblem, pairs: list[_Pair]) -> tuple[_Model, highspy.HighsLp]:
    """The MILP in its named steps."""
    model = _Model(problem, pairs)
    lp = highspy.HighsLp()
    _add_assignment_columns(lp, model)
    _objective_priority_weighted_fill(lp, model)
    _rows(lp, model)
    return model, lp


def _solution_matches(h: highspy.Highs, lp: highspy.HighsLp) -> bool:
    """Whether the solution HiGHS returns has the objective value it reports."""
    solution = h.getSolution()
    if not solution.value_valid:
        return True
    value = float(np.dot(lp.col_cost_, np.asarray(solution.col_value)))
    reported = float(h.getInfo().objective_function_value)
    return abs(value - reported) <= 1e-7 * max(1.0, abs(reported))


def solve(problem: SourcingProblem, settings: SolverSettings | None = None) -> SourcingResult:
    """The assignment maximising priority-weighted fill (HiGHS MILP started from the better of
    greedy and LP rounding); `settings.time_limit_s` bounds the whole call."""
    settings = settings or SolverSettings()
    t0 = time.perf_counter()
    pairs = _pairs(problem)
    start = _greedy_units(problem)
    if not pairs:
        return evaluate(problem, {}, method="highs", optimal=True, status="nothing to assign")
    model, lp = _build(problem, pairs)
    if settings.lp_rounding:
        rounded = _lp_rounded_units(model, lp, settings)
        if evaluate(problem, rounded).objective > evaluate(problem, start).objective:
            start = rounded

    def remaining() -> SolverSettings:
        return replace(settings, time_limit_s=settings.time_limit_s - (time.perf_counter() - t0))

    h = _solver(remaining())
    h.passModel(lp)
    if settings.warm_start:
        _warm_start(h, model, start)
    h.run()
    if settings.warm_start and not _solution_matches(h, lp):
        # HiGHS 1.16 may hand back the warm start instead of the better solution it reports
        # when presolve finishes the MIP; solve again from scratch then.
        h = _solver(remaining())
        h.passModel(lp)
        h.run()
    status = h.getModelStatus()
    solution = h.getSolution()
    optimal = status == highspy.HighsModelStatus.kOptimal
    units: dict[tuple[Id, Id], int] = {}
    if solution.value_valid:
        values = solution.col_value
        for c, p in enumerate(pairs):
            n = int(round(values[c]))
            if n > 0:
                key = (problem.offers[p.offer].id, problem.requirements[p.requirement].id)
                units[key] = n
        units = _trim_surplus(problem, pairs, units)
    info = h.getInfo()
    bound = -float(info.mip_dual_bound) if math.isfinite(info.mip_dual_bound) else None
    result = evaluate(
        problem,
        units,
        method="highs",
        bound=bound,
        optimal=optimal,
        wall_time_s=time.perf_counter() - t0,
        status=h.modelStatusToString(status),
    )
    fallback = evaluate(problem, start, method="greedy")
    if result.objective < fallback.objective - 1e-9:  # time limit hit before the start was beaten
        return replace(
            fallback,
            bound=bound,
            method="highs",
            wall_time_s=time.perf_counter() - t0,
            status=result.status,
        )
    return result


def _trim_surplus(
    problem: SourcingProblem, pairs: list[_Pair], units: dict[tuple[Id, Id], int]
) -> dict[tuple[Id, Id], int]:
    """Take back units that only over-fill a requirement (least firm offers first), so they
    show as spare; the coverage of every requirement is unchanged."""
    factor = {
        (problem.offers[p.offer].id, problem.requirements[p.requirement].id): p.factor
        for p in pairs
    }
    firmness = {o.id: FIRMNESS.get(o.status, 9) for o in problem.offers}
    out = dict(units)
    for r in problem.requirements:
        keys = [k for k in out if k[1] == r.id]
        total = sum(out[k] * factor[k] for k in keys)
        for k in sorted(keys, key=lambda k: (-firmness[k[0]], -factor[k], str(k[0]))):
            while out[k] > 0 and total - factor[k] >= r.quantity - 1e-9:
                out[k] -= 1
                total -= factor[k]
    return {k: v for k, v in out.items() if v > 0}


# ---------------------------------------------------------------------------------- what-if


@dataclass(frozen=True)
class Unlock:
    """What one alternative (e.g. a condition turning true) would change."""

    name: str
    unlocked: tuple[Id, ...]  # offers available in the alternative but not now
    lost: tuple[Id, ...]  # offers available now but not in the alternative
    used: tuple[Id, ...]  # unlocked offers the alternative's solution assigns
    gain: float  # objective increase (priority-weighted fill)
    closed: dict[str, float]  # shortfall closed per unit of measure
    by_requirement: dict[Id, float]  # covered in the alternative minus covered now
    result: SourcingResult


def what_if(
    problem: SourcingProblem,
    alternatives: Mapping[str, Collection[Id]],
    settings: SolverSettings | None = None,
    *,
    base: SourcingResult | None = None,
) -> tuple[Unlock, ...]:
    """Re-solve with each alternative set of available offers; largest gain first."""
    base = base or solve(problem, settings)
    now = {o.id for o in problem.offers if o.available}
    out = []
    for name, available in alternatives.items():
        alt = set(available)
        result = solve(problem.with_available(alt), settings)
        unlocked = tuple(o.id for o in problem.offers if o.id in alt and o.id not in now)
        assigned = result.units_assigned()
        by_req = {
            r.requirement_id: r.covered - base.requirement(r.requirement_id).covered
            for r in result.requirements
        }
        closed: dict[str, float] = defaultdict(float)
        for r in result.requirements:
            delta = base.requirement(r.requirement_id).shortfall - r.shortfall
            if abs(delta) > 1e-6:
                closed[r.unit] += delta
        out.append(
            Unlock(
                name=name,
                unlocked=unlocked,
                lost=tuple(o.id for o in problem.offers if o.id in now and o.id not in alt),
                used=tuple(i for i in unlocked if assigned.get(i)),
                gain=result.objective - base.objective,
                closed=dict(closed),
                by_requirement={k: v for k, v in by_req.items() if abs(v) > 1e-6},
                result=result,
            )
        )
    return tuple(sorted(out, key=lambda u: (-u.gain, u.name)))


@dataclass(frozen=True)
class Candidate:
    """An offer that could still add to a requirement."""

    offer_id: Id
    nation: str
    capability: str
    units_free: int  # units not assigned anywhere
    factor: float  # requirement units per offer unit
    available: bool  # False: its condition does not hold (conditional)


def candidates(problem: SourcingProblem, result: SourcingResult) -> dict[Id, tuple[Candidate, ...]]:
    """Per requirement with a shortfall: offers of a fitting capability in its zone that are
    not fully assigned, or that wait on a condition; largest possible help first."""
    assigned = result.units_assigned()
    out: dict[Id, list[Candidate]] = {r.id: [] for r in problem.requirements}
    short = {r.requirement_id for r in result.requirements if r.shortfall > 1e-6}
    for p in _pairs(problem, available_only=False):
        o, r = problem.offers[p.offer], problem.requirements[p.requirement]
        if r.id not in short:
            continue
        free = o.quantity - assigned.get(o.id, 0)
        if o.available and free <= 0:
            continue
        out[r.id].append(
            Candidate(
                offer_id=o.id,
                nation=o.nation,
                capability=o.capability,
                units_free=free,
                factor=p.factor,
                available=o.available,
            )
        )
    return {
        k: tuple(sorted(v, key=lambda c: (-c.units_free * c.factor, str(c.offer_id))))
        for k, v in out.items()
    }
