from tests.conftest import worker_payload


def test_create_and_read_worker(client, tenants):
    county = tenants["county"]
    resp = client.post("/api/v1/workers", json=worker_payload(), headers=county.headers)
    assert resp.status_code == 201, resp.text
    body = resp.json()
    assert body["id_number"].startswith("450225********")
    assert body["phone"] == "138****0000"
    got = client.get(f"/api/v1/workers/{body['id']}", headers=county.headers)
    assert got.status_code == 200
    assert client.get(f"/api/v1/workers/{body['id']}", headers=tenants["other_county"].headers).status_code == 404
