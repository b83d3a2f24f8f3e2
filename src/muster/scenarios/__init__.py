"""Scenarios: phases of the war, named conditions, and the redesign-now-or-wait Monte Carlo.

The modules here are pure (no database, no web): ``phases``, ``conditions``, ``montecarlo``
and ``charts``.
"""

from muster.scenarios.conditions import BUILTIN_CONDITIONS, ConditionError
from muster.scenarios.phases import Phase, PhaseEvent

__all__ = ["BUILTIN_CONDITIONS", "ConditionError", "Phase", "PhaseEvent"]
