"""Top-level planning: greedy, category dive, LP relaxation, LP diving, then CP-SAT.

Decomposition, in order, each step under the one time budget:

1. greedy plan (the floor: the result is never worse); with a previous plan also the
   minimal-change start (keep every still-valid cohort, then fill);
2. category dive (``_category_dive``): course categories share only sites and releases,
   which are loose, so the LP falls apart into one small LP per category; each is dived
   (below) with the earlier categories' cohorts fixed. Fast and robust on a busy machine;
   above ``LP_FULL_CANDIDATES`` (L) it is the main step and there is no full LP;
3. LP relaxation of the aggregated model with HiGHS (interior point): the upper bound and
   the guide; one-shot LP rounding is offered straight away;
4. LP diving (``rounding.LpDive``): place the whole classes the LP asks for, fix them,
   re-solve from the last basis, repeat; then round partly filled classes up;
5. make-room local search (``repack.py``): add classes of unmet requests by moving (or,
   when worth less, dropping) the cohorts that hold their instructors;
   with time enough (2 s per category and worker after 10 % of the limit of local
   search), the category polish (``polish.py``): each category re-solved by HiGHS on the
   site-merged model with the rest fixed, two categories at once;
6. the exact integer model over a reduced candidate set — all candidates when small,
   otherwise the LP's support plus everything the best plan, the pins and the previous
   plan use — solved by CP-SAT in two lexicographic phases, warm-started from the best plan;
   when even the reduced set is too large, large-neighbourhood search by course category
   (``lns.py``);
7. the solution becomes cohorts with concrete pledges (``assign.py``), is validated, and
   the best valid plan by ``score`` is returned.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable

from .assign import AssignmentError, concretise, solution_cohorts, values_from_plan
from .bound import solve_lp
from .cpsat import CpSatParams, primary_units, solve_cpsat
from .formulation import Formulation, build
from .greedy import greedy_plan
from .index import Candidate, ProblemIndex
from .lns import fixed_offsets, improve
from .pins import PinSet, resolve_pins
from .polish import apply, polish
from .problem import KM_WEIGHT, PRIORITY_SCALE, SPREAD_WEIGHT, Plan, Problem, SolverStats, score
from .repack import repack
from .rounding import lp_dive_plan, lp_guided_plan
from .validate import validate

#: Up to this many candidates the exact model uses all of them (optimal on small instances).
FULL_MODEL_CANDIDATES = 4000
#: Above this many candidates the dive runs category by category (no full LP).
LP_FULL_CANDIDATES = 40_000
#: Share of the time limit for the category dive before the full LP (below LP_FULL_CANDIDATES).
CATEGORY_DIVE_SHARE = 0.3
#: Sites per request (EU and Ukrainian each) in the category dive's LPs; 0: all sites.
CATEGORY_DIVE_SITES = 6
#: Above this many reduced candidates, CP-SAT works category by category (LNS).
EXACT_MAX_CANDIDATES = 15_000
#: The make-room local search (``repack``) runs until this share of the time limit (then
#: CP-SAT on M, the category LNS on L).
REPACK_UNTIL = 0.85
REPACK_UNTIL_L = 0.93
#: The category dive's share of the time limit on L.
CATEGORY_DIVE_UNTIL_L = 0.75
#: When the time limit leaves POLISH_SECONDS per course category and worker (after a
#: make-room local search of POLISH_REPACK_SHARE of the time limit, which converges in
#: about 5 s on M), the category polish (``polish.py``) runs until REPACK_UNTIL: HiGHS
#: needs 2-4 s per category to improve a plan the local search has converged on (M seed
#: 1 at 10 s: +87 weighted trainees with 1 s per category, nothing with 0.5 s).
POLISH_REPACK_SHARE = 0.1
POLISH_SECONDS = 2.0
#: Passes of the make-room local search in deterministic mode (no clock).
REPACK_DETERMINISTIC_PASSES = 6
#: Neutral kicks of the make-room local search in deterministic mode.
REPACK_DETERMINISTIC_KICKS = 200

Progress = Callable[[float, float, float], None]


def solve(
    problem: Problem,
    *,
    time_limit: float = 10.0,
    seed: int = 0,
    workers: int = 2,
    deterministic: bool = False,
    on_progress: Progress | None = None,
    full_model: bool | None = None,
) -> Plan:
    """The best plan found within about ``time_limit`` seconds (never worse than greedy).

    ``deterministic``: one CP-SAT worker, fixed seed and work limits instead of wall-time
    limits, so the same input gives the same plan. ``on_progress(wall_s, objective, bound)``
    is called on every improvement.
    """
    t0 = time.perf_counter()
    # building the last model and turning its solution into cohorts take time after the
    # solver stops: keep 3 % of the budget for that (1.8 s of L's 60 s)
    deadline = t0 + 0.97 * time_limit
    idx = ProblemIndex(problem)
    pins = resolve_pins(problem)
    over_time: list[tuple[float, float]] = []
    state = {"best": None, "method": "greedy", "bound": None}

    def offer(plan: Plan | None, method: str) -> None:
        if plan is None:
            return
        best = state["best"]
        if best is None or score(problem, plan).key() > score(problem, best).key():
            state["best"], state["method"] = plan, method
            obj = score(problem, plan).weighted_trainees
            wall = time.perf_counter() - t0
            over_time.append((wall, obj))
            if on_progress is not None:
                on_progress(wall, obj, state["bound"] if state["bound"] is not None else obj)

    offer(greedy_plan(problem, index=idx), "greedy")
    if problem.previous is not None:
        offer(greedy_plan(problem, index=idx, keep_previous=True), "keep-previous")
    status = "FEASIBLE"
    cands = list(idx.candidates)
    fixed_value = sum(
        c.trainees * problem.request(c.request).priority for c in pins.fixed
    )  # value of wholly pinned cohorts, outside every model
    fx = fixed_offsets(idx, pins.fixed) if pins.fixed else None
    pin_kw = {"pinned_site": pins.site_totals(), "pinned_week": pins.week_totals()}
    if cands and len(cands) > LP_FULL_CANDIDATES:
        # very large: one LP dive per course category, everything placed before fixed;
        # no full LP, hence no bound here
        offer(
            _category_dive(
                problem,
                idx,
                pins,
                fx,
                pin_kw,
                t0 + CATEGORY_DIVE_UNTIL_L * time_limit,
                deterministic,
                reserve=True,
            ),
            "category-dive",
        )
        _repack(
            problem, idx, state, pins, t0 + REPACK_UNTIL_L * time_limit, seed, deterministic, offer
        )
        pool = _reduced(idx, None, None, state["best"], pins, problem.previous)
    elif cands:
        # the category dive first: small LPs, a good plan even when the machine is so busy
        # that the full LP below does not solve in its time
        cat_deadline = t0 + CATEGORY_DIVE_SHARE * time_limit
        offer(
            _category_dive(problem, idx, pins, fx, pin_kw, cat_deadline, deterministic),
            "category-dive",
        )
        flp = build(idx, cands, relaxed=True, spread=False, fixed=fx, all_rows=True, **pin_kw)
        first: dict = {}

        def on_first(status: str, obj: float, values: list[float]) -> None:
            first.update(status=status, obj=obj, values=values)
            if status == "Optimal":
                b = state["bound"]
                state["bound"] = obj + fixed_value if b is None else min(b, obj + fixed_value)
                offer(lp_guided_plan(problem, idx, flp, values), "lp-rounding")

        dive_deadline = deadline if deterministic else t0 + 0.8 * time_limit
        first_limit = max(0.5, 0.65 * time_limit - (time.perf_counter() - t0))
        offer(
            lp_dive_plan(
                problem, idx, flp, deadline=dive_deadline, on_first=on_first,
                first_time_limit=None if deterministic else first_limit,
                max_rounds=12, deterministic=deterministic,
            ),
            "lp-dive",
        )  # fmt: skip
        # up to FULL_MODEL_CANDIDATES CP-SAT gets every candidate and proves optima (S): the
        # local search only briefly there
        small = len(cands) <= FULL_MODEL_CANDIDATES
        waves = -(-len({c.course.category for c in cands}) // max(1, workers))
        repack_end = time.perf_counter() + POLISH_REPACK_SHARE * time_limit
        polishing = (
            not small
            and not deterministic
            and problem.previous is None
            and t0 + REPACK_UNTIL * time_limit - repack_end >= POLISH_SECONDS * waves
        )
        if small:
            _repack(problem, idx, state, pins, time.perf_counter() + 0.1 * time_limit, seed,
                    deterministic, offer)  # fmt: skip
        elif polishing:
            # time enough for every category: the local search first, then the polish
            _repack(problem, idx, state, pins, repack_end, seed, False, offer)
            _polish(problem, idx, state, pins, t0 + REPACK_UNTIL * time_limit, workers, offer)
        else:
            _repack(problem, idx, state, pins, t0 + REPACK_UNTIL * time_limit, seed,
                    deterministic, offer)  # fmt: skip
        pool = cands
        if first.get("status") == "Optimal":
            use_all = full_model if full_model is not None else len(cands) <= FULL_MODEL_CANDIDATES
            if not use_all:
                pool = _reduced(idx, flp, first["values"], state["best"], pins, problem.previous)
        elif len(cands) > FULL_MODEL_CANDIDATES:
            pool = _reduced(idx, None, None, state["best"], pins, problem.previous)
    if cands:

        def cp_progress(_w: float, obj: float, bound: float) -> None:
            # phase-1 values cover the model only: add the fixed pins, never report a drop
            best = score(problem, state["best"]).weighted_trainees
            b = state["bound"] if state["bound"] is not None else bound + fixed_value
            on_progress(time.perf_counter() - t0, max(best, obj + fixed_value), b)

        if len(pool) <= EXACT_MAX_CANDIDATES or pins or problem.previous is not None:
            plan, status, cp_bound = _exact(
                problem, idx, pool, state["best"], pins, fx, pin_kw, deadline, seed, workers,
                deterministic, on_progress and cp_progress, det_seconds=time_limit,
            )  # fmt: skip
            offer(plan, "cpsat")
            if cp_bound is not None and len(pool) == len(cands) and not pin_kw_any(pin_kw):
                cp_bound += fixed_value
                b = state["bound"]
                state["bound"] = cp_bound if b is None else min(b, cp_bound)
            if len(pool) != len(cands) and status == "OPTIMAL":
                status = "FEASIBLE"
        else:
            improved = improve(
                problem, idx, state["best"], pool, deadline=deadline, seed=seed,
                engine="cpsat", deterministic=deterministic,
                on_improve=lambda p: offer(p, "lns"),
            )  # fmt: skip
            offer(improved, "lns")
    best: Plan = state["best"]
    obj = score(problem, best).weighted_trainees
    bound = state["bound"]
    if bound is not None and bound < obj:
        bound = obj  # numerical noise
    if bound is not None and abs(bound - obj) < 1e-6 and status != "OPTIMAL":
        status = "OPTIMAL"
    gap = None if bound is None or bound <= 0 else max(0.0, (bound - obj) / bound)
    stats = SolverStats(
        status=status,
        objective=obj,
        bound=bound,
        gap=gap,
        wall_seconds=time.perf_counter() - t0,
        objective_over_time=tuple(over_time),
        method=state["method"],
    )
    return Plan(tuple(sorted(best.cohorts, key=lambda c: c.id)), stats, best.paused)


def _category_dive(
    problem, idx, pins, fx, pin_kw, deadline, deterministic, *, reserve: bool = False
) -> Plan:
    """LP diving category by category, each category's LP over its own candidates.

    Course categories share only sites and releases, never instructors, and on the
    benchmark instances those two are loose: the LP duals of site and release rows are
    close to zero and the per-category LPs sum to the full LP within 0.01 %. So the full LP
    falls apart into one small LP per category, dived one after the other with what the
    earlier categories placed fixed. Each category gets a share of the time left in
    proportion to its candidates (its first LP may borrow up to twice that); a category
    whose LP does not solve in time is left to the greedy, which fills what the dives left,
    once, highest priority first (filling after each category would spend releases that
    later categories value more: M seed 1 72,715 against 73,233).

    ``reserve`` (L, where this is the main step): first solve every category's LP alone and
    hold back, in each category's dive, the share of every over-asked week's release that
    the categories still to come asked for in theirs — otherwise the first categories take
    the releases the last ones need (M seed 1: the last four categories lost 15-20 % of
    their value against the full dive). L seed 1 405,862 -> 409,456, seed 2 397,576 ->
    399,176; reserving site-weeks as well: L seed 1 384,482 (the categories' LPs spread
    over interchangeable sites, so the site shares are arbitrary). Not on M: the full-LP
    dive wins there anyway (M seed 1 with it 72,352, without 72,396).

    No bound: a category's LP sees only what the earlier categories left of the releases
    and sites, so the sum of the LPs does not bound the problem (``bound.category_bound``
    gives each category the whole of them).
    """
    per_cat: dict[str, list[Candidate]] = defaultdict(list)
    for c in idx.candidates:
        per_cat[c.course.category].append(c)
    if CATEGORY_DIVE_SITES:
        for cat, cs in per_cat.items():
            per_cat[cat] = _nearest_sites(cs, CATEGORY_DIVE_SITES)
    cats = sorted(per_cat, key=lambda k: (-len(per_cat[k]), k))
    reserved = None
    if reserve:
        reserved = _release_reservations(idx, per_cat, fx, pin_kw, deadline, deterministic)
    left_cands = sum(len(v) for v in per_cat.values())
    placed: list | None = None
    for i, cat in enumerate(cats):
        pool = per_cat[cat]
        now = time.perf_counter()
        share = (deadline - now) * len(pool) / max(1, left_cands)
        left_cands -= len(pool)
        if not deterministic and share < 0.2:
            continue
        fixed = fixed_offsets(idx, placed) if placed else fx
        if reserved:
            fixed = _with_reserve(fixed, reserved, cats[i + 1 :])
        f = build(idx, pool, relaxed=True, spread=False, fixed=fixed, all_rows=True, **pin_kw)
        got = lp_dive_plan(
            problem, idx, f, deadline=now + share, seed_cohorts=placed, fill=[],
            first_time_limit=None if deterministic else min(2 * share, deadline - now),
            deterministic=deterministic,
        )  # fmt: skip
        if got is not None:
            placed = list(got.cohorts)
    return _greedy_block(problem, idx, pins, placed, problem.requests, by_priority=True)


def _release_reservations(idx, per_cat, fx, pin_kw, deadline, deterministic):
    """What each category's own LP (no other category placed) starts in every week, scaled
    down where the categories together ask for more than the week's release:
    {category: {week: trainees}}. None when out of time."""
    use: dict[str, dict[int, float]] = {}
    for cat, pool in per_cat.items():
        left = deadline - time.perf_counter()
        if not deterministic and left < 0.5:
            return None
        f = build(idx, pool, relaxed=True, spread=False, fixed=fx, all_rows=True, **pin_kw)
        lp = solve_lp(f, time_limit=None if deterministic else left)
        if lp.status != "Optimal":
            return None
        rel: dict[int, float] = defaultdict(float)
        for k, c in enumerate(f.candidates):
            rel[c.start] += max(0.0, float(lp.col_value[f.y[k]]))
        use[cat] = rel
    total: dict[int, float] = defaultdict(float)
    for rel in use.values():
        for w, v in rel.items():
            total[w] += v
    taken = fx.release if fx is not None else {}
    out: dict[str, dict[int, float]] = {}
    for cat, rel in use.items():
        out[cat] = {}
        for w, v in rel.items():
            cap = max(0, (idx.release_limit(w) or 0) - taken.get(w, 0))
            if total[w] > cap:  # over-asked: everyone keeps its proportional share
                out[cat][w] = v * cap / total[w]
    return out


def _with_reserve(fixed, reserve, later):
    """``fixed`` plus the release reservations of the categories still to come."""
    from .formulation import Fixed

    fixed = fixed or Fixed()
    add: dict[int, float] = defaultdict(float)
    for cat in later:
        for w, v in reserve.get(cat, {}).items():
            add[w] += v
    rel = defaultdict(int, fixed.release)
    for w, v in add.items():
        rel[w] += int(v)
    return Fixed(fixed.demand, fixed.site, rel, fixed.pledge_class)


def _repack(problem, idx, state, pins, deadline, seed, deterministic, offer) -> None:
    """The make-room local search (``repack.repack``) on the best plan so far."""
    best = state["best"]
    if best is None:
        return
    try:
        got = repack(
            problem, idx, best, pins, deadline=None if deterministic else deadline, seed=seed,
            max_passes=REPACK_DETERMINISTIC_PASSES if deterministic else 1000,
            max_kicks=REPACK_DETERMINISTIC_KICKS if deterministic else 1_000_000,
        )  # fmt: skip
    except AssignmentError:  # never expected (the ledger checks every step); keep the best
        return
    if got is not None and not validate(problem, got):
        offer(got, "repack")


def _polish(problem, idx, state, pins, deadline, workers, offer) -> None:
    """The category polish (``polish.polish``) on the best plan so far, applied to it."""
    best = state["best"]
    if best is None:
        return
    try:
        improved = polish(problem, idx, best, pins, deadline=deadline, workers=workers)
        got = apply(problem, idx, best, improved) if improved else None
    except AssignmentError:  # never expected (the ledger checks every step); keep the best
        return
    if got is not None and not validate(problem, got):
        offer(got, "polish")


def _nearest_sites(cands: list[Candidate], k: int) -> list[Candidate]:
    """The candidates at the k nearest EU sites and the k nearest Ukrainian sites of each
    request (Ukrainian sites have distance 0, so one list would hold only those)."""
    near: dict[tuple[str, bool], set] = defaultdict(set)
    for c in cands:
        near[(c.request.id, c.site.in_ukraine)].add((c.site.distance_km, c.site.id))
    keep = {key: {s for _d, s in sorted(v)[:k]} for key, v in near.items()}
    return [c for c in cands if c.site.id in keep[(c.request.id, c.site.in_ukraine)]]


def _greedy_block(problem, idx, pins, placed, block, *, by_priority: bool = False) -> Plan:
    from .greedy import Ledger, fill_requests, pooled_to_concrete
    from .pins import seed_ledger

    ledger = Ledger(problem, idx, pooled=True)
    if placed is None:
        cohorts = seed_ledger(problem, ledger, pins)
    else:
        cohorts = list(placed)
        for c in cohorts:
            ledger.add(c)
    key = (lambda r: (-r.priority, r.latest_end, r.id)) if by_priority else None
    key = key or (lambda r: (r.latest_end, -r.priority, r.id))
    fill_requests(ledger, sorted(block, key=key), cohorts)
    return Plan(tuple(pooled_to_concrete(problem, idx, cohorts, pins.fixed)))


def pin_kw_any(pin_kw) -> bool:
    return any(bool(v) for v in pin_kw.values())


def _used(idx: ProblemIndex, plan: Plan | None) -> set[int]:
    out: set[int] = set()
    if plan is None:
        return out
    for c in plan.cohorts:
        cand = idx.candidate_at.get((c.request, c.site, c.start_week))
        if cand is not None:
            out.add(cand.index)
    return out


def _reduced(idx, flp, lp_values, plan, pins: PinSet, previous: Plan | None) -> list[Candidate]:
    """The LP's support plus the candidates the best plan, pins and previous plan use."""
    keep: set[int] = set()
    if flp is not None:
        keep = {c.index for k, c in enumerate(flp.candidates) if lp_values[flp.y[k]] > 1e-3}
    keep |= _used(idx, plan) | _used(idx, previous)
    pinned_requests = {c.request for c in pins.by_site + pins.by_week}
    if pinned_requests:
        keep.update(c.index for c in idx.candidates if c.request.id in pinned_requests)
    return [idx.candidates[i] for i in sorted(keep)]


def _previous_classes(
    idx: ProblemIndex, previous: Plan | None, pins: PinSet
) -> dict[int, tuple[int, int]]:
    """Candidate -> (classes, trainees) of the previous plan there (whole pins excluded)."""
    if previous is None:
        return {}
    fixed = {c.id for c in pins.fixed}
    out: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for c in previous.cohorts:
        if c.id in fixed:
            continue
        cand = idx.candidate_at.get((c.request, c.site, c.start_week))
        if cand is not None:
            out[cand.index][0] += 1
            out[cand.index][1] += c.trainees
    return {k: (v[0], v[1]) for k, v in out.items()}


def _exact(
    problem, idx, pool, hint_plan, pins, fx, pin_kw, deadline, seed, workers, deterministic,
    on_progress, *, det_seconds: float = 10.0,
):  # fmt: skip
    """CP-SAT on the exact model over ``pool``, in two lexicographic phases.

    Phase 1 maximises priority-weighted trainees (no tie-breakers: a much easier model);
    phase 2 holds that value and maximises stability, minus trainee-km and peak load.
    Returns (best plan or None, phase-1 status, phase-1 primary bound over ``pool``).
    """
    fixed_ids = {c.id for c in pins.fixed}

    def params(share: float, progress=None) -> CpSatParams:
        left = max(0.2, deadline - time.perf_counter() - 0.05)
        if deterministic:  # a work limit from the arguments only, never from the clock
            left = max(0.2, det_seconds)
        return CpSatParams(
            time_limit=max(0.1, left * share), workers=workers, seed=seed,
            deterministic=deterministic, on_progress=progress,
        )  # fmt: skip

    def to_plan(f, values) -> Plan | None:
        try:
            items = solution_cohorts(f, values, reuse=problem.previous)
            cohorts = concretise(idx, items, pinned=pins.fixed) + list(pins.fixed)
        except AssignmentError:
            return None
        plan = Plan(tuple(cohorts))
        return None if validate(problem, plan) else plan

    f1 = build(idx, pool, spread=False, fixed=fx, **pin_kw)
    hint = values_from_plan(f1, Plan(tuple(c for c in hint_plan.cohorts if c.id not in fixed_ids)))
    r1 = solve_cpsat(f1, params(0.8, on_progress), hint, objective="primary")
    bound = r1.bound_units / r1.scale if r1.status in ("OPTIMAL", "FEASIBLE") else None
    plan1 = to_plan(f1, r1.values) if r1.values is not None else None
    base = plan1 if plan1 is not None else hint_plan
    if plan1 is not None and score(problem, plan1).key() < score(problem, hint_plan).key():
        base = hint_plan
    if deadline - time.perf_counter() < 0.3 and not deterministic:
        return plan1, r1.status, bound
    f2 = build(
        idx, pool, spread=True, fixed=fx,
        previous_classes=_previous_classes(idx, problem.previous, pins), **pin_kw,
    )  # fmt: skip
    hint2 = values_from_plan(f2, Plan(tuple(c for c in base.cohorts if c.id not in fixed_ids)))
    if hint2 is None:
        return plan1, r1.status, bound
    units = primary_units(f2)
    floor = sum(units[f2.y[k]] * hint2[f2.y[k]] for k in range(len(f2.candidates)))
    r2 = solve_cpsat(f2, params(1.0), hint2, objective="secondary", primary_floor=floor)
    plan2 = to_plan(f2, r2.values) if r2.values is not None else None
    if plan2 is None:
        return plan1, r1.status, bound
    if plan1 is None or score(problem, plan2).key() >= score(problem, plan1).key():
        return plan2, r1.status, bound
    return plan1, r1.status, bound


def _primary_bound(f: Formulation, bound_units: float) -> float | None:
    """A bound on weighted trainees from CP-SAT's bound on the integer value objective.

    value = PRIORITY_SCALE * primary - penalties (km, spread) with 0 <= penalties <= pen_max,
    so every plan has primary <= (bound + pen_max) / PRIORITY_SCALE. Not available with a
    stability reward.
    """
    if f.keep:
        return None
    km_max = max((c.site.distance_km for c in f.candidates), default=0.0)
    trainees_max = sum(r.trainees for r in f.index.problem.requests)
    pen_max = km_max * KM_WEIGHT * trainees_max + 100 * SPREAD_WEIGHT
    return (bound_units + pen_max) / PRIORITY_SCALE


__all__ = ["solve"]
