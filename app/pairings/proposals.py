"""Data-driven proposals to adjust pairings (通过大数据分析动态调整结对关系), computed for a finished quarter.

At the quarter's end: unplaced western workers per (county, occupation family), open eastern places per
(prefecture, family), and each county → prefecture route scored by the ranker's predicted 90-day retention of a
typical placement on it (distance, crossing the province, being paired). The route-level transport problem
(`matching.transport`) then says how many lasting placements today's pairings allow, each pairing's routes capped
by its target pro-rated to a quarter, and each proposal is that problem re-solved with the proposal applied.
Only prefecture- and county-level pairings count: a province-level pair covers every route. Evidence cites a
route's observed retention only with at least 30 placements behind it. The same data give the same proposals.
"""

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from app.labels import label
from app.pairings import service as pairing_service
from app.pairings.service import EAST_PROVINCE, WEST_PROVINCE, PairingAt
from app.reference import repository as reference_repo
from app.reference.service import RegionColumn, within
from app.reports import repository as reports_repo
from app.reports.schemas import Month, Quarter, Scope
from matching import transport
from matching.departure_features import NOT_A_DEPARTURE
from matching.features import prefecture_of
from matching.ranking.prepared import family_of
from matching.survival import retention

KINDS = ("target_shift", "new_link", "retire_link", "channel_shift")
MIN_PLACEMENTS = 30  # fewer behind a retention figure and it is not cited
PER_KIND = 3  # at most this many proposals of each kind, the strongest first
HORIZON = 90
WINDOW_MONTHS = 12  # the observed retention reads the starts of the twelve months up to the quarter's end
BELOW_TARGET = 0.6
UNKNOWN = "unknown"


@dataclass
class Inputs:
    """What every proposal of a quarter is computed from, read once."""

    quarter: Quarter
    pairings: list[PairingAt]  # prefecture- and county-level, in force at the quarter's end
    supply: pd.DataFrame  # origin (western county), family, workers
    demand: pd.DataFrame  # destination (eastern prefecture), family, places
    local_demand: pd.DataFrame  # destination (western prefecture), family, places
    east_scores: pd.DataFrame  # origin, destination, score: every western county → eastern prefecture
    local_scores: pd.DataFrame  # origin, destination, score: every western county → its own prefecture
    started: pd.DataFrame  # placements started in the window: hukou_county, vacancy_county, duration, event
    model: dict[str, Any]
    names: dict[str, str]

    @property
    def caps(self) -> dict[int, int]:
        """Each pairing's annual target pro-rated to the quarter: what its routes may carry."""
        return {p.id: quarter_share(self.quarter, p.annual_target) for p in self.pairings}


def year_days(quarter: Quarter) -> int:
    return (date(quarter.year + 1, 1, 1) - date(quarter.year, 1, 1)).days


def quarter_share(quarter: Quarter, annual: int) -> int:
    return int(round(annual * quarter.days / year_days(quarter)))


def annualised(quarter: Quarter, per_quarter: int) -> int:
    return int(round(per_quarter * year_days(quarter) / quarter.days))


def _covers(p: PairingAt, county: str, prefecture: str) -> bool:
    """A pairing's route: its west side holds the county, its east side is (or lies in) the prefecture."""
    return within(county, p.west_code) and (p.east_code == prefecture or prefecture_of(p.east_code) == prefecture)


def links(pairings: list[PairingAt], scores: pd.DataFrame) -> pd.Series:
    """The pairing each route runs under: the most specific one covering it (county level first, then lowest id)."""
    ordered = sorted(pairings, key=lambda p: (p.level != "county", p.id))
    found: list[object] = []
    for county, prefecture in zip(scores["origin"], scores["destination"], strict=True):
        found.append(next((p.id for p in ordered if _covers(p, county, prefecture)), None))
    return pd.Series(found, index=scores.index, dtype=object)


def _points(session: Session, codes: list[str]) -> pd.DataFrame:
    divisions = {d.code: d for d in reference_repo.divisions(session, codes)}
    return pd.DataFrame(
        {
            "code": codes,
            "lon": [divisions[c].longitude if c in divisions else None for c in codes],
            "lat": [divisions[c].latitude if c in divisions else None for c in codes],
        }
    )


def _inside(codes: pd.Series, region: str) -> np.ndarray:
    """A row mask (an array: a plain empty list would select columns)."""
    return np.array([within(str(c), region) for c in codes], dtype=bool)


def _family(codes: pd.Series) -> pd.Series:
    return codes.map(lambda c: family_of(c) if isinstance(c, str) else UNKNOWN)


def load(session: Session, quarter: Quarter, ranker: Any, model: dict[str, Any]) -> Inputs:
    last, until = quarter.last, quarter.end_instant
    supply = reports_repo.unplaced_supply(session, last, until)
    supply["family"] = [
        family_of(str(w[0])) if isinstance(w, list) and w else UNKNOWN for w in supply["desired_occupations"]
    ]
    supply = supply[_inside(supply["hukou_county"], WEST_PROVINCE)]
    supply = supply.groupby(["hukou_county", "family"]).size().rename("workers").reset_index()
    supply = supply.rename(columns={"hukou_county": "origin"})
    open_places = reports_repo.open_demand(session, last, until)
    open_places["family"] = _family(open_places["occupation_code"])
    open_places["places"] = open_places["left"].clip(lower=0)
    open_places["destination"] = [prefecture_of(c) for c in open_places["vacancy_county"]]
    by_place = open_places.groupby(["destination", "family"], as_index=False)["places"].sum()
    east = by_place[_inside(by_place["destination"], EAST_PROVINCE)]
    local = by_place[_inside(by_place["destination"], WEST_PROVINCE)]
    counties = sorted(supply["origin"].unique())
    prefectures = sorted(east["destination"].unique())
    east_scores = transport.typical_scores(ranker, _points(session, counties), _points(session, prefectures), True)
    origins = _points(session, counties)
    local_scores = pd.concat(
        [
            transport.typical_scores(ranker, origins.iloc[[i]], _points(session, [prefecture_of(c)]), False)
            for i, c in enumerate(counties)
        ]
        or [pd.DataFrame(columns=["origin", "destination", "score"])],
        ignore_index=True,
    )
    window = Month.of(last).shift(1 - WINDOW_MONTHS).first
    started = reports_repo.started(session, Scope("province"), window, last)
    end = pd.to_datetime(started["end_date"])
    start = pd.to_datetime(started["start_date"])
    started["duration"] = ((end.fillna(pd.Timestamp(last)) - start).dt.days).astype(float)
    started["event"] = end.notna() & ~started["end_reason"].isin(NOT_A_DEPARTURE)
    pairings = [p for p in pairing_service.pairings_on(session, last) if p.level in ("prefecture", "county")]
    places = ["destination", "family", "places"]
    return Inputs(
        quarter, pairings, supply, east[places], local[places], east_scores, local_scores, started, model,
        reference_repo.division_names(session),
    )  # fmt: skip


def observed(rows: pd.DataFrame, last: date) -> dict[str, Any]:
    """Observed 90-day retention of these placements, cited only with 30 or more behind it."""
    n = len(rows)
    figure: dict[str, Any] = {"placements": n, "estimate": None, "ci_low": None, "ci_high": None}
    if n < MIN_PLACEMENTS:
        return figure | {
            "note": f"少于 {MIN_PLACEMENTS} 人，不引用 / fewer than {MIN_PLACEMENTS} placements: not cited"
        }
    oldest = float((last - pd.to_datetime(rows["start_date"]).min().date()).days)
    km = retention(rows["duration"].to_numpy(float), rows["event"].to_numpy(bool), (HORIZON,), oldest)[str(HORIZON)]
    return figure | {k: km[k] for k in ("estimate", "ci_low", "ci_high")}


def _bounds(rows: pd.DataFrame) -> tuple[float, float]:
    """Bounds on the Kaplan–Meier 90-day retention without fitting it: as if every placement censored before day 90
    had left (low), or had stayed (high). A cheap screen; NaN when there are no rows."""
    if not len(rows):
        return float("nan"), float("nan")
    duration = rows["duration"].to_numpy(float)
    left = rows["event"].to_numpy(bool) & (duration < HORIZON)
    return float((duration >= HORIZON).mean()), float(1 - left.mean())


def _digest(quarter: Quarter, kind: str, regions: str) -> str:
    return f"{quarter}-{kind}-" + hashlib.sha256(f"{quarter}|{kind}|{regions}".encode()).hexdigest()[:12]


def _effect(before: transport.Routes, after: transport.Routes) -> dict[str, Any]:
    return {
        "expected_lasting_before": round(before.expected_lasting, 3),
        "expected_lasting_after": round(after.expected_lasting, 3),
        "placed_before": before.placed,
        "placed_after": after.placed,
        "solver": after.solver,
    }


class Proposer:
    """Every proposal of one quarter from its inputs; each re-solves the transport problem with its change."""

    def __init__(self, inputs: Inputs) -> None:
        self.i = inputs
        self.scores = inputs.east_scores.assign(link=links(inputs.pairings, inputs.east_scores))
        self.allowed = self.scores[self.scores["link"].notna()]
        self.caps = inputs.caps
        self.before = transport.solve(inputs.supply, inputs.demand, self.allowed, self.caps)
        self.used = self.before.flows.groupby("link")["flow"].sum().to_dict() if self.before.placed else {}
        s = inputs.started
        # within() once per distinct code, not per row: the evidence is read for many regions
        self.homes, self.workplaces = RegionColumn(s["hukou_county"]), RegionColumn(s["vacancy_county"])
        self.prefecture = np.array([prefecture_of(str(c)) for c in s["vacancy_county"]], dtype=object)
        self.west, self.east = self.homes.within(WEST_PROVINCE), self.workplaces.within(EAST_PROVINCE)
        self.benchmark = observed(s[self.west & self.east], inputs.quarter.last)

    def solve(self, routes: pd.DataFrame, caps: dict[Any, int], demand: pd.DataFrame | None = None) -> transport.Routes:
        # Once a cap bound today, a changed problem is solved as a programme at once, without the flow first.
        flow_first = self.before.solver == "ortools_min_cost_flow"
        return transport.solve(self.i.supply, self.i.demand if demand is None else demand, routes, caps, flow_first)

    def name(self, code: str) -> str:
        return self.i.names.get(code, code)

    def pairing_name(self, p: PairingAt) -> str:
        return f"{self.name(p.east_code)}—{self.name(p.west_code)}"

    def on_pairing(self, p: PairingAt) -> pd.DataFrame:
        s = self.i.started
        return s[self.homes.within(p.west_code) & self.workplaces.within(p.east_code)] if len(s) else s

    def proposal(self, kind: str, regions: str, change: dict[str, Any], evidence: dict[str, Any],
                 after: transport.Routes, pairing_ids: list[int]) -> dict[str, Any]:  # fmt: skip
        return {
            "id": _digest(self.i.quarter, kind, regions),
            "quarter": str(self.i.quarter),
            "kind": kind,
            "kind_label": label("proposal_kind", kind),
            "pairing_ids": pairing_ids,
            "change": change,
            "evidence": evidence | {"province_retention_90": self.benchmark},
            "simulated_effect": _effect(self.before, after),
        }

    def target_shifts(self) -> list[dict[str, Any]]:
        """Target from a pairing whose routes carry less than it allows to one whose cap binds."""
        q = self.i.quarter
        slack = {p.id: self.caps[p.id] - int(self.used.get(p.id, 0)) for p in self.i.pairings}
        donors = sorted((p for p in self.i.pairings if slack[p.id] > 0), key=lambda p: (-slack[p.id], p.id))
        bound = [p for p in self.i.pairings if self.caps[p.id] > 0 and self.used.get(p.id, 0) >= self.caps[p.id]]
        out: list[dict[str, Any]] = []
        for receiver in sorted(bound, key=lambda p: (-self.used.get(p.id, 0), p.id)):
            donor = next((d for d in donors if slack[d.id] > 0 and d.id != receiver.id), None)
            if donor is None or len(out) >= PER_KIND:
                break
            # The annual amount is what moves (never more than the donor has); the quarter's share of it is tried.
            annual = min(annualised(q, min(slack[donor.id], self.caps[receiver.id])), donor.annual_target)
            moved = min(quarter_share(q, annual), slack[donor.id])
            if annual <= 0 or moved <= 0:
                continue
            caps = self.caps | {donor.id: self.caps[donor.id] - moved, receiver.id: self.caps[receiver.id] + moved}
            after = self.solve(self.allowed, caps)
            if after.expected_lasting <= self.before.expected_lasting:
                continue
            slack[donor.id] -= moved
            out.append(self.proposal(
                "target_shift",
                f"{donor.east_code}-{donor.west_code}>{receiver.east_code}-{receiver.west_code}",
                {"from_pairing_id": donor.id, "from_name": self.pairing_name(donor),
                 "to_pairing_id": receiver.id, "to_name": self.pairing_name(receiver), "annual_target_moved": annual,
                 "quarter_cap_moved": moved,
                 "from_annual_target_after": donor.annual_target - annual,
                 "to_annual_target_after": receiver.annual_target + annual},
                {"from_quarter_cap": self.caps[donor.id], "from_carried": int(self.used.get(donor.id, 0)),
                 "to_quarter_cap": self.caps[receiver.id], "to_carried": int(self.used.get(receiver.id, 0)),
                 "from_retention_90": observed(self.on_pairing(donor), q.last),
                 "to_retention_90": observed(self.on_pairing(receiver), q.last)},
                after, [donor.id, receiver.id],
            ))  # fmt: skip
        return out

    def new_links(self) -> list[dict[str, Any]]:
        """A western prefecture whose workers stay well in an eastern prefecture it is not paired with, where
        places are left open."""
        q, s = self.i.quarter, self.i.started
        inflow = self.before.flows.groupby("destination")["flow"].sum() if self.before.placed else pd.Series()
        open_left = self.i.demand.groupby("destination")["places"].sum().sub(inflow, fill_value=0)
        uncovered = self.scores[self.scores["link"].isna()]
        groups: dict[tuple[str, str], pd.DataFrame] = {}
        for (origin, destination), _ in uncovered.groupby(["origin", "destination"]):
            if open_left.get(destination, 0) > 0:
                groups.setdefault((prefecture_of(origin), destination), uncovered.iloc[:0])
        bar = self.benchmark["estimate"]
        candidates = []
        for west, east in sorted(groups):
            rows = s[self.west & self.east & (self.prefecture == east) & self.homes.within(west)]
            figure = observed(rows, q.last)
            if figure["estimate"] is None or bar is None or figure["estimate"] < bar:
                continue
            candidates.append((-figure["estimate"], west, east, figure))
        out: list[dict[str, Any]] = []
        for _, west, east, figure in sorted(candidates)[:PER_KIND]:
            new = uncovered[(uncovered["destination"] == east).to_numpy(bool) & _inside(uncovered["origin"], west)]
            after = self.solve(pd.concat([self.allowed, new.assign(link="new")], ignore_index=True), self.caps)
            carried = int(after.flows.loc[after.flows["link"] == "new", "flow"].sum()) if after.placed else 0
            if carried == 0 or after.expected_lasting <= self.before.expected_lasting:
                continue
            out.append(self.proposal(
                "new_link", f"{east}-{west}",
                {"east_code": east, "west_code": west, "level": "prefecture",
                 "name": f"{self.name(east)}—{self.name(west)}", "annual_target": annualised(q, carried)},
                {"route_retention_90": figure, "open_places_left": int(open_left.get(east, 0)),
                 "unplaced_workers": int(self.i.supply.loc[_inside(self.i.supply["origin"], west), "workers"].sum())},
                after, [],
            ))  # fmt: skip
        return out

    def retirements(self) -> list[dict[str, Any]]:
        """A pairing whose routes carry no one under today's supply and demand, and that placed under 60 % of its
        target in the quarter."""
        q = self.i.quarter
        candidates = []
        for p in self.i.pairings:
            if self.caps[p.id] == 0 or self.used.get(p.id, 0) > 0:
                continue
            rows = self.on_pairing(p)
            placed = int(pd.to_datetime(rows["start_date"]).between(pd.Timestamp(q.first), pd.Timestamp(q.last)).sum())
            share = placed / self.caps[p.id]
            if share < BELOW_TARGET:
                candidates.append((share, p.id, p, placed))
        out: list[dict[str, Any]] = []
        for share, _, p, placed in sorted(candidates, key=lambda c: (c[0], c[1]))[:PER_KIND]:
            # Its routes carry nothing in the optimum, so the optimum without them is the same: no re-solve.
            after = self.before
            out.append(self.proposal(
                "retire_link", f"{p.east_code}-{p.west_code}",
                {"pairing_id": p.id, "name": self.pairing_name(p), "end_date": None},
                {"quarter_placements": placed, "quarter_cap": self.caps[p.id], "target_share": round(share, 4),
                 "carried_now": 0, "retention_90": observed(self.on_pairing(p), q.last)},
                after, [p.id],
            ))  # fmt: skip
        return out

    def channel_shifts(self) -> list[dict[str, Any]]:
        """A western county whose cross-region placements last clearly less than its local and nearby ones, with
        places open near home."""
        q, s = self.i.quarter, self.i.started
        local_open = self.i.local_demand.groupby("destination")["places"].sum()
        candidates = []
        home_codes, home_values = pd.factorize(s["hukou_county"])
        code_of = {str(v): i for i, v in enumerate(home_values)}
        for county in sorted(self.i.supply["origin"].unique()):
            home = prefecture_of(county)
            if local_open.get(home, 0) <= 0 or county not in code_of:
                continue
            mine = home_codes == code_of[county]
            far, near_rows = s[mine & self.east], s[mine & ~self.east]
            if _bounds(far)[0] >= _bounds(near_rows)[1]:  # cannot be lower whatever the censored did: no fit
                continue
            cross, near = observed(far, q.last), observed(near_rows, q.last)
            if cross["ci_high"] is None or near["estimate"] is None or cross["ci_high"] >= near["estimate"]:
                continue
            candidates.append((cross["estimate"] - near["estimate"], county, cross, near))
        out: list[dict[str, Any]] = []
        for _, county, cross, near in sorted(candidates)[:PER_KIND]:
            home = prefecture_of(county)
            local = self.i.local_scores[self.i.local_scores["origin"] == county].assign(link="local")
            demand = pd.concat([self.i.demand, self.i.local_demand[self.i.local_demand["destination"] == home]])
            after = self.solve(pd.concat([self.allowed, local], ignore_index=True), self.caps, demand)
            to_local = int(after.flows.loc[after.flows["link"] == "local", "flow"].sum()) if after.placed else 0
            if to_local == 0 or after.expected_lasting <= self.before.expected_lasting:
                continue
            out.append(self.proposal(
                "channel_shift", f"{county}",
                {"county": county, "name": self.name(county), "local_prefecture": home,
                 "workers_to_local_or_nearby": to_local},
                {"cross_region_retention_90": cross, "local_nearby_retention_90": near,
                 "local_open_places": int(local_open.get(home, 0))},
                after, [],
            ))  # fmt: skip
        return out

    def all(self) -> list[dict[str, Any]]:
        return self.target_shifts() + self.new_links() + self.retirements() + self.channel_shifts()


def effective_end(day: date) -> date:
    """A link retired from `day` ends the day before."""
    return day - timedelta(days=1)
