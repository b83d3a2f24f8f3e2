"""Tests for the redesign-now-or-wait Monte Carlo."""

from __future__ import annotations

import json
import math
import os
from dataclasses import asdict

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from muster.scenarios import montecarlo
from muster.scenarios.conditions import parse, weeks_holding
from muster.scenarios.montecarlo import (
    BLOCK_SIZE,
    METRICS,
    WORKER_MALLOC_ENV,
    Agreement,
    BreachModel,
    ConfigError,
    DiscreteWeeks,
    GeometricTiming,
    ParameterAgreement,
    Policy,
    ScenarioConfig,
    TrainingCapacity,
    UniformTiming,
    config_from_dict,
    config_to_dict,
    explain_draw,
    local_cluster,
    proactive_policy,
    run,
    simulate_draws,
    sweep,
    wait_policy,
    with_value,
)
from muster.scenarios.phases import Phase, first_week_at_least


def same(a: np.ndarray, b: np.ndarray) -> bool:
    return np.array_equal(a, b, equal_nan=True)


def assert_identical(r1, r2) -> None:
    assert r1.summaries == r2.summaries
    assert r1.differences == r2.differences
    for policy in r1.samples:
        for metric in METRICS:
            assert same(r1.samples[policy][metric], r2.samples[policy][metric]), (policy, metric)
    assert same(r1.ceasefire_week, r2.ceasefire_week)


def simple_config(**overrides) -> ScenarioConfig:
    """A deterministic scenario: truce at 8, ceasefire at week 10, parameters at once."""
    values = dict(
        horizon_weeks=30,
        ceasefire=DiscreteWeeks.fixed(10),
        truce_weeks=DiscreteWeeks.fixed(2),
        parameters=ParameterAgreement(1.0, DiscreteWeeks.fixed(0)),
        breach=BreachModel(weekly_hazard=0.0, receasefire_weekly_probability=0.0),
        capacity=TrainingCapacity(
            eu_trainees_per_week=100,
            ua_trainees_per_week=50,
            instructors_per_trainee=0.1,
            ramp_weeks=0,
            course_weeks=5,
            cohort_size=50,
        ),
        policies=(wait_policy(6, 2), proactive_policy(2)),
    )
    values.update(overrides)
    return ScenarioConfig(**values)


# ------------------------------------------------------------------------- exact numbers


def test_hand_computed_draw() -> None:
    result = run(simple_config(), 3, seed=1)
    wait, proactive = result.samples["wait"], result.samples["proactive"]
    # EU: intakes in weeks 0..25 finish by week 29 -> 26 x 100
    # wait opens week 16: intakes 16..25 finish -> 10 x 50; proactive opens 12 -> 14 x 50
    assert wait["trainees_in_ukraine"].tolist() == [500.0] * 3
    assert wait["trainees_total"].tolist() == [3100.0] * 3
    assert proactive["trainees_total"].tolist() == [3300.0] * 3
    assert wait["weeks_to_first_cohort"].tolist() == [6.0] * 3
    assert proactive["weeks_to_first_cohort"].tolist() == [2.0] * 3
    # proactive exposure: intakes 12..25 on site 5 weeks, 26..29 on site 4+3+2+1 weeks
    assert proactive["instructor_weeks_in_ukraine"].tolist() == pytest.approx([80 * 50 * 0.1] * 3)
    assert result.differences["proactive"]["trainees_total"].mean == 200.0
    assert result.share_no_ceasefire == 0.0

    detail = explain_draw(simple_config(), 1, 0)
    assert detail.phases[:8] == (Phase.HOSTILITIES,) * 8
    assert detail.phases[8:10] == (Phase.TRUCE,) * 2
    assert detail.phases[10:] == (Phase.CEASEFIRE,) * 20
    assert detail.open_weeks["wait"] == frozenset(range(16, 30))
    assert detail.open_weeks["proactive"] == frozenset(range(12, 30))
    assert detail.parameters_week == 10


def test_rate_before_the_parameters_are_agreed() -> None:
    """Courses starting before the parameters are agreed run at the reduced rate."""
    capacity = simple_config().capacity
    config = simple_config(
        parameters=ParameterAgreement(1.0, DiscreteWeeks.fixed(4)),  # agreed in week 14
        capacity=TrainingCapacity(
            **{**asdict(capacity), "ua_trainees_per_week_before_parameters": 20}
        ),
    )
    result = run(config, 2, seed=1)
    # proactive opens week 12: intakes 12, 13 at 20, then 14..25 at 50 -> 40 + 600
    assert result.samples["proactive"]["trainees_in_ukraine"].tolist() == [640.0] * 2
    # wait opens 6 weeks after the agreement (week 20): all at the full rate, 6 x 50
    assert result.samples["wait"]["trainees_in_ukraine"].tolist() == [300.0] * 2
    plain = run(simple_config(parameters=config.parameters), 2, seed=1)
    assert plain.samples["proactive"]["trainees_in_ukraine"].tolist() == [700.0] * 2
    assert config_from_dict(config_to_dict(config)) == config


def test_breach_interrupts_cohorts_and_closes_sites() -> None:
    config = simple_config(
        breach=BreachModel(weekly_hazard=1.0, receasefire_weekly_probability=1.0, max_ceasefires=3),
        policies=(Policy("now", 0), Policy("slow", 1)),
        baseline="slow",
    )
    detail = explain_draw(config, 7, 0)
    # ceasefire 10, breach 11, ceasefire 12, breach 13, ceasefire 14, breach 15
    phases = detail.phases
    assert [phases[w] for w in range(9, 17)] == [
        Phase.TRUCE,
        Phase.CEASEFIRE,
        Phase.HOSTILITIES,
        Phase.CEASEFIRE,
        Phase.HOSTILITIES,
        Phase.CEASEFIRE,
        Phase.HOSTILITIES,
        Phase.HOSTILITIES,
    ]
    assert detail.open_weeks["now"] == frozenset({10, 12, 14})
    assert detail.open_weeks["slow"] == frozenset()
    now = detail.metrics["now"]
    assert now["trainees_in_ukraine"] == 0.0
    assert now["trainees_interrupted"] == 150.0
    assert now["cohort_weeks_interrupted"] == 3.0  # 3 cohorts of 50, one week each
    assert now["instructor_weeks_in_ukraine"] == pytest.approx(15.0)
    assert detail.metrics["slow"]["weeks_to_first_cohort"] is None


def test_no_ceasefire_means_nothing_in_ukraine() -> None:
    for timing in (
        GeometricTiming(0.5, p_never=1.0),
        UniformTiming(0, 10, p_never=1.0),
        DiscreteWeeks((3,), (0.0,)),
    ):
        config = ScenarioConfig(horizon_weeks=52, ceasefire=timing)
        result = run(config, 700, seed=3)
        assert result.share_no_ceasefire == 1.0
        for policy in config.policy_names:
            assert not result.samples[policy]["trainees_in_ukraine"].any()
            assert not result.samples[policy]["instructor_weeks_in_ukraine"].any()
            assert result.summaries[policy]["weeks_to_first_cohort"].n == 0
            assert math.isnan(result.summaries[policy]["weeks_to_first_cohort"].mean)
        assert result.differences["proactive"]["trainees_total"].mean == 0.0
        json.dumps(result.to_dict(), allow_nan=False)


def test_zero_breach_hazard_means_no_interruptions() -> None:
    config = ScenarioConfig(breach=BreachModel(weekly_hazard=0.0))
    result = run(config, 1500, seed=11)
    assert result.mean_breaches == 0.0
    for policy in config.policy_names:
        assert not result.samples[policy]["cohort_weeks_interrupted"].any()
        assert not result.samples[policy]["trainees_interrupted"].any()
    # and with a hazard there are some, so the test above can fail
    risky = run(ScenarioConfig(breach=BreachModel(weekly_hazard=0.1)), 1500, seed=11)
    assert risky.summaries["proactive"]["cohort_weeks_interrupted"].mean > 0


# ----------------------------------------------------------------------- reproducibility


def test_same_seed_same_numbers_any_chunking() -> None:
    config = ScenarioConfig()
    draws = 2 * BLOCK_SIZE + 77
    reference = run(config, draws, seed=2025)
    assert_identical(reference, run(config, draws, seed=2025, chunk_size=300))
    assert_identical(reference, run(config, draws, seed=2025, chunk_size=BLOCK_SIZE))
    assert_identical(reference, run(config, draws, seed=2025, chunk_size=1))
    other = run(config, draws, seed=2026)
    assert not same(reference.ceasefire_week, other.ceasefire_week)
    # a draw does not depend on how many draws are run
    prefix = run(config, 100, seed=2025)
    assert same(
        prefix.samples["wait"]["trainees_total"], reference.samples["wait"]["trainees_total"][:100]
    )
    part = simulate_draws(config, 2025, 600, 700)
    assert same(
        part.metrics["proactive"]["trainees_total"],
        reference.samples["proactive"]["trainees_total"][600:700],
    )


def test_dask_gives_the_same_numbers_as_local() -> None:
    distributed = pytest.importorskip("distributed")
    config = ScenarioConfig()
    draws = 1500
    local = run(config, draws, seed=99, chunk_size=500)
    calls: list[tuple[int, int]] = []
    with (
        distributed.LocalCluster(
            n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        remote = run(
            config,
            draws,
            seed=99,
            client=client,
            chunk_size=400,
            progress=lambda d, t: calls.append((d, t)),
        )

        def stop(done: int, total: int) -> None:
            raise Stop

        with pytest.raises(Stop):
            run(config, draws, seed=99, client=client, chunk_size=100, progress=stop)
        # a failing task raises its own error in the caller (tasks with start == stop fail)
        bad = [(config, 99, 0, 100), (config, 99, 100, 100)]
        with pytest.raises(ValueError, match="start < stop"):
            montecarlo._simulate_dask(client, bad, None)
    assert remote.backend == "dask"
    assert_identical(local, remote)
    assert sorted(calls) == [(1, 4), (2, 4), (3, 4), (4, 4)]


def test_two_worker_processes_give_the_serial_numbers() -> None:
    """The benchmark's set-up: ``local_cluster(2)``, two processes of one thread each."""
    distributed = pytest.importorskip("distributed")
    config = ScenarioConfig()
    draws = 4 * BLOCK_SIZE + 100
    serial = run(config, draws, seed=7)
    with local_cluster(2) as cluster, distributed.Client(cluster) as client:
        client.wait_for_workers(2)
        assert len(client.scheduler_info(n_workers=-1)["workers"]) == 2
        env = client.run(lambda: os.environ.get("MALLOC_MMAP_THRESHOLD_"))
        assert set(env.values()) == {WORKER_MALLOC_ENV["MALLOC_MMAP_THRESHOLD_"]}
        remote = run(config, draws, seed=7, client=client, chunk_size=BLOCK_SIZE)
    assert remote.backend == "dask"
    assert_identical(serial, remote)


class Stop(Exception):
    pass


def test_progress_callback_can_stop_a_run() -> None:
    calls: list[int] = []

    def stop_after_two(done: int, total: int) -> None:
        calls.append(done)
        if done == 2:
            raise Stop

    with pytest.raises(Stop):
        run(ScenarioConfig(horizon_weeks=20), 1000, seed=0, chunk_size=100, progress=stop_after_two)
    assert calls == [1, 2]


def test_progress_local() -> None:
    calls: list[tuple[int, int]] = []
    run(
        ScenarioConfig(horizon_weeks=20),
        250,
        seed=0,
        chunk_size=100,
        progress=lambda d, t: calls.append((d, t)),
    )
    assert calls == [(1, 3), (2, 3), (3, 3)]


# ------------------------------------------------------------------- policy comparison


def _config(
    horizon, p_week, p_never, hazard, recover, peace, p_params, delay, ramp, course, demand
):
    return ScenarioConfig(
        horizon_weeks=horizon,
        ceasefire=GeometricTiming(p_week, p_never=p_never),
        truce_weeks=DiscreteWeeks((0, 3), (0.5, 0.5)),
        parameters=ParameterAgreement(p_params, DiscreteWeeks.fixed(delay)),
        breach=BreachModel(hazard, recover, peace, max_ceasefires=3),
        capacity=TrainingCapacity(
            eu_trainees_per_week=200,
            ua_trainees_per_week=120,
            ramp_weeks=ramp,
            course_weeks=course,
            demand_per_week=demand,
        ),
    )


configs = st.builds(
    _config,
    st.integers(5, 80),
    st.floats(0.0, 0.4),
    st.floats(0.0, 0.6),
    st.floats(0.0, 0.4),
    st.floats(0.0, 0.5),
    st.one_of(st.none(), st.integers(1, 20)),
    st.floats(0.0, 1.0),
    st.integers(0, 10),
    st.integers(0, 6),
    st.integers(1, 8),
    st.one_of(st.none(), st.floats(50.0, 400.0)),
)


@settings(max_examples=30, deadline=None)
@given(
    configs,
    st.integers(0, 12),
    st.integers(0, 12),
    st.integers(0, 12),
    st.booleans(),
    st.integers(0, 2**32),
)
def test_earlier_policy_never_trains_fewer(
    config, fast_lead, extra, react, needs_params, seed
) -> None:
    """A policy that is never slower (lead, reactivation, parameters) trains at least as many."""
    slow = Policy("slow", fast_lead + extra, True, min(react, fast_lead + extra))
    fast = Policy("fast", fast_lead, needs_params, min(react, fast_lead))
    config = ScenarioConfig(**{**config.__dict__, "policies": (slow, fast), "baseline": "slow"})
    result = simulate_draws(config, seed, 0, 64)
    f, s = result.metrics["fast"], result.metrics["slow"]
    assert np.all(f["trainees_in_ukraine"] >= s["trainees_in_ukraine"] - 1e-9)
    assert np.all(f["instructor_weeks_in_ukraine"] >= s["instructor_weeks_in_ukraine"] - 1e-9)
    if config.capacity.demand_per_week is None:
        assert np.all(f["trainees_total"] >= s["trainees_total"] - 1e-9)
    both = ~np.isnan(s["weeks_to_first_cohort"])
    assert not np.isnan(f["weeks_to_first_cohort"][both]).any()
    assert np.all(f["weeks_to_first_cohort"][both] <= s["weeks_to_first_cohort"][both])


@settings(max_examples=15, deadline=None)
@given(configs, st.integers(0, 2**32), st.integers(0, 40))
def test_open_weeks_are_ceasefire_weeks(config, seed, draw) -> None:
    """Sites are only open while the phase is ceasefire or peace (checked with conditions)."""
    detail = explain_draw(config, seed, draw)
    holding = weeks_holding(parse("phase >= ceasefire"), detail.phases, {})
    for policy in config.policies:
        opened = detail.open_weeks[policy.name]
        assert opened <= holding
        if policy.requires_parameters and opened:
            assert detail.parameters_week is not None
            assert min(opened) >= detail.parameters_week + policy.reopen_weeks
    # the detail agrees with the bulk simulation of the same draw
    bulk = simulate_draws(config, seed, draw, draw + 1)
    first = first_week_at_least(detail.phases, Phase.CEASEFIRE)
    assert (None if np.isnan(bulk.ceasefire_week[0]) else int(bulk.ceasefire_week[0])) == first
    changes = list(zip(detail.phases, detail.phases[1:], strict=False))
    assert bulk.breaches[0] == changes.count((Phase.CEASEFIRE, Phase.HOSTILITIES))
    for policy in config.policies:
        for metric, value in detail.metrics[policy.name].items():
            expected = bulk.metrics[policy.name][metric][0]
            assert (value is None and np.isnan(expected)) or value == expected


def test_proactive_beats_wait_by_default() -> None:
    result = run(ScenarioConfig(), 3000, seed=5)
    diff = result.differences["proactive"]
    assert diff["trainees_in_ukraine"].ci_low > 0
    assert diff["weeks_to_first_cohort"].ci_high < 0
    assert diff["instructor_weeks_in_ukraine"].mean > 0  # earlier means more exposure
    # the paired difference of means is the difference of the means
    wait, pro = result.samples["wait"], result.samples["proactive"]
    assert diff["trainees_total"].mean == pytest.approx(
        pro["trainees_total"].mean() - wait["trainees_total"].mean()
    )
    s = result.summaries["wait"]["trainees_total"]
    assert s.p10 <= s.p50 <= s.p90 and s.ci_low <= s.mean <= s.ci_high


# ---------------------------------------------------------------- distributions, inputs


def test_samplers() -> None:
    u = np.random.default_rng(0).random(200_000)
    weeks = DiscreteWeeks((2, 5), (0.25, 0.5)).sample(u)
    assert np.mean(weeks == 2) == pytest.approx(0.25, abs=0.01)
    assert np.mean(weeks > 1000) == pytest.approx(0.25, abs=0.01)
    geo = GeometricTiming(0.1, p_never=0.2, earliest_week=3).sample(u)
    finite = geo[geo < 1000]
    assert finite.min() == 3
    assert np.mean(geo > 1000) == pytest.approx(0.2, abs=0.01)
    assert finite.mean() - 3 == pytest.approx(9.0, rel=0.05)  # mean failures (1-p)/p
    uni = UniformTiming(4, 7).sample(u)
    assert set(np.unique(uni)) == {4, 5, 6, 7}


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: ScenarioConfig(horizon_weeks=0), "horizon_weeks"),
        (lambda: ScenarioConfig(baseline="nobody"), "baseline"),
        (lambda: ScenarioConfig(policies=(wait_policy(), wait_policy())), "policies"),
        (lambda: DiscreteWeeks((1, 2), (0.7, 0.7)), "probabilities"),
        (lambda: Policy("x", 2, reactivation_weeks=-1), "policies.x.reactivation_weeks"),
        (lambda: BreachModel(weekly_hazard=1.5), "breach.weekly_hazard"),
        (lambda: TrainingCapacity(course_weeks=0), "capacity.course_weeks"),
        (lambda: ScenarioConfig(truce_weeks=DiscreteWeeks((1,), (0.5,))), "truce_weeks"),
        (lambda: run(ScenarioConfig(), 0, 1), "draws"),
        (lambda: run(ScenarioConfig(), 10, -1), "seed"),
    ],
)
def test_invalid_inputs_name_the_field(build, field) -> None:
    with pytest.raises(ConfigError) as info:
        build()
    assert info.value.field == field
    assert isinstance(info.value, ValueError)


def test_config_round_trip_and_result_record() -> None:
    config = ScenarioConfig(
        ceasefire=UniformTiming(10, 40, p_never=0.3),
        breach=BreachModel(0.05, 0.1, peace_after_weeks=26),
        capacity=TrainingCapacity(demand_per_week=700),
        policies=(wait_policy(), proactive_policy(3), Policy("hedge", 6, True, 3)),
    )
    data = json.loads(json.dumps(config_to_dict(config)))
    assert config_from_dict(data) == config
    assert config_from_dict({}) == ScenarioConfig()
    with pytest.raises(ConfigError, match="kind"):
        config_from_dict({"ceasefire": {"kind": "poisson"}})
    result = run(config, 600, seed=8)
    record = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    assert record["seed"] == 8 and record["draws"] == 600
    again = run(config_from_dict(record["config"]), record["draws"], record["seed"])
    assert_identical(result, again)
    assert set(record["differences"]) == {"proactive", "hedge"}


def test_scheduler_address_and_own_local_cluster() -> None:
    distributed = pytest.importorskip("distributed")
    config = ScenarioConfig(horizon_weeks=40)
    local = run(config, 600, seed=12)
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        by_address = run(config, 600, seed=12, scheduler_address=cluster.scheduler_address)
    assert_identical(local, by_address)
    own = run(config, 600, seed=12, use_dask=True, n_workers=1, chunk_size=250)
    assert own.backend == "dask"
    assert_identical(local, own)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"horizon_weeks": "ten"}, "horizon_weeks"),
        ({"horizon_weeks": 12.5}, "horizon_weeks"),
        (
            {"ceasefire": {"kind": "geometric", "weekly_probability": float("nan")}},
            "ceasefire.weekly_probability",
        ),
        (
            {"ceasefire": {"kind": "discrete", "weeks": [1], "probabilities": [2]}},
            "ceasefire.probabilities",
        ),
        ({"ceasefire": {"kind": "uniform", "first_week": 3}}, "ceasefire"),
        (
            {"parameters": {"delay_weeks": {"weeks": [-1], "probabilities": [1]}}},
            "parameters.delay_weeks.weeks",
        ),
        ({"breach": {"weekly_hazard": True}}, "breach.weekly_hazard"),
        ({"breach": {"hazard": 0.1}}, "breach.hazard"),
        ({"capacity": {"course_weeks": 0}}, "capacity.course_weeks"),
        ({"policies": [{"name": "x", "lead_weeks": "soon"}]}, "policies.x.lead_weeks"),
        ({"policies": [{"name": "", "lead_weeks": 1}]}, "policies.name"),
        ({"policies": "wait"}, "policies"),
        ({"policies": [{"name": "a", "lead_weeks": 1}], "baseline": "b"}, "baseline"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_config_from_dict_names_the_field(data, field) -> None:
    with pytest.raises(ConfigError) as info:
        config_from_dict(data)
    assert info.value.field == field


def test_baseline_defaults_to_first_policy() -> None:
    config = config_from_dict(
        {"policies": [{"name": "b", "lead_weeks": 3}, {"name": "a", "lead_weeks": 1}]}
    )
    assert config.baseline == "b"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)
section_keys = {
    "horizon_weeks": None,
    "ceasefire": [
        "kind",
        "weeks",
        "probabilities",
        "weekly_probability",
        "p_never",
        "first_week",
        "last_week",
    ],
    "truce_weeks": ["kind", "weeks", "probabilities"],
    "parameters": ["probability", "delay_weeks"],
    "breach": [
        "weekly_hazard",
        "receasefire_weekly_probability",
        "peace_after_weeks",
        "max_ceasefires",
    ],
    "capacity": ["eu_trainees_per_week", "course_weeks", "ramp_weeks", "demand_per_week"],
    "policies": None,
    "baseline": None,
}
plausible = st.fixed_dictionaries(
    {},
    optional={
        key: (
            json_values
            if keys is None
            else st.dictionaries(st.sampled_from(keys), json_values, max_size=4) | json_values
        )
        for key, keys in section_keys.items()
    },
)


@settings(max_examples=200, deadline=None)
@given(plausible | json_values)
def test_config_garbage_raises_only_config_error(data) -> None:
    try:
        config = config_from_dict(data)
    except ConfigError:
        return
    assert config_from_dict(config_to_dict(config)) == config


def test_with_value_paths() -> None:
    config = ScenarioConfig()
    assert with_value(config, "breach.weekly_hazard", 0.1).breach.weekly_hazard == 0.1
    changed = with_value(config, "policies.proactive.lead_weeks", 2)
    assert changed.policies[1].lead_weeks == 2 and changed.policies[0] == config.policies[0]
    assert with_value(config, "horizon_weeks", 52).horizon_weeks == 52
    for path, field in [
        ("breach.hazard", "breach.hazard"),
        ("policies.nobody.lead_weeks", "policies.nobody"),
        ("capacity.demand_per_week.x", "capacity.demand_per_week"),
        ("breach.weekly_hazard", "breach.weekly_hazard"),  # value out of range below
    ]:
        with pytest.raises(ConfigError) as info:
            with_value(config, path, 7)
        assert info.value.field == field


def test_sweep_uses_the_same_draws_for_every_value() -> None:
    config = ScenarioConfig(horizon_weeks=60)
    hazards = [0.0, 0.05, 0.2]
    results = sweep(config, "breach.weekly_hazard", hazards, 800, seed=21, chunk_size=300)
    assert [r.config.breach.weekly_hazard for r in results] == hazards
    # identical to separate runs: same uniforms for every value
    single = run(with_value(config, "breach.weekly_hazard", 0.05), 800, seed=21)
    assert results[1].summaries == single.summaries
    assert results[1].differences == single.differences
    interrupted = [r.summaries["proactive"]["cohort_weeks_interrupted"].mean for r in results]
    assert interrupted[0] == 0.0 < min(interrupted[1:])
    # a riskier ceasefire leaves less training in Ukraine (breaches come before sites open)
    in_ukraine = [r.summaries["proactive"]["trainees_in_ukraine"].mean for r in results]
    assert in_ukraine[0] > in_ukraine[1] > in_ukraine[2]
    # the ceasefire timing does not depend on the hazard
    assert len({r.share_no_ceasefire for r in results}) == 1


# ------------------------------------------------------- policies gated by named conditions


def test_condition_parameters_equals_requires_parameters() -> None:
    config = ScenarioConfig(
        policies=(
            Policy("flag", 6, True, 2),
            Policy("text", 6, False, 2, condition="ceasefire_parameters_agreed"),
            Policy("both", 6, True, 2, condition="phase >= ceasefire"),
        )
    )
    result = run(config, 1200, seed=31)
    for metric in METRICS:
        flag = result.samples["flag"][metric]
        assert same(flag, result.samples["text"][metric])
        assert same(flag, result.samples["both"][metric])


def test_agreements_gate_policies() -> None:
    config = simple_config(
        breach=BreachModel(0.0, 0.0, peace_after_weeks=5),
        agreements=(
            Agreement("ukrainian_forces_prepared", 1.0, DiscreteWeeks.fixed(3)),
            Agreement("us_backstop", 1.0, DiscreteWeeks.fixed(20), after="start"),
            Agreement("parliamentary_approval", 0.0),
        ),
        policies=(
            Policy("prepared", 2, condition="ukrainian_forces_prepared"),
            Policy(
                "either", 2, condition="ukrainian_forces_prepared or ceasefire_parameters_agreed"
            ),
            Policy("peace", 2, condition="phase >= peace"),
            Policy("backstop", 2, condition="us_backstop and ukrainian_forces_prepared"),
            Policy("never", 2, condition="parliamentary_approval"),
            Policy("always", 2, condition="true"),
        ),
    )
    detail = explain_draw(config, 5, 0)
    first_open = {name: min(weeks, default=None) for name, weeks in detail.open_weeks.items()}
    assert first_open == {
        "prepared": 15,  # ceasefire 10 + 3, then 2 weeks
        "either": 12,  # parameters agreed at the ceasefire
        "peace": 17,  # peace after 5 weeks of ceasefire, then 2 weeks
        "backstop": 22,  # backstop from week 20 of the horizon
        "never": None,
        "always": 12,
    }
    assert detail.condition_weeks == {
        "ceasefire_parameters_agreed": 10,
        "ukrainian_forces_prepared": 13,
        "us_backstop": 20,
        "parliamentary_approval": None,
    }
    truths = detail.truths_by_week()
    for policy in config.policies:
        expr = parse(f"phase >= ceasefire and ({policy.condition})")
        assert detail.open_weeks[policy.name] <= weeks_holding(expr, detail.phases, truths)
    again = config_from_dict(json.loads(json.dumps(config_to_dict(config))))
    assert again == config


@pytest.mark.parametrize(
    ("condition", "fragment"),
    [
        ("not us_backstop", "'not' is not supported"),
        ("phase == ceasefire", "'phase == ceasefire' is not supported"),
        ("us_backstp", "unknown condition 'us_backstp' at position 0"),
        ("us_backstop and (", "at position 17"),
    ],
)
def test_policy_condition_errors(condition: str, fragment: str) -> None:
    with pytest.raises(ConfigError) as info:
        ScenarioConfig(
            agreements=(Agreement("us_backstop"),),
            policies=(Policy("p", 1, condition=condition),),
        )
    assert info.value.field == "policies.p.condition"
    assert fragment in str(info.value)


def test_agreements_do_not_change_other_numbers() -> None:
    plain = run(ScenarioConfig(), 700, seed=17)
    extended = run(
        ScenarioConfig(agreements=(Agreement("us_backstop", 0.5, DiscreteWeeks.fixed(4)),)),
        700,
        seed=17,
    )
    assert_identical(plain, extended)
