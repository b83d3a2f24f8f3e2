"""Command line: init, demo, serve, user, import, export.

Every command reads MUSTER_DATABASE_URL (default: SQLite under ./var/). Errors are one line
on stderr and a non-zero exit code, never a stack trace.
"""

from __future__ import annotations

import logging
import secrets
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from muster.config import get_settings
from muster.db import make_engine, make_sessionmaker, transaction
from muster.errors import MusterError

app = typer.Typer(
    help="Muster: planning and coordination for the assistance effort for Ukraine.",
    no_args_is_help=True,
    add_completion=False,
)
user_app = typer.Typer(help="Manage users and API tokens.", no_args_is_help=True)
app.add_typer(user_app, name="user")
console = Console()
err = Console(stderr=True)


def _sessions():
    settings = get_settings()
    return make_sessionmaker(make_engine(settings.database_url))


def _fail(message: str, code: int = 1) -> None:
    err.print(f"[red]error:[/red] {message}", highlight=False)
    raise typer.Exit(code)


def _run(fn):
    try:
        return fn()
    except MusterError as exc:
        rows = getattr(exc, "errors", None)
        if rows:
            err.print(
                f"[red]error:[/red] {len(rows)} bad row(s); nothing was imported", highlight=False
            )
            for row in rows:
                err.print(f"  {row}", highlight=False)
            raise typer.Exit(1) from exc
        _fail(exc.detail + (f" (field: {exc.field})" if exc.field else ""))


@app.command()
def init() -> None:
    """Create or upgrade the database schema (Alembic migrations to the newest version)."""
    from muster.migrate import upgrade

    url = get_settings().database_url
    upgrade(url)
    console.print(f"database ready at {_safe_url(url)}")


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@app.command()
def demo(
    reset: Annotated[bool, typer.Option("--reset", help="Delete all data first")] = False,
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="Load only into an empty database")
    ] = False,
) -> None:
    """Load the demo data (public figures, sources cited in reference/demo_data.py)."""
    from muster.migrate import upgrade
    from muster.reference import demo as demo_data

    settings = get_settings()
    upgrade(settings.database_url)
    factory = _sessions()
    with transaction(factory) as session:
        if reset:
            demo_data.clear(session)
        elif not demo_data.is_empty(session):
            if if_empty:
                console.print("database already holds data; demo not loaded")
                return
            _fail("the database already holds data; use --reset to replace it")
        password = settings.demo_admin_password or secrets.token_urlsafe(12)
        _run(lambda: demo_data.load(session, password=password))
    console.print("demo data loaded")
    console.print(
        f"log in as [bold]admin[/bold] (or planner, observer, liaison, latvia, estonia) with "
        f"password [bold]{password}[/bold]"
        + (
            ""
            if settings.demo_admin_password
            else " — shown once; set MUSTER_DEMO_ADMIN_PASSWORD to choose it"
        )
    )


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port")] = 8000,
    workers: Annotated[int, typer.Option(help="uvicorn worker processes")] = 1,
) -> None:
    """Serve the web app and the API (OpenAPI docs at /docs)."""
    import uvicorn

    console.print(f"Muster at http://{host}:{port}/  (API docs: http://{host}:{port}/docs)")
    uvicorn.run(
        "muster.asgi:app",
        host=host,
        port=port,
        workers=workers,
        log_level=get_settings().log_level.lower(),
    )


@user_app.command("add")
def user_add(
    username: str,
    role: Annotated[str, typer.Option(help="admin, planner, nation, liaison or observer")],
    nation: Annotated[str | None, typer.Option(help="ISO code, for nation users")] = None,
    password: Annotated[
        str | None, typer.Option(help="Password; asked for when omitted", hide_input=True)
    ] = None,
) -> None:
    """Add a user."""
    from muster.auth import service
    from muster.auth.principal import SYSTEM

    if password is None:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    with transaction(_sessions()) as session:
        _run(
            lambda: service.create_user(
                db_session=session,
                actor=SYSTEM,
                username=username,
                password=password,
                role=role,
                nation=nation,
            )
        )
    console.print(f"user {username} added ({role}{' ' + nation if nation else ''})")


@user_app.command("list")
def user_list() -> None:
    """List users."""
    from muster.auth import service

    table = Table("username", "role", "nation", "active")
    with transaction(_sessions()) as session:
        for user in service.list_users(db_session=session):
            table.add_row(user.username, user.role, user.nation or "", str(user.active))
    console.print(table)


@user_app.command("disable")
def user_disable(username: str) -> None:
    """Disable a user and revoke all their tokens."""
    from muster.auth import service
    from muster.auth.principal import SYSTEM

    with transaction(_sessions()) as session:
        _run(
            lambda: service.set_active(
                db_session=session, actor=SYSTEM, username=username, active=False
            )
        )
        count = service.revoke_all(db_session=session, actor=SYSTEM, username=username)
    console.print(f"user {username} disabled; {count} token(s) revoked")


@user_app.command("token")
def user_token(
    username: str,
    name: Annotated[str, typer.Option(help="A label for the token")] = "cli",
) -> None:
    """Issue an API bearer token for a user (printed once)."""
    from muster.auth import service

    with transaction(_sessions()) as session:
        user = _run(lambda: service.get_by_username(db_session=session, username=username))
        token = service.issue_token(db_session=session, user=user, name=name)
    console.print(token, highlight=False)


@user_app.command("revoke")
def user_revoke(username: str) -> None:
    """Revoke every token of a user."""
    from muster.auth import service
    from muster.auth.principal import SYSTEM

    with transaction(_sessions()) as session:
        count = _run(
            lambda: service.revoke_all(db_session=session, actor=SYSTEM, username=username)
        )
    console.print(f"{count} token(s) revoked")


class Kind(StrEnum):
    pledges = "pledges"
    requests = "training-requests"
    contributions = "contributions"
    needs = "needs"
    sites = "sites"


def _principal(session, as_user: str | None):
    from muster.auth import service
    from muster.auth.principal import SYSTEM

    if as_user is None:
        return SYSTEM
    return service.principal_of(service.get_by_username(db_session=session, username=as_user))


@app.command("import")
def import_(
    kind: Annotated[Kind, typer.Argument(help="What the file holds")],
    file: Annotated[
        Path,
        typer.Argument(
            help="A .csv or .xlsx file with a header row",
            exists=True,
            dir_okay=False,
            readable=True,
        ),
    ],
    as_user: Annotated[
        str | None, typer.Option("--as", help="Import with this user's rights (default: system)")
    ] = None,
) -> None:
    """Import rows, all or nothing; every bad row is reported with its line and field."""
    from muster import transfer
    from muster.resources import BY_NAME

    fmt = "xlsx" if file.suffix.lower() == ".xlsx" else "csv"
    with transaction(_sessions()) as session:
        principal = _run(lambda: _principal(session, as_user))
        count = _run(
            lambda: transfer.import_rows(
                db_session=session,
                resource=BY_NAME[kind.value],
                principal=principal,
                content=file.read_bytes(),
                fmt=fmt,
            )
        )
    console.print(f"{count} {kind.value} imported from {file}")


@app.command("export")
def export(
    kind: Annotated[Kind, typer.Argument(help="What to export")],
    file: Annotated[Path, typer.Argument(help="Target .csv or .xlsx file")],
) -> None:
    """Export rows to CSV or XLSX (the format follows the file name)."""
    from muster import transfer
    from muster.resources import BY_NAME

    fmt = "xlsx" if file.suffix.lower() == ".xlsx" else "csv"
    with transaction(_sessions()) as session:
        content = _run(
            lambda: transfer.export_rows(db_session=session, resource=BY_NAME[kind.value], fmt=fmt)
        )
    file.write_bytes(content)
    console.print(f"{kind.value} written to {file}")


def _scenario_id(session, scenario: str | None) -> int | None:
    from sqlalchemy import select

    from muster.scenarios.models import Scenario

    if scenario is None:
        return None
    if scenario.isdigit():
        return int(scenario)
    found = session.scalar(select(Scenario.id).where(Scenario.name == scenario))
    if found is None:
        _fail(f"no scenario named '{scenario}'")
    return found


@app.command()
def plan(
    scenario: Annotated[
        str | None, typer.Option(help="Scenario name or id (default: the reality)")
    ] = None,
    start: Annotated[str | None, typer.Option(help="First week, YYYY-MM-DD (default: now)")] = None,
    weeks: Annotated[int, typer.Option(help="Horizon in weeks")] = 52,
    time_limit: Annotated[float, typer.Option("--time-limit", help="Seconds")] = 10.0,
    seed: Annotated[int, typer.Option(help="Solver seed")] = 0,
    deterministic: Annotated[
        bool, typer.Option("--deterministic", help="One worker, fixed seed: same input, same plan")
    ] = False,
    approve: Annotated[
        bool, typer.Option("--approve", help="Approve the plan when solved")
    ] = False,
) -> None:
    """Build a training plan now, showing the objective and bound as the solver improves."""
    import datetime as dt

    from rich.live import Live

    from muster.auth.principal import Principal
    from muster.training import plans

    actor = Principal(username="cli", role="planner")
    try:
        first = dt.date.fromisoformat(start) if start else dt.date.today()
    except ValueError:
        _fail(f"--start '{start}' is not a date (YYYY-MM-DD)")
    factory = _sessions()
    with transaction(factory) as session:
        row = _run(
            lambda: plans.create(
                db_session=session,
                principal=actor,
                scenario_id=_scenario_id(session, scenario),
                start=first,
                weeks=weeks,
                time_limit=time_limit,
                seed=seed,
                deterministic=deterministic,
            )
        )
        row.status = "running"
        session.commit()
        plan_id = row.id
    status = Table("seconds", "objective", "bound", title=f"plan {plan_id}")
    with Live(status, console=console, refresh_per_second=4) as live:

        def progress(wall: float, objective: float, bound: float | None) -> None:
            status.add_row(
                f"{wall:.1f}", f"{objective:,.0f}", "" if bound is None else f"{bound:,.0f}"
            )
            live.refresh()

        with transaction(factory) as session:
            row = plans.get(db_session=session, id=plan_id)
            result = plans.solve_stored(row, on_progress=progress)
            plans.finish(db_session=session, plan=row, result=result)
    stats, score = result["stats"], result["score"]
    summary = Table("", "value", title="summary")
    summary.add_row("cohorts", str(len(result["cohorts"])))
    summary.add_row("trainees", f"{score['trainees']:,}")
    summary.add_row("objective (priority-weighted)", f"{stats['objective']:,.0f}")
    summary.add_row("bound", "" if stats.get("bound") is None else f"{stats['bound']:,.0f}")
    summary.add_row("gap", "" if stats.get("gap") is None else f"{100 * stats['gap']:.2f} %")
    summary.add_row("requests not fully met", str(len(result["unmet"])))
    summary.add_row("wall seconds", f"{stats.get('wall_seconds', 0):.1f}")
    summary.add_row("violations", str(len(result["violations"])))
    console.print()
    console.print(summary)
    if approve:
        with transaction(factory) as session:
            row = plans.get(db_session=session, id=plan_id)
            _run(
                lambda: plans.approve(
                    db_session=session, principal=actor, id=plan_id, version=row.version
                )
            )
        console.print(f"plan {plan_id} approved")


# Sub-commands of the pillars and of operations, each a Typer app in its own module, are
# registered here (one line each).
from muster.guarantees import cli as guarantees_cli  # noqa: E402
from muster.ops import cli as ops_cli  # noqa: E402
from muster.procurement import cli as procurement_cli  # noqa: E402
from muster.scenarios import cli as scenarios_cli  # noqa: E402

app.add_typer(scenarios_cli.app, name="scenario")
app.add_typer(procurement_cli.app, name="procurement")
app.add_typer(guarantees_cli.app, name="guarantees")
app.command("backup")(ops_cli.backup)
app.command("restore")(ops_cli.restore)


def main() -> None:  # pragma: no cover - console entry
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("muster").setLevel(get_settings().log_level)
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
