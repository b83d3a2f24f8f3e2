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
    assert sites["Lviv"]["blocking"] == [
        "phase >= ceasefire",
        "site_lviv_cleared",
        "mandate_amended",
    ]


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
    # cleared from 1 Feb, but training inside Ukraine also needs the mandate changed
    assert after["Lviv"]["first_open_week"] is None
    assert after["Lviv"]["blocking"][-1] == "mandate_amended"
    all_agree(client, h, what_if["id"], "2027-03-01")
    after = {
        s["site"]: s
        for s in client.get(
            f"/api/v1/scenarios/{what_if['id']}/readiness",
            params={"today": "2026-11-30"},
            headers=h,
        ).json()
    }
    assert after["Lviv"]["first_open_week"] == "2027-03-01"
    assert after["Lviv"]["weeks_from_now"] == 13
    assert after["Yavoriv"]["first_open_week"] is None


def all_agree(client, h, scenario_id, date):
    """A what-if in which every member state supports the mandate change from `date`."""
    proposal = client.get("/api/v1/mandate-proposals", headers=h).json()["items"][0]
    members = client.get(
        "/api/v1/nations", params={"eu_member": True, "limit": 100}, headers=h
    ).json()["items"]
    for n in members:
        r = client.post(
            "/api/v1/mandate-positions",
            headers=h,
            json={
                "proposal_id": proposal["id"],
                "nation": n["code"],
                "scenario_id": scenario_id,
                "stance": "support",
                "date": date,
                "source": "ILLUSTRATIVE test what-if",
            },
        )
        assert r.status_code == 201, r.text


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


def test_site_waiting_for_air_defence_coverage(client, as_user):
    """A training site can require its zone's air defence to be covered by the coalition's
    contributions: a shortfall in guarantees keeps the site shut."""
    h = as_user("planner")
    what_if = _scenario(client, h, "Ceasefire next month")
    r = client.post(
        "/api/v1/sites",
        headers=h,
        json={
            "name": "Rivne",
            "host_nation": "UA",
            "in_ukraine": True,
            "latitude": 50.62,
            "longitude": 26.25,
            "weekly_capacity": 300,
            "course_codes": ["BASIC"],
            "condition": "phase >= ceasefire and western_non_combat_air_defence_covered",
            "zone": "western_non_combat",
        },
    )
    assert r.status_code == 201, r.text

    def rivne():
        rows = client.get(
            f"/api/v1/scenarios/{what_if['id']}/readiness",
            params={"today": "2026-11-30", "weeks": 20},
            headers=h,
        ).json()
        return next(s for s in rows if s["site"] == "Rivne")

    before = rivne()
    assert before["first_open_week"] is None  # the demo offers 4 of the 6 batteries needed
    r = client.post(
        "/api/v1/contributions",
        headers=h,
        json={
            "nation": "PL",
            "kind": "air_defence",
            "capability": "air_defence_battery",
            "quantity": 2,
            "unit": "batteries",
            "zones": ["western_non_combat"],
            "condition": "phase >= ceasefire",
        },
    )
    assert r.status_code == 201, r.text
    assert rivne()["first_open_week"] == "2027-01-04"


def test_projection_of_the_approved_plan(db):
    import datetime as dt

    from sqlalchemy import select

    from muster.training import service
    from muster.training.models import Cohort, Site, TrainingRequest

    today = dt.date(2027, 1, 1)
    assert service.projected_trained(db_session=db, today=today, current=80000) == []
    req = db.scalars(select(TrainingRequest).where(TrainingRequest.course_code == "MEDIC")).one()
    site = db.scalars(select(Site)).first()
    for start, n in (
        (dt.date(2027, 1, 4), 24),
        (dt.date(2027, 2, 1), 20),
        (dt.date(2026, 11, 2), 10),
    ):  # the last ended before today
        db.add(
            Cohort(
                request_id=req.id, site_id=site.id, start_week=start, trainees=n, status="planned"
            )
        )
    db.flush()
    points = service.projected_trained(db_session=db, today=today, current=80000)
    assert points == [(today, 80000), (dt.date(2027, 1, 29), 80024), (dt.date(2027, 2, 26), 80044)]
