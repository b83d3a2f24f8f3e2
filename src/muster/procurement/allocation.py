"""Allocate the SAFE loan envelope among member states' loan requests.

Pure: integer euro cents in, integer euro cents out. When the requests fit in the envelope,
every nation gets what it asked for. When they do not (oversubscribed), one of the rules in
`AllocationRule` shares the envelope out exactly: the allocations then sum to the envelope to
the cent. See docs/procurement.md for the rules and their tie-breaks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

SAFE_ENVELOPE_CENTS = 150_000_000_000 * 100  # EUR 150bn


class AllocationRule(StrEnum):
    """How an oversubscribed envelope is shared."""

    PRO_RATA = "pro_rata"
    EQUAL_SHARE_CAPPED = "equal_share_capped"
    PRIORITY_FIRST = "priority_first"


@dataclass(frozen=True)
class LoanRequest:
    """A nation's request for a SAFE loan. Lower `priority` is served first (priority_first)."""

    nation: str
    amount_cents: int
    priority: int = 0


@dataclass(frozen=True)
class Allocation:
    nation: str
    requested_cents: int
    allocated_cents: int

    @property
    def shortfall_cents(self) -> int:
        return self.requested_cents - self.allocated_cents


@dataclass(frozen=True)
class AllocationResult:
    """Allocations in the order of the requests, plus totals."""

    rule: AllocationRule
    envelope_cents: int
    requested_cents: int
    allocated_cents: int
    oversubscribed: bool
    allocations: tuple[Allocation, ...]

    @property
    def unallocated_cents(self) -> int:
        return self.envelope_cents - self.allocated_cents

    def by_nation(self) -> dict[str, int]:
        return {a.nation: a.allocated_cents for a in self.allocations}

    def to_rows(self) -> list[tuple]:
        """Header row, one row per nation, then a total row, ready for a spreadsheet writer."""
        rows: list[tuple] = [("nation", "requested_cents", "allocated_cents", "shortfall_cents")]
        rows += [
            (a.nation, a.requested_cents, a.allocated_cents, a.shortfall_cents)
            for a in self.allocations
        ]
        rows.append(
            (
                "TOTAL",
                self.requested_cents,
                self.allocated_cents,
                self.requested_cents - self.allocated_cents,
            )
        )
        return rows


def _validate(requests: Sequence[LoanRequest], envelope_cents: int) -> None:
    if envelope_cents < 0:
        raise ValueError("envelope_cents must be >= 0")
    seen: set[str] = set()
    for r in requests:
        if r.amount_cents < 0:
            raise ValueError(f"{r.nation}: amount_cents must be >= 0")
        if r.nation in seen:
            raise ValueError(f"{r.nation}: more than one request")
        seen.add(r.nation)


def pro_rata(requests: Sequence[LoanRequest], envelope_cents: int) -> list[int]:
    """Each nation gets request × envelope / total, rounded by largest remainder.

    Every nation first gets the floor of its exact quota; the cents left over (fewer than the
    number of nations) go one each to the largest fractional remainders, ties broken by the
    larger request, then the nation code. The result sums exactly to min(envelope, total).
    """
    total = sum(r.amount_cents for r in requests)
    if total <= envelope_cents:
        return [r.amount_cents for r in requests]
    floors = [r.amount_cents * envelope_cents // total for r in requests]
    remainders = [r.amount_cents * envelope_cents % total for r in requests]
    left = envelope_cents - sum(floors)
    order = sorted(
        range(len(requests)),
        key=lambda i: (-remainders[i], -requests[i].amount_cents, requests[i].nation),
    )
    for i in order[:left]:
        floors[i] += 1
    return floors


def equal_share_capped(requests: Sequence[LoanRequest], envelope_cents: int) -> list[int]:
    """Max-min fair (water-filling): each nation gets min(request, λ), λ filling the envelope.

    λ is the largest whole number of cents with Σ min(request, λ) ≤ envelope; the cents still
    left (fewer than the nations asking for more than λ) go one each to those nations, the
    larger request first, then by nation code.
    """
    amounts = [r.amount_cents for r in requests]
    if sum(amounts) <= envelope_cents:
        return amounts
    # Walk the requests in ascending order: serve the small ones in full while the rest can
    # still get at least as much.
    remaining, n_left = envelope_cents, len(amounts)
    level = 0
    for a in sorted(amounts):
        if a * n_left <= remaining:
            remaining -= a
            n_left -= 1
        else:
            level = remaining // n_left
            break
    out = [min(a, level) for a in amounts]
    left = envelope_cents - sum(out)
    above = sorted(
        (i for i, a in enumerate(amounts) if a > level),
        key=lambda i: (-amounts[i], requests[i].nation),
    )
    for i in above[:left]:
        out[i] += 1
    return out


def priority_first(requests: Sequence[LoanRequest], envelope_cents: int) -> list[int]:
    """Serve priority levels in order (lowest number first), each in full while money lasts.

    The level where the money runs out is shared pro rata (largest remainder); later levels
    get nothing.
    """
    out = [0] * len(requests)
    remaining = envelope_cents
    for level in sorted({r.priority for r in requests}):
        idx = [i for i, r in enumerate(requests) if r.priority == level]
        shares = pro_rata([requests[i] for i in idx], remaining)
        for i, s in zip(idx, shares, strict=True):
            out[i] = s
        remaining -= sum(shares)
    return out


_RULES = {
    AllocationRule.PRO_RATA: pro_rata,
    AllocationRule.EQUAL_SHARE_CAPPED: equal_share_capped,
    AllocationRule.PRIORITY_FIRST: priority_first,
}


def allocate(
    requests: Sequence[LoanRequest],
    *,
    envelope_cents: int = SAFE_ENVELOPE_CENTS,
    rule: AllocationRule = AllocationRule.PRO_RATA,
) -> AllocationResult:
    """Allocate the envelope among the requests under `rule`."""
    _validate(requests, envelope_cents)
    rule = AllocationRule(rule)
    amounts = _RULES[rule](requests, envelope_cents)
    requested = sum(r.amount_cents for r in requests)
    return AllocationResult(
        rule=rule,
        envelope_cents=envelope_cents,
        requested_cents=requested,
        allocated_cents=sum(amounts),
        oversubscribed=requested > envelope_cents,
        allocations=tuple(
            Allocation(r.nation, r.amount_cents, a) for r, a in zip(requests, amounts, strict=True)
        ),
    )
