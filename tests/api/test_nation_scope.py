"""A nation user for Latvia cannot change Estonia's rows through any endpoint."""

from __future__ import annotations

import pytest

ESTONIAN = {
    "pledges": {
        "nation": "EE",
        "course_category": "infantry",
        "instructors": 3,
        "week_from": "2027-01-04",
        "week_to": "2027-02-01",
    },
    "contributions": {
        "nation": "EE",
        "kind": "troops",
        "capability": "engineer_company",
        "quantity": 1,
    },
    "needs": {
        "nation": "EE",
        "area_code": "maritime",
        "item": "boat",
        "quantity": 1,
        "unit_cost_cents": 100,
    },
    "loan-requests": {"nation": "EE", "amount_cents": 100},
}


def _import_refused(client, headers, resource, body):
    header = ",".join(body)
    values = ",".join(str(v) for v in body.values())
    r = client.post(
        f"/api/v1/{resource}/import",
        headers=headers,
        files={"file": ("x.csv", f"{header}\n{values}\n".encode(), "text/csv")},
    )
    assert r.status_code == 422
    assert r.json()["rows"][0]["line"] == 2 and r.json()["rows"][0]["field"] == "nation"


@pytest.mark.parametrize("resource", sorted(ESTONIAN))
def test_latvia_cannot_touch_estonian_rows(resource, client, as_user):
    lv, ee, admin = as_user("latvia"), as_user("estonia"), as_user("admin")
    body = ESTONIAN[resource]
    before = client.get(f"/api/v1/{resource}", headers=admin).json()["total"]
    # create in Estonia's name, directly or by import
    r = client.post(f"/api/v1/{resource}", json=body, headers=lv)
    assert r.status_code == 403 and r.json()["field"] == "nation"
    if resource == "loan-requests":
        assert client.post(f"/api/v1/{resource}/import", headers=lv).status_code == 405
    else:
        _import_refused(client, lv, resource, body)
    assert client.get(f"/api/v1/{resource}", headers=admin).json()["total"] == before
    # Estonia's own row: update, delete and re-labelling are refused
    row = client.post(f"/api/v1/{resource}", json=body, headers=ee)
    assert row.status_code == 201, row.text
    row = row.json()
    r = client.patch(
        f"/api/v1/{resource}/{row['id']}",
        headers=lv,
        json={"version": row["version"], "note": "changed by LV"},
    )
    assert r.status_code == 403
    r = client.patch(
        f"/api/v1/{resource}/{row['id']}",
        headers=lv,
        json={"version": row["version"], "nation": "LV"},
    )
    assert r.status_code == 403
    r = client.delete(f"/api/v1/{resource}/{row['id']}?version={row['version']}", headers=lv)
    assert r.status_code == 403
    unchanged = client.get(f"/api/v1/{resource}/{row['id']}", headers=admin).json()
    assert unchanged["version"] == row["version"] and unchanged["nation"] == "EE"
    # and Latvia may not move its own row over to Estonia
    own = client.post(f"/api/v1/{resource}", json={**body, "nation": "LV"}, headers=lv).json()
    r = client.patch(
        f"/api/v1/{resource}/{own['id']}",
        headers=lv,
        json={"version": own["version"], "nation": "EE"},
    )
    assert r.status_code == 403
