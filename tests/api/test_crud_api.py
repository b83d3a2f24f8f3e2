"""The REST API through the real app: CRUD, versions, errors, filters, audit."""

from __future__ import annotations

PLEDGE = {
    "nation": "LV",
    "course_category": "drones",
    "instructors": 4,
    "week_from": "2027-01-06",  # a Wednesday: stored as its Monday
    "week_to": "2027-03-01",
    "eu_soil_only": False,
    "ukraine_condition": "phase >= ceasefire and ceasefire_parameters_agreed",
}


def test_login_wrong_password_is_401_with_error_shape(client):
    r = client.post("/api/v1/auth/token", json={"username": "admin", "password": "nope-nope"})
    assert r.status_code == 401
    assert r.json() == {
        "error": "unauthorized",
        "detail": "wrong username or password",
        "field": None,
    }


def test_reads_need_a_token(client):
    r = client.get("/api/v1/pledges")
    assert r.status_code == 401
    assert r.json()["error"] == "unauthorized"


def test_create_update_delete_pledge_round_trip(client, as_user):
    h = as_user("latvia")
    r = client.post("/api/v1/pledges", json=PLEDGE, headers=h)
    assert r.status_code == 201, r.text
    pledge = r.json()
    assert pledge["week_from"] == "2027-01-04"
    assert pledge["version"] == 1
    assert pledge["ukraine_condition"] == "phase >= ceasefire and ceasefire_parameters_agreed"

    r = client.patch(
        f"/api/v1/pledges/{pledge['id']}", json={"version": 1, "instructors": 6}, headers=h
    )
    assert r.status_code == 200, r.text
    assert r.json()["instructors"] == 6 and r.json()["version"] == 2

    r = client.get(f"/api/v1/pledges/{pledge['id']}", headers=as_user("observer"))
    assert r.json()["instructors"] == 6

    r = client.delete(f"/api/v1/pledges/{pledge['id']}?version=2", headers=h)
    assert r.status_code == 204
    assert client.get(f"/api/v1/pledges/{pledge['id']}", headers=h).status_code == 404

    audit = client.get(
        "/api/v1/audit",
        params={"entity": "pledge", "entity_id": pledge["id"]},
        headers=as_user("planner"),
    ).json()
    assert [e["action"] for e in audit["items"]] == ["delete", "update", "create"]
    update = audit["items"][1]
    assert update["actor"] == "latvia"
    assert update["before"]["instructors"] == 4 and update["after"]["instructors"] == 6


def test_stale_update_gets_409_and_changes_nothing(client, as_user):
    h = as_user("planner")
    pledge = client.get("/api/v1/pledges", params={"nation": "PL"}, headers=h).json()["items"][0]
    first = client.patch(
        f"/api/v1/pledges/{pledge['id']}",
        json={"version": pledge["version"], "instructors": 61},
        headers=h,
    )
    assert first.status_code == 200
    second = client.patch(
        f"/api/v1/pledges/{pledge['id']}",
        json={"version": pledge["version"], "instructors": 99},
        headers=h,
    )
    assert second.status_code == 409
    assert second.json()["field"] == "version"
    now = client.get(f"/api/v1/pledges/{pledge['id']}", headers=h).json()
    assert now["instructors"] == 61
    assert now["version"] == pledge["version"] + 1


def test_stale_delete_gets_409(client, as_user):
    h = as_user("planner")
    req = client.get("/api/v1/training-requests", headers=h).json()["items"][0]
    r = client.delete(
        f"/api/v1/training-requests/{req['id']}?version={req['version'] + 5}", headers=h
    )
    assert r.status_code == 409
    assert client.get(f"/api/v1/training-requests/{req['id']}", headers=h).status_code == 200


def test_validation_error_names_the_field(client, as_user):
    bad = {**PLEDGE, "instructors": 0}
    r = client.post("/api/v1/pledges", json=bad, headers=as_user("planner"))
    assert r.status_code == 422
    assert r.json()["error"] == "validation_error"
    assert r.json()["field"] == "instructors"


def test_unknown_field_is_rejected(client, as_user):
    r = client.post(
        "/api/v1/pledges", json={**PLEDGE, "instructorz": 3}, headers=as_user("planner")
    )
    assert r.status_code == 422
    assert r.json()["field"] == "instructorz"


def test_unknown_condition_word_is_named(client, as_user):
    r = client.post(
        "/api/v1/pledges", json={**PLEDGE, "condition": "us_backstp"}, headers=as_user("planner")
    )
    assert r.status_code == 422
    body = r.json()
    assert body["field"] == "condition"
    assert "us_backstp" in body["detail"]


def test_unknown_reference_is_422_not_500(client, as_user):
    r = client.post("/api/v1/pledges", json={**PLEDGE, "nation": "XX"}, headers=as_user("planner"))
    assert r.status_code == 422
    assert r.json()["field"] == "nation"
    r = client.post(
        "/api/v1/training-requests",
        json={
            "course_code": "NOPE",
            "trainees": 10,
            "earliest_start": "2027-01-04",
            "latest_end": "2027-03-01",
        },
        headers=as_user("liaison"),
    )
    assert r.status_code == 422 and r.json()["field"] == "course_code"


def test_window_shorter_than_course_is_rejected(client, as_user):
    r = client.post(
        "/api/v1/training-requests",
        json={
            "course_code": "ARTY-155",
            "trainees": 20,
            "earliest_start": "2027-01-04",
            "latest_end": "2027-01-18",
        },
        headers=as_user("liaison"),
    )
    assert r.status_code == 422
    assert r.json()["field"] == "latest_end"


def test_week_order_checked(client, as_user):
    r = client.post(
        "/api/v1/pledges", json={**PLEDGE, "week_to": "2026-01-05"}, headers=as_user("planner")
    )
    assert r.status_code == 422 and r.json()["field"] == "week_to"


def test_null_for_required_column_is_422(client, as_user):
    h = as_user("planner")
    pledge = client.get("/api/v1/pledges", headers=h).json()["items"][0]
    r = client.patch(
        f"/api/v1/pledges/{pledge['id']}",
        json={"version": pledge["version"], "instructors": None},
        headers=h,
    )
    assert r.status_code == 422 and r.json()["field"] == "instructors"


def test_list_filters_sort_and_paginate(client, as_user):
    h = as_user("observer")
    r = client.get("/api/v1/pledges", params={"nation": "DE"}, headers=h).json()
    assert r["total"] == 4 and all(p["nation"] == "DE" for p in r["items"])
    r = client.get("/api/v1/pledges", params={"sort": "-instructors", "limit": 2}, headers=h).json()
    assert [p["instructors"] for p in r["items"]] == [60, 48]
    assert r["total"] > 2 and r["limit"] == 2
    r = client.get("/api/v1/pledges", params={"sort": "colour"}, headers=h)
    assert r.status_code == 422 and r.json()["field"] == "sort"


def test_missing_row_is_404_shape(client, as_user):
    r = client.get("/api/v1/sites/999999", headers=as_user("observer"))
    assert r.status_code == 404
    assert r.json()["error"] == "not_found"


def test_referenced_row_delete_is_409(client, as_user):
    h = as_user("planner")
    course = client.get("/api/v1/courses", params={"code": "BASIC"}, headers=h).json()["items"][0]
    r = client.delete(f"/api/v1/courses/{course['id']}?version={course['version']}", headers=h)
    assert r.status_code == 409


def test_audit_is_not_for_nation_users(client, as_user):
    assert client.get("/api/v1/audit", headers=as_user("latvia")).status_code == 403
    assert client.get("/api/v1/audit", headers=as_user("observer")).status_code == 200


def test_revoked_token_stops_working(client):
    r = client.post(
        "/api/v1/auth/token", json={"username": "observer", "password": "demo-password-1"}
    )
    h = {"Authorization": f"Bearer {r.json()['token']}"}
    assert client.get("/api/v1/auth/me", headers=h).json()["role"] == "observer"
    assert client.post("/api/v1/auth/logout", headers=h).status_code == 204
    assert client.get("/api/v1/auth/me", headers=h).status_code == 401


def test_disabled_user_cannot_use_tokens(client, as_user):
    h = as_user("estonia")
    r = client.post("/api/v1/auth/users/estonia/disable", headers=as_user("admin"))
    assert r.status_code == 200 and r.json()["active"] is False
    assert client.get("/api/v1/pledges", headers=h).status_code == 401


def test_cumulative_trained_from_history(client, as_user):
    r = client.get("/api/v1/training/cumulative", headers=as_user("observer"))
    assert r.json()["cumulative_trained"] == 80000


def test_openapi_documents_every_route_with_examples(client):
    spec = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/pledges/{id}" in spec["paths"]
    assert "/api/v1/audit" in spec["paths"]
    pledge_in = spec["components"]["schemas"]["PledgeIn"]
    assert pledge_in["properties"]["nation"]["examples"] == ["LV"]


def test_oversized_body_is_413(client, as_user):
    r = client.post(
        "/api/v1/pledges",
        content=b"x" * (6 * 1024 * 1024),
        headers={**as_user("planner"), "Content-Type": "application/json"},
    )
    assert r.status_code == 413


def test_security_headers(client):
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["X-Frame-Options"] == "DENY"


def test_expired_token_is_refused(client, db, monkeypatch):
    import datetime as dt

    from muster.auth.models import ApiToken
    from muster.config import get_settings

    r = client.post(
        "/api/v1/auth/token", json={"username": "observer", "password": "demo-password-1"}
    )
    h = {"Authorization": f"Bearer {r.json()['token']}"}
    assert client.get("/api/v1/auth/me", headers=h).status_code == 200
    monkeypatch.setattr(get_settings(), "token_ttl_hours", 1)
    for row in db.query(ApiToken).all():
        row.created_at = dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)
    db.commit()
    r = client.get("/api/v1/auth/me", headers=h)
    assert r.status_code == 401 and "expired" in r.json()["detail"]
