"""A small hand-checkable history, and the report's figures recomputed from raw rows in plain Python."""

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import insert, select

from app.db import Database
from app.models import FollowUp, Placement, Vacancy, Worker
from app.reference.service import within
from tests.factories import Tenant, id_number, vacancy_payload, worker_payload

# ISO 2025-W10 runs Monday 2025-03-03 .. Sunday 2025-03-09 (China Standard Time calendar days).
WEEK = "2025-W10"
MON, SUN = date(2025, 3, 3), date(2025, 3, 9)


@dataclass
class History:
    placements: dict[str, int]
    vacancies: dict[str, int]


# name: (worker county, vacancy, start, end, reason)
ROWS = {
    "same_week": ("450225", "east", date(2025, 3, 3), date(2025, 3, 9), "quit_homesick"),  # starts and ends in W10
    "sunday_start": ("450225", "east", date(2025, 3, 9), None, None),
    "next_monday": ("450225", "east", date(2025, 3, 10), None, None),  # after the week: not counted
    "last_sunday": ("450225", "east", date(2025, 3, 2), None, None),  # W09's last day
    "ends_after_week": ("450225", "east", date(2024, 12, 1), date(2025, 3, 10), "quit_wage"),  # active on Sunday
    "monday_end": ("450225", "east", date(2024, 11, 15), date(2025, 3, 3), "dismissed"),  # 108 days: not early
    "left_in_w09": ("450225", "east", date(2025, 1, 20), date(2025, 2, 25), "quit_wage"),
    "local": ("450225", "local", date(2025, 2, 10), None, None),
    "nearby_early": ("450225", "nearby", date(2025, 1, 5), date(2025, 2, 4), "quit_family"),
    "other_county": ("451122", "east", date(2025, 3, 5), None, None),
}


def build_history(client, tenants: dict[str, Tenant], db: Database) -> History:
    """Workers and vacancies through the API; placements inserted with dates the API would refuse as future."""
    employer, workshop = tenants["employer"], tenants["other_employer"]
    vacancies = {}
    for name, tenant, county in (
        ("east", employer, "441900"),
        ("local", workshop, "450225"),
        ("nearby", workshop, "451122"),
    ):
        resp = client.post(
            "/api/v1/vacancies", json=vacancy_payload(county_code=county, headcount=50), headers=tenant.headers
        )
        assert resp.status_code == 201, resp.text
        vacancies[name] = resp.json()["id"]
    workers = {}
    for name, (county, *_rest) in ROWS.items():
        office = tenants["county"] if county == "450225" else tenants["other_county"]
        resp = client.post(
            "/api/v1/workers",
            json=worker_payload(hukou_county=county, id_number=id_number(county)),
            headers=office.headers,
        )
        assert resp.status_code == 201, resp.text
        workers[name] = (resp.json()["id"], office.org_id)
    placements = {}
    with db.session() as session, session.begin():
        for name, (_county, vacancy, start, end, reason) in ROWS.items():
            worker_id, org_id = workers[name]
            placements[name] = session.execute(
                insert(Placement).returning(Placement.id),
                {
                    "worker_id": worker_id,
                    "vacancy_id": vacancies[vacancy],
                    "start_date": start,
                    "end_date": end,
                    "end_reason": reason,
                    "recorded_by_org_id": org_id,
                },
            ).scalar_one()
    return History(placements, vacancies)


def add_follow_up(db: Database, placement_id: int, day: date, outcome: str, org_id: int) -> None:
    with db.session() as session, session.begin():
        session.execute(
            insert(FollowUp),
            {
                "placement_id": placement_id,
                "date": day,
                "contact": "phone",
                "outcome": outcome,
                "recorded_by_org_id": org_id,
            },
        )


# --- independent recomputation -------------------------------------------------------------------------------


def seed_history(settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Two years of seeded history up to 2026-06-30: what the monthly pack and the quarterly evaluation reconcile."""
    from app.seed.generator import SeedConfig, seed_database

    seed_database(
        settings.database_url,
        settings.pii_key,
        SeedConfig(workers=600, vacancies=100, years=2, seed=5, today=date(2026, 6, 30)),
        keys_file=tmp_path / "keys.json",
    )


def raw_rows(db: Database) -> list[dict]:
    """Every placement with its worker's county and its vacancy's employer and county."""
    with db.session(write=False) as session:
        stmt = (
            select(
                Placement.start_date,
                Placement.end_date,
                Placement.end_reason,
                Worker.hukou_county,
                Vacancy.employer_org_id,
                Vacancy.county_code,
            )
            .join(Worker, Worker.id == Placement.worker_id)
            .join(Vacancy, Vacancy.id == Placement.vacancy_id)
        )
        return [dict(r._mapping) for r in session.execute(stmt)]


def channel(row: dict) -> str:
    if row["hukou_county"][:2] != row["county_code"][:2]:
        return "cross_region"
    return "local" if row["hukou_county"] == row["county_code"] else "nearby"


def totals(rows: list[dict], monday: date) -> dict[str, int]:
    """The week's four figures by the plain definitions, one row at a time."""
    sunday = monday + timedelta(days=6)
    out = {"new_placements": 0, "active_at_week_end": 0, "departures": 0, "early_departures": 0}
    for r in rows:
        start, end = r["start_date"], r["end_date"]
        if monday <= start <= sunday:
            out["new_placements"] += 1
        if start <= sunday and (end is None or end > sunday):
            out["active_at_week_end"] += 1
        if end is not None and monday <= end <= sunday:
            out["departures"] += 1
            if (end - start).days < 90 and r["end_reason"] != "contract_ended":  # a finished contract is not early
                out["early_departures"] += 1
    return out


def product_limit(rows: list[dict], as_of: date, horizon: int) -> float | None:
    """Kaplan-Meier by hand: S = prod over departure days d < horizon of (1 - left on d / at risk on d).

    A placement whose contract ended did not leave: it is censored on its end day, like one still running.
    None when the cohort is too young (its first start is fewer than `horizon` days before `as_of`), or when
    nobody was followed to the horizon and someone may still be employed.
    """
    spells = []
    for r in rows:
        end = r["end_date"] if r["end_date"] is not None and r["end_date"] <= as_of else None
        spells.append(((end or as_of) - r["start_date"]).days if end else (as_of - r["start_date"]).days)
        spells[-1] = (spells[-1], end is not None and r["end_reason"] != "contract_ended")
    if not spells or (as_of - min(r["start_date"] for r in rows)).days < horizon:
        return None
    survival = 1.0
    for day in sorted({d for d, left in spells if left}):
        if day >= horizon:
            break
        at_risk = sum(1 for d, _ in spells if d >= day)
        left = sum(1 for d, event in spells if d == day and event)
        survival *= 1 - left / at_risk
    if survival > 0 and max(d for d, _ in spells) < horizon:
        return None
    return survival


def in_region(code: str, region: str) -> bool:
    return within(code, region)
