"""`muster guarantees …`: the sourcing table of a scenario week, and what-if, in the shell."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(help="Security guarantees: force sourcing and what-if.", no_args_is_help=True)
console = Console()


def _week(week: str | None) -> dt.date:
    from muster.cli import _fail
    from muster.weeks import monday

    try:
        return monday(dt.date.fromisoformat(week) if week else dt.date.today())
    except ValueError:
        _fail(f"--week '{week}' is not a date (YYYY-MM-DD)")
        raise  # unreachable: _fail exits


def _amounts(values: dict[str, float]) -> str:
    return ", ".join(f"{v:,.4g} {k}" for k, v in sorted(values.items()) if v > 1e-6)


ScenarioOpt = Annotated[str | None, typer.Option(help="Scenario name or id (default: the reality)")]
WeekOpt = Annotated[str | None, typer.Option(help="A day of the week, YYYY-MM-DD (default: now)")]
BasisOpt = Annotated[
    str, typer.Option(help="What counts: promised, confirmed or deployed (on the ground)")
]


@app.command()
def source(
    scenario: ScenarioOpt = None,
    week: WeekOpt = None,
    basis: BasisOpt = "promised",
    xlsx: Annotated[
        Path | None, typer.Option("--xlsx", help="Also write the table to this XLSX file")
    ] = None,
) -> None:
    """Solve the sourcing of a scenario week and print fill and shortfall per requirement."""
    from muster.cli import _run, _scenario_id, _sessions
    from muster.db import transaction
    from muster.guarantees import export, service

    first = _week(week)
    with transaction(_sessions()) as session:
        sid = _scenario_id(session, scenario)
        data, result = _run(
            lambda: service.source(db_session=session, scenario_id=sid, week=first, basis=basis)
        )
        table = service.sourcing_dict(data, result)
    title = (
        f"{table['scenario']}, week of {table['week']} ({table['phase']}, {basis}): "
        f"fill {100 * table['fill_rate']:.1f} %"
    )
    out = Table("zone", "capability", "required", "covered", "fill", "shortfall", "nations",
                title=title)  # fmt: skip
    for r in sorted(table["requirements"], key=lambda r: (r["zone"], r["capability"])):
        out.add_row(
            r["zone"],
            r["capability"],
            f"{r['required']:,.4g} {r['unit']}",
            f"{r['covered']:,.4g}",
            f"{100 * r['fill_rate']:.0f} %",
            f"{r['shortfall']:,.4g}" if r["shortfall"] > 1e-6 else "",
            " ".join(r["nations"]),
        )
    console.print(out)
    zones = Table("zone", "fill", "filled", "shortfall", "air defence covered", title="per zone")
    for z in table["zones"]:
        zones.add_row(
            z["zone"],
            f"{100 * z['fill_rate']:.0f} %",
            f"{z['filled']}/{z['requirements']}",
            _amounts(z["shortfall"]),
            "yes" if z["air_defence_covered"] else "no",
        )
    console.print(zones)
    if table["not_needed_yet"]:
        console.print(f"{len(table['not_needed_yet'])} requirement(s) not needed yet in this phase")
    if xlsx is not None:
        xlsx.write_bytes(export.sourcing_xlsx(table))
        console.print(f"sourcing table written to {xlsx}")


@app.command("what-if")
def what_if(
    scenario: ScenarioOpt = None,
    week: WeekOpt = None,
    basis: BasisOpt = "promised",
) -> None:
    """What each condition that does not hold would unlock, largest gain first."""
    from muster.cli import _run, _scenario_id, _sessions
    from muster.db import transaction
    from muster.guarantees import service

    first = _week(week)
    with transaction(_sessions()) as session:
        sid = _scenario_id(session, scenario)
        found = _run(
            lambda: service.what_if(db_session=session, scenario_id=sid, week=first, basis=basis)
        )
    title = f"what-if, week of {found['week']} (fill now {100 * found['fill_rate']:.1f} %)"
    out = Table("condition", "fill after", "gain", "closes", "still waiting on", title=title)
    for c in found["conditions"]:
        waiting = sorted({b for x in c["still_blocked"] for b in x["blocking"]})
        # a re-solve cut off by the time budget shows its proven bound: "33.8 (≤ 34.8)"
        gain = f"{c['gain']:.1f}" + ("" if c["optimal"] else f" (≤ {c['gain_bound']:.1f})")
        out.add_row(
            c["condition"],
            f"{100 * c['fill_rate']:.1f} %",
            gain,
            _amounts(c["closed"]),
            ", ".join(waiting),
        )
    console.print(out)
    for c in found["conditions"]:
        console.print(c["summary"], highlight=False)
