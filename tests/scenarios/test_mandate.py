"""Positions and the mandate: the agreement rule per stance, unknown and abstaining member
states, what-if overrides, and `mandate_amended` gating a site in the scenario timeline."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from muster import crud
from muster.auth.principal import SYSTEM, Principal
from muster.errors import Forbidden, Invalid
from muster.reference.models import Nation
from muster.scenarios import mandate
from muster.scenarios import service as scenarios
from muster.scenarios.models import MandatePosition, MandateProposal, Scenario
from muster.training import service as training

WEEK = dt.date(2026, 11, 30)
CEASEFIRE = dt.date(2027, 1, 4)  # "Ceasefire next month": truce 7 Dec, ceasefire 4 Jan


def _scenario(db, name: str) -> Scenario:
    return db.scalar(select(Scenario).where(Scenario.name == name))


def _add(db, resource, principal=SYSTEM, **values):
    return crud.create(
        db_session=db, resource=resource, principal=principal, data=resource.create_schema(**values)
    )


@pytest.fixture
def proposal(db) -> MandateProposal:
    """A fresh proposal in which every member state supports except those a test sets."""
    return _add(db, mandate.PROPOSALS, title="Test proposal")


def _members(db) -> list[str]:
    return list(db.scalars(select(Nation.code).where(Nation.eu_member.is_(True))))


def _set(db, proposal, nation, stance, scenario_id=None, day="2025-08-29", **extra):
    row = db.scalar(
        select(MandatePosition).where(
            MandatePosition.proposal_id == proposal.id,
            MandatePosition.nation == nation,
            MandatePosition.scenario_id.is_(None)
            if scenario_id is None
            else MandatePosition.scenario_id == scenario_id,
        )
    )
    values = dict(stance=stance, date=dt.date.fromisoformat(day), source="test", **extra)
    if row is None:
        return _add(
            db,
            mandate.POSITIONS,
            proposal_id=proposal.id,
            nation=nation,
            scenario_id=scenario_id,
            **values,
        )
    return crud.update(
        db_session=db,
        resource=mandate.POSITIONS,
        principal=SYSTEM,
        id=row.id,
        data=mandate.POSITIONS.update_schema(version=row.version, **values),
    )


def _all_support_but(db, proposal, nation, stance, **extra):
    for code in _members(db):
        if code != nation:
            _set(db, proposal, code, "support")
    _set(db, proposal, nation, stance, **extra)


def _holds(db, scenario_name: str, week=WEEK, weeks=1):
    scenario = _scenario(db, scenario_name)
    line = scenarios.timeline(db_session=db, scenario_id=scenario.id, start=week, weeks=weeks)
    return line.truths[mandate.MANDATE_CONDITION]


def _proposal_state(db, proposal, scenario_name, week=WEEK, weeks=52):
    scenario = _scenario(db, scenario_name)
    state = mandate.state(db_session=db, scenario_id=scenario.id, week=week, weeks=weeks)
    return state, next(p for p in state["proposals"] if p["proposal_id"] == proposal.id)


def test_agreement_expression_per_stance():
    assert mandate.agreement_expression("support", "", False) == "true"
    assert mandate.agreement_expression("abstain", "", False) == "true"
    assert mandate.agreement_expression("oppose", "us_backstop", True) == "false"
    assert mandate.agreement_expression(None, "", False) == "false"
    assert mandate.agreement_expression("wait_for_ceasefire", "", False) == (
        "phase >= ceasefire and ceasefire_parameters_agreed"
    )
    assert mandate.agreement_expression("support_with_conditions", "us_backstop", False) == (
        "us_backstop"
    )
    assert mandate.agreement_expression("support_with_conditions", "", False) == "false"
    assert mandate.agreement_expression("support_with_conditions", "", True) == "true"


def test_demo_unknown_member_states_block(db):
    """In the demo only Latvia and Estonia have recorded positions: everyone else blocks."""
    state = mandate.state(db_session=db, scenario_id=None, week=WEEK, weeks=26)
    assert state["holds"] is False and state["first_week"] is None
    (demo,) = state["proposals"]
    blockers = {b["nation"]: b for b in demo["blockers"]}
    assert len(blockers) == 27 and demo["member_states"] == 27
    assert blockers["HU"]["stance"] == "unknown" and blockers["HU"]["scope"] == "none"
    assert blockers["LV"]["stance"] == "support_with_conditions"
    assert blockers["LV"]["condition"] == "ceasefire_parameters_agreed"
    assert "Sprūds" in blockers["LV"]["stated_conditions"]
    assert blockers["LV"]["source"]
    assert blockers["EE"]["condition"] == "ukrainian_forces_prepared"


def test_support_agrees(db, proposal):
    _all_support_but(db, proposal, "HU", "support")
    state, p = _proposal_state(db, proposal, "Reality")
    assert p["holds"] and p["blockers"] == [] and len(p["agreeing"]) == 27
    assert state["holds"] and all(_holds(db, "Reality", weeks=4))


def test_oppose_blocks_in_every_week(db, proposal):
    _all_support_but(db, proposal, "HU", "oppose")
    _, p = _proposal_state(db, proposal, "Ceasefire next month")
    assert not p["holds"] and p["first_week"] is None
    assert [(b["nation"], b["stance"]) for b in p["blockers"]] == [("HU", "oppose")]
    assert p["blockers"][0]["first_agreeing_week"] is None


def test_abstain_does_not_block(db, proposal):
    _all_support_but(db, proposal, "HU", "abstain")
    _, p = _proposal_state(db, proposal, "Reality")
    assert p["holds"] and p["abstaining"] == ["HU"] and "HU" not in p["agreeing"]


def test_unknown_blocks(db, proposal):
    for code in _members(db):
        if code != "MT":
            _set(db, proposal, code, "support")
    _, p = _proposal_state(db, proposal, "Reality")
    assert not p["holds"]
    assert [(b["nation"], b["stance"], b["scope"]) for b in p["blockers"]] == [
        ("MT", "unknown", "none")
    ]


def test_wait_for_ceasefire_needs_ceasefire_and_parameters(db, proposal):
    _all_support_but(db, proposal, "IT", "wait_for_ceasefire")
    what_if = _scenario(db, "Ceasefire next month")
    _, p = _proposal_state(db, proposal, "Ceasefire next month")
    assert not p["holds"] and p["first_week"] is None  # ceasefire, but no parameters agreed
    _add(
        db,
        scenarios.CONDITION_EVENTS,
        scenario_id=what_if.id,
        date=dt.date(2026, 12, 7),  # parameters agreed during the truce
        condition="ceasefire_parameters_agreed",
    )
    _, p = _proposal_state(db, proposal, "Ceasefire next month")
    assert not p["holds"]  # hostilities in the first week
    assert p["first_week"] == CEASEFIRE and p["weeks_from_now"] == 5
    assert p["blockers"][0]["first_agreeing_week"] == CEASEFIRE
    flags = _holds(db, "Ceasefire next month", weeks=8)
    assert flags == (False,) * 5 + (True,) * 3
    _, p = _proposal_state(db, proposal, "Reality")  # no ceasefire in reality
    assert p["first_week"] is None


def test_support_with_conditions_holds_when_its_condition_does(db, proposal):
    _all_support_but(
        db,
        proposal,
        "LV",
        "support_with_conditions",
        stated_conditions="clear ceasefire parameters",
        condition="ceasefire_parameters_agreed",
    )
    what_if = _scenario(db, "Ceasefire next month")
    _, p = _proposal_state(db, proposal, "Ceasefire next month")
    assert not p["holds"] and p["blockers"][0]["stated_conditions"] == "clear ceasefire parameters"
    _add(
        db,
        scenarios.CONDITION_EVENTS,
        scenario_id=what_if.id,
        date=dt.date(2027, 2, 1),
        condition="ceasefire_parameters_agreed",
    )
    _, p = _proposal_state(db, proposal, "Ceasefire next month")
    assert p["first_week"] == dt.date(2027, 2, 1)


def test_free_text_conditions_count_only_once_recorded_as_met(db, proposal):
    _all_support_but(
        db, proposal, "LV", "support_with_conditions", stated_conditions="a formal guarantee"
    )
    _, p = _proposal_state(db, proposal, "Reality")
    assert not p["holds"] and p["blockers"][0]["condition"] == ""
    _set(
        db,
        proposal,
        "LV",
        "support_with_conditions",
        stated_conditions="a formal guarantee",
        conditions_met=True,
    )
    _, p = _proposal_state(db, proposal, "Reality")
    assert p["holds"]


def test_a_position_applies_from_its_week(db, proposal):
    _all_support_but(db, proposal, "FR", "support", day="2027-01-06")
    _, p = _proposal_state(db, proposal, "Reality")
    assert not p["holds"] and p["blockers"][0]["stance"] == "unknown"
    assert p["first_week"] == dt.date(2027, 1, 4)


def test_scenario_override_flips_the_condition(db, proposal):
    _all_support_but(db, proposal, "HU", "oppose")
    flip = _add(db, scenarios.SCENARIOS, name="Hungary agrees")
    _add(
        db,
        mandate.POSITIONS,
        proposal_id=proposal.id,
        nation="HU",
        scenario_id=flip.id,
        stance="support",
        date=dt.date(2027, 3, 1),
        source="ILLUSTRATIVE",
    )
    _, p = _proposal_state(db, proposal, "Hungary agrees")
    assert not p["holds"]  # the recorded opposition applies until the override's week
    assert p["blockers"][0]["scope"] == "baseline"
    assert p["first_week"] == dt.date(2027, 3, 1)
    state = mandate.state(db_session=db, scenario_id=flip.id, week=dt.date(2027, 3, 1), weeks=4)
    assert state["holds"]
    # the override belongs to its scenario only
    _, p = _proposal_state(db, proposal, "Reality")
    assert p["first_week"] is None


def test_adopted_proposal_holds_and_withdrawn_is_ignored(db, proposal):
    crud.update(
        db_session=db,
        resource=mandate.PROPOSALS,
        principal=SYSTEM,
        id=proposal.id,
        data=mandate.PROPOSALS.update_schema(version=proposal.version, status="adopted"),
    )
    _, p = _proposal_state(db, proposal, "Reality")
    assert p["holds"] and p["blockers"] == []
    assert all(_holds(db, "Reality", weeks=3))
    crud.update(
        db_session=db,
        resource=mandate.PROPOSALS,
        principal=SYSTEM,
        id=proposal.id,
        data=mandate.PROPOSALS.update_schema(version=proposal.version, status="withdrawn"),
    )
    assert not any(_holds(db, "Reality", weeks=3))


def test_a_scenario_proposal_exists_only_in_its_scenario(db):
    flip = _add(db, scenarios.SCENARIOS, name="Own proposal")
    own = _add(db, mandate.PROPOSALS, title="Only here", scenario_id=flip.id)
    assert own.id in [
        p["proposal_id"]
        for p in mandate.state(db_session=db, scenario_id=flip.id, week=WEEK, weeks=1)["proposals"]
    ]
    assert own.id not in [
        p["proposal_id"]
        for p in mandate.state(db_session=db, scenario_id=None, week=WEEK, weeks=1)["proposals"]
    ]
    other = _scenario(db, "Reality")
    with pytest.raises(Invalid) as exc:
        _add(
            db,
            mandate.POSITIONS,
            proposal_id=own.id,
            nation="LV",
            scenario_id=other.id,
            stance="support",
            date=WEEK,
            source="test",
        )
    assert exc.value.field == "scenario_id"


def test_mandate_amended_gates_a_site(db, proposal):
    """A site requiring `mandate_amended` is usable (and planned) only in weeks it holds."""
    what_if = _scenario(db, "Ceasefire next month")
    site = _add(
        db,
        training.SITES,
        name="Test site in Ukraine",
        host_nation="UA",
        latitude=50.0,
        longitude=30.0,
        in_ukraine=True,
        weekly_capacity=100,
        course_codes=["BASIC"],
        condition="phase >= ceasefire and mandate_amended",
    )
    _all_support_but(db, proposal, "LV", "support_with_conditions", condition="us_backstop")
    after = CEASEFIRE + dt.timedelta(weeks=2)
    usable = scenarios.usable(db_session=db, scenario_id=what_if.id, week=after)
    assert usable["conditions"]["mandate_amended"] is False
    assert site.id not in usable["open_sites"]
    _add(
        db,
        scenarios.CONDITION_EVENTS,
        scenario_id=what_if.id,
        date=after,
        condition="us_backstop",
    )
    usable = scenarios.usable(db_session=db, scenario_id=what_if.id, week=after)
    assert usable["conditions"]["mandate_amended"] is True
    assert site.id in usable["open_sites"]
    before = scenarios.usable(db_session=db, scenario_id=what_if.id, week=CEASEFIRE)
    assert site.id not in before["open_sites"]
    # the planner's input sees the same weeks
    from muster.training import plans

    problem = plans.build_problem(db_session=db, scenario_id=what_if.id, start=WEEK, weeks=12)
    (planned,) = [s for s in problem.sites if s.id == str(site.id)]
    (key,) = planned.required_conditions
    assert problem.conditions[key] == frozenset(range(7, 12))


def test_validation(db, proposal):
    base = dict(proposal_id=proposal.id, stance="support", date=WEEK, source="test")
    cases = [
        (dict(nation="NO"), "nation"),  # not an EU member state
        (dict(nation="US"), "nation"),
        (dict(nation="XX"), "nation"),
        (dict(nation="LV", condition="mandate_amended"), "condition"),
        (dict(nation="LV", condition="us_backstp"), "condition"),
        (dict(nation="LV", scenario_id=999999), "scenario_id"),
    ]
    for extra, field in cases:
        with pytest.raises(Invalid) as exc:
            _add(db, mandate.POSITIONS, **{**base, **extra})
        assert exc.value.field == field, extra
    _add(db, mandate.POSITIONS, nation="LV", **base)
    with pytest.raises(Invalid) as exc:  # one recorded position per nation and proposal
        _add(db, mandate.POSITIONS, nation="LV", **base)
    assert exc.value.field == "nation"
    for resource, values in (
        (scenarios.CONDITIONS, {"name": "mandate_amended"}),
        (
            scenarios.CONDITION_EVENTS,
            {
                "scenario_id": _scenario(db, "Reality").id,
                "date": WEEK,
                "condition": "mandate_amended",
            },
        ),
    ):
        with pytest.raises(Invalid):
            _add(db, resource, **values)


def test_nation_scope(db, proposal):
    latvia = Principal("latvia", "nation", "LV")
    row = _add(
        db,
        mandate.POSITIONS,
        principal=latvia,
        proposal_id=proposal.id,
        nation="LV",
        stance="support",
        date=WEEK,
        source="test",
    )
    assert row.nation == "LV"
    with pytest.raises(Forbidden):
        _add(
            db,
            mandate.POSITIONS,
            principal=latvia,
            proposal_id=proposal.id,
            nation="EE",
            stance="oppose",
            date=WEEK,
            source="test",
        )
    with pytest.raises(Forbidden):
        _add(db, mandate.PROPOSALS, principal=latvia, title="Not theirs")
