"""End-to-end through chromium: every role logs in, pledges are created and edited, a stale
edit is refused, nation scope holds, and a ceasefire changes readiness on the dashboard."""

from __future__ import annotations

import datetime as dt
import re

import httpx
import pytest

from tests.browser.conftest import api_token, charts_drawn, login, logout, shot

pytestmark = pytest.mark.browser

ROLES = ("admin", "planner", "observer", "liaison", "latvia", "estonia")
PLANNER_PAGES = (
    "/training/sites",
    "/training/pledges",
    "/training/training-requests",
    "/training/cohorts",
    "/training/training-totals",
    "/training/pledges/new",
    "/training/pledges/1",
    "/scenarios",
    "/scenarios/mandate",
    "/scenarios/mandate-positions",
    "/guarantees",
    "/guarantees/force-requirements",
    "/guarantees/contributions",
    "/guarantees/capability-substitutions",
    "/procurement",
    "/procurement/capability-coalitions",
    "/procurement/needs",
    "/procurement/joint-procurements",
    "/procurement/loan-requests",
    "/audit",
)


def _name(url: str) -> str:
    return url.strip("/").replace("/", "_") or "dashboard"


def test_every_role_logs_in_and_sees_the_dashboard(page):
    page.goto("/")
    assert "/login" in page.url
    shot(page, "login")
    for role in ROLES:
        login(page, role)
        assert page.get_by_test_id("user").inner_text().startswith(role)
        charts_drawn(page)
        assert page.get_by_test_id("kpi-trained").inner_text().replace(",", "").isdigit()
        assert page.locator("[data-testid=readiness] tbody tr").count() == 3
        has_audit = page.locator("nav.mainnav a[href='/audit']").count() == 1
        assert has_audit == (role in ("admin", "planner", "observer"))
        shot(page, f"dashboard-{role}")
        logout(page)


def _add_cohorts(server: str) -> None:
    headers = api_token(server, "planner")
    sites = httpx.get(f"{server}/api/v1/sites?status=active", headers=headers).json()["items"]
    requests = httpx.get(f"{server}/api/v1/training-requests", headers=headers).json()["items"]
    for i in range(6):
        r = httpx.post(
            f"{server}/api/v1/cohorts",
            headers=headers,
            json={
                "request_id": requests[i % len(requests)]["id"],
                "site_id": sites[i % 4]["id"],
                "start_week": (dt.date(2026, 9, 7) + dt.timedelta(weeks=5 * i)).isoformat(),
                "trainees": 60,
                "instructors": {"DE": 4},
                "status": ("completed", "running", "planned")[i % 3],
            },
        )
        r.raise_for_status()


def test_planner_visits_every_page(page, server):
    _add_cohorts(server)
    login(page, "planner")
    for url in PLANNER_PAGES:
        response = page.goto(url)
        assert response is not None and response.status == 200, url
        if page.locator("[data-figure]").count():
            charts_drawn(page)
        shot(page, f"planner-{_name(url)}")
    # the site map draws country outlines from the vendored topojson
    page.goto("/training/sites")
    charts_drawn(page)
    outlines = page.locator("#chart-sites g.countries path").first.get_attribute("d") or ""
    assert len(outlines) > 5000  # many country borders, not an empty path


def test_nation_user_creates_and_edits_a_pledge(page):
    login(page, "latvia")
    page.goto("/training/pledges")
    page.get_by_test_id("new").click()
    assert page.locator("#f-nation option").all_inner_texts() == ["LV · Latvia"]
    page.select_option("#f-course_category", "drones")
    page.fill("#f-instructors", "0")
    page.fill("#f-week_from", "2027-02-01")
    page.fill("#f-week_to", "2027-04-26")
    page.fill("#f-note", "browser test pledge")
    page.click("button.primary")
    # a schema error is shown beside its field and nothing is saved
    assert page.get_by_test_id("error-instructors").is_visible()
    shot(page, "latvia-pledge-invalid")
    page.fill("#f-instructors", "7")
    page.click("button.primary")
    page.wait_for_url("**/training/pledges")
    assert "Added pledge" in page.locator("#messages").inner_text()
    row = page.locator("tr", has_text="browser test pledge").first
    if not row.count():  # the note is not a column of the list: find the row by its values
        row = page.locator("tbody tr", has_text="2027-02-01").filter(has_text="drones").last
    pledge_id = row.get_attribute("data-id")
    page.get_by_test_id(f"edit-{pledge_id}").click()
    page.fill("#f-instructors", "9")
    page.click("button.primary")
    page.wait_for_url("**/training/pledges")
    assert f"Saved pledge {pledge_id}" in page.locator("#messages").inner_text()
    cells = page.locator(f"tr[data-id='{pledge_id}'] td").all_inner_texts()
    assert "9" in cells
    shot(page, "latvia-pledges-after-edit")


def test_stale_edit_is_refused_with_a_clear_message(page, server):
    headers = api_token(server, "latvia")
    pledge = httpx.get(f"{server}/api/v1/pledges?nation=LV", headers=headers).json()["items"][0]
    login(page, "latvia")
    page.goto(f"/training/pledges/{pledge['id']}/edit")
    page.fill("#f-instructors", "42")
    current = httpx.get(f"{server}/api/v1/pledges/{pledge['id']}", headers=headers).json()
    r = httpx.patch(
        f"{server}/api/v1/pledges/{pledge['id']}",
        headers=api_token(server, "planner"),
        json={"version": current["version"], "note": "changed meanwhile by the planner"},
    )
    assert r.status_code == 200
    page.click("button.primary")
    message = page.get_by_test_id("stale")
    assert message.is_visible()
    assert "Changed by someone else — reload" in message.inner_text()
    shot(page, "latvia-stale-edit")
    message.get_by_role("link", name="Reload current values").click()
    assert page.input_value("#f-note") == "changed meanwhile by the planner"
    after = httpx.get(f"{server}/api/v1/pledges/{pledge['id']}", headers=headers).json()
    assert after["instructors"] != 42


def test_latvia_cannot_reach_estonias_pledge(page, server):
    headers = api_token(server, "latvia")
    estonian = httpx.get(f"{server}/api/v1/pledges?nation=EE", headers=headers).json()["items"]
    pledge_id = estonian[0]["id"]
    login(page, "latvia")
    page.goto("/training/pledges?nation=EE")
    assert page.get_by_test_id(f"edit-{pledge_id}").count() == 0
    response = page.goto(f"/training/pledges/{pledge_id}/edit")
    assert response is not None and response.status == 403
    assert "only change rows of LV" in page.get_by_test_id("error-detail").inner_text()
    shot(page, "latvia-estonian-pledge-refused")


def test_mandate_panel_and_latvia_edits_its_position(page):
    """The dashboard panel names who blocks; the scenario switch swaps it by htmx; Latvia
    edits its own position and cannot edit Estonia's."""
    login(page, "latvia")
    page.goto("/")
    panel = page.locator("#mandate")
    assert "Mandate: training inside Ukraine" in panel.inner_text()
    assert "does not hold" in page.get_by_test_id("mandate-holds").inner_text()
    blockers = page.get_by_test_id("mandate-blockers")
    assert "Sprūds" in blockers.locator("tr[data-nation='LV']").inner_text()
    assert "ukrainian_forces_prepared" in blockers.locator("tr[data-nation='EE']").inner_text()
    assert "No recorded position (25)" in blockers.locator("tr[data-nation='unknown']").inner_text()
    shot(page, "mandate-panel")
    with page.expect_request(lambda req: "/dashboard/mandate" in req.url) as sent:
        page.select_option("#mandate_scenario_id", label="What-if: Latvia drops its condition")
    assert sent.value.headers.get("hx-request") == "true"
    page.wait_for_function(
        "() => document.querySelector('#mandate-body').innerText.includes('What-if: Latvia')"
    )
    page.goto("/scenarios/mandate")
    row = page.locator("[data-testid^=positions-] tr[data-nation='LV']")
    assert "blocks" in row.inner_text()
    estonia = page.locator("[data-testid^=positions-] tr[data-nation='EE']")
    assert estonia.get_by_role("link", name="edit").count() == 0
    row.get_by_role("link", name="edit").first.click()
    page.wait_for_url(re.compile(r".*/scenarios/mandate-positions/\d+/edit$"))
    detail = page.url.removesuffix("/edit")
    page.fill("#f-note", "Position as reported after the Copenhagen meeting")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r".*/scenarios/mandate-positions(\?.*)?$"))
    page.goto(detail)
    assert "Copenhagen meeting" in page.locator("main").inner_text()
    shot(page, "mandate-positions")


def _yavoriv(page):
    return page.locator("[data-testid=readiness] tr[data-site='Yavoriv']")


def test_ceasefire_event_changes_readiness_on_the_dashboard(page):
    login(page, "planner")
    page.goto("/")
    row = _yavoriv(page)
    assert "closed" in row.inner_text()
    assert "phase >= ceasefire" in row.locator(".blocking").inner_text()
    shot(page, "readiness-before")

    page.goto("/scenarios")
    card = page.get_by_test_id("scenario-Reality")
    card.locator("input[name=date]").fill(dt.date.today().isoformat())
    card.locator("select[name=phase]").select_option("ceasefire")
    card.locator("input[name=note]").fill("Formal ceasefire (browser test)")
    card.get_by_role("button", name="Record event").click()
    page.wait_for_url(re.compile(r".*/scenarios(#.*)?$"))
    assert "Recorded ceasefire" in page.locator("#messages").inner_text()
    card = page.get_by_test_id("scenario-Reality")
    assert "phase this week: ceasefire" in card.inner_text()
    shot(page, "scenarios-after-ceasefire")

    page.goto("/")
    row = _yavoriv(page)
    assert page.get_by_test_id("phase-now").inner_text() == "ceasefire"
    blocking = row.locator(".blocking").inner_text()
    assert "phase" not in blocking and "site_yavoriv_cleared" in blocking
    assert "closed" in row.inner_text()

    # the remaining condition is switched on (htmx swaps the row in place)
    page.goto("/scenarios")
    condition = page.get_by_test_id("condition-site_yavoriv_cleared")
    with page.expect_request(lambda req: "/toggle" in req.url) as sent:
        condition.get_by_role("button", name="Set to true").click()
    assert sent.value.headers.get("hx-request") == "true"  # an htmx request, not a reload
    assert sent.value.headers.get("x-csrf-token")  # the token from hx-headers
    page.get_by_test_id("condition-site_yavoriv_cleared").get_by_text("holds").first.wait_for()
    page.goto("/")
    row = _yavoriv(page)
    assert "closed" in row.inner_text()
    assert row.locator(".blocking").inner_text().strip() == "mandate_amended"
    # the Council adopts the mandate change: the planner records it on the proposal
    page.goto("/scenarios/mandate-proposals")
    page.locator("a[href$='/edit']").first.click()
    page.select_option("#f-status", "adopted")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r".*/scenarios/mandate-proposals(\?.*)?$"))
    page.goto("/")
    assert "holds" in page.get_by_test_id("mandate-holds").inner_text()
    row = _yavoriv(page)
    assert "open" in row.locator("td").nth(2).inner_text()
    assert row.locator(".blocking").inner_text().strip() == "—"
    shot(page, "readiness-after")
    # the readiness of another scenario comes in by htmx without reloading the page
    page.select_option("#scenario_id", label="Ceasefire in spring, breach in summer")
    page.wait_for_function(
        "() => document.querySelector('#readiness-body').innerText.includes('Ceasefire in spring')"
    )
    assert page.get_by_test_id("phase-now").inner_text() == "hostilities"


def test_filters_update_the_table_and_the_address(page):
    login(page, "observer")
    page.goto("/training/pledges")
    total = page.locator("[data-testid=table] tbody tr").count()
    with page.expect_response(lambda r: "nation=DE" in r.url):
        page.select_option("#flt-nation", "DE")
    page.wait_for_url("**/training/pledges?*nation=DE*")
    nations = page.locator("[data-testid=table] tbody tr td:nth-child(2)").all_inner_texts()
    assert nations and set(nations) == {"DE"} and len(nations) < total
    assert page.locator("h1.page-title").count() == 1  # the table was swapped, not the page
    shot(page, "observer-pledges-filtered")
