"""Plan and Monte Carlo pages: run forms, live progress, result, approve, repair, recommend."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from muster.auth.principal import Principal
from muster.scenarios import runs
from muster.training import plans
from tests.web.test_pages import csrf_of, login

START = dt.date(2026, 11, 30)


@pytest.fixture
def web(client):
    def as_(username: str) -> str:
        client.cookies.clear()
        r = login(client, username)
        assert r.status_code == 303, r.text
        return csrf_of(client.get("/").text)

    return as_


PLANNER = Principal(username="planner", role="planner")


@pytest.fixture
def solved(db):
    """A solved (not yet approved) plan, stored as the job runner would."""
    plan = plans.create(
        db_session=db,
        principal=PLANNER,
        scenario_id=None,
        start=START,
        weeks=16,
        time_limit=2,
        seed=1,
        deterministic=True,
    )
    plans.finish(db_session=db, plan=plan, result=plans.solve_stored(plan))
    return plan


def test_plans_page_for_every_role(client, web, solved):
    for user in ("admin", "planner", "observer", "liaison", "latvia"):
        web(user)
        r = client.get("/plans")
        assert r.status_code == 200, user
        assert f'href="/plans/{solved.id}"' in r.text
        assert ('action="/plans"' in r.text) == (user in ("admin", "planner")), user
        page = client.get(f"/plans/{solved.id}")
        assert page.status_code == 200
        assert 'id="chart-gantt"' in page.text and 'data-testid="unmet"' in page.text
        may = user in ("admin", "planner")
        assert ("/approve" in page.text) == may, user
        assert ("/repair" in page.text) == may, user
    assert 'href="/plans"' in page.text and 'href="/montecarlo"' in page.text


def test_run_a_plan_queues_it_and_shows_live_progress(client, web):
    token = web("planner")
    form = {
        "csrf_token": token,
        "scenario_id": "",
        "start": START.isoformat(),
        "weeks": "12",
        "time_limit": "2",
        "seed": "3",
        "deterministic": "on",
    }
    r = client.post("/plans", data=form, follow_redirects=False)
    assert r.status_code == 303, r.text
    url = r.headers["location"]
    page = client.get(url)
    assert "queued" in page.text
    assert f'hx-get="{url}/progress"' in page.text and 'hx-trigger="every 1s"' in page.text
    partial = client.get(url + "/progress", headers={"HX-Request": "true"})
    assert partial.status_code == 200 and 'id="plan-progress"' in partial.text
    # cancel it
    r = client.post(url + "/cancel", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    assert "cancelled" in client.get(url).text
    # a finished plan answers the poll with a refresh
    done = client.get(url + "/progress", headers={"HX-Request": "true"})
    assert done.status_code == 204 and done.headers["HX-Refresh"] == "true"


def test_run_form_errors_are_shown_beside_the_field(client, web):
    token = web("planner")
    form = {
        "csrf_token": token,
        "start": START.isoformat(),
        "weeks": "900",
        "time_limit": "2",
        "seed": "x",
    }
    r = client.post("/plans", data=form)
    assert r.status_code == 422
    assert "a number is needed" in r.text
    form["seed"] = "1"
    r = client.post("/plans", data=form)
    assert r.status_code == 422 and 'data-testid="error-weeks"' in r.text
    assert "1 to 260 weeks" in r.text and 'value="900"' in r.text


def test_nation_and_observer_may_not_run_or_approve(client, web, solved, db):
    for user in ("latvia", "observer", "liaison"):
        token = web(user)
        form = {
            "csrf_token": token,
            "start": START.isoformat(),
            "weeks": "4",
            "time_limit": "1",
            "seed": "1",
        }
        assert client.post("/plans", data=form).status_code == 403
        r = client.post(
            f"/plans/{solved.id}/approve", data={"csrf_token": token, "version": solved.version}
        )
        assert r.status_code == 403
        r = client.post(
            f"/plans/{solved.id}/repair", data={"csrf_token": token, "breach_week": "2027-01-04"}
        )
        assert r.status_code == 403
    db.refresh(solved)
    assert solved.status == "done"


def test_new_forms_refuse_posts_without_csrf(client, web, solved):
    web("planner")
    for url, data in (
        ("/plans", {"start": START.isoformat(), "weeks": "4", "time_limit": "1", "seed": "1"}),
        (f"/plans/{solved.id}/approve", {"version": str(solved.version)}),
        (f"/plans/{solved.id}/cancel", {}),
        (f"/plans/{solved.id}/repair", {"breach_week": "2027-01-04"}),
        (f"/plans/{solved.id}/recommend", {"course_code": "BASIC", "trainees": "10"}),
        ("/montecarlo", {"draws": "100", "seed": "1"}),
        ("/montecarlo/1/cancel", {}),
    ):
        for token in (None, "wrong"):
            body = dict(data, csrf_token=token) if token else data
            r = client.post(url, data=body, follow_redirects=False)
            assert r.status_code == 403, (url, token)


def test_approve_then_a_stale_approve_shows_the_conflict(client, web, solved):
    token = web("planner")
    form = {"csrf_token": token, "version": str(solved.version)}
    r = client.post(f"/plans/{solved.id}/approve", data=form)
    assert r.status_code == 200 and "approved" in r.text
    r = client.post(f"/plans/{solved.id}/approve", data=form)
    assert r.status_code == 200
    assert "changed by someone else meanwhile" in r.text
    cohorts = client.get("/training/cohorts").text
    assert "planned" in cohorts


def test_diff_against_the_approved_plan_and_export(client, web, solved, db):
    token = web("planner")
    client.post(
        f"/plans/{solved.id}/approve", data={"csrf_token": token, "version": solved.version}
    )
    again = plans.create(
        db_session=db,
        principal=PLANNER,
        scenario_id=None,
        start=START,
        weeks=16,
        time_limit=2,
        seed=1,
        deterministic=True,
    )
    plans.finish(db_session=db, plan=again, result=plans.solve_stored(again))
    page = client.get(f"/plans/{again.id}").text
    n = len(solved.result["cohorts"])
    assert f"{n} kept · 0 moved · 0 added · 0 removed" in page
    csv = client.get(f"/plans/{again.id}/export?format=csv")
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert len(csv.text.strip().splitlines()) == n + 1
    xlsx = client.get(f"/plans/{again.id}/export?format=xlsx")
    assert xlsx.content[:2] == b"PK"


def test_repair_after_a_breach_makes_a_new_plan_with_its_diff(client, web, solved):
    token = web("planner")
    r = client.post(
        f"/plans/{solved.id}/repair",
        data={"csrf_token": token, "breach_week": "2027-01-04"},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    page = client.get(r.headers["location"]).text
    assert f'repairs <a href="/plans/{solved.id}">plan {solved.id}</a>' in page
    assert f'<a href="/plans/{solved.id}">plan {solved.id}</a></h2>' in page  # diff against it
    bad = client.post(
        f"/plans/{solved.id}/repair", data={"csrf_token": token, "breach_week": "2030-01-07"}
    )
    assert bad.status_code == 422 and "outside the plan" in bad.text


def test_recommend_lists_options_with_site_names(client, web, solved):
    token = web("liaison")
    form = {
        "csrf_token": token,
        "course_code": "BASIC",
        "trainees": "40",
        "earliest_start": START.isoformat(),
        "latest_end": (START + dt.timedelta(weeks=15)).isoformat(),
        "priority": "5",
    }
    r = client.post(f"/plans/{solved.id}/recommend", data=form)
    assert r.status_code == 200, r.text
    assert 'data-testid="recommendations"' in r.text
    sites = {s["name"] for s in solved.inputs["sites"]}
    assert any(name in r.text for name in sites)
    form["trainees"] = "lots"
    r = client.post(f"/plans/{solved.id}/recommend", data=form)
    assert r.status_code == 422 and 'data-testid="error-trainees"' in r.text


def test_montecarlo_form_queue_and_result(client, web, db):
    token = web("observer")
    page = client.get("/montecarlo")
    assert page.status_code == 200 and 'action="/montecarlo"' not in page.text
    token = web("latvia")
    assert client.post("/montecarlo", data={"csrf_token": token, "draws": "10"}).status_code == 403
    token = web("planner")
    page = client.get("/montecarlo").text
    assert 'name="weekly_probability" value="0.03"' in page
    form = {
        "csrf_token": token,
        "draws": "2000",
        "seed": "7",
        "weekly_probability": "0.05",
        "p_never": "0.2",
        "weekly_hazard": "0.01",
        "wait_weeks": "10",
        "proactive_weeks": "3",
        "horizon_weeks": "104",
    }
    bad = client.post("/montecarlo", data=dict(form, p_never="2"))
    assert bad.status_code == 422 and 'data-testid="error-p_never"' in bad.text
    r = client.post("/montecarlo", data=form, follow_redirects=False)
    assert r.status_code == 303, r.text
    url = r.headers["location"]
    run_id = int(url.rsplit("/", 1)[1])
    row = runs.get(db_session=db, id=run_id)
    assert row.config["ceasefire"]["weekly_probability"] == 0.05
    assert row.config["policies"][0]["lead_weeks"] == 10
    assert 'hx-trigger="every 1s"' in client.get(url).text
    # run it as the job runner would
    row.result = runs.execute(row)
    row.status = "done"
    db.commit()
    page = client.get(url).text
    assert 'id="chart-difference"' in page and 'data-testid="mc-summary"' in page
    assert "seed <strong>7</strong>" in page and "&#34;weekly_hazard&#34;: 0.01" in page
    data = json.loads(client.get(url + "/download").text)
    assert data["seed"] == 7 and data["config"]["breach"]["weekly_hazard"] == 0.01
    assert "summaries" in data["result"] and "figures" not in data["result"]


def test_contingencies_prepare_propose_activate(client, web, db):
    from muster.scenarios import contingency

    token = web("observer")
    page = client.get("/scenarios/contingencies")
    assert page.status_code == 200 and 'action="/scenarios/contingencies"' not in page.text
    assert 'href="/scenarios/contingencies"' in client.get("/scenarios").text
    assert client.post("/scenarios/contingencies", data={"csrf_token": token}).status_code == 403
    token = web("planner")
    assert client.post("/scenarios/contingencies", data={}).status_code == 403  # no CSRF
    today = dt.date.today()
    trigger = today - dt.timedelta(days=today.weekday()) + dt.timedelta(weeks=4)
    form = {
        "csrf_token": token,
        "scenario_id": "",
        "trigger_phase": "ceasefire",
        "trigger_week": "2020-01-06",
        "weeks": "12",
        "time_limit": "2",
    }
    bad = client.post("/scenarios/contingencies", data=form)
    assert bad.status_code == 422 and 'data-testid="error-trigger_week"' in bad.text
    form["trigger_week"] = trigger.isoformat()
    r = client.post("/scenarios/contingencies", data=form, follow_redirects=False)
    assert r.status_code == 303, r.text
    row = contingency.list_all(db_session=db)[-1]
    assert f"plan {row.plan_id}" in client.get("/scenarios/contingencies").text
    # solve its plan as the runner would, record the trigger event: it is proposed
    plan = plans.get(db_session=db, id=row.plan_id)
    plans.finish(db_session=db, plan=plan, result=plans.solve_stored(plan))
    web("planner")
    token = csrf_of(client.get("/scenarios").text)
    r = client.post(
        f"/scenarios/{row.scenario_id}/events",
        data={"csrf_token": token, "date": trigger.isoformat(), "phase": "ceasefire"},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    page = client.get("/scenarios/contingencies").text
    assert f'action="/scenarios/contingencies/{row.id}/activate"' in page
    stale = client.post(
        f"/scenarios/contingencies/{row.id}/activate",
        data={"csrf_token": token, "version": str(row.version + 5)},
    )
    assert "Not activated" in stale.text
    ok = client.post(
        f"/scenarios/contingencies/{row.id}/activate",
        data={"csrf_token": token, "version": str(row.version)},
    )
    assert "activated" in ok.text
    db.refresh(row)
    assert row.status == "active"


def test_envelope_page_with_rule_selector(client, web):
    web("latvia")
    r = client.get("/procurement/envelope")
    assert r.status_code == 200 and 'id="chart-envelope"' in r.text
    assert 'data-testid="envelope"' in r.text and "pro rata" in r.text
    part = client.get(
        "/procurement/envelope?rule=priority_first",
        headers={"HX-Request": "true", "HX-Target": "envelope-body"},
    )
    assert part.status_code == 200 and "<html" not in part.text and "priority first" in part.text
    assert 'href="/procurement/envelope"' in client.get("/procurement").text


def test_loan_schedule_page_and_xlsx(client, web, db):
    from muster.procurement import service

    web("observer")
    nation = next(
        a.nation for a in service.allocate_envelope(db_session=db).allocations if a.allocated_cents
    )
    r = client.get(f"/procurement/loans/{nation}")
    assert r.status_code == 200 and 'data-testid="schedule"' in r.text
    assert len(re.findall(r"<tr><td class=\"num\">", r.text)) >= 45  # 45 annual periods
    x = client.get(f"/procurement/loans/{nation}/schedule.xlsx")
    assert x.status_code == 200 and x.content[:2] == b"PK"
    bad = client.get(f"/procurement/loans/{nation}?annual_rate=lots")
    assert bad.status_code == 422 and 'data-testid="error-annual_rate"' in bad.text
    none = client.get("/procurement/loans/ZZ")
    assert none.status_code == 422 and "no allocated loan" in none.text


def test_aggregation_page_and_eligibility_on_the_detail_page(client, web, as_user):
    web("estonia")
    r = client.get("/procurement/aggregation?time_limit=1")
    assert r.status_code == 200, r.text
    assert 'data-testid="methods"' in r.text and 'data-testid="proposals"' in r.text
    assert r.text.count("data-figure=") == 2
    jp = client.get("/api/v1/joint-procurements", headers=as_user("planner")).json()["items"][0]
    page = client.get(f"/procurement/joint-procurements/{jp['id']}")
    assert page.status_code == 200 and 'data-testid="eligibility"' in page.text
    assert "SAFE eligibility" in page.text
    assert 'data-testid="eligibility"' not in client.get("/procurement/needs/1").text


def test_sourcing_rounds_issue_decide_close(client, web, db):
    from muster.guarantees import service as guarantee_service

    token = web("latvia")
    page = client.get("/guarantees/rounds")
    assert page.status_code == 200 and 'action="/guarantees/rounds"' not in page.text
    assert client.post("/guarantees/rounds", data={"csrf_token": token}).status_code == 403
    assert 'href="/guarantees/rounds"' in client.get("/guarantees").text
    token = web("planner")
    assert client.post("/guarantees/rounds", data={"week": "2027-05-03"}).status_code == 403
    bad = client.post(
        "/guarantees/rounds",
        data={"csrf_token": token, "week": "2027-05-03", "closes_on": "2020-01-01"},
    )
    assert bad.status_code == 422 and 'data-testid="error-closes_on"' in bad.text
    r = client.post(
        "/guarantees/rounds",
        data={"csrf_token": token, "week": "2027-05-03", "basis": "promised"},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    out = guarantee_service.list_rounds(db_session=db)[0]
    assert out["status"] == "open"
    page = client.get("/guarantees/rounds").text
    assert f'data-testid="round-{out["number"]}"' in page
    if out["gaps"]:
        gap = out["gaps"][0]
        url = f"/guarantees/rounds/{out['id']}/gaps/{gap.id}"
        form = {"csrf_token": token, "version": gap.version, "decision": "accepted"}
        assert "accepted." in client.post(url, data=form).text
        stale = client.post(url, data=dict(form, decision="ask_again"))
        assert "Not saved" in stale.text and "changed by someone else" in stale.text
    close = f"/guarantees/rounds/{out['id']}/close"
    assert (
        "Round closed"
        in client.post(close, data={"csrf_token": token, "version": out["version"]}).text
    )
    assert guarantee_service.get_round(db_session=db, id=out["id"])["status"] == "closed"


def test_what_if_page(client, web):
    web("observer")
    r = client.get("/guarantees/what-if?week=2027-05-03")
    assert r.status_code == 200, r.text
    assert 'data-testid="what-if"' in r.text and "fill rate now" in r.text


NEW_PAGES = (
    "/plans",
    "/montecarlo",
    "/scenarios/contingencies",
    "/procurement/envelope",
    "/procurement/aggregation?time_limit=0.5",
    "/guarantees/rounds",
    "/guarantees/what-if",
)


def test_new_pages_for_every_role_without_inline_scripts_or_foreign_assets(client, web, solved):
    for user in ("admin", "planner", "observer", "liaison", "latvia", "estonia"):
        web(user)
        for url in (*NEW_PAGES, f"/plans/{solved.id}"):
            r = client.get(url)
            assert r.status_code == 200, (user, url, r.text[:300])
            scripts = re.findall(r"<script([^>]*)>", r.text)
            assert all("src=" in s for s in scripts), (url, scripts)
            sources = re.findall(r'(?:src|href)="([^"]+)"', r.text)
            assert all(not s.startswith(("http:", "https:", "//")) for s in sources), url
            posts = set(re.findall(r'<form method="post" action="([^"]+)"', r.text)) - {"/logout"}
            if user not in ("admin", "planner"):
                # only the recommendation (which saves nothing) is open to every role
                assert all(p.endswith("/recommend#recommend") for p in posts), (user, url, posts)
