"""Procurement over the API: SAFE rules on stored procurements, envelope, schedule, board."""

from __future__ import annotations

import io

import openpyxl


def test_eligibility_of_stored_procurements(client, as_user):
    h = as_user("planner")
    items = client.get("/api/v1/joint-procurements", headers=h).json()["items"]
    drones = next(i for i in items if i["item"].startswith("short-range"))
    r = client.get(
        f"/api/v1/procurement/joint-procurements/{drones['id']}/eligibility",
        params={"on": "2026-03-01"},
        headers=h,
    )
    assert r.status_code == 200
    assert r.json() == {"eligible": True, "failures": []}
    # lower the EU share below 65 %: the origin rule fails, and names itself
    client.patch(
        f"/api/v1/joint-procurements/{drones['id']}",
        headers=h,
        json={"version": drones["version"], "eu_origin_share": "0.60"},
    )
    r = client.get(
        f"/api/v1/procurement/joint-procurements/{drones['id']}/eligibility",
        params={"on": "2026-03-01"},
        headers=h,
    ).json()
    assert r["eligible"] is False
    assert [f["rule_id"] for f in r["failures"]] == ["safe.component_origin"]
    assert "2025/1106" in r["failures"][0]["source"] or "eur-lex" in r["failures"][0]["source"]


def test_single_nation_procurement_after_cutoff_fails(client, as_user):
    h = as_user("planner")
    r = client.post(
        "/api/v1/joint-procurements",
        headers=h,
        json={
            "lead_nation": "PL",
            "participants": ["PL"],
            "area_code": "artillery",
            "item": "howitzer",
            "quantity": 4,
        },
    )
    jp = r.json()
    before = client.get(
        f"/api/v1/procurement/joint-procurements/{jp['id']}/eligibility",
        params={"on": "2026-01-15"},
        headers=h,
    ).json()
    after = client.get(
        f"/api/v1/procurement/joint-procurements/{jp['id']}/eligibility",
        params={"on": "2026-07-01"},
        headers=h,
    ).json()
    assert before["eligible"] is True
    assert after["eligible"] is False
    assert "safe.single_member_state" in [f["rule_id"] for f in after["failures"]]


def test_envelope_sums_and_rules(client, as_user):
    h = as_user("observer")
    r = client.get("/api/v1/procurement/envelope", headers=h).json()
    assert r["requested_cents"] == 150_000_000_000 * 100  # the tentative allocation sums to it
    assert r["allocated_cents"] == r["requested_cents"] and not r["oversubscribed"]
    small = client.get(
        "/api/v1/procurement/envelope", params={"envelope_cents": 100_000_000_000 * 100}, headers=h
    ).json()
    assert small["oversubscribed"] and small["allocated_cents"] == 100_000_000_000 * 100
    pl = next(a for a in small["allocations"] if a["nation"] == "PL")
    assert pl["allocated_cents"] < pl["requested_cents"]
    r = client.get("/api/v1/procurement/envelope", params={"rule": "lottery"}, headers=h)
    assert r.status_code == 422 and r.json()["field"] == "rule"


def test_schedule_repays_the_principal(client, as_user):
    h = as_user("latvia")
    r = client.get(
        "/api/v1/procurement/loans/LV/schedule", params={"annual_rate": "0.03"}, headers=h
    ).json()
    assert r["principal_cents"] == 5_680_431_322 * 100
    assert sum(row["principal_cents"] for row in r["rows"]) == r["principal_cents"]
    assert all(row["principal_cents"] == 0 for row in r["rows"][:10])
    assert r["rows"][-1]["closing_balance_cents"] == 0
    assert r["prefinancing_cents"] == r["principal_cents"] * 15 // 100
    x = client.get("/api/v1/procurement/loans/LV/schedule", params={"format": "xlsx"}, headers=h)
    sheet = openpyxl.load_workbook(io.BytesIO(x.content)).active
    assert sheet.max_row == 1 + 45
    r = client.get("/api/v1/procurement/loans/NL/schedule", headers=h)
    assert r.status_code == 422 and r.json()["field"] == "nation"


def test_deadline_board_flags_missing_leads(client, as_user):
    r = client.get(
        "/api/v1/procurement/deadlines", params={"today": "2025-11-25"}, headers=as_user("observer")
    ).json()
    board = {f["area_code"]: f for f in r}
    assert len(board) == 9
    assert board["drones_counter_drone"]["level"] == "ok"
    assert board["air_missile_defence"]["level"] == "overdue"
    assert "no lead nation" in board["air_missile_defence"]["reasons"][0]
    early = client.get(
        "/api/v1/procurement/deadlines", params={"today": "2025-10-15"}, headers=as_user("observer")
    ).json()
    assert {f["area_code"]: f for f in early}["air_missile_defence"]["level"] == "due_soon"


def test_aggregation_never_worse_than_buying_alone(client, as_user):
    r = client.get(
        "/api/v1/procurement/aggregation",
        params={"on": "2026-03-01", "time_limit": 5},
        headers=as_user("observer"),
    )
    assert r.status_code == 200, r.text
    body = r.json()
    methods = {m["method"]: m for m in body["methods"]}
    assert set(methods) >= {"national", "greedy"} and len(methods) == 3
    best = max(m["savings_cents"] for m in methods.values())
    national = next(m for k, m in methods.items() if k.startswith("national"))
    assert national["savings_cents"] == 0 and best > 0
    joint = [p for p in body["proposals"] if len(p["participants"]) > 1]
    assert joint, "the demo needs have shared items"
    for p in joint:
        assert p["safe_eligible"] and p["failed_rules"] == []
        assert all(m["cost_cents"] <= m["alone_cents"] for m in p["members"])
        assert p["total_cents"] == sum(m["cost_cents"] for m in p["members"])
    assert sum(body["savings_by_nation"].values()) == best
    x = client.get(
        "/api/v1/procurement/aggregation",
        params={"on": "2026-03-01", "format": "xlsx", "time_limit": 5},
        headers=as_user("observer"),
    )
    assert openpyxl.load_workbook(io.BytesIO(x.content)).sheetnames == ["proposals", "comparison"]
    r = client.get(
        "/api/v1/procurement/aggregation",
        params={"area_code": "space"},
        headers=as_user("observer"),
    )
    assert r.status_code == 422 and r.json()["field"] == "area_code"
