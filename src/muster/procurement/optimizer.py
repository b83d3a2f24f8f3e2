"""Demand aggregation: group nations' needs for the same item into joint procurements.

Pure: dataclasses in, dataclasses out; money out is integer euro cents (floats only inside
the cost curve and the solver).

Cost model (docs/procurement.md has the derivation):

* A nation's needs for one item are consolidated into one national *demand* with quantity
  q_n, and cost alone A_n = Σ quantity × unit-cost estimate over its needs (so its reference
  unit cost c_n = A_n / q_n is the price at its own volume q_n).
* Learning curve per capability area, rate r: unit cost falls by r each time the quantity
  doubles, unit_cost(Q) = c_n · (Q / q_n)^b with b = log2(1 − r).
* In a joint procurement G of total quantity Q_G, member n pays its own estimate moved down
  the curve to the group's volume: cost_n(G) = round(A_n · (Q_G / q_n)^b). Since Q_G ≥ q_n
  and b ≤ 0 a member never pays more than it would alone, and the group never pays more than
  its members alone. The group's unit price is its total divided by its quantity.

Grouping is a set-partitioning problem per item (items are independent): choose disjoint
feasible groups maximising Σ savings(G), demands not in a chosen group buy alone. Feasible
groups (two or more nations) respect `max_participants`, the exclusions, the solo nations,
the delivery-year spread, and — when SAFE-financed — the participant rules of
`eligibility.py`. Every feasible group of an item is enumerated with numpy; small items get
the exact MILP over all of them, the others column generation on the set-packing LP with
exact pricing over all groups, whose duals give a proven upper bound on the savings
(Farley's bound); LP rounding, the MILP over the generated columns and reduced-cost-fixed
MILPs then close the gap to `SolverSettings.gap_target` or prove items optimal. The plan
carries the bound (`bound_cents`, `gap`). Items with too many groups to enumerate fall back
to heuristic column generation and a weak bound. The optimizer returns, per item, the
better of its plan and the greedy plan, so it is never worse than greedy or national-only
buying.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from multiprocessing import get_all_start_methods, get_context

import highspy
import numpy as np

from muster.procurement.eligibility import (
    PARTICIPANT_RULES,
    Participant,
    Procurement,
    RuleSettings,
    Status,
    check,
    third_country_participation,
)

DEFAULT_LEARNING_RATE = Decimal("0.10")

Group = tuple[int, ...]  # sorted indices of an item's demands


# ---------------------------------------------------------------------------- input
@dataclass(frozen=True)
class Need:
    """One nation's need for an item, with its own unit-cost estimate at its own quantity."""

    id: str
    nation: str
    area: str
    item: str
    quantity: int
    unit_cost_cents: int
    delivery_year: int | None = None  # None: any year, never limits a group's spread

    def __post_init__(self) -> None:
        if self.quantity <= 0:
            raise ValueError(f"need {self.id}: quantity must be > 0")
        if self.unit_cost_cents < 0:
            raise ValueError(f"need {self.id}: unit_cost_cents must be >= 0")


@dataclass(frozen=True)
class AggregationProblem:
    """Needs, who the nations are, the learning curves and the grouping constraints.

    `exclusions` are pairs of nations that will not procure together; `solo_nations` buy
    alone. `max_delivery_spread_years` (None: no limit) bounds the difference between the
    earliest wanted delivery years of a group's members. With `safe_financed` a group of two
    or more must pass the participant rules of SAFE (borrower, co-buyer, third countries);
    a nation buying alone is always allowed, and is marked SAFE-eligible or not.
    """

    needs: tuple[Need, ...]
    participants: tuple[Participant, ...]
    procured_on: date
    learning_rates: tuple[tuple[str, Decimal], ...] = ()
    default_learning_rate: Decimal = DEFAULT_LEARNING_RATE
    max_participants: int = 6
    exclusions: frozenset[frozenset[str]] = frozenset()
    solo_nations: frozenset[str] = frozenset()
    max_delivery_spread_years: int | None = None
    safe_financed: bool = True
    rule_settings: RuleSettings = field(default_factory=RuleSettings)

    def __post_init__(self) -> None:
        # accept any iterables (lists of tuples from JSON) but store frozen sets
        pairs = frozenset(frozenset(pair) for pair in self.exclusions)
        if any(len(pair) != 2 for pair in pairs):
            raise ValueError("each exclusion names exactly two different nations")
        object.__setattr__(self, "exclusions", pairs)
        object.__setattr__(self, "solo_nations", frozenset(self.solo_nations))
        object.__setattr__(self, "needs", tuple(self.needs))
        object.__setattr__(self, "participants", tuple(self.participants))
        object.__setattr__(self, "learning_rates", tuple(tuple(x) for x in self.learning_rates))
        if self.max_participants < 1:
            raise ValueError("max_participants must be >= 1")
        if self.max_delivery_spread_years is not None and self.max_delivery_spread_years < 0:
            raise ValueError("max_delivery_spread_years must be >= 0")
        for _, rate in self.learning_rates:
            learning_exponent(rate)
        learning_exponent(self.default_learning_rate)

    def learning_rate(self, area: str) -> Decimal:
        return dict(self.learning_rates).get(area, self.default_learning_rate)


@dataclass(frozen=True)
class SolverSettings:
    """Solver parameters: passed in, never hard-coded."""

    time_limit_s: float = 20.0
    #: most feasible groups enumerated per item for exact pricing; past it the heuristic
    #: column generation runs and no bound is known
    max_columns: int = 2_000_000
    #: up to this many feasible groups the MILP runs over all of them at once
    full_milp_columns: int = 300
    #: most columns in the reduced-cost-fixed MILP that proves an item optimal
    max_milp_columns: int = 5_000
    threads: int = 1
    #: processes for the first pass over the items (forked; 1: all in this process)
    workers: int = 1
    seed: int = 0
    pricing_rounds: int = 200
    #: columns added per pricing round (at least one per demand)
    pricing_batch: int = 40
    #: column generation stops when the bound is within this fraction of the LP value
    pricing_gap: float = 1e-7
    #: stop improving (pool MILPs) and proving (fixed MILPs) once the whole plan is within
    #: this fraction of its bound; 0 (default) works until every item is proven or the time
    #: is up (the benchmark uses 0.005: 4-5 s on 27 nations x 200 items)
    gap_target: float = 0.0
    local_search_rounds: int = 50


# ---------------------------------------------------------------------------- output
@dataclass(frozen=True)
class MemberShare:
    """One nation's part of a procurement."""

    nation: str
    need_ids: tuple[str, ...]
    quantity: int
    alone_cents: int
    cost_cents: int

    @property
    def savings_cents(self) -> int:
        return self.alone_cents - self.cost_cents


@dataclass(frozen=True)
class JointProcurement:
    """A procurement of one item by one or more nations (one nation: buying alone)."""

    item: str
    area: str
    members: tuple[MemberShare, ...]
    safe_eligible: bool
    failed_rules: tuple[str, ...] = ()
    lead_nation: str = ""

    @property
    def participants(self) -> tuple[str, ...]:
        return tuple(m.nation for m in self.members)

    @property
    def quantity(self) -> int:
        return sum(m.quantity for m in self.members)

    @property
    def total_cents(self) -> int:
        return sum(m.cost_cents for m in self.members)

    @property
    def alone_cents(self) -> int:
        return sum(m.alone_cents for m in self.members)

    @property
    def savings_cents(self) -> int:
        return self.alone_cents - self.total_cents

    @property
    def unit_price_cents(self) -> int:
        """Average unit price, rounded half-even to the cent (the total is authoritative)."""
        q = Decimal(self.quantity)
        return int((Decimal(self.total_cents) / q).quantize(0, rounding=ROUND_HALF_EVEN))


@dataclass(frozen=True)
class AggregationPlan:
    """A partition of all demands into procurements, with totals and savings."""

    method: str
    procurements: tuple[JointProcurement, ...]
    exact: bool
    wall_time_s: float
    #: a proven upper bound on the savings of any plan (cents), None if not known
    bound_cents: int | None = None

    @property
    def gap(self) -> float | None:
        """(bound − savings) / bound: how far from optimal the plan can be, at most."""
        if self.bound_cents is None:
            return None
        if self.bound_cents <= 0:
            return 0.0
        return max(0.0, (self.bound_cents - self.savings_cents) / self.bound_cents)

    @property
    def total_cents(self) -> int:
        return sum(p.total_cents for p in self.procurements)

    @property
    def alone_cents(self) -> int:
        return sum(p.alone_cents for p in self.procurements)

    @property
    def savings_cents(self) -> int:
        return self.alone_cents - self.total_cents

    @property
    def joint(self) -> tuple[JointProcurement, ...]:
        """The procurements with two or more participants."""
        return tuple(p for p in self.procurements if len(p.members) > 1)

    def savings_by_nation(self) -> dict[str, int]:
        out: dict[str, int] = defaultdict(int)
        for p in self.procurements:
            for m in p.members:
                out[m.nation] += m.savings_cents
        return dict(sorted(out.items()))

    def savings_by_area(self) -> dict[str, int]:
        out: dict[str, int] = defaultdict(int)
        for p in self.procurements:
            out[p.area] += p.savings_cents
        return dict(sorted(out.items()))

    def to_rows(self) -> list[tuple]:
        """Header row then one row per member of each procurement, for a spreadsheet."""
        rows: list[tuple] = [
            (
                "procurement",
                "item",
                "area",
                "participants",
                "lead_nation",
                "unit_price_cents",
                "nation",
                "need_ids",
                "quantity",
                "alone_cents",
                "cost_cents",
                "savings_cents",
                "safe_eligible",
            )
        ]
        for k, p in enumerate(self.procurements, start=1):
            for m in p.members:
                rows.append(
                    (
                        k,
                        p.item,
                        p.area,
                        " ".join(p.participants),
                        p.lead_nation,
                        p.unit_price_cents,
                        m.nation,
                        " ".join(m.need_ids),
                        m.quantity,
                        m.alone_cents,
                        m.cost_cents,
                        m.savings_cents,
                        p.safe_eligible,
                    )
                )
        return rows


@dataclass(frozen=True)
class Comparison:
    national: AggregationPlan
    greedy: AggregationPlan
    optimal: AggregationPlan

    def rows(self) -> list[dict[str, object]]:
        """One row per method: total, savings (cents), joint procurements, wall time."""
        return [
            {
                "method": p.method,
                "total_cents": p.total_cents,
                "savings_cents": p.savings_cents,
                "joint_procurements": len(p.joint),
                "exact": p.exact,
                "bound_cents": p.bound_cents,
                "gap": p.gap,
                "wall_time_s": round(p.wall_time_s, 4),
            }
            for p in (self.national, self.greedy, self.optimal)
        ]


# ---------------------------------------------------------------------------- cost model
def learning_exponent(rate: Decimal) -> float:
    """b = log2(1 − r): unit cost × 2^b = 1 − r per doubling of quantity."""
    r = float(rate)
    if not 0 <= r < 1:
        raise ValueError(f"learning rate {rate} outside [0, 1)")
    return math.log2(1 - r)


def unit_cost(c0: float, q0: int, quantity: int, rate: Decimal) -> float:
    """Learning-curve unit cost at `quantity` for a reference price c0 at quantity q0."""
    return c0 * (quantity / q0) ** learning_exponent(rate)


def member_cost_cents(alone_cents: int, own_quantity: int, group_quantity: int, b: float) -> int:
    """What a member with cost-alone `alone_cents` pays in a group of `group_quantity`."""
    if group_quantity < own_quantity:
        raise ValueError("group quantity below the member's own")
    if group_quantity == own_quantity or b == 0:
        return alone_cents
    return min(alone_cents, round(alone_cents * (group_quantity / own_quantity) ** b))


# ---------------------------------------------------------------------------- demands
@dataclass(frozen=True)
class _Demand:
    nation: str
    item: str
    area: str
    quantity: int
    alone_cents: int
    delivery_year: int | None
    need_ids: tuple[str, ...]


def _consolidate(problem: AggregationProblem) -> dict[str, list[_Demand]]:
    """A nation's needs for one item become one demand; items keyed in sorted order."""
    known = {p.nation for p in problem.participants}
    if len(known) != len(problem.participants):
        raise ValueError("a nation appears twice among the participants")
    by_key: dict[tuple[str, str], list[Need]] = defaultdict(list)
    area_of: dict[str, str] = {}
    ids: set[str] = set()
    for n in problem.needs:
        if n.nation not in known:
            raise ValueError(f"need {n.id}: nation {n.nation} is not a participant")
        if n.id in ids:
            raise ValueError(f"need id {n.id} appears twice")
        ids.add(n.id)
        if area_of.setdefault(n.item, n.area) != n.area:
            raise ValueError(f"item {n.item} is in two areas: {area_of[n.item]}, {n.area}")
        by_key[(n.item, n.nation)].append(n)
    items: dict[str, list[_Demand]] = defaultdict(list)
    for (item, nation), needs in sorted(by_key.items()):
        items[item].append(
            _Demand(
                nation=nation,
                item=item,
                area=area_of[item],
                quantity=sum(n.quantity for n in needs),
                alone_cents=sum(n.quantity * n.unit_cost_cents for n in needs),
                delivery_year=min(
                    (n.delivery_year for n in needs if n.delivery_year is not None), default=None
                ),
                need_ids=tuple(n.id for n in needs),
            )
        )
    return dict(sorted(items.items()))


class _ItemModel:
    """One item's demands, the feasibility of a group and its cost, both cached."""

    def __init__(self, problem: AggregationProblem, demands: list[_Demand]) -> None:
        self.problem = problem
        self.demands = demands
        self.m = len(demands)
        self.b = learning_exponent(problem.learning_rate(demands[0].area))
        self.participant = {p.nation: p for p in problem.participants}
        self._cost: dict[Group, tuple[int, ...]] = {}
        # the participant rules depend only on the members' standing, so cache by that
        self._eligible: dict[tuple, tuple[str, ...]] = {}
        self.signature = [self._standing(self.participant[d.nation]) for d in demands]
        self.joinable = [self._may_join_groups(d) for d in demands]
        excluded = problem.exclusions
        self.compatible = [
            [
                i != j and frozenset({demands[i].nation, demands[j].nation}) not in excluded
                for j in range(self.m)
            ]
            for i in range(self.m)
        ]
        # bit j of partners[i]: j may be in a group with i (both joinable, not excluded)
        self.partners = [
            sum(
                1 << j
                for j in range(self.m)
                if self.compatible[i][j] and self.joinable[i] and self.joinable[j]
            )
            for i in range(self.m)
        ]

    @staticmethod
    def _standing(p: Participant) -> tuple:
        return (p.status, p.borrows_under_safe, p.has_agreement)

    def _may_join_groups(self, d: _Demand) -> bool:
        """Whether the nation may be in any group: not solo, and an allowed participant."""
        if d.nation in self.problem.solo_nations:
            return False
        if not self.problem.safe_financed:
            return True
        alone = Procurement((self.participant[d.nation],), (), self.problem.procured_on)
        return third_country_participation(alone, self.problem.rule_settings) is None

    # -- constraints that also hold for every subgroup (checked while growing a group)
    def can_add(self, group: Group, j: int) -> bool:
        """Max participants, solo nations, exclusions and delivery spread allow adding j."""
        if not self.joinable[j] or len(group) + 1 > self.problem.max_participants:
            return False
        if any(not self.compatible[i][j] for i in group):
            return False
        spread = self.problem.max_delivery_spread_years
        if spread is not None:
            years = [self.demands[i].delivery_year for i in (*group, j)]
            known = [y for y in years if y is not None]
            if known and max(known) - min(known) > spread:
                return False
        return True

    def hereditary_ok(self, group: Group) -> bool:
        return all(self.can_add(group[:k], group[k]) for k in range(1, len(group))) and (
            len(group) == 1 or self.joinable[group[0]]
        )

    # -- the SAFE participant rules (not hereditary: checked on the whole group)
    def failed_rules(self, group: Group) -> tuple[str, ...]:
        """The SAFE participant rules (eligibility.check) the group fails."""
        key = tuple(sorted(self.signature[i] for i in group))
        if key not in self._eligible:
            proc = Procurement(
                tuple(self.participant[self.demands[i].nation] for i in group),
                (),
                self.problem.procured_on,
            )
            res = check(proc, self.problem.rule_settings, rules=PARTICIPANT_RULES)
            self._eligible[key] = res.failed_rule_ids
        return self._eligible[key]

    def feasible(self, group: Group) -> bool:
        """A group may be formed: one nation always; two or more if every rule allows it."""
        if len(group) == 1:
            return True
        if not self.hereditary_ok(group):
            return False
        return not self.problem.safe_financed or not self.failed_rules(group)

    # -- cost
    def member_costs(self, group: Group) -> tuple[int, ...]:
        if group not in self._cost:
            q = sum(self.demands[i].quantity for i in group)
            self._cost[group] = tuple(
                member_cost_cents(self.demands[i].alone_cents, self.demands[i].quantity, q, self.b)
                for i in group
            )
        return self._cost[group]

    def savings(self, group: Group) -> int:
        return sum(self.demands[i].alone_cents for i in group) - sum(self.member_costs(group))

    def plan_savings(self, groups: Iterable[Group]) -> int:
        return sum(self.savings(g) for g in groups if len(g) > 1)

    def procurement(self, group: Group) -> JointProcurement:
        costs = self.member_costs(group)
        members = tuple(
            MemberShare(
                nation=self.demands[i].nation,
                need_ids=self.demands[i].need_ids,
                quantity=self.demands[i].quantity,
                alone_cents=self.demands[i].alone_cents,
                cost_cents=c,
            )
            for i, c in zip(group, costs, strict=True)
        )
        failed = self.failed_rules(group)
        return JointProcurement(
            item=self.demands[0].item,
            area=self.demands[0].area,
            members=members,
            safe_eligible=not failed,
            failed_rules=failed,
            lead_nation=self._proposed_lead(group),
        )

    def _proposed_lead(self, group: Group) -> str:
        """The SAFE borrower with the largest cost alone (else the largest member), by code."""

        def borrower(i: int) -> bool:
            p = self.participant[self.demands[i].nation]
            return p.borrows_under_safe and p.status is Status.MEMBER_STATE

        pool = [i for i in group if borrower(i)] or list(group)
        lead = min(pool, key=lambda i: (-self.demands[i].alone_cents, self.demands[i].nation))
        return self.demands[lead].nation


def _complete(model: _ItemModel, groups: Iterable[Group]) -> list[Group]:
    """The chosen groups plus a singleton for every demand not in one, sorted."""
    chosen = [tuple(sorted(g)) for g in groups if len(g) > 1]
    covered = {i for g in chosen for i in g}
    chosen += [(i,) for i in range(model.m) if i not in covered]
    return sorted(chosen)


def _plan(
    method: str,
    parts: list[tuple[_ItemModel, list[Group]]],
    exact: bool,
    t0: float,
    bound_cents: int | None = None,
) -> AggregationPlan:
    procurements = tuple(m.procurement(g) for m, groups in parts for g in groups)
    return AggregationPlan(method, procurements, exact, time.perf_counter() - t0, bound_cents)


# ---------------------------------------------------------------------------- baselines
def national_only(problem: AggregationProblem) -> AggregationPlan:
    """Every nation buys each item alone."""
    t0 = time.perf_counter()
    parts = []
    for demands in _consolidate(problem).values():
        model = _ItemModel(problem, demands)
        parts.append((model, _complete(model, [])))
    return _plan("national", parts, True, t0)


def _greedy_groups(model: _ItemModel) -> list[Group]:
    """Seed with the largest unassigned demand, add the partner that saves most, repeat."""
    order = sorted(range(model.m), key=lambda i: (-model.demands[i].alone_cents, i))
    free = set(range(model.m))
    groups: list[Group] = []
    for seed in order:
        if seed not in free:
            continue
        free.discard(seed)
        group: Group = (seed,)
        while len(group) < model.problem.max_participants:
            best, best_s = None, -1
            for j in sorted(free):
                if not model.can_add(group, j):
                    continue
                g = tuple(sorted((*group, j)))
                # while still alone, only a partner that makes an eligible group will do;
                # once eligible, adding members keeps the rules satisfied
                if not model.feasible(g):
                    continue
                s = model.savings(g)
                if s > best_s:
                    best, best_s = j, s
            if best is None or best_s <= (model.savings(group) if len(group) > 1 else 0):
                break
            group = tuple(sorted((*group, best)))
            free.discard(best)
        groups.append(group)
    return _complete(model, groups)


def greedy(problem: AggregationProblem) -> AggregationPlan:
    """The greedy grouping baseline (largest demand first, best partner next)."""
    t0 = time.perf_counter()
    parts = []
    for demands in _consolidate(problem).values():
        model = _ItemModel(problem, demands)
        parts.append((model, _greedy_groups(model)))
    return _plan("greedy", parts, False, t0)


# ---------------------------------------------------------------------------- local search
def _local_search(model: _ItemModel, groups: list[Group], rounds: int) -> list[Group]:
    """Improve a partition by moving one demand, swapping two, or merging two groups."""
    groups = [tuple(sorted(g)) for g in groups]

    def val(g: Group) -> int:
        return model.savings(g) if len(g) > 1 else 0

    def ok(g: Group) -> bool:
        return len(g) <= 1 or model.feasible(g)

    for _ in range(rounds):
        improved = False
        # merges
        for a in range(len(groups)):
            for c in range(a + 1, len(groups)):
                g = tuple(sorted(groups[a] + groups[c]))
                if ok(g) and val(g) > val(groups[a]) + val(groups[c]):
                    groups[a], groups[c] = g, ()
                    improved = True
        groups = [g for g in groups if g]
        # moves and swaps
        for a in range(len(groups)):
            for c in range(len(groups)):
                if a == c or not groups[a] or not groups[c]:
                    continue
                ga, gc = groups[a], groups[c]
                base = val(ga) + val(gc)
                for i in ga:
                    na = tuple(x for x in ga if x != i)
                    nc = tuple(sorted((*gc, i)))
                    if ok(na) and ok(nc) and val(na) + val(nc) > base:
                        groups[a], groups[c] = na, nc
                        improved = True
                        break
                    for j in gc:
                        sa = tuple(sorted((*na, j)))
                        sc = tuple(sorted(x if x != j else i for x in gc))
                        if ok(sa) and ok(sc) and val(sa) + val(sc) > base:
                            groups[a], groups[c] = sa, sc
                            improved = True
                            break
                    else:
                        continue
                    break
        groups = [g for g in groups if g]
        if not improved:
            break
    return _complete(model, groups)


# ---------------------------------------------------------------------------- columns
class _TooMany(Exception):
    pass


def _enumerate_groups(model: _ItemModel, limit: int, deadline: float) -> list[Group]:
    """Every feasible group of two or more with positive savings.

    Grows groups in index order, keeping only partners compatible with every member (a bit
    mask) and within the delivery spread, so each candidate satisfies the hereditary
    constraints by construction; the SAFE rules are checked on each. Raises _TooMany past
    `limit` candidates or the deadline.
    """
    out: list[Group] = []
    seen = 0
    k_max = model.problem.max_participants
    spread = model.problem.max_delivery_spread_years
    # unknown years never limit the spread: (lo, hi) of an empty set is (+big, −big)
    big = 10**9
    lows = [big if d.delivery_year is None else d.delivery_year for d in model.demands]
    highs = [-big if d.delivery_year is None else d.delivery_year for d in model.demands]
    safe = model.problem.safe_financed

    def grow(group: Group, candidates: int, lo: int, hi: int) -> None:
        nonlocal seen
        while candidates:
            low_bit = candidates & -candidates
            j = low_bit.bit_length() - 1
            candidates ^= low_bit
            y_lo, y_hi = min(lo, lows[j]), max(hi, highs[j])
            if spread is not None and y_hi - y_lo > spread:
                continue
            g = (*group, j)
            seen += 1
            if seen > limit or (seen % 4096 == 0 and time.perf_counter() > deadline):
                raise _TooMany
            if (not safe or not model.failed_rules(g)) and model.savings(g) > 0:
                out.append(g)
            if len(g) < k_max:
                grow(g, candidates & model.partners[j], y_lo, y_hi)

    if k_max >= 2:
        for i in range(model.m):
            later = model.partners[i] >> (i + 1) << (i + 1)
            grow((i,), later, lows[i], highs[i])
    return out


def _price_columns(model: _ItemModel, duals: Sequence[float], tol: float) -> list[Group]:
    """Heuristic pricing: from each seed grow the group with the best reduced savings.

    Reduced savings of G = savings(G) − Σ_{i∈G} π_i with π the LP duals of the cover rows.
    """
    found: set[Group] = set()
    for seed in range(model.m):
        if not model.joinable[seed]:
            continue
        group: Group = (seed,)
        while len(group) < model.problem.max_participants:
            best, best_r = None, -math.inf
            for j in range(model.m):
                if j in group or not model.can_add(group, j):
                    continue
                g = tuple(sorted((*group, j)))
                r = model.savings(g) - sum(duals[i] for i in g)
                if len(group) == 1 and not model.feasible(g):
                    continue
                if r > best_r:
                    best, best_r = g, r
            if best is None:
                break
            group = best
            if model.feasible(group) and best_r > tol:
                found.add(group)
    return sorted(found)


# ---------------------------------------------------------------------------- MILP
def _add_columns_with_savings(lp: highspy.HighsLp, model: _ItemModel, columns: list[Group]) -> None:
    """One variable x_G ∈ [0, 1] per candidate group, costing −savings(G) (we minimise)."""
    n = len(columns)
    lp.num_col_ = n
    lp.col_cost_ = np.array([-float(model.savings(g)) for g in columns])
    lp.col_lower_ = np.zeros(n)
    lp.col_upper_ = np.ones(n)


def _each_demand_in_at_most_one_group(
    lp: highspy.HighsLp, model: _ItemModel, columns: list[Group]
) -> None:
    """Σ_{G ∋ n} x_G ≤ 1 for every demand n; a demand in no chosen group buys alone."""
    lp.num_row_ = model.m
    lp.row_lower_ = np.full(model.m, -highspy.kHighsInf)
    lp.row_upper_ = np.ones(model.m)
    starts = np.zeros(len(columns) + 1, dtype=np.int32)
    starts[1:] = np.cumsum([len(g) for g in columns])
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = starts
    lp.a_matrix_.index_ = np.array([i for g in columns for i in g], dtype=np.int32)
    lp.a_matrix_.value_ = np.ones(int(starts[-1]))


def _solver(settings: SolverSettings, time_limit: float) -> highspy.Highs:
    """A HiGHS instance with the run's parameters, solving to proven optimality."""
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", max(0.1, time_limit))
    h.setOptionValue("threads", settings.threads)
    h.setOptionValue("random_seed", settings.seed)
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("mip_abs_gap", 0.5)  # objective is in cents: half a cent is exact
    # MIP presolve spends long on the clique structure of wide set-packing models; off, the
    # root LP is usually integral already (measured: 15 s -> 1.2 s on 17,692 columns)
    h.setOptionValue("presolve", "off")
    return h


def _warm_start(h: highspy.Highs, columns: list[Group], start: list[Group]) -> None:
    """Hand the solver a feasible packing (the greedy groups) as its first incumbent."""
    index = {g: k for k, g in enumerate(columns)}
    x0 = [0.0] * len(columns)
    for g in start:
        if g in index:
            x0[index[g]] = 1.0
    sol = highspy.HighsSolution()
    sol.col_value = x0
    h.setSolution(sol)


def _solve_master(
    model: _ItemModel,
    columns: list[Group],
    *,
    integer: bool,
    settings: SolverSettings,
    time_limit: float,
    start: list[Group] | None = None,
    presolve: bool = False,
) -> tuple[list[float], list[float], bool]:
    """Set packing over `columns`: maximise Σ savings · x, each demand in at most one group.

    Returns (column values, row duals π ≥ 0 of the LP relaxation, proven optimal).
    """
    lp = highspy.HighsLp()
    _add_columns_with_savings(lp, model, columns)
    _each_demand_in_at_most_one_group(lp, model, columns)
    if integer:
        lp.integrality_ = [highspy.HighsVarType.kInteger] * len(columns)
    h = _solver(settings, time_limit)
    if presolve:
        h.setOptionValue("presolve", "on")
    h.passModel(lp)
    if integer and start:
        _warm_start(h, columns, start)
    h.run()
    solution = h.getSolution()
    values = list(solution.col_value) if solution.value_valid else [0.0] * len(columns)
    duals = [max(0.0, -y) for y in solution.row_dual] if solution.dual_valid else []
    return values, duals, h.getModelStatus() == highspy.HighsModelStatus.kOptimal


# ---------------------------------------------------------------------------- exact pricing
@dataclass(frozen=True)
class _Columns:
    """Every feasible group of an item with positive savings, as arrays.

    `members[k]` holds group k's demand indices in ascending order, padded with m (an index
    past the demands, whose dual is always 0); `savings[k]` its savings in cents (integer
    valued floats, the same float64 operations as `member_cost_cents`).
    """

    members: np.ndarray  # (N, K) int64
    size: np.ndarray  # (N,) int64
    savings: np.ndarray  # (N,) float64

    def reduced(self, pi: np.ndarray) -> np.ndarray:
        """savings(G) − Σ_{n∈G} π_n for every column (π has a 0 appended for the padding)."""
        out = self.savings.copy()
        for position in self.by_position:
            out -= pi[position]
        return out

    @property
    def by_position(self) -> np.ndarray:
        """members transposed and contiguous: K gathers of N beat one N × K gather + sum."""
        if "_by_position" not in self.__dict__:
            object.__setattr__(self, "_by_position", np.ascontiguousarray(self.members.T))
        return self.__dict__["_by_position"]

    def __len__(self) -> int:
        return len(self.savings)

    def subset(self, rows: np.ndarray) -> _Columns:
        return _Columns(self.members[rows], self.size[rows], self.savings[rows])

    def group(self, k: int) -> Group:
        return tuple(int(i) for i in self.members[k, : self.size[k]])

    def index(self, group: Group) -> int | None:
        """Row of `group` (sorted), or None if it is not a column."""
        k = len(group)
        if k > self.members.shape[1]:
            return None
        hits = np.flatnonzero(
            (self.size == k) & (self.members[:, :k] == np.asarray(group)).all(axis=1)
        )
        return int(hits[0]) if hits.size else None


def _enumerate_columns(model: _ItemModel, limit: int, deadline: float) -> _Columns:
    """Every feasible group of two or more with positive savings, vectorised with numpy.

    Groups grow one member at a time in index order (level k holds all groups of k members
    that satisfy the hereditary constraints: joinable nations, no excluded pair, delivery
    spread); a group's candidates are the later demands compatible with every member, a
    boolean row. Savings come from the cost curve on whole arrays, and the SAFE participant
    rules (not hereditary) are evaluated once per distinct multiset of members' standings.
    Raises _TooMany past `limit` candidate groups or the deadline.
    """
    m = model.m
    k_max = min(model.problem.max_participants, m)
    empty = _Columns(
        np.zeros((0, max(k_max, 1)), dtype=np.int64),
        np.zeros(0, dtype=np.int64),
        np.zeros(0),
    )
    if k_max < 2:
        return empty
    idx = np.arange(m)
    partners = np.array(
        [[(model.partners[i] >> j) & 1 for j in range(m)] for i in range(m)], dtype=bool
    )
    later = partners & (idx[None, :] > idx[:, None])
    spread = model.problem.max_delivery_spread_years
    big = 10**9  # unknown years never limit the spread: (lo, hi) of none is (+big, −big)
    lows = np.array([big if d.delivery_year is None else d.delivery_year for d in model.demands])
    highs = np.array([-big if d.delivery_year is None else d.delivery_year for d in model.demands])
    qty = np.array([d.quantity for d in model.demands], dtype=np.float64)
    alone = np.array([d.alone_cents for d in model.demands], dtype=np.float64)
    kinds = {s: k for k, s in enumerate(sorted(set(model.signature), key=repr))}
    kind = np.array([kinds[s] for s in model.signature], dtype=np.int64)

    members = idx[:, None]
    cand = later
    lo, hi = lows, highs
    blocks: list[tuple[np.ndarray, np.ndarray]] = []
    seen = 0
    for _ in range(2, k_max + 1):
        r, j = np.nonzero(cand)
        if spread is not None:
            nlo, nhi = np.minimum(lo[r], lows[j]), np.maximum(hi[r], highs[j])
            keep = nhi - nlo <= spread
            r, j, lo, hi = r[keep], j[keep], nlo[keep], nhi[keep]
        if not r.size:
            break
        seen += r.size
        if seen > limit or time.perf_counter() > deadline:
            raise _TooMany
        members = np.column_stack((members[r], j))
        cand = cand[r] & later[j]
        savings = _savings_of(members, qty, alone, model.b)
        ok = savings > 0
        if model.problem.safe_financed:
            ok &= _rules_pass(model, members, kind)
        blocks.append((members[ok], savings[ok]))

    n = sum(len(s) for _, s in blocks)
    if not n:
        return empty
    out = np.full((n, k_max), m, dtype=np.int64)
    size = np.empty(n, dtype=np.int64)
    at = 0
    for mem, s in blocks:
        out[at : at + len(s), : mem.shape[1]] = mem
        size[at : at + len(s)] = mem.shape[1]
        at += len(s)
    return _Columns(out, size, np.concatenate([s for _, s in blocks]))


def _savings_of(members: np.ndarray, qty: np.ndarray, alone: np.ndarray, b: float) -> np.ndarray:
    """savings(G) for each row, member by member as in `member_cost_cents`."""
    if b == 0:
        return np.zeros(len(members))
    q, a = qty[members], alone[members]
    total = q.sum(axis=1, keepdims=True)
    cost = np.minimum(a, np.rint(a * np.power(total / q, b)))
    return (a - cost).sum(axis=1)


def _rules_pass(model: _ItemModel, members: np.ndarray, kind: np.ndarray) -> np.ndarray:
    """Whether each row passes the SAFE participant rules (checked once per standing mix)."""
    kinds = int(kind.max(initial=0)) + 1
    base = members.shape[1] + 1  # counts of each standing in base k+1: one number per mix
    if kinds * math.log2(base) < 62:
        mix = (base ** kind.astype(np.int64))[members].sum(axis=1)
        _, first, inverse = np.unique(mix, return_index=True, return_inverse=True)
    else:
        mix = np.sort(kind[members], axis=1)
        _, first, inverse = np.unique(mix, axis=0, return_index=True, return_inverse=True)
    passed = np.array([not model.failed_rules(tuple(members[k])) for k in first], dtype=bool)
    return passed[inverse.reshape(-1)]


class _Master:
    """The LP relaxation of set packing over a growing pool of columns (HiGHS, warm)."""

    def __init__(self, m: int, settings: SolverSettings, scale: float) -> None:
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("threads", settings.threads)
        h.setOptionValue("random_seed", settings.seed)
        h.setOptionValue("presolve", "off")
        no_index = np.zeros(0, dtype=np.int32)
        h.addRows(m, np.full(m, -highspy.kHighsInf), np.ones(m), 0, no_index, no_index, [])
        h.changeObjectiveSense(highspy.ObjSense.kMaximize)
        self.h = h
        self.m = m
        self.rows: list[np.ndarray] = []  # the columns' rows in the order added
        self.settings = settings
        # objective in units of the largest savings: cents up to 1e10 upset the simplex
        self.scale = max(scale, 1.0)

    def add(self, cols: _Columns, rows: np.ndarray) -> None:
        """Add columns; x_G ≤ 1 is left implied by the rows so the row duals price alone."""
        if not rows.size:
            return
        self.rows.append(rows)
        mem = cols.members[rows]
        mask = mem < self.m
        starts = np.zeros(len(rows), dtype=np.int32)
        starts[1:] = np.cumsum(mask.sum(axis=1))[:-1]
        index = mem[mask].astype(np.int32)
        n = len(rows)
        self.h.addCols(
            n,
            cols.savings[rows] / self.scale,
            np.zeros(n),
            np.full(n, highspy.kHighsInf),
            len(index),
            starts,
            index,
            np.ones(len(index)),
        )

    def solve(self, time_limit: float) -> tuple[float, np.ndarray] | None:
        """(LP value, row duals π ≥ 0), or None if the LP was not solved to optimality."""
        self.h.setOptionValue("time_limit", max(0.05, time_limit))
        if not self.rows:  # no column yet: x = 0, π = 0
            return 0.0, np.zeros(self.m)
        self.h.run()
        if self.h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            # a warm start gone wrong (rare): solve once more from scratch
            self.h.clearSolver()
            self.h.run()
            if self.h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
                return None
        duals = np.asarray(self.h.getSolution().row_dual, dtype=np.float64)
        value = self.h.getInfo().objective_function_value * self.scale
        return value, np.maximum(0.0, duals) * self.scale

    def support(self) -> np.ndarray:
        """Rows of the columns with x > 0 in the last LP solution, largest x first."""
        if not self.rows:
            return np.zeros(0, dtype=np.int64)
        x = np.asarray(self.h.getSolution().col_value)
        order = np.argsort(-x, kind="stable")
        return np.concatenate(self.rows)[order[x[order] > 1e-6]]


@dataclass
class _Priced:
    """The outcome of column generation on one item."""

    pool: np.ndarray  # rows of the columns in the master
    bound: float  # a valid upper bound on the item's savings (cents)
    reduced: np.ndarray  # reduced savings of every column under the duals of `bound`
    lp_value: float
    rounds: int
    support: np.ndarray | None = None  # rows with x > 0 in the last LP, largest x first


def _column_generation(
    model: _ItemModel,
    cols: _Columns,
    start: list[int],
    settings: SolverSettings,
    deadline: float,
) -> _Priced:
    """Column generation on the set-packing LP with exact pricing over every column.

    Each round solves the restricted LP, takes its row duals π and prices *all* feasible
    groups at once: rc(G) = savings(G) − Σ_{n∈G} π_n. For any π ≥ 0 and any packing x,
    Σ savings·x = Σ_G rc(G)·x_G + Σ_n π_n·(Σ_{G∋n} x_G) ≤ Σ_n π_n + P·max(0, max_G rc(G)),
    with P = ⌊joinable demands / 2⌋ the most groups an integer packing can hold (Farley's
    bound), so every round gives a valid upper bound on the optimum; at max rc ≤ 0 it is at
    most the LP optimum (below it when the LP packs more than P fractional groups). `margin`
    cents per member cover a possible one-cent rounding difference of the array arithmetic.
    Stops when the bound is within `settings.pricing_gap` of the LP value, or at the
    deadline; the best bound and the reduced savings that prove it are returned.
    """
    n = len(cols)
    in_pool = np.zeros(n, dtype=bool)
    first = np.array(sorted(set(start)), dtype=np.int64)
    master = _Master(model.m, settings, float(cols.savings.max(initial=1.0)))
    master.add(cols, first)
    in_pool[first] = True
    packs = sum(model.joinable) // 2
    margin = float(cols.members.shape[1])
    pi = np.zeros(model.m + 1)
    best: _Priced | None = None
    batch = max(settings.pricing_batch, model.m)
    rounds = 0
    while True:
        rounds += 1
        solved = master.solve(deadline - time.perf_counter())
        if solved is None:
            break
        lp_value, duals = solved
        pi[: model.m] = duals
        reduced = cols.reduced(pi)
        top = float(reduced.max()) if n else 0.0
        bound = float(duals.sum()) + packs * max(0.0, top + margin)
        if best is None or bound < best.bound:
            best = _Priced(first, bound, reduced, lp_value, rounds)
        best.lp_value, best.rounds = max(best.lp_value, lp_value), rounds
        if best.bound - lp_value <= settings.pricing_gap * best.bound + margin * packs:
            break
        if time.perf_counter() > deadline or rounds >= settings.pricing_rounds:
            break
        new = _entering(cols, reduced, in_pool, batch, model.m)
        if not new.size:
            break
        master.add(cols, new)
        in_pool[new] = True
    if best is None:  # not one LP solved: the trivial bound, every column at π = 0
        reduced = cols.savings.copy()
        best = _Priced(first, packs * (float(reduced.max(initial=0)) + margin), reduced, 0.0, 0)
    best.pool = np.flatnonzero(in_pool)
    if best.rounds:
        best.support = master.support()
    return best


def _entering(
    cols: _Columns, reduced: np.ndarray, in_pool: np.ndarray, batch: int, m: int
) -> np.ndarray:
    """Columns to add: the best `batch` by reduced savings and, for each demand, the best
    column holding it among the best 4 × batch (a diverse set saves rounds)."""
    positive = np.flatnonzero(reduced > 0.5)
    positive = positive[~in_pool[positive]]
    if positive.size > 4 * batch:
        positive = positive[np.argpartition(-reduced[positive], 4 * batch - 1)[: 4 * batch]]
    if not positive.size:
        return positive
    order = positive[np.argsort(-reduced[positive], kind="stable")]
    mem = cols.members[order]
    first = np.unique(np.where(mem < m, mem, -1).ravel(), return_index=True)[1]
    return np.union1d(order[:batch], order[first // mem.shape[1]])


def _pack(
    model: _ItemModel,
    cols: _Columns,
    rows: np.ndarray,
    start: list[Group],
    settings: SolverSettings,
    time_limit: float,
) -> tuple[list[Group], bool]:
    """The set-packing MILP over the columns `rows`: (groups, proven optimal over them).

    Savings come from the arrays, except with `exact` (the plan is re-costed exactly in any
    case); presolve is on, which pays on pools of hundreds of columns (measured 0.6-0.9 s ->
    0.1-0.35 s on the slowest items).
    """
    rows = np.unique(rows)
    mem = cols.members[rows]
    mask = mem < model.m
    n = len(rows)
    lp = highspy.HighsLp()
    lp.num_col_ = n
    lp.col_cost_ = -cols.savings[rows]
    lp.col_lower_ = np.zeros(n)
    lp.col_upper_ = np.ones(n)
    lp.num_row_ = model.m
    lp.row_lower_ = np.full(model.m, -highspy.kHighsInf)
    lp.row_upper_ = np.ones(model.m)
    starts = np.zeros(n + 1, dtype=np.int32)
    starts[1:] = np.cumsum(mask.sum(axis=1))
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = starts
    lp.a_matrix_.index_ = mem[mask].astype(np.int32)
    lp.a_matrix_.value_ = np.ones(int(starts[-1]))
    lp.integrality_ = [highspy.HighsVarType.kInteger] * n
    h = _solver(settings, time_limit)
    h.setOptionValue("presolve", "on")
    h.passModel(lp)
    x0 = np.zeros(n)
    for g in start:
        k = cols.index(g)
        if k is not None and (at := int(np.searchsorted(rows, k))) < n and rows[at] == k:
            x0[at] = 1.0
    if x0.any():
        sol = highspy.HighsSolution()
        sol.col_value = x0
        h.setSolution(sol)
    h.run()
    solution = h.getSolution()
    if not solution.value_valid:
        return [], False
    x = np.asarray(solution.col_value)
    picked = [cols.group(int(rows[k])) for k in np.flatnonzero(x > 0.5)]
    if sum(len(g) for g in picked) != len({i for g in picked for i in g}):
        return [], False
    return _complete(model, picked), h.getModelStatus() == highspy.HighsModelStatus.kOptimal


@dataclass
class _Item:
    """One item's best partition so far, and what is kept to improve it or prove it."""

    model: _ItemModel
    greedy: list[Group]
    groups: list[Group]
    value: int  # exact savings of `groups`, cents
    bound: float | None = None  # valid upper bound on the item's savings, cents
    proven: bool = False
    pool: _Columns | None = None  # the columns generated for the LP
    #: the columns that may improve on `value` by reduced-cost fixing, with their reduced
    #: savings, and the bound they were fixed against (None: too many to keep)
    fixing: tuple[_Columns, np.ndarray, float] | None = None

    def offer(self, groups: list[Group], *, optimal: bool = False) -> None:
        """Keep `groups` if they save more; `optimal`: they are optimal for the item."""
        if sum(map(len, groups)) != len({i for g in groups for i in g}):
            raise AssertionError("groups overlap")  # a bug: never report such a plan
        if groups:
            value = self.model.plan_savings(groups)
            if value > self.value:
                self.groups, self.value = groups, value
        if optimal:
            self.bound, self.proven = float(self.value), True
        if self.proven or (self.bound is not None and self.value >= self.bound - 0.5):
            self.proven, self.pool, self.fixing = True, None, None  # nothing better exists

    @property
    def gap(self) -> float:
        return math.inf if self.bound is None else max(0.0, self.bound - self.value)

    @property
    def slack(self) -> float:
        """The cents of rounding slack in a priced bound (K per group of a packing)."""
        k = min(self.model.problem.max_participants, self.model.m)
        return k * (sum(self.model.joinable) // 2) + 1.0


def _simple_bound(model: _ItemModel) -> float:
    """A weak bound that needs no enumeration: each joinable member saves at most what it
    would in a group with its largest compatible partners, A_n·(1 − (Q_max/q_n)^b), plus
    the half cent of rounding; used when the item could not be priced exactly in time."""
    k = model.problem.max_participants
    if k < 2 or model.b == 0:
        return 0.0
    total = 0.0
    for n, d in enumerate(model.demands):
        partners = sorted(
            (model.demands[j].quantity for j in range(model.m) if model.partners[n] >> j & 1),
            reverse=True,
        )
        if not partners:
            continue
        q_max = d.quantity + sum(partners[: k - 1])
        total += d.alone_cents * (1 - (q_max / d.quantity) ** model.b) + 0.5
    return total


def _fill(cols: _Columns, taken: set[int], m: int) -> list[Group]:
    """Groups of demands left out of a packing: the column with the most savings among
    those of free demands only, repeatedly."""
    free = np.ones(m + 1, dtype=bool)
    free[list(taken)] = False
    rows = np.flatnonzero(free[cols.members].all(axis=1))
    out: list[Group] = []
    while rows.size:
        best = int(rows[np.argmax(cols.savings[rows])])
        g = cols.group(best)
        out.append(g)
        free[list(g)] = False
        free[m] = True
        rows = rows[free[cols.members[rows]].all(axis=1)]
    return out


def _first_pass(model: _ItemModel, settings: SolverSettings, deadline: float) -> _Item:
    """Greedy; all feasible groups; the MILP over them when few, else column generation
    with exact pricing (the item's bound) and a rounding of its LP solution."""
    greedy_groups = _greedy_groups(model)
    item = _Item(model, greedy_groups, greedy_groups, model.plan_savings(greedy_groups))
    item.bound = max(_simple_bound(model), float(item.value))
    if time.perf_counter() > deadline:
        return item
    try:
        cols = _enumerate_columns(model, settings.max_columns, deadline)
    except _TooMany:
        item.offer(_optimise_item_heuristic(model, greedy_groups, settings, deadline))
        return item
    if not len(cols):
        item.offer([], optimal=True)  # no feasible group saves anything: all buy alone
        return item
    if len(cols) <= settings.full_milp_columns:
        columns = [cols.group(k) for k in range(len(cols))]
        values, _, optimal = _solve_master(
            model,
            columns,
            integer=True,
            settings=settings,
            time_limit=deadline - time.perf_counter(),
            start=[g for g in greedy_groups if len(g) > 1],
        )
        picked = [g for g, v in zip(columns, values, strict=True) if v > 0.5]
        if sum(len(g) for g in picked) == len({i for g in picked for i in g}):
            item.offer(_complete(model, picked), optimal=optimal)
        if item.proven:
            return item
    start = [k for g in greedy_groups if len(g) > 1 and (k := cols.index(g)) is not None]
    priced = _column_generation(model, cols, start, settings, deadline)
    item.bound = max(min(priced.bound, item.bound), float(item.value))
    if priced.support is not None:  # round the LP: largest x first, keep if disjoint
        taken: set[int] = set()
        rounded = []
        for k in priced.support:
            g = cols.group(int(k))
            if taken.isdisjoint(g):
                rounded.append(g)
                taken.update(g)
        item.offer(_complete(model, rounded + _fill(cols, taken, model.m)))
    item.offer([])
    if item.proven:
        return item
    item.pool = cols.subset(priced.pool)
    # reduced-cost fixing: a packing using a column with rc(G) < best − bound is worth less
    # than the best known (Farley's inequality with that column), so the columns with
    # rc(G) ≥ best − bound hold every better packing (K cents of slack for the arithmetic)
    rows = np.flatnonzero(priced.reduced + cols.members.shape[1] >= item.value - priced.bound)
    if rows.size <= settings.max_milp_columns:
        item.fixing = (cols.subset(rows), priced.reduced[rows], priced.bound)
    return item


def _pool_pass(item: _Item, settings: SolverSettings, deadline: float) -> None:
    """The MILP over the columns generated for the item."""
    if item.proven or item.pool is None:
        return
    groups, _ = _pack(
        item.model,
        item.pool,
        np.arange(len(item.pool)),
        [g for g in item.groups if len(g) > 1],
        settings,
        deadline - time.perf_counter(),
    )
    item.offer(groups)
    item.pool = None


def _proof_pass(item: _Item, settings: SolverSettings, deadline: float) -> None:
    """The MILP over the reduced-cost-fixed columns (savings recomputed exactly): optimal."""
    if item.proven or item.fixing is None:
        return
    cols, reduced, bound = item.fixing
    margin = cols.members.shape[1]
    keep = np.flatnonzero(reduced + margin >= item.value - bound)
    columns = sorted({cols.group(int(k)) for k in keep})
    item.fixing = None
    if not columns:
        item.offer([], optimal=True)
        return
    values, _, optimal = _solve_master(
        item.model,
        columns,
        integer=True,
        settings=settings,
        time_limit=deadline - time.perf_counter(),
        start=[g for g in item.groups if len(g) > 1],
        presolve=True,
    )
    picked = [g for g, v in zip(columns, values, strict=True) if v > 0.5]
    if sum(len(g) for g in picked) == len({i for g in picked for i in g}):
        item.offer(_complete(item.model, picked), optimal=optimal)


def _within_target(items: list[_Item], settings: SolverSettings) -> bool:
    """Whether the plan is within `settings.gap_target` of its bound (all items bounded)."""
    if any(i.bound is None for i in items):
        return False
    bound = sum(i.bound for i in items)
    return bound - sum(i.value for i in items) <= settings.gap_target * bound


def _optimise_item_heuristic(
    model: _ItemModel, greedy_groups: list[Group], settings: SolverSettings, deadline: float
) -> list[Group]:
    """Too many feasible groups to enumerate: heuristic columns, MILP, local search."""
    columns = sorted(set(_generate_columns(model, greedy_groups, settings, deadline)))
    if not columns:
        return greedy_groups
    values, _, _ = _solve_master(
        model,
        columns,
        integer=True,
        settings=settings,
        time_limit=deadline - time.perf_counter(),
        start=[g for g in greedy_groups if len(g) > 1],
    )
    picked = [g for g, v in zip(columns, values, strict=True) if v > 0.5]
    if sum(len(g) for g in picked) != len({i for g in picked for i in g}):
        picked = []  # no valid incumbent (time limit): start from greedy
    chosen = _local_search(
        model, _complete(model, picked or greedy_groups), settings.local_search_rounds
    )
    if model.plan_savings(greedy_groups) > model.plan_savings(chosen):
        return greedy_groups
    return chosen


def _generate_columns(
    model: _ItemModel, greedy_groups: list[Group], settings: SolverSettings, deadline: float
) -> list[Group]:
    """Column pool for a large item: pairs, greedy and local-search groups, priced columns."""
    pool: set[Group] = set()
    for i in range(model.m):
        for j in range(i + 1, model.m):
            g = (i, j)
            if model.feasible(g) and model.savings(g) > 0:
                pool.add(g)
    pool.update(g for g in greedy_groups if len(g) > 1)
    improved = _local_search(model, greedy_groups, settings.local_search_rounds)
    pool.update(g for g in improved if len(g) > 1)
    tol = 0.5  # cents
    for _ in range(settings.pricing_rounds):
        if time.perf_counter() > deadline or not pool:
            break
        cols = sorted(pool)
        _, duals, _ = _solve_master(
            model,
            cols,
            integer=False,
            settings=settings,
            time_limit=deadline - time.perf_counter(),
        )
        if not duals:
            break
        new = [g for g in _price_columns(model, duals, tol) if g not in pool]
        if not new:
            break
        pool.update(new)
    return sorted(pool)


# the work of a pool of forked workers: set before forking, read in the children
_WORK: tuple[AggregationProblem, list[list[_Demand]], SolverSettings, float] | None = None


def _first_pass_in_worker(k: int) -> tuple:
    """Pass 1 on item k in a forked worker; returns the item without its model (rebuilt)."""
    assert _WORK is not None
    problem, demands, settings, deadline = _WORK
    item = _first_pass(_ItemModel(problem, demands[k]), settings, deadline)
    return k, item.greedy, item.groups, item.value, item.bound, item.proven, item.pool, item.fixing


def _first_passes(
    problem: AggregationProblem,
    demands: list[list[_Demand]],
    settings: SolverSettings,
    deadline: float,
) -> list[_Item]:
    """Pass 1 on every item: in this process, or in `settings.workers` forked processes."""
    global _WORK
    if settings.workers <= 1 or len(demands) < 2 or "fork" not in get_all_start_methods():
        return [_first_pass(_ItemModel(problem, d), settings, deadline) for d in demands]
    # the largest items first so that the workers finish together
    order = sorted(range(len(demands)), key=lambda k: -len(demands[k]))
    _WORK = (problem, demands, settings, deadline)
    try:
        with get_context("fork").Pool(settings.workers) as pool:
            done = list(pool.imap_unordered(_first_pass_in_worker, order, chunksize=4))
    finally:
        _WORK = None
    items: list[_Item] = [None] * len(demands)  # type: ignore[list-item]
    for k, greedy_groups, groups, value, bound, proven, cols, fixing in done:
        items[k] = _Item(
            _ItemModel(problem, demands[k]),
            greedy_groups,
            groups,
            value,
            bound,
            proven,
            cols,
            fixing,
        )
    return items


def optimize(
    problem: AggregationProblem, settings: SolverSettings | None = None
) -> AggregationPlan:
    """Group demands into joint procurements maximising savings, with a proven bound.

    Items are independent. Three passes over them: (1) greedy, enumeration and column
    generation with exact pricing, giving each item a bound and a rounded LP plan;
    (2) largest gap first, the MILP over each item's generated columns; (3) largest gap
    first, the reduced-cost-fixed MILPs that prove items optimal. Passes 2 and 3 stop once the
    whole plan is within `settings.gap_target` of its bound, or at the time limit. The
    plan's bound is the sum of the items' (an item that had too many groups to price
    exactly, or that the time limit left unpriced, counts with a weak `_simple_bound`).
    """
    settings = settings or SolverSettings()
    t0 = time.perf_counter()
    deadline = t0 + settings.time_limit_s
    items = _first_passes(problem, list(_consolidate(problem).values()), settings, deadline)
    # only items whose gap is more than the bound's rounding slack can gain anything
    for item in sorted(items, key=lambda i: -i.gap):
        if time.perf_counter() > deadline or _within_target(items, settings):
            break
        if item.gap > item.slack:
            _pool_pass(item, settings, deadline)
    for item in sorted(items, key=lambda i: -i.gap):
        if time.perf_counter() > deadline or _within_target(items, settings):
            break
        _proof_pass(item, settings, deadline)
    for item in items:  # never worse than greedy (guards a time-limited or off MILP)
        item.offer(item.greedy)
    plan = _plan(
        "optimizer", [(i.model, i.groups) for i in items], all(i.proven for i in items), t0
    )
    if any(i.bound is None for i in items):
        return plan
    return replace(plan, bound_cents=math.ceil(sum(i.bound for i in items) - 1e-6))


def compare(problem: AggregationProblem, settings: SolverSettings | None = None) -> Comparison:
    """National-only vs greedy vs optimizer on one problem."""
    return Comparison(national_only(problem), greedy(problem), optimize(problem, settings))
