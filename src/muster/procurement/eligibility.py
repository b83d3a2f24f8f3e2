"""SAFE eligibility rules for a common (joint) procurement.

Pure: dataclasses in, dataclasses out. Each rule is a named function with its text and its
source (Council Regulation (EU) 2025/1106, "SAFE"); `check` runs them all and names every
rule a procurement fails. See docs/procurement.md for the rules and where each comes from.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_DOWN, Decimal
from enum import StrEnum

REGULATION = "Council Regulation (EU) 2025/1106 of 27 May 2025 (SAFE)"
REGULATION_URL = "https://eur-lex.europa.eu/eli/reg/2025/1106/oj/eng"

EEA_EFTA_NATIONS = frozenset({"IS", "LI", "NO"})
UKRAINE = "UA"

# Often cited, but no primary source was found for it (see docs/procurement.md): UNVERIFIED.
DEFAULT_SINGLE_NATION_UNTIL = date(2026, 5, 30)
DEFAULT_MIN_EU_ORIGIN_SHARE = Decimal("0.65")


class Status(StrEnum):
    """A participant's (or a component origin's) standing under SAFE."""

    MEMBER_STATE = "member_state"
    UKRAINE = "ukraine"
    EEA_EFTA = "eea_efta"
    ACCEDING_CANDIDATE = "acceding_candidate"
    SDP_PARTNER = "sdp_partner"
    OTHER = "other"


PARTNER_STATUSES = frozenset({Status.ACCEDING_CANDIDATE, Status.SDP_PARTNER})
# Statuses treated like a member state as a co-buyer in a common procurement.
CO_BUYER_STATUSES = frozenset({Status.MEMBER_STATE, Status.UKRAINE, Status.EEA_EFTA})
# Component origins that count towards the 65 % rule.
DEFAULT_COUNTED_ORIGINS = frozenset({Status.MEMBER_STATE, Status.UKRAINE, Status.EEA_EFTA})


@dataclass(frozen=True)
class Participant:
    """A nation taking part in a procurement. `nation` is an ISO 3166-1 alpha-2 code."""

    nation: str
    status: Status
    borrows_under_safe: bool = False
    has_agreement: bool = False


@dataclass(frozen=True)
class ComponentOrigin:
    """Part of an item's component cost, by where the component comes from.

    `cost_cents` is the component cost in euro cents. Only ratios matter to the origin rule,
    so shares may be given as any integer weights (e.g. per mille).
    """

    origin: Status
    cost_cents: int

    def __post_init__(self) -> None:
        if self.cost_cents < 0:
            raise ValueError("cost_cents must be >= 0")


@dataclass(frozen=True)
class ProcurementItem:
    """An end product bought in the procurement, with its component cost by origin."""

    name: str
    components: tuple[ComponentOrigin, ...] = ()


def eu_share_components(eu_share: Decimal) -> tuple[ComponentOrigin, ...]:
    """Components from a single EU/EEA/UA cost share (e.g. a stored `eu_origin_share`).

    The share becomes integer weights in billionths, rounded down, so rounding can never make
    an item look more European than it is.
    """
    share = Decimal(eu_share)
    if not Decimal(0) <= share <= Decimal(1):
        raise ValueError("eu_share must be within [0, 1]")
    scale = 10**9
    eu = int((share * scale).to_integral_value(rounding=ROUND_DOWN))
    return (ComponentOrigin(Status.MEMBER_STATE, eu), ComponentOrigin(Status.OTHER, scale - eu))


def status_from_flags(*, nation: str, eu_member: bool, eea_efta: bool, partner: bool) -> Status:
    """A participant status from the reference table's flags (partners as SDP partners)."""
    if nation == UKRAINE:
        return Status.UKRAINE
    if eu_member:
        return Status.MEMBER_STATE
    if eea_efta:
        return Status.EEA_EFTA
    if partner:
        return Status.SDP_PARTNER
    return Status.OTHER


@dataclass(frozen=True)
class Procurement:
    """A (common) procurement: who buys, what, and when the contract is signed."""

    participants: tuple[Participant, ...]
    items: tuple[ProcurementItem, ...]
    procured_on: date


@dataclass(frozen=True)
class RuleSettings:
    """Parameters of the rules that are uncertain or may change."""

    single_nation_until: date = DEFAULT_SINGLE_NATION_UNTIL
    min_eu_origin_share: Decimal = DEFAULT_MIN_EU_ORIGIN_SHARE
    counted_origins: frozenset[Status] = DEFAULT_COUNTED_ORIGINS

    def __post_init__(self) -> None:
        if not Decimal(0) <= self.min_eu_origin_share <= Decimal(1):
            raise ValueError("min_eu_origin_share must be within [0, 1]")


@dataclass(frozen=True)
class RuleFailure:
    """One failed rule: which, its text, its source, and what was wrong."""

    rule_id: str
    text: str
    source: str
    detail: str


@dataclass(frozen=True)
class EligibilityResult:
    """`eligible` is True iff `failures` is empty."""

    eligible: bool
    failures: tuple[RuleFailure, ...] = field(default_factory=tuple)

    @property
    def failed_rule_ids(self) -> tuple[str, ...]:
        return tuple(f.rule_id for f in self.failures)


@dataclass(frozen=True)
class Rule:
    """A named rule: `evaluate` returns None when it holds, else a detail of the failure."""

    rule_id: str
    text: str
    source: str
    evaluate: Callable[[Procurement, RuleSettings], str | None]


def _source(*urls: str) -> str:
    return "; ".join((REGULATION, REGULATION_URL, *urls))


def _is_safe_borrower(p: Participant) -> bool:
    return p.status is Status.MEMBER_STATE and p.borrows_under_safe


def common_procurement(procurement: Procurement, settings: RuleSettings) -> str | None:
    """(a) Two or more participants: a SAFE-borrowing member state plus another MS, UA or EEA.

    A procurement with exactly one participant is governed by `single_member_state` instead.
    """
    parts = procurement.participants
    if len(parts) == 1:
        return None
    if not parts:
        return "no participants"
    nations = [p.nation for p in parts]
    if len(set(nations)) != len(nations):
        return f"a nation is listed twice: {sorted(nations)}"
    borrowers = [p for p in parts if _is_safe_borrower(p)]
    if not borrowers:
        return "no participant is a member state borrowing under SAFE"
    for b in borrowers:
        if any(p is not b and p.status in CO_BUYER_STATUSES for p in parts):
            return None
    return (
        f"only {borrowers[0].nation} is a member state, Ukraine or EEA-EFTA state; "
        "a second one is needed"
    )


def third_country_participation(procurement: Procurement, settings: RuleSettings) -> str | None:
    """(b) Acceding/candidate and SDP partner countries only under an agreement; no others."""
    problems = []
    for p in procurement.participants:
        if p.status in PARTNER_STATUSES and not p.has_agreement:
            problems.append(f"{p.nation} ({p.status}) has no agreement with the Union")
        elif p.status is Status.OTHER:
            problems.append(f"{p.nation} is not an eligible participant")
    return "; ".join(problems) or None


def single_member_state(procurement: Procurement, settings: RuleSettings) -> str | None:
    """(c) A procurement by one member state alone only up to the (configurable) cut-off date."""
    parts = procurement.participants
    if len(parts) != 1:
        return None
    (p,) = parts
    if not _is_safe_borrower(p):
        return f"{p.nation} alone is not a member state borrowing under SAFE"
    if procurement.procured_on > settings.single_nation_until:
        return (
            f"single-member-state procurement on {procurement.procured_on.isoformat()} is after "
            f"the cut-off {settings.single_nation_until.isoformat()}"
        )
    return None


def component_origin(procurement: Procurement, settings: RuleSettings) -> str | None:
    """(d) Per item, at least 65 % of component cost from the EU, EEA-EFTA or Ukraine."""
    problems = []
    if not procurement.items:
        return "no items"
    for item in procurement.items:
        total = sum(c.cost_cents for c in item.components)
        if total == 0:
            problems.append(f"{item.name}: no component cost given, origin not shown")
            continue
        counted = sum(c.cost_cents for c in item.components if c.origin in settings.counted_origins)
        share = Decimal(counted) / Decimal(total)
        if share < settings.min_eu_origin_share:
            problems.append(
                f"{item.name}: {share:.2%} of component cost from the EU, EEA-EFTA or Ukraine, "
                f"needs {settings.min_eu_origin_share:.0%}"
            )
    return "; ".join(problems) or None


_EUBUSINESS = (
    "https://www.eubusiness.com/defence/eu-adopts-eur-150-bn-boost-for-joint-procurement-on-"
    "european-security-and-defence"
)
_DELOITTE = (
    "https://www.deloittelegal.be/lg/en/blogs/eu-council-commits-eur-150-billion-to-joint-eu-"
    "security-and-defence-procurement.html"
)
_PARAPOLITIKA = "https://en.parapolitika.gr/?p=106201"
_DEVDISCOURSE = (
    "https://www.devdiscourse.com/article/law-order/3419976-eus-new-arms-fund-strengthening-"
    "europes-defense-autonomy"
)

RULES: tuple[Rule, ...] = (
    Rule(
        "safe.common_procurement",
        "A common procurement has at least two participants: a member state borrowing under "
        "SAFE plus another member state, Ukraine, or an EEA-EFTA state (Iceland, Liechtenstein, "
        "Norway).",
        _source(_EUBUSINESS),
        common_procurement,
    ),
    Rule(
        "safe.third_country_participation",
        "Acceding, candidate and potential-candidate countries and Security and Defence "
        "Partnership countries may join a common procurement only under an agreement with the "
        "Union; other third countries may not participate.",
        _source(_EUBUSINESS, _PARAPOLITIKA),
        third_country_participation,
    ),
    Rule(
        "safe.single_member_state",
        "Procurement by a single member state is allowed only for a limited period, until the "
        "cut-off date (default 30 May 2026, UNVERIFIED).",
        _source(_EUBUSINESS, _DELOITTE),
        single_member_state,
    ),
    Rule(
        "safe.component_origin",
        "At least 65% of the cost of an end product's components originates in the EU, the "
        "EEA-EFTA states or Ukraine (third-country components at most 35%).",
        _source(_DEVDISCOURSE),
        component_origin,
    ),
)
RULES_BY_ID = {r.rule_id: r for r in RULES}
# The rules about who buys (everything but the origin of components): used to form groups.
PARTICIPANT_RULES = tuple(r for r in RULES if r.rule_id != "safe.component_origin")


def check(
    procurement: Procurement,
    settings: RuleSettings | None = None,
    *,
    rules: Sequence[Rule] = RULES,
) -> EligibilityResult:
    """Run every rule on the procurement; name each one it fails."""
    settings = settings or RuleSettings()
    failures = []
    for rule in rules:
        detail = rule.evaluate(procurement, settings)
        if detail is not None:
            failures.append(RuleFailure(rule.rule_id, rule.text, rule.source, detail))
    return EligibilityResult(eligible=not failures, failures=tuple(failures))
