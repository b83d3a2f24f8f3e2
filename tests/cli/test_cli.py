"""The command line as a user runs it: real processes on a fresh SQLite database."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest

MUSTER = [sys.executable, "-m", "muster"]


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli")
    e = {
        **os.environ,
        "MUSTER_DATABASE_URL": f"sqlite:///{folder / 'cli.db'}",
        "MUSTER_DEMO_ADMIN_PASSWORD": "cli-password-1",
        "MUSTER_SECRET_KEY": "k",
    }
    e.pop("MUSTER_TEST_DATABASE_URL", None)
    run(["init"], e, cwd=folder)
    run(["demo"], e, cwd=folder)
    return e, folder


def run(args, env, cwd, ok=True):
    p = subprocess.run(
        [*MUSTER, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=120
    )
    if ok:
        assert p.returncode == 0, p.stdout + p.stderr
    return p


def test_help_lists_commands(env):
    e, folder = env
    out = run(["--help"], e, folder).stdout
    for command in ("init", "demo", "serve", "user", "import", "export"):
        assert command in out


def test_demo_refuses_to_overwrite_without_reset(env):
    e, folder = env
    p = run(["demo"], e, folder, ok=False)
    assert p.returncode == 1
    assert "--reset" in p.stderr
    assert "Traceback" not in p.stderr


def test_import_reports_line_numbers_and_writes_nothing(env):
    e, folder = env
    bad = folder / "bad.csv"
    bad.write_text(
        "nation,course_category,instructors,week_from,week_to\n"
        "LV,drones,2,2027-01-04,2027-02-01\n"
        "LV,drones,0,2027-01-04,2027-02-01\n"
        "LV,nosuch,2,2027-01-04,2027-02-01\n"
    )
    before = run(["export", "pledges", str(folder / "before.csv")], e, folder)
    assert before.returncode == 0
    p = run(["import", "pledges", str(bad)], e, folder, ok=False)
    assert p.returncode == 1
    assert "line 3, field instructors" in p.stderr
    assert "line 4, field course_category" in p.stderr
    assert "Traceback" not in p.stderr
    run(["export", "pledges", str(folder / "after.csv")], e, folder)
    assert (folder / "before.csv").read_text() == (folder / "after.csv").read_text()


def test_import_as_nation_user_is_scoped(env):
    e, folder = env
    f = folder / "ee.csv"
    f.write_text(
        "nation,course_category,instructors,week_from,week_to\nEE,drones,2,2027-01-04,2027-02-01\n"
    )
    p = run(["import", "pledges", str(f), "--as", "latvia"], e, folder, ok=False)
    assert p.returncode == 1 and "line 2, field nation" in p.stderr
    p = run(["import", "pledges", str(f), "--as", "estonia"], e, folder)
    assert "1 pledges imported" in p.stdout


def test_export_xlsx_and_reimport(env):
    e, folder = env
    target = folder / "needs.xlsx"
    run(["export", "needs", str(target)], e, folder)
    assert target.stat().st_size > 0
    p = run(["import", "needs", str(target)], e, folder)
    assert "16 needs imported" in p.stdout


def test_users_and_tokens(env):
    e, folder = env
    run(
        [
            "user",
            "add",
            "nlrep",
            "--role",
            "nation",
            "--nation",
            "NL",
            "--password",
            "long-password-1",
        ],
        e,
        folder,
    )
    listing = run(["user", "list"], e, folder).stdout
    assert "nlrep" in listing
    token = run(["user", "token", "nlrep"], e, folder).stdout.strip()
    assert token.startswith("mst_")
    p = run(
        ["user", "add", "bad", "--role", "nation", "--password", "long-password-1"],
        e,
        folder,
        ok=False,
    )
    assert p.returncode == 1 and "nation" in p.stderr
    p = run(["user", "disable", "nlrep"], e, folder)
    assert "1 token(s) revoked" in p.stdout


def test_missing_file_is_a_clear_error(env):
    e, folder = env
    p = run(["import", "pledges", str(Path(folder) / "nope.csv")], e, folder, ok=False)
    assert p.returncode != 0 and "Traceback" not in p.stderr


def test_plan_command_solves_and_approves(env):
    e, folder = env
    p = run(
        [
            "plan",
            "--scenario",
            "Ceasefire next month",
            "--start",
            "2026-11-30",
            "--weeks",
            "30",
            "--time-limit",
            "3",
            "--deterministic",
            "--approve",
        ],
        e,
        folder,
    )
    assert "summary" in p.stdout and "approved" in p.stdout
    assert "violations" in p.stdout
    p = run(["plan", "--scenario", "No such scenario"], e, folder, ok=False)
    assert p.returncode == 1 and "no scenario named" in p.stderr
    assert "Traceback" not in p.stderr


def test_scenario_montecarlo_is_reproducible(env):
    e, folder = env
    a, b = folder / "a.json", folder / "b.json"
    run(["scenario", "montecarlo", "--draws", "3000", "--seed", "5", "-o", str(a)], e, folder)
    run(["scenario", "montecarlo", "--draws", "3000", "--seed", "5", "-o", str(b)], e, folder)
    import json

    ra, rb = json.loads(a.read_text()), json.loads(b.read_text())
    assert ra["summaries"] == rb["summaries"] and ra["seed"] == 5
    bad = folder / "bad.json"
    bad.write_text('{"horizon_weeks": -1}')
    p = run(["scenario", "montecarlo", "--config", str(bad)], e, folder, ok=False)
    assert p.returncode == 1 and "horizon_weeks" in p.stderr and "Traceback" not in p.stderr


def test_scenario_contingency_and_proposals(env):
    e, folder = env
    p = run(
        [
            "scenario",
            "contingency",
            (dt.date.today() + dt.timedelta(weeks=6)).isoformat(),
            "--scenario",
            "Reality",
            "--weeks",
            "30",
            "--time-limit",
            "2",
        ],
        e,
        folder,
    )
    assert "first in-country cohort" in p.stdout
    p = run(["scenario", "proposals"], e, folder)
    assert "trigger" in p.stdout


def test_procurement_commands(env):
    e, folder = env
    p = run(["procurement", "board", "--today", "2025-11-25"], e, folder)
    assert "overdue" in p.stdout
    target = folder / "lv.xlsx"
    run(["procurement", "schedule", "LV", "--rate", "0.03", "--xlsx", str(target)], e, folder)
    import openpyxl

    sheet = openpyxl.load_workbook(target).active
    principal = sum(row[4].value for row in sheet.iter_rows(min_row=2))
    assert principal == 5_680_431_322 * 100
    p = run(["procurement", "schedule", "LV", "--rate", "abc"], e, folder, ok=False)
    assert p.returncode == 1 and "not a number" in p.stderr
    p = run(["procurement", "aggregate", "--time-limit", "5"], {**e, "COLUMNS": "200"}, folder)
    assert "national" in p.stdout and "greedy" in p.stdout
    # the optimizer's row carries its proven bound; the demo is small enough to close the gap
    (optimizer,) = [line for line in p.stdout.splitlines() if "optimizer" in line]
    assert "0.00 %" in optimizer


def test_scenario_positions_list_set_blockers(env):
    e, folder = env
    e = {**e, "COLUMNS": "200"}
    out = run(["scenario", "positions", "list"], e, folder).stdout
    assert "LV" in out and "EE" in out and "support_with_conditions" in out
    out = run(["scenario", "positions", "blockers", "--week", "2026-11-30"], e, folder).stdout
    assert "does not hold" in out and "27 of 27 member states block" in out
    assert "no recorded position (blocks):" in out and "HU" in out
    # Latvia may record its own position, not Estonia's; a non-member cannot have one
    p = run(
        ["scenario", "positions", "set", "EE", "oppose", "--source", "x", "--as", "latvia"],
        e,
        folder,
        ok=False,
    )
    assert p.returncode == 1 and "may only change rows of LV" in p.stderr
    p = run(["scenario", "positions", "set", "NO", "support", "--source", "x"], e, folder, ok=False)
    assert p.returncode == 1 and "not an EU member state" in p.stderr
    p = run(["scenario", "positions", "set", "LV", "maybe", "--source", "x"], e, folder, ok=False)
    assert p.returncode == 1 and "unknown stance" in p.stderr
    # the demo's what-if flips Latvia; an override recorded here flips Hungary there
    what_if = "What-if: Latvia drops its condition"
    args = ["scenario", "positions", "blockers", "--week", "2026-12-07", "--scenario", what_if]
    out = run(args, e, folder).stdout
    assert "26 of 27 member states block" in out and "LV Latvia" not in out
    out = run(
        [
            "scenario",
            "positions",
            "set",
            "HU",
            "oppose",
            "--source",
            "ILLUSTRATIVE",
            "--date",
            "2026-11-30",
            "--scenario",
            what_if,
            "--as",
            "planner",
        ],
        e,
        folder,
    ).stdout
    assert "HU oppose (in scenario" in out
    out = run(args, e, folder).stdout
    assert "oppose (what-if)" in out and "not within 104 weeks" in out
    out = run(["scenario", "positions", "blockers", "--week", "2026-12-07"], e, folder).stdout
    assert "27 of 27 member states block" in out and "oppose" not in out  # reality unchanged
