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

`solve` splits the problem into independent components (requirements and offers linked by
fitting pairs) and solves each as an exact mixed-integer programme with HiGHS; `greedy` is the
baseline (highest priority first, most efficient offers first); `what_if` re-solves with other
sets of available offers (one per condition that does not hold), reusing the components they
leave unchanged and starting the others from the base solution; `candidates` lists, per
requirement, the offers that could still fill it.
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
    "Part",
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
    warm_start: bool = True  # hand HiGHS a start (greedy, or a previous solution completed)
    lp_rounding: bool = False  # also try the LP relaxation rounded as a start
    decompose: bool = True  # solve each independent component alone (same optimum)


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
    parts: tuple[Part, ...] = field(default=(), repr=False, compare=False)

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
    problem: SourcingProblem,
    start: Mapping[tuple[Id, Id], int] | None = None,
    pairs: Sequence[_Pair] | None = None,
) -> dict[tuple[Id, Id], int]:
    """Greedy assignment, optionally completing a partial one (`start`)."""
    pairs_by_req: dict[int, list[_Pair]] = defaultdict(list)
    pairs = _pairs(problem) if pairs is None else pairs
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


def _lp_rounded_units(
    model: _Model, lp: highspy.HighsLp, settings: SolverSettings, time_limit_s: float
) -> dict[tuple[Id, Id], int] | None:
    """A start for the MILP: the LP relaxation's units rounded down, completed greedily
    (None if the LP does not finish in time)."""
    relaxed = highspy.HighsLp()
    relaxed.num_col_, relaxed.num_row_ = lp.num_col_, lp.num_row_
    relaxed.col_cost_, relaxed.col_lower_, relaxed.col_upper_ = (
        lp.col_cost_,
        lp.col_lower_,
        lp.col_upper_,
    )
    relaxed.row_lower_, relaxed.row_upper_ = lp.row_lower_, lp.row_upper_
    relaxed.a_matrix_ = lp.a_matrix_
    h = _solver(settings, time_limit_s)
    h.passModel(relaxed)
    h.run()
    solution = h.getSolution()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal or not solution.value_valid:
        return None  # out of time: an unfinished LP is no start
    values = solution.col_value  # a fresh copy on each access: take it once
    floor = model.units([math.floor(v + 1e-9) for v in values[: model.n_x]])
    return _greedy_units(model.problem, floor, model.pairs)


def lp_rounding(problem: SourcingProblem, settings: SolverSettings | None = None) -> SourcingResult:
    """Heuristic: the LP relaxation's units rounded down, the rest completed greedily."""
    settings = settings or SolverSettings()
    t0 = time.perf_counter()
    pairs = _pairs(problem)
    if not pairs:
        return evaluate(problem, {}, method="lp_rounding", status="nothing to assign")
    model = _Model.build(problem, _Component.whole(problem, pairs))
    units = _lp_rounded_units(model, model.lp(), settings, LP_SHARE * settings.time_limit_s)
    return evaluate(
        problem,
        _greedy_units(problem, pairs=pairs) if units is None else units,
        method="lp_rounding",
        wall_time_s=time.perf_counter() - t0,
        status="heuristic",
    )


# ---------------------------------------------------------------------------- components


@dataclass
class _Component:
    """Requirements and offers linked (directly or through others) by fitting pairs; no
    pair joins two components, so each can be solved alone."""

    requirements: list[int]  # indices into problem.requirements
    offers: list[int]  # indices into problem.offers (available, with a fitting requirement)
    pairs: list[_Pair]

    @classmethod
    def whole(cls, problem: SourcingProblem, pairs: list[_Pair]) -> _Component:
        return cls(
            requirements=sorted({p.requirement for p in pairs}),
            offers=sorted({p.offer for p in pairs}),
            pairs=list(pairs),
        )

    def key(self, problem: SourcingProblem) -> tuple:
        """What the component's solution depends on: its requirements, its offers (with
        their availability), the substitutions."""
        return (
            frozenset(problem.requirements[j] for j in self.requirements),
            frozenset(problem.offers[i] for i in self.offers),
            frozenset(problem.substitutions),
        )


def _components(problem: SourcingProblem, pairs: list[_Pair]) -> list[_Component]:
    """Connected components of the bipartite graph offer — requirement (union-find), the
    smallest first."""
    n_req = len(problem.requirements)
    parent = list(range(n_req + len(problem.offers)))  # requirements first, then offers

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for p in pairs:
        a, b = find(p.requirement), find(n_req + p.offer)
        if a != b:
            parent[a] = b
    by_root: dict[int, list[_Pair]] = defaultdict(list)
    for p in pairs:
        by_root[find(p.requirement)].append(p)
    parts = [_Component.whole(problem, ps) for ps in by_root.values()]
    return sorted(parts, key=lambda c: (len(c.pairs), c.requirements[0]))


# ------------------------------------------------------------------------------------ MILP


@dataclass
class _Model:
    """The MILP of one component (or of the whole problem).

    Columns: x_p (whole units of pair p's offer given to its requirement) then y_k (coverage
    of the component's k-th requirement). Rows: one per offer, then one per requirement."""

    problem: SourcingProblem
    component: _Component
    upper: list[float]  # bound of each x_p

    @property
    def pairs(self) -> list[_Pair]:
        return self.component.pairs

    @property
    def requirements(self) -> list[int]:
        return self.component.requirements

    @property
    def n_x(self) -> int:
        return len(self.pairs)

    @property
    def n_y(self) -> int:
        return len(self.requirements)

    @classmethod
    def build(cls, problem: SourcingProblem, component: _Component) -> _Model:
        offers, reqs = problem.offers, problem.requirements
        # more units than fill the requirement would only over-fill it: a tighter bound, the
        # same optimum
        upper = [
            float(
                min(
                    offers[p.offer].quantity,
                    math.ceil(reqs[p.requirement].quantity / p.factor - 1e-9),
                )
            )
            for p in component.pairs
        ]
        return cls(problem, component, upper)

    def lp(self) -> highspy.HighsLp:
        """The MILP in its named steps."""
        lp = highspy.HighsLp()
        self._assignment_columns(lp)
        self._objective_priority_weighted_fill(lp)
        self._rows(lp)
        return lp

    def _assignment_columns(self, lp: highspy.HighsLp) -> None:
        """x_p ∈ {0, …, min(units of the offer, units that fill the requirement)};
        y_k ∈ [0, quantity_k]."""
        reqs = self.problem.requirements
        lp.num_col_ = self.n_x + self.n_y
        lp.col_lower_ = np.zeros(self.n_x + self.n_y)
        lp.col_upper_ = np.array(self.upper + [float(reqs[j].quantity) for j in self.requirements])
        lp.integrality_ = [highspy.HighsVarType.kInteger] * self.n_x + [
            highspy.HighsVarType.kContinuous
        ] * self.n_y

    def _objective_priority_weighted_fill(self, lp: highspy.HighsLp) -> None:
        """Maximise Σ_j priority_j · y_j / quantity_j (HiGHS minimises: costs are negated);
        y_j ≤ quantity_j by its bound, so each term is priority × fill rate."""
        reqs = self.problem.requirements
        lp.col_cost_ = np.concatenate(
            [
                np.zeros(self.n_x),
                np.array([-reqs[j].priority / float(reqs[j].quantity) for j in self.requirements]),
            ]
        )

    def _rows(self, lp: highspy.HighsLp) -> None:
        """Two constraint families, written column-wise (arrays, no per-element calls):

        - no offer over-assigned: Σ_{p of offer i} x_p ≤ quantity_i      (one row per offer)
        - coverage is what is assigned: y_j − Σ_{p of req j} factor_p · x_p ≤ 0  (one per
          requirement)"""
        offers = self.problem.offers
        row_of_offer = {i: k for k, i in enumerate(self.component.offers)}
        n_off = len(row_of_offer)
        row_of_req = {j: n_off + k for k, j in enumerate(self.requirements)}
        n_rows = n_off + self.n_y
        lp.num_row_ = n_rows
        lp.row_lower_ = np.full(n_rows, -highspy.kHighsInf)
        lp.row_upper_ = np.concatenate(
            [
                np.array([float(offers[i].quantity) for i in self.component.offers]),
                np.zeros(self.n_y),
            ]
        )
        n_x = self.n_x
        index = np.empty(2 * n_x + self.n_y, dtype=np.int32)
        value = np.empty(2 * n_x + self.n_y)
        index[0 : 2 * n_x : 2] = [row_of_offer[p.offer] for p in self.pairs]
        value[0 : 2 * n_x : 2] = 1.0
        index[1 : 2 * n_x : 2] = [row_of_req[p.requirement] for p in self.pairs]
        value[1 : 2 * n_x : 2] = [-p.factor for p in self.pairs]
        index[2 * n_x :] = np.arange(n_off, n_rows)
        value[2 * n_x :] = 1.0
        starts = np.concatenate([np.arange(0, 2 * n_x, 2), 2 * n_x + np.arange(self.n_y + 1)])
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = starts.astype(np.int32)
        lp.a_matrix_.index_ = index
        lp.a_matrix_.value_ = value
        lp.a_matrix_.num_col_ = n_x + self.n_y
        lp.a_matrix_.num_row_ = n_rows

    def columns(self, units: Mapping[tuple[Id, Id], int]) -> list[float]:
        """The column values of an assignment: x per pair (at most its bound), then y."""
        offers, reqs = self.problem.offers, self.problem.requirements
        x = [
            min(u, float(units.get((offers[p.offer].id, reqs[p.requirement].id), 0)))
            for p, u in zip(self.pairs, self.upper, strict=True)
        ]
        covered: dict[int, float] = defaultdict(float)
        for p, v in zip(self.pairs, x, strict=True):
            covered[p.requirement] += p.factor * v
        return x + [min(float(reqs[j].quantity), covered[j]) for j in self.requirements]

    def units(self, x: Sequence[float]) -> dict[tuple[Id, Id], int]:
        """Whole units per (offer id, requirement id) from the column values."""
        offers, reqs = self.problem.offers, self.problem.requirements
        out = {}
        for p, v in zip(self.pairs, x, strict=True):
            n = int(round(v))
            if n > 0:
                out[(offers[p.offer].id, reqs[p.requirement].id)] = n
        return out


def _solver(settings: SolverSettings, time_limit_s: float) -> highspy.Highs:
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", max(0.05, float(time_limit_s)))
    h.setOptionValue("threads", int(settings.threads))
    h.setOptionValue("random_seed", int(settings.seed))
    h.setOptionValue("mip_rel_gap", float(settings.mip_rel_gap))
    h.setOptionValue("mip_abs_gap", 1e-9)
    # the root reduced-cost heuristic's sub-MIPs rarely beat the start here: without it the
    # benchmark's 300 x 1500 solves took ~25 % less CPU (12 solves, the slowest 2.7 s, not 3.7)
    h.setOptionValue("mip_heuristic_run_root_reduced_cost", False)
    return h


def _solution_matches(h: highspy.Highs, lp: highspy.HighsLp) -> bool:
    """Whether the solution HiGHS returns has the objective value it reports."""
    solution = h.getSolution()
    if not solution.value_valid:
        return True
    value = float(np.dot(lp.col_cost_, np.asarray(solution.col_value)))
    reported = float(h.getInfo().objective_function_value)
    return abs(value - reported) <= 1e-7 * max(1.0, abs(reported))


@dataclass(frozen=True)
class Part:
    """The solution of one independent component of a problem (its requirements and the
    available offers that fit them); a later solve reuses it when the component is the same."""

    key: tuple = field(repr=False)
    requirement_ids: tuple[Id, ...]
    units: tuple[tuple[tuple[Id, Id], int], ...]
    objective: float
    bound: float
    optimal: bool
    status: str


def _objective(problem: SourcingProblem, units: Mapping[tuple[Id, Id], int], pairs) -> float:
    """Σ priority × fill rate of an assignment (trusted: no rule checks)."""
    factor = {
        (problem.offers[p.offer].id, problem.requirements[p.requirement].id): p.factor
        for p in pairs
    }
    covered: dict[Id, float] = defaultdict(float)
    for k, n in units.items():
        covered[k[1]] += n * factor[k]
    return sum(
        r.priority * min(1.0, covered[r.id] / r.quantity)
        for r in problem.requirements
        if r.id in covered
    )


def _solve_component(
    problem: SourcingProblem,
    component: _Component,
    start: dict[tuple[Id, Id], int],
    settings: SolverSettings,
    deadline: float,
) -> Part:
    """HiGHS on one component, from the better of `start` and (if asked) LP rounding; the
    start is kept if the solver does not beat it in time."""
    model = _Model.build(problem, component)
    lp = model.lp()
    reqs = problem.requirements
    best_possible = float(sum(reqs[j].priority for j in component.requirements))
    start_value = _objective(problem, start, component.pairs)
    if settings.lp_rounding:
        rounded = _lp_rounded_units(
            model, lp, settings, LP_SHARE * max(0.0, deadline - time.perf_counter())
        )
        if rounded is not None:
            value = _objective(problem, rounded, component.pairs)
            if value > start_value:
                start, start_value = rounded, value

    def run(warm: bool) -> highspy.Highs:
        h = _solver(settings, deadline - time.perf_counter())
        h.passModel(lp)
        if warm:
            solution = highspy.HighsSolution()
            solution.col_value = model.columns(start)
            h.setSolution(solution)
        h.run()
        return h

    h, optimal, status = None, True, "Optimal"
    if start_value >= best_possible - 1e-9:
        pass  # every requirement filled: nothing to prove
    elif deadline - time.perf_counter() <= 0:
        optimal, status = False, "Time limit reached"  # no time left: the start stands
    else:
        h = run(settings.warm_start)
        if settings.warm_start and not _solution_matches(h, lp):
            # HiGHS 1.16 may hand back the warm start instead of the better solution it
            # reports when presolve finishes the MIP; solve again from scratch then.
            h = run(False)
    units, value, bound = start, start_value, best_possible
    if h is not None:
        status_code = h.getModelStatus()
        optimal = status_code == highspy.HighsModelStatus.kOptimal
        status = h.modelStatusToString(status_code)
        dual = h.getInfo().mip_dual_bound
        if math.isfinite(dual):
            bound = min(best_possible, -float(dual))
        solution = h.getSolution()
        if solution.value_valid:
            found = model.units(solution.col_value[: model.n_x])
            found_value = _objective(problem, found, component.pairs)
            if found_value >= start_value - 1e-9:
                units, value = found, found_value
            else:  # time limit hit before the start was beaten
                optimal = False
    return Part(
        key=component.key(problem),
        requirement_ids=tuple(reqs[j].id for j in component.requirements),
        units=tuple(units.items()),
        objective=value,
        bound=max(bound, value),
        optimal=optimal,
        status=status,
    )


def solve(
    problem: SourcingProblem,
    settings: SolverSettings | None = None,
    *,
    previous: SourcingResult | None = None,
) -> SourcingResult:
    """The assignment maximising priority-weighted fill; `settings.time_limit_s` bounds the
    whole call.

    The problem splits into independent components (requirements and offers linked by
    fitting pairs); each is an exact MILP for HiGHS, started from the greedy assignment (or
    from LP rounding, if better). `previous` is the result of a related problem (the same
    requirements, e.g. before a condition turned true): a component whose requirements and
    offers are unchanged takes its part of that solution as it is, and the others start from
    its assignments that are still allowed, completed greedily. So an offer becoming
    available never lowers the result."""
    settings = settings or SolverSettings()
    t0 = time.perf_counter()
    deadline = t0 + settings.time_limit_s
    pairs = _pairs(problem)
    if not pairs:
        return evaluate(
            problem, {}, method="highs", bound=0.0, optimal=True, status="nothing to assign"
        )
    components = _components(problem, pairs) if settings.decompose else [
        _Component.whole(problem, pairs)
    ]  # fmt: skip
    known = {part.key: part for part in (previous.parts if previous else ())}
    carried: dict[tuple[Id, Id], int] = {}
    if previous is not None:
        allowed = {
            (problem.offers[p.offer].id, problem.requirements[p.requirement].id) for p in pairs
        }
        quantity = {o.id: o.quantity for o in problem.offers}
        used: dict[Id, int] = defaultdict(int)
        for a in previous.assignments:
            if (a.offer_id, a.requirement_id) in allowed:
                used[a.offer_id] += a.units
                carried[(a.offer_id, a.requirement_id)] = a.units
        carried = {k: n for k, n in carried.items() if used[k[0]] <= quantity[k[0]]}
    start = _greedy_units(problem, carried, pairs)
    parts: list[Part | None] = [known.get(c.key(problem)) for c in components]
    todo = [k for k, part in enumerate(parts) if part is None]
    # first pass, smallest components first: each may use its share of the time left, by
    # size (what a small one does not use goes to the larger ones)
    for n, k in enumerate(todo):
        component = components[k]
        reqs = {problem.requirements[j].id for j in component.requirements}
        own = {key: units for key, units in start.items() if key[1] in reqs}
        size = sum(len(components[m].pairs) for m in todo[n:])
        share = (deadline - time.perf_counter()) * len(component.pairs) / size
        parts[k] = _solve_component(
            problem, component, own, settings, min(deadline, time.perf_counter() + share)
        )
    # second pass: components stopped by their share continue from their best assignment
    unfinished = [k for k in todo if not parts[k].optimal]
    for n, k in enumerate(unfinished):
        left = deadline - time.perf_counter()
        if left <= 0:
            break
        part = _solve_component(
            problem,
            components[k],
            dict(parts[k].units),
            settings,
            time.perf_counter() + left / (len(unfinished) - n),
        )
        if part.objective >= parts[k].objective - 1e-9:
            parts[k] = replace(part, bound=min(part.bound, parts[k].bound))
    units: dict[tuple[Id, Id], int] = {}
    for part in parts:
        units.update(part.units)
    units = _trim_surplus(problem, pairs, units)
    optimal = all(part.optimal for part in parts)
    statuses = {part.status for part in parts}
    result = evaluate(
        problem,
        units,
        method="highs",
        bound=sum(part.bound for part in parts),
        optimal=optimal,
        wall_time_s=time.perf_counter() - t0,
        status="Optimal" if optimal else ", ".join(sorted(statuses - {"Optimal"})),
    )
    return replace(result, parts=tuple(parts))


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
    keys_of: dict[Id, list[tuple[Id, Id]]] = defaultdict(list)
    for k in out:
        keys_of[k[1]].append(k)
    for r in problem.requirements:
        keys = keys_of.get(r.id, [])
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
    base_objective: float = 0.0

    @property
    def gain_bound(self) -> float | None:
        """Proven upper bound on the gain (equal to `gain` when the re-solve is optimal)."""
        if self.result.bound is None:
            return None
        return self.result.bound - self.base_objective


def what_if(
    problem: SourcingProblem,
    alternatives: Mapping[str, Collection[Id]],
    settings: SolverSettings | None = None,
    *,
    base: SourcingResult | None = None,
    time_limit_s: float | None = None,
) -> tuple[Unlock, ...]:
    """Re-solve with each alternative set of available offers; largest gain first.

    Each re-solve starts from `base` (`solve(previous=base)`): components the alternative
    leaves unchanged are taken as they are, the others start from the base assignment, so
    no gain is negative even when a time limit cuts a proof short (`Unlock.gain_bound` then
    says how much more it could be). `settings.time_limit_s` bounds each re-solve;
    `time_limit_s`, if given, the whole call (shared evenly by the re-solves left)."""
    settings = settings or SolverSettings()
    base = base or solve(problem, settings)
    deadline = None if time_limit_s is None else time.perf_counter() + time_limit_s
    now = {o.id for o in problem.offers if o.available}
    out = []
    for k, (name, available) in enumerate(alternatives.items()):
        alt = set(available)
        own = settings
        if deadline is not None:
            share = max(0.0, deadline - time.perf_counter()) / (len(alternatives) - k)
            own = replace(settings, time_limit_s=min(settings.time_limit_s, share))
        result = solve(problem.with_available(alt), own, previous=base)
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
                base_objective=base.objective,
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
