"""The web pages through FastAPI's TestClient: login, CSRF, roles, nation scope, forms."""

from __future__ import annotations

import re

import pytest

from tests.conftest import DEMO_PASSWORD

ROLES = ("admin", "planner", "observer", "liaison", "latvia", "estonia")
PAGES = (
    "/",
    "/training/sites",
    "/training/pledges",
    "/training/training-requests",
    "/training/cohorts",
    "/training/training-totals",
    "/scenarios",
    "/scenarios/mandate",
    "/scenarios/mandate-proposals",
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
)


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF field in the page"
    return match.group(1)


def login(client, username: str, password: str = DEMO_PASSWORD):
    token = csrf_of(client.get("/login").text)
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token, "next": "/"},
        follow_redirects=False,
    )


@pytest.fixture
def web(client):
    """Log the TestClient in as a demo user; returns the page's CSRF token."""

    def as_(username: str) -> str:
        client.cookies.clear()
        r = login(client, username)
        assert r.status_code == 303, r.text
        return csrf_of(client.get("/").text)

    return as_


def pledge_of(client, as_user, nation: str) -> dict:
    r = client.get(f"/api/v1/pledges?nation={nation}", headers=as_user("planner"))
    return r.json()["items"][0]


def test_anonymous_is_sent_to_login_and_api_docs_stay(client):
    r = client.get("/training/pledges?status=offered", follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/login?next=/training/pledges%3Fstatus%3Doffered"
    assert client.get("/docs").status_code == 200
    assert client.get("/login").status_code == 200


def test_login_sets_httponly_strict_cookie_and_logout_revokes(client):
    r = login(client, "planner")
    assert r.status_code == 303 and r.headers["location"] == "/"
    cookie = r.headers["set-cookie"].lower()
    assert "muster_session=" in cookie and "httponly" in cookie and "samesite=strict" in cookie
    page = client.get("/")
    assert page.status_code == 200 and "planner" in page.text
    assert page.headers["cache-control"] == "no-store"
    old_session = client.cookies.get("muster_session")
    r = client.post("/logout", data={"csrf_token": csrf_of(page.text)}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login"
    assert client.get("/", follow_redirects=False).status_code == 303
    # the old cookie still holds the token, but the token was revoked
    client.cookies.set("muster_session", old_session)
    assert client.get("/", follow_redirects=False).headers["location"].startswith("/login")


def test_wrong_password_is_refused_then_throttled(client):
    for _ in range(5):
        r = login(client, "throttle-probe", "wrong-password")
        assert r.status_code == 401 and "Wrong user name or password" in r.text
    r = login(client, "throttle-probe", "wrong-password")
    assert r.status_code == 429 and "Too many failed attempts" in r.text


def test_login_redirects_only_to_local_pages(client):
    token = csrf_of(client.get("/login").text)
    r = client.post(
        "/login",
        data={
            "username": "observer",
            "password": DEMO_PASSWORD,
            "csrf_token": token,
            "next": "//evil.example/",
        },
        follow_redirects=False,
    )
    assert r.headers["location"] == "/"


def test_posts_without_the_csrf_token_are_refused(client, web, as_user):
    # the login form itself
    client.get("/login")
    r = client.post("/login", data={"username": "planner", "password": DEMO_PASSWORD})
    assert r.status_code == 403 and "security token" in r.text
    token = web("latvia")
    pledge = pledge_of(client, as_user, "LV")
    form = {"nation": "LV", "course_category": "drones", "instructors": "7"}
    form |= {"week_from": "2027-01-04", "week_to": "2027-02-01", "status": "offered"}
    for extra in ({}, {"csrf_token": "forged"}):
        r = client.post("/training/pledges/new", data=form | extra)
        assert r.status_code == 403
        r = client.post(f"/training/pledges/{pledge['id']}/withdraw", data={"version": "1"} | extra)
        assert r.status_code == 403
    r = client.post("/logout", data={})
    assert r.status_code == 403
    # every page hands the token to htmx, which sends it as a header
    assert f'hx-headers=\'{{"X-CSRF-Token": "{token}"}}\'' in client.get("/").text
    # htmx sends the token as a header instead of a form field
    r = client.post(
        "/training/pledges/new",
        data=form,
        headers={"X-CSRF-Token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303


@pytest.mark.parametrize("username", ROLES)
def test_every_page_renders_for_every_role(client, web, username):
    web(username)
    for url in PAGES:
        r = client.get(url)
        assert r.status_code == 200, (url, r.text[:500])
        assert "Muster" in r.text and username in r.text
    audit = client.get("/audit")
    if username in ("admin", "planner", "observer"):
        assert audit.status_code == 200 and "Audit log" in audit.text
    else:
        assert audit.status_code == 403
        assert 'href="/audit"' not in client.get("/").text


def test_pages_load_assets_from_the_app_only(client, web):
    web("observer")
    html = client.get("/").text + client.get("/training/sites").text
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and all(not s.startswith(("http:", "https:", "//")) for s in sources)
    for asset in (
        "/static/vendor/htmx.min.js",
        "/static/vendor/plotly.min.js",
        "/static/vendor/topojson/europe_110m.json",
        "/static/app.css",
        "/static/app.js",
    ):
        assert client.get(asset).status_code == 200, asset
    assert client.get("/static/vendor/htmx.min.js").text.startswith("/*! htmx")


def test_observer_sees_no_write_controls(client, web):
    web("observer")
    html = client.get("/training/pledges").text
    assert "Add pledge" not in html and "/edit" not in html and "Withdraw" not in html
    assert "Import pledges" not in html
    assert client.get("/training/pledges/new").status_code == 403
    assert "Record an event" not in client.get("/scenarios").text


def test_nation_user_edits_only_own_nation(client, web, as_user):
    token = web("latvia")
    estonian = pledge_of(client, as_user, "EE")
    latvian = pledge_of(client, as_user, "LV")
    html = client.get("/training/pledges").text
    assert f"/training/pledges/{latvian['id']}/edit" in html
    assert f"/training/pledges/{estonian['id']}/edit" not in html
    assert client.get(f"/training/pledges/{estonian['id']}/edit").status_code == 403
    r = client.post(
        f"/training/pledges/{estonian['id']}/edit",
        data={
            "csrf_token": token,
            "version": str(estonian["version"]),
            "nation": "EE",
            "course_category": "infantry",
            "instructors": "1",
            "week_from": estonian["week_from"],
            "week_to": estonian["week_to"],
            "status": "offered",
        },
    )
    assert r.status_code == 403
    r = client.post(
        f"/training/pledges/{estonian['id']}/withdraw",
        data={"csrf_token": token, "version": str(estonian["version"])},
    )
    assert r.status_code == 403
    after = client.get(f"/api/v1/pledges/{estonian['id']}", headers=as_user("planner")).json()
    assert after["instructors"] == estonian["instructors"] and after["status"] != "withdrawn"
    # the create form offers only Latvia
    form = client.get("/training/pledges/new").text
    assert 'value="LV"' in form and 'value="EE"' not in form


def test_create_shows_errors_beside_fields_then_saves(client, web, as_user):
    token = web("latvia")
    base = {"csrf_token": token, "nation": "LV", "status": "offered", "eu_soil_only": "on"}
    bad = base | {
        "course_category": "underwater-basket-weaving",
        "instructors": "0",
        "week_from": "2027-03-01",
        "week_to": "2027-01-04",
    }
    r = client.post("/training/pledges/new", data=bad)
    assert r.status_code == 422
    assert 'data-testid="error-instructors"' in r.text  # schema error (at least 1)
    good_but_reversed = bad | {"course_category": "drones", "instructors": "5"}
    r = client.post("/training/pledges/new", data=good_but_reversed)
    assert r.status_code == 422
    assert re.search(r'data-testid="error-week_to">week_to is before week_from', r.text)
    r = client.post(
        "/training/pledges/new",
        data=good_but_reversed | {"week_from": "2027-01-06", "week_to": "2027-03-03"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    page = client.get(r.headers["location"]).text
    assert "Added pledge" in page
    rows = client.get("/api/v1/pledges?nation=LV&course_category=drones", headers=as_user("latvia"))
    assert any(
        p["instructors"] == 5 and p["week_from"] == "2027-01-04" for p in rows.json()["items"]
    )


def test_stale_edit_is_refused_with_a_clear_message(client, web, as_user):
    token = web("latvia")
    pledge = pledge_of(client, as_user, "LV")
    form_html = client.get(f"/training/pledges/{pledge['id']}/edit").text
    assert f'name="version" value="{pledge["version"]}"' in form_html
    r = client.patch(
        f"/api/v1/pledges/{pledge['id']}",
        headers=as_user("planner"),
        json={"version": pledge["version"], "instructors": pledge["instructors"] + 1},
    )
    assert r.status_code == 200
    data = {
        "csrf_token": token,
        "version": str(pledge["version"]),
        "nation": "LV",
        "course_category": pledge["course_category"],
        "instructors": "99",
        "week_from": pledge["week_from"],
        "week_to": pledge["week_to"],
        "status": pledge["status"],
    }
    r = client.post(f"/training/pledges/{pledge['id']}/edit", data=data)
    assert r.status_code == 409
    assert "changed by someone else" in r.text and "reload" in r.text.lower()
    now = client.get(f"/api/v1/pledges/{pledge['id']}", headers=as_user("planner")).json()
    assert now["instructors"] == pledge["instructors"] + 1


def test_withdraw_sets_status(client, web, as_user):
    token = web("estonia")
    pledge = pledge_of(client, as_user, "EE")
    r = client.post(
        f"/training/pledges/{pledge['id']}/withdraw",
        data={"csrf_token": token, "version": str(pledge["version"])},
        follow_redirects=False,
    )
    assert r.status_code == 303
    now = client.get(f"/api/v1/pledges/{pledge['id']}", headers=as_user("estonia")).json()
    assert now["status"] == "withdrawn" and now["version"] == pledge["version"] + 1


def test_import_errors_are_listed_with_line_numbers(client, web, as_user):
    token = web("latvia")
    csv = (
        "nation,course_category,instructors,week_from,week_to\n"
        "LV,drones,4,2027-01-04,2027-02-01\n"
        "LV,drones,not-a-number,2027-01-04,2027-02-01\n"
        "EE,drones,4,2027-01-04,2027-02-01\n"
    )
    before = client.get("/api/v1/pledges", headers=as_user("latvia")).json()["total"]
    r = client.post(
        "/training/pledges/import",
        data={"csrf_token": token},
        files={"file": ("pledges.csv", csv.encode(), "text/csv")},
    )
    assert r.status_code == 422
    table = r.text.split('data-testid="import-errors"')[1]
    assert "<td>3</td><td>instructors</td>" in table
    assert "<td>4</td><td>nation</td>" in table
    assert client.get("/api/v1/pledges", headers=as_user("latvia")).json()["total"] == before
    ok = "nation,course_category,instructors,week_from,week_to\nLV,drones,4,2027-01-04,2027-02-01\n"
    r = client.post(
        "/training/pledges/import",
        data={"csrf_token": token},
        files={"file": ("pledges.csv", ok.encode(), "text/csv")},
    )
    assert "Imported 1 pledges" in r.text
    assert client.get("/api/v1/pledges", headers=as_user("latvia")).json()["total"] == before + 1


def test_export_uses_the_filters(client, web):
    web("observer")
    r = client.get("/training/pledges/export?nation=LV&format=csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    lines = r.text.strip().splitlines()
    assert lines[0].startswith("id,version,nation") and all(",LV," in x for x in lines[1:])
    r = client.get("/procurement/needs/export?format=xlsx")
    assert r.content[:2] == b"PK"


def test_filters_return_a_partial_for_htmx(client, web):
    web("observer")
    r = client.get(
        "/training/pledges?nation=DE",
        headers={"HX-Request": "true", "HX-Target": "table-area"},
    )
    assert r.status_code == 200 and "<html" not in r.text
    nations = re.findall(r"<td>([A-Z]{2})</td>", r.text)
    assert nations and set(nations) == {"DE"}


def test_planner_records_event_and_readiness_changes(client, web):
    token = web("planner")
    html = client.get("/dashboard/readiness").text
    yavoriv = html.split('data-site="Yavoriv"')[1].split("</tr>")[0]
    assert "phase &gt;= ceasefire" in yavoriv.split('class="blocking"')[1]
    scenario_id = re.search(r'<option value="(\d+)" selected>Reality', client.get("/").text)
    import datetime as dt

    r = client.post(
        f"/scenarios/{scenario_id.group(1)}/events",
        data={"csrf_token": token, "date": dt.date.today().isoformat(), "phase": "ceasefire"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    html = client.get("/dashboard/readiness").text
    blocking = html.split('data-site="Yavoriv"')[1].split("</tr>")[0].split('class="blocking"')[1]
    assert "phase" not in blocking and "site_yavoriv_cleared" in blocking
    assert 'data-testid="phase-now">ceasefire' in html


def test_event_form_errors_and_observer_refused(client, web):
    token = web("planner")
    r = client.post("/scenarios/1/events", data={"csrf_token": token, "date": "", "phase": "x"})
    assert r.status_code == 422 and 'class="error"' in r.text
    token = web("observer")
    r = client.post(
        "/scenarios/1/events", data={"csrf_token": token, "date": "2027-01-04", "phase": "peace"}
    )
    assert r.status_code == 403


def test_condition_toggle_by_htmx(client, web):
    token = web("planner")
    html = client.get("/scenarios").text
    row = html.split('data-testid="condition-us_backstop"')[1].split("</tr>")[0]
    cid = re.search(r"/scenarios/conditions/(\d+)/toggle", row).group(1)
    version = re.search(r'name="version" value="(\d+)"', row).group(1)
    r = client.post(
        f"/scenarios/conditions/{cid}/toggle",
        data={"version": version},
        headers={"HX-Request": "true", "X-CSRF-Token": token},
    )
    assert r.status_code == 200 and r.text.lstrip().startswith("<tr")
    assert ">holds<" in r.text
    # the same stale version again: refused, the row shows the current value
    r = client.post(
        f"/scenarios/conditions/{cid}/toggle",
        data={"version": version},
        headers={"HX-Request": "true", "X-CSRF-Token": token},
    )
    assert "Changed by someone else" in r.text and ">holds<" in r.text
    web("latvia")
    assert "Set to true" not in client.get("/scenarios").text


def test_audit_filters(client, web):
    web("observer")
    r = client.get("/audit?entity=pledge&action=create")
    assert r.status_code == 200
    rows = r.text.split('data-testid="audit"')[1]
    assert "<td>pledge</td>" in rows and "<td>need</td>" not in rows


def test_unknown_page_is_html_404(client, web):
    web("observer")
    r = client.get("/training/no-such-table")
    assert r.status_code == 404 and "<html" in r.text
    r = client.get("/training/pledges/999999/edit")
    assert r.status_code in (403, 404)


def test_cohorts_page_shows_a_gantt_per_site(client, web, as_user):
    web("observer")
    assert "Cohorts per site" not in client.get("/training/cohorts").text
    planner = as_user("planner")
    sites = client.get("/api/v1/sites?host_nation=PL", headers=planner).json()["items"]
    request = client.get("/api/v1/training-requests", headers=planner).json()["items"][0]
    for i, status in enumerate(("completed", "running", "planned")):
        r = client.post(
            "/api/v1/cohorts",
            headers=planner,
            json={
                "request_id": request["id"],
                "site_id": sites[i % len(sites)]["id"],
                "start_week": f"2026-0{i + 1}-05",
                "trainees": 40,
                "status": status,
            },
        )
        assert r.status_code == 201, r.text
    html = client.get("/training/cohorts").text
    assert "Cohorts per site" in html and sites[0]["name"] in html


def test_site_use_this_week_counts_cohorts_in_training(client, db, as_user):
    import datetime as dt

    from muster.training import service as training_service

    planner = as_user("planner")
    site = client.get("/api/v1/sites?host_nation=LV", headers=planner).json()["items"][0]
    request = client.get("/api/v1/training-requests", headers=planner).json()["items"][0]
    monday = dt.date.today() - dt.timedelta(days=dt.date.today().weekday())
    before = {r["nation"]: r for r in training_service.capacity_by_host_nation(db_session=db)}["LV"]
    for start, status in (
        (monday, "running"),
        (monday, "cancelled"),
        (monday + dt.timedelta(weeks=60), "planned"),
    ):
        r = client.post(
            "/api/v1/cohorts",
            headers=planner,
            json={
                "request_id": request["id"],
                "site_id": site["id"],
                "start_week": start.isoformat(),
                "trainees": 77,
                "status": status,
            },
        )
        assert r.status_code == 201, r.text
    db.expire_all()
    after = {r["nation"]: r for r in training_service.capacity_by_host_nation(db_session=db)}["LV"]
    assert after["in_use"] == before["in_use"] + 77
    assert after["capacity"] == before["capacity"]


def test_scenario_lists_its_condition_changes(client, web, as_user):
    web("observer")
    planner = as_user("planner")
    scenario = client.get("/api/v1/scenarios?is_reality=false", headers=planner).json()["items"][0]
    r = client.post(
        "/api/v1/condition-events",
        headers=planner,
        json={
            "scenario_id": scenario["id"],
            "date": "2027-02-01",
            "condition": "us_backstop",
            "holds": True,
            "note": "backstop agreed",
        },
    )
    assert r.status_code == 201, r.text
    card = client.get("/scenarios").text.split(f'id="scenario-{scenario["id"]}"')[1]
    card = card.split("</section>")[0]
    assert "Condition changes" in card and "backstop agreed" in card


def test_bad_query_values_get_an_html_page(client, web):
    web("observer")
    r = client.get("/?scenario_id=not-a-number")
    assert r.status_code == 422 and "<html" in r.text and "scenario_id" in r.text
    r = client.get("/audit?offset=-5")
    assert r.status_code == 422 and "<html" in r.text
    # table filters ignore values of the wrong type rather than failing
    assert client.get("/procurement/needs?delivery_year=soon&sort=nonsense").status_code == 200


def test_guarantees_fill_rate_by_scenario(client, web):
    web("observer")
    html = client.get("/guarantees?week=2027-06-09&basis=promised").text
    assert 'id="chart-sourcing"' in html and "Week of 2027-06-07" in html
    r = client.get(
        "/guarantees/sourcing?week=2027-06-07&basis=deployed",
        headers={"HX-Request": "true"},
    )
    assert r.status_code == 200 and "<html" not in r.text and "deployed" in r.text


class _FormReader:
    """The fields a browser would submit from the first POST form of a page."""

    def __init__(self, html: str):
        from html.parser import HTMLParser

        self.data: dict[str, str] = {}
        reader = self

        class Parser(HTMLParser):
            select: str | None = None
            textarea: str | None = None
            done = False
            inside = False

            def handle_starttag(self, tag, attrs):
                a = dict(attrs)
                if tag == "form" and a.get("method") == "post" and "/edit" in a.get("action", ""):
                    self.inside = True
                if not self.inside or self.done:
                    return
                if tag == "input" and a.get("name"):
                    if a.get("type") == "checkbox":
                        if "checked" in a:
                            reader.data[a["name"]] = "on"
                    elif a.get("type") != "file":
                        reader.data[a["name"]] = a.get("value") or ""
                elif tag == "select":
                    self.select = a.get("name")
                    reader.data.setdefault(self.select, "")
                elif tag == "option" and self.select and "selected" in a:
                    reader.data[self.select] = a.get("value", "")
                elif tag == "textarea":
                    self.textarea = a.get("name")
                    reader.data[self.textarea] = ""

            def handle_endtag(self, tag):
                if tag == "select":
                    self.select = None
                elif tag == "textarea":
                    self.textarea = None
                elif tag == "form" and self.inside:
                    self.done = True
                    self.inside = False

            def handle_data(self, data):
                if self.textarea and self.inside:
                    reader.data[self.textarea] += data

        Parser().feed(html)


def test_every_edit_form_saves_unchanged_values(client, web, as_user):
    from muster.web.views import VIEWS

    web("admin")
    for view in VIEWS:
        rows = client.get(f"/api/v1/{view.resource.name}", headers=as_user("admin")).json()
        if not rows["items"]:
            continue
        row = rows["items"][0]
        page = client.get(f"{view.url}/{row['id']}/edit")
        assert page.status_code == 200, view.url
        data = _FormReader(page.text).data
        assert data.get("version") == str(row["version"]), view.url
        r = client.post(f"{view.url}/{row['id']}/edit", data=data, follow_redirects=False)
        assert r.status_code == 303, (view.url, r.text[-3000:])
        after = client.get(
            f"/api/v1/{view.resource.name}/{row['id']}", headers=as_user("admin")
        ).json()
        changed = {k for k in row if k not in ("version", "updated_at") and after.get(k) != row[k]}
        assert not changed, (view.url, {k: (row[k], after.get(k)) for k in changed})


def test_every_create_form_reports_missing_fields(client, web):
    from muster.web.views import VIEWS

    token = web("admin")
    for view in VIEWS:
        page = client.get(f"{view.url}/new")
        assert page.status_code == 200, view.url
        r = client.post(f"{view.url}/new", data={"csrf_token": token})
        assert r.status_code == 422, (view.url, r.status_code)
        assert 'class="error"' in r.text or 'data-testid="form-error"' in r.text, view.url


def test_xlsx_import_reports_sheet_rows(client, web, as_user):
    import io

    import openpyxl

    token = web("estonia")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["nation", "course_category", "instructors", "week_from", "week_to"])
    sheet.append(["EE", "drones", 3, "2027-01-04", "2027-02-01"])
    sheet.append(["EE", "drones", 3, "2027-03-01", "2027-01-04"])
    buf = io.BytesIO()
    book.save(buf)
    r = client.post(
        "/training/pledges/import",
        data={"csrf_token": token},
        files={"file": ("pledges.xlsx", buf.getvalue(), "application/octet-stream")},
    )
    assert r.status_code == 422
    assert "<td>3</td><td>week_to</td>" in r.text.split('data-testid="import-errors"')[1]


def test_row_detail_shows_every_field_and_its_history(client, web, as_user):
    pledge = pledge_of(client, as_user, "LV")
    client.patch(
        f"/api/v1/pledges/{pledge['id']}",
        headers=as_user("planner"),
        json={"version": pledge["version"], "instructors": pledge["instructors"] + 2},
    )
    web("observer")
    html = client.get("/training/pledges").text
    assert f'href="/training/pledges/{pledge["id"]}"' in html
    page = client.get(f"/training/pledges/{pledge['id']}")
    assert page.status_code == 200
    assert "source:" in page.text.split('data-testid="detail"')[1]  # the note with its source
    history = page.text.split('data-testid="history"')[1]
    assert "<td>planner</td><td>update</td>" in history
    audit = client.get(f"/audit?entity=pledge&entity_id={pledge['id']}&action=").text
    rows = audit.split('data-testid="audit"')[1]
    assert rows.count("<tr>") == 3  # header, the update, the creation
    web("latvia")
    page = client.get(f"/training/pledges/{pledge['id']}")
    assert page.status_code == 200 and "<h2>History" not in page.text and ">Edit<" in page.text
    assert client.get("/training/pledges/new").status_code == 200


def test_login_throttle_forgets_old_names():
    from muster.web.core import LoginThrottle

    throttle = LoginThrottle(limit=2, window=0.0)
    throttle.MAX_KEYS = 3
    for n in range(10):
        throttle.failed((f"user-{n}", "ip"))
    assert len(throttle._failures) <= 4
    assert throttle.blocked_for(("user-9", "ip")) == 0
