"""Hardening: login throttling, body size limits (chunked too), security headers and CSP,
CSRF on forms, revocable tokens, and no secret in the logs."""

from __future__ import annotations

import logging
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from muster.app import create_app
from muster.config import Settings
from muster.db import make_engine
from muster.training.models import Pledge
from tests.conftest import DEMO_PASSWORD

LIMIT = 64 * 1024


@pytest.fixture
def client(sqlite_demo):
    """A fresh app per test, so login-failure counts never leak between tests."""
    app = create_app(
        Settings(
            database_url=sqlite_demo,
            secret_key="hardening",
            run_jobs=False,
            max_request_bytes=LIMIT,
        )
    )
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def _token(client, username="planner", password=DEMO_PASSWORD):
    return client.post("/api/v1/auth/token", json={"username": username, "password": password})


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


# -- login throttling ---------------------------------------------------------------------


def test_api_login_is_throttled_after_five_failures(client):
    for _ in range(5):
        assert _token(client, "estonia", "wrong-password").status_code == 401
    r = _token(client, "estonia", "wrong-password")
    assert r.status_code == 429
    body = r.json()
    assert body["error"] == "too_many_attempts" and body["field"] == "username"
    assert int(r.headers["Retry-After"]) > 0
    # the right password does not help while blocked; another user is not affected
    assert _token(client, "estonia").status_code == 429
    assert _token(client, "latvia").status_code == 200


def test_web_and_api_failures_count_together(client):
    for _ in range(3):
        assert _token(client, "observer", "wrong-password").status_code == 401
    for _ in range(2):
        page = client.get("/login")
        r = client.post(
            "/login",
            data={"username": "observer", "password": "nope-nope", "csrf_token": _csrf(page.text)},
        )
        assert r.status_code == 401
    assert _token(client, "observer").status_code == 429


def test_a_success_resets_the_count(client):
    for _ in range(4):
        _token(client, "liaison", "wrong-password")
    assert _token(client, "liaison").status_code == 200
    for _ in range(4):
        assert _token(client, "liaison", "wrong-password").status_code == 401


# -- request size -------------------------------------------------------------------------


def test_body_over_the_limit_is_413(client):
    h = {"Authorization": f"Bearer {_token(client).json()['token']}"}
    r = client.post(
        "/api/v1/pledges/import",
        headers=h,
        files={"file": ("p.csv", b"x" * (LIMIT + 1), "text/csv")},
    )
    assert r.status_code == 413 and r.json()["error"] == "too_large"


def test_chunked_body_over_the_limit_is_413(client):
    h = {"Authorization": f"Bearer {_token(client).json()['token']}", "Content-Type": "text/csv"}

    def chunks():
        for _ in range(LIMIT // 1024 + 2):
            yield b"y" * 1024

    r = client.post("/api/v1/pledges", headers=h, content=chunks())
    assert r.request.headers.get("transfer-encoding") == "chunked"
    assert "content-length" not in r.request.headers
    assert r.status_code == 413 and r.json()["error"] == "too_large"


def test_chunked_body_under_the_limit_goes_through(client):
    h = {"Authorization": f"Bearer {_token(client).json()['token']}"}
    body = (
        b'{"nation": "LV", "course_category": "drones", "instructors": 3,'
        b' "week_from": "2027-01-04", "week_to": "2027-02-01"}'
    )
    r = client.post(
        "/api/v1/pledges",
        headers={**h, "Content-Type": "application/json"},
        content=iter([body[:20], body[20:]]),
    )
    assert r.status_code == 201, r.text


# -- headers ------------------------------------------------------------------------------


def test_security_headers_and_csp(client):
    for path in ("/login", "/api/v1/openapi.json", "/healthz"):
        r = client.get(path)
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert r.headers["X-Frame-Options"] == "DENY"
        csp = r.headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "script-src 'self'" in csp
        assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
        assert "frame-ancestors 'none'" in csp
    docs = client.get("/docs").headers["Content-Security-Policy"]
    assert "cdn.jsdelivr.net" in docs  # Swagger UI's own assets, on /docs only


def test_pages_have_no_inline_scripts(client):
    """The CSP forbids inline scripts, so no page may carry one."""
    r = client.post(
        "/login",
        data={
            "username": "planner",
            "password": DEMO_PASSWORD,
            "csrf_token": _csrf(client.get("/login").text),
        },
    )
    assert r.status_code == 200
    for path in ("/", "/scenarios", "/guarantees", "/procurement", "/training/sites", "/audit"):
        html = client.get(path).text
        for tag in re.findall(r"<script[^>]*>", html):
            assert "src=" in tag, f"inline script on {path}: {tag}"
        assert not re.search(r"\son[a-z]+=\"", html), f"inline handler on {path}"


# -- CSRF ---------------------------------------------------------------------------------


def test_form_post_without_csrf_token_is_refused(client, sqlite_demo):
    r = client.post(
        "/login", data={"username": "planner", "password": DEMO_PASSWORD}, follow_redirects=False
    )
    assert r.status_code == 403 and "security token" in r.text
    assert client.get("/", follow_redirects=False).status_code in (302, 303, 307)  # not in
    page = client.get("/login")
    r = client.post(
        "/login",
        data={"username": "planner", "password": DEMO_PASSWORD, "csrf_token": _csrf(page.text)},
        follow_redirects=False,
    )
    assert r.status_code == 303  # logged in
    engine = make_engine(sqlite_demo)
    with Session(engine) as s:
        before = s.scalar(select(func.count()).select_from(Pledge))
    form = {
        "nation": "LV",
        "course_category": "drones",
        "instructors": "4",
        "week_from": "2027-01-04",
        "week_to": "2027-02-01",
    }
    for sent in (form, {**form, "csrf_token": "forged"}):
        r = client.post("/training/pledges/new", data=sent, follow_redirects=False)
        assert r.status_code == 403, r.text[:200]
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(Pledge)) == before
    engine.dispose()


# -- tokens -------------------------------------------------------------------------------


def test_tokens_are_revocable(client):
    token = _token(client, "latvia").json()["token"]
    h = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/auth/me", headers=h).status_code == 200
    assert client.post("/api/v1/auth/logout", headers=h).status_code == 204
    r = client.get("/api/v1/auth/me", headers=h)
    assert r.status_code == 401 and r.json()["error"] == "unauthorized"
    # disabling a user ends every token they hold
    admin = {"Authorization": f"Bearer {_token(client, 'admin').json()['token']}"}
    r = client.post(
        "/api/v1/auth/users",
        headers=admin,
        json={"username": "leaver", "password": "leaver-password", "role": "observer"},
    )
    assert r.status_code == 201, r.text
    tokens = [_token(client, "leaver", "leaver-password").json()["token"] for _ in range(2)]
    assert client.post("/api/v1/auth/users/leaver/disable", headers=admin).status_code == 200
    for t in tokens:
        r = client.get("/api/v1/pledges", headers={"Authorization": f"Bearer {t}"})
        assert r.status_code == 401


# -- logs ---------------------------------------------------------------------------------


def test_no_password_or_token_in_debug_logs(client, caplog):
    password = DEMO_PASSWORD
    with caplog.at_level(logging.DEBUG):
        for name in ("sqlalchemy.engine", "muster", "uvicorn", "httpx", "starlette", "fastapi"):
            logging.getLogger(name).setLevel(logging.DEBUG)
        try:
            token = _token(client, "planner", password).json()["token"]
            h = {"Authorization": f"Bearer {token}"}
            assert client.get("/api/v1/auth/me", headers=h).status_code == 200
            assert _token(client, "planner", "a-wrong-secret-9").status_code == 401
            page = client.get("/login")
            r = client.post(
                "/login",
                data={"username": "estonia", "password": password, "csrf_token": _csrf(page.text)},
                follow_redirects=False,
            )
            assert r.status_code == 303
            client.get("/")
        finally:
            logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)
    text = caplog.text
    assert len(caplog.records) > 10, "nothing was logged: the test proves nothing"
    assert password not in text and "a-wrong-secret-9" not in text
    assert token not in text and token[4:] not in text
