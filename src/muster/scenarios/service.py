"""Scenario services: named timelines, phase events, named conditions, condition checks."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from muster.crud import Resource, require
from muster.errors import Invalid, NotFound
from muster.scenarios import conditions as cond
from muster.scenarios import phases
from muster.scenarios.models import Condition, ConditionEvent, PhaseEvent, Scenario
from muster.scenarios.phases import Phase
from muster.scenarios.schemas import (
    ConditionEventIn,
    ConditionEventOut,
    ConditionEventUpdate,
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
DERIVED_MANDATE = "mandate_amended"  # scenarios.mandate.MANDATE_CONDITION


def known_condition_names(db_session: Session) -> set[str]:
    """Built-in names and every condition stored in the database (`site_<slug>_cleared`
    names are accepted by pattern)."""
    from muster.guarantees.service import coverage_condition_names

    names = set(cond.BUILTIN_CONDITIONS)
    names.update(db_session.scalars(select(Condition.name)).all())
    names.update(coverage_condition_names(db_session))
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
    if values["name"] == DERIVED_MANDATE:
        raise Invalid(
            "mandate_amended follows from the member states' positions; record those instead",
            field="name",
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


def _check_condition_event(db_session: Session, values: dict[str, Any], row: Any) -> dict[str, Any]:
    require(db_session, Scenario, "id", values["scenario_id"], "scenario_id", "scenario")
    if values["condition"] == DERIVED_MANDATE:
        raise Invalid(
            "mandate_amended follows from the member states' positions (a what-if can "
            "override a position); it takes no events",
            field="condition",
        )
    if values["condition"] not in known_condition_names(db_session) and not (
        cond.is_site_condition(values["condition"])
    ):
        raise Invalid(f"unknown condition '{values['condition']}'", field="condition")
    values["date"] = monday(values["date"])
    return values


CONDITION_EVENTS = Resource(
    name="condition-events",
    entity="condition_event",
    model=ConditionEvent,
    create_schema=ConditionEventIn,
    update_schema=ConditionEventUpdate,
    read_schema=ConditionEventOut,
    writers=PLANNERS,
    filters=("scenario_id", "condition"),
    check=_check_condition_event,
    title="Condition events",
    tags=("scenarios",),
)
RESOURCES = (SCENARIOS, PHASE_EVENTS, CONDITIONS, CONDITION_EVENTS)


@dataclass(frozen=True)
class Timeline:
    """A scenario over a horizon: the phase and the truth of every named condition per week."""

    scenario_id: int
    start: dt.date
    weeks: tuple[dt.date, ...]
    phases: tuple[Phase, ...]
    truths: dict[str, tuple[bool, ...]]

    def index(self, week: dt.date) -> int:
        return (monday(week) - self.start).days // 7

    def truths_at(self, i: int) -> dict[str, bool]:
        return {name: values[i] for name, values in self.truths.items()}

    def holds(self, text: str, i: int) -> bool:
        """Whether a condition expression holds in week index `i` (empty text: always)."""
        if not text:
            return True
        return cond.evaluate(_parsed(text), self.phases[i], self.truths_at(i))

    def weeks_holding(self, text: str) -> frozenset[int]:
        """Week indices in which a condition expression holds."""
        if not text:
            return frozenset(range(len(self.weeks)))
        return cond.weeks_holding(_parsed(text), self.phases, self.truths)


@lru_cache(maxsize=1024)
def _parsed(text: str) -> cond.Expr:
    return cond.parse(text)


def get_scenario(*, db_session: Session, scenario_id: int | None) -> Scenario:
    """A scenario by id, or the one marked as reality when `scenario_id` is None."""
    if scenario_id is None:
        scenario = db_session.scalar(
            select(Scenario).where(Scenario.is_reality.is_(True)).order_by(Scenario.id)
        )
        if scenario is None:
            raise NotFound("no scenario is marked as reality; name one", field="scenario_id")
        return scenario
    scenario = db_session.get(Scenario, scenario_id)
    if scenario is None:
        raise NotFound(f"scenario {scenario_id} does not exist", field="scenario_id")
    return scenario


def timeline(
    *,
    db_session: Session,
    scenario_id: int | None,
    start: dt.date,
    weeks: int,
    extra_events: tuple[tuple[dt.date, str], ...] = (),
    with_coverage: bool | None = None,
) -> Timeline:
    """Phases and condition truths per week of a scenario, from its events.

    A condition starts from its current truth and changes at each of the scenario's
    condition events; `extra_events` (date, phase) are added to the scenario's phase events;
    `site_<slug>_cleared` conditions without a row count as false. `mandate_amended` comes
    from the member states' positions on the mandate proposals (`scenarios.mandate`); a
    stored condition or event of that name is refused. Coverage conditions
    (`<zone>_air_defence_covered`, from the guarantees sourcing of each week) are added when
    `with_coverage`, or by default when a site or pledge condition names one.
    """
    scenario = get_scenario(db_session=db_session, scenario_id=scenario_id)
    start = monday(start)
    events = db_session.scalars(
        select(PhaseEvent)
        .where(PhaseEvent.scenario_id == scenario.id)
        .order_by(PhaseEvent.date, PhaseEvent.id)
    ).all()
    all_events = [phases.PhaseEvent(week=e.date, phase=e.phase, note=e.note) for e in events]
    # what-if events (e.g. a contingency's trigger) apply after the scenario's own
    all_events += [phases.PhaseEvent(week=day, phase=phase) for day, phase in extra_events]
    phase_list = phases.phase_by_week(
        all_events,
        weeks,
        horizon_start=start,
    )
    week_dates = tuple(start + dt.timedelta(weeks=i) for i in range(weeks))
    truths: dict[str, list[bool]] = {
        c.name: [c.holds] * weeks for c in db_session.scalars(select(Condition))
    }
    changes = db_session.scalars(
        select(ConditionEvent)
        .where(ConditionEvent.scenario_id == scenario.id)
        .order_by(ConditionEvent.date, ConditionEvent.id)
    ).all()
    for change in changes:
        column = truths.setdefault(change.condition, [False] * weeks)
        first = max(0, (change.date - start).days // 7)
        for i in range(first, weeks):
            column[i] = change.holds
    line = Timeline(
        scenario_id=scenario.id,
        start=start,
        weeks=week_dates,
        phases=tuple(phase_list),
        truths={k: tuple(v) for k, v in truths.items()},
    )
    line = _with_mandate(db_session, line)
    if with_coverage is None:
        with_coverage = _coverage_used(db_session)
    if not with_coverage:
        return line
    from muster.guarantees.service import coverage_truths

    extra = coverage_truths(
        db_session=db_session, scenario_id=line.scenario_id, start=start, weeks=weeks
    )
    return Timeline(
        scenario_id=line.scenario_id,
        start=line.start,
        weeks=line.weeks,
        phases=line.phases,
        truths={**line.truths, **extra},
    )


def _with_mandate(db_session: Session, line: Timeline) -> Timeline:
    """Add `mandate_amended` per week, from the member states' positions (evaluated on the
    phases and named conditions, before coverage conditions)."""
    from muster.scenarios import mandate

    truths = {k: v for k, v in line.truths.items() if k != mandate.MANDATE_CONDITION}
    base = Timeline(
        scenario_id=line.scenario_id,
        start=line.start,
        weeks=line.weeks,
        phases=line.phases,
        truths=truths,
    )
    truths[mandate.MANDATE_CONDITION] = mandate.mandate_truths(db_session, base)
    return Timeline(
        scenario_id=line.scenario_id,
        start=line.start,
        weeks=line.weeks,
        phases=line.phases,
        truths=truths,
    )


def _coverage_used(db_session: Session) -> bool:
    """Whether any site or pledge condition names a coverage condition."""
    from muster.training.models import Pledge, Site

    pattern = "%_air_defence_covered%"
    return bool(
        db_session.scalar(select(Site.id).where(Site.condition.like(pattern)).limit(1))
        or db_session.scalar(
            select(Pledge.id)
            .where(Pledge.condition.like(pattern) | Pledge.ukraine_condition.like(pattern))
            .limit(1)
        )
    )


def blocking(text: str, phase: Phase, truths: dict[str, bool]) -> list[str]:
    """The parts of a condition (names and phase comparisons) that do not hold."""
    if not text:
        return []
    out = []
    for part in _atoms(_parsed(text)):
        if not cond.evaluate(part, phase, truths):
            out.append(cond.to_text(part))
    return out


def _atoms(expr: cond.Expr) -> list[cond.Expr]:
    if isinstance(expr, cond.And):
        return [a for o in expr.operands for a in _atoms(o)]
    return [expr]


def site_readiness(
    *, db_session: Session, scenario_id: int | None, today: dt.date, weeks: int = 104
) -> list[dict[str, Any]]:
    """For each site inside Ukraine: open now?, what blocks it, and the first week it opens."""
    from muster.training.models import Site

    line = timeline(db_session=db_session, scenario_id=scenario_id, start=today, weeks=weeks)
    out = []
    for site in db_session.scalars(
        select(Site).where(Site.in_ukraine.is_(True)).order_by(Site.name)
    ):
        holding = sorted(line.weeks_holding(site.condition))
        first = holding[0] if holding else None
        out.append(
            {
                "site_id": site.id,
                "site": site.name,
                "condition": site.condition,
                "open_now": 0 in holding,
                "blocking": blocking(site.condition, line.phases[0], line.truths_at(0)),
                "first_open_week": line.weeks[first] if first is not None else None,
                "weeks_from_now": first,
            }
        )
    return out


def usable(*, db_session: Session, scenario_id: int | None, week: dt.date) -> dict[str, Any]:
    """What is usable in `week` of a scenario: open sites, pledges, contributions."""
    from muster.guarantees.models import Contribution
    from muster.training.models import Pledge, Site

    line = timeline(db_session=db_session, scenario_id=scenario_id, start=week, weeks=1)
    sites = db_session.scalars(select(Site).order_by(Site.id)).all()
    open_sites = [s.id for s in sites if s.status != "closed" and line.holds(s.condition, 0)]
    monday_ = line.weeks[0]
    pledges = [
        p
        for p in db_session.scalars(select(Pledge).order_by(Pledge.id))
        if p.status != "withdrawn"
        and p.week_from <= monday_ <= p.week_to
        and line.holds(p.condition, 0)
    ]
    in_ukraine = [
        p.id for p in pledges if not p.eu_soil_only and line.holds(p.ukraine_condition, 0)
    ]
    contributions = [
        c.id
        for c in db_session.scalars(select(Contribution).order_by(Contribution.id))
        if c.status != "withdrawn" and line.holds(c.condition, 0)
    ]
    return {
        "scenario_id": line.scenario_id,
        "week": monday_,
        "phase": line.phases[0].label,
        "conditions": line.truths_at(0),
        "open_sites": open_sites,
        "closed_sites": [s.id for s in sites if s.id not in open_sites],
        "pledges_usable": [p.id for p in pledges],
        "pledges_usable_in_ukraine": in_ukraine,
        "contributions_usable": contributions,
    }


def condition_events(*, db_session: Session, scenario_id: int) -> list[Any]:
    """The scenario's changes of named conditions, in date order."""
    from muster.scenarios.models import ConditionEvent

    return list(
        db_session.scalars(
            select(ConditionEvent)
            .where(ConditionEvent.scenario_id == scenario_id)
            .order_by(ConditionEvent.date, ConditionEvent.id)
        )
    )
