"""Redesign now or wait: a Monte Carlo comparison of policies for training inside Ukraine.

Pure functions of frozen dataclasses, vectorised with numpy over draws. Each draw is a
scenario (when a ceasefire comes, the truce before it, whether and when its parameters are
agreed, when it breaks and whether a new one follows); every policy is evaluated on the same
draws (common random numbers), so the differences between policies are paired.

Reproducibility: draw ``i`` always takes its random numbers from block ``i // BLOCK_SIZE``,
whose generator is seeded by ``SeedSequence(seed, spawn_key=(block,))`` (the block-th spawned
child of ``SeedSequence(seed)``). A draw's numbers depend neither on how many draws are run
nor on how they are chunked, so local runs and Dask runs with any chunk size give identical
results bit for bit.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, fields
from statistics import NormalDist
from typing import Any, ClassVar, Final, TypeAlias

import numpy as np

from muster.scenarios import conditions as cond
from muster.scenarios.phases import Phase

__all__ = [
    "BLOCK_SIZE",
    "DEFAULT_CHUNK_SIZE",
    "METRICS",
    "MODEL_VERSION",
    "NEVER",
    "PARAMETERS_AGREED",
    "Agreement",
    "BreachModel",
    "CeasefireTiming",
    "ConfigError",
    "DiscreteWeeks",
    "DrawDetail",
    "GeometricTiming",
    "MonteCarloResult",
    "ParameterAgreement",
    "Policy",
    "ScenarioConfig",
    "Summary",
    "TrainingCapacity",
    "UniformTiming",
    "config_from_dict",
    "config_to_dict",
    "explain_draw",
    "local_cluster",
    "proactive_policy",
    "run",
    "simulate_draws",
    "summarise",
    "sweep",
    "wait_policy",
    "with_value",
]

MODEL_VERSION: Final = 1
"""Bumped whenever the same seed and config would give different numbers."""
NEVER: Final = 1 << 40
"""Week index standing for "not within any horizon"."""
BLOCK_SIZE: Final = 512
"""Draws per random-number block (the unit of seeding)."""
DEFAULT_CHUNK_SIZE: Final = 8192
"""Draws per task (local loop step or Dask task)."""

METRICS: Final[Mapping[str, tuple[str, str]]] = {
    "trainees_total": ("Trainees trained, all sites", "trainees"),
    "trainees_in_ukraine": ("Trainees trained in Ukraine", "trainees"),
    "weeks_to_first_cohort": ("Weeks from ceasefire to first in-country cohort", "weeks"),
    "instructor_weeks_in_ukraine": ("Instructor-weeks on Ukrainian soil (exposure)", "weeks"),
    "cohort_weeks_interrupted": ("Cohort-weeks interrupted by breaches", "cohort-weeks"),
    "trainees_interrupted": ("Trainees whose course a breach interrupted", "trainees"),
}
"""Metric name -> (label, unit), in report order."""


class ConfigError(ValueError):
    """A Monte Carlo input is invalid; ``field`` names it (dotted path)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.detail = message


def _check(condition: bool, field: str, message: str) -> None:
    if not condition:
        raise ConfigError(field, message)


MAX_WEEK: Final = 100_000
"""Largest week index or week count accepted in inputs."""


def _whole(value: Any, field: str, low: int = 0, high: int = MAX_WEEK) -> int:
    """``value`` as an int in ``low..high`` (integral floats pass), else ConfigError."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    ok = isinstance(value, int | np.integer) and not isinstance(value, bool)
    _check(ok and low <= value <= high, field, f"must be a whole number in {low}..{high}")
    return int(value)


def _number(value: Any, field: str, low: float = 0.0, high: float = math.inf) -> float:
    """``value`` as a finite float in ``[low, high]``, else ConfigError."""
    ok = isinstance(value, int | float | np.number) and not isinstance(value, bool)
    ok = ok and math.isfinite(value) and low <= value <= high
    bounds = f"[{low:g}, {high:g}]" if math.isfinite(high) else f">= {low:g}"
    _check(ok, field, f"must be a number {'in ' if math.isfinite(high) else ''}{bounds}")
    return float(value)


def _set(obj: Any, name: str, value: Any) -> None:
    object.__setattr__(obj, name, value)


def _geometric(u: np.ndarray, p: float, *, offset: int) -> np.ndarray:
    """Inverse CDF of a geometric count of weeks (``offset`` + failures before success)."""
    if p <= 0.0:
        return np.full(u.shape, NEVER, dtype=np.int64)
    if p >= 1.0:
        return np.full(u.shape, offset, dtype=np.int64)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        failures = np.nan_to_num(np.floor(np.log1p(-u) / math.log1p(-p)), nan=NEVER, posinf=NEVER)
    return np.minimum(failures + offset, NEVER).astype(np.int64)


# -------------------------------------------------------------------------- distributions


@dataclass(frozen=True)
class DiscreteWeeks:
    """Weeks with probabilities; probability left over (sum < 1) means "never"."""

    weeks: tuple[int, ...]
    probabilities: tuple[float, ...]
    kind: ClassVar[str] = "discrete"

    def __post_init__(self) -> None:
        _check(
            isinstance(self.weeks, Sequence) and not isinstance(self.weeks, str),
            "weeks",
            "must be a list of weeks",
        )
        _check(
            isinstance(self.probabilities, Sequence) and not isinstance(self.probabilities, str),
            "probabilities",
            "must be a list of probabilities",
        )
        _set(self, "weeks", tuple(_whole(w, "weeks") for w in self.weeks))
        _set(
            self,
            "probabilities",
            tuple(_number(p, "probabilities", 0, 1) for p in self.probabilities),
        )
        _check(0 < len(self.weeks) <= 1000, "weeks", "between 1 and 1000 weeks are needed")
        _check(
            len(self.weeks) == len(self.probabilities),
            "probabilities",
            "one probability per week",
        )
        _check(sum(self.probabilities) <= 1.0 + 1e-9, "probabilities", "they sum to more than 1")

    @classmethod
    def fixed(cls, week: int) -> DiscreteWeeks:
        """Always ``week``."""
        return cls((week,), (1.0,))

    @property
    def p_never(self) -> float:
        """Probability of "never"."""
        return max(0.0, 1.0 - sum(self.probabilities))

    def sample(self, u: np.ndarray) -> np.ndarray:
        """Weeks for uniforms ``u`` in [0, 1) (``NEVER`` for the left-over probability)."""
        cumulative = np.cumsum(self.probabilities)
        if self.p_never < 1e-9:
            cumulative[-1] = np.inf
        index = np.searchsorted(cumulative, u, side="right")
        table = np.append(np.asarray(self.weeks, dtype=np.int64), NEVER)
        return table[index]


@dataclass(frozen=True)
class GeometricTiming:
    """Ceasefire in week ``earliest_week + k``, k geometric with a constant weekly chance.

    With probability ``p_never`` there is no ceasefire at all; otherwise each week from
    ``earliest_week`` on brings one with probability ``weekly_probability``.
    """

    weekly_probability: float
    p_never: float = 0.0
    earliest_week: int = 0
    kind: ClassVar[str] = "geometric"

    def __post_init__(self) -> None:
        _set(
            self, "weekly_probability", _number(self.weekly_probability, "weekly_probability", 0, 1)
        )
        _set(self, "p_never", _number(self.p_never, "p_never", 0, 1))
        _set(self, "earliest_week", _whole(self.earliest_week, "earliest_week"))

    def sample(self, u: np.ndarray) -> np.ndarray:
        """Weeks for uniforms ``u`` in [0, 1)."""
        never = u < self.p_never
        rest = (u - self.p_never) / max(1.0 - self.p_never, 1e-300)
        weeks = _geometric(
            np.clip(rest, 0.0, np.nextafter(1.0, 0.0)),
            self.weekly_probability,
            offset=self.earliest_week,
        )
        return np.where(never, NEVER, weeks)


@dataclass(frozen=True)
class UniformTiming:
    """Ceasefire in a week uniformly between ``first_week`` and ``last_week`` (inclusive)."""

    first_week: int
    last_week: int
    p_never: float = 0.0
    kind: ClassVar[str] = "uniform"

    def __post_init__(self) -> None:
        _set(self, "first_week", _whole(self.first_week, "first_week"))
        _set(self, "last_week", _whole(self.last_week, "last_week"))
        _check(self.last_week >= self.first_week, "last_week", "must be >= first_week")
        _set(self, "p_never", _number(self.p_never, "p_never", 0, 1))

    def sample(self, u: np.ndarray) -> np.ndarray:
        """Weeks for uniforms ``u`` in [0, 1)."""
        never = u < self.p_never
        rest = np.clip((u - self.p_never) / max(1.0 - self.p_never, 1e-300), 0.0, 1.0)
        span = self.last_week - self.first_week + 1
        weeks = self.first_week + np.minimum(np.floor(rest * span), span - 1).astype(np.int64)
        return np.where(never, NEVER, np.maximum(weeks, self.first_week))


CeasefireTiming: TypeAlias = DiscreteWeeks | GeometricTiming | UniformTiming
_TIMINGS: Final = {t.kind: t for t in (DiscreteWeeks, GeometricTiming, UniformTiming)}


# ---------------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class ParameterAgreement:
    """Whether the ceasefire's parameters get agreed, and how many weeks after it."""

    probability: float = 0.8
    delay_weeks: DiscreteWeeks = field(
        default_factory=lambda: DiscreteWeeks((0, 4, 8), (0.4, 0.4, 0.2))
    )

    def __post_init__(self) -> None:
        _set(self, "probability", _number(self.probability, "parameters.probability", 0, 1))
        _check(
            isinstance(self.delay_weeks, DiscreteWeeks),
            "parameters.delay_weeks",
            "must be a discrete distribution",
        )
        _check(
            self.delay_weeks.p_never < 1e-9,
            "parameters.delay_weeks",
            "probabilities must sum to 1",
        )


@dataclass(frozen=True)
class BreachModel:
    """Breaches of a ceasefire and what follows.

    Each ceasefire week the ceasefire breaks with ``weekly_hazard`` (back to hostilities).
    After a breach, each week brings a new ceasefire with ``receasefire_weekly_probability``
    (0: none). A ceasefire that holds ``peace_after_weeks`` becomes peace and no longer breaks.
    At most ``max_ceasefires`` ceasefires per draw.
    """

    weekly_hazard: float = 0.02
    receasefire_weekly_probability: float = 0.05
    peace_after_weeks: int | None = None
    max_ceasefires: int = 3

    def __post_init__(self) -> None:
        _set(self, "weekly_hazard", _number(self.weekly_hazard, "breach.weekly_hazard", 0, 1))
        _set(
            self,
            "receasefire_weekly_probability",
            _number(
                self.receasefire_weekly_probability, "breach.receasefire_weekly_probability", 0, 1
            ),
        )
        if self.peace_after_weeks is not None:
            _set(
                self,
                "peace_after_weeks",
                _whole(self.peace_after_weeks, "breach.peace_after_weeks", 1),
            )
        _set(self, "max_ceasefires", _whole(self.max_ceasefires, "breach.max_ceasefires", 1, 20))


PARAMETERS_AGREED: Final = "ceasefire_parameters_agreed"
"""The condition name of the ``parameters`` agreement in policy conditions."""


@dataclass(frozen=True)
class Agreement:
    """A named condition that, with ``probability``, becomes true once and stays true.

    It comes ``delay_weeks`` after the first ceasefire (``after="ceasefire"``; never without
    one) or after the start of the horizon (``after="start"``). Policy conditions name it,
    e.g. ``ukrainian_forces_prepared`` or ``us_backstop``.
    """

    name: str
    probability: float = 1.0
    delay_weeks: DiscreteWeeks = field(default_factory=lambda: DiscreteWeeks.fixed(0))
    after: str = "ceasefire"

    def __post_init__(self) -> None:
        where = f"agreements.{self.name}"
        _check(
            isinstance(self.name, str) and cond.is_condition_name(self.name),
            "agreements.name",
            "must be a snake_case condition name",
        )
        _check(self.name != PARAMETERS_AGREED, "agreements.name", "is set by 'parameters'")
        _set(self, "probability", _number(self.probability, f"{where}.probability", 0, 1))
        _check(
            isinstance(self.delay_weeks, DiscreteWeeks) and self.delay_weeks.p_never < 1e-9,
            f"{where}.delay_weeks",
            "must be a discrete distribution whose probabilities sum to 1",
        )
        _check(self.after in ("ceasefire", "start"), f"{where}.after", "'ceasefire' or 'start'")


@dataclass(frozen=True)
class TrainingCapacity:
    """Weekly intake on EU sites (always) and Ukrainian sites (when open), and course shape.

    ``demand_per_week`` caps the total weekly intake (Ukrainian sites fill first); None means
    no cap. Ukrainian sites ramp up linearly over ``ramp_weeks`` after each opening.
    ``ua_trainees_per_week_before_parameters``: the Ukrainian intake of courses starting before
    the ceasefire's parameters are agreed, when only the instructors whose nations do not wait
    for the parameters may teach in Ukraine (in the demo data French infantry instructors, not
    German ones); None means the full ``ua_trainees_per_week``.
    """

    eu_trainees_per_week: float = 550.0
    ua_trainees_per_week: float = 300.0
    instructors_per_trainee: float = 0.1
    ramp_weeks: int = 4
    course_weeks: int = 5
    cohort_size: int = 50
    demand_per_week: float | None = None
    ua_trainees_per_week_before_parameters: float | None = None

    def __post_init__(self) -> None:
        for name in ("eu_trainees_per_week", "ua_trainees_per_week", "instructors_per_trainee"):
            _set(self, name, _number(getattr(self, name), f"capacity.{name}", 0, 1e9))
        _set(self, "ramp_weeks", _whole(self.ramp_weeks, "capacity.ramp_weeks"))
        _set(self, "course_weeks", _whole(self.course_weeks, "capacity.course_weeks", 1))
        _set(self, "cohort_size", _whole(self.cohort_size, "capacity.cohort_size", 1, 10**9))
        if self.demand_per_week is not None:
            _set(
                self,
                "demand_per_week",
                _number(self.demand_per_week, "capacity.demand_per_week", 0, 1e9),
            )
        before = self.ua_trainees_per_week_before_parameters
        if before is not None:
            name = "capacity.ua_trainees_per_week_before_parameters"
            _set(self, name.split(".")[1], _number(before, name, 0, 1e9))


_ALWAYS_IN_CEASEFIRE: Final = {
    (">=", Phase.HOSTILITIES),
    (">", Phase.HOSTILITIES),
    ("!=", Phase.HOSTILITIES),
    (">=", Phase.TRUCE),
    (">", Phase.TRUCE),
    (">=", Phase.CEASEFIRE),
}
_ONLY_IN_PEACE: Final = {(">=", Phase.PEACE), ("==", Phase.PEACE), (">", Phase.CEASEFIRE)}


def _check_switch_shape(expr: cond.Expr, field_name: str) -> None:
    """Policy conditions must stay true once met: no ``not``, only upward phase tests."""
    stack = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, cond.Not):
            raise ConfigError(field_name, "'not' is not supported in policy conditions")
        if isinstance(node, cond.PhaseCompare):
            key = (node.op, node.phase)
            _check(
                key in _ALWAYS_IN_CEASEFIRE or key in _ONLY_IN_PEACE,
                field_name,
                f"'{cond.to_text(node)}' is not supported; sites open in ceasefire or peace, "
                "use 'phase >= ceasefire' or 'phase >= peace'",
            )
        if isinstance(node, cond.And | cond.Or):
            stack.extend(node.operands)


def _switch_week(
    expr: cond.Expr, switches: Mapping[str, np.ndarray], peace: np.ndarray
) -> np.ndarray:
    """First week from which a switch-shaped condition holds within a ceasefire spell."""
    if isinstance(expr, cond.Const):
        return np.full(peace.shape, 0 if expr.value else NEVER, dtype=np.int64)
    if isinstance(expr, cond.Name):
        return switches[expr.name]
    if isinstance(expr, cond.PhaseCompare):
        if (expr.op, expr.phase) in _ONLY_IN_PEACE:
            return peace
        return np.zeros(peace.shape, dtype=np.int64)
    if isinstance(expr, cond.And | cond.Or):
        combine = np.maximum if isinstance(expr, cond.And) else np.minimum
        result = _switch_week(expr.operands[0], switches, peace)
        for operand in expr.operands[1:]:
            result = combine(result, _switch_week(operand, switches, peace))
        return result
    raise ConfigError("policies.condition", f"unsupported condition {cond.to_text(expr)!r}")


@dataclass(frozen=True)
class Policy:
    """When Ukrainian sites open under a policy.

    Sites open ``lead_weeks`` after the trigger: a ceasefire starting (and, if
    ``requires_parameters``, its parameters agreed). Once a policy has had sites open, reopening
    after a breach and a new ceasefire takes ``reactivation_weeks`` (default and at most:
    ``lead_weeks``).
    A breach closes the sites at once.
    """

    name: str
    lead_weeks: int
    requires_parameters: bool = False
    reactivation_weeks: int | None = None
    condition: str | None = None

    def __post_init__(self) -> None:
        _check(
            isinstance(self.name, str) and 0 < len(self.name.strip()) <= 60,
            "policies.name",
            "must be a non-empty name of at most 60 characters",
        )
        _set(self, "name", self.name.strip())
        _set(self, "lead_weeks", _whole(self.lead_weeks, f"policies.{self.name}.lead_weeks"))
        _check(
            isinstance(self.requires_parameters, bool),
            f"policies.{self.name}.requires_parameters",
            "must be true or false",
        )
        if self.reactivation_weeks is not None:
            field_name = f"policies.{self.name}.reactivation_weeks"
            _set(self, "reactivation_weeks", _whole(self.reactivation_weeks, field_name))
        if self.condition is not None:
            field_name = f"policies.{self.name}.condition"
            _check(isinstance(self.condition, str), field_name, "must be text")
            try:
                expr = cond.parse(self.condition)
            except cond.ConditionError as error:
                raise ConfigError(field_name, str(error)) from None
            _check_switch_shape(expr, field_name)
            _set(self, "condition", cond.to_text(expr))

    @property
    def required_names(self) -> frozenset[str]:
        """Condition names the policy waits for (its condition and, maybe, the parameters)."""
        found = set() if self.condition is None else cond.names(cond.parse(self.condition))
        if self.requires_parameters:
            found.add(PARAMETERS_AGREED)
        return frozenset(found)

    @property
    def reopen_weeks(self) -> int:
        """Weeks to reopen after a breach once sites have been open (never more than the lead)."""
        if self.reactivation_weeks is None:
            return self.lead_weeks
        return min(self.reactivation_weeks, self.lead_weeks)


def wait_policy(redesign_weeks: int = 12, reactivation_weeks: int | None = 4) -> Policy:
    """Wait for a formal ceasefire with agreed parameters, then redesign (``redesign_weeks``)."""
    return Policy("wait", redesign_weeks, True, reactivation_weeks)


def proactive_policy(activation_weeks: int = 4, *, requires_parameters: bool = False) -> Policy:
    """Redesign now; sites open ``activation_weeks`` after a ceasefire."""
    return Policy("proactive", activation_weeks, requires_parameters, activation_weeks)


@dataclass(frozen=True)
class ScenarioConfig:
    """Everything a Monte Carlo run depends on (with the seed and the number of draws)."""

    horizon_weeks: int = 104
    ceasefire: CeasefireTiming = field(
        default_factory=lambda: GeometricTiming(weekly_probability=0.03, p_never=0.25)
    )
    truce_weeks: DiscreteWeeks = field(
        default_factory=lambda: DiscreteWeeks((0, 2, 4), (0.4, 0.4, 0.2))
    )
    parameters: ParameterAgreement = field(default_factory=ParameterAgreement)
    breach: BreachModel = field(default_factory=BreachModel)
    capacity: TrainingCapacity = field(default_factory=TrainingCapacity)
    policies: tuple[Policy, ...] = field(
        default_factory=lambda: (wait_policy(), proactive_policy())
    )
    baseline: str = ""
    """Policy the differences are taken against; empty means the first policy."""
    agreements: tuple[Agreement, ...] = ()
    """Further named conditions (beyond the ceasefire parameters) policies may wait for."""

    def __post_init__(self) -> None:
        _set(self, "horizon_weeks", _whole(self.horizon_weeks, "horizon_weeks", 1, 2000))
        _check(
            isinstance(self.policies, Sequence)
            and all(isinstance(p, Policy) for p in self.policies),
            "policies",
            "must be a list of policies",
        )
        _set(self, "policies", tuple(self.policies))
        for name in ("truce_weeks",):
            _check(isinstance(getattr(self, name), DiscreteWeeks), name, "must be discrete")
        for name, cls in (
            ("parameters", ParameterAgreement),
            ("breach", BreachModel),
            ("capacity", TrainingCapacity),
        ):
            _check(isinstance(getattr(self, name), cls), name, f"must be a {cls.__name__}")
        _check(
            isinstance(self.ceasefire, DiscreteWeeks | GeometricTiming | UniformTiming),
            "ceasefire",
            "unknown timing distribution",
        )
        _check(self.truce_weeks.p_never < 1e-9, "truce_weeks", "probabilities must sum to 1")
        _check(len(self.policies) >= 1, "policies", "at least one policy is needed")
        seen = [p.name for p in self.policies]
        _check(len(set(seen)) == len(seen), "policies", "policy names must be unique")
        if self.baseline == "":
            _set(self, "baseline", seen[0])
        _check(
            isinstance(self.agreements, Sequence)
            and all(isinstance(a, Agreement) for a in self.agreements),
            "agreements",
            "must be a list of agreements",
        )
        _set(self, "agreements", tuple(self.agreements))
        agreement_names = [a.name for a in self.agreements]
        _check(
            len(set(agreement_names)) == len(agreement_names),
            "agreements",
            "agreement names must be unique",
        )
        known = {PARAMETERS_AGREED, *agreement_names}
        for policy in self.policies:
            if policy.condition is not None:
                try:
                    cond.validate(policy.condition, known, allow_site_conditions=False)
                except cond.ConditionError as error:
                    raise ConfigError(f"policies.{policy.name}.condition", str(error)) from None
        _check(self.baseline in seen, "baseline", f"{self.baseline!r} is not a policy")

    @property
    def policy_names(self) -> tuple[str, ...]:
        """Policy names in order."""
        return tuple(p.name for p in self.policies)


# ------------------------------------------------------------------------------ scenarios


@dataclass(frozen=True)
class _Scenarios:
    """Policy-independent draws; week indices, ``NEVER`` when absent. Arrays are (n, K)."""

    ceasefire: np.ndarray  # week each ceasefire starts
    truce_start: np.ndarray  # week its truce starts (== ceasefire when none)
    breach: np.ndarray  # week hostilities resume (NEVER: held to the end or became peace)
    peace: np.ndarray  # week it becomes peace
    parameters: np.ndarray  # (n,) week the parameters are agreed
    switches: Mapping[str, np.ndarray]  # condition name -> (n,) week it becomes true


def _uniforms(
    seed: int, start: int, stop: int, k: int, agreements: int = 0
) -> dict[str, np.ndarray]:
    """Uniforms for draws ``start..stop-1``, taken from their fixed per-block streams."""
    parts: dict[str, list[np.ndarray]] = {
        "ceasefire": [],
        "parameters": [],
        "delay": [],
        "truce": [],
        "breach": [],
        "recover": [],
        "agreements": [],
    }
    first, last = start // BLOCK_SIZE, (stop - 1) // BLOCK_SIZE
    for block in range(first, last + 1):
        rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(block,))))
        lo = max(start - block * BLOCK_SIZE, 0)
        hi = min(stop - block * BLOCK_SIZE, BLOCK_SIZE)
        # fixed order and shapes: a draw's numbers never depend on the run around it
        parts["ceasefire"].append(rng.random(BLOCK_SIZE)[lo:hi])
        parts["parameters"].append(rng.random(BLOCK_SIZE)[lo:hi])
        parts["delay"].append(rng.random(BLOCK_SIZE)[lo:hi])
        parts["truce"].append(rng.random((BLOCK_SIZE, k))[lo:hi])
        parts["breach"].append(rng.random((BLOCK_SIZE, k))[lo:hi])
        parts["recover"].append(rng.random((BLOCK_SIZE, k))[lo:hi])
        # drawn last, so configs without agreements keep their numbers
        parts["agreements"].append(rng.random((BLOCK_SIZE, 2 * agreements))[lo:hi])
    return {name: np.concatenate(arrays) for name, arrays in parts.items()}


def _draw_scenarios(config: ScenarioConfig, u: Mapping[str, np.ndarray]) -> _Scenarios:
    """Turn uniforms into ceasefire episodes (vectorised over draws, looping over episodes)."""
    horizon = config.horizon_weeks
    breach_model = config.breach
    k_max = breach_model.max_ceasefires
    n = u["ceasefire"].shape[0]
    shape = (n, k_max)
    ceasefire = np.full(shape, NEVER, dtype=np.int64)
    truce_start = np.full(shape, NEVER, dtype=np.int64)
    breach = np.full(shape, NEVER, dtype=np.int64)
    peace = np.full(shape, NEVER, dtype=np.int64)

    current = np.minimum(config.ceasefire.sample(u["ceasefire"]), NEVER)
    lower = np.zeros(n, dtype=np.int64)  # a truce cannot start before this week
    for k in range(k_max):
        active = current < horizon
        truce = config.truce_weeks.sample(u["truce"][:, k])
        gap = _geometric(u["breach"][:, k], breach_model.weekly_hazard, offset=1)
        becomes_peace = np.zeros(n, dtype=bool)
        if breach_model.peace_after_weeks is not None:
            becomes_peace = gap >= breach_model.peace_after_weeks
            gap = np.where(becomes_peace, NEVER, gap)
        broken = np.minimum(current + gap, NEVER)
        ceasefire[:, k] = np.where(active, current, NEVER)
        truce_start[:, k] = np.where(active, np.maximum(current - truce, lower), NEVER)
        breach[:, k] = np.where(active & (broken < horizon), broken, NEVER)
        if breach_model.peace_after_weeks is not None:
            peace_week = current + breach_model.peace_after_weeks
            peace[:, k] = np.where(
                active & becomes_peace & (peace_week < horizon), peace_week, NEVER
            )
        recover = _geometric(
            u["recover"][:, k], breach_model.receasefire_weekly_probability, offset=1
        )
        lower = np.where(breach[:, k] < NEVER, breach[:, k] + 1, NEVER)
        current = np.where(breach[:, k] < NEVER, np.minimum(breach[:, k] + recover, NEVER), NEVER)

    first = ceasefire[:, 0]
    agreed = u["parameters"] < config.parameters.probability
    delay = config.parameters.delay_weeks.sample(u["delay"])
    parameters = np.where(agreed & (first < NEVER), np.minimum(first + delay, NEVER), NEVER)
    switches = {PARAMETERS_AGREED: parameters}
    for j, agreement in enumerate(config.agreements):
        happens = u["agreements"][:, 2 * j] < agreement.probability
        delay = agreement.delay_weeks.sample(u["agreements"][:, 2 * j + 1])
        if agreement.after == "ceasefire":
            happens &= first < NEVER
            delay = np.minimum(first + delay, NEVER)
        switches[agreement.name] = np.where(happens, delay, NEVER)
    return _Scenarios(ceasefire, truce_start, breach, peace, parameters, switches)


def _phase_grid(scenarios: _Scenarios, horizon: int) -> np.ndarray:
    """Phase per draw and week, (n, H) int8."""
    weeks = np.arange(horizon)
    n, k_max = scenarios.ceasefire.shape
    grid = np.full((n, horizon), int(Phase.HOSTILITIES), dtype=np.int8)
    for k in range(k_max):
        c = scenarios.ceasefire[:, k, None]
        grid[(weeks >= scenarios.truce_start[:, k, None]) & (weeks < c)] = int(Phase.TRUCE)
        end = np.minimum(scenarios.breach[:, k], scenarios.peace[:, k])[:, None]
        grid[(weeks >= c) & (weeks < end)] = int(Phase.CEASEFIRE)
        grid[weeks >= scenarios.peace[:, k, None]] = int(Phase.PEACE)
    return grid


# -------------------------------------------------------------------------------- policies


def _evaluate_policy(
    config: ScenarioConfig, scenarios: _Scenarios, policy: Policy, *, keep_open: bool = False
) -> tuple[dict[str, np.ndarray], np.ndarray | None]:
    """Per-draw metrics of one policy; optionally the (n, H) mask of weeks with sites open."""
    horizon = config.horizon_weeks
    capacity = config.capacity
    course = capacity.course_weeks
    weeks = np.arange(horizon)[None, :]
    n, k_max = scenarios.ceasefire.shape

    ua_intake = np.zeros((n, horizon))
    ua_done = np.zeros(n)
    lost_trainee_weeks = np.zeros(n)
    interrupted = np.zeros(n)
    on_site_trainee_weeks = np.zeros(n)
    first_open = np.full(n, NEVER, dtype=np.int64)
    activated = np.zeros(n, dtype=bool)
    open_mask = np.zeros((n, horizon), dtype=bool) if keep_open else None
    condition = None if policy.condition is None else cond.parse(policy.condition)

    for k in range(k_max):
        ceasefire = scenarios.ceasefire[:, k]
        breached = scenarios.breach[:, k] < horizon
        spell_end = np.minimum(scenarios.breach[:, k], horizon)  # exclusive
        trigger = ceasefire
        if policy.requires_parameters:
            trigger = np.maximum(trigger, scenarios.parameters)
        if condition is not None:
            trigger = np.maximum(
                trigger, _switch_week(condition, scenarios.switches, scenarios.peace[:, k])
            )
        lead = np.where(activated, policy.reopen_weeks, policy.lead_weeks)
        opens = np.minimum(trigger + lead, NEVER)
        has_spell = (ceasefire < horizon) & (opens < spell_end)
        in_spell = has_spell[:, None] & (weeks >= opens[:, None]) & (weeks < spell_end[:, None])
        full_rate: float | np.ndarray = capacity.ua_trainees_per_week
        if capacity.ua_trainees_per_week_before_parameters is not None:
            # a course starting before the parameters are agreed has only the instructors
            # who do not wait for them
            full_rate = np.where(
                weeks >= scenarios.parameters[:, None],
                capacity.ua_trainees_per_week,
                capacity.ua_trainees_per_week_before_parameters,
            )
        if capacity.ramp_weeks > 0:
            ramp = np.clip((weeks - opens[:, None] + 1) / capacity.ramp_weeks, 0.0, 1.0)
            rate = np.where(in_spell, full_rate * ramp, 0.0)
        else:
            rate = np.where(in_spell, full_rate, 0.0)
        if capacity.demand_per_week is not None:
            rate = np.minimum(rate, capacity.demand_per_week)
        remaining = spell_end[:, None] - weeks  # weeks left in the spell from each intake
        done = in_spell & (remaining >= course)
        cut = in_spell & ~done & breached[:, None]
        ua_intake += rate
        ua_done += np.where(done, rate, 0.0).sum(axis=1)
        interrupted += np.where(cut, rate, 0.0).sum(axis=1)
        lost_trainee_weeks += np.where(cut, rate * remaining, 0.0).sum(axis=1)
        on_site_trainee_weeks += (rate * np.clip(np.minimum(remaining, course), 0, None)).sum(
            axis=1
        )
        first_open = np.where(has_spell & (first_open == NEVER), opens, first_open)
        activated |= has_spell
        if open_mask is not None:
            open_mask |= in_spell

    if capacity.demand_per_week is None:
        eu_intake_done = capacity.eu_trainees_per_week * max(horizon - course + 1, 0)
        eu_done = np.full(n, float(eu_intake_done))
    else:
        eu_intake = np.clip(
            np.minimum(capacity.eu_trainees_per_week, capacity.demand_per_week - ua_intake),
            0.0,
            None,
        )
        eu_done = np.where(weeks + course <= horizon, eu_intake, 0.0).sum(axis=1)

    first_ceasefire = scenarios.ceasefire[:, 0]
    weeks_to_first = np.where(
        (first_open < NEVER) & (first_ceasefire < NEVER),
        (first_open - first_ceasefire).astype(float),
        np.nan,
    )
    metrics = {
        "trainees_total": eu_done + ua_done,
        "trainees_in_ukraine": ua_done,
        "weeks_to_first_cohort": weeks_to_first,
        "instructor_weeks_in_ukraine": on_site_trainee_weeks * capacity.instructors_per_trainee,
        "cohort_weeks_interrupted": lost_trainee_weeks / capacity.cohort_size,
        "trainees_interrupted": interrupted,
    }
    return metrics, open_mask


@dataclass(frozen=True)
class ChunkResult:
    """Per-draw values for draws ``start..stop-1``."""

    start: int
    stop: int
    ceasefire_week: np.ndarray  # first ceasefire, NaN if none within the horizon
    breaches: np.ndarray  # breaches within the horizon
    metrics: Mapping[str, Mapping[str, np.ndarray]]  # policy -> metric -> values


WORKER_MALLOC_ENV: Final = {
    "MALLOC_TRIM_THRESHOLD_": str(128 << 20),
    "MALLOC_MMAP_THRESHOLD_": str(32 << 20),
}
"""glibc settings for the workers of ``local_cluster``.

Dask's nanny sets ``MALLOC_TRIM_THRESHOLD_=65536`` for its workers (to hand memory back to
the system), which also freezes glibc's mmap threshold at 128 KiB: every temporary array of
a batch is then mapped and unmapped afresh, page faults and all, and a Dask worker simulated
draws at about half the in-process speed. Keeping arrays up to 32 MiB on the heap and
trimming it only above 128 MiB restores the in-process speed; a worker may keep up to
128 MiB it no longer uses."""


def _batch_size() -> int:
    """Draws simulated at once inside a chunk (never changes the numbers, only the speed).

    512 draws keep a batch's (draws x weeks) temporaries small enough for the CPU caches.
    Under Dask's default nanny settings (``MALLOC_TRIM_THRESHOLD_`` small, see
    ``WORKER_MALLOC_ENV``) glibc maps every large temporary afresh; 128 draws keep them on
    the heap there.
    """
    trim = os.environ.get("MALLOC_TRIM_THRESHOLD_")
    if trim is not None and (not trim.isdigit() or int(trim) < 16 << 20):
        return 128
    return 512


def local_cluster(n_workers: int = 2) -> Any:
    """A Dask ``LocalCluster`` for Monte Carlo runs: ``n_workers`` processes of one thread.

    Processes, not threads: the simulation is numpy code that holds the GIL for much of a
    batch. Workers get ``WORKER_MALLOC_ENV`` (set before they are spawned).
    """
    import dask
    from distributed import LocalCluster

    environ = {f"distributed.nanny.pre-spawn-environ.{k}": v for k, v in WORKER_MALLOC_ENV.items()}
    with dask.config.set(environ):
        return LocalCluster(
            n_workers=n_workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",
        )


def simulate_draws(config: ScenarioConfig, seed: int, start: int, stop: int) -> ChunkResult:
    """Simulate draws ``start..stop-1`` of the run with ``seed`` (pure; ships to Dask workers)."""
    if not 0 <= start < stop:
        raise ValueError("need 0 <= start < stop")
    uniforms = _uniforms(seed, start, stop, config.breach.max_ceasefires, len(config.agreements))
    batch = _batch_size()
    ceasefire_weeks, breaches = [], []
    metrics: dict[str, dict[str, list[np.ndarray]]] = {
        p.name: {m: [] for m in METRICS} for p in config.policies
    }
    for lo in range(0, stop - start, batch):
        part = {name: values[lo : lo + batch] for name, values in uniforms.items()}
        scenarios = _draw_scenarios(config, part)
        first = scenarios.ceasefire[:, 0]
        ceasefire_weeks.append(np.where(first < NEVER, first.astype(float), np.nan))
        breaches.append((scenarios.breach < NEVER).sum(axis=1).astype(float))
        for policy in config.policies:
            values, _ = _evaluate_policy(config, scenarios, policy)
            for metric in METRICS:
                metrics[policy.name][metric].append(values[metric])
    return ChunkResult(
        start=start,
        stop=stop,
        ceasefire_week=np.concatenate(ceasefire_weeks),
        breaches=np.concatenate(breaches),
        metrics={
            policy: {m: np.concatenate(parts) for m, parts in per.items()}
            for policy, per in metrics.items()
        },
    )


@dataclass(frozen=True)
class DrawDetail:
    """One draw spelt out: phase per week and the weeks each policy has sites open."""

    draw: int
    phases: tuple[Phase, ...]
    parameters_week: int | None
    open_weeks: Mapping[str, frozenset[int]]
    metrics: Mapping[str, Mapping[str, float | None]]
    condition_weeks: Mapping[str, int | None] = field(default_factory=dict)
    """Week each named condition becomes true (None: not within the horizon)."""

    def truths_by_week(self) -> dict[str, list[bool]]:
        """Per-week truth of each named condition, for ``conditions.weeks_holding``."""
        return {
            name: [week is not None and w >= week for w in range(len(self.phases))]
            for name, week in self.condition_weeks.items()
        }


def explain_draw(config: ScenarioConfig, seed: int, draw: int) -> DrawDetail:
    """The timeline of draw ``draw`` of the run with ``seed``, for inspection and charts."""
    u = _uniforms(seed, draw, draw + 1, config.breach.max_ceasefires, len(config.agreements))
    scenarios = _draw_scenarios(config, u)
    grid = _phase_grid(scenarios, config.horizon_weeks)[0]
    open_weeks: dict[str, frozenset[int]] = {}
    metrics: dict[str, dict[str, float | None]] = {}
    for policy in config.policies:
        values, mask = _evaluate_policy(config, scenarios, policy, keep_open=True)
        assert mask is not None
        open_weeks[policy.name] = frozenset(int(i) for i in np.flatnonzero(mask[0]))
        metrics[policy.name] = {
            name: (None if math.isnan(v[0]) else float(v[0])) for name, v in values.items()
        }
    horizon = config.horizon_weeks
    condition_weeks = {
        name: (int(w[0]) if w[0] < horizon else None) for name, w in scenarios.switches.items()
    }
    return DrawDetail(
        draw=draw,
        phases=tuple(Phase(int(p)) for p in grid),
        parameters_week=condition_weeks[PARAMETERS_AGREED],
        open_weeks=open_weeks,
        metrics=metrics,
        condition_weeks=condition_weeks,
    )


# ----------------------------------------------------------------------------------- summary


@dataclass(frozen=True)
class Summary:
    """Statistics over the draws where a value is defined (NaN values are left out)."""

    n: int
    mean: float
    std: float
    p10: float
    p50: float
    p90: float
    ci_low: float
    ci_high: float
    share_positive: float

    def to_dict(self) -> dict[str, float | int | None]:
        """JSON-ready (NaN becomes None)."""
        return {
            k: (None if isinstance(v, float) and math.isnan(v) else v)
            for k, v in asdict(self).items()
        }


def summarise(values: np.ndarray, confidence: float = 0.95) -> Summary:
    """Mean, spread, P10/P50/P90 and a normal-approximation interval for the mean."""
    data = np.asarray(values, dtype=float)
    data = data[~np.isnan(data)]
    n = int(data.size)
    if n == 0:
        nan = float("nan")
        return Summary(0, nan, nan, nan, nan, nan, nan, nan, nan)
    mean = float(np.mean(data))
    std = float(np.std(data, ddof=1)) if n > 1 else 0.0
    p10, p50, p90 = (float(q) for q in np.percentile(data, [10, 50, 90]))
    half = NormalDist().inv_cdf(0.5 + confidence / 2) * std / math.sqrt(n)
    return Summary(
        n=n,
        mean=mean,
        std=std,
        p10=p10,
        p50=p50,
        p90=p90,
        ci_low=mean - half,
        ci_high=mean + half,
        share_positive=float(np.mean(data > 0)),
    )


@dataclass(frozen=True)
class MonteCarloResult:
    """Outcome of ``run``: summaries per policy and per paired difference, with inputs."""

    config: ScenarioConfig
    draws: int
    seed: int
    confidence: float
    summaries: Mapping[str, Mapping[str, Summary]]
    differences: Mapping[str, Mapping[str, Summary]]  # policy -> metric -> (policy - baseline)
    samples: Mapping[str, Mapping[str, np.ndarray]] | None
    ceasefire_week: np.ndarray | None
    breaches: np.ndarray | None
    share_no_ceasefire: float
    mean_breaches: float
    elapsed_seconds: float = field(default=0.0, compare=False)
    backend: str = field(default="local", compare=False)

    @property
    def baseline(self) -> str:
        """Name of the baseline policy of the differences."""
        return self.config.baseline

    def to_dict(self, *, include_samples: bool = False) -> dict[str, Any]:
        """JSON-ready record with the seed and config that reproduce it."""
        record: dict[str, Any] = {
            "model_version": MODEL_VERSION,
            "seed": self.seed,
            "draws": self.draws,
            "confidence": self.confidence,
            "config": config_to_dict(self.config),
            "baseline": self.baseline,
            "share_no_ceasefire": self.share_no_ceasefire,
            "mean_breaches": self.mean_breaches,
            "summaries": {
                p: {m: s.to_dict() for m, s in ms.items()} for p, ms in self.summaries.items()
            },
            "differences": {
                p: {m: s.to_dict() for m, s in ms.items()} for p, ms in self.differences.items()
            },
            "elapsed_seconds": self.elapsed_seconds,
            "backend": self.backend,
        }
        if include_samples and self.samples is not None:
            record["samples"] = {
                p: {m: [None if math.isnan(x) else x for x in v.tolist()] for m, v in ms.items()}
                for p, ms in self.samples.items()
            }
        return record


# ------------------------------------------------------------------------------------- run

ProgressCallback: TypeAlias = Callable[[int, int], None]


_Task: TypeAlias = tuple[ScenarioConfig, int, int, int]  # config, seed, start, stop


def _chunks(draws: int, chunk_size: int) -> list[tuple[int, int]]:
    return [(s, min(s + chunk_size, draws)) for s in range(0, draws, chunk_size)]


def _simulate_local(tasks: Sequence[_Task], progress: ProgressCallback | None) -> list[ChunkResult]:
    results = []
    for done, task in enumerate(tasks, start=1):
        results.append(simulate_draws(*task))
        if progress is not None:
            progress(done, len(tasks))
    return results


def _simulate_dask(
    client: Any, tasks: Sequence[_Task], progress: ProgressCallback | None
) -> list[ChunkResult]:
    """Run the tasks on Dask; results in task order.

    One ``map`` and one ``gather`` at the end instead of a submit and a result per task:
    each round trip costs the client (and a LocalCluster's in-process scheduler) CPU that
    competes with the workers for the cores (measured: 29 → 19 ms per 8-task run).
    """
    from distributed import as_completed

    futures = client.map(simulate_draws, *zip(*tasks, strict=True), pure=False)
    try:
        for done, future in enumerate(as_completed(futures), start=1):
            if future.status == "error":
                future.result()  # raises the task's exception now, not after the others
            if progress is not None:
                progress(done, len(futures))
        return list(client.gather(futures))
    except BaseException:
        client.cancel(futures)  # stopped (e.g. by the progress callback) or failed
        raise


def _execute(
    tasks: Sequence[_Task],
    *,
    client: Any | None,
    scheduler_address: str | None,
    use_dask: bool,
    n_workers: int | None,
    progress: ProgressCallback | None,
) -> tuple[list[ChunkResult], str]:
    """Run the tasks in-process or on Dask; results in task order, and the backend's name."""
    if client is not None:
        return _simulate_dask(client, tasks, progress), "dask"
    if scheduler_address is None and not use_dask:
        return _simulate_local(tasks, progress), "local"
    from distributed import Client

    if scheduler_address is not None:
        with Client(scheduler_address) as own_client:
            return _simulate_dask(own_client, tasks, progress), "dask"
    with local_cluster(n_workers or 2) as cluster, Client(cluster) as own_client:
        return _simulate_dask(own_client, tasks, progress), "dask"


def _check_run_arguments(draws: int, seed: int, chunk_size: int, confidence: float) -> None:
    _check(
        isinstance(draws, int) and not isinstance(draws, bool) and 1 <= draws <= 10**9,
        "draws",
        "must be a whole number in 1..1000000000",
    )
    _check(
        isinstance(seed, int) and not isinstance(seed, bool) and seed >= 0,
        "seed",
        "must be a whole number >= 0",
    )
    _check(chunk_size >= 1, "chunk_size", "must be >= 1")
    _check(0.0 < confidence < 1.0, "confidence", "must be between 0 and 1")


def run(
    config: ScenarioConfig,
    draws: int,
    seed: int,
    *,
    client: Any | None = None,
    scheduler_address: str | None = None,
    use_dask: bool = False,
    n_workers: int | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    progress: ProgressCallback | None = None,
    confidence: float = 0.95,
    keep_samples: bool = True,
) -> MonteCarloResult:
    """Run ``draws`` draws of ``config`` with ``seed``; the numbers depend on nothing else.

    Without ``client``, ``scheduler_address`` or ``use_dask`` it runs in-process. With a
    Dask ``client`` (or a scheduler address to connect to, or ``use_dask=True`` for a
    ``LocalCluster`` of ``n_workers`` processes) each chunk of ``chunk_size`` draws is a
    task. ``progress(chunks_done, chunks_total)`` is called as chunks finish; an exception
    raised from it stops the run (pending Dask tasks are cancelled) and propagates.
    """
    return sweep(
        config,
        None,
        [None],
        draws,
        seed,
        client=client,
        scheduler_address=scheduler_address,
        use_dask=use_dask,
        n_workers=n_workers,
        chunk_size=chunk_size,
        progress=progress,
        confidence=confidence,
        keep_samples=keep_samples,
    )[0]


def with_value(config: ScenarioConfig, path: str, value: Any) -> ScenarioConfig:
    """``config`` with the input at dotted ``path`` set to ``value`` (validated).

    Paths follow ``config_to_dict``: ``breach.weekly_hazard``, ``ceasefire.p_never``,
    ``capacity.ua_trainees_per_week``; a policy is addressed by name:
    ``policies.wait.lead_weeks``.
    """
    _check(isinstance(path, str) and bool(path), "path", "must be a dotted field name")
    data: Any = config_to_dict(config)
    parts = path.split(".")
    node = data
    for i, part in enumerate(parts[:-1]):
        where = ".".join(parts[: i + 1])
        if isinstance(node, list):
            matches = [p for p in node if p.get("name") == part]
            _check(bool(matches), where, f"no policy named {part!r}")
            node = matches[0]
        else:
            _check(isinstance(node, dict) and part in node, where, "unknown field")
            node = node[part]
            if node is None:
                raise ConfigError(where, "unknown field")
    last = parts[-1]
    _check(isinstance(node, dict) and last in node, path, "unknown field")
    node[last] = value
    return config_from_dict(data)


def sweep(
    config: ScenarioConfig,
    path: str | None,
    values: Sequence[Any],
    draws: int,
    seed: int,
    *,
    client: Any | None = None,
    scheduler_address: str | None = None,
    use_dask: bool = False,
    n_workers: int | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    progress: ProgressCallback | None = None,
    confidence: float = 0.95,
    keep_samples: bool = False,
) -> list[MonteCarloResult]:
    """One run per value of the input at ``path`` (see ``with_value``), same draws and seed.

    Every value sees the same random numbers, so the curve across values is smooth and the
    result for each value equals ``run(with_value(config, path, value), draws, seed)``. All
    chunks of all values are submitted at once when running on Dask.
    """
    if not isinstance(config, ScenarioConfig):
        raise TypeError("config must be a ScenarioConfig")
    _check_run_arguments(draws, seed, chunk_size, confidence)
    _check(len(values) >= 1, "values", "at least one value is needed")
    configs = [config if path is None else with_value(config, path, v) for v in values]
    chunks = _chunks(draws, chunk_size)
    tasks = [(c, seed, start, stop) for c in configs for start, stop in chunks]
    began = time.perf_counter()
    parts, backend = _execute(
        tasks,
        client=client,
        scheduler_address=scheduler_address,
        use_dask=use_dask,
        n_workers=n_workers,
        progress=progress,
    )
    elapsed = (time.perf_counter() - began) / len(configs)
    return [
        _assemble(
            c,
            draws,
            seed,
            confidence,
            parts[i * len(chunks) : (i + 1) * len(chunks)],
            keep_samples,
            elapsed,
            backend,
        )
        for i, c in enumerate(configs)
    ]


def _assemble(
    config: ScenarioConfig,
    draws: int,
    seed: int,
    confidence: float,
    parts: Sequence[ChunkResult],
    keep_samples: bool,
    elapsed: float,
    backend: str,
) -> MonteCarloResult:
    parts = sorted(parts, key=lambda p: p.start)
    _check(
        sum(p.stop - p.start for p in parts) == draws and len(parts) > 0,
        "draws",
        "chunks do not cover the draws",
    )
    samples = {
        policy: {
            metric: np.concatenate([p.metrics[policy][metric] for p in parts]) for metric in METRICS
        }
        for policy in config.policy_names
    }
    ceasefire_week = np.concatenate([p.ceasefire_week for p in parts])
    breaches = np.concatenate([p.breaches for p in parts])
    base = samples[config.baseline]
    summaries: dict[str, dict[str, Summary]] = {p: {} for p in samples}
    differences: dict[str, dict[str, Summary]] = {p: {} for p in samples if p != config.baseline}
    wanted = [(summaries, p, m, values) for p, per in samples.items() for m, values in per.items()]
    wanted += [
        (differences, p, m, values - base[m])
        for p, per in samples.items()
        if p != config.baseline
        for m, values in per.items()
    ]
    # numpy's partition and reductions release the GIL: the summaries, the part of a run
    # that stays on the client after the workers finish, take half the time on two threads
    with ThreadPoolExecutor(max(1, min(4, os.cpu_count() or 1))) as pool:
        done = pool.map(lambda item: summarise(item[3], confidence), wanted)
        for (into, policy, metric, _values), summary in zip(wanted, done, strict=True):
            into[policy][metric] = summary
    return MonteCarloResult(
        config=config,
        draws=draws,
        seed=seed,
        confidence=confidence,
        summaries=summaries,
        differences=differences,
        samples=samples if keep_samples else None,
        ceasefire_week=ceasefire_week if keep_samples else None,
        breaches=breaches if keep_samples else None,
        share_no_ceasefire=float(np.mean(np.isnan(ceasefire_week))),
        mean_breaches=float(np.mean(breaches)),
        elapsed_seconds=elapsed,
        backend=backend,
    )


# ------------------------------------------------------------------------- serialisation


def _timing_to_dict(timing: CeasefireTiming) -> dict[str, Any]:
    return {"kind": timing.kind, **asdict(timing)}


def _build(cls: type, data: Any, field_name: str, *, skip: Sequence[str] = ()) -> Any:
    """``cls(**data)`` with every failure turned into a ConfigError naming the field."""
    _check(isinstance(data, Mapping), field_name, "must be an object")
    known = {f.name for f in fields(cls)} | set(skip)
    unknown = sorted(str(k) for k in data if k not in known)
    _check(not unknown, f"{field_name}.{unknown[0] if unknown else ''}", "unknown field")
    try:
        return cls(**{k: v for k, v in data.items() if k not in skip})
    except ConfigError as error:
        if error.field.startswith(field_name.split(".")[0]):
            raise
        raise ConfigError(f"{field_name}.{error.field}", error.detail) from None
    except (TypeError, ValueError, AttributeError) as error:
        raise ConfigError(field_name, str(error)) from None


def _timing_from_dict(data: Any, field_name: str) -> CeasefireTiming:
    _check(isinstance(data, Mapping), field_name, "must be an object")
    kind = data.get("kind", "discrete")
    cls = _TIMINGS.get(kind) if isinstance(kind, str) else None
    _check(
        cls is not None,
        f"{field_name}.kind",
        f"unknown kind {kind!r}; use one of {', '.join(_TIMINGS)}",
    )
    return _build(cls, data, field_name, skip=("kind",))


def config_to_dict(config: ScenarioConfig) -> dict[str, Any]:
    """JSON-ready form of a config (``config_from_dict`` reverses it)."""
    return {
        "horizon_weeks": config.horizon_weeks,
        "ceasefire": _timing_to_dict(config.ceasefire),
        "truce_weeks": _timing_to_dict(config.truce_weeks),
        "parameters": {
            "probability": config.parameters.probability,
            "delay_weeks": _timing_to_dict(config.parameters.delay_weeks),
        },
        "breach": asdict(config.breach),
        "capacity": asdict(config.capacity),
        "policies": [asdict(p) for p in config.policies],
        "baseline": config.baseline,
        "agreements": [
            {
                "name": a.name,
                "probability": a.probability,
                "delay_weeks": _timing_to_dict(a.delay_weeks),
                "after": a.after,
            }
            for a in config.agreements
        ],
    }


def config_from_dict(data: Mapping[str, Any]) -> ScenarioConfig:
    """Build a config from ``config_to_dict`` output (missing parts take the defaults).

    Any invalid input raises ConfigError with the dotted field name, never anything else.
    """
    _check(isinstance(data, Mapping), "config", "must be an object")
    known = {f.name for f in fields(ScenarioConfig)}
    unknown = sorted(str(k) for k in data if k not in known)
    _check(not unknown, unknown[0] if unknown else "", "unknown field")
    kwargs: dict[str, Any] = {}
    if "horizon_weeks" in data:
        kwargs["horizon_weeks"] = data["horizon_weeks"]
    if "ceasefire" in data:
        kwargs["ceasefire"] = _timing_from_dict(data["ceasefire"], "ceasefire")
    if "truce_weeks" in data:
        kwargs["truce_weeks"] = _timing_from_dict(data["truce_weeks"], "truce_weeks")
    if "parameters" in data:
        params = data["parameters"]
        _check(isinstance(params, Mapping), "parameters", "must be an object")
        params = dict(params)
        if "delay_weeks" in params:
            params["delay_weeks"] = _timing_from_dict(
                params["delay_weeks"], "parameters.delay_weeks"
            )
        kwargs["parameters"] = _build(ParameterAgreement, params, "parameters")
    if "breach" in data:
        kwargs["breach"] = _build(BreachModel, data["breach"], "breach")
    if "capacity" in data:
        kwargs["capacity"] = _build(TrainingCapacity, data["capacity"], "capacity")
    if "policies" in data:
        policies = data["policies"]
        _check(
            isinstance(policies, Sequence) and not isinstance(policies, str),
            "policies",
            "must be a list",
        )
        kwargs["policies"] = tuple(
            _build(Policy, p, f"policies.{i}") for i, p in enumerate(policies)
        )
    if "baseline" in data:
        kwargs["baseline"] = data["baseline"]
    if "agreements" in data:
        agreements = data["agreements"]
        _check(
            isinstance(agreements, Sequence) and not isinstance(agreements, str),
            "agreements",
            "must be a list",
        )
        built = []
        for i, item in enumerate(agreements):
            _check(isinstance(item, Mapping), f"agreements.{i}", "must be an object")
            item = dict(item)
            if "delay_weeks" in item:
                item["delay_weeks"] = _timing_from_dict(
                    item["delay_weeks"], f"agreements.{i}.delay_weeks"
                )
            built.append(_build(Agreement, item, f"agreements.{i}"))
        kwargs["agreements"] = tuple(built)
    try:
        return ScenarioConfig(**kwargs)
    except ConfigError:
        raise
    except (TypeError, ValueError, AttributeError) as error:
        raise ConfigError("config", str(error)) from None
