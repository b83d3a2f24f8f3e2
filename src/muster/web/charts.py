"""Plotly figures of the pages, as JSON-ready dicts (drawn in the browser by web/static/app.js
with the plotly.js bundled in the plotly package; nothing is fetched from the internet)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import plotly.graph_objects as go

from muster.scenarios import charts as scenario_charts
from muster.training.models import Site, TrainingTotal

BLUE = "#1f4e79"
GREY = "#8a96a3"
AMBER = "#b7791f"
GREEN = "#2f7d4f"
UKRAINE = "#c0392b"

_LAYOUT: dict[str, Any] = {
    "margin": {"l": 56, "r": 16, "t": 40, "b": 48},
    "font": {"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "size": 12},
    "paper_bgcolor": "rgba(0,0,0,0)",
    "plot_bgcolor": "#ffffff",
    "height": 320,
    "hovermode": "closest",
}


def _fig(fig: go.Figure, title: str, **layout: Any) -> dict[str, Any]:
    fig.update_layout(title={"text": title, "x": 0, "font": {"size": 14}}, **{**_LAYOUT, **layout})
    fig.update_xaxes(gridcolor="#e5e9ee", zeroline=False)
    fig.update_yaxes(gridcolor="#e5e9ee", zeroline=False)
    return scenario_charts.figure_dict(fig)


def cumulative_trained(
    history: Sequence[TrainingTotal],
    current: int,
    today: dt.date,
    projection: Sequence[tuple[dt.date, int]] = (),
) -> dict[str, Any]:
    """The public milestones as a line, today's figure (milestone + completed cohorts), and
    the approved plan's projection."""
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=[h.as_of.isoformat() for h in history],
            y=[h.cumulative_trained for h in history],
            mode="lines+markers",
            name="public milestones",
            line={"color": BLUE, "width": 2},
            text=[h.source for h in history],
            hovertemplate="%{x}: %{y:,} trained<br>%{text}<extra></extra>",
        )
    )
    if history and current != history[-1].cumulative_trained:
        fig.add_trace(
            go.Scatter(
                x=[history[-1].as_of.isoformat(), today.isoformat()],
                y=[history[-1].cumulative_trained, current],
                mode="lines+markers",
                name="with completed cohorts",
                line={"color": BLUE, "dash": "dot"},
            )
        )
    if projection:
        fig.add_trace(
            go.Scatter(
                x=[d.isoformat() for d, _ in projection],
                y=[n for _, n in projection],
                mode="lines",
                name="approved plan (projection)",
                line={"color": "#c0392b", "dash": "dash"},
                hovertemplate="%{x}: %{y:,} projected<extra></extra>",
            )
        )
    return _fig(
        fig,
        "Ukrainian soldiers trained (cumulative)",
        yaxis={"tickformat": ",", "rangemode": "tozero"},
        showlegend=False,
    )


def requests_by_priority(rows: Sequence[dict[str, int]]) -> dict[str, Any]:
    fig = go.Figure(
        go.Bar(
            x=[f"P{r['priority']}" for r in rows],
            y=[r["trainees"] for r in rows],
            text=[f"{r['requests']} req." for r in rows],
            textposition="outside",
            marker_color=[UKRAINE if r["priority"] >= 4 else GREY for r in rows],
            hovertemplate="%{x}: %{y:,} trainees in %{text}<extra></extra>",
        )
    )
    return _fig(
        fig,
        "Open training requests by priority (trainees)",
        yaxis={"tickformat": ","},
        height=280,
    )


def capacity_by_nation(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Capacity per host nation, and the trainees in cohorts this week beside it."""
    fig = go.Figure()
    fig.add_trace(
        go.Bar(
            x=[r["nation"] for r in rows],
            y=[r["capacity"] for r in rows],
            name="capacity",
            marker_color=[UKRAINE if r["in_ukraine"] else BLUE for r in rows],
            text=[f"{r['sites']} site(s)" for r in rows],
            textposition="none",
            hovertemplate="%{x}: capacity %{y:,} trainees at once, %{text}<extra></extra>",
        )
    )
    fig.add_trace(
        go.Bar(
            x=[r["nation"] for r in rows],
            y=[r["in_use"] for r in rows],
            name="in cohorts this week",
            marker_color=AMBER,
            hovertemplate="%{x}: %{y:,} trainees in cohorts this week<extra></extra>",
        )
    )
    return _fig(
        fig,
        "Sites by host nation: capacity and trainees this week (Ukraine in red)",
        barmode="group",
        yaxis={"tickformat": ","},
        height=300,
        legend={"orientation": "h", "y": 1.1, "x": 1, "xanchor": "right"},
    )


def guarantee_fill(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Offered and confirmed as a share of what is required, per capability."""
    rows = [r for r in rows if r["required"]]
    labels = [r["capability"] for r in rows]
    fig = go.Figure()
    for key, name, colour in (("offered", "offered", BLUE), ("confirmed", "confirmed", GREEN)):
        fig.add_trace(
            go.Bar(
                y=labels,
                x=[round(100 * r[key] / r["required"]) for r in rows],
                name=name,
                orientation="h",
                marker_color=colour,
                customdata=[[r[key], r["required"], r["unit"]] for r in rows],
                hovertemplate=(
                    f"{name}: %{{customdata[0]:,}} of %{{customdata[1]:,}} %{{customdata[2]}}"
                    "<extra></extra>"
                ),
            )
        )
    fig.add_vline(x=100, line={"color": GREY, "dash": "dash", "width": 1})
    return _fig(
        fig,
        "Guarantees: share of each requirement covered (%)",
        barmode="group",
        height=max(280, 70 + 34 * len(rows)),
        yaxis={"autorange": "reversed"},
        xaxis={"ticksuffix": " %", "rangemode": "tozero"},
        margin={"l": 170, "r": 16, "t": 40, "b": 40},
        legend={"orientation": "h", "y": -0.15},
    )


def loans(rows: Sequence[dict[str, Any]], names: dict[str, str]) -> dict[str, Any]:
    fig = go.Figure(
        go.Bar(
            x=[r["nation"] for r in rows],
            y=[r["amount_cents"] / 100 / 1e9 for r in rows],
            text=[names.get(r["nation"], r["nation"]) for r in rows],
            marker_color=BLUE,
            textposition="none",
            hovertemplate="%{text}: € %{y:.2f} bn<extra></extra>",
        )
    )
    return _fig(fig, "Loan requests per nation (€ bn)", yaxis={"ticksuffix": " bn"})


def site_map(site_rows: Sequence[Site]) -> dict[str, Any]:
    """Sites on a map of Europe; country outlines come from the vendored topojson."""
    fig = go.Figure()
    for inside, name, colour in (
        (False, "EU and partner sites", BLUE),
        (True, "in Ukraine", UKRAINE),
    ):
        picked = [s for s in site_rows if s.in_ukraine == inside]
        fig.add_trace(
            go.Scattergeo(
                lat=[s.latitude for s in picked],
                lon=[s.longitude for s in picked],
                text=[
                    f"{s.name} ({s.host_nation}) · {s.weekly_capacity:,} at once · {s.status}"
                    for s in picked
                ],
                name=name,
                mode="markers",
                marker={
                    "size": [6 + (s.weekly_capacity**0.5) / 3 for s in picked],
                    "color": colour,
                    "opacity": 0.85,
                    "line": {"width": 1, "color": "#ffffff"},
                },
                hovertemplate="%{text}<extra></extra>",
            )
        )
    fig.update_geos(
        scope="europe",
        resolution=110,
        showcountries=True,
        countrycolor="#9aa5b1",
        showland=True,
        landcolor="#f3f4f6",
        showocean=True,
        oceancolor="#e8eef5",
        lataxis={"range": [36, 62]},
        lonaxis={"range": [-10, 40]},
        projection={"type": "mercator"},
    )
    return _fig(
        fig,
        "Training sites",
        height=460,
        margin={"l": 0, "r": 0, "t": 36, "b": 0},
        legend={"orientation": "h", "y": 0.02, "x": 0.01, "bgcolor": "rgba(255,255,255,0.8)"},
    )


def phase_timeline(line: Any) -> dict[str, Any]:
    """The phase of a scenario per week (from scenarios.charts)."""
    fig = scenario_charts.phase_timeline_figure(line.phases, week_dates=list(line.weeks), title="")
    today = dt.date.today()
    if line.weeks and line.weeks[0] <= today <= line.weeks[-1] + dt.timedelta(days=6):
        fig.add_vline(x=today.isoformat(), line={"color": "#1b2733", "width": 2})
        fig.add_annotation(
            x=today.isoformat(),
            y=1.0,
            yref="paper",
            text="today",
            showarrow=False,
            xanchor="left",
            yanchor="bottom",
            font={"size": 11},
        )
    fig.update_layout(
        height=120,
        margin={"l": 8, "r": 8, "t": 8, "b": 28},
        legend={"orientation": "h", "y": 1.3, "x": 0},
        showlegend=True,
        paper_bgcolor="rgba(0,0,0,0)",
    )
    return scenario_charts.figure_dict(fig)


STATUS_COLOURS = {
    "planned": "#8fb3d9",
    "running": BLUE,
    "completed": GREEN,
    "paused": AMBER,
}


def cohort_gantt(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Cohorts per site over time: one bar per cohort from its start week for its course."""
    fig = go.Figure()
    for status, colour in STATUS_COLOURS.items():
        picked = [r for r in rows if r["status"] == status]
        if not picked:
            continue
        fig.add_trace(
            go.Bar(
                y=[r["site"] for r in picked],
                base=[r["start"].isoformat() for r in picked],
                x=[(r["end"] - r["start"]).days * 86_400_000 for r in picked],
                orientation="h",
                name=status,
                marker_color=colour,
                marker_line={"color": "#ffffff", "width": 1},
                customdata=[
                    [r["id"], r["course"], r["trainees"], r["start"].isoformat(), r["end"]]
                    for r in picked
                ],
                hovertemplate=(
                    "cohort %{customdata[0]} · %{customdata[1]} · %{customdata[2]} trainees"
                    "<br>%{customdata[3]} → %{customdata[4]}<extra>%{y}</extra>"
                ),
            )
        )
    sites = sorted({r["site"] for r in rows})
    return _fig(
        fig,
        "Cohorts per site",
        barmode="overlay",
        height=max(240, 90 + 34 * len(sites)),
        xaxis={"type": "date"},
        yaxis={"autorange": "reversed", "categoryorder": "category ascending"},
        margin={"l": 200, "r": 16, "t": 40, "b": 40},
        legend={"orientation": "h", "y": 1.08, "x": 1, "xanchor": "right"},
    )


SITE_COLOURS = {True: UKRAINE, False: BLUE}


def plan_gantt(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """A plan's cohorts per site: one bar per cohort, Ukrainian sites red, EU sites blue."""
    fig = go.Figure()
    for in_ukraine, label in ((False, "EU site"), (True, "site in Ukraine")):
        picked = [r for r in rows if r["in_ukraine"] == in_ukraine]
        if not picked:
            continue
        fig.add_trace(
            go.Bar(
                y=[r["site"] for r in picked],
                base=[r["start"].isoformat() for r in picked],
                x=[(r["end"] - r["start"]).days * 86_400_000 for r in picked],
                orientation="h",
                name=label,
                marker_color=SITE_COLOURS[in_ukraine],
                marker_line={"color": "#ffffff", "width": 1},
                customdata=[
                    [r["course"], r["trainees"], r["start"].isoformat(), r["end"].isoformat()]
                    for r in picked
                ],
                hovertemplate=(
                    "%{customdata[0]} · %{customdata[1]} trainees"
                    "<br>%{customdata[2]} → %{customdata[3]}<extra>%{y}</extra>"
                ),
            )
        )
    sites = {r["site"] for r in rows}
    return _fig(
        fig,
        "Cohorts per site",
        barmode="overlay",
        height=max(240, 90 + 34 * len(sites)),
        xaxis={"type": "date"},
        yaxis={"autorange": "reversed", "categoryorder": "category ascending"},
        margin={"l": 200, "r": 16, "t": 40, "b": 40},
        legend={"orientation": "h", "y": 1.08, "x": 1, "xanchor": "right"},
    )


def solve_progress(progress: Sequence[Sequence[Any]]) -> dict[str, Any]:
    """Objective and bound of a running solve over wall time."""
    fig = go.Figure()
    wall = [p[0] for p in progress]
    fig.add_trace(
        go.Scatter(
            x=wall,
            y=[p[1] for p in progress],
            mode="lines+markers",
            name="objective",
            line={"color": BLUE, "width": 2},
        )
    )
    bounds = [(p[0], p[2]) for p in progress if len(p) > 2 and p[2] is not None]
    if bounds:
        fig.add_trace(
            go.Scatter(
                x=[b[0] for b in bounds],
                y=[b[1] for b in bounds],
                mode="lines",
                name="bound",
                line={"color": GREY, "width": 2, "dash": "dot"},
            )
        )
    return _fig(
        fig,
        "Objective and bound",
        height=240,
        xaxis={"title": {"text": "seconds"}},
        legend={"orientation": "h", "y": 1.12, "x": 1, "xanchor": "right"},
    )


def envelope_allocation(result: Any, names: dict[str, str]) -> dict[str, Any]:
    """Requested against allocated per nation (€ bn) under one allocation rule."""
    rows = list(result.allocations)
    fig = go.Figure()
    for label, key, colour in (
        ("requested", "requested_cents", GREY),
        ("allocated", "allocated_cents", BLUE),
    ):
        fig.add_trace(
            go.Bar(
                x=[a.nation for a in rows],
                y=[getattr(a, key) / 100 / 1e9 for a in rows],
                name=label,
                marker_color=colour,
                text=[names.get(a.nation, a.nation) for a in rows],
                textposition="none",
                hovertemplate="%{text}: € %{y:.2f} bn " + label + "<extra></extra>",
            )
        )
    return _fig(
        fig,
        f"Envelope allocation per nation ({result.rule.value.replace('_', ' ')}, € bn)",
        barmode="group",
        yaxis={"ticksuffix": " bn"},
        legend={"orientation": "h", "y": 1.1, "x": 1, "xanchor": "right"},
    )


def savings_bars(savings: dict[str, int], title: str, names: dict[str, str]) -> dict[str, Any]:
    """Savings of the proposed joint procurements (€ m) per nation or per area."""
    keys = list(savings)
    fig = go.Figure(
        go.Bar(
            x=keys,
            y=[savings[k] / 100 / 1e6 for k in keys],
            text=[names.get(k, k) for k in keys],
            textposition="none",
            marker_color=GREEN,
            hovertemplate="%{text}: € %{y:,.1f} m<extra></extra>",
        )
    )
    return _fig(fig, title, yaxis={"ticksuffix": " m"})
