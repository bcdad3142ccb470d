"""Reads: GET /api/v1/workers/{id} at fixed concurrency against `laborbridge serve`, with wrk or a Python fallback."""

import asyncio
import json
import os
import random
import re
import resource
import shutil
import subprocess
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, insert, select

from app.db import Database
from app.pii import vault_for
from app.workers.models import Worker
from bench.data import BENCH_PII_KEY, generate_workers, make_county_office, prepared_columns
from bench.server import ApiServer

LUA_SCRIPT = Path(__file__).with_name("path.lua")  # random ids in a path from LB_BENCH_PATH
INSTALL_WRK = "apt-get install -y wrk"
WARMUP_SECONDS = 2


@dataclass
class ReadFigures:
    server_workers: int
    tool: str
    connections: int
    seconds: float
    requests: int
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    p90_ms: float | None = None
    max_ms: float | None = None
    errors: int = 0
    non_2xx: int = 0
    # Where the machine's CPU went during the run (in cores): the server, the load generator, everything else.
    server_cpu_cores: float | None = None
    server_cpu_ms_per_request: float | None = None
    loadgen_cpu_cores: float | None = None
    other_cpu_cores: float | None = None

    def line(self) -> str:
        bad = (
            f", {self.non_2xx:,} non-2xx, {self.errors:,} socket errors/timeouts" if self.errors or self.non_2xx else ""
        )
        cpu = ""
        if self.server_cpu_cores is not None and self.server_cpu_ms_per_request is not None:
            cpu = (
                f"\n    CPU: server {self.server_cpu_cores:.2f} cores ({self.server_cpu_ms_per_request:.2f} ms/req), "
                f"load generator {self.loadgen_cpu_cores:.2f}, other processes {self.other_cpu_cores:.2f} "
                f"(of {os.cpu_count()} cores)"
            )
        return (
            f"reads/sqlite uvicorn --workers {self.server_workers}: {self.requests_per_s:,.0f} req/s, "
            f"p50 {self.p50_ms:.1f} ms, p99 {self.p99_ms:.1f} ms "
            f"({self.requests:,} requests, {self.connections} connections, {self.seconds:.0f}s, {self.tool}{bad}){cpu}"
        )

    def as_dict(self) -> dict[str, Any]:
        return {k: (round(v, 3) if isinstance(v, float) else v) for k, v in asdict(self).items()}


class CpuMeter:
    """CPU seconds of the server's processes, of this process with its reaped children, and of the whole machine."""

    def __init__(self, server_pids: list[int]) -> None:
        self.pids = sorted(set(server_pids))
        self.tick = os.sysconf("SC_CLK_TCK")

    def _server(self) -> float:
        total = 0
        for pid in self.pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])  # utime + stime
        return total / self.tick

    @staticmethod
    def _ours() -> float:
        own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime

    def _machine(self) -> float:
        values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
        return (sum(values) - values[3] - values[4]) / self.tick  # everything but idle and iowait

    def read(self) -> tuple[float, float, float, float]:
        return time.monotonic(), self._server(), self._ours(), self._machine()

    @staticmethod
    def cores(before: tuple[float, ...], after: tuple[float, ...]) -> dict[str, float]:
        elapsed = after[0] - before[0]
        server, ours, machine = (after[i] - before[i] for i in (1, 2, 3))
        return {
            "server_cpu_cores": server / elapsed,
            "loadgen_cpu_cores": ours / elapsed,
            "other_cpu_cores": max(0.0, machine - server - ours) / elapsed,
        }


def populate(url: str, count: int) -> tuple[str, int, int]:
    """`count` workers of one county office via one Core insert; returns its key and the id range."""
    org_id, key = make_county_office(url)
    columns = prepared_columns(generate_workers(count, seed=11), org_id, vault_for(BENCH_PII_KEY))
    db = Database(url)
    try:
        with db.session() as session, session.begin():
            for start in range(0, len(columns), 5000):
                session.execute(insert(Worker), columns[start : start + 5000])
        with db.session(write=False) as session:
            lo, hi = session.execute(select(func.min(Worker.id), func.max(Worker.id))).one()
    finally:
        db.dispose()
    return key, int(lo), int(hi)


def wrk_version() -> str | None:
    if shutil.which("wrk") is None:
        return None
    out = subprocess.run(["wrk", "--version"], capture_output=True, text=True, check=False)
    match = re.search(r"wrk\s+(\S+)", out.stdout + out.stderr)
    return f"wrk {match.group(1)}" if match else "wrk"


def wrk_json(
    base_url: str, key: str, path: str, lo: int, hi: int, seconds: float, connections: int, timeout: str = "5s"
) -> dict[str, Any]:
    """wrk -t1 (leaves the second core to the server) on `path` with ids in [lo, hi]; the Lua script's JSON line."""
    env = dict(os.environ, LB_BENCH_KEY=key, LB_BENCH_PATH=path, LB_BENCH_MIN_ID=str(lo), LB_BENCH_MAX_ID=str(hi))
    cmd = ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency", "--timeout", timeout,
           "-s", str(LUA_SCRIPT), base_url]  # fmt: skip
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=seconds + 60, check=False)
    match = re.search(r"^BENCH_JSON (\{.*\})$", out.stdout, re.MULTILINE)
    if out.returncode != 0 or match is None:
        raise RuntimeError(f"wrk failed ({out.returncode}): {out.stdout[-800:]} {out.stderr[-800:]}")
    result: dict[str, Any] = json.loads(match.group(1))
    return result


def run_wrk(base_url: str, key: str, lo: int, hi: int, seconds: float, connections: int) -> dict[str, Any]:
    """GET /api/v1/workers/{id} under wrk."""
    raw = wrk_json(base_url, key, "/api/v1/workers/{id}", lo, hi, seconds, connections)
    return {
        "requests": raw["requests"],
        "seconds": raw["duration_us"] / 1e6,
        "p50_ms": raw["p50_us"] / 1000,
        "p90_ms": raw["p90_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "max_ms": raw["max_us"] / 1000,
        "non_2xx": raw["non_2xx"],
        "errors": raw["errors"],  # connect + read + write + timeout, summed by the script
    }


def run_python(base_url: str, key: str, lo: int, hi: int, seconds: float, connections: int) -> dict[str, Any]:
    """Fallback: `connections` httpx tasks in one asyncio loop, one request in flight each, until time is up."""

    async def main() -> tuple[list[float], int, int, float]:
        latencies: list[float] = []
        counts = {"non_2xx": 0, "errors": 0}
        limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
        headers = {"Authorization": f"Bearer {key}"}
        async with httpx.AsyncClient(base_url=base_url, headers=headers, limits=limits, timeout=5) as client:
            start = time.perf_counter()
            deadline = start + seconds

            async def user() -> None:
                rng = random.Random()
                while time.perf_counter() < deadline:
                    sent = time.perf_counter()
                    try:
                        resp = await client.get(f"/api/v1/workers/{rng.randint(lo, hi)}")
                    except httpx.HTTPError:
                        counts["errors"] += 1
                        continue
                    latencies.append(time.perf_counter() - sent)
                    if resp.status_code != 200:
                        counts["non_2xx"] += 1

            await asyncio.gather(*(user() for _ in range(connections)))
            return latencies, counts["non_2xx"], counts["errors"], time.perf_counter() - start

    latencies, non_2xx, errors, elapsed = asyncio.run(main())
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))] * 1000 if latencies else float("nan")

    return {
        "requests": len(latencies),
        "seconds": elapsed,
        "p50_ms": pct(50),
        "p90_ms": pct(90),
        "p99_ms": pct(99),
        "max_ms": latencies[-1] * 1000 if latencies else float("nan"),
        "non_2xx": non_2xx,
        "errors": errors,
    }


def run_reads(
    url: str, workdir: Path, seconds: float, connections: int = 32, worker_counts: tuple[int, ...] = (1, 2),
    population: int = 10_000, log: Any = print,
) -> tuple[str, list[ReadFigures]]:  # fmt: skip
    """Populate once, then one server per worker count, warmed up, measured for `seconds`."""
    key, lo, hi = populate(url, population)
    tool = wrk_version()
    if tool is None:
        log(f"wrk not found: install it with `{INSTALL_WRK}` (Debian); falling back to a Python httpx load generator")
        tool, load = "python httpx asyncio (fallback)", run_python
    else:
        load = run_wrk
    results = []
    for count in worker_counts:
        with ApiServer(url, BENCH_PII_KEY, workdir, workers=count) as server:
            check = httpx.get(f"{server.url}/api/v1/workers/{lo}", headers={"Authorization": f"Bearer {key}"})
            if check.status_code != 200:
                raise RuntimeError(f"GET /api/v1/workers/{lo} answered {check.status_code}: {check.text[:300]}")
            load(server.url, key, lo, hi, WARMUP_SECONDS, connections)
            meter = CpuMeter([server.proc.pid, *server.worker_pids()] if server.proc else [])
            before = meter.read()
            got = load(server.url, key, lo, hi, seconds, connections)
            cpu = meter.cores(before, meter.read())
        figures = ReadFigures(
            server_workers=count,
            tool=tool,
            connections=connections,
            requests_per_s=got["requests"] / got["seconds"],
            **got,
            **cpu,
        )
        if figures.requests:
            figures.server_cpu_ms_per_request = cpu["server_cpu_cores"] * got["seconds"] / figures.requests * 1000
        results.append(figures)
        log(results[-1].line())
    return tool, results
