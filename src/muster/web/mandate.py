"""Positions and the mandate: the dashboard panel (does `mandate_amended` hold, who stands in
the way) and the page of every member state's position per proposal in a scenario. Edits go
through the generic table pages of `mandate-positions` (CSRF, versions, nation scope)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session

from muster import crud
from muster.auth.principal import Principal
from muster.deps import get_session
from muster.scenarios import mandate
from muster.web import queries
from muster.web.core import WebRoute, current_principal, render
from muster.web.views import PILLARS

router = APIRouter(route_class=WebRoute, include_in_schema=False)
HORIZON_WEEKS = 104


def mandate_context(db_session: Session, scenario_id: int | None) -> dict[str, Any]:
    """The dashboard panel: the mandate's state this week in the chosen scenario."""
    scenarios = queries.scenarios(db_session)
    chosen = next((s for s in scenarios if s.id == scenario_id), None) or (
        scenarios[0] if scenarios else None
    )
    state = None
    if chosen is not None:
        state = mandate.state(
            db_session=db_session,
            scenario_id=chosen.id,
            week=dt.date.today(),
            weeks=HORIZON_WEEKS,
        )
        for p in state["proposals"]:
            p["unknown"] = [b["nation"] for b in p["blockers"] if b["stance"] == "unknown"]
            p["stated"] = [b for b in p["blockers"] if b["stance"] != "unknown"]
    return {"mandate_scenarios": scenarios, "mandate_scenario": chosen, "mandate": state}


@router.get("/dashboard/mandate")
def mandate_partial(
    request: Request,
    scenario_id: int | None = None,
    db_session: Session = Depends(get_session),
    principal: Principal = Depends(current_principal),
):
    return render(request, "_mandate.html", **mandate_context(db_session, scenario_id))


def _rows(
    db_session: Session, principal: Principal, proposal: Any, scenario_id: int, today: dt.date
) -> list[dict[str, Any]]:
    """Every member state on a proposal in a scenario: the position in force this week, the
    recorded one and the scenario's override, whether it agrees now, what the user may do."""
    line_state = mandate.state(db_session=db_session, scenario_id=scenario_id, week=today, weeks=1)
    proposal_state = next(
        (p for p in line_state["proposals"] if p["proposal_id"] == proposal.id), None
    )
    blocking = {b["nation"] for b in proposal_state["blockers"]} if proposal_state else set()
    abstaining = set(proposal_state["abstaining"]) if proposal_state else set()
    may_write = crud.may_write(principal, mandate.POSITIONS)
    out = []
    for s in mandate.standings(
        db_session, proposal, scenario_id, mandate.member_states(db_session)
    ):
        in_force = s.position_at(today)
        own = not principal.is_scoped or principal.nation == s.nation
        out.append(
            {
                "nation": s.nation,
                "name": s.name,
                "in_force": in_force,
                "baseline": s.baseline,
                "override": s.override,
                "agrees": s.nation not in blocking and s.nation not in abstaining,
                "abstains": s.nation in abstaining,
                "may_edit": may_write and own,
            }
        )
    return out


@router.get("/scenarios/mandate")
def mandate_page(
    request: Request,
    scenario_id: int | None = None,
    db_session: Session = Depends(get_session),
    principal: Principal = Depends(current_principal),
):
    context = mandate_context(db_session, scenario_id)
    chosen = context["mandate_scenario"]
    today = dt.date.today()
    proposals = []
    if chosen is not None:
        for p in mandate.proposals_in(db_session, chosen.id):
            proposals.append(
                {"proposal": p, "rows": _rows(db_session, principal, p, chosen.id, today)}
            )
    return render(
        request,
        "mandate.html",
        nav="scenarios",
        subpage="mandate",
        siblings=PILLARS["scenarios"],
        proposals=proposals,
        may_add_proposal=crud.may_write(principal, mandate.PROPOSALS),
        **context,
    )
