"""Plans and Monte Carlo through chromium against a server whose job runner solves them:
run a plan, watch its live progress turn into the Gantt chart, approve it; run a small
Monte Carlo comparison and see its charts."""

from __future__ import annotations

import pytest

from tests.browser.conftest import SHOTS, charts_drawn, login, shot

pytestmark = pytest.mark.browser
SLOW = 180_000


def test_planner_runs_a_plan_sees_the_gantt_and_approves_it(page):
    login(page, "planner")
    page.click("nav.mainnav >> text=Plans")
    page.wait_for_url("**/plans")
    shot(page, "plans")
    page.fill("#p-weeks", "20")
    page.fill("#p-limit", "3")
    page.check("input[name=deterministic]")
    page.click("button:has-text('Run plan')")
    page.wait_for_url("**/plans/*")
    # live progress first (queued or running), then the page reloads with the result
    assert page.locator("[data-testid=plan-status]").first.inner_text() in (
        "queued",
        "running",
        "done",
    )
    page.wait_for_selector("#chart-gantt[data-ready]", timeout=SLOW)
    charts_drawn(page)
    assert page.locator("[data-testid=plan-status]").first.inner_text() == "done"
    assert page.locator("[data-testid=unmet] tbody tr").count() >= 1
    shot(page, "plan-result")
    page.screenshot(path=str(SHOTS / "plan-result-top.png"))
    page.click("button:has-text('Approve plan')")
    page.wait_for_selector("text=approved; its cohorts are now the planned cohorts")
    assert page.locator("[data-testid=plan-status]").first.inner_text() == "approved"
    # recommend a placement in the approved plan
    page.fill("#r-trainees", "40")
    page.click("button:has-text('Recommend')")
    page.wait_for_selector("[data-testid=recommendations]")
    shot(page, "plan-recommend")


def test_observer_sees_plans_without_actions(page):
    login(page, "observer")
    page.goto("/plans")
    assert page.locator("form[action='/plans']").count() == 0
    page.goto("/montecarlo")
    assert page.locator("form[action='/montecarlo']").count() == 0


def test_montecarlo_small_run_draws_its_charts(page):
    login(page, "planner")
    page.click("nav.mainnav >> text=Monte Carlo")
    page.wait_for_url("**/montecarlo")
    page.fill("#mc-draws", "2000")
    page.fill("#mc-seed", "11")
    shot(page, "montecarlo")
    page.click("button:has-text('Run')")
    page.wait_for_url("**/montecarlo/*")
    page.wait_for_selector("#chart-difference[data-ready]", timeout=SLOW)
    charts_drawn(page)
    assert page.locator("[data-testid=mc-summary] tbody tr").count() >= 6
    assert "seed 11" in page.locator("[data-testid=reproduce]").inner_text()
    shot(page, "montecarlo-run")


NEW_PAGES = (
    "/scenarios/contingencies",
    "/procurement/envelope",
    "/procurement/aggregation?time_limit=1",
    "/procurement/joint-procurements/1",
    "/guarantees/rounds",
    "/guarantees/what-if",
)


def test_planner_visits_the_new_pages(page):
    login(page, "planner")
    for url in NEW_PAGES:
        page.goto(url)
        assert page.locator("h1").count() == 1, url
        charts_drawn(page)
        shot(page, url.split("?")[0].strip("/").replace("/", "_"))
    page.goto("/procurement/envelope")
    page.select_option("#rule", "priority_first")
    page.wait_for_function(
        "() => (document.querySelector('#chart-envelope .gtitle') || {}).textContent"
        "?.includes('priority first')"
    )
    charts_drawn(page)
    page.click("table[data-testid=envelope] >> text=schedule →")
    page.wait_for_selector("[data-testid=schedule]")
    shot(page, "procurement_loan_schedule")
