"""Tests for the scenario charts."""

from __future__ import annotations

import json

import numpy as np
import plotly.graph_objects as go
import pytest

from muster.scenarios.charts import (
    ceasefire_timing_figure,
    difference_figure,
    distribution_figure,
    figure_dict,
    figure_json,
    phase_timeline_figure,
    sweep_figure,
)
from muster.scenarios.montecarlo import METRICS, ScenarioConfig, explain_draw, run, sweep
from muster.scenarios.phases import Phase


@pytest.fixture(scope="module")
def result():
    return run(ScenarioConfig(), 2000, seed=4)


def test_box_carries_quantiles_not_draws(result) -> None:
    fig = distribution_figure(result, "trainees_total")
    assert isinstance(fig, go.Figure)
    boxes = [t for t in fig.data if t.type == "box"]
    assert [b.name for b in boxes] == ["wait", "proactive"]
    wait = result.samples["wait"]["trainees_total"]
    assert boxes[0].median[0] == pytest.approx(np.median(wait))
    assert boxes[0].lowerfence[0] == pytest.approx(np.percentile(wait, 10))
    assert len(figure_json(fig)) < 20_000  # no raw draws inside
    assert "seed 4" in fig.layout.title.text


def test_histogram_shares_sum_to_defined_share(result) -> None:
    fig = distribution_figure(result, "weeks_to_first_cohort", kind="histogram", bins=20)
    for trace, policy in zip(fig.data, ["wait", "proactive"], strict=True):
        defined = np.mean(~np.isnan(result.samples[policy]["weeks_to_first_cohort"]))
        assert sum(trace.y) == pytest.approx(defined)
    with pytest.raises(ValueError, match="kind"):
        distribution_figure(result, "trainees_total", kind="pie")
    with pytest.raises(ValueError, match="unknown metric"):
        distribution_figure(result, "morale")


def test_difference_figure_shows_mean_and_interval(result) -> None:
    fig = difference_figure(result)
    markers = [t for t in fig.data if t.mode == "markers"]
    assert len(markers) == len(METRICS)
    first = result.differences["proactive"]["trainees_total"]
    assert markers[0].x[0] == pytest.approx(first.mean)
    assert markers[0].error_x.array[0] == pytest.approx(first.ci_high - first.mean)
    spec = figure_dict(difference_figure(result, ["trainees_in_ukraine"]))
    assert set(spec) >= {"data", "layout"}
    json.dumps(spec)


def test_timeline_and_ceasefire_figures(result) -> None:
    detail = explain_draw(result.config, result.seed, 0)
    fig = phase_timeline_figure(detail.phases, open_weeks=detail.open_weeks)
    phase_counts = {t.name: len(t.x) for t in fig.data if not t.name.endswith("open")}
    assert sum(phase_counts.values()) == result.config.horizon_weeks
    assert phase_counts.get("hostilities", 0) == detail.phases.count(Phase.HOSTILITIES)
    fig = ceasefire_timing_figure(result)
    assert sum(fig.data[0].y) == pytest.approx(1 - result.share_no_ceasefire)
    with pytest.raises(ValueError, match="length"):
        phase_timeline_figure([Phase.TRUCE], week_dates=[])


def test_charts_need_samples() -> None:
    bare = run(ScenarioConfig(horizon_weeks=20), 50, seed=1, keep_samples=False)
    with pytest.raises(ValueError, match="samples"):
        distribution_figure(bare, "trainees_total")
    assert difference_figure(bare, ["trainees_total"]).data  # needs summaries only


def test_sweep_figure() -> None:
    values = [4, 8, 16]
    results = sweep(ScenarioConfig(horizon_weeks=52), "policies.wait.lead_weeks", values, 300, 2)
    fig = sweep_figure(results, values, "trainees_in_ukraine", label="redesign weeks")
    line = [t for t in fig.data if t.mode == "lines+markers"]
    assert [t.name for t in line] == ["proactive"]
    expected = [r.differences["proactive"]["trainees_in_ukraine"].mean for r in results]
    assert list(line[0].y) == pytest.approx(expected)
    assert expected[0] < expected[1] < expected[2]  # the longer the wait, the larger the gap
    means = sweep_figure(results, values, "trainees_total", differences=False)
    assert [t.name for t in means.data if t.mode == "lines+markers"] == ["wait", "proactive"]
    with pytest.raises(ValueError, match="one result per value"):
        sweep_figure(results, values[:2], "trainees_total")
