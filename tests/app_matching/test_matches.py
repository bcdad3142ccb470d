"""The matcher through the API: ranked matches and candidates, walls, inferred occupations, after-departure rules."""

from datetime import UTC, timedelta

from app.clock import today
from tests.factories import new_vacancy, new_worker, patch_fresh, vacancy_payload


def _matches(client, tenant, worker_id, limit=10, order="tiers") -> dict:
    resp = client.get(f"/api/v1/workers/{worker_id}/matches?limit={limit}&order={order}", headers=tenant.headers)
    assert resp.status_code == 200, resp.text
    return resp.json()


def test_matches_apply_hard_rules_and_explain(client, tenants, trained):
    county, employer = tenants["county"], tenants["employer"]
    worker = new_worker(client, county, channel_preference="cross_region")  # born 1995
    good = new_vacancy(client, employer, wage_min=5000, wage_max=6500)
    too_old = new_vacancy(client, employer, max_age=25)
    local = new_vacancy(client, tenants["employer"], county_code="441900", headcount=1)
    closed = new_vacancy(client, employer, status="closed")
    full_worker = new_worker(client, county)
    resp = client.post(
        "/api/v1/placements",
        json={"worker_id": full_worker, "vacancy_id": local, "start_date": str(today())},
        headers=county.headers,
    )
    assert resp.status_code == 201, resp.text
    body = _matches(client, county, worker)
    ids = [m["vacancy"]["id"] for m in body["items"]]
    assert good in ids
    assert too_old not in ids and closed not in ids and local not in ids  # age limit, closed, no headcount left
    assert body["model"]["kind"] == "ranker" and body["model"]["version"]
    scores = [m["score"] for m in body["items"]]
    assert scores == sorted(scores, reverse=True) and all(0 < s < 1 for s in scores)
    for item in body["items"]:
        assert 1 <= len(item["reasons"]) <= 3
        assert all(r["zh"] and r["en"] and " / " in r["text"] for r in item["reasons"])
    # The province reads; another county, an employer and an agency do not.
    assert client.get(f"/api/v1/workers/{worker}/matches", headers=tenants["province"].headers).status_code == 200
    assert client.get(f"/api/v1/workers/{worker}/matches", headers=tenants["other_county"].headers).status_code == 404
    assert client.get(f"/api/v1/workers/{worker}/matches", headers=employer.headers).status_code == 403


def test_channel_preference_is_a_hard_rule(client, tenants, trained, make_tenant):
    workshop = make_tenant("employer", "450225", "融水帮扶车间")
    local = new_vacancy(client, workshop, county_code="450225", wage_min=2600, wage_max=3200, housing=False)
    east = new_vacancy(client, tenants["employer"])
    cross = new_worker(client, tenants["county"], channel_preference="cross_region")
    home = new_worker(client, tenants["county"], channel_preference="local", expected_wage=2800)
    assert [m["vacancy"]["id"] for m in _matches(client, tenants["county"], cross)["items"]] == [east]
    assert [m["vacancy"]["id"] for m in _matches(client, tenants["county"], home)["items"]] == [local]


def test_bad_limit_is_422(client, tenants, untrained):
    worker = new_worker(client, tenants["county"])
    for bad in ("0", "101", "x"):
        resp = client.get(f"/api/v1/workers/{worker}/matches?limit={bad}", headers=tenants["county"].headers)
        assert resp.status_code == 422
        assert resp.json()["detail"][0]["field"] == "limit"


def test_without_a_ranker_the_rule_fallback_is_marked(client, tenants, untrained):
    worker = new_worker(client, tenants["county"])
    new_vacancy(client, tenants["employer"])
    body = _matches(client, tenants["county"], worker)
    assert body["model"]["kind"] == "rule_baseline" and "not a retention probability" in body["model"]["note"]
    assert len(body["items"]) == 1


def test_candidates_are_consenting_workers_with_no_pii_otherwise(client, tenants, trained):
    county, employer = tenants["county"], tenants["employer"]
    vacancy = new_vacancy(client, employer)
    shared = new_worker(client, county, consent_to_share=True, name="覃小梅")
    private = new_worker(client, county, consent_to_share=False)
    resp = client.get(f"/api/v1/vacancies/{vacancy}/candidates?limit=10", headers=employer.headers)
    assert resp.status_code == 200, resp.text
    items = resp.json()["items"]
    ids = [c["worker"]["id"] for c in items]
    assert shared in ids and private not in ids
    cand = items[ids.index(shared)]["worker"]
    assert cand["name"] == "覃小梅" and "*" in cand["id_number"] and "*" in cand["phone"]
    assert (
        client.get(f"/api/v1/vacancies/{vacancy}/candidates", headers=tenants["other_employer"].headers).status_code
        == 404
    )
    assert client.get(f"/api/v1/vacancies/{vacancy}/candidates", headers=county.headers).status_code == 403
    assert client.get(f"/api/v1/vacancies/{vacancy}/candidates?limit=0", headers=employer.headers).status_code == 422


def test_vacancy_title_gets_an_inferred_occupation(client, tenants, trained):
    body = vacancy_payload(title="电子厂普工（包吃住）")
    body.pop("occupation_code")
    resp = client.post("/api/v1/vacancies", json=body, headers=tenants["employer"].headers)
    assert resp.status_code == 201, resp.text
    read = resp.json()
    assert read["occupation_inferred"] is True and read["occupation_code"]
    alts = read["occupation_alternatives"]
    assert 1 < len(alts) <= 5 and alts[0]["code"] == read["occupation_code"] and alts[0]["name"]
    assert [a["score"] for a in alts] == sorted((a["score"] for a in alts), reverse=True)
    again = client.get(f"/api/v1/vacancies/{read['id']}", headers=tenants["employer"].headers).json()
    assert again["occupation_inferred"] is True
    fixed = patch_fresh(
        client,
        f"/api/v1/vacancies/{read['id']}",
        json={"occupation_code": "6-25-04-00"},
        headers=tenants["employer"].headers,
    ).json()
    assert fixed["occupation_inferred"] is False and fixed["occupation_code"] == "6-25-04-00"


def test_an_unclear_title_gets_no_code_only_alternatives(client, tenants, trained):
    from app.matching.service import INFER_MIN_SCORE

    body = vacancy_payload(title="！！！")
    body.pop("occupation_code")
    resp = client.post("/api/v1/vacancies", json=body, headers=tenants["employer"].headers)
    assert resp.status_code == 201, resp.text
    read = resp.json()
    assert read["occupation_code"] is None and read["occupation_inferred"] is False
    alts = read["occupation_alternatives"]
    assert 1 < len(alts) <= 5 and all(a["code"] and a["name"] for a in alts)
    assert alts[0]["score"] < INFER_MIN_SCORE
    assert "不够清楚" in read["occupation_note"] and "not clear enough" in read["occupation_note"]
    again = client.get(f"/api/v1/vacancies/{read['id']}", headers=tenants["employer"].headers).json()
    assert again["occupation_code"] is None and again["occupation_note"] == read["occupation_note"]
    # A clear title later gets a code, and the note goes.
    clear = patch_fresh(
        client,
        f"/api/v1/vacancies/{read['id']}",
        json={"title": "电子厂普工（包吃住）"},
        headers=tenants["employer"].headers,
    ).json()
    assert clear["occupation_inferred"] is True and clear["occupation_code"] and clear["occupation_note"] is None
    assert clear["occupation_alternatives"][0]["score"] >= INFER_MIN_SCORE


def test_without_a_normaliser_the_vacancy_says_so(client, tenants, untrained):
    body = vacancy_payload()
    body.pop("occupation_code")
    read = client.post("/api/v1/vacancies", json=body, headers=tenants["employer"].headers).json()
    assert read["occupation_code"] is None and read["occupation_inferred"] is False
    assert "laborbridge train" in read["occupation_note"]


# ---- after a departure. The rule fallback has known weights, so each effect is visible exactly.


def _place_and_end(client, county, worker, vacancy, reason, days_ago=40, lasted=20):
    start = today() - timedelta(days=days_ago)
    resp = client.post(
        "/api/v1/placements",
        json={"worker_id": worker, "vacancy_id": vacancy, "start_date": str(start)},
        headers=county.headers,
    )
    assert resp.status_code == 201, resp.text
    resp = patch_fresh(
        client,
        f"/api/v1/placements/{resp.json()['id']}",
        json={"end_date": str(start + timedelta(days=lasted)), "end_reason": reason},
        headers=county.headers,
    )
    assert resp.status_code == 200, resp.text


def _order(client, county, worker, order="tiers") -> list[int]:
    return [m["vacancy"]["id"] for m in _matches(client, county, worker, order=order)["items"]]


def test_after_quit_wage_jobs_meeting_the_wage_rank_higher(client, tenants, untrained, make_tenant):
    county, employer = tenants["county"], tenants["employer"]
    other = make_tenant("employer", "440306", "宝安电子厂")
    worker = new_worker(client, county, expected_wage=4500, desired_occupations=["4-03-02-01"], skills=[], past_jobs=[])
    wished_low = new_vacancy(client, employer, occupation_code="4-03-02-01", wage_min=2800, wage_max=3600)
    near_wish_pays = new_vacancy(client, other, occupation_code="4-03-02-05", wage_min=4800, wage_max=5200)
    old_job = new_vacancy(client, employer, occupation_code="6-25-04-00", wage_min=3000, wage_max=3200)
    before = _order(client, county, worker, "retention")
    assert before.index(wished_low) < before.index(near_wish_pays)
    _place_and_end(client, county, worker, old_job, "quit_wage")
    after = _order(client, county, worker, "retention")
    assert after.index(near_wish_pays) < after.index(wished_low)
    assert old_job in after  # a quit is information: the same employer is still offered
    # The boost moves jobs within a tier: in the default order the wished occupation still comes first.
    assert _order(client, county, worker)[0] == wished_low


def test_after_going_home_local_jobs_rank_higher(client, tenants, untrained, make_tenant):
    county, employer = tenants["county"], tenants["employer"]
    workshop = make_tenant("employer", "450225", "融水帮扶车间")
    worker = new_worker(
        client, county, channel_preference="any", expected_wage=4500, desired_occupations=["6-25-04-00"]
    )
    east = new_vacancy(client, employer, wage_min=4400, wage_max=4600)
    home = new_vacancy(client, workshop, county_code="450225", wage_min=3400, wage_max=3800, housing=False)
    assert _order(client, county, worker).index(east) < _order(client, county, worker).index(home)
    for reason in ("quit_homesick", "quit_family"):
        w = new_worker(client, county, channel_preference="any", expected_wage=4500, desired_occupations=["6-25-04-00"])
        _place_and_end(client, county, w, east, reason)
        body = _matches(client, county, w)
        order = [m["vacancy"]["id"] for m in body["items"]]
        assert order.index(home) < order.index(east), reason
        assert body["adjustments"] and "local" in body["adjustments"][0]["en"]


def test_going_home_never_shows_a_channel_the_worker_excluded(client, tenants, untrained, make_tenant):
    """Only a cross-region-minded worker is widened to local and nearby jobs; `local` stays local."""
    county, employer = tenants["county"], tenants["employer"]  # the county office is 融水 (450225)
    here = new_vacancy(client, make_tenant("employer", "450225", "融水帮扶车间"), county_code="450225")
    nearby = new_vacancy(client, make_tenant("employer", "450102", "南宁食品厂"), county_code="450102")
    east = new_vacancy(client, employer)
    expected = {"local": {here}, "nearby": {here, nearby}, "cross_region": {here, nearby, east}}
    for preference, shown in expected.items():
        worker = new_worker(client, county, channel_preference=preference)
        _place_and_end(client, county, worker, east, "quit_homesick")
        assert set(_order(client, county, worker)) == shown, preference


def test_after_a_dispute_the_employer_is_not_offered_for_the_configured_period(
    client, tenants, untrained, make_tenant, app
):
    county, employer = tenants["county"], tenants["employer"]
    other = make_tenant("employer", "440306", "宝安电子厂")
    worker = new_worker(client, county)
    disputed = new_vacancy(client, employer)
    same_employer = new_vacancy(client, employer)
    elsewhere = new_vacancy(client, other)
    _place_and_end(client, county, worker, disputed, "dispute")
    order = _order(client, county, worker)
    assert elsewhere in order and disputed not in order and same_employer not in order
    settings = app.state.matcher.settings
    old = settings.dispute_block_days
    settings.dispute_block_days = 10  # the dispute ended 20 days ago: outside a 10-day period
    try:
        order = _order(client, county, worker)
    finally:
        settings.dispute_block_days = old
    assert disputed in order and same_employer in order


def test_candidate_pool_is_cached_without_personal_data_and_follows_changes(client, tenants, trained, app):
    import time

    from app.matching.service import PERSONAL_COLUMNS

    county, employer = tenants["county"], tenants["employer"]
    vacancy = new_vacancy(client, employer)
    first = new_worker(client, county, consent_to_share=True, name="覃小梅")

    def candidates() -> dict[int, dict]:
        resp = client.get(f"/api/v1/vacancies/{vacancy}/candidates?limit=100", headers=employer.headers)
        assert resp.status_code == 200, resp.text
        return {c["worker"]["id"]: c["worker"] for c in resp.json()["items"]}

    assert first in candidates()
    pool = app.state.matcher._pool
    assert pool is not None and "age" in pool.columns
    assert not set(PERSONAL_COLUMNS) & set(pool.columns)  # names and ID numbers are read for shown rows only
    second = new_worker(client, county, consent_to_share=True, name="韦志强")
    app.state.matcher._pool_checked = -1e18  # skip the one-second re-check interval
    shown = candidates()
    assert second in shown and shown[second]["name"] == "韦志强" and shown[first]["name"] == "覃小梅"
    assert "*" in shown[second]["id_number"]

    # Within the re-check interval (the pool is not reloaded) a withdrawal or a placement shows at once.
    app.state.matcher._pool_checked = time.monotonic() + 3600
    withdrawn = patch_fresh(
        client, f"/api/v1/workers/{first}", json={"consent_to_share": False}, headers=county.headers
    )
    assert withdrawn.status_code == 200, withdrawn.text
    placed = client.post(
        "/api/v1/placements",
        json={"worker_id": second, "vacancy_id": new_vacancy(client, employer), "start_date": str(today())},
        headers=county.headers,
    )
    assert placed.status_code == 201, placed.text
    third = new_worker(client, county, consent_to_share=True, name="陆海燕")
    shown = candidates()
    assert first in app.state.matcher._pool["worker_id"].tolist()  # still in the cached pool
    assert first not in shown and second not in shown
    assert third not in shown  # the pool has not been reloaded: new workers wait for it, departures do not
    app.state.matcher._pool_checked = -1e18
    assert set(candidates()) == {third}


def test_early_exits_and_a_monitored_household_never_lower_a_candidate(client, tenants, trained):
    """A flag never lowers a worker's standing; the employer sees no history reason either."""
    county, employer = tenants["county"], tenants["employer"]
    vacancy = new_vacancy(client, employer)
    earlier = new_vacancy(client, employer, wage_min=3000, wage_max=3500)
    plain = new_worker(client, county, consent_to_share=True, monitored_household=False, dependants=1)
    flagged = new_worker(client, county, consent_to_share=True, monitored_household=True, dependants=1)
    _place_and_end(client, county, flagged, earlier, "quit_homesick", days_ago=60, lasted=15)
    _place_and_end(client, county, flagged, earlier, "quit_wage", days_ago=30, lasted=10)
    resp = client.get(f"/api/v1/vacancies/{vacancy}/candidates?limit=100", headers=employer.headers)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["model"]["kind"] == "ranker"
    items = {c["worker"]["id"]: c for c in body["items"]}
    assert items[plain]["score"] == items[flagged]["score"]
    for item in (items[plain], items[flagged]):
        factors = {r["factor"] for r in item["reasons"]}
        assert not factors & {"prior_early_exits", "prior_placements", "monitored_household", "dependants"}
        assert not any("离职" in r["zh"] or "left a job" in r["en"] for r in item["reasons"])


# ---- freshness and the per-request path (the board is cached per process)


def _slow_board_checks(app, seconds: float):
    settings = app.state.matcher.settings
    old = settings.match_board_check_seconds
    settings.match_board_check_seconds = seconds
    return settings, old


def test_filled_or_closed_vacancies_disappear_at_once_even_from_a_cached_board(client, tenants, untrained, app):
    county, employer = tenants["county"], tenants["employer"]
    worker = new_worker(client, county)
    ids = [new_vacancy(client, employer, headcount=1) for _ in range(4)]
    settings, old = _slow_board_checks(app, 3600)  # the board is not reloaded during this test
    try:
        assert sorted(_order(client, county, worker)) == sorted(ids)
        closed = patch_fresh(client, f"/api/v1/vacancies/{ids[0]}", json={"status": "closed"}, headers=employer.headers)
        assert closed.status_code == 200, closed.text
        other = new_worker(client, county)
        placed = client.post(
            "/api/v1/placements",
            json={"worker_id": other, "vacancy_id": ids[1], "start_date": str(today())},
            headers=county.headers,
        )
        assert placed.status_code == 201, placed.text
        body = _matches(client, county, worker, limit=2)  # the two best of what is left, not a short list
        assert [m["vacancy"]["id"] for m in body["items"]] == [i for i in _order(client, county, worker)][:2]
        assert sorted(_order(client, county, worker)) == sorted(ids[2:])
        assert all(m["vacancy"]["headcount_left"] == 1 for m in body["items"])
    finally:
        settings.match_board_check_seconds = old


def test_a_new_vacancy_appears_after_the_background_refresh(client, tenants, untrained, app):
    import time

    county, employer = tenants["county"], tenants["employer"]
    worker = new_worker(client, county)
    first = new_vacancy(client, employer)
    settings, old = _slow_board_checks(app, 0.2)
    try:
        assert _order(client, county, worker) == [first]
        second = new_vacancy(client, employer)
        deadline = time.monotonic() + 10
        while second not in _order(client, county, worker):  # each request may start a refresh; none waits
            assert time.monotonic() < deadline, "the new vacancy never appeared"
            time.sleep(0.1)
    finally:
        settings.match_board_check_seconds = old


def test_the_board_signature_sees_a_write_committed_after_a_newer_one(client, tenants, db):
    """A transaction stamps updated_at when it writes but may commit after a later-stamped one: still a change."""
    from datetime import datetime

    from app.matching.repository import board_signature, pool_signature
    from app.placements.models import Placement
    from app.vacancies.models import Vacancy
    from app.workers.models import Worker

    county, employer = tenants["county"], tenants["employer"]
    vacancy_id = new_vacancy(client, employer, headcount=2)
    worker_id, other_id = new_worker(client, county), new_worker(client, county)
    placements = []
    for person in (worker_id, other_id):  # the second one holds the newest placement stamp
        placed = client.post(
            "/api/v1/placements",
            json={"worker_id": person, "vacancy_id": vacancy_id, "start_date": str(today() - timedelta(days=3))},
            headers=county.headers,
        )
        assert placed.status_code == 201, placed.text
        placements.append(placed.json()["id"])
    new_vacancy(client, employer), new_worker(client, county)  # and these the newest vacancy and worker stamps
    long_ago = datetime(2020, 1, 1, tzinfo=UTC)  # older than every stamp: max(updated_at) cannot move

    def signatures() -> tuple:
        with db.session(write=False) as s:
            return board_signature(s), pool_signature(s)

    writes = [
        (Vacancy, vacancy_id, {"wage_max": 9000}),
        (Placement, placements[0], {"end_date": today(), "end_reason": "quit_wage"}),
        (Worker, worker_id, {"expected_wage": 7000}),
    ]
    for model, row_id, values in writes:
        before = signatures()
        with db.session() as s, s.begin():
            row = s.get(model, row_id)
            for key, value in {**values, "updated_at": long_ago}.items():
                setattr(row, key, value)
        after = signatures()
        if model is Vacancy:  # the case the signature must catch: count and max(updated_at) did not move
            assert after[0][:2] == before[0][:2]
        assert after[1] != before[1], model.__name__
        assert (after[0] != before[0]) == (model is not Worker), model.__name__  # workers are not on the board


def test_api_matches_equal_the_batch_ranking_on_the_same_rows(client, tenants, trained, app, db, make_tenant):
    import numpy as np

    from app.matching import repository, service
    from app.pii import vault_for
    from matching.ranking import top_k_batch

    county = tenants["county"]
    employers = [tenants["employer"], make_tenant("employer", "440306", "宝安电子厂"),
                 make_tenant("employer", "450225", "融水帮扶车间")]  # fmt: skip
    rng = np.random.default_rng(3)
    codes = ["6-25-04-00", "4-03-02-01", "4-03-02-05", "6-05-01-02"]
    for i in range(30):
        e = employers[i % 3]
        wage = int(rng.integers(2600, 6000))
        new_vacancy(client, e, county_code=e.region if e.region.startswith("45") else "441900",
                 occupation_code=codes[i % 4], wage_min=wage, wage_max=wage + int(rng.integers(0, 2000)),
                 housing=bool(i % 2), shift=["day", "two_shift", "three_shift"][i % 3])  # fmt: skip
    people = [new_worker(client, county, channel_preference=p, expected_wage=int(rng.integers(3000, 6000)),
                      desired_occupations=[codes[i % 4]]) for i, p in enumerate(["any", "cross_region", "local",
                                                                                "nearby", "any"])]  # fmt: skip
    matcher = app.state.matcher
    with db.session(write=False) as s:
        ranker, _ = service.model_info(matcher)
        pairs, _ = matcher.reference(s)
        frame = service.enrich_workers(s, matcher, repository.workers(s, people), vault_for(app.state.settings.pii_key),
                                       today())  # fmt: skip
        want = top_k_batch(frame, repository.open_vacancies(s), ranker, k=8, pairs=pairs, shortlist=8, rerank=False)
    compared = 0
    for person in people:
        items = _matches(client, county, person, limit=8, order="retention")["items"]
        expected = want[want["worker_id"] == person]
        assert [m["vacancy"]["id"] for m in items] == expected["vacancy_id"].tolist()
        assert [m["score"] for m in items] == [round(float(x), 4) for x in expected["score"]]
        compared += len(items)
    assert compared >= 15
