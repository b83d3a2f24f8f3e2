"""`muster backup FILE` and `muster restore FILE` (registered as top-level commands)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from muster.config import get_settings
from muster.errors import MusterError

console = Console()
err = Console(stderr=True)


def _fail(exc: MusterError) -> None:
    err.print(f"[red]error:[/red] {exc.detail}", highlight=False)
    raise typer.Exit(1)


def backup(
    file: Annotated[
        Path, typer.Argument(help="Target file: .json, or .json.gz for a gzip-compressed one")
    ],
) -> None:
    """Back up every table and the schema revision into one JSON file."""
    from muster.ops import backup as ops

    try:
        counts = ops.backup(get_settings().database_url, file)
    except MusterError as exc:
        _fail(exc)
    console.print(
        f"{sum(counts.values()):,} rows of {len(counts)} tables written to {file}", highlight=False
    )


def restore(
    file: Annotated[
        Path,
        typer.Argument(help="A file written by `muster backup`", exists=True, dir_okay=False),
    ],
    replace: Annotated[
        bool,
        typer.Option("--replace", help="Delete the data held first (in the same transaction)"),
    ] = False,
) -> None:
    """Restore a backup into the database: all or nothing; older backups are migrated."""
    from muster.ops import backup as ops

    try:
        result = ops.restore(get_settings().database_url, file, replace=replace)
    except MusterError as exc:
        _fail(exc)
    rows = result["rows"]
    note = (
        f" (made at schema {result['revision']}, migrated to {result['head']})"
        if result["migrated"]
        else ""
    )
    console.print(
        f"{sum(rows.values()):,} rows of {len(rows)} tables restored from {file}{note}",
        highlight=False,
    )
