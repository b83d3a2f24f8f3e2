"""Category polish: re-solve one course category at a time on the site-merged model.

Course categories share only sites and releases, and inside a category the sites are
nearly interchangeable (``merged.py``). So one category's cohorts can be taken out and
re-planned by HiGHS on the merged model (a few hundred columns instead of a thousand
symmetric ones), with every other cohort's instructors, releases, demand and site load
fixed, hinted with the cohorts taken out. The new classes go to real sites (the nearest
member site with room; a Ukrainian one only when all their pledge classes may teach
there); the new cohorts are kept when they are worth more, otherwise the old ones go
back. Every step goes through the pooled ``Ledger``, so the plan stays valid; ``apply``
puts the improved categories into a plan.

HiGHS needs 2-4 s per category to improve a plan the make-room local search has
converged on (M seed 1: +516 weighted trainees with 4 s per category, +200 with 1 s,
nothing with 0.5 s, when it is still at its root), so ``solve`` polishes only when the
time limit leaves ``POLISH_SECONDS`` per category. Windows of 13 or 26 weeks instead of
the whole horizon found almost nothing: the local packing is already optimal.
"""

from __future__ import annotations

import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import highspy
import numpy as np

from .assign import class_usage, instructor_supply, take_instructors
from .bound import to_highs
from .formulation import Fixed, Formulation
from .greedy import POOL, Ledger, pooled_to_concrete
from .index import Candidate, ProblemIndex
from .merged import build_merged, merge_sites
from .pins import PinSet
from .problem import Cohort, Plan, Problem

#: Below this many seconds a category's MIP rarely gets past HiGHS's root: not started.
MIN_CATEGORY_SECONDS = 0.3


def polish(
    problem: Problem,
    index: ProblemIndex,
    plan: Plan,
    pins: PinSet,
    *,
    deadline: float,
    categories: list[str] | None = None,
    min_seconds: float = MIN_CATEGORY_SECONDS,
    workers: int = 1,
) -> dict[str, list[Cohort]]:
    """Categories re-solved on the merged model, one after the other, each with an equal
    share of the time left but at least ``min_seconds`` (it stops when less is left): the
    improved ones, mapped to their new cohorts (pooled instructors). Each category sees
    the ones before it as changed, so applying all of them to ``plan`` gives a valid plan
    (``apply``).

    ``categories``: the order to try (default: by unmet priority-weighted demand). Those
    with pinned cohorts are never touched. ``workers`` > 1 solves that many categories at
    once (HiGHS releases the GIL), each around the others' cohorts as they were; their new
    cohorts are then booked one category after the other, and what no longer fits (a
    release the other took) is left out.
    """
    req = {r.id: r for r in problem.requests}
    cat_of = {r.id: problem.course(r.course).category for r in problem.requests}
    frozen = {cat_of[c.request] for c in (*pins.fixed, *pins.by_site, *pins.by_week)}
    ledger = Ledger(problem, index, pooled=True)
    cohorts = [_pooled(index, c) for c in plan.cohorts]
    for c in cohorts:
        ledger.add(c)
    taken: dict[str, int] = defaultdict(int)
    for c in cohorts:
        taken[c.request] += c.trainees
    used_ids = {c.id for c in cohorts}
    per_cat: dict[str, list[Candidate]] = defaultdict(list)
    for cd in index.candidates:
        if cd.course.category not in frozen:
            per_cat[cd.course.category].append(cd)
    order = [c for c in (categories or unmet_order(problem, plan)) if c in per_cat]
    improved: dict[str, list[Cohort]] = {}
    i = 0
    with ThreadPoolExecutor(max(1, workers)) as pool:
        while i < len(order):
            left = deadline - time.perf_counter()
            if left < min_seconds:
                break
            wave = order[i : i + max(1, workers)]
            seconds = max(min_seconds, left / -(-(len(order) - i) // len(wave)))
            models = []
            for cat in wave:  # each around the others' current cohorts
                out = [c for c in cohorts if cat_of[c.request] == cat]
                for c in out:
                    ledger.remove(c)
                    taken[c.request] -= c.trainees
                models.append((cat, out, _model(index, per_cat[cat], out, ledger, taken)))
                for c in out:
                    ledger.add(c)
                    taken[c.request] += c.trainees
            # HiGHS releases the GIL: the wave runs on as many cores
            solved = list(pool.map(_run, [m[2] for m in models], [seconds] * len(models)))
            for (cat, out, model), values in zip(models, solved, strict=True):
                for c in out:
                    ledger.remove(c)
                new = [] if values is None else _to_sites(index, model, values, ledger, used_ids)
                if _value(new, req) <= _value(out, req) + 1e-9:  # the old ones go back
                    for c in new:
                        ledger.remove(c)
                    for c in out:
                        ledger.add(c)
                    continue
                for c in out:
                    taken[c.request] -= c.trainees
                for c in new:
                    taken[c.request] += c.trainees
                ids = {c.id for c in out}
                cohorts = [c for c in cohorts if c.id not in ids] + new
                improved[cat] = new
            i += len(wave)
    return improved


def unmet_order(problem: Problem, plan: Plan) -> list[str]:
    """Course categories by unmet priority-weighted demand, largest first."""
    taken: dict[str, int] = defaultdict(int)
    for c in plan.cohorts:
        taken[c.request] += c.trainees
    unmet: dict[str, float] = defaultdict(float)
    for r in problem.requests:
        unmet[problem.course(r.course).category] += max(0, r.trainees - taken[r.id]) * r.priority
    return sorted(unmet, key=lambda k: (-unmet[k], k))


def apply(
    problem: Problem, index: ProblemIndex, plan: Plan, improved: dict[str, list[Cohort]]
) -> Plan | None:
    """``plan`` with the categories of ``improved`` replaced by their new cohorts where that
    is worth more; None when none is. ``plan`` may differ from the one polished (another
    search ran meanwhile): a new cohort that no longer fits (site places, releases) is
    left out, and a category whose new cohorts are then worth less keeps its own."""
    req = {r.id: r for r in problem.requests}
    cat_of = {r.id: problem.course(r.course).category for r in problem.requests}
    ledger = Ledger(problem, index, pooled=True)
    cohorts = [_pooled(index, c) for c in plan.cohorts]
    for c in cohorts:
        ledger.add(c)
    changed = False
    for cat, new in improved.items():  # in the order polished: each saw the ones before
        out = [c for c in cohorts if cat_of[c.request] == cat]
        for c in out:
            ledger.remove(c)
        got = []
        for c in sorted(new, key=lambda c: -req[c.request].priority):
            if ledger.fits(c):
                ledger.add(c)
                got.append(c)
        if _value(got, req) > _value(out, req) + 1e-9:
            ids = {c.id for c in out}
            cohorts = [c for c in cohorts if c.id not in ids] + got
            changed = True
        else:
            for c in got:
                ledger.remove(c)
            for c in out:
                ledger.add(c)
    if not changed:
        return None
    concrete = pooled_to_concrete(problem, index, cohorts)
    return Plan(tuple(sorted(concrete, key=lambda c: c.id)), plan.stats, plan.paused)


def _value(cohorts: list[Cohort], req: dict) -> float:
    """Priority-weighted trainees of some cohorts."""
    return sum(c.trainees * req[c.request].priority for c in cohorts)


def _pooled(index: ProblemIndex, c: Cohort) -> Cohort:
    """The cohort with its instructors keyed by pledge class (``"pc:<i>"``)."""
    usage = {f"{POOL}{pc}": n for pc, n in class_usage(index, c).items()}
    return Cohort(c.id, c.request, c.site, c.start_week, c.end_week, c.trainees, usage)


@dataclass
class _Model:
    """One category's merged model around the rest of the plan, with its hint."""

    f: Formulation
    members: list[list[Candidate]]
    hint: np.ndarray


def _model(
    index: ProblemIndex,
    cands: list[Candidate],
    out: list[Cohort],
    ledger: Ledger,
    taken: dict[str, int],
) -> _Model:
    """The merged model of one category with what the ledger holds (the category's own
    cohorts taken out) fixed, hinted with those cohorts."""
    H = index.problem.horizon_weeks
    fixed = Fixed(
        demand={r: n for r, n in taken.items() if n},
        release={w: ledger.released[w] for w in range(H) if ledger.released[w]},
        pledge_class={
            (pc, w): row[w] for pc, row in ledger.class_used.items() for w in range(H) if row[w]
        },
    )
    merge = merge_sites(index, cands)  # once: the model and the site assignment share it
    f = build_merged(index, cands, fixed=fixed, site_load=ledger.load, merge=merge)
    return _Model(f, merge[1], _hint(f, out))


def _run(model: _Model, seconds: float) -> np.ndarray | None:
    """HiGHS's best solution of the model within ``seconds`` (None: none found)."""
    h = to_highs(model.f, integer=True, threads=1)
    h.setOptionValue("time_limit", float(seconds))
    h.setOptionValue("mip_rel_gap", 1e-6)
    hint = highspy.HighsSolution()
    hint.col_value = list(model.hint)
    hint.value_valid = True
    h.setSolution(hint)
    h.run()
    sol = h.getSolution()
    return np.asarray(sol.col_value) if sol.value_valid else None


def _hint(f: Formulation, cohorts: list[Cohort]) -> np.ndarray:
    """Column values of the merged model for cohorts of its category (pooled)."""
    ua = {s.id: s.in_ukraine for s in f.index.problem.sites}
    at: dict[tuple[str, int, bool], int] = {}
    for k, c in enumerate(f.candidates):
        at[(c.request.id, c.start, c.site.in_ukraine)] = k
    val = np.zeros(f.num_cols)
    for c in cohorts:
        k = at.get((c.request, c.start_week, True)) if ua[c.site] else None
        if k is None:
            k = at.get((c.request, c.start_week, False))
        if k is None:
            continue
        val[f.y[k]] += c.trainees
        val[f.x[k]] += 1
        g = f.candidates[k].group
        for key, n in c.instructors.items():
            col = f.z.get((g, int(key[len(POOL) :])))
            if col is not None:
                val[col] += n
    return val


def _to_sites(
    index: ProblemIndex,
    model: _Model,
    values: np.ndarray,
    ledger: Ledger,
    used_ids: set[str],
) -> list[Cohort]:
    """Classes of a merged solution onto real sites, nearest first, booked on the ledger; a
    class that finds no site with room is left out, one with less release left than its
    trainees (another category solved at the same time took it) shrinks to what is left:
    the value lost shows in the comparison."""
    f, members = model.f, model.members
    supply = instructor_supply(f, values)
    classes = index.pledge_classes
    out: list[Cohort] = []
    for k, cand in enumerate(f.candidates):
        y = int(round(values[f.y[k]]))
        x = int(round(values[f.x[k]]))
        n = min(x, y)
        if y <= 0 or n <= 0:
            continue
        sizes = [y // n + (1 if i < y % n else 0) for i in range(n)]
        sites = sorted(members[k], key=lambda m: (m.site.distance_km, m.site.id))
        for size in sizes:
            usage = take_instructors(supply[cand.group], cand.course.instructors_per_class)
            if usage is None:
                continue
            in_ua = all(classes[pc].eligible(cand.start, cand.end, True) for pc in usage)
            for m in sites:
                if m.site.in_ukraine and not in_ua:
                    continue
                if ledger.site_room(m.site.id, cand.start, cand.end) < size:
                    continue
                rel = ledger.release_room(cand.start)
                if rel is not None and rel <= 0:
                    break
                if rel is not None:
                    size = min(size, rel)
                stem, j = f"{cand.request.id}@{m.site.id}@w{cand.start}#p", len(used_ids)
                while f"{stem}{j}" in used_ids:
                    j += 1
                used_ids.add(f"{stem}{j}")
                c = Cohort(
                    f"{stem}{j}",
                    cand.request.id,
                    m.site.id,
                    cand.start,
                    cand.end,
                    size,
                    {f"{POOL}{pc}": amount for pc, amount in usage.items()},
                )
                ledger.add(c)
                out.append(c)
                break
    return out
