"""Scenario timelines from the database: usability per week and Ukrainian site readiness."""

from __future__ import annotations


def _scenario(client, h, name):
    items = client.get("/api/v1/scenarios", headers=h).json()["items"]
    return next(s for s in items if s["name"] == name)


def test_reality_keeps_ukrainian_sites_closed(client, as_user):
    h = as_user("observer")
    reality = _scenario(client, h, "Reality")
    r = client.get(
        f"/api/v1/scenarios/{reality['id']}/readiness", params={"today": "2026-11-30"}, headers=h
    )
    assert r.status_code == 200
    sites = {s["site"]: s for s in r.json()}
    assert set(sites) == {"Yavoriv", "Lviv", "Uzhhorod"}
    assert all(not s["open_now"] and s["first_open_week"] is None for s in sites.values())
    assert sites["Lviv"]["blocking"] == ["phase >= ceasefire", "site_lviv_cleared"]


def test_recording_ceasefire_and_clearance_opens_a_site(client, as_user):
    h = as_user("planner")
    what_if = _scenario(client, h, "Ceasefire next month")
    before = {
        s["site"]: s
        for s in client.get(
            f"/api/v1/scenarios/{what_if['id']}/readiness",
            params={"today": "2026-11-30"},
            headers=h,
        ).json()
    }
    assert before["Lviv"]["first_open_week"] is None  # ceasefire comes, clearance does not
    r = client.post(
        "/api/v1/condition-events",
        headers=h,
        json={"scenario_id": what_if["id"], "date": "2027-02-03", "condition": "site_lviv_cleared"},
    )
    assert r.status_code == 201, r.text
    after = {
        s["site"]: s
        for s in client.get(
            f"/api/v1/scenarios/{what_if['id']}/readiness",
            params={"today": "2026-11-30"},
            headers=h,
        ).json()
    }
    assert after["Lviv"]["first_open_week"] == "2027-02-01"
    assert after["Lviv"]["weeks_from_now"] == 9
    assert after["Yavoriv"]["first_open_week"] is None


def test_usable_in_a_week(client, as_user):
    h = as_user("planner")
    what_if = _scenario(client, h, "Ceasefire next month")
    client.post(
        "/api/v1/condition-events",
        headers=h,
        json={
            "scenario_id": what_if["id"],
            "date": "2027-01-04",
            "condition": "ceasefire_parameters_agreed",
        },
    )
    during = client.get(
        f"/api/v1/scenarios/{what_if['id']}/usable", params={"week": "2026-12-09"}, headers=h
    ).json()
    after = client.get(
        f"/api/v1/scenarios/{what_if['id']}/usable", params={"week": "2027-01-13"}, headers=h
    ).json()
    assert during["phase"] == "truce" and after["phase"] == "ceasefire"
    assert during["week"] == "2026-12-07"
    pledges = {
        p["id"]: p
        for p in client.get("/api/v1/pledges", params={"limit": 100}, headers=h).json()["items"]
    }
    lv = next(p["id"] for p in pledges.values() if p["nation"] == "LV")
    de_inf = next(
        p["id"]
        for p in pledges.values()
        if p["nation"] == "DE" and p["course_category"] == "infantry"
    )
    assert lv not in during["pledges_usable_in_ukraine"]
    assert lv in after["pledges_usable_in_ukraine"] and de_inf in after["pledges_usable_in_ukraine"]
    eu_only = [p["id"] for p in pledges.values() if p["eu_soil_only"]]
    assert not set(eu_only) & set(after["pledges_usable_in_ukraine"])
    # the FR troops need a ceasefire: usable after, not during the truce
    contributions = client.get("/api/v1/contributions", params={"nation": "FR"}, headers=h).json()[
        "items"
    ]
    fr = contributions[0]["id"]
    assert fr not in during["contributions_usable"] and fr in after["contributions_usable"]


def test_unknown_condition_event_is_422(client, as_user):
    h = as_user("planner")
    s = _scenario(client, h, "Reality")
    r = client.post(
        "/api/v1/condition-events",
        headers=h,
        json={"scenario_id": s["id"], "date": "2027-01-04", "condition": "us_backstp"},
    )
    assert r.status_code == 422 and r.json()["field"] == "condition"
