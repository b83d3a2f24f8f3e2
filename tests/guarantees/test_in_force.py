"""Which contributions count in a week, on each basis (promised, confirmed, deployed)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from muster.errors import Invalid
from muster.guarantees.service import coverage_condition, in_force, is_air_defence

WEEK = dt.date(2027, 3, 1)  # a Monday


def _c(status, confirmed=None, deployed=None, rotated_out=None, kind="troops", capability="x"):
    return SimpleNamespace(
        status=status,
        kind=kind,
        capability=capability,
        confirmed_on=confirmed,
        deployed_on=deployed,
        rotated_out_on=rotated_out,
    )


@pytest.mark.parametrize(
    "contribution,promised,confirmed,deployed",
    [
        (_c("offered"), True, False, False),
        (_c("confirmed"), True, True, False),
        (_c("confirmed", confirmed=dt.date(2027, 3, 5)), True, True, False),  # within the week
        (_c("confirmed", confirmed=dt.date(2027, 3, 8)), True, False, False),  # next week
        (_c("deployed"), True, True, True),
        (_c("deployed", deployed=dt.date(2027, 3, 10)), True, False, False),  # confirmed_on unknown
        (_c("rotated_out", deployed=dt.date(2027, 1, 4), rotated_out=WEEK), False, False, False),
        (
            _c("rotated_out", deployed=dt.date(2027, 1, 4), rotated_out=dt.date(2027, 3, 3)),
            True,
            True,
            True,
        ),  # fmt: skip
        (_c("rotated_out"), False, False, False),
        (_c("withdrawn"), False, False, False),
        (_c("confirmed", kind="funding", capability=None), False, False, False),
    ],
)
def test_in_force(contribution, promised, confirmed, deployed):
    assert in_force(contribution, "promised", WEEK) is promised
    assert in_force(contribution, "confirmed", WEEK) is confirmed
    assert in_force(contribution, "deployed", WEEK) is deployed


def test_unknown_basis_is_a_422():
    with pytest.raises(Invalid):
        in_force(_c("deployed"), "hoped", WEEK)


def test_coverage_condition_names():
    assert coverage_condition("western_non_combat") == "western_non_combat_air_defence_covered"
    assert coverage_condition("Kyiv HQ") == "kyiv_hq_air_defence_covered"
    assert coverage_condition("1st zone") == "zone_1st_zone_air_defence_covered"
    assert is_air_defence("air_defence_battery") and not is_air_defence("fighter_squadron")
