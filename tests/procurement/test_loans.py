from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from muster.procurement.loans import (
    ROW_HEADERS,
    Amortisation,
    Frequency,
    LoanTerms,
    add_months,
    prefinancing,
    repayment_schedule,
)

START = date(2026, 3, 31)


def test_prefinancing_default_15_percent_rounded_down():
    p = prefinancing(1_000_000_01)
    assert p.amount_cents == 15_000_000  # 15 % of 100,000,001 cents = 15,000,000.15
    assert p.rest_cents == 1_000_000_01 - 15_000_000
    assert prefinancing(1000, share=Decimal("0.1")).amount_cents == 100
    with pytest.raises(ValueError):
        prefinancing(1000, share=Decimal("0.16"))
    assert prefinancing(1000, share=Decimal("0.2"), max_share=Decimal("0.2")).amount_cents == 200


def test_add_months_clamps_day():
    assert add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)
    assert add_months(date(2026, 3, 31), 12) == date(2027, 3, 31)


def test_default_schedule_shape_and_known_values():
    s = repayment_schedule(LoanTerms(35_000_000_00, Decimal("0.03"), START))
    assert len(s.rows) == 45
    assert s.rows[0].due_on == date(2027, 3, 31) and s.rows[-1].due_on == date(2071, 3, 31)
    # grace: 10 years interest only, 3 % of 35m = 1.05m
    assert all(r.principal_cents == 0 and r.interest_cents == 1_050_000_00 for r in s.rows[:10])
    # then 35 equal instalments of 1m
    assert all(r.principal_cents == 1_000_000_00 for r in s.rows[10:])
    assert s.rows[10].interest_cents == 1_050_000_00
    assert s.rows[-1].interest_cents == 30_000_00
    assert s.rows[-1].closing_balance_cents == 0
    assert s.to_rows()[0] == ROW_HEADERS and len(s.to_rows()) == 46


def test_annuity_equal_payments_after_grace():
    s = repayment_schedule(
        LoanTerms(
            10_000_000_00,
            Decimal("0.04"),
            START,
            frequency=Frequency.SEMI_ANNUAL,
            amortisation=Amortisation.ANNUITY,
        )
    )
    assert len(s.rows) == 90
    payments = {r.payment_cents for r in s.rows[20:-1]}
    assert len(payments) == 1  # constant instalment
    assert abs(s.rows[-1].payment_cents - payments.pop()) <= 100  # last absorbs rounding
    # principal grows over time in an annuity
    assert s.rows[21].principal_cents > s.rows[20].principal_cents


terms_st = st.builds(
    LoanTerms,
    principal_cents=st.integers(0, 10**13),
    annual_rate=st.decimals(0, Decimal("0.12"), places=5),
    start=st.dates(date(2025, 1, 1), date(2031, 1, 1)),
    maturity_years=st.integers(1, 45),
    grace_years=st.just(0),
    frequency=st.sampled_from(list(Frequency)),
    amortisation=st.sampled_from(list(Amortisation)),
).map(
    lambda t: LoanTerms(
        t.principal_cents,
        t.annual_rate,
        t.start,
        t.maturity_years,
        min(10, t.maturity_years - 1),
        t.frequency,
        t.amortisation,
    )
)


@settings(max_examples=150, deadline=None)
@given(terms_st)
def test_schedule_invariants(t):
    s = repayment_schedule(t)
    ppy = t.frequency.periods_per_year
    assert len(s.rows) == t.maturity_years * ppy
    assert s.total_principal_cents == t.principal_cents
    assert s.rows[-1].closing_balance_cents == 0
    grace = t.grace_years * ppy
    prev = t.principal_cents
    for r in s.rows:
        assert r.opening_balance_cents == prev
        assert r.closing_balance_cents == r.opening_balance_cents - r.principal_cents
        assert r.payment_cents == r.interest_cents + r.principal_cents
        assert r.principal_cents >= 0 and r.interest_cents >= 0
        # interest is the period rate on the opening balance, to the cent
        exact = Decimal(r.opening_balance_cents) * t.annual_rate / ppy
        assert abs(r.interest_cents - exact) <= Decimal("0.5")
        prev = r.closing_balance_cents
    assert all(r.principal_cents == 0 for r in s.rows[:grace])
    if t.amortisation is Amortisation.LINEAR:
        if t.principal_cents >= len(s.rows):
            assert all(r.principal_cents > 0 for r in s.rows[grace:])
        ps = [r.principal_cents for r in s.rows[grace:]]
        assert max(ps) - min(ps) <= 1
    if t.annual_rate == 0:
        assert s.total_interest_cents == 0
        assert all(r.payment_cents == r.principal_cents for r in s.rows)
        assert s.total_paid_cents == t.principal_cents


def test_invalid_terms():
    with pytest.raises(ValueError):
        LoanTerms(100, Decimal("0.01"), START, maturity_years=10, grace_years=10)
    with pytest.raises(ValueError):
        LoanTerms(-1, Decimal("0.01"), START)
    with pytest.raises(ValueError):
        LoanTerms(1, Decimal("-0.01"), START)
