"""Plotly figures of the guarantees pillar, as JSON-ready dicts the web pages can embed."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import plotly.graph_objects as go

from muster.scenarios.charts import figure_dict

_LAYOUT: dict[str, Any] = {
    "margin": {"l": 220, "r": 16, "t": 48, "b": 80},
    "font": {"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "size": 12},
    "paper_bgcolor": "rgba(0,0,0,0)",
    "plot_bgcolor": "#ffffff",
}


def fill_rate_figure(rows: Sequence[dict[str, Any]], title: str = "") -> dict[str, Any]:
    """Heat map of fill rate (%) per zone / capability (rows) and scenario (columns).

    `rows`: dicts with scenario, zone, capability, fill_rate (0..1, or None when the
    requirement is not needed yet in that scenario's phase), shortfall and unit — as
    `service.fill_rows` returns them. Several requirements of one zone and capability are
    averaged.
    """
    scenarios = list(dict.fromkeys(r["scenario"] for r in rows))
    keys = sorted({(r["zone"], r["capability"]) for r in rows})
    cells: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for r in rows:
        cells.setdefault((r["zone"], r["capability"], r["scenario"]), []).append(r)
    z: list[list[float | None]] = []
    text: list[list[str]] = []
    for zone, capability in keys:
        z_row, t_row = [], []
        for s in scenarios:
            found = [c for c in cells.get((zone, capability, s), []) if c["fill_rate"] is not None]
            if not found:
                z_row.append(None)
                t_row.append("not needed yet")
                continue
            rate = 100 * sum(c["fill_rate"] for c in found) / len(found)
            short = sum(c["shortfall"] for c in found)
            z_row.append(round(rate, 1))
            t_row.append(
                f"{rate:.0f} %"
                + (f", short {short:,.1f} {found[0]['unit']}" if short > 1e-6 else "")
            )
        z.append(z_row)
        text.append(t_row)
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=scenarios,
            y=[f"{zone} · {capability}" for zone, capability in keys],
            text=text,
            texttemplate="%{text}",
            zmin=0,
            zmax=100,
            colorscale=[[0, "#c0392b"], [0.5, "#f0c05a"], [1, "#2f7d4f"]],
            colorbar={"title": {"text": "fill %"}},
            hovertemplate="%{y}<br>%{x}: %{text}<extra></extra>",
        )
    )
    fig.update_layout(
        title={"text": title or "Fill rate per zone and capability", "x": 0, "font": {"size": 14}},
        height=max(320, 60 + 28 * len(keys)),
        **_LAYOUT,
    )
    return figure_dict(fig)
