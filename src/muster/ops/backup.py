"""Backup and restore of the whole database as one JSON file (gzip when named `*.gz`).

The file holds every row of every table (`Base.metadata.sorted_tables`, parents before
children) and the Alembic revision of the schema it came from:

    {"format": "muster-backup", "format_version": 1, "revision": "0003", "tables":
     {"nations": {"columns": ["id", "code", ...], "rows": [[1, "AT", ...], ...]}, ...}}

Values are plain JSON: times as ISO 8601 in UTC, dates as ISO dates, decimals as strings.
A restore checks the revision first:

- the same revision as this Muster's newest schema: the rows are written into the target
  (empty, or cleared with `replace=True`) in one transaction, and PostgreSQL sequences are
  moved past the restored ids;
- an older revision: the file is restored into a temporary SQLite database at the file's
  revision, that database is upgraded with the migrations, and its rows are copied;
- a revision this Muster does not know (a newer release made the file): refused.

SQLite and PostgreSQL files are the same format, so a backup moves between them.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import tempfile
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Boolean,
    Connection,
    Date,
    DateTime,
    Float,
    Integer,
    MetaData,
    Numeric,
    Table,
    delete,
    func,
    select,
    text,
)
from sqlalchemy.engine import Engine

from muster import __version__
from muster.db import make_engine
from muster.errors import Invalid, MusterError

FORMAT = "muster-backup"
FORMAT_VERSION = 1
BATCH = 1000


class BackupError(MusterError):
    status_code = 409
    code = "backup_refused"


# -- encoding ------------------------------------------------------------------------------


def _encode(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:  # SQLite keeps no zone; every stored time is UTC
            value = value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _decoder(column_type: Any):
    if isinstance(column_type, DateTime):
        return lambda v: None if v is None else dt.datetime.fromisoformat(v)
    if isinstance(column_type, Date):
        return lambda v: None if v is None else dt.date.fromisoformat(v)
    if isinstance(column_type, Float):
        return lambda v: None if v is None else float(v)
    if isinstance(column_type, Numeric):
        return lambda v: None if v is None else Decimal(str(v))
    if isinstance(column_type, Boolean):
        return lambda v: None if v is None else bool(v)
    if isinstance(column_type, Integer):
        return lambda v: None if v is None else int(v)
    return lambda v: v  # strings, JSON


# -- revisions -----------------------------------------------------------------------------


def database_revision(conn: Connection) -> str | None:
    """The Alembic revision of a database, or None if it has no schema yet."""
    from alembic.migration import MigrationContext

    return MigrationContext.configure(conn).get_current_revision()


def _script():
    from alembic.script import ScriptDirectory

    from muster.migrate import alembic_config

    return ScriptDirectory.from_config(alembic_config("sqlite://"))


def _head() -> str:
    return _script().get_current_head()


def _known(revision: str) -> bool:
    from alembic.util import CommandError

    try:
        return _script().get_revision(revision) is not None
    except CommandError:
        return False


# -- tables --------------------------------------------------------------------------------


def _tables(conn: Connection, revision: str | None) -> list[Table]:
    """The tables of a database at `revision`, parents first: the models' own for the newest
    schema, the reflected ones for an older schema."""
    if revision == _head():
        from muster.models import Base

        return list(Base.metadata.sorted_tables)
    meta = MetaData()
    meta.reflect(bind=conn)
    return [t for t in meta.sorted_tables if t.name != "alembic_version"]


def _row_counts(conn: Connection, tables: Iterable[Table]) -> dict[str, int]:
    return {t.name: conn.scalar(select(func.count()).select_from(t)) or 0 for t in tables}


# -- backup --------------------------------------------------------------------------------


def dump(engine: Engine) -> dict[str, Any]:
    """Every row of every table and the schema revision, read in one transaction."""
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY"))
        revision = database_revision(conn)
        if revision is None:
            raise Invalid("the database has no Muster schema; nothing to back up", field="database")
        tables = {}
        for table in _tables(conn, revision):
            names = [c.name for c in table.columns]
            order = list(table.primary_key.columns) or list(table.columns)
            rows = [
                [_encode(v) for v in row]
                for row in conn.execute(select(*table.columns).order_by(*order))
            ]
            tables[table.name] = {"columns": names, "rows": rows}
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "revision": revision,
        "muster_version": __version__,
        "created_at": dt.datetime.now(dt.UTC).isoformat(),
        "tables": tables,
    }


def write(data: dict[str, Any], path: Path) -> None:
    """Write a backup to `path` (gzip when the name ends in .gz), atomically."""
    raw = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
    if path.suffix == ".gz":
        raw = gzip.compress(raw, compresslevel=6)
    tmp = path.with_name(path.name + ".part")
    tmp.write_bytes(raw)
    tmp.replace(path)


def read(path: Path) -> dict[str, Any]:
    """Read a backup file written by `write`; refuses anything else."""
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise Invalid(f"{path} is not a Muster backup (not JSON)", field="file") from exc
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise Invalid(f"{path} is not a Muster backup", field="file")
    if data.get("format_version") != FORMAT_VERSION:
        raise BackupError(
            f"{path} has backup format {data.get('format_version')}; this Muster reads "
            f"format {FORMAT_VERSION}",
            field="format_version",
        )
    return data


def backup(url: str, path: Path) -> dict[str, int]:
    """Back up the database at `url` into `path`; returns the row count per table."""
    engine = make_engine(url)
    try:
        data = dump(engine)
    finally:
        engine.dispose()
    write(data, path)
    return {name: len(t["rows"]) for name, t in data["tables"].items()}


# -- restore -------------------------------------------------------------------------------


def _clear(conn: Connection, tables: list[Table]) -> None:
    for table in reversed(tables):
        conn.execute(delete(table))


def _insert(conn: Connection, tables: list[Table], data: dict[str, Any]) -> dict[str, int]:
    counts = {}
    known = {t.name: t for t in tables}
    unknown = sorted(set(data["tables"]) - set(known))
    if unknown:
        raise BackupError(
            f"the backup holds tables this schema lacks: {', '.join(unknown)}", field="tables"
        )
    for table in tables:
        block = data["tables"].get(table.name)
        if not block or not block["rows"]:
            counts[table.name] = 0
            continue
        names = block["columns"]
        missing = [n for n in names if n not in table.columns]
        if missing:
            raise BackupError(
                f"table {table.name}: the backup has columns this schema lacks: "
                f"{', '.join(missing)}",
                field="tables",
            )
        decoders = [_decoder(table.columns[n].type) for n in names]
        rows = block["rows"]
        for start in range(0, len(rows), BATCH):
            chunk = [
                {n: d(v) for n, d, v in zip(names, decoders, row, strict=True)}
                for row in rows[start : start + BATCH]
            ]
            conn.execute(table.insert(), chunk)
        counts[table.name] = len(rows)
    return counts


def _reset_sequences(conn: Connection, tables: list[Table]) -> None:
    """PostgreSQL: move each id sequence past the largest restored id."""
    if conn.dialect.name != "postgresql":
        return
    for table in tables:
        pk = list(table.primary_key.columns)
        if len(pk) != 1 or not isinstance(pk[0].type, Integer):
            continue
        seq = conn.scalar(
            text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": table.name, "c": pk[0].name}
        )
        if seq is None:
            continue
        top = conn.scalar(select(func.max(pk[0])))
        conn.execute(
            text("SELECT setval(:seq, :value, :called)"),
            {"seq": seq, "value": top or 1, "called": top is not None},
        )


def _restore_same_revision(
    engine: Engine, data: dict[str, Any], *, replace: bool
) -> dict[str, int]:
    with engine.begin() as conn:
        revision = database_revision(conn)
        tables = _tables(conn, revision)
        held = {k: v for k, v in _row_counts(conn, tables).items() if v}
        if held and not replace:
            raise BackupError(
                "the target database already holds data ("
                + ", ".join(f"{k}: {v}" for k, v in sorted(held.items())[:5])
                + "); restore into an empty database or pass --replace to clear it first",
                field="database",
            )
        _clear(conn, tables)
        counts = _insert(conn, tables, data)
        _reset_sequences(conn, tables)
    return counts


def _migrated(data: dict[str, Any]) -> dict[str, Any]:
    """An older backup brought to the newest schema: restored into a temporary SQLite
    database at its own revision, upgraded with the migrations, dumped again."""
    from muster.migrate import upgrade

    with tempfile.TemporaryDirectory(prefix="muster-restore-") as folder:
        url = f"sqlite:///{Path(folder) / 'old.db'}"
        upgrade(url, data["revision"])
        engine = make_engine(url)
        try:
            with engine.begin() as conn:
                tables = _tables(conn, data["revision"])
                _insert(conn, tables, data)
            upgrade(url)
            return dump(engine)
        finally:
            engine.dispose()


def restore(url: str, path: Path, *, replace: bool = False) -> dict[str, Any]:
    """Restore the backup at `path` into the database at `url` (schema created or brought
    to the newest revision first). All or nothing. Returns what was done."""
    from muster.migrate import upgrade

    data = read(path)
    revision = data.get("revision")
    head = _head()
    if not isinstance(revision, str) or not _known(revision):
        raise BackupError(
            f"{path} was made by a newer Muster (schema revision {revision!r}); this Muster's "
            f"newest schema is {head!r}. Upgrade Muster, then restore.",
            field="revision",
        )
    upgrade(url)
    migrated = revision != head
    if migrated:
        data = _migrated(data)
    engine = make_engine(url)
    try:
        counts = _restore_same_revision(engine, data, replace=replace)
    finally:
        engine.dispose()
    return {"revision": revision, "head": head, "migrated": migrated, "rows": counts}
