"""`muster backup` / `muster restore`: every row of every table, with the schema revision.

Round trips (dump, restore into a fresh database, dump again: identical) on SQLite, on
PostgreSQL and across them; refusals (non-empty target, newer schema); an older backup is
migrated on the way in.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from sqlalchemy import MetaData, func, insert, select
from sqlalchemy.orm import Session

from muster.audit import service as audit
from muster.audit.models import AuditEntry
from muster.db import make_engine
from muster.migrate import current_head, upgrade
from muster.models import Base
from muster.ops import backup as ops
from tests.conftest import create_pg_database, drop_pg_database
from tests.reliability.conftest import demo_database, drop


def _tables(data: dict) -> dict:
    return data["tables"]


def _dump(url: str) -> dict:
    engine = make_engine(url)
    try:
        return ops.dump(engine)
    finally:
        engine.dispose()


def _round_trip(source_url: str, target_url: str, tmp_path, name: str = "b.json.gz") -> dict:
    path = tmp_path / name
    counts = ops.backup(source_url, path)
    assert counts["pledges"] > 0 and counts["nations"] > 0 and counts["audit_log"] > 0
    result = ops.restore(target_url, path)
    assert not result["migrated"]
    assert result["rows"] == counts
    first, second = ops.read(path), _dump(target_url)
    assert first["revision"] == second["revision"] == current_head()
    assert _tables(first) == _tables(second)
    assert set(_tables(first)) == {t.name for t in Base.metadata.sorted_tables}
    return first


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("pg", marks=pytest.mark.pg)])
def test_round_trip_same_backend(kind, tmp_path, tmp_path_factory):
    source = demo_database(kind, tmp_path_factory)
    target = create_pg_database() if kind == "pg" else f"sqlite:///{tmp_path / 't.db'}"
    try:
        _round_trip(source, target, tmp_path)
        if kind == "pg":  # sequences moved past the restored ids: new rows get new ids
            engine = make_engine(target)
            with Session(engine) as session:
                top = session.scalar(select(func.max(AuditEntry.id)))
                audit.record(
                    db_session=session, actor="t", action="test", entity="backup", entity_id=None
                )
                session.commit()
                new = session.scalar(select(func.max(AuditEntry.id)))
            engine.dispose()
            assert new == top + 1
    finally:
        drop(kind, source)
        drop(kind, target)


@pytest.mark.pg
def test_sqlite_backup_restores_into_postgres(tmp_path, tmp_path_factory):
    source = demo_database("sqlite", tmp_path_factory)
    target = create_pg_database()
    try:
        _round_trip(source, target, tmp_path, name="cross.json")
    finally:
        drop_pg_database(target)


def test_restore_refuses_non_empty_target_unless_replace(tmp_path, sqlite_demo):
    path = tmp_path / "b.json"
    ops.backup(sqlite_demo, path)
    with pytest.raises(ops.BackupError, match="already holds data"):
        ops.restore(sqlite_demo, path)
    before = _dump(sqlite_demo)
    result = ops.restore(sqlite_demo, path, replace=True)
    assert sum(result["rows"].values()) > 0
    assert _tables(_dump(sqlite_demo)) == _tables(before)


def test_restore_refuses_a_newer_schema(tmp_path, sqlite_demo):
    path = tmp_path / "future.json"
    ops.backup(sqlite_demo, path)
    data = json.loads(path.read_text())
    data["revision"] = "9999_from_the_future"
    path.write_text(json.dumps(data))
    target = f"sqlite:///{tmp_path / 'empty.db'}"
    with pytest.raises(ops.BackupError, match="newer Muster"):
        ops.restore(target, path)


def test_restore_refuses_a_file_that_is_not_a_backup(tmp_path):
    path = tmp_path / "x.json"
    path.write_text('{"hello": 1}')
    with pytest.raises(ops.Invalid, match="not a Muster backup"):
        ops.restore(f"sqlite:///{tmp_path / 'e.db'}", path)


FLAGS = ("eu_member", "nato_member", "eea_efta", "eumam_contributor", "coalition_member")
FLAGS = (*FLAGS, "partner")


def test_older_backup_is_migrated(tmp_path):
    """A backup made at the first schema revision restores into the newest schema."""
    old = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(old, "0001")
    engine = make_engine(old)
    meta = MetaData()
    meta.reflect(bind=engine)
    with engine.begin() as conn:
        conn.execute(
            insert(meta.tables["nations"]),
            [
                {"id": i, "code": code, "name": name, "version": 1, **dict.fromkeys(FLAGS, True)}
                for i, code, name in ((1, "LV", "Latvia"), (2, "EE", "Estonia"))
            ],
        )
    engine.dispose()
    path = tmp_path / "old.json"
    ops.backup(old, path)
    assert ops.read(path)["revision"] == "0001"
    target = f"sqlite:///{tmp_path / 'new.db'}"
    result = ops.restore(target, path)
    assert result["migrated"] and result["head"] == current_head()
    engine = make_engine(target)
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Base.metadata.tables["nations"])) == 2
        assert ops.database_revision(conn) == current_head()
    engine.dispose()


def test_cli_backup_and_restore(tmp_path, sqlite_demo):
    env = {**os.environ, "MUSTER_SECRET_KEY": "k"}
    env.pop("MUSTER_TEST_DATABASE_URL", None)
    path = tmp_path / "cli.json.gz"

    def muster(*args, url):
        return subprocess.run(
            [sys.executable, "-m", "muster", *args],
            env={**env, "MUSTER_DATABASE_URL": url},
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )

    done = muster("backup", str(path), url=sqlite_demo)
    assert done.returncode == 0, done.stderr
    assert "rows of" in done.stdout
    target = f"sqlite:///{tmp_path / 'restored.db'}"
    done = muster("restore", str(path), url=target)
    assert done.returncode == 0, done.stderr
    again = muster("restore", str(path), url=target)
    assert again.returncode == 1 and "already holds data" in again.stderr
    assert "Traceback" not in again.stderr
    assert _tables(_dump(target)) == _tables(ops.read(path))
