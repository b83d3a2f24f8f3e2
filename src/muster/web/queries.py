"""Plain look-ups the pages need for their menus and labels (sites, scenarios, nations, ...).

Figures and aggregations live in the pillars' service modules (`training.service`,
`guarantees.service`, `procurement.service`, `scenarios.service`)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from muster.procurement.models import CapabilityCoalition
from muster.reference.models import Nation
from muster.scenarios.models import Condition, PhaseEvent, Scenario
from muster.training.models import Site, TrainingTotal


def sites(db_session: Session) -> list[Site]:
    return list(db_session.scalars(select(Site).order_by(Site.name)))


def training_history(db_session: Session) -> list[TrainingTotal]:
    """The public milestones of the cumulative number trained, oldest first."""
    return list(db_session.scalars(select(TrainingTotal).order_by(TrainingTotal.as_of)))


def nation_names(db_session: Session) -> dict[str, str]:
    return {n.code: n.name for n in db_session.scalars(select(Nation))}


def coalition_members(db_session: Session) -> dict[str, list[str]]:
    """Members of each capability coalition, by priority area."""
    return {c.area_code: list(c.members) for c in db_session.scalars(select(CapabilityCoalition))}


def conditions(db_session: Session) -> list[Condition]:
    return list(db_session.scalars(select(Condition).order_by(Condition.name)))


def scenarios(db_session: Session) -> list[Scenario]:
    return list(
        db_session.scalars(select(Scenario).order_by(Scenario.is_reality.desc(), Scenario.id))
    )


def phase_events(db_session: Session, scenario_id: int) -> list[PhaseEvent]:
    return list(
        db_session.scalars(
            select(PhaseEvent)
            .where(PhaseEvent.scenario_id == scenario_id)
            .order_by(PhaseEvent.date, PhaseEvent.id)
        )
    )
