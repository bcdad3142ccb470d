"""Profile the /matches and /candidates service calls in-process over the bench's 100k-vacancy SQLite database.

`python -m bench.profile_matches DB_DIR [--requests N]`: builds DB_DIR/matches.db once (the same data as
`bench --only matches`), then times N service calls per route and prints a pyinstrument profile of them
(`pip install pyinstrument`; without it only the timings are printed).
"""

import argparse
import json
import random
import time
from pathlib import Path

import numpy as np

from app.config import Settings
from app.db import Database
from app.matching import service
from app.orgs.service import authenticate
from app.pii import vault_for
from bench.data import BENCH_PII_KEY


def build(workdir: Path) -> dict[str, object]:
    """The database and the keys, made once and remembered in DB_DIR/keys.json."""
    from bench.dbs import migrated_sqlite
    from bench.matches import populate_vacancies, store_ranker
    from bench.reads import populate

    meta = workdir / "keys.json"
    if meta.exists():
        return dict(json.loads(meta.read_text()))
    url = migrated_sqlite(workdir, "matches.db")
    county_key, w_lo, w_hi = populate(url, 50_000)
    employer_key, v_lo, v_hi = populate_vacancies(url, 100_000)
    store_ranker(url)
    keys = {"url": url, "county_key": county_key, "w": [w_lo, w_hi], "employer_key": employer_key, "v": [v_lo, v_hi]}
    meta.write_text(json.dumps(keys))
    return keys


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("workdir", type=Path)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--route", choices=["matches", "candidates"], default="matches")
    parser.add_argument("--no-profile", action="store_true")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    keys = build(args.workdir)
    settings = Settings(database_url=str(keys["url"]), pii_key=BENCH_PII_KEY)
    db, vault = Database(settings.database_url), vault_for(BENCH_PII_KEY)
    matcher = service.Matcher(settings, db=db)
    rng = random.Random(0)
    key = str(keys["county_key"] if args.route == "matches" else keys["employer_key"])
    lo, hi = keys["w"] if args.route == "matches" else keys["v"]  # type: ignore[misc]

    def call() -> None:
        with db.session(write=False) as session:
            principal = authenticate(session, key)
            assert principal is not None
            target = rng.randint(int(lo), int(hi))
            if args.route == "matches":
                service.matches(session, principal, matcher, vault, target, 10)
            else:
                service.candidates(session, principal, matcher, vault, target, 10)

    started = time.perf_counter()
    call()  # cold: loads models and the board / pool
    print(f"first call {1000 * (time.perf_counter() - started):.0f} ms", flush=True)
    profiler = None
    if not args.no_profile:
        try:
            from pyinstrument import Profiler

            profiler = Profiler(interval=0.0005)
            profiler.start()
        except ImportError:
            print("pyinstrument not installed: timings only")
    times = []
    for _ in range(args.requests):
        t = time.perf_counter()
        call()
        times.append(time.perf_counter() - t)
    if profiler is not None:
        profiler.stop()
        print(profiler.output_text(unicode=False, color=False, show_all=False))
    ms = np.array(times) * 1000
    print(f"{args.route}: n={len(ms)} p50 {np.percentile(ms, 50):.1f} ms p90 {np.percentile(ms, 90):.1f} ms "
          f"p99 {np.percentile(ms, 99):.1f} ms max {ms.max():.1f} ms")  # fmt: skip


if __name__ == "__main__":
    main()
