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
    known = w.p_start <= w.today - 90
    early = (w.p_end >= 0) & (w.p_end - w.p_start < 90)
    v, wk = w.p_vacancy, w.p_worker
    east = w.v_east[v]
    ref = w.ref
    km = haversine_km(ref.lon[w.w_county[wk]], ref.lat[w.w_county[wk]], ref.lon[w.v_county[v]], ref.lat[w.v_county[v]])
    gap = ((w.v_wage_min[v] + w.v_wage_max[v]) / 2 - w.w_expected_wage[wk]) / w.w_expected_wage[wk]
    # An earlier placement of the same worker that ended within 90 days (placements are sorted by start).
    order = np.lexsort((w.p_start, wk))
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
    shift = w.v_shift[v]
    out: dict[str, dict[str, str]] = {}
    for label, scope in (("cross_region", known & east), ("local (Guangxi)", known & ~east)):
        rows = {
            "all": _share(early, scope),
            "home county": _share(early, scope & (w.v_county[v] == w.w_county[wk])),
            "day / two / three shifts": " · ".join(_share(early, scope & (shift == s)) for s in range(3)),
            "no dormitory, > 150 km": _share(early, scope & ~w.v_housing[v] & (km > model.FAR_KM)),
            "paired / not paired": f"{_share(early, scope & w.p_paired)} · {_share(early, scope & ~w.p_paired)}",
            "trained / not (latent)": f"{_share(early, scope & w.p_trained)} · {_share(early, scope & ~w.p_trained)}",
            "offer >= 10 % below / >= 10 % above expectation": (
                f"{_share(early, scope & (gap <= -0.1))} · {_share(early, scope & (gap >= 0.1))}"
            ),
            "earlier early exit / none": f"{_share(early, scope & prior)} · {_share(early, scope & ~prior)}",
            "monitored household / not": (
                f"{_share(early, scope & w.w_monitored[wk])} · {_share(early, scope & ~w.w_monitored[wk])}"
            ),
            "referred by an agency / not": (
                f"{_share(early, scope & (w.p_referrer >= 0))} · {_share(early, scope & (w.p_referrer < 0))}"
            ),
        }
        out[label] = rows
    return out


def calendar(w: World) -> dict[str, list[int]]:
    """Ends by calendar month: homesick and family quits against all other ends; starts by month."""
    ended = w.p_end >= 0
    month_end = (np.datetime64("1970-01-01") + w.p_end[ended].astype("timedelta64[D]")).astype("datetime64[M]")
    month_end_i = month_end.astype(np.int64) % 12
    home = np.isin(w.p_reason[ended], [END_REASONS.index("quit_homesick"), END_REASONS.index("quit_family")])
    month_start = (np.datetime64("1970-01-01") + w.p_start.astype("timedelta64[D]")).astype("datetime64[M]")
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
    durations = np.where(w.p_end >= 0, w.p_end - w.p_start, -1)
    print(
        json.dumps(
            {
                "placements": len(w.p_worker),
                "active": int((w.p_end < 0).sum()),
                "cross_region_share_of_placements": round(float(w.v_east[w.p_vacancy].mean()), 3),
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
