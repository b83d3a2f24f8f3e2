"""`muster guarantees` as a user runs it: real processes on a fresh SQLite database."""

from __future__ import annotations

import os
import subprocess
import sys

import openpyxl
import pytest

MUSTER = [sys.executable, "-m", "muster"]


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    folder = tmp_path_factory.mktemp("gcli")
    e = {
        **os.environ,
        "MUSTER_DATABASE_URL": f"sqlite:///{folder / 'cli.db'}",
        "MUSTER_DEMO_ADMIN_PASSWORD": "cli-password-1",
        "MUSTER_SECRET_KEY": "k",
        "COLUMNS": "160",
    }
    e.pop("MUSTER_TEST_DATABASE_URL", None)
    run(["init"], e, folder)
    run(["demo"], e, folder)
    return e, folder


def run(args, env, cwd, ok=True):
    p = subprocess.run(
        [*MUSTER, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=120
    )
    if ok:
        assert p.returncode == 0, p.stdout + p.stderr
    return p


def test_source_prints_the_table_and_writes_xlsx(env):
    e, folder = env
    target = folder / "sourcing.xlsx"
    args = ["guarantees", "source", "--scenario", "Ceasefire next month", "--week", "2027-02-01"]
    out = run([*args, "--xlsx", str(target)], e, folder).stdout
    assert "ceasefire" in out and "fill 45.3 %" in out
    assert "infantry_battalion" in out and "western_non_combat" in out
    assert "2 battalions, 2 batteries, 2,080 personnel" in out
    book = openpyxl.load_workbook(target)
    rows = list(book["requirements"].iter_rows(values_only=True))
    assert len(rows) == 11
    fighters = next(r for r in rows if r[2] == "fighter_squadron")
    assert fighters[8] == 4  # shortfall


def test_what_if_names_the_us_backstop(env):
    e, folder = env
    args = ["guarantees", "what-if", "--scenario", "Ceasefire next month", "--week", "2027-02-01"]
    out = run(args, e, folder).stdout
    assert "us_backstop would unlock 1 battalion and 2 squadrons (DK, NL, SE)" in out
    assert "gain" in out and "(≤" not in out  # the demo's re-solves are proven, no bound shown


def test_errors_are_one_line(env):
    e, folder = env
    p = run(["guarantees", "source", "--scenario", "Nowhere"], e, folder, ok=False)
    assert p.returncode == 1 and "no scenario named 'Nowhere'" in p.stderr
    assert "Traceback" not in p.stderr
    p = run(["guarantees", "source", "--week", "someday"], e, folder, ok=False)
    assert p.returncode == 1 and "not a date" in p.stderr
    p = run(["guarantees", "source", "--basis", "hoped"], e, folder, ok=False)
    assert p.returncode == 1 and "basis" in p.stderr and "Traceback" not in p.stderr
