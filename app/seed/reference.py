"""The real data the demo generator stands on: divisions with coordinates, CSCO codes, labelled titles, pairings."""

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from app.config import ROOT
from app.seed import catalog

SEED_DATA = ROOT / "seed_data"
PAIRINGS_CSV = SEED_DATA / "pairings_guangdong_guangxi.csv"


@dataclass(frozen=True)
class PairingRow:
    east_code: str
    west_code: str
    level: str
    annual_target: int
    illustrative: bool
    note: str


@dataclass
class Reference:
    """Places (every division), occupation levels, usable titles by code, and the pairings file."""

    codes: np.ndarray  # division codes, "U6"
    names: list[str]
    levels: list[str]
    prefecture: np.ndarray  # index into codes of each division's prefecture (itself for a prefecture)
    lon: np.ndarray
    lat: np.ndarray
    index: dict[str, int]
    occupation_level: dict[str, int]
    titles: dict[str, list[str]]  # occupation code -> real titles labelled with it (filtered for the demo)
    pairings: list[PairingRow]

    @property
    def guangxi_counties(self) -> np.ndarray:
        return np.array([i for i, c in enumerate(self.codes) if c.startswith("45") and self.levels[i] == "county"])

    def county_tier(self, i: int) -> str:
        if self.codes[i] in catalog.MOUNTAIN_COUNTIES:
            return "mountain"
        return "district" if self.names[i].endswith("区") else "county"


def _read(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def usable_title(title: str) -> bool:
    return 2 <= len(title) <= 30 and not any(word in title for word in catalog.TITLE_EXCLUDE)


def demo_title(title: str) -> str:
    """The job part of a real ad title: "晟特嘉招聘车工" -> "车工" (the demo employer is not 晟特嘉)."""
    head, sep, job = title.strip().partition("招聘")
    return job.strip() if sep and len(job.strip()) >= 2 else title.strip()


def workshop_title(title: str) -> bool:
    """Fit for a village workshop: no dormitory promise, no wage figure from a city factory's ad."""
    return not any(ch.isdigit() for ch in title) and not any(
        w in title for w in ("包吃住", "包住", "食宿", "高薪", "月入")
    )


def load_reference(
    seed_data: Path = SEED_DATA, division_codes: set[str] | None = None, occupation_codes: set[str] | None = None
) -> Reference:
    """Read the CSVs; when the database's code sets are given, keep only codes the database also has."""
    rows = [r for r in _read(seed_data / "divisions_guangdong_guangxi.csv") if r["longitude"] and r["latitude"]]
    if division_codes is not None:
        rows = [r for r in rows if r["code"] in division_codes]
    codes = np.array([r["code"] for r in rows], dtype="U6")
    index = {c: i for i, c in enumerate(codes.tolist())}
    levels = [r["level"] for r in rows]
    prefecture = np.array(
        [
            i if levels[i] != "county" else index.get(r["parent_code"], i)  # a county whose prefecture is missing
            for i, r in enumerate(rows)
        ],
        dtype=np.int64,
    )
    occupation_level: dict[str, int] = {}
    for r in _read(seed_data / "csco2022_occupations.csv"):
        if occupation_codes is None or r["code"] in occupation_codes:
            occupation_level[r["code"]] = max(int(r["level"]), occupation_level.get(r["code"], 0))
    titles: dict[str, list[str]] = {}
    for r in _read(seed_data / "job_titles_labelled.csv"):
        if r["code"] in occupation_level and usable_title(r["title"]):
            titles.setdefault(r["code"], []).append(demo_title(r["title"]))
    pairings = [
        PairingRow(
            east_code=r["east_code"],
            west_code=r["west_code"],
            level=r["level"],
            annual_target=int(r["annual_target"]),
            illustrative=r["illustrative"].strip().lower() == "true",
            note=r["note"],
        )
        for r in _read(seed_data / PAIRINGS_CSV.name)
        if r["east_code"] in index and r["west_code"] in index
    ]
    return Reference(
        codes=codes,
        names=[r["name"] for r in rows],
        levels=levels,
        prefecture=prefecture,
        lon=np.array([float(r["longitude"]) for r in rows]),
        lat=np.array([float(r["latitude"]) for r in rows]),
        index=index,
        occupation_level=occupation_level,
        titles={code: sorted(set(ts)) for code, ts in titles.items()},
        pairings=pairings,
    )
