"""`muster scenario ...`: Monte Carlo of "redesign now or wait", contingency plans."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

app = typer.Typer(
    help="Scenarios: Monte Carlo of policies, contingency plans.", no_args_is_help=True
)
console = Console()


@app.command()
def montecarlo(
    draws: Annotated[int, typer.Option(help="Number of draws")] = 20_000,
    seed: Annotated[int, typer.Option(help="Seed: the same seed gives the same numbers")] = 0,
    config: Annotated[
        Path | None,
        typer.Option(
            help="JSON configuration (see `--print-default`)", exists=True, dir_okay=False
        ),
    ] = None,
    dask: Annotated[bool, typer.Option("--dask", help="Run on a local Dask cluster")] = False,
    scheduler: Annotated[
        str | None, typer.Option(help="Address of a Dask scheduler to run on")
    ] = None,
    workers: Annotated[int | None, typer.Option(help="Local Dask workers")] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the full result as JSON")
    ] = None,
    print_default: Annotated[
        bool, typer.Option("--print-default", help="Print the default configuration and exit")
    ] = False,
) -> None:
    """Compare policies (wait for a formal ceasefire vs redesign now) over random ceasefire
    timings and breaches; prints P10/P50/P90 per policy and the paired differences."""
    from muster.cli import _fail
    from muster.scenarios import montecarlo as mc

    if print_default:
        console.print_json(json.dumps(mc.config_to_dict(mc.ScenarioConfig())))
        return
    if draws < 1:
        _fail("--draws must be at least 1")
    try:
        cfg = (
            mc.config_from_dict(json.loads(config.read_text())) if config else (mc.ScenarioConfig())
        )
    except json.JSONDecodeError as exc:
        _fail(f"{config}: not JSON ({exc.msg}, line {exc.lineno})")
    except mc.ConfigError as exc:
        _fail(f"{config}: {exc}")
    with Progress(console=console, transient=True) as bar:
        task = bar.add_task("draws", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        result = mc.run(
            cfg,
            draws,
            seed,
            use_dask=dask,
            scheduler_address=scheduler,
            n_workers=workers,
            progress=progress,
        )
    for title, block in (
        ("per policy", result.summaries),
        (f"difference against {result.baseline}", result.differences),
    ):
        table = Table("policy", "metric", "mean", "P10", "P50", "P90", "CI", title=title)
        for policy, metrics in block.items():
            for metric, s in metrics.items():
                table.add_row(
                    policy,
                    metric,
                    f"{s.mean:,.1f}",
                    f"{s.p10:,.1f}",
                    f"{s.p50:,.1f}",
                    f"{s.p90:,.1f}",
                    f"{s.ci_low:,.1f} – {s.ci_high:,.1f}",
                )
        console.print(table)
    console.print(
        f"seed {seed}, {draws:,} draws, {result.elapsed_seconds:.1f} s "
        f"({result.backend}); no ceasefire in {100 * result.share_no_ceasefire:.1f} %"
        " of draws"
    )
    if output:
        output.write_text(json.dumps(result.to_dict(), indent=1, default=str))
        console.print(f"result written to {output}")


@app.command()
def contingency(
    trigger_week: Annotated[str, typer.Argument(help="Week of the trigger, YYYY-MM-DD")],
    phase: Annotated[str, typer.Option(help="truce, ceasefire or peace")] = "ceasefire",
    scenario: Annotated[str | None, typer.Option(help="Scenario name or id")] = None,
    weeks: Annotated[int, typer.Option(help="Horizon in weeks")] = 52,
    time_limit: Annotated[float, typer.Option("--time-limit")] = 10.0,
) -> None:
    """Prepare a contingency plan for a trigger and solve it now."""
    from muster.auth.principal import Principal
    from muster.cli import _fail, _run, _scenario_id, _sessions
    from muster.db import transaction
    from muster.scenarios import contingency as service
    from muster.training import plans

    try:
        week = dt.date.fromisoformat(trigger_week)
    except ValueError:
        _fail(f"'{trigger_week}' is not a date (YYYY-MM-DD)")
    actor = Principal(username="cli", role="planner")
    factory = _sessions()
    with transaction(factory) as session:
        row = _run(
            lambda: service.prepare(
                db_session=session,
                principal=actor,
                scenario_id=_scenario_id(session, scenario),
                trigger_phase=phase,
                trigger_week=week,
                weeks=weeks,
                time_limit=time_limit,
            )
        )
        plan = plans.get(db_session=session, id=row.plan_id)
        plan.status = "running"
        session.commit()
        result = plans.solve_stored(plan)
        plans.finish(db_session=session, plan=plan, result=result)
        ready = service.readiness(db_session=session, row=row)
    console.print(
        f"contingency {row.id}: plan {row.plan_id}, {len(result['cohorts'])} cohorts; "
        f"first in-country cohort {ready['weeks_to_first_in_country']} week(s) after "
        f"the trigger ({ready['in_country_trainees']:,} trainees in Ukraine)"
    )


@app.command()
def proposals(
    scenario: Annotated[str | None, typer.Option(help="Scenario name or id")] = None,
) -> None:
    """Contingencies whose trigger has been recorded: ready to activate."""
    from muster.cli import _scenario_id, _sessions
    from muster.db import transaction
    from muster.scenarios import contingency as service

    table = Table("id", "trigger", "recorded", "plan", "weeks to first in-country")
    with transaction(_sessions()) as session:
        for p in service.proposals(db_session=session, scenario_id=_scenario_id(session, scenario)):
            table.add_row(
                str(p["id"]),
                f"{p['trigger_phase']} {p['trigger_week']}",
                str(p["event_date"]),
                str(p["plan_id"]),
                str(p["readiness"]["weeks_to_first_in_country"]),
            )
    console.print(table)


@app.command()
def activate(id: Annotated[int, typer.Argument(help="Contingency id")]) -> None:
    """Activate a contingency: approve its plan."""
    from muster.auth.principal import Principal
    from muster.cli import _run, _sessions
    from muster.db import transaction
    from muster.scenarios import contingency as service

    with transaction(_sessions()) as session:
        row = _run(lambda: service.get(db_session=session, id=id))
        _run(
            lambda: service.activate(
                db_session=session,
                principal=Principal("cli", "planner"),
                id=id,
                version=row.version,
            )
        )
    console.print(f"contingency {id} activated")


positions_app = typer.Typer(
    help="Member states' positions on a mandate proposal and who blocks `mandate_amended`.",
    no_args_is_help=True,
)
app.add_typer(positions_app, name="positions")


def _proposal_id(session, proposal: int | None) -> int:
    from muster.cli import _run
    from muster.scenarios import mandate

    if proposal is not None:
        return proposal
    return _run(lambda: mandate.default_proposal(session)).id


@positions_app.command("list")
def positions_list(
    proposal: Annotated[
        int | None, typer.Option(help="Proposal id (default: the only one)")
    ] = None,
    scenario: Annotated[
        str | None,
        typer.Option(help="Scenario name or id: also its overrides (default: recorded only)"),
    ] = None,
) -> None:
    """Positions on a proposal: the recorded ones and, with --scenario, its overrides."""
    from sqlalchemy import select

    from muster.cli import _scenario_id, _sessions
    from muster.db import transaction
    from muster.scenarios.models import MandatePosition

    with transaction(_sessions()) as session:
        pid = _proposal_id(session, proposal)
        sid = _scenario_id(session, scenario)
        where = MandatePosition.scenario_id.is_(None)
        if sid is not None:
            where = where | (MandatePosition.scenario_id == sid)
        rows = session.scalars(
            select(MandatePosition)
            .where(MandatePosition.proposal_id == pid, where)
            .order_by(MandatePosition.nation, MandatePosition.scenario_id)
        ).all()
        table = Table(
            "id",
            "nation",
            "scope",
            "stance",
            "stated conditions",
            "condition",
            "date",
            "source",
            title=f"positions on proposal {pid}",
        )
        for r in rows:
            table.add_row(
                str(r.id),
                r.nation,
                "recorded" if r.scenario_id is None else f"scenario {r.scenario_id}",
                r.stance + (" (conditions met)" if r.conditions_met else ""),
                r.stated_conditions,
                r.condition,
                str(r.date),
                r.source,
            )
    console.print(table)


@positions_app.command("set")
def positions_set(
    nation: Annotated[str, typer.Argument(help="EU member state, e.g. LV")],
    stance: Annotated[
        str,
        typer.Argument(
            help="support, support_with_conditions, wait_for_ceasefire, oppose or abstain"
        ),
    ],
    source: Annotated[str, typer.Option(help="Where the position is reported (required)")],
    date: Annotated[
        str | None, typer.Option(help="Date stated, YYYY-MM-DD (default: today)")
    ] = None,
    stated_conditions: Annotated[
        str, typer.Option("--conditions", help="Stated conditions, as free text")
    ] = "",
    condition: Annotated[
        str, typer.Option(help="Stated conditions as a condition expression")
    ] = "",
    conditions_met: Annotated[
        bool, typer.Option("--conditions-met", help="Free-text conditions are met")
    ] = False,
    proposal: Annotated[
        int | None, typer.Option(help="Proposal id (default: the only one)")
    ] = None,
    scenario: Annotated[
        str | None, typer.Option(help="Scenario name or id: a what-if override")
    ] = None,
    note: Annotated[str, typer.Option(help="A note")] = "",
    as_user: Annotated[
        str | None, typer.Option("--as", help="Record with this user's rights (default: system)")
    ] = None,
) -> None:
    """Record a member state's position (creates it or changes the one in the same scope)."""
    from muster.cli import _fail, _principal, _run, _scenario_id, _sessions
    from muster.db import transaction
    from muster.scenarios import mandate

    try:
        day = dt.date.fromisoformat(date) if date else dt.date.today()
    except ValueError:
        _fail(f"'{date}' is not a date (YYYY-MM-DD)")
    if stance not in mandate.STANCES:
        _fail(f"unknown stance '{stance}'; use one of: {', '.join(mandate.STANCES)}")
    with transaction(_sessions()) as session:
        principal = _run(lambda: _principal(session, as_user))
        row = _run(
            lambda: mandate.set_position(
                db_session=session,
                principal=principal,
                proposal_id=_proposal_id(session, proposal),
                nation=nation.upper(),
                scenario_id=_scenario_id(session, scenario),
                values={
                    "stance": stance,
                    "stated_conditions": stated_conditions,
                    "condition": condition,
                    "conditions_met": conditions_met,
                    "date": day,
                    "source": source,
                    "note": note,
                },
            )
        )
        scope = "recorded" if row.scenario_id is None else f"in scenario {row.scenario_id}"
        console.print(
            f"position {row.id}: {row.nation} {row.stance} ({scope}), version {row.version}"
        )


@positions_app.command("blockers")
def positions_blockers(
    scenario: Annotated[
        str | None, typer.Option(help="Scenario name or id (default: the reality)")
    ] = None,
    week: Annotated[str | None, typer.Option(help="Week, YYYY-MM-DD (default: this week)")] = None,
    weeks: Annotated[int, typer.Option(help="Horizon to find the first week it holds")] = 104,
) -> None:
    """Does `mandate_amended` hold; who stands in the way, with stance and stated conditions."""
    from muster.cli import _fail, _run, _scenario_id, _sessions
    from muster.db import transaction
    from muster.scenarios import mandate

    try:
        day = dt.date.fromisoformat(week) if week else dt.date.today()
    except ValueError:
        _fail(f"'{week}' is not a date (YYYY-MM-DD)")
    with transaction(_sessions()) as session:
        state = _run(
            lambda: mandate.state(
                db_session=session,
                scenario_id=_scenario_id(session, scenario),
                week=day,
                weeks=weeks,
            )
        )
    first = state["first_week"]
    console.print(
        f"{state['scenario']}, week of {state['week']}: mandate_amended "
        + ("holds" if state["holds"] else "does not hold")
        + (
            f"; first holds in the week of {first} ({state['weeks_from_now']} weeks)"
            if first
            else f"; not within {state['horizon_weeks']} weeks"
        )
    )
    for p in state["proposals"]:
        table = Table(
            "nation",
            "stance",
            "stated conditions",
            "condition",
            "agrees from",
            "source",
            title=f"{p['title']} ({p['status']}): {len(p['blockers'])} of "
            f"{p['member_states']} member states block",
        )
        unknown = [b["nation"] for b in p["blockers"] if b["stance"] == "unknown"]
        for b in p["blockers"]:
            if b["stance"] == "unknown":
                continue
            table.add_row(
                f"{b['nation']} {b['name']}",
                b["stance"] + (" (what-if)" if b["scope"] == "scenario" else ""),
                b["stated_conditions"],
                b["condition"],
                str(b["first_agreeing_week"] or "—"),
                b["source"],
            )
        console.print(table)
        if unknown:
            console.print(f"no recorded position (blocks): {', '.join(unknown)}")
        if p["abstaining"]:
            console.print(f"abstaining (does not block): {', '.join(p['abstaining'])}")
