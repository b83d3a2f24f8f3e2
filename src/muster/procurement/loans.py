"""SAFE loans: pre-financing and repayment schedules, in integer euro cents.

SAFE loans run up to 45 years with 10 years' grace on principal and pre-financing of up to
15 % (public-facts.md section 2). The schedule assumes the whole principal is disbursed on
`LoanTerms.start`; tranche disbursement is not modelled. The annual rate is nominal: each
period charges rate / periods-per-year on the opening balance, rounded half-even to the cent.
Principal rounding is arranged so the principal repayments sum to the principal exactly.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Decimal, localcontext
from enum import StrEnum

PREFINANCING_MAX_SHARE = Decimal("0.15")
MATURITY_YEARS = 45
GRACE_YEARS = 10


class Frequency(StrEnum):
    ANNUAL = "annual"
    SEMI_ANNUAL = "semi_annual"

    @property
    def periods_per_year(self) -> int:
        return 1 if self is Frequency.ANNUAL else 2


class Amortisation(StrEnum):
    """How principal is repaid after the grace period."""

    LINEAR = "linear"  # equal principal each period
    ANNUITY = "annuity"  # equal payment (interest + principal) each period


@dataclass(frozen=True)
class Prefinancing:
    loan_cents: int
    share: Decimal
    amount_cents: int

    @property
    def rest_cents(self) -> int:
        return self.loan_cents - self.amount_cents


def prefinancing(
    loan_cents: int,
    *,
    share: Decimal = PREFINANCING_MAX_SHARE,
    max_share: Decimal = PREFINANCING_MAX_SHARE,
) -> Prefinancing:
    """Pre-financing of `share` of the loan (at most `max_share`), rounded down to the cent."""
    if loan_cents < 0:
        raise ValueError("loan_cents must be >= 0")
    share = Decimal(share)
    if not (Decimal(0) <= share <= Decimal(max_share)):
        raise ValueError(f"pre-financing share {share} outside [0, {max_share}]")
    amount = int((Decimal(loan_cents) * share).to_integral_value(rounding=ROUND_DOWN))
    return Prefinancing(loan_cents, share, amount)


@dataclass(frozen=True)
class LoanTerms:
    """One loan's terms. `annual_rate` is a fraction (Decimal("0.03") for 3 %)."""

    principal_cents: int
    annual_rate: Decimal
    start: date
    maturity_years: int = MATURITY_YEARS
    grace_years: int = GRACE_YEARS
    frequency: Frequency = Frequency.ANNUAL
    amortisation: Amortisation = Amortisation.LINEAR

    def __post_init__(self) -> None:
        if self.principal_cents < 0:
            raise ValueError("principal_cents must be >= 0")
        if Decimal(self.annual_rate) < 0:
            raise ValueError("annual_rate must be >= 0")
        if not (0 <= self.grace_years < self.maturity_years):
            raise ValueError("need 0 <= grace_years < maturity_years")


@dataclass(frozen=True)
class ScheduleRow:
    period: int
    due_on: date
    opening_balance_cents: int
    interest_cents: int
    principal_cents: int
    payment_cents: int
    closing_balance_cents: int


ROW_HEADERS = (
    "period",
    "due_on",
    "opening_balance_cents",
    "interest_cents",
    "principal_cents",
    "payment_cents",
    "closing_balance_cents",
)


@dataclass(frozen=True)
class RepaymentSchedule:
    terms: LoanTerms
    rows: tuple[ScheduleRow, ...]

    @property
    def total_interest_cents(self) -> int:
        return sum(r.interest_cents for r in self.rows)

    @property
    def total_principal_cents(self) -> int:
        return sum(r.principal_cents for r in self.rows)

    @property
    def total_paid_cents(self) -> int:
        return sum(r.payment_cents for r in self.rows)

    def to_rows(self) -> list[tuple]:
        """Header row then one tuple per period, ready for a spreadsheet writer."""
        return [ROW_HEADERS] + [
            (
                r.period,
                r.due_on,
                r.opening_balance_cents,
                r.interest_cents,
                r.principal_cents,
                r.payment_cents,
                r.closing_balance_cents,
            )
            for r in self.rows
        ]


def add_months(d: date, months: int) -> date:
    """`d` plus whole months, the day clamped to the end of a shorter month."""
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def _round_cents(x: Decimal) -> int:
    return int(x.to_integral_value(rounding=ROUND_HALF_EVEN))


def _linear_principal(principal: int, n: int, j: int) -> int:
    """Principal due in amortising period j (1-based) of n: floor steps, summing exactly."""
    return principal * j // n - principal * (j - 1) // n


def repayment_schedule(terms: LoanTerms) -> RepaymentSchedule:
    """The loan's schedule: interest only during grace, then linear or annuity amortisation."""
    ppy = terms.frequency.periods_per_year
    months = 12 // ppy
    n_total = terms.maturity_years * ppy
    n_grace = terms.grace_years * ppy
    n_amort = n_total - n_grace
    principal = terms.principal_cents
    rate = Decimal(terms.annual_rate) / ppy

    with localcontext() as ctx:
        ctx.prec = 50
        annuity = None
        if terms.amortisation is Amortisation.ANNUITY and rate > 0:
            annuity = _round_cents(Decimal(principal) * rate / (1 - (1 + rate) ** -n_amort))
        rows = []
        balance = principal
        for k in range(1, n_total + 1):
            interest = _round_cents(Decimal(balance) * rate)
            j = k - n_grace
            if j <= 0:
                repaid = 0
            elif j == n_amort:
                repaid = balance
            elif annuity is not None:
                repaid = min(max(annuity - interest, 0), balance)
            else:
                repaid = _linear_principal(principal, n_amort, j)
            rows.append(
                ScheduleRow(
                    period=k,
                    due_on=add_months(terms.start, k * months),
                    opening_balance_cents=balance,
                    interest_cents=interest,
                    principal_cents=repaid,
                    payment_cents=interest + repaid,
                    closing_balance_cents=balance - repaid,
                )
            )
            balance -= repaid
    return RepaymentSchedule(terms, tuple(rows))
