"""The app behind a real HTTP server (uvicorn in its own process), driven over loopback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import httpx
import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("server")
    env = {
        **os.environ,
        "MUSTER_DATABASE_URL": f"sqlite:///{folder / 's.db'}",
        "MUSTER_DEMO_ADMIN_PASSWORD": "server-password-1",
        "MUSTER_SECRET_KEY": "k",
    }
    subprocess.run(
        [sys.executable, "-m", "muster", "demo"],
        env=env,
        cwd=folder,
        check=True,
        capture_output=True,
        timeout=120,
    )
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "muster", "serve", "--port", str(port)],
        env=env,
        cwd=folder,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail("server did not start: " + proc.stdout.read().decode()[-2000:])
    yield base
    proc.terminate()
    proc.wait(timeout=20)


def test_login_create_and_conflict_over_http(server):
    with httpx.Client(base_url=server, timeout=10) as http:
        r = http.post(
            "/api/v1/auth/token", json={"username": "latvia", "password": "server-password-1"}
        )
        assert r.status_code == 200
        h = {"Authorization": f"Bearer {r.json()['token']}"}
        r = http.post(
            "/api/v1/pledges",
            headers=h,
            json={
                "nation": "LV",
                "course_category": "drones",
                "instructors": 5,
                "week_from": "2027-01-04",
                "week_to": "2027-03-29",
            },
        )
        assert r.status_code == 201
        pledge = r.json()
        ok = http.patch(
            f"/api/v1/pledges/{pledge['id']}", headers=h, json={"version": 1, "instructors": 6}
        )
        stale = http.patch(
            f"/api/v1/pledges/{pledge['id']}", headers=h, json={"version": 1, "instructors": 7}
        )
        assert ok.status_code == 200 and stale.status_code == 409
        assert http.get(f"/api/v1/pledges/{pledge['id']}", headers=h).json()["instructors"] == 6
        assert http.get("/docs").status_code == 200
        assert http.get("/api/v1/openapi.json").json()["info"]["title"] == "Muster"
