"""Pairings over time: write a version (province only), and read the version in force on any day."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from app import authz
from app.authz import Action, Resource
from app.clock import today
from app.errors import Msg, NotFound, PreconditionFailed, ValidationFailed, field_error
from app.orgs.service import Principal
from app.pairings import repository
from app.pairings.models import PairingVersion
from app.pairings.schemas import PairingCreate, PairingUpdate
from app.reference import repository as reference_repo
from app.reference.models import Pairing
from app.reference.service import within
from matching.features import is_paired

FIELDS = ("east_code", "west_code", "level", "annual_target", "illustrative", "note", "start_date", "end_date")
# The two sides of the programme this product serves: Guangdong receives, Guangxi sends.
EAST_PROVINCE, WEST_PROVINCE = "440000", "450000"


@dataclass(frozen=True)
class PairingAt:
    """A pairing as it stood on one day: the fields of the version in force then, under the pairing's id."""

    id: int
    version: int
    effective_from: date
    east_code: str
    west_code: str
    level: str
    annual_target: int
    illustrative: bool
    note: str | None
    start_date: date | None
    end_date: date | None

    @classmethod
    def of(cls, v: PairingVersion) -> "PairingAt":
        return cls(v.pairing_id, v.version, v.effective_from, **{f: getattr(v, f) for f in FIELDS})

    @classmethod
    def of_row(cls, p: Pairing) -> "PairingAt":
        return cls(p.id, p.version, p.effective_from, **{f: getattr(p, f) for f in FIELDS})

    def live_on(self, day: date) -> bool:
        return (self.start_date is None or self.start_date <= day) and (self.end_date is None or day <= self.end_date)


def every_version(session: Session) -> list[PairingAt]:
    """Every version of every pairing; a row written without versions counts as its own version."""
    versions = [PairingAt.of(v) for v in repository.all_versions(session)]
    return versions + [PairingAt.of_row(p) for p in repository.unversioned(session)]


def in_force(versions: Iterable[PairingVersion | PairingAt], day: date) -> list[PairingAt]:
    """Each pairing's version in force on `day` (the latest that took effect by then), if the pairing is live."""
    latest: dict[int, PairingAt] = {}
    for v in versions:
        at = v if isinstance(v, PairingAt) else PairingAt.of(v)
        if at.effective_from <= day and (at.id not in latest or at.version > latest[at.id].version):
            latest[at.id] = at
    return [p for _, p in sorted(latest.items()) if p.live_on(day)]


def pairings_on(session: Session, day: date | None = None) -> list[PairingAt]:
    """The pairings in force on `day` (today by default), ordered by id."""
    return in_force(every_version(session), day or today())


def pair_codes_on(session: Session, day: date | None = None) -> list[tuple[str, str]]:
    """(east, west) codes of the pairings in force on `day`: what the pair features look up."""
    return [(p.east_code, p.west_code) for p in pairings_on(session, day)]


class PairedOn:
    """Whether a worker's county and a job's county were paired on a given day, for many rows at once.

    The days on which anything changes (a version taking effect, a pairing starting or ending) cut time into a
    few spans, each with one set of pairs; the rows of a span are tested together.
    """

    def __init__(self, versions: Sequence[PairingVersion | PairingAt]) -> None:
        items = [v if isinstance(v, PairingAt) else PairingAt.of(v) for v in versions]
        cuts = {p.effective_from for p in items} | {p.start_date for p in items if p.start_date}
        cuts |= {p.end_date + timedelta(days=1) for p in items if p.end_date}
        self.cuts = np.array(sorted(cuts), dtype="datetime64[D]")
        days = [c - timedelta(days=1) for c in sorted(cuts)[:1]] + sorted(cuts)
        self.spans = [frozenset((p.east_code, p.west_code) for p in in_force(items, d)) for d in days]

    @classmethod
    def load(cls, session: Session) -> "PairedOn":
        return cls(every_version(session))

    def paired(self, worker_county: pd.Series, vacancy_county: pd.Series, days: pd.Series) -> np.ndarray:
        """True where the two counties were paired on that row's day (a missing day counts as today)."""
        when = pd.to_datetime(days).fillna(pd.Timestamp(today())).to_numpy(dtype="datetime64[D]")
        span = np.searchsorted(self.cuts, when, side="right") if len(self.cuts) else np.zeros(len(when), int)
        out = np.zeros(len(when), dtype=bool)
        west, east = worker_county.reset_index(drop=True), vacancy_county.reset_index(drop=True)
        for i in np.unique(span):
            rows = np.flatnonzero(span == i)
            out[rows] = is_paired(west.iloc[rows], east.iloc[rows], self.spans[int(i)])
        return out


# --- writing ------------------------------------------------------------------------------------------------


def _problems(session: Session, fields: dict[str, Any]) -> list[dict[str, Any]]:
    """Why this version cannot stand, field by field (empty when it can)."""
    errors = []
    east, west, level = fields["east_code"], fields["west_code"], fields["level"]
    found = {}
    for name, code in (("east_code", east), ("west_code", west)):
        division = reference_repo.get_division(session, code)
        if division is None:
            errors.append(field_error(name, Msg(f"行政区划代码 {code} 不存在", f"division code {code} does not exist")))
            continue
        found[name] = division
        if division.level != level:
            errors.append(
                field_error(
                    name,
                    Msg(
                        f"{code}（{division.name}）不是{_LEVEL_ZH[level]}区划，与结对层级不符",
                        f"{code} ({division.name}) is a {division.level}, not a {level} as the pairing's level says",
                    ),
                )
            )
    if "east_code" in found and not within(east, EAST_PROVINCE):
        same = within(east, WEST_PROVINCE) and within(west, WEST_PROVINCE)
        errors.append(
            field_error(
                "east_code",
                Msg("东西部双方不能在同一侧（都在广西）", "east and west are on the same side (both in Guangxi)")
                if same
                else Msg(f"东部一方 {east} 应在广东", f"the eastern side {east} must be in Guangdong"),
            )
        )
    if "west_code" in found and not within(west, WEST_PROVINCE):
        same = within(west, EAST_PROVINCE) and within(east, EAST_PROVINCE)
        errors.append(
            field_error(
                "west_code",
                Msg("东西部双方不能在同一侧（都在广东）", "east and west are on the same side (both in Guangdong)")
                if same
                else Msg(f"西部一方 {west} 应在广西", f"the western side {west} must be in Guangxi"),
            )
        )
    start, end = fields["start_date"], fields["end_date"]
    if start is not None and end is not None and end < start:
        errors.append(field_error("end_date", Msg("结束日期早于开始日期", "end_date is before start_date")))
    return errors


_LEVEL_ZH = {"province": "省级", "prefecture": "市级", "county": "县级"}
OVERLAP = Msg(
    "同一对地区在这段时间已有结对关系，请修改已有结对或更改起止日期",
    "these two regions are already paired over part of this period: change that pairing or the dates",
)


def _overlaps(a_start: date | None, a_end: date | None, b_start: date | None, b_end: date | None) -> bool:
    lo, hi = date.min, date.max
    return (a_start or lo) <= (b_end or hi) and (b_start or lo) <= (a_end or hi)


def _check(session: Session, fields: dict[str, Any], pairing_id: int | None) -> None:
    errors = _problems(session, fields)
    if not errors:
        for other in repository.same_regions(session, fields["east_code"], fields["west_code"]):
            if other.id != pairing_id and _overlaps(
                fields["start_date"], fields["end_date"], other.start_date, other.end_date
            ):
                errors.append(field_error("start_date", OVERLAP))
                break
    if errors:
        raise ValidationFailed(errors)


def _version(pairing: Pairing, org_id: int) -> PairingVersion:
    return PairingVersion(
        pairing_id=pairing.id,
        version=pairing.version,
        effective_from=pairing.effective_from,
        org_id=org_id,
        **{f: getattr(pairing, f) for f in FIELDS},
    )


def check_writer(principal: Principal) -> None:
    """Only a provincial office writes pairings (403 for every other kind)."""
    authz.reach(principal, Resource.pairing, Action.write)


def create_pairing(session: Session, principal: Principal, body: PairingCreate) -> Pairing:
    """A new pairing as version 1; nothing is written when any field is wrong."""
    check_writer(principal)
    fields = body.model_dump(include=set(FIELDS))
    _check(session, fields, None)
    effective = body.effective_from or body.start_date or today()
    pairing = Pairing(version=1, effective_from=effective, **fields)
    repository.add(session, pairing)
    repository.add(session, _version(pairing, principal.org_id))
    return pairing


LATER_VERSION = Msg(
    "新版本的生效日期必须晚于当前版本的生效日期（{day}），版本之间不能重叠",
    "a new version must take effect after the current one ({day}): versions cannot overlap",
)


def update_pairing(
    session: Session, principal: Principal, pairing_id: int, body: PairingUpdate, if_match: int | None
) -> Pairing:
    """Add a version with the fields sent changed, in force from `effective_from` (default today)."""
    check_writer(principal)
    pairing = repository.pairing_for_update(session, pairing_id)
    if pairing is None:
        raise NotFound("pairing")
    if if_match is not None and if_match != pairing.version:
        raise PreconditionFailed()
    sent = body.model_dump(include=set(FIELDS), exclude_unset=True)
    for name in ("east_code", "west_code", "level", "annual_target", "illustrative"):
        if name in sent and sent[name] is None:
            raise ValidationFailed.one(name, Msg("该项不能为空", f"{name} cannot be empty"))
    fields = {f: getattr(pairing, f) for f in FIELDS} | sent
    _check(session, fields, pairing.id)
    effective = body.effective_from or today()
    if effective <= pairing.effective_from:
        day = pairing.effective_from.isoformat()
        msg = Msg(LATER_VERSION.zh.format(day=day), LATER_VERSION.en.format(day=day))
        raise ValidationFailed.one("effective_from", msg)
    for name, value in fields.items():
        setattr(pairing, name, value)
    pairing.version += 1
    pairing.effective_from = effective
    session.flush()
    repository.add(session, _version(pairing, principal.org_id))
    return pairing


def get_pairing(session: Session, pairing_id: int) -> Pairing:
    found = reference_repo.get_pairing(session, pairing_id)
    if found is None:
        raise NotFound("pairing")
    return found


def versions(session: Session, pairing_id: int) -> list[PairingAt]:
    get_pairing(session, pairing_id)
    return [PairingAt.of(v) for v in repository.versions_of(session, pairing_id)]
