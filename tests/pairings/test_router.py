"""Pairings the province writes: versions keep the id, bad input writes nothing, readers take the version then."""

from datetime import date

import pandas as pd
import pytest

from app.pairings import service
from app.pairings.models import PairingVersion
from app.reference.models import Pairing

BODY = {
    "east_code": "441302",
    "west_code": "450821",
    "level": "county",
    "annual_target": 300,
    "start_date": "2026-01-01",
}


def _create(client, tenants, **overrides):
    return client.post("/api/v1/pairings", json=BODY | overrides, headers=tenants["province"].headers)


def _count(db) -> tuple[int, int]:
    with db.session() as s:
        return s.query(Pairing).count(), s.query(PairingVersion).count()


class TestCreate:
    def test_a_new_pairing_is_version_1_in_force_from_its_start(self, client, tenants):
        resp = _create(client, tenants)
        assert resp.status_code == 201, resp.text
        body = resp.json()
        assert body["version"] == 1 and body["effective_from"] == "2026-01-01"
        assert body["level_label"] == "县级 / County"
        assert resp.headers["ETag"] == f'"{body["id"]}.1"'
        listed = client.get("/api/v1/pairings", headers=tenants["county"].headers).json()
        assert [p["id"] for p in listed] == [body["id"]]

    @pytest.mark.parametrize(
        ("overrides", "field"),
        [
            ({"east_code": "449999"}, "east_code"),  # no such division
            ({"east_code": "450225"}, "east_code"),  # both in Guangxi: the same side
            ({"west_code": "441303"}, "west_code"),  # both in Guangdong
            ({"east_code": "441300"}, "east_code"),  # a prefecture in a county-level pairing
            ({"annual_target": -1}, "annual_target"),
            ({"end_date": "2025-12-31"}, "end_date"),  # ends before it starts
            ({"level": "village"}, "level"),
        ],
    )
    def test_bad_input_is_422_and_writes_nothing(self, client, tenants, db, overrides, field):
        resp = _create(client, tenants, **overrides)
        assert resp.status_code == 422, resp.text
        detail = resp.json()["detail"]
        assert field in {d.get("field", "").split(".")[-1] for d in detail} | {
            str(d.get("loc", [""])[-1]) for d in detail
        }, detail
        assert _count(db) == (0, 0)

    def test_the_same_two_regions_over_an_overlapping_period_is_422(self, client, tenants, db):
        assert _create(client, tenants, end_date="2026-12-31").status_code == 201
        resp = _create(client, tenants, start_date="2026-06-01")
        assert resp.status_code == 422 and resp.json()["detail"][0]["field"] == "start_date"
        assert _create(client, tenants, start_date="2027-01-01").status_code == 201  # after the first ends
        assert _count(db) == (2, 2)

    def test_a_retry_with_the_same_key_creates_nothing_more(self, client, tenants, db):
        headers = {**tenants["province"].headers, "Idempotency-Key": "pair-1"}
        first = client.post("/api/v1/pairings", json=BODY, headers=headers)
        again = client.post("/api/v1/pairings", json=BODY, headers=headers)
        assert first.status_code == again.status_code == 201
        assert again.json()["id"] == first.json()["id"] and again.headers["Idempotent-Replayed"] == "true"
        assert _count(db) == (1, 1)

    def test_either_provincial_office_writes_and_a_county_cannot(self, client, tenants, make_tenant):
        guangdong = make_tenant("provincial_office", "440000", "广东省东西部协作办公室")
        resp = client.post("/api/v1/pairings", json=BODY, headers=guangdong.headers)
        assert resp.status_code == 201
        refused = client.post("/api/v1/pairings", json=BODY, headers=tenants["county"].headers)
        assert refused.status_code == 403 and "省级协作办公室" in refused.json()["message"]


class TestChange:
    def _patch(self, client, tenants, pairing_id, body, tag=None):
        tag = tag or client.get(f"/api/v1/pairings/{pairing_id}", headers=tenants["province"].headers).headers["ETag"]
        headers = {**tenants["province"].headers, "If-Match": tag}
        return client.patch(f"/api/v1/pairings/{pairing_id}", json=body, headers=headers)

    def test_a_change_is_a_new_version_under_the_same_id(self, client, tenants):
        pid = _create(client, tenants).json()["id"]
        resp = self._patch(client, tenants, pid, {"annual_target": 500, "effective_from": "2026-07-01"})
        assert resp.status_code == 200, resp.text
        assert (resp.json()["id"], resp.json()["version"], resp.json()["annual_target"]) == (pid, 2, 500)
        versions = client.get(f"/api/v1/pairings/{pid}/versions", headers=tenants["county"].headers).json()
        assert [(v["version"], v["effective_from"], v["annual_target"]) for v in versions] == [
            (1, "2026-01-01", 300),
            (2, "2026-07-01", 500),
        ]

    def test_a_version_that_does_not_follow_the_current_one_is_422(self, client, tenants, db):
        pid = _create(client, tenants).json()["id"]
        resp = self._patch(client, tenants, pid, {"annual_target": 500, "effective_from": "2026-01-01"})
        assert resp.status_code == 422 and resp.json()["detail"][0]["field"] == "effective_from"
        assert self._patch(client, tenants, pid, {"annual_target": -5}).status_code == 422
        resp = self._patch(client, tenants, pid, {"west_code": "441303", "effective_from": "2026-02-01"})
        assert resp.status_code == 422
        assert _count(db) == (1, 1)
        assert client.get(f"/api/v1/pairings/{pid}", headers=tenants["county"].headers).json()["annual_target"] == 300

    def test_a_stale_etag_is_412(self, client, tenants):
        pid = _create(client, tenants).json()["id"]
        assert self._patch(client, tenants, pid, {"note": "a", "effective_from": "2026-03-01"}).status_code == 200
        stale = self._patch(client, tenants, pid, {"note": "b", "effective_from": "2026-04-01"}, tag=f'"{pid}.1"')
        assert stale.status_code == 412


class TestInForce:
    def test_readers_take_the_version_in_force_on_their_day(self, client, tenants, db):
        pid = _create(client, tenants, end_date="2026-12-31").json()["id"]
        tag = client.get(f"/api/v1/pairings/{pid}", headers=tenants["province"].headers).headers["ETag"]
        client.patch(
            f"/api/v1/pairings/{pid}",
            json={"annual_target": 900, "effective_from": "2026-07-01"},
            headers={**tenants["province"].headers, "If-Match": tag},
        )
        with db.session() as s:
            assert service.pairings_on(s, date(2025, 12, 31)) == []  # not started yet
            assert [p.annual_target for p in service.pairings_on(s, date(2026, 6, 30))] == [300]
            assert [p.annual_target for p in service.pairings_on(s, date(2026, 7, 1))] == [900]
            assert service.pairings_on(s, date(2027, 1, 1)) == []  # ended
            paired = service.PairedOn.load(s).paired(
                pd.Series(["450821", "450821", "450821", "450225"]),
                pd.Series(["441302", "441302", "441302", "441302"]),
                pd.Series(pd.to_datetime(["2025-06-01", "2026-08-01", "2027-03-01", "2026-08-01"])),
            )
        assert paired.tolist() == [False, True, False, False]

    def test_a_past_weekly_report_reads_the_target_in_force_then(self, client, tenants, db):
        from app.reports.schemas import IsoWeek, Scope
        from app.reports.service import build_report

        pid = _create(client, tenants).json()["id"]
        tag = client.get(f"/api/v1/pairings/{pid}", headers=tenants["province"].headers).headers["ETag"]
        client.patch(
            f"/api/v1/pairings/{pid}",
            json={"annual_target": 900, "effective_from": "2026-07-01"},
            headers={**tenants["province"].headers, "If-Match": tag},
        )
        with db.session() as s:
            june = build_report(s, Scope("province"), IsoWeek.parse("2026-W24"))
            august = build_report(s, Scope("province"), IsoWeek.parse("2026-W33"))
        assert [p["annual_target"] for p in june["by_pairing"]] == [300]
        assert [p["annual_target"] for p in august["by_pairing"]] == [900]
