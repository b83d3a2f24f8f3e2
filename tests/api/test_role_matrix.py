"""Every write endpoint × every role, against a table written here by hand (not derived
from the code), so a change of rules or a new endpoint without a row fails this test."""

from __future__ import annotations

import itertools

import pytest

ROLES = {
    "admin": None,
    "planner": None,
    "latvia": "nation",
    "liaison": "liaison",
    "observer": "observer",
}

# resource -> roles (by demo user) allowed to create, update and delete
WRITERS: dict[str, set[str]] = {
    "nations": {"admin"},
    "courses": {"admin", "planner"},
    "priority-areas": {"admin", "planner"},
    "sites": {"admin", "planner"},
    "pledges": {"admin", "planner", "latvia"},
    "training-requests": {"admin", "planner", "liaison"},
    "cohorts": {"admin", "planner"},
    "training-totals": {"admin", "planner"},
    "scenarios": {"admin", "planner"},
    "phase-events": {"admin", "planner"},
    "conditions": {"admin", "planner"},
    "condition-events": {"admin", "planner"},
    "mandate-proposals": {"admin", "planner"},
    "mandate-positions": {"admin", "planner", "latvia"},
    "force-requirements": {"admin", "planner"},
    "contributions": {"admin", "planner", "latvia"},
    "capability-coalitions": {"admin", "planner"},
    "needs": {"admin", "planner", "latvia", "liaison"},
    "joint-procurements": {"admin", "planner"},
    "loan-requests": {"admin", "planner", "latvia"},
}

# Endpoints that are not the standard five; each with the roles that may call it.
OTHER_WRITES: dict[tuple[str, str], set[str]] = {
    ("POST", "/api/v1/auth/token"): set(ROLES),  # anyone with a password
    ("POST", "/api/v1/auth/logout"): set(ROLES),
    ("POST", "/api/v1/auth/users"): {"admin"},
    ("POST", "/api/v1/auth/users/{username}/disable"): {"admin"},
    ("POST", "/api/v1/plans"): {"admin", "planner"},
    ("DELETE", "/api/v1/plans/{id}"): {"admin", "planner"},
    ("POST", "/api/v1/plans/{id}/approve"): {"admin", "planner"},
    ("POST", "/api/v1/contingencies"): {"admin", "planner"},
    ("POST", "/api/v1/contingencies/{id}/activate"): {"admin", "planner"},
    ("POST", "/api/v1/montecarlo"): {"admin", "planner"},
    ("DELETE", "/api/v1/montecarlo/{id}"): {"admin", "planner"},
    ("POST", "/api/v1/plans/{id}/repair"): {"admin", "planner"},
    ("POST", "/api/v1/plans/{id}/recommend"): {"admin", "planner", "liaison"},
    ("POST", "/api/v1/capability-substitutions"): {"admin", "planner"},
    ("PATCH", "/api/v1/capability-substitutions/{id}"): {"admin", "planner"},
    ("DELETE", "/api/v1/capability-substitutions/{id}"): {"admin", "planner"},
    ("POST", "/api/v1/guarantees/contributions/{id}/status"): {"admin", "planner", "latvia"},
    ("POST", "/api/v1/guarantees/rounds"): {"admin", "planner"},
    ("POST", "/api/v1/guarantees/rounds/{id}/close"): {"admin", "planner"},
    ("PATCH", "/api/v1/guarantees/rounds/{id}/gaps/{gap_id}"): {"admin", "planner"},
}
IMPORTABLE = {"pledges", "training-requests", "contributions", "needs", "sites"}

_seq = itertools.count(1)


def _letters(n: int) -> str:
    out = ""
    while True:
        n, r = divmod(n, 26)
        out += "abcdefghijklmnopqrstuvwxyz"[r]
        if n == 0:
            return out


def _first(client, h, path, **params):
    return client.get(f"/api/v1/{path}", params=params, headers=h).json()["items"][0]


def payload(resource: str, user: str, client, admin) -> dict:
    """A valid create body that `user` could own (their nation where rows are scoped)."""
    n = next(_seq)
    nation = {"latvia": "LV", "liaison": "UA"}.get(user, "LV")
    if resource == "nations":
        return {
            "code": ["CH", "RS", "MD", "GE", "AL", "ME", "MK", "BA", "SM", "AD"][n % 10],
            "name": f"Test {n}",
        }
    if resource == "courses":
        return {
            "code": f"TEST-{n}",
            "name": "Test course",
            "category": "infantry",
            "duration_weeks": 2,
            "class_size": 10,
            "instructors_per_class": 1,
        }
    if resource == "priority-areas":
        return {"code": f"test_area_{_letters(n)}", "name": "Test area"}
    if resource == "sites":
        return {
            "name": f"Test site {n}",
            "host_nation": "PL",
            "latitude": 50.0,
            "longitude": 20.0,
            "weekly_capacity": 100,
            "course_codes": ["BASIC"],
        }
    if resource == "pledges":
        return {
            "nation": nation,
            "course_category": "infantry",
            "instructors": 3,
            "week_from": "2027-01-04",
            "week_to": "2027-02-01",
        }
    if resource == "training-requests":
        return {
            "course_code": "MEDIC",
            "trainees": 24,
            "earliest_start": "2027-01-04",
            "latest_end": "2027-03-01",
        }
    if resource == "cohorts":
        req = _first(client, admin, "training-requests")
        site = _first(client, admin, "sites")
        return {
            "request_id": req["id"],
            "site_id": site["id"],
            "start_week": "2027-01-04",
            "trainees": 20,
            "instructors": {"DE": 2},
        }
    if resource == "training-totals":
        return {
            "as_of": f"2026-{(n % 12) + 1:02d}-{(n % 27) + 1:02d}",
            "cumulative_trained": 90000 + n,
        }
    if resource == "scenarios":
        return {"name": f"Test scenario {n}"}
    if resource == "phase-events":
        scenario = _first(client, admin, "scenarios")
        return {"scenario_id": scenario["id"], "date": "2027-05-03", "phase": "truce"}
    if resource == "condition-events":
        scenario = _first(client, admin, "scenarios")
        return {"scenario_id": scenario["id"], "date": "2027-05-03", "condition": "us_backstop"}
    if resource == "mandate-proposals":
        return {"title": f"Test proposal {n}"}
    if resource == "mandate-positions":
        # a fresh proposal each time: one position per nation and proposal
        proposal = client.post(
            "/api/v1/mandate-proposals", headers=admin, json={"title": f"Test proposal {n}"}
        ).json()
        return {
            "proposal_id": proposal["id"],
            "nation": "LV",
            "stance": "support",
            "date": "2025-08-29",
            "source": "test",
        }
    if resource == "conditions":
        return {"name": f"test_condition_{n}", "description": "test"}
    if resource == "force-requirements":
        return {"capability": "engineer_company", "zone": "western_non_combat", "quantity": 2}
    if resource == "contributions":
        return {
            "nation": nation,
            "kind": "troops",
            "capability": "engineer_company",
            "quantity": 1,
            "zones": ["western_non_combat"],
        }
    if resource == "capability-coalitions":
        area = client.post(
            "/api/v1/priority-areas",
            headers=admin,
            json=payload("priority-areas", "admin", client, admin),
        ).json()
        return {"area_code": area["code"], "lead_deadline": "2025-10-31"}
    if resource == "needs":
        return {
            "nation": nation,
            "area_code": "maritime",
            "item": "patrol boat",
            "quantity": 2,
            "unit_cost_cents": 100_000,
        }
    if resource == "joint-procurements":
        return {
            "lead_nation": "PL",
            "participants": ["PL", "LT"],
            "area_code": "artillery",
            "item": "howitzer",
            "quantity": 10,
        }
    if resource == "loan-requests":
        return {"nation": nation, "amount_cents": 100_000_000}
    raise AssertionError(f"no payload for {resource}")


@pytest.mark.parametrize("resource", sorted(WRITERS))
def test_write_matrix(resource, client, as_user):
    admin = as_user("admin")
    mismatches = []
    for user in ROLES:
        allowed = user in WRITERS[resource]
        h = as_user(user)
        body = payload(resource, user, client, admin)
        r = client.post(f"/api/v1/{resource}", json=body, headers=h)
        if r.status_code != (201 if allowed else 403):
            mismatches.append(f"{user} create -> {r.status_code} {r.text[:200]}")
        # a row this user could own, made by admin, to update and delete
        row = client.post(
            f"/api/v1/{resource}", json=payload(resource, user, client, admin), headers=admin
        )
        assert row.status_code == 201, row.text
        row = row.json()
        r = client.patch(
            f"/api/v1/{resource}/{row['id']}", json={"version": row["version"]}, headers=h
        )
        if r.status_code != (200 if allowed else 403):
            mismatches.append(f"{user} update -> {r.status_code} {r.text[:200]}")
        r = client.delete(f"/api/v1/{resource}/{row['id']}?version={row['version']}", headers=h)
        if r.status_code != (204 if allowed else 403):
            mismatches.append(f"{user} delete -> {r.status_code} {r.text[:200]}")
        if resource in IMPORTABLE:
            r = client.post(
                f"/api/v1/{resource}/import",
                headers=h,
                files={
                    "file": ("rows.csv", _csv(payload(resource, user, client, admin)), "text/csv")
                },
            )
            if r.status_code != (200 if allowed else 403):
                mismatches.append(f"{user} import -> {r.status_code} {r.text[:200]}")
    assert not mismatches, "\n".join(mismatches)


def _csv(body: dict) -> bytes:
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(body.keys())
    w.writerow([";".join(v) if isinstance(v, list) else v for v in body.values()])
    return buf.getvalue().encode()


@pytest.mark.parametrize("endpoint,allowed", sorted(OTHER_WRITES.items()))
def test_other_write_endpoints(endpoint, allowed, client, as_user):
    """Refused roles get 403; allowed roles get past the permission check (the outcome of
    the call itself is tested elsewhere)."""
    method, path = endpoint
    if path in ("/api/v1/auth/token", "/api/v1/auth/logout"):
        pytest.skip("open to every user; covered in test_crud_api")
    url = path.replace("{username}", "estonia").replace("{id}", "999999")
    body = {
        "/api/v1/auth/users": {
            "username": "new-user",
            "password": "long-enough-1",
            "role": "observer",
        },
        "/api/v1/plans": {"weeks": 0},  # invalid on purpose: nothing is queued
        "/api/v1/plans/{id}/approve": {"version": 1},
        "/api/v1/contingencies": {"trigger_week": "2000-01-03"},  # before the start: 422
        "/api/v1/contingencies/{id}/activate": {"version": 1},
        "/api/v1/montecarlo": {"draws": 0},  # invalid on purpose: nothing is queued
        "/api/v1/plans/{id}/repair": {"breach_week": "2027-01-04"},
        "/api/v1/plans/{id}/recommend": {
            "course_code": "MEDIC",
            "trainees": 10,
            "earliest_start": "2027-01-04",
            "latest_end": "2027-03-01",
        },
    }.get(path)
    for user in ROLES:
        r = client.request(method, url, headers=as_user(user), json=body)
        if user in allowed:
            assert r.status_code != 403, (user, r.text)
            assert r.status_code < 500, (user, r.text)
        else:
            assert r.status_code == 403, (user, r.text)


def test_every_write_endpoint_has_a_row(client):
    """A new write endpoint must be added to WRITERS or OTHER_WRITES above."""
    spec = client.get("/api/v1/openapi.json").json()
    covered = set(OTHER_WRITES)
    for resource in WRITERS:
        covered |= {
            ("POST", f"/api/v1/{resource}"),
            ("PATCH", f"/api/v1/{resource}/{{id}}"),
            ("DELETE", f"/api/v1/{resource}/{{id}}"),
        }
        if resource in IMPORTABLE:
            covered.add(("POST", f"/api/v1/{resource}/import"))
    found = {
        (m.upper(), p)
        for p, ops in spec["paths"].items()
        for m in ops
        if m.upper() in ("POST", "PUT", "PATCH", "DELETE")
    }
    assert found - covered == set(), f"write endpoints without a row: {found - covered}"
