"""`muster procurement ...`: deadline board, envelope, loan schedules, SAFE rules, grouping."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated

import openpyxl
import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(help="Joint procurement under the SAFE loan instrument.", no_args_is_help=True)
console = Console()


def euros(cents: int) -> str:
    return f"€{cents / 100:,.0f}"


def _date(text: str | None, option: str) -> dt.date:
    from muster.cli import _fail

    try:
        return dt.date.fromisoformat(text) if text else dt.date.today()
    except ValueError:
        _fail(f"{option} '{text}' is not a date (YYYY-MM-DD)")


def _write_xlsx(path: Path, rows: list) -> None:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(list(row))
    book.save(path)
    console.print(f"written to {path}")


@app.command()
def board(
    today: Annotated[str | None, typer.Option(help="Date to judge by (YYYY-MM-DD)")] = None,
) -> None:
    """Capability coalitions flagged for a missing lead nation or contract."""
    from muster.cli import _sessions
    from muster.db import transaction
    from muster.procurement import service

    table = Table("area", "lead", "lead deadline", "contract deadline", "status", "flag")
    with transaction(_sessions()) as session:
        for f in service.deadline_board(db_session=session, today=_date(today, "--today")):
            colour = {"overdue": "red", "due_soon": "yellow"}.get(f.level, "green")
            table.add_row(
                f.area_code,
                f.lead_nation or "—",
                str(f.lead_deadline),
                str(f.contract_deadline or "—"),
                f.status,
                f"[{colour}]{f.level}[/{colour}] " + "; ".join(f.reasons),
            )
    console.print(table)


@app.command()
def envelope(
    rule: Annotated[
        str, typer.Option(help="pro_rata, equal_share_capped or priority_first")
    ] = "pro_rata",
    envelope_eur: Annotated[int | None, typer.Option(help="Envelope in euro")] = None,
    xlsx: Annotated[Path | None, typer.Option(help="Also write the allocation to XLSX")] = None,
) -> None:
    """Allocate the loan envelope among the nations' loan requests."""
    from muster.cli import _run, _sessions
    from muster.db import transaction
    from muster.procurement import service

    with transaction(_sessions()) as session:
        result = _run(
            lambda: service.allocate_envelope(
                db_session=session,
                rule=rule,
                envelope_cents=None if envelope_eur is None else envelope_eur * 100,
            )
        )
    table = Table(
        "nation",
        "requested",
        "allocated",
        title=f"{result.rule}: {euros(result.allocated_cents)} of {euros(result.envelope_cents)}",
    )
    for a in result.allocations:
        table.add_row(a.nation, euros(a.requested_cents), euros(a.allocated_cents))
    console.print(table)
    if xlsx:
        _write_xlsx(xlsx, result.to_rows())


@app.command()
def schedule(
    nation: Annotated[str, typer.Argument(help="ISO code of the borrowing nation")],
    rate: Annotated[str, typer.Option(help="Annual interest rate, e.g. 0.03")] = "0.03",
    start: Annotated[str | None, typer.Option(help="First year's date (YYYY-MM-DD)")] = None,
    xlsx: Annotated[Path | None, typer.Option(help="Also write the schedule to XLSX")] = None,
) -> None:
    """Repayment schedule of a nation's allocated loan (45 years, 10 years' grace)."""
    from muster.cli import _fail, _run, _sessions
    from muster.db import transaction
    from muster.procurement import service

    try:
        annual = Decimal(rate)
    except InvalidOperation:
        _fail(f"--rate '{rate}' is not a number")
    with transaction(_sessions()) as session:
        result = _run(
            lambda: service.loan_schedule(
                db_session=session,
                nation=nation.upper(),
                annual_rate=annual,
                start=_date(start, "--start"),
            )
        )
    table = Table(
        "period",
        "due",
        "interest",
        "principal",
        "payment",
        "balance after",
        title=f"{nation.upper()}: {euros(result.terms.principal_cents)} at {rate}",
    )
    for r in result.rows:
        table.add_row(
            str(r.period),
            str(r.due_on),
            euros(r.interest_cents),
            euros(r.principal_cents),
            euros(r.payment_cents),
            euros(r.closing_balance_cents),
        )
    console.print(table)
    if xlsx:
        _write_xlsx(xlsx, result.to_rows())


@app.command()
def check(
    id: Annotated[int, typer.Argument(help="Joint procurement id")],
    on: Annotated[str | None, typer.Option(help="Procurement date (YYYY-MM-DD)")] = None,
) -> None:
    """Check a joint procurement against every SAFE rule; names each failed rule."""
    from muster.cli import _run, _sessions
    from muster.db import transaction
    from muster.procurement import service

    with transaction(_sessions()) as session:
        result = _run(
            lambda: service.check_joint_procurement(db_session=session, id=id, on=_date(on, "--on"))
        )
    if result.eligible:
        console.print(f"joint procurement {id} is eligible")
        return
    for f in result.failures:
        console.print(
            f"[red]{f.rule_id}[/red]: {f.detail}\n  rule: {f.text}\n  source: {f.source}",
            highlight=False,
        )
    raise typer.Exit(2)


@app.command()
def aggregate(
    on: Annotated[str | None, typer.Option(help="Procurement date (YYYY-MM-DD)")] = None,
    max_participants: Annotated[int, typer.Option(help="Nations per procurement")] = 6,
    time_limit: Annotated[float, typer.Option("--time-limit", help="Seconds")] = 20.0,
    xlsx: Annotated[Path | None, typer.Option(help="Write the proposals to XLSX")] = None,
) -> None:
    """Group the nations' needs into joint procurements; compare with buying alone."""
    from muster.cli import _run, _sessions
    from muster.db import transaction
    from muster.procurement import service

    with transaction(_sessions()) as session:
        result = _run(
            lambda: service.aggregation(
                db_session=session,
                on=_date(on, "--on"),
                max_participants=max_participants,
                time_limit=time_limit,
            )
        )
    methods = Table(
        "method", "total", "savings", "savings bound", "gap", "joint procurements", "seconds"
    )
    for row in result.rows():
        bound, gap = row["bound_cents"], row["gap"]
        methods.add_row(
            row["method"],
            euros(row["total_cents"]),
            euros(row["savings_cents"]),
            "" if bound is None else euros(bound),
            "" if gap is None else f"{100 * gap:.2f} %",
            str(row["joint_procurements"]),
            f"{row['wall_time_s']:.2f}",
        )
    console.print(methods)
    proposals = Table("item", "participants", "quantity", "unit price", "savings")
    for p in result.optimal.procurements:
        if len(p.participants) > 1:
            proposals.add_row(
                p.item,
                ", ".join(p.participants),
                f"{p.quantity:,}",
                euros(p.unit_price_cents),
                euros(p.savings_cents),
            )
    console.print(proposals)
    if xlsx:
        _write_xlsx(xlsx, result.optimal.to_rows())
