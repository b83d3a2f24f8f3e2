"""A real Muster server (uvicorn in its own process) for the tests and benchmarks."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`muster serve` on a free loopback port against `url`; `kill()` is SIGKILL."""

    def __init__(self, url: str, *, workers: int = 1, cwd: Path | None = None, **env: str):
        self.url = url
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        environment = {
            **os.environ,
            "MUSTER_DATABASE_URL": url,
            "MUSTER_SECRET_KEY": "reliability",
            "MUSTER_LOG_LEVEL": "WARNING",
            **env,
        }
        environment.pop("MUSTER_TEST_DATABASE_URL", None)
        self.log = open(  # noqa: SIM115 - closed in stop()
            (cwd or Path("/tmp")) / f"muster-server-{self.port}.log", "wb"
        )
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "muster",
                "serve",
                "--port",
                str(self.port),
                "--workers",
                str(workers),
            ],
            env=environment,
            cwd=cwd or ROOT,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self._wait_ready()

    def _wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}: {self.tail()}")
            try:
                if httpx.get(f"{self.base}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError("server did not start: " + self.tail())

    def tail(self) -> str:
        self.log.flush()
        return Path(self.log.name).read_bytes()[-3000:].decode(errors="replace")

    def cpu_seconds(self) -> float:
        """User + system CPU time of the server process so far (Linux /proc)."""
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def kill(self) -> None:
        """SIGKILL the whole server (its process group): no shutdown, no cleanup."""
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)
        self.log.close()

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        if not self.log.closed:
            self.log.close()

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def token(base: str, username: str, password: str) -> str:
    r = httpx.post(
        f"{base}/api/v1/auth/token",
        json={"username": username, "password": password},
        timeout=30,
    )
    r.raise_for_status()
    return r.json()["token"]
