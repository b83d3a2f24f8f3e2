"""The mandate on the web: the dashboard panel, the positions page, nation-scoped forms."""

from __future__ import annotations

from tests.web.test_pages import csrf_of, login

WHAT_IF = "What-if: Latvia drops its condition"


def _as(client, username: str) -> str:
    client.cookies.clear()
    assert login(client, username).status_code == 303
    return csrf_of(client.get("/").text)


def _scenario_id(client, as_user, name: str) -> int:
    items = client.get("/api/v1/scenarios", headers=as_user("observer")).json()["items"]
    return next(s["id"] for s in items if s["name"] == name)


def _position(client, as_user, nation: str) -> dict:
    r = client.get(
        "/api/v1/mandate-positions", params={"nation": nation}, headers=as_user("observer")
    )
    return next(p for p in r.json()["items"] if p["scenario_id"] is None)


def test_dashboard_panel_shows_who_stands_in_the_way(client, as_user):
    _as(client, "observer")
    html = client.get("/").text
    assert "Mandate: training inside Ukraine" in html
    panel = html[html.index('id="mandate"') : html.index('id="mandate"') + 12000]
    assert "does not hold" in panel
    assert "27 of 27 member states stand in the way" in panel
    assert 'data-nation="LV"' in panel and "Sprūds" in panel
    assert "<code>ceasefire_parameters_agreed</code>" in panel
    assert 'data-nation="EE"' in panel and "<code>ukrainian_forces_prepared</code>" in panel
    assert "No recorded position (25)" in panel and "HU" in panel
    assert "Not within the next 104 weeks" in panel
    # the htmx partial for the what-if: Latvia's flip (from 7 Dec 2026) is shown as such
    sid = _scenario_id(client, as_user, WHAT_IF)
    part = client.get(f"/dashboard/mandate?scenario_id={sid}", headers={"HX-Request": "true"})
    assert part.status_code == 200 and "<html" not in part.text
    assert WHAT_IF in part.text


def test_dashboard_panel_turns_green_when_all_agree(client, as_user, db):
    """Every member state's support recorded in a what-if: the panel says it holds."""
    from muster.auth.principal import SYSTEM
    from muster.reference.models import Nation
    from muster.scenarios import mandate

    sid = _scenario_id(client, as_user, WHAT_IF)
    proposal = client.get("/api/v1/mandate-proposals", headers=as_user("observer")).json()
    pid = proposal["items"][0]["id"]
    for n in db.query(Nation).filter(Nation.eu_member.is_(True)):
        mandate.set_position(
            db_session=db,
            principal=SYSTEM,
            proposal_id=pid,
            nation=n.code,
            scenario_id=sid,
            values={
                "stance": "abstain" if n.code == "HU" else "support",
                "date": "2025-09-01",
                "source": "ILLUSTRATIVE",
            },
        )
    _as(client, "observer")
    part = client.get(f"/dashboard/mandate?scenario_id={sid}").text
    assert '<span class="badge good">holds</span>' in part
    assert "No member state stands in the way; abstaining (does not block): HU" in part


def test_positions_page_offers_edits_by_nation_scope(client, as_user):
    lv, ee = _position(client, as_user, "LV"), _position(client, as_user, "EE")
    _as(client, "latvia")
    html = client.get("/scenarios/mandate").text
    assert "Positions and the mandate" in html and 'data-nation="HU"' in html
    assert f"/scenarios/mandate-positions/{lv['id']}/edit" in html
    assert f"/scenarios/mandate-positions/{ee['id']}/edit" not in html
    assert "nation=LV&amp;scenario_id=" not in html  # the reality takes no what-if
    assert "nation=FR" not in html
    sid = _scenario_id(client, as_user, "Ceasefire next month")
    html = client.get(f"/scenarios/mandate?scenario_id={sid}").text
    assert f"nation=LV&amp;scenario_id={sid}" in html  # an override of its own position
    assert "nation=FR" not in html
    assert client.get(f"/scenarios/mandate-positions/{ee['id']}/edit").status_code == 403
    _as(client, "observer")
    html = client.get("/scenarios/mandate").text
    assert "/edit" not in html and "mandate-positions/new" not in html
    _as(client, "planner")
    html = client.get("/scenarios/mandate").text
    assert "nation=FR" in html and f"/scenarios/mandate-positions/{ee['id']}/edit" in html


def test_nation_records_its_position_with_the_form(client, as_user):
    token = _as(client, "latvia")
    sid = _scenario_id(client, as_user, "Ceasefire next month")
    pid = _position(client, as_user, "LV")["proposal_id"]
    form = client.get(f"/scenarios/mandate-positions/new?proposal_id={pid}&scenario_id={sid}")
    assert form.status_code == 200
    assert 'value="LV"' in form.text and 'value="EE"' not in form.text
    data = {
        "csrf_token": token,
        "proposal_id": str(pid),
        "nation": "LV",
        "scenario_id": str(sid),
        "stance": "support",
        "date": "2026-12-07",
        "source": "",
    }
    r = client.post("/scenarios/mandate-positions/new", data=data)
    assert r.status_code == 422 and 'class="error"' in r.text  # the source is required
    r = client.post(
        "/scenarios/mandate-positions/new",
        data={**data, "source": "ILLUSTRATIVE"},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text[-2000:]
    r = client.post(
        "/scenarios/mandate-positions/new",
        data={**data, "nation": "EE", "source": "ILLUSTRATIVE"},
    )
    assert r.status_code in (403, 422)
    rows = client.get(
        "/api/v1/mandate-positions", params={"scenario_id": sid}, headers=as_user("observer")
    ).json()["items"]
    assert [(p["nation"], p["stance"]) for p in rows] == [("LV", "support")]
    # no CSRF token: refused
    r = client.post(
        "/scenarios/mandate-positions/new",
        data={k: v for k, v in data.items() if k != "csrf_token"},
    )
    assert r.status_code == 403


def test_positions_export(client):
    _as(client, "observer")
    r = client.get("/scenarios/mandate-positions/export?format=csv&nation=LV")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    lines = r.text.strip().splitlines()
    assert "stance" in lines[0] and len(lines) == 3  # recorded + the demo's what-if
    assert client.get("/scenarios/mandate-positions/export?format=xlsx").status_code == 200
