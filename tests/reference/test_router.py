"""Reference routes as any key sees them."""


def test_me_names_the_organisation_the_key_belongs_to(client, tenants):
    for tenant, name in ((tenants["county"], "融水县就业服务中心"), (tenants["employer"], "东莞电子厂")):
        me = client.get("/api/v1/me", headers=tenant.headers)
        assert me.status_code == 200
        assert me.json() == {
            "org_id": tenant.org_id,
            "name": name,
            "kind": tenant.kind,
            "region_code": tenant.region,
            "scopes": [],
        }
