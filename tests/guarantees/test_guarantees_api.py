"""The guarantees API on the demo data: sourcing, what-if, coverage, status dates, rounds."""

from __future__ import annotations

import io

import openpyxl
import pytest

WEEK = "2027-02-01"  # "Ceasefire next month": formal ceasefire from 4 Jan 2027


def _scenario(client, h, name="Ceasefire next month") -> int:
    rows = client.get("/api/v1/scenarios", headers=h).json()["items"]
    return next(r["id"] for r in rows if r["name"] == name)


def _contribution(client, h, nation, capability=None) -> dict:
    rows = client.get("/api/v1/contributions", params={"nation": nation}, headers=h).json()
    return next(r for r in rows["items"] if capability is None or r["capability"] == capability)


def _sourcing(client, h, **params) -> dict:
    r = client.get("/api/v1/guarantees/sourcing", params=params, headers=h)
    assert r.status_code == 200, r.text
    return r.json()


def _by_capability(table) -> dict[str, dict]:
    return {r["capability"]: r for r in table["requirements"]}


def test_sourcing_fill_rates_and_shortfall_per_zone(client, as_user):
    h = as_user("observer")  # everyone reads
    sid = _scenario(client, h)
    table = _sourcing(client, h, scenario_id=sid, week=WEEK)
    assert table["phase"] == "ceasefire" and table["optimal"]
    req = _by_capability(table)
    assert req["infantry_battalion"]["covered"] == 4  # FR 2 + GB 2; SE, BE wait on conditions
    assert req["infantry_battalion"]["nations"] == ["FR", "GB"]
    assert req["hq_staff"]["fill_rate"] == pytest.approx(0.7)
    assert req["fighter_squadron"]["covered"] == 0  # NL, DK only with a US backstop
    assert req["air_defence_battery"]["shortfall"] == 2  # US 2 + DE 2 of 6
    assert req["isr"]["fill_rate"] == 1
    assert req["instructors"]["covered"] == 0  # Italy trains on EU soil only
    zones = {z["zone"]: z for z in table["zones"]}
    assert zones["western_non_combat"]["shortfall"] == {
        "battalions": 2,
        "batteries": 2,
        "personnel": 2080,  # logistics 1500 + medical 180 + instructors 400
    }
    assert zones["airspace"]["shortfall"] == {"squadrons": 4}
    assert zones["black_sea"]["shortfall"] == {"ships": 4}
    assert zones["western_non_combat"]["air_defence_covered"] is False
    assert table["conditions"]["western_non_combat_air_defence_covered"] is False
    assert 0 < table["fill_rate"] < 1
    # no contribution over-assigned
    used: dict[int, int] = {}
    for a in table["assignments"]:
        used[a["contribution_id"]] = used.get(a["contribution_id"], 0) + a["units"]
    for cid, units in used.items():
        row = client.get(f"/api/v1/contributions/{cid}", headers=h).json()
        assert units <= row["quantity"]


def test_nothing_is_needed_during_hostilities(client, as_user):
    h = as_user("planner")
    table = _sourcing(client, h, week=WEEK)  # the reality: hostilities
    assert table["phase"] == "hostilities"
    assert table["requirements"] == [] and len(table["not_needed_yet"]) == 10


def test_what_if_us_backstop_unlocks_squadrons_and_battalions(client, as_user):
    h = as_user("planner")
    sid = _scenario(client, h)
    ids = {n: _contribution(client, h, n)["id"] for n in ("NL", "DK", "SE", "BE", "EE")}
    r = client.get(
        "/api/v1/guarantees/what-if", params={"scenario_id": sid, "week": WEEK}, headers=h
    )
    assert r.status_code == 200, r.text
    found = {c["condition"]: c for c in r.json()["conditions"]}
    us = found["us_backstop"]
    assert set(us["unlocked"]) == {ids["NL"], ids["DK"], ids["SE"]}
    assert set(us["used"]) == set(us["unlocked"])
    assert us["closed"] == {"squadrons": 2, "battalions": 1}
    # a problem this small is proven within the budget: the bound is the gain itself
    assert us["optimal"] is True and us["gain_bound"] == pytest.approx(us["gain"])
    # Belgium also needs its parliament's approval
    (be,) = [b for b in us["still_blocked"] if b["nation"] == "BE"]
    assert be["blocking"] == ["parliamentary_approval"]
    assert us["summary"] == "us_backstop would unlock 1 battalion and 2 squadrons (DK, NL, SE)"
    assert found["parliamentary_approval"]["closed"] == {"personnel": 150}  # EE logistics
    everything = found["all"]
    assert set(everything["unlocked"]) == set(ids.values())
    assert everything["closed"] == {"squadrons": 2, "battalions": 2, "personnel": 150}
    assert r.json()["conditions"][0]["condition"] == "all"  # largest gain first
    # who could still fill the squadrons: NL and DK, conditional
    squadrons = next(q for q in r.json()["requirements"] if q["capability"] == "fighter_squadron")
    assert {(c["nation"], c["available"]) for c in squadrons["candidates"]} == {
        ("NL", False),
        ("DK", False),
    }


def test_with_parliament_approving_us_backstop_unlocks_all_four(client, as_user):
    h = as_user("planner")
    sid = _scenario(client, h)
    r = client.post(
        "/api/v1/condition-events",
        json={"scenario_id": sid, "date": "2026-12-07", "condition": "parliamentary_approval"},
        headers=h,
    )
    assert r.status_code == 201, r.text
    ids = {n: _contribution(client, h, n)["id"] for n in ("NL", "DK", "SE", "BE")}
    r = client.get(
        "/api/v1/guarantees/what-if", params={"scenario_id": sid, "week": WEEK}, headers=h
    )
    us = r.json()["conditions"][0]
    assert us["condition"] == "us_backstop"
    assert set(us["used"]) == set(ids.values())
    assert us["closed"] == {"squadrons": 2, "battalions": 2}
    assert us["summary"] == "us_backstop would unlock 2 battalions and 2 squadrons (BE, DK, NL, SE)"
    assert us["still_blocked"] == []


def test_substitution_counts_a_mechanised_battalion(client, as_user):
    h = as_user("planner")
    sid = _scenario(client, h)
    r = client.post(
        "/api/v1/contributions",
        json={
            "nation": "PL",
            "kind": "troops",
            "capability": "mechanised_battalion",
            "quantity": 1,
            "unit": "battalions",
            "zones": ["western_non_combat"],
            "rotation_weeks": 13,
        },
        headers=h,
    )
    assert r.status_code == 201, r.text
    table = _sourcing(client, h, scenario_id=sid, week=WEEK)
    assert _by_capability(table)["infantry_battalion"]["covered"] == 4.5  # 13 of 26 weeks
    (pl,) = [a for a in table["assignments"] if a["nation"] == "PL"]
    assert pl["substituted"] and pl["rotation_factor"] == 0.5
    bad = client.post(
        "/api/v1/capability-substitutions",
        json={"provided": "frigate", "required": "frigate"},
        headers=h,
    )
    assert bad.status_code == 422 and bad.json()["field"] == "required"
    assert client.get("/api/v1/capability-substitutions", headers=h).json()["total"] == 3


def test_status_dates_separate_promised_from_deployed(client, as_user):
    h = as_user("planner")
    sid = _scenario(client, h)
    de = _contribution(client, h, "DE", "air_defence_battery")
    url = f"/api/v1/guarantees/contributions/{de['id']}/status"
    r = client.post(url, json={"status": "deployed", "version": de["version"]}, headers=h)
    assert r.status_code == 422 and r.json()["field"] == "status"  # not confirmed yet
    r = client.post(
        url, json={"status": "confirmed", "on": "2027-01-11", "version": de["version"]}, headers=h
    )
    assert r.status_code == 200, r.text
    stale = client.post(url, json={"status": "deployed", "version": de["version"]}, headers=h)
    assert stale.status_code == 409
    r = client.post(
        url,
        json={"status": "deployed", "on": "2027-02-10", "version": r.json()["version"]},
        headers=h,
    )
    assert r.status_code == 200 and r.json()["deployed_on"] == "2027-02-10"
    assert r.json()["confirmed_on"] == "2027-01-11"
    assert (
        client.post(
            url, json={"status": "offered", "version": 9}, headers=as_user("latvia")
        ).status_code
        == 403
    )

    def ad(week, basis):
        table = _sourcing(client, h, scenario_id=sid, week=week, basis=basis)
        return _by_capability(table)["air_defence_battery"]["covered"]

    assert ad(WEEK, "promised") == 4
    assert ad(WEEK, "deployed") == 0  # deploys the week after
    assert ad("2027-02-08", "deployed") == 2
    assert ad("2027-01-11", "confirmed") == 2
    assert ad("2027-01-04", "confirmed") == 0
    bad = client.get("/api/v1/guarantees/sourcing", params={"basis": "hoped"}, headers=h)
    assert bad.status_code == 422


def test_sourcing_rounds(client, as_user):
    h = as_user("planner")
    sid = _scenario(client, h)
    body = {"scenario_id": sid, "week": WEEK, "title": "SOR 1"}
    assert (
        client.post("/api/v1/guarantees/rounds", json=body, headers=as_user("observer")).status_code
        == 403
    )
    r = client.post("/api/v1/guarantees/rounds", json=body, headers=h)
    assert r.status_code == 201, r.text
    first = r.json()
    assert first["number"] == 1 and first["status"] == "open"
    gaps = {g["capability"]: g for g in first["gaps"]}
    assert gaps["fighter_squadron"]["shortfall"] == 4 and "isr" not in gaps
    mcm = gaps["mine_countermeasures"]
    url = f"/api/v1/guarantees/rounds/{first['id']}/gaps/{mcm['id']}"
    r = client.patch(
        url, json={"decision": "accepted", "note": "RO only", "version": mcm["version"]}, headers=h
    )
    assert r.status_code == 200 and r.json()["decision"] == "accepted"
    stale = client.patch(url, json={"decision": "ask_again", "version": mcm["version"]}, headers=h)
    assert stale.status_code == 409
    # a nation answers the round
    r = client.post(
        "/api/v1/contributions",
        json={
            "nation": "LV",
            "kind": "troops",
            "capability": "fighter_squadron",
            "quantity": 1,
            "unit": "squadrons",
            "zones": ["airspace"],
            "round_id": first["id"],
        },
        headers=as_user("latvia"),
    )
    assert r.status_code == 201, r.text
    answer = r.json()
    r = client.post("/api/v1/guarantees/rounds", json={**body, "title": "SOR 2"}, headers=h)
    second = r.json()
    assert second["number"] == 2
    gaps2 = {g["capability"]: g for g in second["gaps"]}
    assert gaps2["fighter_squadron"]["shortfall"] == 3  # Latvia's answer counts
    assert gaps2["mine_countermeasures"]["decision"] == "accepted"
    old = client.get(f"/api/v1/guarantees/rounds/{first['id']}", headers=h).json()
    assert old["status"] == "closed" and old["answers"] == [answer["id"]]
    listed = client.get("/api/v1/guarantees/rounds", headers=as_user("observer")).json()
    assert [x["number"] for x in listed] == [2, 1]
    r = client.post(
        f"/api/v1/guarantees/rounds/{second['id']}/close",
        json={"version": second["version"]},
        headers=h,
    )
    assert r.status_code == 200 and r.json()["status"] == "closed"
    assert client.get("/api/v1/guarantees/rounds/999999", headers=h).status_code == 404
    bad = client.post(
        "/api/v1/contributions",
        json={
            "nation": "LV",
            "kind": "troops",
            "capability": "x",
            "quantity": 1,
            "round_id": 999999,
        },
        headers=h,
    )
    assert bad.status_code == 422 and bad.json()["field"] == "round_id"


def test_xlsx_export_and_chart(client, as_user):
    h = as_user("observer")
    sid = _scenario(client, h)
    r = client.get(
        "/api/v1/guarantees/sourcing/export", params={"scenario_id": sid, "week": WEEK}, headers=h
    )
    assert r.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(r.content))
    assert book.sheetnames == ["summary", "requirements", "zones", "assignments"]
    header = [c.value for c in book["requirements"][1]]
    assert header[:3] == ["requirement_id", "zone", "capability"]
    assert book["requirements"].max_row == 11
    r = client.get("/api/v1/guarantees/charts/fill", params={"week": WEEK}, headers=h)
    assert r.status_code == 200, r.text
    fig = r.json()
    heat = fig["data"][0]
    assert heat["type"] == "heatmap"
    assert heat["x"] == [
        "Reality",
        "Ceasefire next month",
        "Ceasefire in spring, breach in summer",
        "What-if: Latvia drops its condition",
    ]
    assert "not needed yet" in heat["text"][0]


def test_coverage_conditions(client, as_user, db):
    from muster.guarantees import service

    h = as_user("planner")
    sid = _scenario(client, h)
    r = client.get(
        "/api/v1/guarantees/coverage", params={"scenario_id": sid, "week": WEEK}, headers=h
    )
    assert r.json()["western_non_combat_air_defence_covered"] is False
    assert r.json()["kyiv_hq_air_defence_covered"] is False  # no air defence required there
    r = client.post(
        "/api/v1/contributions",
        json={
            "nation": "NO",
            "kind": "air_defence",
            "capability": "air_defence_battery",
            "quantity": 2,
            "unit": "batteries",
            "zones": ["western_non_combat"],
            "condition": "phase >= ceasefire",
        },
        headers=h,
    )
    assert r.status_code == 201
    import datetime as dt

    week = dt.date(2027, 2, 1)
    assert service.zone_covered(db, sid, "western_non_combat", week) is True
    assert service.zone_covered(db, sid, "western_non_combat", dt.date(2026, 12, 14)) is False
    line = service.timeline_with_coverage(
        db_session=db, scenario_id=sid, start=dt.date(2026, 11, 30), weeks=12
    )
    name = "western_non_combat_air_defence_covered"
    holding = [line.holds(name, i) for i in range(12)]
    assert holding == [False] * 5 + [True] * 7  # from the ceasefire of 4 Jan 2027


def test_bad_input_is_a_4xx_naming_the_field(client, as_user):
    h = as_user("planner")
    for path in ("sourcing", "what-if", "coverage", "sourcing/export", "charts/fill"):
        r = client.get(f"/api/v1/guarantees/{path}", params={"week": "9999-12-31"}, headers=h)
        assert r.status_code == 422 and r.json()["field"] == "week", (path, r.text)
        r = client.get(f"/api/v1/guarantees/{path}", params={"scenario_id": 999999}, headers=h)
        assert r.status_code == 404 and r.json()["field"] == "scenario_id"
    r = client.post("/api/v1/guarantees/rounds", json={"week": "9999-12-31"}, headers=h)
    assert r.status_code == 422 and r.json()["field"] == "week"
    r = client.post(
        "/api/v1/guarantees/contributions/999999/status",
        json={"status": "confirmed", "version": 1},
        headers=h,
    )
    assert r.status_code == 404
