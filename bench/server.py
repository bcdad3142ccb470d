"""The API as its own process (`laborbridge serve` on 127.0.0.1), started and stopped by the bench."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType

import httpx

from app.config import ROOT
from tests.support.pgcluster import free_port


class ApiServer:
    """`laborbridge serve --no-access-log` with its own database and key; a context manager."""

    def __init__(self, database_url: str, pii_key: str, data_dir: Path, workers: int = 1) -> None:
        self.database_url, self.pii_key, self.data_dir, self.workers = database_url, pii_key, data_dir, workers
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = data_dir / f"uvicorn-{self.port}.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def command(self) -> list[str]:
        script = Path(sys.executable).parent / "laborbridge"
        head = [str(script)] if script.exists() else [sys.executable, "-m", "app.cli"]
        return [*head, "serve", "--host", "127.0.0.1", "--port", str(self.port), "--workers", str(self.workers),
                "--no-access-log"]  # fmt: skip

    def start(self, timeout: float = 60) -> "ApiServer":
        env = dict(os.environ, LB_DATABASE_URL=self.database_url, LB_PII_KEY=self.pii_key,
                   LB_DATA_DIR=str(self.data_dir), LB_ENVIRONMENT="development", LB_SQL_ECHO="false")  # fmt: skip
        log = open(self.log_path, "wb")  # noqa: SIM115 - the child writes to it until stop()
        # Its own session, so stop() can signal the server and its worker processes, and nothing else.
        self.proc = subprocess.Popen(
            self.command(), cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"uvicorn exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"uvicorn did not answer /healthz within {timeout:.0f}s:\n{self.log_tail()}")

    def worker_pids(self) -> list[int]:
        """The processes that serve requests: the server itself, or its children when --workers > 1."""
        assert self.proc is not None
        if self.workers == 1:
            return [self.proc.pid]
        children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        pids = [int(p) for p in children.read_text().split()] if children.exists() else []
        return pids or [self.proc.pid]

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def error_tail(self, lines: int = 6) -> str:
        """The end of the last traceback in the server's log, if any."""
        log = self.log_tail(400).splitlines()
        starts = [i for i, line in enumerate(log) if line.startswith("Traceback")]
        return "\n".join(log[starts[-1] :][-lines:]) if starts else ""

    def __enter__(self) -> "ApiServer":
        return self.start()

    def __exit__(self, *exc: object | TracebackType) -> None:
        self.stop()
