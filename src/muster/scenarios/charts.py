"""Plotly figures for Monte Carlo results and phase timelines.

Figures carry precomputed statistics (quartiles, histogram counts), never the raw draws, so
their JSON stays small however many draws a run has. ``figure_json`` gives the JSON that the
web pages hand to ``Plotly.newPlot``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
from plotly.colors import qualitative
from plotly.subplots import make_subplots

from muster.scenarios.montecarlo import METRICS, MonteCarloResult
from muster.scenarios.phases import Phase

__all__ = [
    "PHASE_COLOURS",
    "ceasefire_timing_figure",
    "difference_figure",
    "distribution_figure",
    "figure_dict",
    "figure_json",
    "phase_timeline_figure",
    "sweep_figure",
]

PHASE_COLOURS: Mapping[Phase, str] = {
    Phase.HOSTILITIES: "#b2182b",
    Phase.TRUCE: "#f4a582",
    Phase.CEASEFIRE: "#92c5de",
    Phase.PEACE: "#2166ac",
}
_LAYOUT: Mapping[str, Any] = {
    "template": "plotly_white",
    "margin": {"l": 60, "r": 20, "t": 60, "b": 50},
    "font": {"size": 13},
}


def _colour(index: int) -> str:
    palette = qualitative.D3
    return palette[index % len(palette)]


def _metric(metric: str) -> tuple[str, str]:
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}; use one of {', '.join(METRICS)}")
    return METRICS[metric]


def _samples(result: MonteCarloResult, policy: str, metric: str) -> np.ndarray:
    if result.samples is None:
        raise ValueError("the result has no samples; run with keep_samples=True")
    values = np.asarray(result.samples[policy][metric], dtype=float)
    return values[~np.isnan(values)]


def distribution_figure(
    result: MonteCarloResult, metric: str, *, kind: str = "box", bins: int = 40
) -> go.Figure:
    """Distribution of ``metric`` per policy: boxes (whiskers P10-P90) or histograms."""
    label, unit = _metric(metric)
    fig = go.Figure()
    policies = result.config.policy_names
    if kind == "box":
        for i, policy in enumerate(policies):
            values = _samples(result, policy, metric)
            if values.size == 0:
                continue
            p10, q1, median, q3, p90 = np.percentile(values, [10, 25, 50, 75, 90])
            fig.add_trace(
                go.Box(
                    name=policy,
                    x=[policy],
                    q1=[q1],
                    median=[median],
                    q3=[q3],
                    lowerfence=[p10],
                    upperfence=[p90],
                    mean=[float(values.mean())],
                    marker_color=_colour(i),
                    hoverinfo="y+name",
                )
            )
        fig.update_layout(yaxis_title=unit, showlegend=False)
    elif kind == "histogram":
        all_values = [_samples(result, p, metric) for p in policies]
        non_empty = [v for v in all_values if v.size]
        if non_empty:
            joined = np.concatenate(non_empty)
            edges = np.histogram_bin_edges(joined, bins=bins)
            centres = (edges[:-1] + edges[1:]) / 2
            for i, (policy, values) in enumerate(zip(policies, all_values, strict=True)):
                counts, _ = np.histogram(values, bins=edges)
                fig.add_trace(
                    go.Bar(
                        name=policy,
                        x=centres,
                        y=counts / result.draws,
                        width=float(edges[1] - edges[0]) if len(edges) > 1 else None,
                        marker_color=_colour(i),
                        opacity=0.6,
                    )
                )
        fig.update_layout(barmode="overlay", xaxis_title=unit, yaxis_title="share of draws")
    else:
        raise ValueError("kind must be 'box' or 'histogram'")
    fig.update_layout(title=f"{label} — {result.draws:,} draws, seed {result.seed}", **_LAYOUT)
    return fig


def difference_figure(result: MonteCarloResult, metrics: Sequence[str] | None = None) -> go.Figure:
    """Paired difference (policy − baseline) per metric: mean with its interval and P10–P90."""
    chosen = list(metrics) if metrics is not None else list(METRICS)
    for metric in chosen:
        _metric(metric)
    fig = make_subplots(
        rows=len(chosen),
        cols=1,
        subplot_titles=[f"{METRICS[m][0]} ({METRICS[m][1]})" for m in chosen],
        vertical_spacing=min(0.08, 0.6 / max(len(chosen), 1)),
    )
    policies = [p for p in result.config.policy_names if p != result.baseline]
    confidence = f"{result.confidence:.0%}"
    for row, metric in enumerate(chosen, start=1):
        for i, policy in enumerate(policies):
            summary = result.differences[policy][metric]
            if summary.n == 0:
                continue
            fig.add_trace(
                go.Scatter(
                    x=[summary.p10, summary.p90],
                    y=[policy, policy],
                    mode="lines",
                    line={"color": _colour(i + 1), "width": 8},
                    opacity=0.3,
                    name=f"{policy} P10–P90",
                    legendgroup=policy,
                    showlegend=row == 1,
                    hoverinfo="x",
                ),
                row=row,
                col=1,
            )
            fig.add_trace(
                go.Scatter(
                    x=[summary.mean],
                    y=[policy],
                    mode="markers",
                    marker={"color": _colour(i + 1), "size": 10},
                    error_x={
                        "type": "data",
                        "symmetric": False,
                        "array": [summary.ci_high - summary.mean],
                        "arrayminus": [summary.mean - summary.ci_low],
                    },
                    name=f"{policy} mean ({confidence} CI)",
                    legendgroup=policy,
                    showlegend=row == 1,
                    hovertemplate=(
                        f"{policy} − {result.baseline}: %{{x:.1f}}<br>"
                        f"{confidence} CI {summary.ci_low:.1f} to {summary.ci_high:.1f}<br>"
                        f"better in {summary.share_positive:.0%} of draws<extra></extra>"
                    ),
                ),
                row=row,
                col=1,
            )
        fig.add_vline(x=0, line={"color": "grey", "dash": "dot"}, row=row, col=1)
    fig.update_layout(
        title=f"Paired difference against '{result.baseline}' — {result.draws:,} draws, "
        f"seed {result.seed}",
        height=max(300, 170 * len(chosen)),
        **_LAYOUT,
    )
    return fig


def sweep_figure(
    results: Sequence[MonteCarloResult],
    values: Sequence[Any],
    metric: str,
    *,
    label: str = "value",
    differences: bool = True,
) -> go.Figure:
    """``metric`` across a sweep: the paired difference (or each policy's mean) with its band."""
    title, unit = _metric(metric)
    if len(results) != len(values) or not results:
        raise ValueError("one result per value is needed")
    first = results[0]
    xs = list(values)
    fig = go.Figure()
    if differences:
        series = [
            (policy, [r.differences[policy][metric] for r in results])
            for policy in first.config.policy_names
            if policy != first.baseline
        ]
        y_title = f"{unit}, policy − {first.baseline}"
    else:
        series = [
            (policy, [r.summaries[policy][metric] for r in results])
            for policy in first.config.policy_names
        ]
        y_title = unit
    for i, (policy, summaries) in enumerate(series, start=1 if differences else 0):
        colour = _colour(i)
        fig.add_trace(
            go.Scatter(
                x=xs + xs[::-1],
                y=[s.ci_high for s in summaries] + [s.ci_low for s in summaries][::-1],
                fill="toself",
                fillcolor=colour,
                opacity=0.2,
                line={"width": 0},
                hoverinfo="skip",
                showlegend=False,
                legendgroup=policy,
            )
        )
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=[s.mean for s in summaries],
                mode="lines+markers",
                name=policy,
                legendgroup=policy,
                line={"color": colour},
            )
        )
    if differences:
        fig.add_hline(y=0, line={"color": "grey", "dash": "dot"})
    fig.update_layout(
        title=f"{title} by {label} — {first.draws:,} draws per point, seed {first.seed}",
        xaxis_title=label,
        yaxis_title=y_title,
        **_LAYOUT,
    )
    return fig


def ceasefire_timing_figure(result: MonteCarloResult) -> go.Figure:
    """Histogram of the first ceasefire's week, with the share of draws without one."""
    if result.ceasefire_week is None:
        raise ValueError("the result has no samples; run with keep_samples=True")
    weeks = result.ceasefire_week[~np.isnan(result.ceasefire_week)]
    counts = np.bincount(weeks.astype(int), minlength=result.config.horizon_weeks)
    fig = go.Figure(
        go.Bar(x=np.arange(counts.size), y=counts / result.draws, marker_color=_colour(0))
    )
    fig.update_layout(
        title=f"First ceasefire — none within the horizon in {result.share_no_ceasefire:.0%} "
        "of draws",
        xaxis_title="week of the horizon",
        yaxis_title="share of draws",
        **_LAYOUT,
    )
    return fig


def phase_timeline_figure(
    phases: Sequence[Phase],
    *,
    week_dates: Sequence[date] | None = None,
    open_weeks: Mapping[str, frozenset[int] | set[int]] | None = None,
    title: str = "Phase per week",
) -> go.Figure:
    """One band of coloured weeks for the phase, and one per policy for weeks with sites open."""
    xs: list[Any] = list(week_dates) if week_dates is not None else list(range(len(phases)))
    if len(xs) != len(phases):
        raise ValueError("week_dates and phases differ in length")
    fig = go.Figure()
    for phase in Phase:
        picked = [x for x, p in zip(xs, phases, strict=True) if p == phase]
        if picked:
            fig.add_trace(
                go.Bar(
                    x=picked,
                    y=[1] * len(picked),
                    base=[0] * len(picked),
                    name=phase.label,
                    marker_color=PHASE_COLOURS[phase],
                    hovertemplate=f"{phase.label}<extra>%{{x}}</extra>",
                )
            )
    for i, (policy, weeks) in enumerate((open_weeks or {}).items(), start=1):
        picked = [xs[w] for w in sorted(weeks) if 0 <= w < len(xs)]
        fig.add_trace(
            go.Bar(
                x=picked,
                y=[0.8] * len(picked),
                base=[-i] * len(picked),
                name=f"{policy}: sites in Ukraine open",
                marker_color=_colour(i),
            )
        )
    fig.update_layout(
        title=title,
        barmode="overlay",
        bargap=0,
        yaxis={"visible": False},
        height=200 + 40 * len(open_weeks or {}),
        **_LAYOUT,
    )
    return fig


def figure_json(fig: go.Figure) -> str:
    """JSON for embedding (``Plotly.newPlot(el, spec.data, spec.layout)``)."""
    return pio.to_json(fig, validate=False, pretty=False)


def figure_dict(fig: go.Figure) -> dict[str, Any]:
    """The figure as plain JSON-ready dicts (``data`` and ``layout``)."""
    return json.loads(figure_json(fig))
