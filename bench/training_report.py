"""The weekly report with its training section at scale on SQLite: `python -m bench --only training-report`.

On the report bench's synthetic province (bench/reports.py: N placements, default 1,000,000) each vacancy gets an
occupation, and every fifth placement's worker an enrolment (about 200,000 at the default size) in an order class
for that vacancy that ended three days before the month the placement started (one class and demand per vacancy
and month; one enrolment in fifty dropped). Then the whole-province weekly report is built and rendered to JSON.
"""

import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

STRIDE = 5  # one placement in five was preceded by a class
OCCUPATIONS = 20


def add_training(path: Path, stride: int = STRIDE) -> dict[str, Any]:
    """A school, a demand and an order class per (vacancy, start month), and the enrolments, in SQL."""
    conn = sqlite3.connect(path)
    started = time.perf_counter()
    with conn:
        codes = [r[0] for r in conn.execute("SELECT code FROM occupations ORDER BY code LIMIT ?", (OCCUPATIONS,))]
        cases = " ".join(f"WHEN {i} THEN '{c}'" for i, c in enumerate(codes))
        conn.execute(f"UPDATE vacancies SET occupation_code = CASE id % {len(codes)} {cases} END")
        school = conn.execute("SELECT max(id) + 1 FROM orgs").fetchone()[0]
        conn.execute(
            "INSERT INTO orgs (id, kind, name, region_code, created_at, updated_at) VALUES "
            "(?, 'training_school', '柳州市技工学校 (bench)', '450200', '2023-01-01 00:00:00.000000', "
            "'2023-01-01 00:00:00.000000')",
            (school,),
        )
        conn.execute("CREATE TEMP TABLE class_month (id INTEGER PRIMARY KEY, vacancy_id INTEGER, month TEXT)")
        conn.execute(
            "INSERT INTO class_month (vacancy_id, month) SELECT DISTINCT vacancy_id, substr(start_date, 1, 7) "
            f"FROM placements WHERE id % {stride} = 0 ORDER BY 2, 1"
        )
        conn.execute(
            """
            INSERT INTO training_demands (id, employer_org_id, vacancy_id, occupation_code, headcount,
                hire_commitment, skills, needed_by, version, created_at, updated_at)
            SELECT m.id, v.employer_org_id, v.id, v.occupation_code, 60, 40, '[]', date(m.month || '-01'), 1,
                datetime(m.month || '-01', '-60 days') || '.000000', datetime(m.month || '-01', '-60 days') || '.000000'
            FROM class_month m JOIN vacancies v ON v.id = m.vacancy_id
            """
        )
        conn.execute(
            f"""
            INSERT INTO training_classes (id, school_org_id, demand_id, mode, occupation_code, title, county_code,
                start_date, end_date, planned_hours, capacity, certificate_type, status, version, created_at,
                updated_at)
            SELECT d.id, {school}, d.id, 'order_class', d.occupation_code, '订单班 (bench)', '450200',
                date(d.needed_by, '-40 days'), date(d.needed_by, '-3 days'), 120, 1000, NULL, 'completed', 1,
                d.created_at, datetime(d.needed_by, '-3 days') || '.000000'
            FROM training_demands d
            """
        )
        conn.execute(
            f"""
            INSERT OR IGNORE INTO training_enrolments (class_id, worker_id, status, attended_hours, result,
                enrolled_by_org_id, version, created_at, updated_at)
            SELECT m.id, p.worker_id, CASE WHEN p.id % 50 = 0 THEN 'dropped' ELSE 'completed' END,
                CASE WHEN p.id % 50 = 0 THEN 30 ELSE 120 END, CASE WHEN p.id % 50 = 0 THEN NULL ELSE 'pass' END,
                1, 1, datetime(m.month || '-01', '-45 days') || '.000000',
                datetime(m.month || '-01', CASE WHEN p.id % 50 = 0 THEN '-30 days' ELSE '-3 days' END) || '.000000'
            FROM placements p JOIN class_month m
                ON m.vacancy_id = p.vacancy_id AND m.month = substr(p.start_date, 1, 7)
            WHERE p.id % {stride} = 0
            """
        )
    made = {
        "classes": conn.execute("SELECT count(*) FROM training_classes").fetchone()[0],
        "enrolments": conn.execute("SELECT count(*) FROM training_enrolments").fetchone()[0],
        "training_insert_seconds": round(time.perf_counter() - started, 1),
    }
    conn.execute("ANALYZE")
    conn.close()
    return made


def run(
    placements: int, workdir: Path, migrate: Callable[[Path, str], str], log: Callable[[str], None]
) -> dict[str, Any]:
    from bench.reports import populate, time_report

    url = migrate(workdir, "training-report.db")
    path = Path(url.split("///", 1)[1])
    made = populate(path, placements, log=log)
    made |= add_training(path)
    log(f"training report: {made['classes']:,} classes, {made['enrolments']:,} enrolments")
    report = time_report(url)
    print(
        f"training/sqlite: weekly report with the training section over {made['placements']:,} placements and "
        f"{made['enrolments']:,} enrolments: {report['seconds_with_json']:.1f} s (build {report['build_seconds']} s; "
        "under 60 s, aim under 15 s)",
        flush=True,
    )
    return {"database": "sqlite", **made, "report": report}
