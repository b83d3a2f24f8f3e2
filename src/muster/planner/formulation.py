"""The aggregated planning model, shared by the LP bound, the HiGHS MIP and CP-SAT.

Per candidate placement *i* = (request, site, start week):

* ``y[i]`` trainees (integer), ``x[i]`` classes (integer), ``y[i] <= class_size * x[i]``;
* per instructor group *g* = (category, in Ukraine?, start, duration) and per *pledge class*
  *P* eligible for the whole of g's weeks: ``z[g, P]`` instructors drawn from P, with
  ``sum_i∈g ipc_i * x[i] == sum_P z[g, P]``;
* per pledge class and week: ``sum_g∋w z[g, P] <= instructors per week of P``;
* per site and week: ``100 * trainees present <= capacity * u`` with ``u <= 100`` the peak
  utilisation in percent (this row is also the capacity constraint);
* per request: ``sum_i y[i] <= trainees asked``; per start week: ``sum y <= release``.

Because the classes of one group are interchangeable and every pledge class has the same
availability in each of its weeks, integer x, y, z always decompose into concrete cohorts and
concrete pledges (see ``assign.py``), so the model is exact, not a relaxation.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .index import Candidate, ProblemIndex
from .problem import KM_WEIGHT, SPREAD_WEIGHT, STABILITY_WEIGHT, trainee_value


@dataclass
class Rows:
    """Sparse rows ``lb <= sum(val * col) <= ub`` with a name per row (for explanations)."""

    start: list[int] = field(default_factory=lambda: [0])
    index: list[int] = field(default_factory=list)
    value: list[float] = field(default_factory=list)
    lower: list[float] = field(default_factory=list)
    upper: list[float] = field(default_factory=list)
    names: list[tuple] = field(default_factory=list)

    def add(self, name: tuple, cols: list[int], vals: list[float], lb: float, ub: float) -> int:
        self.index.extend(cols)
        self.value.extend(vals)
        self.start.append(len(self.index))
        self.lower.append(lb)
        self.upper.append(ub)
        self.names.append(name)
        return len(self.names) - 1

    def __len__(self) -> int:
        return len(self.names)


INF = float("inf")


@dataclass
class Fixed:
    """Resources already taken by cohorts outside the model (LNS, pins): row offsets."""

    demand: dict[str, int] = field(default_factory=dict)  # request -> trainees
    site: dict[tuple[str, int], int] = field(default_factory=dict)  # (site, week) -> trainees
    release: dict[int, int] = field(default_factory=dict)  # start week -> trainees
    pledge_class: dict[tuple[int, int], int] = field(default_factory=dict)  # (class, week)


@dataclass
class Formulation:
    """Columns (bounds, integrality, objectives) and rows of the aggregated model."""

    index: ProblemIndex
    candidates: list[Candidate]
    col_lower: list[float] = field(default_factory=list)
    col_upper: list[float] = field(default_factory=list)
    col_integer: list[bool] = field(default_factory=list)
    primary: list[float] = field(default_factory=list)  # priority-weighted trainees
    value: list[int] = field(default_factory=list)  # integer objective units (Score.value)
    col_names: list[tuple] = field(default_factory=list)
    rows: Rows = field(default_factory=Rows)
    y: list[int] = field(default_factory=list)
    x: list[int] = field(default_factory=list)
    z: dict[tuple[int, int], int] = field(default_factory=dict)
    u: int | None = None
    keep: dict[int, int] = field(default_factory=dict)  # candidate -> stability column
    keep_avg: dict[int, float] = field(default_factory=dict)  # candidate -> previous avg size
    relaxed: bool = False
    fixed: Fixed = field(default_factory=Fixed)
    all_rows: bool = False  # keep rows that can never bind (their right-hand side may change)

    def add_col(self, name: tuple, lb: float, ub: float, integer: bool, primary=0.0, value=0):
        self.col_lower.append(lb)
        self.col_upper.append(ub)
        self.col_integer.append(integer)
        self.primary.append(primary)
        self.value.append(value)
        self.col_names.append(name)
        return len(self.col_lower) - 1

    @property
    def num_cols(self) -> int:
        return len(self.col_lower)


def build(
    index: ProblemIndex,
    candidates: list[Candidate] | None = None,
    *,
    spread: bool = True,
    previous_classes: dict[int, tuple[int, int]] | None = None,
    fixed_min: dict[int, tuple[int, int]] | None = None,
    relaxed: bool = False,
    fixed: Fixed | None = None,
    pinned_site: dict[tuple[str, str], tuple[int, int]] | None = None,
    pinned_week: dict[tuple[str, int], tuple[int, int]] | None = None,
    all_rows: bool = False,
) -> Formulation:
    """The model over ``candidates`` (default: all), built in small named steps.

    ``previous_classes`` maps a candidate to the (classes, trainees) the previous plan had there (a
    stability reward); ``fixed_min`` maps a candidate to (classes, trainees) it must keep.
    ``relaxed`` builds the smaller LP form: no class columns, instructors ``ipc/class_size``
    per trainee (the same LP optimum, half the rows). ``fixed`` lowers the right-hand sides
    by what cohorts outside the model already use. ``pinned_site``/``pinned_week`` map
    (request, site) / (request, start week) to the (cohorts, trainees) that must stay there.
    """
    cands = list(index.candidates if candidates is None else candidates)
    f = Formulation(
        index=index, candidates=cands, relaxed=relaxed, fixed=fixed or Fixed(), all_rows=all_rows
    )
    add_placement_columns(f, fixed_min or {})
    add_demand_rows(f)
    if not relaxed:
        add_class_size_rows(f)
        add_remainder_class_cuts(f)
    add_site_capacity_rows(f, spread=spread)
    add_release_rows(f)
    add_instructor_rows(f)
    if pinned_site or pinned_week:
        add_pin_rows(f, pinned_site or {}, pinned_week or {})
    if previous_classes:
        add_stability_columns(f, previous_classes)
    return f


def add_pin_rows(
    f: Formulation,
    pinned_site: dict[tuple[str, str], tuple[int, int]],
    pinned_week: dict[tuple[str, int], tuple[int, int]],
) -> None:
    """Pinned cohorts stay at their site (any week) or in their start week (any site)."""
    at_site: dict[tuple[str, str], list[int]] = {}
    at_week: dict[tuple[str, int], list[int]] = {}
    for k, c in enumerate(f.candidates):
        at_site.setdefault((c.request.id, c.site.id), []).append(k)
        at_week.setdefault((c.request.id, c.start), []).append(k)
    for kind, pins, where in (
        ("pin_site", pinned_site, at_site),
        ("pin_week", pinned_week, at_week),
    ):
        for key, (n, trainees) in sorted(pins.items()):
            ks = where.get(key, [])
            if not ks:
                continue  # not in this (partial) model; validate() reports a lost pin
            f.rows.add((kind, *key), [f.y[k] for k in ks], [1.0] * len(ks), trainees, INF)
            if not f.relaxed:
                f.rows.add((kind + "_classes", *key), [f.x[k] for k in ks], [1.0] * len(ks), n, INF)


def add_placement_columns(f: Formulation, fixed_min: dict[int, tuple[int, int]]) -> None:
    """y (trainees) and x (classes) per candidate; pinned candidates get lower bounds."""
    for k, c in enumerate(f.candidates):
        xl, yl = fixed_min.get(c.index, (0, 0))
        w = c.request.priority
        val = trainee_value(w) - round(c.site.distance_km * KM_WEIGHT)
        f.y.append(f.add_col(("y", k), yl, max(yl, c.max_trainees), True, w, val))
        if not f.relaxed:
            f.x.append(f.add_col(("x", k), xl, max(xl, c.max_classes), True))


def add_demand_rows(f: Formulation) -> None:
    """A request never gets more trainees than it asked for."""
    by_req: dict[str, list[int]] = {}
    for k, c in enumerate(f.candidates):
        by_req.setdefault(c.request.id, []).append(k)
    for rid, ks in by_req.items():
        left = f.index.problem.request(rid).trainees - f.fixed.demand.get(rid, 0)
        f.rows.add(("demand", rid), [f.y[k] for k in ks], [1.0] * len(ks), -INF, max(0, left))


def add_class_size_rows(f: Formulation) -> None:
    """Trainees fit in the classes opened: y <= class_size * x.

    A class never holds more than the request asks or the site takes, so the coefficient is
    min(class size, demand, capacity) — the same integer solutions, a tighter LP.
    """
    for k, c in enumerate(f.candidates):
        size = min(c.course.class_size, c.request.trainees, c.site.capacity)
        f.rows.add(("class", k), [f.y[k], f.x[k]], [1.0, -float(size)], -INF, 0.0)


def add_remainder_class_cuts(f: Formulation) -> None:
    """Valid cut: the last, partly filled class of a request costs a whole class.

    For a request asking D = q * size + r trainees (0 < r < size) with X classes in total,
    every integer solution has Y <= r * X + (size - r) * q (the mixed-integer rounding of
    Y <= size * X, Y <= D). The LP otherwise pays only r/size of a class for the remainder.
    """
    by_req: dict[str, list[int]] = {}
    for k, c in enumerate(f.candidates):
        by_req.setdefault(c.request.id, []).append(k)
    for rid, ks in by_req.items():
        size = f.candidates[ks[0]].course.class_size
        demand = f.index.problem.request(rid).trainees - f.fixed.demand.get(rid, 0)
        if demand <= 0:
            continue
        q, r = divmod(demand, size)
        if r == 0:
            continue
        cols = [f.y[k] for k in ks] + [f.x[k] for k in ks]
        vals = [1.0] * len(ks) + [-float(r)] * len(ks)
        f.rows.add(("remainder", rid), cols, vals, -INF, float((size - r) * q))


def add_site_capacity_rows(f: Formulation, *, spread: bool) -> None:
    """Trainees present at a site in a week stay within capacity (and within u percent)."""
    present: dict[tuple[str, int], list[int]] = {}
    for k, c in enumerate(f.candidates):
        for w in range(c.start, c.end + 1):
            present.setdefault((c.site.id, w), []).append(k)
    if spread:
        u_min = 0
        for (sid, _w), n in f.fixed.site.items():
            cap = f.index.problem.site(sid).capacity
            u_min = max(u_min, -(-100 * n // cap) if cap > 0 else 100)
        f.u = f.add_col(("u",), min(100, u_min), 100, True, 0.0, -SPREAD_WEIGHT)
    for (sid, w), ks in sorted(present.items()):
        cap = f.index.problem.site(sid).capacity
        taken = f.fixed.site.get((sid, w), 0)
        total_max = sum(f.candidates[k].max_trainees for k in ks)
        if total_max + taken <= cap and not spread and not f.all_rows:
            continue
        cols = [f.y[k] for k in ks]
        if spread:
            f.rows.add(
                ("site", sid, w),
                [*cols, f.u],
                [100.0] * len(cols) + [-float(cap)],
                -INF,
                -100.0 * taken,
            )
        else:
            f.rows.add(("site", sid, w), cols, [1.0] * len(cols), -INF, cap - taken)


def add_release_rows(f: Formulation) -> None:
    """No more trainees start in a week than Ukraine can release from the front."""
    if f.index.problem.release_per_week is None:
        return
    by_week: dict[int, list[int]] = {}
    for k, c in enumerate(f.candidates):
        by_week.setdefault(c.start, []).append(k)
    for t, ks in sorted(by_week.items()):
        lim = (f.index.release_limit(t) or 0) - f.fixed.release.get(t, 0)
        f.rows.add(("release", t), [f.y[k] for k in ks], [1.0] * len(ks), -INF, max(0, lim))


def add_instructor_rows(f: Formulation) -> None:
    """Each class has its instructors from eligible pledge classes, within weekly pledges."""
    by_group: dict[int, list[int]] = {}
    for k, c in enumerate(f.candidates):
        if c.course.instructors_per_class > 0:
            by_group.setdefault(c.group, []).append(k)
    per_class_week: dict[tuple[int, int], list[int]] = {}
    for g, ks in sorted(by_group.items()):
        cat, ua, t, d = f.index.groups[g]
        need_max = sum(
            f.candidates[k].course.instructors_per_class * f.candidates[k].max_classes for k in ks
        )
        zcols = []
        for pc in f.index.group_classes(g):
            col = f.add_col(("z", g, pc.index), 0, min(need_max, pc.instructors_per_week), True)
            f.z[(g, pc.index)] = col
            zcols.append(col)
            for w in range(t, t + d):
                per_class_week.setdefault((pc.index, w), []).append(col)
        if f.relaxed:
            cols = [f.y[k] for k in ks] + zcols
            vals = [
                f.candidates[k].course.instructors_per_class / f.candidates[k].course.class_size
                for k in ks
            ]
        else:
            cols = [f.x[k] for k in ks] + zcols
            vals = [float(f.candidates[k].course.instructors_per_class) for k in ks]
        vals += [-1.0] * len(zcols)
        f.rows.add(("group", g), cols, vals, -INF, 0.0)
    classes = {pc.index: pc for pc in f.index.pledge_classes}
    for (p, w), cols in sorted(per_class_week.items()):
        cap = classes[p].instructors_per_week - f.fixed.pledge_class.get((p, w), 0)
        f.rows.add(("pledges", p, w), cols, [1.0] * len(cols), -INF, max(0, cap))


def add_stability_columns(f: Formulation, previous_classes: dict[int, tuple[int, int]]) -> None:
    """Reward classes kept where the previous plan had them.

    keep <= previous classes, keep <= x, and previous trainees * keep <= classes * y: all
    classes count as kept only when the candidate still holds all their trainees, so the
    reward cannot be earned with emptier classes.
    """
    pos = {c.index: k for k, c in enumerate(f.candidates)}
    for ci, (n, trainees) in sorted(previous_classes.items()):
        k = pos.get(ci)
        if k is None or n <= 0:
            continue
        col = f.add_col(("keep", k), 0, n, True, 0.0, STABILITY_WEIGHT)
        f.keep[k] = col
        f.keep_avg[k] = trainees / n
        f.rows.add(("keep_size", k), [col, f.y[k]], [float(trainees), -float(n)], -INF, 0.0)
        if not f.relaxed:
            f.rows.add(("keep", k), [col, f.x[k]], [1.0, -1.0], -INF, 0.0)
