"""The optimizer's exact pricing and proven bound (issue 8's large path).

The large path enumerates every feasible group with numpy, prices all of them exactly in
column generation, and reports a bound on the savings; these tests check each piece against
an independent brute force on small random problems. No timed assertions.
"""

import itertools
from dataclasses import replace

import highspy
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from muster.procurement import optimizer as opt
from muster.procurement.optimizer import SolverSettings, greedy, optimize

from .test_optimizer import (
    assert_valid,
    brute_force_savings,
    medium_problem,
    small_problems,
)

HYPO = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
#: every item through column generation (no MILP over all groups), and every pass run
PRICED = SolverSettings(time_limit_s=30, full_milp_columns=0, gap_target=0.0)


def item_models(p):
    return [opt._ItemModel(p, demands) for demands in opt._consolidate(p).values()]


def feasible_groups(model):
    """Every feasible group of two or more with positive savings, by brute force."""
    out = []
    for k in range(2, min(model.problem.max_participants, model.m) + 1):
        for g in itertools.combinations(range(model.m), k):
            if model.feasible(g) and model.savings(g) > 0:
                out.append(g)
    return out


def full_lp(model, groups):
    """The set-packing LP over every feasible group, solved directly."""
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    lp = highspy.HighsLp()
    opt._add_columns_with_savings(lp, model, groups)
    opt._each_demand_in_at_most_one_group(lp, model, groups)
    h.passModel(lp)
    h.run()
    return -h.getInfo().objective_function_value


# ------------------------------------------------------------------ enumeration and pricing
@HYPO
@given(small_problems(max_nations=8))
def test_vectorised_enumeration_is_every_feasible_group_with_exact_savings(p):
    for model in item_models(p):
        cols = opt._enumerate_columns(model, 10**6, float("inf"))
        got = {cols.group(k): cols.savings[k] for k in range(len(cols))}
        want = sorted(feasible_groups(model))
        assert sorted(got) == want
        assert sorted(opt._enumerate_groups(model, 10**6, float("inf"))) == want
        for g, s in got.items():
            assert s == model.savings(g)  # the array arithmetic is the scalar one


@HYPO
@given(small_problems(max_nations=8), st.integers(0, 2**32 - 1))
def test_pricing_finds_the_best_reduced_cost_column(p, seed):
    rng = np.random.default_rng(seed)
    for model in item_models(p):
        cols = opt._enumerate_columns(model, 10**6, float("inf"))
        groups = feasible_groups(model)
        if not groups:
            assert len(cols) == 0
            continue
        scale = max(d.alone_cents for d in model.demands) * rng.uniform(0, 0.5)
        pi = np.append(rng.uniform(0, 1, model.m) * scale, 0.0)
        reduced = cols.reduced(pi)
        best = max(model.savings(g) - sum(pi[i] for i in g) for g in groups)
        assert reduced.max() == pytest.approx(best, rel=1e-12, abs=1e-6)
        assert cols.group(int(reduced.argmax())) in groups


@HYPO
@given(small_problems(max_nations=8))
def test_column_generation_bound_is_between_the_optimum_and_the_lp(p):
    for model in item_models(p):
        cols = opt._enumerate_columns(model, 10**6, float("inf"))
        if not len(cols):
            continue
        priced = opt._column_generation(model, cols, [], PRICED, float("inf"))
        lp = full_lp(model, feasible_groups(model))
        packs = sum(model.joinable) // 2
        margin = cols.members.shape[1] * packs  # the cents of slack the bound carries
        # a bound on integer packings: at most the LP (plus slack), at least the optimum
        assert exact_item(model) <= priced.bound <= lp + margin + 1e-6 * lp + 1


def test_farley_bound_holds_for_any_duals():
    # the bound of any (even poor) duals is above the optimum: check a few random duals
    p = medium_problem(3)
    model = max(item_models(p), key=lambda m: m.m)
    cols = opt._enumerate_columns(model, 10**6, float("inf"))
    best = exact_item(model)
    rng = np.random.default_rng(0)
    packs = sum(model.joinable) // 2
    for _ in range(20):
        pi = np.append(rng.uniform(0, 2, model.m) * cols.savings.max() / 4, 0.0)
        reduced = cols.reduced(pi)
        assert pi.sum() + packs * max(0.0, reduced.max()) >= best


def exact_item(model):
    """The optimum of one item: the MILP over all its feasible groups, proven."""
    item = opt._first_pass(
        model, SolverSettings(time_limit_s=60, full_milp_columns=10**7), float("inf")
    )
    assert item.proven
    return item.value


# ------------------------------------------------------------------ the whole optimizer
@HYPO
@given(small_problems(max_nations=8))
def test_reported_bound_is_at_least_the_optimum(p):
    exact = brute_force_savings(p)
    g = greedy(p)
    for s in (
        PRICED,
        replace(PRICED, gap_target=1.0),  # first pass only: rounded LP, bound from pricing
        SolverSettings(time_limit_s=30),  # the defaults
        SolverSettings(time_limit_s=30, max_columns=1),  # heuristic path: the simple bound
    ):
        plan = optimize(p, s)
        assert_valid(plan, p)
        assert plan.bound_cents is not None
        assert plan.bound_cents >= exact >= plan.savings_cents >= g.savings_cents
        assert 0 <= plan.gap <= 1
        if plan.exact:
            assert plan.savings_cents == exact


@HYPO
@given(small_problems(max_nations=8))
def test_priced_path_proves_small_problems_optimal(p):
    plan = optimize(p, PRICED)
    assert plan.exact
    assert plan.savings_cents == brute_force_savings(p)


@pytest.mark.parametrize("seed", [1, 2])
def test_medium_problem_priced_matches_exact_path(seed):
    p = medium_problem(seed)
    exact = optimize(p, SolverSettings(time_limit_s=30, full_milp_columns=10**6))
    priced = optimize(p, PRICED)
    assert exact.exact and priced.exact
    assert priced.savings_cents == exact.savings_cents == exact.bound_cents
    loose = optimize(p, replace(PRICED, gap_target=0.01))
    assert_valid(loose, p)
    assert loose.bound_cents >= exact.savings_cents >= loose.savings_cents
    assert loose.gap <= 0.01 or loose.exact


def test_workers_give_the_same_plan():
    p = medium_problem(4, nations=16)
    one = optimize(p, replace(PRICED, gap_target=0.0))
    two = optimize(p, replace(PRICED, gap_target=0.0, workers=2))
    assert two.savings_cents == one.savings_cents and two.bound_cents == one.bound_cents


@pytest.mark.parametrize("seed", [5, 6, 7])
def test_simple_bound_is_above_the_optimum(seed):
    for model in item_models(medium_problem(seed)):
        assert opt._simple_bound(model) >= exact_item(model)
