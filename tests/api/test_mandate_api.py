"""Positions and the mandate through the API: nation scope, errors, versions, audit, and the
blockers endpoint."""

from __future__ import annotations

WEEK = "2026-11-30"


def _scenario(client, h, name):
    items = client.get("/api/v1/scenarios", headers=h).json()["items"]
    return next(s for s in items if s["name"] == name)


def _proposal(client, h):
    return client.get("/api/v1/mandate-proposals", headers=h).json()["items"][0]


def test_blockers_in_the_demo(client, as_user):
    h = as_user("observer")
    reality = _scenario(client, h, "Reality")
    r = client.get(f"/api/v1/scenarios/{reality['id']}/mandate", params={"week": WEEK}, headers=h)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["holds"] is False and body["first_week"] is None and body["horizon_weeks"] == 104
    (proposal,) = body["proposals"]
    assert proposal["title"] == "Amend EUMAM Ukraine mandate to allow training on Ukrainian soil"
    blockers = {b["nation"]: b for b in proposal["blockers"]}
    assert len(blockers) == 27
    assert blockers["LV"]["stance"] == "support_with_conditions"
    assert blockers["LV"]["date"] == "2025-08-29" and "unn.ua" not in blockers["LV"]["source"]
    assert "infoquest" in blockers["LV"]["source"]
    assert blockers["DE"]["stance"] == "unknown"
    what_if = _scenario(client, h, "What-if: Latvia drops its condition")
    r = client.get(
        f"/api/v1/scenarios/{what_if['id']}/mandate", params={"week": "2026-12-07"}, headers=h
    )
    (proposal,) = r.json()["proposals"]
    assert "LV" not in {b["nation"] for b in proposal["blockers"]}
    assert proposal["agreeing"] == ["LV"]
    # before the override's week the recorded position applies
    r = client.get(f"/api/v1/scenarios/{what_if['id']}/mandate", params={"week": WEEK}, headers=h)
    lv = next(b for b in r.json()["proposals"][0]["blockers"] if b["nation"] == "LV")
    assert lv["scope"] == "baseline" and lv["first_agreeing_week"] == "2026-12-07"


def test_blockers_errors(client, as_user):
    h = as_user("observer")
    assert client.get("/api/v1/scenarios/999999/mandate", headers=h).status_code == 404
    r = client.get("/api/v1/scenarios/1/mandate", params={"weeks": 0}, headers=h)
    assert r.status_code == 422 and r.json()["field"] == "weeks"
    r = client.get("/api/v1/scenarios/1/mandate", params={"week": "9999-12-27"}, headers=h)
    assert r.status_code == 422 and r.json()["field"] == "week"


def test_nation_scope_and_errors(client, as_user):
    latvia, planner = as_user("latvia"), as_user("planner")
    pid = _proposal(client, planner)["id"]
    sid = _scenario(client, planner, "Ceasefire next month")["id"]
    body = {
        "proposal_id": pid,
        "nation": "EE",
        "scenario_id": sid,
        "stance": "oppose",
        "date": "2026-12-01",
        "source": "ILLUSTRATIVE",
    }
    r = client.post("/api/v1/mandate-positions", json=body, headers=latvia)
    assert r.status_code == 403 and r.json()["field"] == "nation"
    ee = client.get("/api/v1/mandate-positions", params={"nation": "EE"}, headers=latvia).json()
    ee = next(p for p in ee["items"] if p["scenario_id"] is None)
    r = client.patch(
        f"/api/v1/mandate-positions/{ee['id']}",
        json={"version": ee["version"], "stance": "oppose"},
        headers=latvia,
    )
    assert r.status_code == 403
    r = client.post("/api/v1/mandate-positions", json={**body, "nation": "LV"}, headers=latvia)
    assert r.status_code == 201, r.text
    row = r.json()
    assert row["scenario_id"] == sid
    for bad, field in (
        ({"nation": "NO"}, "nation"),
        ({"nation": "LV"}, "nation"),  # already has one in this scenario
        ({"stance": "maybe"}, "stance"),
        ({"source": " "}, "source"),
        ({"condition": "mandate_amended"}, "condition"),
        ({"condition": "phase >= cease"}, "condition"),
        ({"proposal_id": 999999}, "proposal_id"),
    ):
        r = client.post("/api/v1/mandate-positions", json={**body, **bad}, headers=planner)
        assert r.status_code == 422, (bad, r.text)
        err = r.json()
        assert set(err) == {"error", "detail", "field"} and err["field"] == field, (bad, err)
    # stale version
    r = client.patch(
        f"/api/v1/mandate-positions/{row['id']}",
        json={"version": row["version"], "stance": "support"},
        headers=planner,
    )
    assert r.status_code == 200
    r = client.patch(
        f"/api/v1/mandate-positions/{row['id']}",
        json={"version": row["version"], "stance": "abstain"},
        headers=latvia,
    )
    assert r.status_code == 409 and r.json()["field"] == "version"
    audit = client.get(
        "/api/v1/audit",
        params={"entity": "mandate_position", "entity_id": row["id"]},
        headers=planner,
    ).json()
    assert [e["action"] for e in audit["items"]] == ["update", "create"]
    assert {e["actor"] for e in audit["items"]} == {"latvia", "planner"}
    # a proposal still referenced by positions cannot be deleted
    proposal = _proposal(client, planner)
    r = client.delete(
        f"/api/v1/mandate-proposals/{proposal['id']}",
        params={"version": proposal["version"]},
        headers=planner,
    )
    assert r.status_code == 409


def test_flipping_a_position_in_a_what_if_flips_usable(client, as_user):
    """A what-if where every member state agrees opens a site that requires the mandate."""
    planner = as_user("planner")
    pid = _proposal(client, planner)["id"]
    flip = client.post("/api/v1/scenarios", json={"name": "All agree"}, headers=planner).json()
    site = client.post(
        "/api/v1/sites",
        headers=planner,
        json={
            "name": "Mandate test site",
            "host_nation": "UA",
            "latitude": 50.0,
            "longitude": 30.0,
            "in_ukraine": True,
            "weekly_capacity": 100,
            "course_codes": ["BASIC"],
            "condition": "mandate_amended",
        },
    ).json()
    members = client.get(
        "/api/v1/nations", params={"eu_member": True, "limit": 100}, headers=planner
    ).json()["items"]
    for i, n in enumerate(members):
        r = client.post(
            "/api/v1/mandate-positions",
            headers=planner,
            json={
                "proposal_id": pid,
                "nation": n["code"],
                "scenario_id": flip["id"],
                "stance": "support" if i else "wait_for_ceasefire",
                "date": "2026-11-30",
                "source": "ILLUSTRATIVE",
            },
        )
        assert r.status_code == 201, r.text
    first = members[0]["code"]

    def usable():
        return client.get(
            f"/api/v1/scenarios/{flip['id']}/usable", params={"week": WEEK}, headers=planner
        ).json()

    before = usable()
    assert before["conditions"]["mandate_amended"] is False
    assert site["id"] not in before["open_sites"]
    over = client.get(
        "/api/v1/mandate-positions",
        params={"nation": first, "scenario_id": flip["id"]},
        headers=planner,
    ).json()["items"][0]
    r = client.patch(
        f"/api/v1/mandate-positions/{over['id']}",
        json={"version": over["version"], "stance": "support"},
        headers=planner,
    )
    assert r.status_code == 200
    after = usable()
    assert after["conditions"]["mandate_amended"] is True
    assert site["id"] in after["open_sites"]
    reality = _scenario(client, planner, "Reality")
    r = client.get(
        f"/api/v1/scenarios/{reality['id']}/usable", params={"week": WEEK}, headers=planner
    )
    assert site["id"] not in r.json()["open_sites"]
