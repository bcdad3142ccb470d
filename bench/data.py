"""Generated workers (valid ID numbers, real CSCO codes), as import-template CSV and as prepared table columns."""

import csv
import io
import json
import random
from datetime import date, datetime, timedelta
from typing import Any

from app.config import ROOT
from app.db import Database, utcnow
from app.orgs import service as orgs
from app.pii import PiiVault
from app.workers.idnumber import make_id_number
from app.workers.importer import COLUMNS
from app.workers.service import stored_columns

COUNTY = "450225"  # 融水苗族自治县: the county office's region and every worker's hukou
BENCH_PII_KEY = "bench-pii-key-0123456789abcdef0123456789"
# The import template's English headers, in template order.
CSV_COLUMNS = tuple(column.name for column in COLUMNS)
LIST_FIELDS = ("skills", "past_jobs", "desired_occupations")
EDUCATION = ("primary", "junior_secondary", "junior_secondary", "senior_secondary", "vocational", "college")
CHANNELS = ("cross_region", "local", "nearby", "any")
SURNAMES = "韦覃莫蓝梁黄吴杨潘石龙陆"
GIVEN = ("小红", "志强", "秀英", "建国", "美玲", "海涛", "丽娟", "永福", "春燕", "德明")
PAST_JOBS = ("电子厂普工", "建筑小工", "餐厅服务员", "快递分拣员", "缝纫工", "保安")


def occupation_codes(limit: int = 40) -> list[str]:
    """Leaf CSCO 2022 codes from production and service trades (the reference data the migration loads)."""
    with open(ROOT / "seed_data" / "csco2022_occupations.csv", encoding="utf-8") as f:
        codes = [r["code"] for r in csv.DictReader(f) if r["level"] == "4" and r["code"][0] in "46"]
    return codes[:: max(1, len(codes) // limit)][:limit]


def generate_workers(n: int, seed: int = 7) -> list[dict[str, Any]]:
    """n distinct workers, shaped like WorkerCreate input (ID numbers unique: 1,000 serials per birth date)."""
    rng = random.Random(seed)
    codes = occupation_codes()
    first_birth = date(1975, 1, 1)
    rows = []
    for i in range(n):
        birth = first_birth + timedelta(days=i // 1000)
        rows.append(
            {
                "external_id": f"B-{i:07d}",
                "id_number": make_id_number(COUNTY, birth, i % 1000),
                "name": rng.choice(SURNAMES) + rng.choice(GIVEN),
                "phone": f"138{i:08d}",
                "hukou_county": COUNTY,
                "education": rng.choice(EDUCATION),
                "skills": rng.sample(codes, 2),
                "past_jobs": rng.sample(PAST_JOBS, rng.randint(0, 2)),
                "desired_occupations": rng.sample(codes, rng.randint(1, 3)),
                "channel_preference": rng.choice(CHANNELS),
                "expected_wage": rng.randrange(3000, 8000, 100),
                "registered_low_income": rng.random() < 0.3,
                "monitored_household": rng.random() < 0.1,
                "dependants": rng.randint(0, 4),
                "consent_to_share": rng.random() < 0.5,
            }
        )
    return rows


def to_csv(rows: list[dict[str, Any]]) -> bytes:
    """The import template's CSV: English headers, lists joined by `;`, booleans as true/false."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        cells = []
        for column in CSV_COLUMNS:
            value = row[column]
            if column in LIST_FIELDS:
                value = ";".join(value)
            elif isinstance(value, bool):
                value = "true" if value else "false"
            cells.append(value)
        writer.writerow(cells)
    return out.getvalue().encode("utf-8")


def prepared_columns(rows: list[dict[str, Any]], owner_org_id: int, vault: PiiVault) -> list[dict[str, Any]]:
    """Every column of the workers table, PII hashed and encrypted here (the raw baselines do not time this)."""
    now = utcnow()
    out = []
    for row in rows:
        columns = stored_columns(row, vault)
        columns.update(owner_org_id=owner_org_id, version=1, created_at=now, updated_at=now)
        out.append(columns)
    return out


def sqlite_params(columns: list[dict[str, Any]], names: list[str]) -> list[tuple[Any, ...]]:
    """Values as SQLAlchemy stores them in SQLite: JSON text, 0/1, ISO dates, naive datetime strings."""

    def convert(value: Any) -> Any:
        if isinstance(value, list):
            return json.dumps(value)
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, datetime):
            return value.replace(tzinfo=None).isoformat(" ", "microseconds")
        if isinstance(value, date):
            return value.isoformat()
        return value

    return [tuple(convert(c[name]) for name in names) for c in columns]


def copy_rows(columns: list[dict[str, Any]], names: list[str]) -> list[tuple[Any, ...]]:
    """Values for COPY ... FROM STDIN: JSON columns as text, the rest as psycopg adapts them."""
    return [tuple(json.dumps(c[n]) if isinstance(c[n], list) else c[n] for n in names) for c in columns]


def make_county_office(url: str, name: str = "融水县就业服务中心 (bench)") -> tuple[int, str]:
    """A county office for COUNTY with one key, as tests/conftest.py make_tenant does."""
    db = Database(url)
    try:
        with db.session() as session, session.begin():
            org, key = orgs.create_org(session, "county_office", COUNTY, name, [])
            return org.id, key
    finally:
        db.dispose()
