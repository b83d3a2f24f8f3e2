import math
from collections import Counter, defaultdict
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from muster.procurement.eligibility import (
    PARTICIPANT_RULES,
    Participant,
    Procurement,
    RuleSettings,
    Status,
    check,
)
from muster.procurement.optimizer import (
    AggregationProblem,
    Need,
    SolverSettings,
    compare,
    greedy,
    learning_exponent,
    member_cost_cents,
    national_only,
    optimize,
    unit_cost,
)

AFTER_CUTOFF = date(2026, 9, 1)
BEFORE_CUTOFF = date(2026, 3, 1)
FAST = SolverSettings(time_limit_s=10)


def ms(code, borrower=True):
    return Participant(code, Status.MEMBER_STATE, borrows_under_safe=borrower)


def need(nation, qty, cost=100_00, item="shell", area="ammo", year=2027, nid=None):
    return Need(nid or f"{nation}-{item}-{year}", nation, area, item, qty, cost, year)


def problem(needs, parts, **kw):
    kw.setdefault("procured_on", AFTER_CUTOFF)
    kw.setdefault("default_learning_rate", Decimal("0.2"))
    return AggregationProblem(needs=tuple(needs), participants=tuple(parts), **kw)


# ------------------------------------------------------------------ cost model
def test_learning_curve_twenty_percent_per_doubling():
    b = learning_exponent(Decimal("0.2"))
    assert math.isclose(2**b, 0.8)
    assert math.isclose(unit_cost(100.0, 10, 40, Decimal("0.2")), 64.0)
    assert member_cost_cents(1000_00, 10, 20, b) == 800_00
    assert member_cost_cents(1000_00, 10, 10, b) == 1000_00
    assert member_cost_cents(1000_00, 10, 20, 0.0) == 1000_00
    with pytest.raises(ValueError):
        learning_exponent(Decimal("1"))
    with pytest.raises(ValueError):
        member_cost_cents(1, 10, 5, b)


def test_two_equal_nations_each_save_twenty_percent():
    p = problem([need("PL", 10), need("DE", 10)], [ms("PL"), ms("DE", False)])
    plan = optimize(p, FAST)
    assert plan.exact
    (jp,) = plan.procurements
    assert set(jp.participants) == {"DE", "PL"} and jp.safe_eligible
    assert jp.total_cents == 2 * 800_00 and jp.unit_price_cents == 80_00
    assert jp.quantity == 20
    assert plan.savings_by_nation() == {"DE": 200_00, "PL": 200_00}
    assert plan.savings_by_area() == {"ammo": 400_00}
    assert jp.lead_nation == "PL"  # the only SAFE borrower
    rows = plan.to_rows()
    assert len(rows) == 3 and rows[1][5] == 80_00 and {r[6] for r in rows[1:]} == {"PL", "DE"}


def test_needs_of_one_nation_are_consolidated():
    p = problem(
        [need("PL", 10, year=2027), need("PL", 5, cost=200_00, year=2029)],
        [ms("PL")],
    )
    (jp,) = national_only(p).procurements
    assert jp.members[0].need_ids == ("PL-shell-2027", "PL-shell-2029")
    assert jp.alone_cents == 10 * 100_00 + 5 * 200_00 and jp.quantity == 15


# ------------------------------------------------------------------ eligibility in grouping
def test_group_without_safe_borrower_is_not_formed():
    p = problem(
        [need("DE", 10), need("UA", 10)], [ms("DE", False), Participant("UA", Status.UKRAINE)]
    )
    plan = optimize(p, FAST)
    assert plan.joint == () and plan.savings_cents == 0
    # no SAFE financing: the pair may buy together
    assert optimize(replace(p, safe_financed=False), FAST).joint


def test_partner_without_agreement_and_solo_and_excluded_stay_out():
    parts = [
        ms("PL"),
        ms("FR"),
        ms("IT"),
        ms("DE", False),
        Participant("GB", Status.SDP_PARTNER),
        Participant("CA", Status.SDP_PARTNER, has_agreement=True),
        Participant("US", Status.OTHER),
    ]
    needs = [need(n, 10) for n in ("PL", "FR", "IT", "DE", "GB", "CA", "US")]
    p = problem(needs, parts, exclusions=frozenset({frozenset({"PL", "FR"})}), solo_nations={"IT"})
    plan = optimize(p, FAST)
    for jp in plan.joint:
        assert {"GB", "US", "IT"}.isdisjoint(jp.participants)
        assert not {"PL", "FR"} <= set(jp.participants)
    assert {"CA"} <= {n for jp in plan.joint for n in jp.participants}


def test_single_nation_flagged_by_cutoff():
    p = problem([need("PL", 10)], [ms("PL")])
    (after,) = national_only(p).procurements
    assert not after.safe_eligible and after.failed_rules == ("safe.single_member_state",)
    p2 = problem([need("PL", 10)], [ms("PL")], procured_on=BEFORE_CUTOFF)
    assert national_only(p2).procurements[0].safe_eligible


def test_max_participants_and_delivery_spread():
    parts = [ms(c) for c in ("PL", "FR", "IT", "ES", "PT")]
    needs = [need(c, 10, year=2026 + i) for i, c in enumerate(("PL", "FR", "IT", "ES", "PT"))]
    plan = optimize(problem(needs, parts, max_participants=2), FAST)
    assert plan.joint and all(len(jp.members) <= 2 for jp in plan.joint)
    plan = optimize(problem(needs, parts, max_delivery_spread_years=1), FAST)
    year = {n.nation: n.delivery_year for n in needs}
    for jp in plan.joint:
        ys = [year[n] for n in jp.participants]
        assert max(ys) - min(ys) <= 1


def test_optimizer_beats_greedy_when_greedy_pairs_wrongly():
    # pairs only; C and D will not buy together. Greedy pairs the two largest (A, B) and
    # leaves C and D alone; two mixed pairs save more.
    parts = [ms(c) for c in ("AA", "BB", "CC", "DD")]
    needs = [need("AA", 100), need("BB", 90), need("CC", 80), need("DD", 70)]
    p = problem(needs, parts, max_participants=2, exclusions=frozenset({frozenset({"CC", "DD"})}))
    g, o = greedy(p), optimize(p, FAST)
    assert {frozenset(j.participants) for j in g.joint} == {frozenset({"AA", "BB"})}
    assert len(o.joint) == 2 and o.savings_cents > g.savings_cents
    assert o.savings_cents == brute_force_savings(p)


def test_invalid_problems_rejected():
    with pytest.raises(ValueError):
        optimize(problem([need("XX", 1)], [ms("PL")]))
    with pytest.raises(ValueError):
        optimize(problem([need("PL", 1, nid="a"), need("PL", 2, nid="a")], [ms("PL")]))
    with pytest.raises(ValueError):
        optimize(problem([need("PL", 1, area="x"), need("FR", 2, area="y")], [ms("PL"), ms("FR")]))
    with pytest.raises(ValueError):
        need("PL", 0)
    with pytest.raises(ValueError):
        problem([], [ms("PL")], exclusions=[("PL", "PL")])
    with pytest.raises(ValueError):
        problem([], [ms("PL")], learning_rates=[("ammo", Decimal("1.2"))])
    with pytest.raises(ValueError):
        problem([], [ms("PL")], max_participants=0)


def test_exclusions_given_as_lists_of_tuples_are_honoured():
    parts = [ms("PL"), ms("FR")]
    p = problem([need("PL", 10), need("FR", 10)], parts, exclusions=[("PL", "FR")])
    assert optimize(p, FAST).joint == ()


# ------------------------------------------------------------------ brute force
def set_partitions(xs):
    if not xs:
        yield []
        return
    first, rest = xs[0], xs[1:]
    for part in set_partitions(rest):
        yield [[first], *part]
        for i in range(len(part)):
            yield [*part[:i], [first, *part[i]], *part[i + 1 :]]


def brute_force_savings(p: AggregationProblem) -> int:
    """Best savings over all partitions, with the constraints restated independently."""
    who = {x.nation: x for x in p.participants}
    by_item = defaultdict(lambda: defaultdict(list))
    for n in p.needs:
        by_item[n.item][n.nation].append(n)
    total = 0
    for nations in by_item.values():
        area = next(iter(nations.values()))[0].area
        b = math.log2(1 - float(p.learning_rate(area)))
        q = {k: sum(n.quantity for n in v) for k, v in nations.items()}
        alone = {k: sum(n.quantity * n.unit_cost_cents for n in v) for k, v in nations.items()}
        year = {
            k: min((n.delivery_year for n in v if n.delivery_year is not None), default=None)
            for k, v in nations.items()
        }

        def ok(block, year=year):
            if len(block) == 1:
                return True
            if len(block) > p.max_participants or set(block) & set(p.solo_nations):
                return False
            if any(frozenset({a, c}) in p.exclusions for a in block for c in block if a != c):
                return False
            ys = [year[k] for k in block if year[k] is not None]
            spread = p.max_delivery_spread_years
            if spread is not None and ys and max(ys) - min(ys) > spread:
                return False
            if not p.safe_financed:
                return True
            proc = Procurement(tuple(who[k] for k in block), (), p.procured_on)
            return check(proc, p.rule_settings, rules=PARTICIPANT_RULES).eligible

        def saving(block, q=q, alone=alone, b=b):
            if len(block) == 1:
                return 0
            qg = sum(q[k] for k in block)
            return sum(alone[k] - min(alone[k], round(alone[k] * (qg / q[k]) ** b)) for k in block)

        total += max(
            sum(saving(bl) for bl in part)
            for part in set_partitions(sorted(nations))
            if all(ok(bl) for bl in part)
        )
    return total


POOL = [
    ms("PL"),
    ms("FR"),
    ms("RO"),
    ms("IT"),
    ms("LT"),
    ms("LV"),
    ms("DE", False),
    ms("NL", False),
    Participant("UA", Status.UKRAINE),
    Participant("NO", Status.EEA_EFTA),
    Participant("GB", Status.SDP_PARTNER),
    Participant("CA", Status.SDP_PARTNER, has_agreement=True),
    Participant("US", Status.OTHER),
]


@st.composite
def small_problems(draw, max_nations=6):
    parts = draw(st.lists(st.sampled_from(POOL), min_size=3, max_size=max_nations, unique=True))
    codes = [x.nation for x in parts]
    needs = []
    for it in range(draw(st.integers(1, 2))):
        buyers = draw(st.lists(st.sampled_from(codes), min_size=3, unique=True))
        for c in buyers:
            for k in range(draw(st.integers(1, 2))):
                needs.append(
                    Need(
                        f"{c}-{it}-{k}",
                        c,
                        f"area{it}",
                        f"item{it}",
                        draw(st.integers(1, 500)),
                        draw(st.integers(1, 10**7)),
                        draw(st.sampled_from([2026, 2027, 2028, None])),
                    )
                )
    pairs = st.lists(st.sampled_from(codes), min_size=2, max_size=2, unique=True).map(frozenset)
    return AggregationProblem(
        needs=tuple(needs),
        participants=tuple(parts),
        procured_on=draw(st.sampled_from([BEFORE_CUTOFF, AFTER_CUTOFF])),
        learning_rates=(
            ("area0", draw(st.sampled_from([Decimal("0.3"), Decimal("0.1"), Decimal(0)]))),
        ),
        default_learning_rate=Decimal("0.15"),
        max_participants=draw(st.sampled_from([3, 2, 4, 6, 1])),
        exclusions=frozenset(draw(st.lists(pairs, max_size=3)) if len(codes) > 1 else []),
        solo_nations=frozenset(draw(st.lists(st.sampled_from(codes), max_size=1))),
        max_delivery_spread_years=draw(st.sampled_from([2, 1, None])),
        safe_financed=draw(st.sampled_from([True, True, False])),
        rule_settings=RuleSettings(),
    )


def assert_valid(plan, p):
    ids = Counter(i for jp in plan.procurements for m in jp.members for i in m.need_ids)
    assert ids == Counter(n.id for n in p.needs)  # every need exactly once
    who = {x.nation: x for x in p.participants}
    year = {}
    for n in p.needs:
        if n.delivery_year is not None:
            key = (n.nation, n.item)
            year[key] = min(year.get(key, n.delivery_year), n.delivery_year)
    for jp in plan.procurements:
        assert all(0 <= m.cost_cents <= m.alone_cents for m in jp.members)
        assert jp.lead_nation in jp.participants
        nations = jp.participants
        assert len(set(nations)) == len(nations)
        res = check(Procurement(tuple(who[n] for n in nations), (), p.procured_on), p.rule_settings,
                    rules=PARTICIPANT_RULES)  # fmt: skip
        assert jp.safe_eligible == res.eligible
        if len(nations) > 1:
            assert len(nations) <= p.max_participants
            assert not set(nations) & p.solo_nations
            assert not any(frozenset({a, c}) in p.exclusions for a in nations for c in nations)
            if p.safe_financed:
                assert res.eligible
            if p.max_delivery_spread_years is not None:
                ys = [year[(n, jp.item)] for n in nations if (n, jp.item) in year]
                assert not ys or max(ys) - min(ys) <= p.max_delivery_spread_years
    assert sum(plan.savings_by_nation().values()) == plan.savings_cents
    assert sum(plan.savings_by_area().values()) == plan.savings_cents


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_problems())
def test_optimizer_matches_brute_force_and_beats_baselines(p):
    cmp = compare(p, FAST)
    for plan in (cmp.national, cmp.greedy, cmp.optimal):
        assert_valid(plan, p)
        assert plan.alone_cents == cmp.national.total_cents
    assert cmp.national.savings_cents == 0
    assert cmp.optimal.exact
    assert cmp.optimal.savings_cents >= cmp.greedy.savings_cents >= 0
    assert cmp.optimal.savings_cents == brute_force_savings(p)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_problems(max_nations=8))
def test_heuristic_column_generation_is_valid_and_never_worse_than_greedy(p):
    # max_columns=1 forces the non-exhaustive path on every item with a possible group
    plan = optimize(p, SolverSettings(time_limit_s=10, max_columns=1))
    assert_valid(plan, p)
    assert plan.savings_cents >= greedy(p).savings_cents
    assert plan.savings_cents <= brute_force_savings(p)


def medium_problem(seed, nations=14):
    import random

    rng = random.Random(seed)
    parts = [ms(f"B{i}") for i in range(nations // 2)]
    parts += [ms(f"M{i}", False) for i in range(nations - nations // 2 - 2)]
    parts += [Participant("UA", Status.UKRAINE), Participant("NO", Status.EEA_EFTA)]
    codes = [x.nation for x in parts]
    needs = [
        need(
            c,
            rng.randint(1, 300),
            rng.randint(1000, 10**6),
            item=f"i{k}",
            year=rng.randint(2026, 2028),
        )
        for k in range(2)
        for c in rng.sample(codes, rng.randint(8, len(codes)))
    ]
    excl = frozenset(frozenset(rng.sample(codes, 2)) for _ in range(3))
    return problem(needs, parts, max_participants=4, exclusions=excl, max_delivery_spread_years=1)


@pytest.mark.parametrize("seed", [1, 2])
def test_medium_problem_exact_vs_column_generation(seed):
    p = medium_problem(seed)
    exact = optimize(p, SolverSettings(time_limit_s=20, gap_target=0.0))
    heuristic = optimize(p, SolverSettings(time_limit_s=20, max_columns=10))
    g = greedy(p)
    assert exact.exact and not heuristic.exact
    assert exact.bound_cents == exact.savings_cents <= heuristic.bound_cents
    for plan in (exact, heuristic, g):
        assert_valid(plan, p)
    assert exact.savings_cents >= heuristic.savings_cents >= g.savings_cents > 0
