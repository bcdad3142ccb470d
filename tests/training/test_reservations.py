"""Places an order class holds for its graduates, and the `training` tier: through the API on the real database.

After an order class completes, min(hire_commitment, graduates, headcount left) places on the demand's vacancy
are held for its graduates for LB_TRAINING_RESERVATION_DAYS days: anyone else is refused (409) and is not offered
those places in /matches, /candidates or allocations. A graduate's own order-class vacancy comes first in their
/matches, and the vacancy's graduates first in its /candidates; dropping out lowers nobody.
"""

import asyncio
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from app.clock import today
from app.placements.models import Placement
from app.training.models import TrainingReservation
from tests.training.conftest import patch

ATTRACTIVE = {"wage_min": 9000, "wage_max": 12000, "occupation_code": "6-25-04-00"}
SEWING = "6-05-01-03"  # 缝纫工: the graduates' wish, so the order-class vacancy is not their `wish` tier
GRADUATE = {"desired_occupations": [SEWING], "skills": [], "past_jobs": [], "consent_to_share": True}
# A worker who wants the order-class vacancy's occupation and pay: were the places not held, they would be theirs.
ATTRACTIVE_WISH = {"desired_occupations": ["6-25-04-00"], "expected_wage": 5000}


def _order_class(api, make, headcount: int, commitment: int, graduates: list[int], dropouts: list[int],
                 who: dict[int, str] | None = None) -> dict[str, Any]:  # fmt: skip
    """An employer's vacancy and demand, a school's order class that `graduates` pass and `dropouts` leave, then
    completed: {"vacancy": id, "class": id}."""
    who = who or {}
    vacancy = make.vacancy(headcount=headcount, title="数控车床操作工（订单班）", **ATTRACTIVE)
    demand = make.demand(vacancy_id=vacancy, headcount=headcount, hire_commitment=commitment)
    klass = make.klass(mode="order_class", demand_id=demand["id"], capacity=len(graduates) + len(dropouts))
    enrolments = {w: make.enrolment(klass["id"], w, who.get(w, "county"))["id"] for w in graduates + dropouts}
    assert patch(api, f"/training/classes/{klass['id']}", "school", {"status": "running"}).status_code == 200
    for w in graduates:
        body = {"attended_hours": 120, "result": "pass"}
        assert patch(api, f"/training/enrolments/{enrolments[w]}", "school", body).status_code == 200
    for w in dropouts:
        body = {"status": "dropped", "drop_reason": "家中有事"}
        assert patch(api, f"/training/enrolments/{enrolments[w]}", "school", body).status_code == 200
    assert patch(api, f"/training/classes/{klass['id']}", "school", {"status": "completed"}).status_code == 200
    return {"vacancy": vacancy, "class": klass["id"]}


def _place(api, worker: int, vacancy: int, who: str = "county") -> Any:
    return api("POST", "/placements", who, {"worker_id": worker, "vacancy_id": vacancy, "start_date": "2026-12-01"})


def _placements_on(db, vacancy: int) -> int:
    with db.session() as session:
        return int(session.scalar(select(func.count()).where(Placement.vacancy_id == vacancy)))


def _matches(api, app, worker: int, who: str = "county") -> list[dict[str, Any]]:
    app.state.matcher.forget()  # the board is cached for a second; these tests change it between requests
    resp = api("GET", f"/workers/{worker}/matches?limit=100", who)
    assert resp.status_code == 200, resp.text
    return list(resp.json()["items"])


def _candidates(api, app, vacancy: int) -> list[dict[str, Any]]:
    app.state.matcher.forget()
    resp = api("GET", f"/vacancies/{vacancy}/candidates?limit=100", "employer")
    assert resp.status_code == 200, resp.text
    return list(resp.json()["items"])


@pytest.fixture(scope="module")
def full(api, make) -> dict[str, Any]:
    """Headcount 2, commitment 2, two graduates (and one drop-out): every place is held for the graduates."""
    grads = [make.worker(**GRADUATE) for _ in range(2)]
    dropout = make.worker(**GRADUATE)
    return {**_order_class(api, make, 2, 2, grads, [dropout]), "graduates": grads, "dropout": dropout}


@pytest.fixture(scope="module")
def partial(api, make) -> dict[str, Any]:
    """Headcount 3, commitment 2, two graduates: one place is open to everyone, two are held."""
    grads = [make.worker(**GRADUATE) for _ in range(2)]
    return {**_order_class(api, make, 3, 2, grads, []), "graduates": grads}


class TestPlacing:
    def test_completion_reserves_min_of_commitment_graduates_and_headcount_left_for_the_setting_days(
        self, api, make, db, full, settings
    ):
        with db.session() as session:
            row = session.scalars(
                select(TrainingReservation).where(TrainingReservation.class_id == full["class"])
            ).one()
        assert row.vacancy_id == full["vacancy"] and row.places == 2
        assert (
            row.expires_on == today() + timedelta(days=settings.training_reservation_days) and row.expires_on > today()
        )
        # One graduate, a commitment of 3: the graduates' number caps what is held.
        one = _order_class(api, make, 3, 3, [make.worker(**GRADUATE)], [])
        assert _place(api, make.worker(), one["vacancy"]).status_code == 201
        assert _place(api, make.worker(), one["vacancy"]).status_code == 201  # 3 - 1 held: two for anyone
        assert _place(api, make.worker(), one["vacancy"]).status_code == 409

    def test_a_non_graduate_on_a_held_place_is_409_bilingual_and_writes_nothing(self, api, make, db, full):
        resp = _place(api, make.worker(), full["vacancy"])
        assert resp.status_code == 409 and resp.json()["error"] == "conflict"
        message = resp.json()["message"]
        assert "订单班结业学员保留" in message and "reserved for its order-class graduates" in message
        assert str(today() + timedelta(days=30)) in message
        assert _placements_on(db, full["vacancy"]) == 0
        # A drop-out of that very class is not a graduate either.
        assert _place(api, full["dropout"], full["vacancy"]).status_code == 409

    def test_graduates_take_the_held_places_and_others_only_the_open_ones(self, api, make, db):
        grads = [make.worker(**GRADUATE) for _ in range(2)]
        made = _order_class(api, make, 3, 2, grads, [])
        first, second = make.worker(), make.worker()
        assert _place(api, first, made["vacancy"]).status_code == 201  # the one place not held
        assert _place(api, second, made["vacancy"]).status_code == 409
        assert _place(api, grads[0], made["vacancy"]).status_code == 201
        assert _place(api, second, made["vacancy"]).status_code == 409  # one place left, still held
        assert _place(api, grads[1], made["vacancy"]).status_code == 201
        assert _placements_on(db, made["vacancy"]) == 3

    def test_the_places_open_to_everyone_once_the_days_have_passed(self, api, make, db, monkeypatch):
        made = _order_class(api, make, 1, 1, [make.worker(**GRADUATE)], [])
        worker = make.worker()
        monkeypatch.setattr("app.placements.service.today", lambda: today() + timedelta(days=29))
        assert _place(api, worker, made["vacancy"]).status_code == 409
        monkeypatch.setattr("app.placements.service.today", lambda: today() + timedelta(days=30))
        assert _place(api, worker, made["vacancy"]).status_code == 201


def test_concurrent_hires_never_take_a_held_place(api, make, db, people, live_server):
    """30 non-graduates and the 3 graduates at once through a real server: 2 open places, 3 held."""
    grads = [make.worker(**GRADUATE) for _ in range(3)]
    made = _order_class(api, make, 5, 3, grads, [])
    others = [make.worker() for _ in range(30)]
    bodies = [{"worker_id": w, "vacancy_id": made["vacancy"], "start_date": "2026-12-01"} for w in others + grads]

    async def fire() -> list[int]:
        async with httpx.AsyncClient(base_url=live_server, headers=people["county"].headers, timeout=60) as http:
            responses = await asyncio.gather(*[http.post("/api/v1/placements", json=b) for b in bodies])
        return [r.status_code for r in responses]

    codes = asyncio.run(fire())
    assert sorted(codes[:30]) == [201] * 2 + [409] * 28 and codes[30:] == [201] * 3, codes
    assert _placements_on(db, made["vacancy"]) == 5


class TestOffering:
    def test_matches_do_not_offer_held_places_to_a_non_graduate(self, api, app, make, full, partial):
        items = {m["vacancy"]["id"]: m for m in _matches(api, app, make.worker(**ATTRACTIVE_WISH))}
        assert full["vacancy"] not in items
        assert items[partial["vacancy"]]["vacancy"]["headcount_left"] == 1

    def test_a_graduate_is_offered_every_place_left(self, api, app, full, partial):
        items = {m["vacancy"]["id"]: m for m in _matches(api, app, full["graduates"][0])}
        assert items[full["vacancy"]]["vacancy"]["headcount_left"] == 2
        items = {m["vacancy"]["id"]: m for m in _matches(api, app, partial["graduates"][0])}
        assert items[partial["vacancy"]]["vacancy"]["headcount_left"] == 3

    def test_matches_offer_the_places_again_once_the_days_have_passed(self, api, app, make, full, monkeypatch):
        worker = make.worker(**ATTRACTIVE_WISH)
        monkeypatch.setattr("app.matching.service.today", lambda: today() + timedelta(days=30))
        items = {m["vacancy"]["id"]: m for m in _matches(api, app, worker)}
        assert items[full["vacancy"]]["vacancy"]["headcount_left"] == 2

    def test_candidates_of_a_fully_held_vacancy_are_its_graduates_only(self, api, app, make, full):
        make.worker(**ATTRACTIVE_WISH, consent_to_share=True)  # a strong non-graduate candidate
        ids = [c["worker"]["id"] for c in _candidates(api, app, full["vacancy"])]
        assert sorted(ids) == sorted(full["graduates"])

    def test_allocations_leave_held_places_to_the_graduates(self, api, make, people):
        # The graduates are another county's workers, so this county's allocation holds none of them.
        grads = [make.worker("other_county", hukou_county="451122", **GRADUATE) for _ in range(2)]
        made = _order_class(api, make, 2, 2, grads, [], who=dict.fromkeys(grads, "other_county"))
        for _ in range(4):
            make.worker(**ATTRACTIVE_WISH)
        ordinary = make.vacancy(headcount=10)  # pays less than the held vacancy: second choice for everyone
        resp = api("POST", "/allocations", "county", {"method": "greedy", "candidates_per_worker": 100})
        assert resp.status_code == 201, resp.text
        detail = api("GET", f"/allocations/{resp.json()['id']}?limit=500", "county").json()
        taken = {i["vacancy_id"] for i in detail["items"]}
        assert ordinary in taken and made["vacancy"] not in taken


class TestTrainingTier:
    def test_a_graduates_own_order_class_vacancy_comes_first_ahead_of_their_wish(self, api, app, make, partial):
        make.vacancy(title="缝纫工", occupation_code=SEWING)  # the graduate's wished occupation
        items = _matches(api, app, partial["graduates"][1])
        assert items[0]["vacancy"]["id"] == partial["vacancy"]
        assert items[0]["tier"] == "training" and items[0]["tier_label"] == (
            "你结业的订单班对应的岗位 / the job your order class trained you for"
        )
        tiers = [m["tier"] for m in items]
        assert "wish" in tiers and tiers == sorted(tiers, key=["training", "wish", "skill", "other"].index)

    def test_the_tier_lapses_once_its_days_have_passed(self, api, app, partial, settings, monkeypatch):
        ended = date.fromisoformat(api("GET", f"/training/classes/{partial['class']}", "school").json()["end_date"])
        for days, tiered in ((settings.training_tier_days, True), (settings.training_tier_days + 1, False)):
            monkeypatch.setattr("app.matching.service.today", lambda d=days: ended + timedelta(days=d))
            assert ("training" in {m["tier"] for m in _matches(api, app, partial["graduates"][1])}) is tiered

    def test_a_vacancys_graduates_come_first_in_its_candidates(self, api, app, make, partial):
        make.worker(**ATTRACTIVE_WISH, consent_to_share=True)  # scores above the graduates on this vacancy
        items = _candidates(api, app, partial["vacancy"])
        assert sorted(c["worker"]["id"] for c in items[:2]) == sorted(partial["graduates"])
        assert len(items) > 2  # one place is open to everyone: the rest are still candidates, by score
        rest = [c["score"] for c in items[2:]]
        assert rest == sorted(rest, reverse=True)

    def test_dropping_out_lowers_nobody(self, api, app, make, full):
        twin = make.worker(**GRADUATE)  # the drop-out's profile, never enrolled
        mine, theirs = _matches(api, app, full["dropout"]), _matches(api, app, twin)
        assert "training" not in {m["tier"] for m in mine}
        seen = [[(m["vacancy"]["id"], m["tier"], m["score"]) for m in items] for items in (mine, theirs)]
        assert seen[0] == seen[1]
        # A vacancy without graduates ranks its candidates by score alone, ties by worker id: nobody moved.
        items = _candidates(api, app, make.vacancy(title="缝纫工", occupation_code=SEWING))
        score = {c["worker"]["id"]: c["score"] for c in items}
        assert score[full["dropout"]] == score[twin]
        assert items == sorted(items, key=lambda c: (-c["score"], c["worker"]["id"]))
