"""Tests for phases and ISO-week helpers."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from muster.scenarios.phases import (
    BREACH,
    Phase,
    PhaseEvent,
    first_week_at_least,
    phase_by_week,
    phase_by_week_date,
    phase_events,
    week_date,
    week_index,
    week_start,
)

H, T, C, P = Phase.HOSTILITIES, Phase.TRUCE, Phase.CEASEFIRE, Phase.PEACE


def test_order_and_labels() -> None:
    assert H < T < C < P
    assert Phase.parse("Ceasefire") is C
    assert C.label == "ceasefire"
    with pytest.raises(ValueError):
        Phase.parse("cease")


def test_week_start_is_monday() -> None:
    assert week_start(date(2025, 8, 29)) == date(2025, 8, 25)  # Friday -> Monday
    assert week_start(date(2025, 8, 25)) == date(2025, 8, 25)
    assert week_start(date(2025, 8, 31)) == date(2025, 8, 25)  # Sunday


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)), st.integers(-300, 300))
def test_week_index_round_trip(start: date, index: int) -> None:
    monday = week_date(index, start)
    assert monday.weekday() == 0
    assert monday.isocalendar().week == (monday + timedelta(days=6)).isocalendar().week
    assert week_index(monday, start) == index
    assert week_index(monday + timedelta(days=6), start) == index


def test_events_to_phases_with_breach() -> None:
    events = [
        PhaseEvent(4, "ceasefire", "formal ceasefire"),
        PhaseEvent(2, Phase.TRUCE),
        PhaseEvent(7, BREACH, "shelling resumes"),
        PhaseEvent(9, "ceasefire"),
        PhaseEvent(11, "peace"),
    ]
    assert phase_by_week(events, 12) == (H, H, T, T, C, C, C, H, H, C, C, P)
    assert first_week_at_least(phase_by_week(events, 12), C) == 4


def test_same_week_last_event_wins_and_out_of_horizon() -> None:
    events = [PhaseEvent(-3, "truce"), PhaseEvent(1, "ceasefire"), PhaseEvent(1, "breach")]
    events.append(PhaseEvent(50, "peace"))
    assert phase_by_week(events, 3) == (T, H, H)


def test_dated_events() -> None:
    start = date(2026, 1, 7)  # Wednesday: horizon starts Monday 5 January
    events = [PhaseEvent(date(2026, 1, 22), "ceasefire")]
    by_date = phase_by_week_date(events, start, 4)
    assert list(by_date) == [
        date(2026, 1, 5),
        date(2026, 1, 12),
        date(2026, 1, 19),
        date(2026, 1, 26),
    ]
    assert list(by_date.values()) == [H, H, C, C]
    with pytest.raises(ValueError, match="horizon_start"):
        phase_by_week(events, 4)


def test_invalid_event() -> None:
    with pytest.raises(ValueError, match="unknown phase"):
        PhaseEvent(1, "armistice")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="week"):
        PhaseEvent("2026-01-01", "truce")  # type: ignore[arg-type]


@given(st.lists(st.sampled_from(list(Phase)), max_size=60), st.sampled_from(list(Phase)))
def test_phase_events_round_trip(phases: list[Phase], initial: Phase) -> None:
    events = phase_events(phases, initial=initial)
    assert phase_by_week(events, len(phases), initial=initial) == tuple(phases)
    assert all((e.phase == BREACH) == (e.resulting_phase == Phase.HOSTILITIES) for e in events)
    start = date(2026, 3, 4)
    dated = phase_events(phases, horizon_start=start, initial=initial)
    assert all(isinstance(e.week, date) and e.week.weekday() == 0 for e in dated)
    assert phase_by_week(dated, len(phases), horizon_start=start, initial=initial) == tuple(phases)
