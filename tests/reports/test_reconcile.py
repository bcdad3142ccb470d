"""Every figure reconciles with the raw rows: totals and cohort retention recomputed here, one row at a time."""

import json
from datetime import date

import pytest
from sqlalchemy import insert

from app.db import Database
from app.models import Pairing, Placement
from app.reports.schemas import IsoWeek, Scope
from app.reports.service import build_report
from app.seed.generator import SeedConfig, seed_database
from tests.reports import helpers as h


def _report(db: Database, scope: Scope, week: str) -> dict:
    with db.session(write=False) as session:
        return build_report(session, scope, IsoWeek.parse(week))


@pytest.fixture
def history(client, tenants, db):
    return h.build_history(client, tenants, db)


class TestHandCheckedWeek:
    def test_totals_by_hand(self, history, db):
        report = _report(db, Scope("province"), h.WEEK)
        # new: same_week (Mon), sunday_start (Sun), other_county; not next_monday nor last_sunday
        # active on Sunday: sunday_start, last_sunday, ends_after_week (ends Monday after), local, other_county
        # departures: same_week (early, 6 days), monday_end (108 days, not early)
        assert {k: report["totals"][k] for k in h.totals([], h.MON)} == {
            "new_placements": 3,
            "active_at_week_end": 5,
            "departures": 2,
            "early_departures": 1,
        }
        assert report["totals"]["end_reasons"] == {"dismissed": 1, "quit_homesick": 1}
        assert report["week_on_week"]["new_placements"] == {"this_week": 3, "last_week": 1, "change": 2}
        # W09 (Feb 24 - Mar 2): active on Mar 2 = last_sunday, ends_after_week, monday_end, local
        assert report["week_on_week"]["active_at_week_end"]["last_week"] == 4
        assert report["week_on_week"]["departures"]["last_week"] == 1  # left_in_w09

    def test_a_placement_starting_and_ending_in_the_week_counts_once_in_each(self, history, db):
        report = _report(db, Scope("province"), h.WEEK)
        trend = {w["week"]: w for w in report["departures_by_week"]}
        assert trend[h.WEEK] == {"week": h.WEEK, "departures": 2, "early_departures": 1}
        assert len(report["departures_by_week"]) == 13 and report["departures_by_week"][0]["week"] == "2024-W50"

    def test_later_facts_do_not_change_a_past_week(self, history, db):
        # ends_after_week ended on Monday 2025-03-10: in W10 it is still active and censored, in W11 it left.
        w10, w11 = _report(db, Scope("province"), "2025-W10"), _report(db, Scope("province"), "2025-W11")
        assert w10["totals"]["departures"] == 2 and w11["totals"]["departures"] == 1
        dec = next(c for c in w10["retention"]["cohorts"] if c["cohort"] == "2024-12")
        assert dec["placements"] == 1 and dec["retention"]["90"]["estimate"] == 1.0
        assert dec["retention"]["180"]["estimate"] is None  # followed 98 days only: too young, not zero

    def test_a_finished_contract_is_a_departure_but_neither_early_nor_a_failure(self, history, db, client, tenants):
        resp = client.post(
            "/api/v1/workers",
            json=h.worker_payload(hukou_county="450225", id_number=h.id_number("450225")),
            headers=tenants["county"].headers,
        )
        assert resp.status_code == 201, resp.text
        with db.session() as session, session.begin():
            session.execute(
                insert(Placement),
                {
                    "worker_id": resp.json()["id"],
                    "vacancy_id": history.vacancies["east"],
                    "start_date": date(2024, 12, 20),
                    "end_date": date(2025, 3, 5),  # 75 days: early if it were a departure
                    "end_reason": "contract_ended",
                    "recorded_by_org_id": tenants["county"].org_id,
                },
            )
        report = _report(db, Scope("province"), h.WEEK)
        assert (report["totals"]["departures"], report["totals"]["early_departures"]) == (3, 1)
        assert report["totals"]["end_reasons"] == {"contract_ended": 1, "dismissed": 1, "quit_homesick": 1}
        trend = {w["week"]: w for w in report["departures_by_week"]}
        assert trend[h.WEEK] == {"week": h.WEEK, "departures": 3, "early_departures": 1}
        # 2024-12: ends_after_week (98 days, running) and this one (75 days, completed): nobody left, so day 90
        # is 100 %, not the 50 % counting the finished contract as a failure would give.
        dec = next(c for c in report["retention"]["cohorts"] if c["cohort"] == "2024-12")
        assert (dec["placements"], dec["retention"]["90"]["estimate"]) == (2, 1.0)
        retention = report["definitions"]["retention"]
        assert retention["label"] == "留存率 / Retention"
        assert "合同期满 / Contract ended" in retention["zh"] and "Contract ended" in retention["en"]
        assert "contract_ended" not in json.dumps(report["definitions"])  # labels, not code words

    def test_cohort_retention_by_hand(self, history, db):
        cohorts = {c["cohort"]: c for c in _report(db, Scope("province"), h.WEEK)["retention"]["cohorts"]}
        assert list(cohorts)[0] == "2024-04" and list(cohorts)[-1] == "2025-03"
        jan = cohorts["2025-01"]  # left after 36 and 30 days: both still employed on day 30; too young for 90
        assert (jan["placements"], jan["retention"]["30"]["estimate"], jan["retention"]["90"]["estimate"]) == (
            2,
            1,
            None,
        )
        assert jan["retention"]["30"]["at_risk"] == 2
        feb = cohorts["2025-02"]  # local, 27 days so far: too young for day 30
        assert feb["retention"]["30"] == {"estimate": None, "ci_low": None, "ci_high": None, "at_risk": 0}
        nov = cohorts["2024-11"]  # monday_end: 108 days, then left: still there on day 90; 114 days old: no day 180
        assert (nov["retention"]["90"]["estimate"], nov["retention"]["180"]["estimate"]) == (1, None)
        assert cohorts["2024-06"]["placements"] == 0 and cohorts["2024-06"]["retention"]["30"]["estimate"] is None

    def test_scopes_and_channels(self, history, db, tenants):
        county = _report(db, Scope("county", code="450225"), h.WEEK)
        assert county["totals"]["new_placements"] == 2 and county["totals"]["active_at_week_end"] == 4
        assert [c["county"] for c in county["by_county"]] == ["450225"]
        employer = _report(db, Scope("employer", org_id=tenants["other_employer"].org_id), h.WEEK)
        assert employer["totals"]["active_at_week_end"] == 1  # the local workshop job
        assert [e["employer_id"] for e in employer["by_employer"]] == [tenants["other_employer"].org_id]
        channels = {c["channel"]: c for c in _report(db, Scope("province"), h.WEEK)["by_channel"]}
        assert channels["local"]["active_at_week_end"] == 1 and channels["nearby"]["active_at_week_end"] == 0
        assert channels["cross_region"]["active_at_week_end"] == 4

    def test_follow_ups_due_and_done(self, history, db, tenants):
        org = tenants["county"].org_id
        p = history.placements
        # last_sunday (start Mar 2) is due its 1-week call on Mar 9; a call on Mar 8 is within 3 days: done.
        h.add_follow_up(db, p["last_sunday"], date(2025, 3, 8), "ok", org)
        # local (start Feb 10) is due its 4-week call on Mar 10: next week, not this one.
        # ends_after_week had a concern on Feb 28: another call due Mar 7; none came.
        h.add_follow_up(db, p["ends_after_week"], date(2025, 2, 28), "concern", org)
        follow = _report(db, Scope("province"), h.WEEK)["follow_ups"]
        assert follow["by_kind"]["week_1"] == {"due": 1, "done": 1}
        assert follow["by_kind"]["after_concern"] == {"due": 1, "done": 0}
        assert follow["by_kind"]["week_4"] == {"due": 0, "done": 0}
        assert (follow["due"], follow["done"]) == (2, 1)
        h.add_follow_up(db, p["ends_after_week"], date(2025, 3, 4), "ok", org)
        assert _report(db, Scope("province"), h.WEEK)["follow_ups"]["by_kind"]["after_concern"]["done"] == 1

    def test_pairings_year_to_date(self, history, db):
        with db.session() as session, session.begin():
            session.execute(
                insert(Pairing),
                {
                    "east_code": "441900",
                    "west_code": "450200",
                    "level": "prefecture",
                    "annual_target": 40,
                    "illustrative": True,
                },
            )
        (row,) = _report(db, Scope("province"), h.WEEK)["by_pairing"]
        # 东莞 <- 柳州 (450225 lies in 4502): started since 1 January and by Sunday: left_in_w09, last_sunday,
        # same_week, sunday_start (not next_monday; not other_county, whose county is in 贺州).
        assert (row["ytd_placements"], row["ytd_target_share"], row["annual_target"]) == (4, 0.1, 40)
        assert row["year_elapsed_share"] == round(68 / 365, 4)
        # The first start this year was 48 days before Sunday: too young for day 90 (plain KM would say 0 here,
        # because the longest spell ended while the others were censored within a week).
        assert row["ytd_retention_90"]["estimate"] is None
        assert (row["new_placements"], row["active_at_week_end"], row["departures"]) == (2, 3, 2)

    def test_a_county_sees_its_share_of_the_pairing_beside_the_pairings_total(self, history, db):
        """The target is the pairing's: a county's own count set against it would read "0.1 % done"."""
        with db.session() as session, session.begin():
            session.execute(
                insert(Pairing),
                {"east_code": "441900", "west_code": "450000", "level": "province", "annual_target": 50},
            )
        # 东莞 <- 广西 this year: the four 融水 starts above and other_county's (贺州, 5 March).
        (county,) = _report(db, Scope("county", code="450225"), h.WEEK)["by_pairing"]
        assert (county["ytd_placements"], county["pairing_ytd_placements"]) == (4, 5)
        assert (county["share_of_pairing"], county["ytd_target_share"]) == (0.8, 0.1)
        (province,) = _report(db, Scope("province"), h.WEEK)["by_pairing"]
        assert (province["ytd_placements"], province["pairing_ytd_placements"]) == (5, 5)
        assert (province["share_of_pairing"], province["ytd_target_share"]) == (1.0, 0.1)


def _compare_with_raw(db: Database, scope: Scope, week: str, rows: list[dict]) -> None:
    iso = IsoWeek.parse(week)
    report = _report(db, scope, week)
    assert {k: report["totals"][k] for k in h.totals([], iso.monday)} == h.totals(rows, iso.monday), (scope, week)
    for item in report["by_county"]:
        mine = [r for r in rows if r["hukou_county"] == item["county"]]
        assert {k: item[k] for k in h.totals([], iso.monday)} == h.totals(mine, iso.monday)
    for item in report["by_channel"]:
        mine = [r for r in rows if h.channel(r) == item["channel"]]
        assert {k: item[k] for k in h.totals([], iso.monday)} == h.totals(mine, iso.monday)
    for cohort in report["retention"]["cohorts"]:
        mine = [
            r for r in rows if r["start_date"].strftime("%Y-%m") == cohort["cohort"] and r["start_date"] <= iso.sunday
        ]
        assert cohort["placements"] == len(mine)
        for horizon in (30, 90, 180):
            expected = h.product_limit(mine, iso.sunday, horizon)
            got = cohort["retention"][str(horizon)]["estimate"]
            if expected is None:
                assert got is None, (cohort["cohort"], horizon)
            else:
                assert got == pytest.approx(expected, abs=1e-4), (cohort["cohort"], horizon)
                ci = cohort["retention"][str(horizon)]
                assert ci["ci_low"] <= got <= ci["ci_high"]


def test_a_seeded_history_reconciles_for_every_kind_of_scope(db, settings, tmp_path):
    seed_database(
        settings.database_url,
        settings.pii_key,
        SeedConfig(workers=700, vacancies=120, years=2, seed=11, today=date(2026, 6, 30)),
        keys_file=tmp_path / "keys.json",
    )
    rows = h.raw_rows(db)
    county = max({r["hukou_county"] for r in rows}, key=lambda c: sum(r["hukou_county"] == c for r in rows))
    employer = max({r["employer_org_id"] for r in rows}, key=lambda e: sum(r["employer_org_id"] == e for r in rows))
    with db.session(write=False) as session:
        from app.reports.scope import Reference

        pairing = next(p for p in Reference.load(session).pairings if p.level == "prefecture")
    for week in ("2026-W01", "2026-W14", "2026-W26"):
        _compare_with_raw(db, Scope("province"), week, rows)
        _compare_with_raw(db, Scope("county", code=county), week, [r for r in rows if r["hukou_county"] == county])
        _compare_with_raw(
            db, Scope("employer", org_id=employer), week, [r for r in rows if r["employer_org_id"] == employer]
        )
        mine = [
            r
            for r in rows
            if h.in_region(r["hukou_county"], pairing.west_code) and h.in_region(r["county_code"], pairing.east_code)
        ]
        _compare_with_raw(db, Scope("pairing", pairing_id=pairing.id), week, mine)
    # The year to date of that pairing, by hand.
    report = _report(db, Scope("province"), "2026-W26")
    row = next(p for p in report["by_pairing"] if p["pairing_id"] == pairing.id)
    ytd = [r for r in mine if date(2026, 1, 1) <= r["start_date"] <= date(2026, 6, 28)]
    assert row["ytd_placements"] == len(ytd)
    assert row["ytd_target_share"] == pytest.approx(len(ytd) / pairing.annual_target, abs=1e-4)
    expected = h.product_limit(ytd, date(2026, 6, 28), 90)
    assert row["ytd_retention_90"]["estimate"] == (None if expected is None else pytest.approx(expected, abs=1e-4))
    assert sum(w["departures"] for w in report["departures_by_week"]) == sum(
        1 for r in rows if r["end_date"] and date(2026, 3, 30) <= r["end_date"] <= date(2026, 6, 28)
    )
