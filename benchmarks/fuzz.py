"""Long schemathesis run over every API operation (the suite runs a bounded version).

    python benchmarks/fuzz.py --examples 50 --backend pg --backend sqlite

For each backend: a fresh database with the demo data, the app driven in-process through
ASGI; every operation fuzzed with schema-valid (positive) and schema-invalid (negative)
input, as a planner and as a nation user, and with valid input as an observer (every write
must be 403). Checks: no 5xx, documented status codes and content types, responses match
their schema. Prints a table and writes JSON to benchmarks/results/; exits 1 on findings.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
import uuid
from pathlib import Path

from fastapi.testclient import TestClient
from schemathesis.generation.modes import GenerationMode
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.reliability.fuzzing import fuzz  # noqa: E402

from muster.app import create_app  # noqa: E402
from muster.config import Settings  # noqa: E402
from muster.db import make_engine  # noqa: E402
from muster.migrate import upgrade  # noqa: E402
from muster.reference import demo  # noqa: E402

PASSWORD = "fuzz-password-1"
DEFAULT_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def database(backend: str, server: str, folder: Path) -> tuple[str, callable]:
    if backend == "sqlite":
        url = f"sqlite:///{folder / f'fuzz-{uuid.uuid4().hex[:8]}.db'}"
        return url, lambda: None
    name = f"muster_fuzz_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()

    def drop() -> None:
        engine = create_engine(server, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()

    return make_url(server).set(database=name).render_as_string(hide_password=False), drop


def headers(app, username: str) -> dict[str, str]:
    with TestClient(app) as client:
        r = client.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
        r.raise_for_status()
        return {"Authorization": f"Bearer {r.json()['token']}"}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--examples", type=int, default=50, help="Per operation and mode")
    ap.add_argument("--backend", action="append", choices=["sqlite", "pg"])
    ap.add_argument("--seed", type=int, default=None, help="Fixed seed (default: random)")
    ap.add_argument("--server", default=os.environ.get("MUSTER_TEST_DATABASE_URL", DEFAULT_SERVER))
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    args = ap.parse_args()
    logging.getLogger("muster").setLevel(logging.CRITICAL)  # the findings say it all
    args.out.mkdir(parents=True, exist_ok=True)
    reports = []
    for backend in args.backend or ["pg", "sqlite"]:
        url, drop = database(backend, args.server, args.out)
        try:
            upgrade(url)
            engine = make_engine(url)
            with Session(engine) as session:
                demo.load(session, password=PASSWORD)
            engine.dispose()
            app = create_app(Settings(database_url=url, secret_key="fuzz", run_jobs=False))
            runs = (
                ("planner", (GenerationMode.POSITIVE, GenerationMode.NEGATIVE), False),
                ("latvia", (GenerationMode.POSITIVE, GenerationMode.NEGATIVE), False),
                ("observer", (GenerationMode.POSITIVE,), True),
            )
            for user, modes, observer in runs:
                report = fuzz(
                    app,
                    headers(app, user),
                    user=user,
                    examples=args.examples,
                    modes=modes,
                    observer=observer,
                    seed=args.seed,
                )
                row = {"backend": backend, **report.as_dict()}
                reports.append(row)
                print(
                    f"{backend:6} {user:9} operations {report.operations:4d} examples "
                    f"{report.examples:6d} findings {len(report.findings):3d} "
                    f"{report.seconds:7.1f} s  statuses {row['statuses']}",
                    flush=True,
                )
                for finding in report.findings:
                    print(f"    {finding}")
        finally:
            if url.startswith("sqlite"):
                Path(url.split("///", 1)[1]).unlink(missing_ok=True)
            drop()
    path = args.out / f"fuzz-{time.strftime('%Y%m%dT%H%M%S')}.json"
    path.write_text(
        json.dumps({"command": " ".join(sys.argv), "runs": reports}, indent=2, default=str)
    )
    print(f"written {path}")
    return 1 if any(r["findings"] for r in reports) else 0


if __name__ == "__main__":
    sys.exit(main())
