from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from muster.procurement.eligibility import (
    RULES,
    RULES_BY_ID,
    ComponentOrigin,
    Participant,
    Procurement,
    ProcurementItem,
    RuleSettings,
    Status,
    check,
    eu_share_components,
    status_from_flags,
)

PL = Participant("PL", Status.MEMBER_STATE, borrows_under_safe=True)
DE = Participant("DE", Status.MEMBER_STATE)
FR = Participant("FR", Status.MEMBER_STATE, borrows_under_safe=True)
UA = Participant("UA", Status.UKRAINE)
NO = Participant("NO", Status.EEA_EFTA)
UK = Participant("GB", Status.SDP_PARTNER)
UK_DEAL = Participant("GB", Status.SDP_PARTNER, has_agreement=True)
US = Participant("US", Status.OTHER)
EU_ITEM = ProcurementItem(
    "155mm shell",
    (ComponentOrigin(Status.MEMBER_STATE, 70), ComponentOrigin(Status.OTHER, 30)),
)
AFTER = date(2026, 11, 25)
BEFORE = date(2026, 1, 15)


def proc(*parts, items=(EU_ITEM,), on=AFTER):
    return Procurement(tuple(parts), tuple(items), on)


def failed(p, s=None):
    return set(check(p, s).failed_rule_ids)


def test_every_rule_has_text_and_regulation_source():
    assert len(RULES) == 4
    for r in RULES:
        assert r.text and "2025/1106" in r.source and "eur-lex.europa.eu" in r.source


# (a) common procurement
def test_common_procurement_passes_with_borrower_and_ukraine_or_eea_or_ms():
    for other in (UA, NO, DE):
        assert check(proc(PL, other)).eligible


def test_common_procurement_fails_without_safe_borrower():
    r = check(proc(DE, UA))
    assert not r.eligible
    assert r.failed_rule_ids == ("safe.common_procurement",)
    assert "borrowing under SAFE" in r.failures[0].detail
    assert r.failures[0].source == RULES_BY_ID["safe.common_procurement"].source


def test_common_procurement_fails_when_partner_is_only_co_buyer():
    # a borrower plus an SDP partner (even with a deal) is not "another MS, UA or EEA"
    assert failed(proc(PL, UK_DEAL)) == {"safe.common_procurement"}


def test_common_procurement_fails_on_empty_and_duplicates():
    assert "safe.common_procurement" in failed(proc())
    assert "safe.common_procurement" in failed(proc(PL, PL))


# (b) third countries
def test_partner_with_agreement_may_join():
    assert check(proc(PL, DE, UK_DEAL)).eligible


def test_partner_without_agreement_or_other_fails():
    r = check(proc(PL, DE, UK, US))
    assert r.failed_rule_ids == ("safe.third_country_participation",)
    assert "GB" in r.failures[0].detail and "US" in r.failures[0].detail


# (c) single member state
def test_single_member_state_before_cutoff_passes():
    assert check(proc(PL, on=BEFORE)).eligible
    assert check(proc(PL, on=date(2026, 5, 30))).eligible  # cut-off day itself


def test_single_member_state_after_cutoff_fails_and_cutoff_is_configurable():
    r = check(proc(PL, on=date(2026, 5, 31)))
    assert r.failed_rule_ids == ("safe.single_member_state",)
    assert "2026-05-30" in r.failures[0].detail
    assert check(proc(PL), RuleSettings(single_nation_until=AFTER)).eligible


def test_single_non_borrower_fails_even_before_cutoff():
    assert failed(proc(DE, on=BEFORE)) == {"safe.single_member_state"}
    assert failed(proc(UA, on=BEFORE)) == {"safe.single_member_state"}


# (d) origin
def test_origin_exactly_65_percent_passes_below_fails():
    ok = ProcurementItem(
        "radar", (ComponentOrigin(Status.EEA_EFTA, 65), ComponentOrigin(Status.OTHER, 35))
    )
    bad = ProcurementItem(
        "drone", (ComponentOrigin(Status.UKRAINE, 6499), ComponentOrigin(Status.OTHER, 3501))
    )
    assert check(proc(PL, DE, items=[ok])).eligible
    r = check(proc(PL, DE, items=[ok, bad]))
    assert r.failed_rule_ids == ("safe.component_origin",)
    assert "drone" in r.failures[0].detail and "radar" not in r.failures[0].detail


def test_origin_partner_components_do_not_count_unless_configured():
    item = ProcurementItem(
        "missile",
        (ComponentOrigin(Status.MEMBER_STATE, 50), ComponentOrigin(Status.SDP_PARTNER, 50)),
    )
    assert failed(proc(PL, DE, items=[item])) == {"safe.component_origin"}
    s = RuleSettings(
        counted_origins=frozenset({Status.MEMBER_STATE, Status.SDP_PARTNER}),
    )
    assert check(proc(PL, DE, items=[item]), s).eligible
    assert check(
        proc(PL, DE, items=[item]), RuleSettings(min_eu_origin_share=Decimal("0.5"))
    ).eligible


def test_origin_share_setting_validated():
    with pytest.raises(ValueError):
        RuleSettings(min_eu_origin_share=Decimal("1.5"))


def test_eu_share_components_and_status_from_flags():
    item = ProcurementItem("x", eu_share_components(Decimal("0.65")))
    assert check(proc(PL, DE, items=[item])).eligible
    item = ProcurementItem("x", eu_share_components(Decimal("0.6499999999")))
    assert not check(proc(PL, DE, items=[item])).eligible
    with pytest.raises(ValueError):
        eu_share_components(Decimal("1.01"))
    flags = {"eu_member": False, "eea_efta": False, "partner": False}
    assert status_from_flags(nation="UA", **flags) is Status.UKRAINE
    assert status_from_flags(nation="US", **flags) is Status.OTHER
    assert status_from_flags(nation="PL", **{**flags, "eu_member": True}) is Status.MEMBER_STATE
    assert status_from_flags(nation="NO", **{**flags, "eea_efta": True}) is Status.EEA_EFTA
    assert status_from_flags(nation="GB", **{**flags, "partner": True}) is Status.SDP_PARTNER


def test_origin_without_components_fails():
    assert failed(proc(PL, DE, items=[ProcurementItem("x")])) == {"safe.component_origin"}


def test_all_failures_are_named_together():
    bad = ProcurementItem("x", (ComponentOrigin(Status.OTHER, 1),))
    assert failed(proc(DE, US, items=[bad])) == {
        "safe.common_procurement",
        "safe.third_country_participation",
        "safe.component_origin",
    }


# property tests
nations = st.sampled_from(["PL", "DE", "FR", "IT", "UA", "NO", "IS", "GB", "CA", "US", "RS"])
participants = st.builds(
    Participant,
    nation=nations,
    status=st.sampled_from(list(Status)),
    borrows_under_safe=st.booleans(),
    has_agreement=st.booleans(),
)
components = st.lists(
    st.builds(ComponentOrigin, st.sampled_from(list(Status)), st.integers(0, 10**9)),
    min_size=1,
    max_size=5,
)
procurements = st.builds(
    Procurement,
    participants=st.lists(participants, max_size=5, unique_by=lambda p: p.nation).map(tuple),
    items=st.lists(
        st.builds(ProcurementItem, st.just("i"), components.map(tuple)), min_size=1, max_size=3
    ).map(tuple),
    procured_on=st.dates(date(2025, 6, 1), date(2031, 1, 1)),
)


@settings(max_examples=200, deadline=None)
@given(procurements)
def test_eligible_iff_no_failures_and_failures_are_known_rules(p):
    r = check(p)
    assert r.eligible == (not r.failures)
    assert all(f.rule_id in RULES_BY_ID and f.detail for f in r.failures)
    # an independent restatement of the participant rules
    parts = p.participants
    borrower = any(x.status is Status.MEMBER_STATE and x.borrows_under_safe for x in parts)
    if len(parts) >= 2:
        co = sum(x.status in (Status.MEMBER_STATE, Status.UKRAINE, Status.EEA_EFTA) for x in parts)
        assert ("safe.common_procurement" in r.failed_rule_ids) == (not (borrower and co >= 2))
    if len(parts) == 1:
        ok = borrower and p.procured_on <= date(2026, 5, 30)
        assert ("safe.single_member_state" in r.failed_rule_ids) == (not ok)
    bad3 = any(
        x.status is Status.OTHER
        or (x.status in (Status.SDP_PARTNER, Status.ACCEDING_CANDIDATE) and not x.has_agreement)
        for x in parts
    )
    assert ("safe.third_country_participation" in r.failed_rule_ids) == bad3


@settings(max_examples=100, deadline=None)
@given(procurements, st.integers(1, 400))
def test_later_cutoff_never_makes_a_procurement_less_eligible(p, days):
    early = RuleSettings()
    late = RuleSettings(single_nation_until=early.single_nation_until + timedelta(days=days))
    assert set(check(p, late).failed_rule_ids) <= set(check(p, early).failed_rule_ids)


@settings(max_examples=100, deadline=None)
@given(procurements, st.integers(1, 10**9))
def test_adding_counted_origin_cost_never_breaks_origin_rule(p, extra):
    more = Procurement(
        p.participants,
        tuple(
            ProcurementItem(i.name, i.components + (ComponentOrigin(Status.UKRAINE, extra),))
            for i in p.items
        ),
        p.procured_on,
    )
    if "safe.component_origin" not in check(p).failed_rule_ids:
        assert "safe.component_origin" not in check(more).failed_rule_ids
