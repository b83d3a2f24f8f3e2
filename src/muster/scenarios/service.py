"""Scenario services: named timelines, phase events, named conditions, condition checks."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from muster.crud import Resource, require
from muster.errors import Invalid
from muster.scenarios import conditions as cond
from muster.scenarios.models import Condition, PhaseEvent, Scenario
from muster.scenarios.schemas import (
    ConditionIn,
    ConditionOut,
    ConditionUpdate,
    PhaseEventIn,
    PhaseEventOut,
    PhaseEventUpdate,
    ScenarioIn,
    ScenarioOut,
    ScenarioUpdate,
)
from muster.weeks import monday

PLANNERS = frozenset({"admin", "planner"})


def known_condition_names(db_session: Session) -> set[str]:
    """Built-in names and every condition stored in the database (`site_<slug>_cleared`
    names are accepted by pattern)."""
    names = set(cond.BUILTIN_CONDITIONS)
    names.update(db_session.scalars(select(Condition.name)).all())
    return names


def check_condition(db_session: Session, text: str, field: str) -> str:
    """Validate a condition expression; an unknown word is a 422 naming `field`."""
    if not text or not text.strip():
        return ""
    try:
        expr = cond.validate(text, known_condition_names(db_session))
    except cond.ConditionError as exc:
        raise Invalid(f"{field}: {exc}", field=field) from exc
    return cond.to_text(expr)


def _check_event(db_session: Session, values: dict[str, Any], row: Any) -> dict[str, Any]:
    require(db_session, Scenario, "id", values["scenario_id"], "scenario_id", "scenario")
    values["date"] = monday(values["date"])
    return values


def _check_condition_row(db_session: Session, values: dict[str, Any], row: Any) -> dict[str, Any]:
    if not re.match(r"^[a-z][a-z0-9_]*$", values["name"]) or values["name"] in (
        "and",
        "or",
        "not",
        "phase",
        "true",
        "false",
    ):
        raise Invalid(
            "a condition name is lower-case letters, digits and _ and not a keyword", field="name"
        )
    return values


SCENARIOS = Resource(
    name="scenarios",
    entity="scenario",
    model=Scenario,
    create_schema=ScenarioIn,
    update_schema=ScenarioUpdate,
    read_schema=ScenarioOut,
    writers=PLANNERS,
    filters=("is_reality",),
    title="Scenarios",
    tags=("scenarios",),
)
PHASE_EVENTS = Resource(
    name="phase-events",
    entity="phase_event",
    model=PhaseEvent,
    create_schema=PhaseEventIn,
    update_schema=PhaseEventUpdate,
    read_schema=PhaseEventOut,
    writers=PLANNERS,
    filters=("scenario_id", "phase"),
    check=_check_event,
    title="Phase events",
    tags=("scenarios",),
)
CONDITIONS = Resource(
    name="conditions",
    entity="condition",
    model=Condition,
    create_schema=ConditionIn,
    update_schema=ConditionUpdate,
    read_schema=ConditionOut,
    writers=PLANNERS,
    filters=("holds", "name"),
    check=_check_condition_row,
    title="Named conditions",
    tags=("scenarios",),
)
RESOURCES = (SCENARIOS, PHASE_EVENTS, CONDITIONS)
