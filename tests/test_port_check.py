"""A taken port is reported at once, with the way out, by `make run` and by `laborbridge serve`."""

import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.config import ROOT


@pytest.fixture
def taken_port() -> Iterator[int]:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        yield listener.getsockname()[1]


def _env(port: int, tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "LB_PORT": str(port), "LB_HOST": "127.0.0.1", "LB_DATA_DIR": str(tmp_path / "var")}


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_make_run_stops_before_any_set_up(taken_port, tmp_path):
    # VENV points away from the tree: were the check missing, set-up would start there, and time out.
    cmd = ["make", "-s", "-C", str(ROOT), "run", f"VENV={tmp_path / 'venv'}", f"PYTHON={sys.executable}"]
    out = subprocess.run(cmd, env=_env(taken_port, tmp_path), capture_output=True, text=True, timeout=60)
    assert out.returncode != 0
    assert f"port {taken_port} in use; choose another: LB_PORT={taken_port + 1} make run" in out.stderr
    assert "==>" not in out.stdout and not (tmp_path / "venv").exists()


def test_serve_refuses_a_taken_port_with_advice(taken_port, tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "app.cli", "serve"],
        cwd=ROOT,
        env={**_env(taken_port, tmp_path), "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 1
    assert f"port {taken_port} in use; choose another: LB_PORT={taken_port + 1}" in out.stderr
    assert "address already in use" not in out.stderr.lower()


def test_a_free_port_passes(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    out = subprocess.run(
        [sys.executable, str(ROOT / "app" / "portcheck.py")], env=_env(port, tmp_path), capture_output=True, text=True
    )
    assert out.returncode == 0 and out.stderr == ""
