"""The matcher at scale: batch top-20 wall time, and /matches and /candidates latency with 100,000 open vacancies.

Batch: synthetic frames (made here, not read from a database) with real county coordinates and CSCO codes; the
ranker is fitted on synthetic outcomes (its weights do not change the cost). HTTP: a fresh SQLite database
built by the migrations, workers and vacancies bulk-inserted into the app's own tables, a ranker stored as the
active artefact, `laborbridge serve` started, and wrk (or an httpx fallback) driving the two routes.
"""

import asyncio
import json
import random
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from sqlalchemy import func, insert, select

from app.artefacts import service as artefacts
from app.db import Database, utcnow
from app.orgs import service as orgs
from app.reference.models import Division
from app.vacancies.models import Vacancy
from bench.data import BENCH_PII_KEY, occupation_codes
from bench.reads import INSTALL_WRK, populate, wrk_json, wrk_version
from bench.server import ApiServer
from matching.features import pair_features
from matching.ranking import RetentionRanker, cross_pairs, top_k_batch
from tests.matching.test_ranking import PAIRS, make_vacancies, make_workers


def synthetic_ranker(rng: np.random.Generator) -> RetentionRanker:
    X = pair_features(cross_pairs(make_workers(60, rng), make_vacancies(40, rng), PAIRS))
    return RetentionRanker().fit(X, rng.random(len(X)) < 0.6)


def run_batch(workers: int = 100_000, vacancies: int = 100_000, k: int = 20) -> dict[str, Any]:
    """top_k_batch for `workers` x `vacancies` (one process), with the linear projection to a million workers."""
    rng = np.random.default_rng(0)
    ranker = synthetic_ranker(rng)
    w, v = make_workers(workers, rng), make_vacancies(vacancies, rng)
    v["headcount_left"] = 5
    started, cpu = time.perf_counter(), time.process_time()
    out = top_k_batch(w, v, ranker, k=k, pairs=PAIRS)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    return {
        "workers": workers,
        "vacancies": vacancies,
        "k": k,
        "rows": len(out),
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu_seconds, 2),
        "ms_per_worker": round(seconds / workers * 1000, 3),
        "projected_1m_workers_s": round(seconds / workers * 1_000_000, 1),
    }


# ------------------------------------------------------------------------------------------------ HTTP


def populate_vacancies(url: str, count: int, employers: int = 20, seed: int = 5) -> tuple[str, int, int]:
    """`count` open vacancies over `employers` employer orgs in real Guangdong/Guangxi counties, one Core insert
    per 10,000; returns the first employer's key and its vacancy id range (for /candidates)."""
    rng = random.Random(seed)
    codes = occupation_codes(200)
    db = Database(url)
    try:
        with db.session() as session, session.begin():
            counties = [
                c
                for c in session.scalars(
                    select(Division.code).where(Division.level == "county", Division.longitude.is_not(None))
                )
            ]
            keys, org_ids = [], []
            for i in range(employers):
                org, key = orgs.create_org(session, "employer", rng.choice(counties), f"bench employer {i}", [])
                keys.append(key)
                org_ids.append(org.id)
        now = utcnow()
        per = count // employers
        with db.session() as session, session.begin():
            rows = []
            for e, org_id in enumerate(org_ids):
                for j in range(per):
                    wage_min = rng.randrange(2500, 6000, 100)
                    rows.append(
                        {
                            "employer_org_id": org_id, "external_id": f"V-{e}-{j}", "title": "普工",
                            "occupation_code": rng.choice(codes) if rng.random() > 0.05 else None,
                            "county_code": rng.choice(counties), "headcount": rng.randint(1, 30),
                            "wage_min": wage_min, "wage_max": wage_min + rng.randrange(0, 3000, 100),
                            "housing": rng.random() < 0.6, "meals": rng.random() < 0.5,
                            "shift": rng.choice(("day", "two_shift", "three_shift")),
                            "contract_months": rng.choice((None, 6, 12, 24)), "min_age": rng.choice((16, 18)),
                            "max_age": rng.choice((None, 35, 45, 55)),
                            "education_min": rng.choice(("none", "primary", "junior_secondary")),
                            "start_date": (now + timedelta(days=rng.randint(0, 60))).date(), "status": "open",
                            "version": 1, "created_at": now, "updated_at": now,
                        }
                    )  # fmt: skip
                if len(rows) >= 10_000:
                    session.execute(insert(Vacancy), rows)
                    rows = []
            if rows:
                session.execute(insert(Vacancy), rows)
        with db.session(write=False) as session:
            lo, hi = session.execute(
                select(func.min(Vacancy.id), func.max(Vacancy.id)).where(Vacancy.employer_org_id == org_ids[0])
            ).one()
    finally:
        db.dispose()
    return keys[0], int(lo), int(hi)


def store_ranker(url: str) -> str:
    """A fitted ranker stored and activated the way `laborbridge train` stores one."""
    db = Database(url)
    try:
        with db.session() as session, session.begin():
            ranker = synthetic_ranker(np.random.default_rng(1))
            return artefacts.store(session, "ranker", ranker, {"kind": "ranker", "bench": True}, activate=True).version
    finally:
        db.dispose()


def run_wrk(base: str, key: str, path: str, lo: int, hi: int, seconds: float, connections: int) -> dict[str, Any]:
    raw = wrk_json(base, key, path, lo, hi, seconds, connections, timeout="10s")
    return {
        "requests": raw["requests"],
        "req_per_s": round(raw["requests"] / (raw["duration_us"] / 1e6), 1),
        "p50_ms": raw["p50_us"] / 1000,
        "p90_ms": raw["p90_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "max_ms": raw["max_us"] / 1000,
        "non_2xx": raw["non_2xx"],
        "errors": raw["errors"],
    }


def run_httpx(base: str, key: str, path: str, lo: int, hi: int, seconds: float, connections: int) -> dict[str, Any]:
    """Fallback without wrk: `connections` httpx tasks in one asyncio loop until the time is up."""

    async def main() -> tuple[list[float], int, float]:
        latencies: list[float] = []
        bad = [0]
        async with httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=10) as client:
            start = time.perf_counter()

            async def user() -> None:
                rng = random.Random()
                while time.perf_counter() < start + seconds:
                    sent = time.perf_counter()
                    resp = await client.get(path.replace("{id}", str(rng.randint(lo, hi))))
                    latencies.append(time.perf_counter() - sent)
                    bad[0] += resp.status_code != 200

            await asyncio.gather(*(user() for _ in range(connections)))
            return latencies, bad[0], time.perf_counter() - start

    latencies, bad, elapsed = asyncio.run(main())
    ms = np.sort(np.array(latencies)) * 1000
    return {
        "requests": len(ms),
        "req_per_s": round(len(ms) / elapsed, 1),
        "p50_ms": float(np.percentile(ms, 50)),
        "p90_ms": float(np.percentile(ms, 90)),
        "p99_ms": float(np.percentile(ms, 99)),
        "max_ms": float(ms[-1]),
        "non_2xx": bad,
        "errors": 0,
    }


def run_http(
    url: str,
    workdir: Path,
    seconds: float = 15,
    vacancies: int = 100_000,
    workers: int = 50_000,
    log: Any = print,
    server_workers: int = 1,
) -> dict[str, Any]:
    """Populate, store a ranker, serve with `server_workers` processes, warm up each route, then measure p50/p99."""
    started = time.perf_counter()
    county_key, w_lo, w_hi = populate(url, workers)
    employer_key, v_lo, v_hi = populate_vacancies(url, vacancies)
    version = store_ranker(url)
    log(f"matches/http: {workers:,} workers and {vacancies:,} open vacancies inserted in "
        f"{time.perf_counter() - started:.1f} s; ranker {version} active")  # fmt: skip
    tool = wrk_version()
    if tool is None:
        log(f"wrk not found: install it with `{INSTALL_WRK}` (Debian); using the slower Python httpx load generator")
        tool, load = "python httpx asyncio (fallback)", run_httpx
    else:
        load = run_wrk
    out: dict[str, Any] = {"tool": tool, "database": "sqlite", "open_vacancies": vacancies, "workers": workers,
                           "server_workers": server_workers}  # fmt: skip
    routes = {  # one connection: a request's own latency; eight: under load (one server process, 2 cores)
        "matches": (county_key, "/api/v1/workers/{id}/matches?limit=10", w_lo, w_hi, 1),
        "matches_8_connections": (county_key, "/api/v1/workers/{id}/matches?limit=10", w_lo, w_hi, 8),
        "candidates": (employer_key, "/api/v1/vacancies/{id}/candidates?limit=10", v_lo, v_hi, 1),
    }
    with ApiServer(url, BENCH_PII_KEY, workdir, workers=server_workers) as server:
        for name, (key, path, lo, hi, connections) in routes.items():
            first = time.perf_counter()
            resp = httpx.get(server.url + path.replace("{id}", str(lo)), headers={"Authorization": f"Bearer {key}"},
                             timeout=300)  # fmt: skip
            empty = name.startswith("matches") and not resp.json().get(
                "items"
            )  # a vacancy may rightly have no candidate
            if resp.status_code != 200 or empty or resp.json()["model"]["kind"] != "ranker":
                raise RuntimeError(f"{name} answered {resp.status_code}: {resp.text[:300]}\n{server.error_tail()}")
            cold = (time.perf_counter() - first) * 1000
            load(server.url, key, path, lo, hi, 2, connections)  # warm-up
            got = load(server.url, key, path, lo, hi, seconds, connections)
            out[name] = {"route": path, "connections": connections, "first_request_ms": round(cold, 1), **got}
            log(f"{name}: p50 {got['p50_ms']:.1f} ms, p99 {got['p99_ms']:.1f} ms, {got['req_per_s']:,.1f} req/s "
                f"({got['requests']:,} requests, {connections} connections, {tool}); first request "
                f"(loads and prepares the board / pool) {cold:,.0f} ms")  # fmt: skip
    return out


if __name__ == "__main__":
    import sys

    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    print(json.dumps(run_batch(n)), flush=True)
