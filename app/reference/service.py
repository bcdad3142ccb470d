"""Checks against reference data: does a division exist, does it lie in a region, is an occupation real."""

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from app.errors import Msg
from app.reference import repository

get_division = repository.get_division


def within(code: str, region: str) -> bool:
    """Is division `code` inside `region` (a province, prefecture or county code)?"""
    if region.endswith("0000"):
        return code[:2] == region[:2]
    if region.endswith("00"):
        return code[:4] == region[:4]
    return code == region


class RegionColumn:
    """A column of division codes, factorised once, then asked for many regions which of its rows lie within."""

    def __init__(self, codes: pd.Series) -> None:
        self._codes, self._uniques = pd.factorize(codes)

    def within(self, region: str) -> np.ndarray:
        inside = np.array([within(str(u), region) for u in self._uniques], dtype=bool)
        return inside[self._codes] if len(self._uniques) else np.zeros(len(self._codes), dtype=bool)


@dataclass(frozen=True)
class ReferenceIndex:
    """Divisions and occupation codes in memory: they change only with a migration."""

    division_levels: dict[str, tuple[str, str]]  # code -> (level, name)
    occupation_codes: frozenset[str]
    # Dongguan and Zhongshan are prefecture-level cities with no counties: their own code is the lowest tier.
    leaf_prefectures: frozenset[str] = frozenset()

    def county_problem(self, code: str, region: str | None = None) -> Msg | None:
        """Why `code` cannot be used as a county (or None if it can)."""
        found = self.division_levels.get(code)
        if found is None:
            return Msg(f"行政区划代码 {code} 不存在", f"division code {code} does not exist")
        level, name = found
        if level != "county" and code not in self.leaf_prefectures:
            return Msg(
                f"{code}（{name}）不是县级区划，请填写县/区代码", f"{code} ({name}) is not a county-level division"
            )
        if region is not None and not within(code, region):
            return Msg(
                f"{code}（{name}）不在本机构的辖区内", f"{code} ({name}) lies outside your office's region {region}"
            )
        return None

    def occupation_problem(self, codes: Iterable[str]) -> Msg | None:
        unknown = [c for c in dict.fromkeys(codes) if c not in self.occupation_codes]
        if not unknown:
            return None
        return Msg(
            f"职业代码 {', '.join(unknown)} 不在《职业分类大典》2022版中",
            f"occupation code(s) {', '.join(unknown)} not in CSCO 2022",
        )


_cache: dict[str, ReferenceIndex] = {}


def index(session: Session) -> ReferenceIndex:
    key = str(session.get_bind().engine.url)
    if key not in _cache:
        divisions = repository.all_divisions(session)
        parents = {d.parent_code for d in divisions}
        _cache[key] = ReferenceIndex(
            division_levels={d.code: (d.level, d.name) for d in divisions},
            occupation_codes=frozenset(repository.all_occupation_codes(session)),
            leaf_prefectures=frozenset(d.code for d in divisions if d.level == "prefecture" and d.code not in parents),
        )
    return _cache[key]
