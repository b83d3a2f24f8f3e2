"""Phases of the war and the phase per ISO week.

Phases are ordered ``hostilities < truce < ceasefire < peace``; a *breach* returns to
hostilities. Weeks are stored as the ``date`` of their Monday; inside a horizon they are
also numbered ``0..H-1`` from the horizon's first Monday.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import IntEnum
from typing import Final, Literal

__all__ = [
    "BREACH",
    "first_week_at_least",
    "phase_events",
    "Phase",
    "PhaseEvent",
    "phase_by_week",
    "phase_by_week_date",
    "week_date",
    "week_dates",
    "week_index",
    "week_start",
]

BREACH: Final = "breach"


class Phase(IntEnum):
    """Phase of the war; the order matters: ``phase >= ceasefire`` means ceasefire or peace."""

    HOSTILITIES = 0
    TRUCE = 1
    CEASEFIRE = 2
    PEACE = 3

    @property
    def label(self) -> str:
        """The lower-case name used in expressions and storage (``ceasefire``)."""
        return self.name.lower()

    @classmethod
    def parse(cls, value: str | int | Phase) -> Phase:
        """Phase from its name (any case), its number or itself; ValueError otherwise."""
        if isinstance(value, Phase):
            return value
        if isinstance(value, int) and not isinstance(value, bool):
            return cls(value)
        if isinstance(value, str):
            try:
                return cls[value.strip().upper()]
            except KeyError:
                pass
        raise ValueError(f"unknown phase {value!r}")


def week_start(d: date) -> date:
    """The Monday of the ISO week that contains ``d``."""
    return d - timedelta(days=d.weekday())


def week_index(week: date, horizon_start: date) -> int:
    """Index of ``week`` counted in weeks from the Monday of ``horizon_start`` (may be < 0)."""
    return (week_start(week) - week_start(horizon_start)).days // 7


def week_date(index: int, horizon_start: date) -> date:
    """Monday of week ``index`` of a horizon starting in the week of ``horizon_start``."""
    return week_start(horizon_start) + timedelta(weeks=index)


def week_dates(horizon_start: date, horizon_weeks: int) -> list[date]:
    """The Mondays of weeks ``0..horizon_weeks-1``."""
    return [week_date(i, horizon_start) for i in range(horizon_weeks)]


@dataclass(frozen=True)
class PhaseEvent:
    """From ``week`` on the phase is ``phase``; ``"breach"`` means back to hostilities.

    ``week`` is a date (any day; its ISO week counts) or a week index within the horizon.
    """

    week: date | int
    phase: Phase | Literal["breach"]
    note: str = ""

    def __post_init__(self) -> None:
        if isinstance(self.week, bool) or not isinstance(self.week, date | int):
            raise ValueError(f"week must be a date or a week index, not {self.week!r}")
        if self.phase != BREACH:
            try:
                object.__setattr__(self, "phase", Phase.parse(self.phase))
            except ValueError:
                raise ValueError(
                    f"unknown phase {self.phase!r}; use one of "
                    f"{', '.join(p.label for p in Phase)} or 'breach'"
                ) from None

    @property
    def resulting_phase(self) -> Phase:
        """The phase this event leads to (a breach leads to hostilities)."""
        return Phase.HOSTILITIES if self.phase == BREACH else Phase(self.phase)

    def index(self, horizon_start: date | None) -> int:
        """Week index of the event within a horizon."""
        if isinstance(self.week, date):
            if horizon_start is None:
                raise ValueError("events dated by calendar need a horizon_start")
            return week_index(self.week, horizon_start)
        return self.week


def phase_by_week(
    events: Iterable[PhaseEvent],
    horizon_weeks: int,
    *,
    horizon_start: date | None = None,
    initial: Phase = Phase.HOSTILITIES,
) -> tuple[Phase, ...]:
    """Phase in each week ``0..horizon_weeks-1``.

    Events take effect from their week on; events in the same week apply in the order given,
    so the last one wins. Events before the horizon set the starting phase, events after it are
    ignored.
    """
    if horizon_weeks < 0:
        raise ValueError("horizon_weeks must be >= 0")
    indexed = sorted(
        ((e.index(horizon_start), order, e) for order, e in enumerate(events)),
        key=lambda t: (t[0], t[1]),
    )
    phases: list[Phase] = []
    current = Phase(initial)
    pos = 0
    for week in range(horizon_weeks):
        while pos < len(indexed) and indexed[pos][0] <= week:
            current = indexed[pos][2].resulting_phase
            pos += 1
        phases.append(current)
    return tuple(phases)


def phase_by_week_date(
    events: Iterable[PhaseEvent],
    horizon_start: date,
    horizon_weeks: int,
    *,
    initial: Phase = Phase.HOSTILITIES,
) -> dict[date, Phase]:
    """Phase per week keyed by the week's Monday."""
    phases = phase_by_week(events, horizon_weeks, horizon_start=horizon_start, initial=initial)
    return dict(zip(week_dates(horizon_start, horizon_weeks), phases, strict=True))


def first_week_at_least(phases: Sequence[Phase], phase: Phase) -> int | None:
    """Index of the first week whose phase is at least ``phase``; None if there is none."""
    for i, p in enumerate(phases):
        if p >= phase:
            return i
    return None


def phase_events(
    phases: Sequence[Phase],
    *,
    horizon_start: date | None = None,
    initial: Phase = Phase.HOSTILITIES,
) -> list[PhaseEvent]:
    """The events that ``phase_by_week`` turns back into ``phases`` (one per change).

    A fall back to hostilities from truce, ceasefire or peace is recorded as a breach. Weeks are
    indices, or Mondays when ``horizon_start`` is given.
    """
    events: list[PhaseEvent] = []
    current = Phase(initial)
    for i, phase in enumerate(phases):
        if phase == current:
            continue
        week: date | int = i if horizon_start is None else week_date(i, horizon_start)
        if phase == Phase.HOSTILITIES:
            events.append(PhaseEvent(week, BREACH))
        else:
            events.append(PhaseEvent(week, Phase(phase)))
        current = Phase(phase)
    return events
