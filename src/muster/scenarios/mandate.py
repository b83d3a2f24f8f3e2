"""Positions and the mandate: member states' positions on a mandate proposal, and the
derived condition `mandate_amended`.

Changing the mission's mandate needs every EU member state to agree (unanimity in the
Council). Each member state's position agrees in a week by these rules:

- `support` agrees;
- `support_with_conditions` agrees in the weeks its condition expression holds; with free-text
  conditions only, it agrees once a planner records them as met (`conditions_met`);
- `wait_for_ceasefire` agrees from the week the phase is at least ceasefire and the
  ceasefire parameters are agreed;
- `oppose` never agrees;
- `abstain` does not block (constructive abstention, Art. 31(1) TEU);
- no recorded position blocks: unknown is not agreement.

A position applies from the week of its `date`. Positions without a scenario are the
recorded ones and apply in every scenario; a position with a scenario overrides that
nation's recorded position there (from its own date on), which is how a what-if flips one.
`mandate_amended` holds in a week of a scenario when some proposal of that scenario (or of
every scenario) is adopted, or open with no member state blocking.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from muster.crud import Resource, require
from muster.errors import Invalid
from muster.reference.models import Nation
from muster.scenarios import conditions as cond
from muster.scenarios.models import MandatePosition, MandateProposal, Scenario
from muster.scenarios.schemas import (
    MandatePositionIn,
    MandatePositionOut,
    MandatePositionUpdate,
    MandateProposalIn,
    MandateProposalOut,
    MandateProposalUpdate,
)
from muster.weeks import monday

MANDATE_CONDITION = "mandate_amended"
STANCES = ("support", "support_with_conditions", "wait_for_ceasefire", "oppose", "abstain")
WAIT_FOR_CEASEFIRE = "phase >= ceasefire and ceasefire_parameters_agreed"
PLANNERS = frozenset({"admin", "planner"})


def agreement_expression(stance: str | None, condition: str, conditions_met: bool) -> str:
    """The condition expression under which a position agrees (abstain: does not block).

    `None` (no recorded position) never agrees."""
    if stance in ("support", "abstain"):
        return "true"
    if stance == "support_with_conditions":
        if conditions_met:
            return "true"
        return condition.strip() or "false"
    if stance == "wait_for_ceasefire":
        return WAIT_FOR_CEASEFIRE
    return "false"  # oppose, unknown


# ----------------------------------------------------------------------------- checks


def _position_condition_names(db_session: Session) -> set[str]:
    """Names a position's condition may use: every known condition except the derived ones
    (`mandate_amended` itself, coverage conditions), so there are no cycles."""
    from muster.guarantees.service import coverage_condition_names
    from muster.scenarios.service import known_condition_names

    return (
        known_condition_names(db_session)
        - {MANDATE_CONDITION}
        - coverage_condition_names(db_session)
    )


def _check_proposal(db_session: Session, values: dict[str, Any], row: Any) -> dict[str, Any]:
    require(db_session, Scenario, "id", values.get("scenario_id"), "scenario_id", "scenario")
    return values


def _check_position(db_session: Session, values: dict[str, Any], row: Any) -> dict[str, Any]:
    proposal = db_session.get(MandateProposal, values["proposal_id"])
    if proposal is None:
        raise Invalid(f"unknown proposal '{values['proposal_id']}'", field="proposal_id")
    require(db_session, Scenario, "id", values.get("scenario_id"), "scenario_id", "scenario")
    if (
        proposal.scenario_id is not None
        and values.get("scenario_id") is not None
        and values["scenario_id"] != proposal.scenario_id
    ):
        raise Invalid(
            f"proposal {proposal.id} exists only in scenario {proposal.scenario_id}",
            field="scenario_id",
        )
    nation = db_session.scalar(select(Nation).where(Nation.code == values["nation"]))
    if nation is None:
        raise Invalid(f"unknown nation '{values['nation']}'", field="nation")
    if not nation.eu_member:
        raise Invalid(
            f"{nation.code} is not an EU member state; only member states decide the mandate",
            field="nation",
        )
    text = values.get("condition") or ""
    if text.strip():
        try:
            expr = cond.validate(text, _position_condition_names(db_session))
        except cond.ConditionError as exc:
            if exc.word == MANDATE_CONDITION:
                raise Invalid(
                    "condition: a position cannot depend on mandate_amended itself",
                    field="condition",
                ) from exc
            raise Invalid(f"condition: {exc}", field="condition") from exc
        values["condition"] = cond.to_text(expr)
    else:
        values["condition"] = ""
    if not (values.get("source") or "").strip():
        raise Invalid("a position needs its source", field="source")
    clash = db_session.scalar(
        select(MandatePosition.id).where(
            MandatePosition.proposal_id == values["proposal_id"],
            MandatePosition.nation == values["nation"],
            MandatePosition.scenario_id.is_(None)
            if values.get("scenario_id") is None
            else MandatePosition.scenario_id == values["scenario_id"],
            MandatePosition.id != (row.id if row is not None else -1),
        )
    )
    if clash is not None:
        where = "recorded" if values.get("scenario_id") is None else "in this scenario"
        raise Invalid(
            f"{values['nation']} already has a position {where} on proposal "
            f"{values['proposal_id']} (position {clash}); change that one",
            field="nation",
        )
    return values


PROPOSALS = Resource(
    name="mandate-proposals",
    entity="mandate_proposal",
    model=MandateProposal,
    create_schema=MandateProposalIn,
    update_schema=MandateProposalUpdate,
    read_schema=MandateProposalOut,
    writers=PLANNERS,
    filters=("scenario_id", "status"),
    check=_check_proposal,
    title="Mandate proposals",
    tags=("scenarios",),
)
POSITIONS = Resource(
    name="mandate-positions",
    entity="mandate_position",
    model=MandatePosition,
    create_schema=MandatePositionIn,
    update_schema=MandatePositionUpdate,
    read_schema=MandatePositionOut,
    writers=frozenset({"admin", "planner", "nation"}),
    nation_field="nation",
    filters=("proposal_id", "nation", "scenario_id", "stance"),
    check=_check_position,
    title="Mandate positions",
    tags=("scenarios",),
)
RESOURCES = (PROPOSALS, POSITIONS)


def find_position(
    db_session: Session, *, proposal_id: int, nation: str, scenario_id: int | None
) -> MandatePosition | None:
    """The position of a nation on a proposal, recorded (`scenario_id` None) or a scenario's."""
    return db_session.scalar(
        select(MandatePosition).where(
            MandatePosition.proposal_id == proposal_id,
            MandatePosition.nation == nation,
            MandatePosition.scenario_id.is_(None)
            if scenario_id is None
            else MandatePosition.scenario_id == scenario_id,
        )
    )


def default_proposal(db_session: Session) -> MandateProposal:
    """The only proposal that is not withdrawn; an error naming `proposal_id` otherwise."""
    rows = db_session.scalars(
        select(MandateProposal).where(MandateProposal.status != "withdrawn").limit(2)
    ).all()
    if len(rows) != 1:
        raise Invalid(
            "name the proposal: there are "
            + ("none" if not rows else "several")
            + " that are not withdrawn",
            field="proposal_id",
        )
    return rows[0]


def set_position(
    *,
    db_session: Session,
    principal: Any,
    proposal_id: int,
    nation: str,
    scenario_id: int | None,
    values: dict[str, Any],
) -> MandatePosition:
    """Record a nation's position (create, or update the one in the same scope), with the
    same role, nation-scope and validation rules as the API."""
    from muster import crud

    row = find_position(db_session, proposal_id=proposal_id, nation=nation, scenario_id=scenario_id)
    if row is None:
        data = MandatePositionIn(
            proposal_id=proposal_id, nation=nation, scenario_id=scenario_id, **values
        )
        return crud.create(
            db_session=db_session, resource=POSITIONS, principal=principal, data=data
        )
    data = MandatePositionUpdate(version=row.version, **values)
    return crud.update(
        db_session=db_session, resource=POSITIONS, principal=principal, id=row.id, data=data
    )


# ------------------------------------------------------------------------- evaluation


@dataclass(frozen=True)
class Standing:
    """One member state's position on one proposal over a timeline's weeks."""

    nation: str
    name: str
    baseline: MandatePosition | None
    override: MandatePosition | None

    def position_at(self, week: dt.date) -> MandatePosition | None:
        """The position in force in `week`: the override from its date, else the recorded
        one from its date, else none."""
        for row in (self.override, self.baseline):
            if row is not None and monday(row.date) <= week:
                return row
        return None


def member_states(db_session: Session) -> list[Nation]:
    """The EU member states, by code."""
    return list(
        db_session.scalars(select(Nation).where(Nation.eu_member.is_(True)).order_by(Nation.code))
    )


def proposals_in(db_session: Session, scenario_id: int) -> list[MandateProposal]:
    """Proposals that exist in a scenario (its own and those of every scenario), not
    withdrawn."""
    return list(
        db_session.scalars(
            select(MandateProposal)
            .where(
                MandateProposal.status != "withdrawn",
                MandateProposal.scenario_id.is_(None)
                | (MandateProposal.scenario_id == scenario_id),
            )
            .order_by(MandateProposal.id)
        )
    )


def standings(
    db_session: Session, proposal: MandateProposal, scenario_id: int, members: list[Nation]
) -> list[Standing]:
    """Every member state's recorded position and scenario override on a proposal."""
    rows = db_session.scalars(
        select(MandatePosition).where(
            MandatePosition.proposal_id == proposal.id,
            MandatePosition.scenario_id.is_(None) | (MandatePosition.scenario_id == scenario_id),
        )
    ).all()
    base = {r.nation: r for r in rows if r.scenario_id is None}
    over = {r.nation: r for r in rows if r.scenario_id is not None}
    return [Standing(n.code, n.name, base.get(n.code), over.get(n.code)) for n in members]


def _agreeing_weeks(line: Any, standing: Standing) -> list[bool]:
    """Per week of `line`: does this member state's position in force agree (or abstain)?"""
    out = []
    cache: dict[int, frozenset[int]] = {}
    for i, week in enumerate(line.weeks):
        row = standing.position_at(week)
        if row is None:
            out.append(False)
            continue
        if row.id not in cache:
            cache[row.id] = line.weeks_holding(
                agreement_expression(row.stance, row.condition, row.conditions_met)
            )
        out.append(i in cache[row.id])
    return out


def proposal_weeks(
    line: Any, proposal: MandateProposal, stands: list[Standing]
) -> tuple[list[bool], dict[str, list[bool]]]:
    """(agreed per week, agreement per week of each member state) of a proposal."""
    n = len(line.weeks)
    per_nation = {s.nation: _agreeing_weeks(line, s) for s in stands}
    if proposal.status == "adopted":
        return [True] * n, per_nation
    if not stands:  # no member states known: nobody has agreed
        return [False] * n, per_nation
    agreed = [all(per_nation[s.nation][i] for s in stands) for i in range(n)]
    return agreed, per_nation


def mandate_truths(db_session: Session, line: Any) -> tuple[bool, ...]:
    """`mandate_amended` per week of a timeline whose truths do not include it yet."""
    members = member_states(db_session)
    holds = [False] * len(line.weeks)
    for proposal in proposals_in(db_session, line.scenario_id):
        agreed, _ = proposal_weeks(
            line, proposal, standings(db_session, proposal, line.scenario_id, members)
        )
        holds = [a or b for a, b in zip(holds, agreed, strict=True)]
    return tuple(holds)


def _first(flags: list[bool] | tuple[bool, ...]) -> int | None:
    return next((i for i, f in enumerate(flags) if f), None)


def state(
    *, db_session: Session, scenario_id: int | None, week: dt.date, weeks: int = 104
) -> dict[str, Any]:
    """Whether `mandate_amended` holds in `week` of a scenario, who stands in the way (stance
    and stated conditions) and the first week in the horizon it holds."""
    from muster.scenarios import service

    if not 1 <= weeks <= 520:
        raise Invalid("a horizon is 1 to 520 weeks", field="weeks")
    try:
        week + dt.timedelta(weeks=weeks)
    except OverflowError as exc:
        raise Invalid("the horizon runs past the last date", field="week") from exc
    scenario = service.get_scenario(db_session=db_session, scenario_id=scenario_id)
    line = service.timeline(
        db_session=db_session,
        scenario_id=scenario.id,
        start=week,
        weeks=weeks,
        with_coverage=False,
    )
    members = member_states(db_session)
    column = line.truths.get(MANDATE_CONDITION, (False,) * weeks)
    first = _first(column)
    out = []
    for proposal in proposals_in(db_session, scenario.id):
        stands = standings(db_session, proposal, scenario.id, members)
        agreed, per_nation = proposal_weeks(line, proposal, stands)
        p_first = _first(agreed)
        agreeing, abstaining, blockers = [], [], []
        for s in stands:
            row = s.position_at(line.weeks[0])
            if per_nation[s.nation][0]:
                (abstaining if row is not None and row.stance == "abstain" else agreeing).append(
                    s.nation
                )
                continue
            n_first = _first(per_nation[s.nation])
            blockers.append(
                {
                    "nation": s.nation,
                    "name": s.name,
                    "stance": row.stance if row is not None else "unknown",
                    "stated_conditions": row.stated_conditions if row is not None else "",
                    "condition": row.condition if row is not None else "",
                    "conditions_met": row.conditions_met if row is not None else False,
                    "date": row.date if row is not None else None,
                    "source": row.source if row is not None else "",
                    "scope": "none"
                    if row is None
                    else ("baseline" if row.scenario_id is None else "scenario"),
                    "position_id": row.id if row is not None else None,
                    "first_agreeing_week": line.weeks[n_first] if n_first is not None else None,
                }
            )
        out.append(
            {
                "proposal_id": proposal.id,
                "title": proposal.title,
                "status": proposal.status,
                "scope": "baseline" if proposal.scenario_id is None else "scenario",
                "holds": agreed[0],
                "first_week": line.weeks[p_first] if p_first is not None else None,
                "weeks_from_now": p_first,
                "member_states": len(members),
                "agreeing": agreeing,
                "abstaining": abstaining,
                "blockers": [] if proposal.status == "adopted" else blockers,
            }
        )
    return {
        "scenario_id": scenario.id,
        "scenario": scenario.name,
        "week": line.weeks[0],
        "horizon_weeks": weeks,
        "holds": bool(column[0]),
        "first_week": line.weeks[first] if first is not None else None,
        "weeks_from_now": first,
        "proposals": out,
    }
