from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from muster.procurement.allocation import (
    SAFE_ENVELOPE_CENTS,
    AllocationRule,
    LoanRequest,
    allocate,
)

EUR = 100
# Commission's tentative allocation of 9 Sep 2025 (euros), public-facts.md section 2.
TENTATIVE = {
    "PL": 43_734_100_805, "RO": 16_680_055_394, "FR": 16_216_720_524, "HU": 16_216_720_524,
    "IT": 14_900_000_000, "BE": 8_340_027_698, "LT": 6_375_487_840, "PT": 5_841_179_332,
    "LV": 5_680_431_322, "BG": 3_261_700_000, "EE": 2_660_932_171, "SK": 2_316_674_361,
    "CZ": 2_060_000_000, "HR": 1_700_000_000, "CY": 1_181_503_924, "FI": 1_000_000_000,
    "ES": 1_000_000_000, "EL": 787_669_283, "DK": 46_796_822,
}  # fmt: skip


def reqs(*pairs):
    return [LoanRequest(n, a, *rest) for n, a, *rest in pairs]


def test_default_envelope_is_150bn():
    assert SAFE_ENVELOPE_CENTS == 15_000_000_000_000


def test_not_oversubscribed_everybody_gets_request():
    rs = [LoanRequest(n, a * EUR) for n, a in TENTATIVE.items()]
    for rule in AllocationRule:
        res = allocate(rs, rule=rule)
        assert not res.oversubscribed
        assert all(a.allocated_cents == a.requested_cents for a in res.allocations)
        assert res.allocated_cents == res.requested_cents
        # the Commission's tentative allocation uses the envelope to the euro
        assert res.requested_cents == SAFE_ENVELOPE_CENTS and res.unallocated_cents == 0


def test_one_cent_oversubscribed_takes_one_cent_from_the_largest_remainder():
    rs = [LoanRequest(n, a * EUR + (1 if n == "DK" else 0)) for n, a in TENTATIVE.items()]
    for rule in AllocationRule:
        res = allocate(rs, rule=rule)
        assert res.oversubscribed and res.allocated_cents == SAFE_ENVELOPE_CENTS
        short = [a for a in res.allocations if a.shortfall_cents]
        assert len(short) == 1 and short[0].shortfall_cents == 1
    # water-filling takes it from the largest request
    res = allocate(rs, rule=AllocationRule.EQUAL_SHARE_CAPPED)
    assert [a.nation for a in res.allocations if a.shortfall_cents] == ["PL"]


def test_pro_rata_largest_remainder_small_example():
    # 10 cents over three equal requests: 3.33 each, one cent left; tie broken by nation code
    res = allocate(reqs(("LV", 50), ("EE", 50), ("LT", 50)), envelope_cents=10)
    assert res.by_nation() == {"LV": 3, "EE": 4, "LT": 3}
    assert res.oversubscribed and res.allocated_cents == 10
    rows = res.to_rows()
    assert rows[0][0] == "nation" and rows[-1] == ("TOTAL", 150, 10, 140) and len(rows) == 5


def test_pro_rata_doubled_requests_halve():
    rs = [LoanRequest(n, 2 * a * EUR) for n, a in TENTATIVE.items()]
    res = allocate(rs)
    assert res.allocated_cents == SAFE_ENVELOPE_CENTS
    for a in res.allocations:
        assert abs(2 * a.allocated_cents - a.requested_cents) <= 2


def test_equal_share_capped_water_filling():
    res = allocate(
        reqs(("A", 10), ("B", 100), ("C", 100), ("D", 1000)),
        envelope_cents=211,
        rule=AllocationRule.EQUAL_SHARE_CAPPED,
    )
    # λ = 67: 10 + 67 + 67 + 67 = 211
    assert res.by_nation() == {"A": 10, "B": 67, "C": 67, "D": 67}
    res = allocate(
        reqs(("A", 10), ("B", 100), ("C", 100), ("D", 1000)),
        envelope_cents=213,
        rule=AllocationRule.EQUAL_SHARE_CAPPED,
    )
    # λ = 67, one cent left each to the largest requests: D then B (code) over C
    assert res.by_nation() == {"A": 10, "B": 68, "C": 67, "D": 68}


def test_priority_first_serves_levels_in_order():
    res = allocate(
        reqs(("A", 60, 1), ("B", 30, 0), ("C", 60, 1), ("D", 50, 2)),
        envelope_cents=100,
        rule=AllocationRule.PRIORITY_FIRST,
    )
    assert res.by_nation() == {"B": 30, "A": 35, "C": 35, "D": 0}


def test_invalid_input_rejected():
    with pytest.raises(ValueError):
        allocate(reqs(("A", -1)))
    with pytest.raises(ValueError):
        allocate(reqs(("A", 1), ("A", 2)))
    with pytest.raises(ValueError):
        allocate(reqs(("A", 1)), envelope_cents=-5)


def test_empty_requests():
    res = allocate([], envelope_cents=100)
    assert res.allocations == () and res.allocated_cents == 0 and not res.oversubscribed


codes = [f"N{i:02d}" for i in range(12)]
requests_st = st.lists(
    st.tuples(st.integers(0, 10**12), st.integers(0, 2)), min_size=1, max_size=12
).map(lambda xs: [LoanRequest(codes[i], a, p) for i, (a, p) in enumerate(xs)])
envelopes = st.integers(0, 3 * 10**12)
rules = st.sampled_from(list(AllocationRule))


@settings(max_examples=300, deadline=None)
@given(requests_st, envelopes, rules)
def test_sum_and_caps(rs, env, rule):
    res = allocate(rs, envelope_cents=env, rule=rule)
    total = sum(r.amount_cents for r in rs)
    assert res.allocated_cents == sum(a.allocated_cents for a in res.allocations)
    assert res.allocated_cents == min(env, total)
    for a in res.allocations:
        assert 0 <= a.allocated_cents <= a.requested_cents
    assert res.oversubscribed == (total > env)


@settings(max_examples=300, deadline=None)
@given(requests_st, envelopes)
def test_pro_rata_within_one_cent_of_exact_quota(rs, env):
    res = allocate(rs, envelope_cents=env)
    total = sum(r.amount_cents for r in rs)
    if total > env:
        for a in res.allocations:
            quota = Fraction(a.requested_cents * env, total)
            assert abs(a.allocated_cents - quota) < 1


@settings(max_examples=300, deadline=None)
@given(requests_st, envelopes)
def test_equal_share_capped_is_max_min_fair(rs, env):
    res = allocate(rs, envelope_cents=env, rule=AllocationRule.EQUAL_SHARE_CAPPED)
    if res.oversubscribed:
        short = [a.allocated_cents for a in res.allocations if a.shortfall_cents > 0]
        # everybody left short gets the same level, up to one cent
        assert max(short) - min(short) <= 1
        # nobody got more than the level plus the rounding cent
        assert all(a.allocated_cents <= min(short) + 1 for a in res.allocations)


@settings(max_examples=300, deadline=None)
@given(requests_st, envelopes, st.integers(0, 10), st.integers(1, 10**11), rules)
def test_monotone_in_own_request(rs, env, idx, extra, rule):
    i = idx % len(rs)
    more = list(rs)
    more[i] = LoanRequest(rs[i].nation, rs[i].amount_cents + extra, rs[i].priority)
    before = allocate(rs, envelope_cents=env, rule=rule).allocations
    after = allocate(more, envelope_cents=env, rule=rule).allocations
    # raising one's own request never loses more than the rounding cent; nobody else gains
    # more than the rounding cent
    slack = 1 if rule is not AllocationRule.EQUAL_SHARE_CAPPED else 0
    assert after[i].allocated_cents >= before[i].allocated_cents - slack
    for j in range(len(rs)):
        if j != i:
            assert after[j].allocated_cents <= before[j].allocated_cents + 1
