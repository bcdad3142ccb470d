"""Print what the behavioural model produces, without a database: `python -m app.seed.measure --workers 100000`.

The tables in seed_data/README.md come from this command.
"""

import argparse
import json
from datetime import date

import numpy as np

from app.clock import today
from app.placements.schemas import END_REASONS
from app.seed import model
from app.seed.reference import load_reference
from app.seed.simulate import World, build_world
from matching.features import haversine_km


def _share(early: np.ndarray, mask: np.ndarray) -> str:
    n = int(mask.sum())
    return f"{early[mask].mean():.3f} (n={n:,})" if n else "-"


def breakdown(w: World) -> dict[str, dict[str, str]]:
    """90-day departure share (placements whose 90-day outcome is known) by channel and by each factor."""
    p, vac, people = w.placements, w.vacancies, w.workers
    known = p.start <= w.today - 90
    early = (p.end >= 0) & (p.end - p.start < 90)
    v, wk = p.vacancy, p.worker
    east = vac.east[v]
    ref = w.ref
    km = haversine_km(
        ref.lon[people.county[wk]],
        ref.lat[people.county[wk]],
        ref.lon[vac.county[v]],
        ref.lat[vac.county[v]],
    )
    gap = ((vac.wage_min[v] + vac.wage_max[v]) / 2 - people.expected_wage[wk]) / people.expected_wage[wk]
    # An earlier placement of the same worker that ended within 90 days (placements are sorted by start).
    order = np.lexsort((p.start, wk))
    prior = np.zeros(len(wk), dtype=bool)
    same = np.r_[False, wk[order][1:] == wk[order][:-1]]
    seen = np.zeros(len(wk), dtype=bool)
    flags = early[order]
    run = False
    for i in range(len(order)):  # measurement only: a plain loop keeps it obvious
        run = run if same[i] else False
        seen[i] = run
        run = run or bool(flags[i])
    prior[order] = seen
    shift = vac.shift[v]
    out: dict[str, dict[str, str]] = {}
    for label, scope in (("cross_region", known & east), ("local (Guangxi)", known & ~east)):
        rows = {
            "all": _share(early, scope),
            "home county": _share(early, scope & (vac.county[v] == people.county[wk])),
            "day / two / three shifts": " · ".join(_share(early, scope & (shift == s)) for s in range(3)),
            "no dormitory, > 150 km": _share(early, scope & ~vac.housing[v] & (km > model.FAR_KM)),
            "paired / not paired": f"{_share(early, scope & p.paired)} · {_share(early, scope & ~p.paired)}",
            "trained / not (latent)": f"{_share(early, scope & p.trained)} · {_share(early, scope & ~p.trained)}",
            "offer >= 10 % below / >= 10 % above expectation": (
                f"{_share(early, scope & (gap <= -0.1))} · {_share(early, scope & (gap >= 0.1))}"
            ),
            "earlier early exit / none": f"{_share(early, scope & prior)} · {_share(early, scope & ~prior)}",
            "monitored household / not": (
                f"{_share(early, scope & people.monitored[wk])} · {_share(early, scope & ~people.monitored[wk])}"
            ),
            "referred by an agency / not": (
                f"{_share(early, scope & (p.referrer >= 0))} · {_share(early, scope & (p.referrer < 0))}"
            ),
        }
        out[label] = rows
    return out


def calendar(w: World) -> dict[str, list[int]]:
    """Ends by calendar month: homesick and family quits against all other ends; starts by month."""
    ended = w.placements.end >= 0
    month_end = (np.datetime64("1970-01-01") + w.placements.end[ended].astype("timedelta64[D]")).astype("datetime64[M]")
    month_end_i = month_end.astype(np.int64) % 12
    home = np.isin(w.placements.reason[ended], [END_REASONS.index("quit_homesick"), END_REASONS.index("quit_family")])
    month_start = (np.datetime64("1970-01-01") + w.placements.start.astype("timedelta64[D]")).astype("datetime64[M]")
    return {
        "homesick_or_family_ends_by_month": np.bincount(month_end_i[home], minlength=12).tolist(),
        "other_ends_by_month": np.bincount(month_end_i[~home], minlength=12).tolist(),
        "starts_by_month": np.bincount(month_start.astype(np.int64) % 12, minlength=12).tolist(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workers", type=int, default=100_000)
    parser.add_argument("--vacancies", type=int, default=5_000)
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--today", type=date.fromisoformat, default=None)
    args = parser.parse_args()
    w = build_world(load_reference(), args.workers, args.vacancies, args.years, args.seed, args.today or today())
    durations = np.where(w.placements.end >= 0, w.placements.end - w.placements.start, -1)
    print(
        json.dumps(
            {
                "placements": len(w.placements.worker),
                "active": int((w.placements.end < 0).sum()),
                "cross_region_share_of_placements": round(float(w.vacancies.east[w.placements.vacancy].mean()), 3),
                "median_days_of_ended": float(np.median(durations[durations >= 0])),
                "marginals": w.marginals(),
                "breakdown": breakdown(w),
                "calendar": calendar(w),
            },
            ensure_ascii=False,
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
