"""Plumbing shared by the web pages: templates, the logged-in user, CSRF, flash messages,
login throttling, and one route class that turns domain errors into HTML pages."""

from __future__ import annotations

import datetime as dt
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from muster.auth import service as auth_service
from muster.auth.principal import Principal
from muster.deps import get_session
from muster.errors import MusterError, Unauthorized

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=str(HERE / "templates"))

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"


class LoginRequired(Exception):
    """No valid session: the page sends the browser to the login form."""


class CsrfFailed(Exception):
    """A POST without the session's CSRF token."""


def csrf_token(request: Request) -> str:
    """The per-session CSRF token (created on first use)."""
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


def check_csrf(request: Request, form: FormData | None) -> None:
    """Raise CsrfFailed unless the form field or the header carries the session's token."""
    expected = request.session.get("csrf")
    sent = request.headers.get(CSRF_HEADER) or (form.get(CSRF_FIELD) if form else None)
    if not expected or not isinstance(sent, str) or not secrets.compare_digest(expected, sent):
        raise CsrfFailed


async def csrf_form(request: Request) -> FormData:
    """Dependency for every POST: the submitted form, after the CSRF check."""
    form = await request.form()
    check_csrf(request, form)
    return form


def current_principal(request: Request, db_session: Session = Depends(get_session)) -> Principal:
    """The logged-in user of this browser session, or LoginRequired."""
    token = request.session.get("token")
    if not token:
        raise LoginRequired
    try:
        principal = auth_service.principal_for_token(db_session=db_session, token=token)
    except Unauthorized as exc:
        request.session.pop("token", None)
        raise LoginRequired from exc
    request.state.principal = principal
    return principal


def flash(request: Request, message: str, kind: str = "ok") -> None:
    """Queue a one-time message for the next page shown."""
    request.session.setdefault("flash", []).append({"kind": kind, "text": message})


def _pop_flash(request: Request) -> list[dict[str, str]]:
    return request.session.pop("flash", []) if "session" in request.scope else []


def render(
    request: Request, name: str, status_code: int = 200, headers: dict | None = None, **context
) -> HTMLResponse:
    """A template with the common context: user, CSRF token, flash messages, the nav entry."""
    principal = getattr(request.state, "principal", None)
    base = {
        "principal": principal,
        "csrf": csrf_token(request) if "session" in request.scope else "",
        "flashes": _pop_flash(request),
        "today": dt.date.today(),
    }
    base.update(context)
    # pages hold planning data: no copy in the browser cache (e.g. after logging out)
    headers = {"Cache-Control": "no-store", **(headers or {})}
    return templates.TemplateResponse(request, name, base, status_code=status_code, headers=headers)


def is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"


def redirect(url: str, request: Request | None = None) -> Response:
    """See-other after a POST; htmx requests get an HX-Redirect instead."""
    if request is not None and is_htmx(request):
        return Response(status_code=204, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


def error_page(request: Request, status_code: int, title: str, detail: str) -> HTMLResponse:
    if is_htmx(request):
        return HTMLResponse(
            f'<p class="alert alert-error" role="alert">{_escape(detail)}</p>',
            status_code=status_code,
            headers={"HX-Retarget": "#messages", "HX-Reswap": "innerHTML"},
        )
    return render(request, "error.html", status_code=status_code, title=title, detail=detail)


def _escape(text: str) -> str:
    from markupsafe import escape

    return str(escape(text))


TITLES = {403: "Not allowed", 404: "Not found", 409: "Conflict", 422: "Invalid input"}


class WebRoute(APIRoute):
    """Route class of the web pages: login redirects, CSRF failures and domain errors become
    HTML pages (the API keeps its JSON errors)."""

    def get_route_handler(self) -> Callable:
        original = super().get_route_handler()

        async def handler(request: Request) -> Response:
            try:
                return await original(request)
            except LoginRequired:
                target = request.url.path
                if request.url.query:
                    target += "?" + request.url.query
                url = "/login" if request.method != "GET" else f"/login?next={quote(target)}"
                if is_htmx(request):
                    return Response(status_code=204, headers={"HX-Redirect": url})
                return RedirectResponse(url, status_code=303)
            except CsrfFailed:
                return error_page(
                    request,
                    403,
                    "Form expired",
                    "The form's security token is missing or out of date. Reload the page and "
                    "submit again.",
                )
            except MusterError as exc:
                return error_page(
                    request, exc.status_code, TITLES.get(exc.status_code, "Error"), exc.detail
                )
            except RequestValidationError as exc:
                problems = "; ".join(
                    f"{'.'.join(str(p) for p in e.get('loc', ())[1:]) or 'input'}: {e.get('msg')}"
                    for e in exc.errors()
                )
                return error_page(
                    request, 422, TITLES[422], f"The address is not valid: {problems}"
                )

        return handler


class LoginThrottle:
    """At most `limit` failed logins per user name and client address in `window` seconds."""

    def __init__(self, limit: int = 5, window: float = 300.0):
        self.limit = limit
        self.window = window
        self._failures: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        times = self._failures.setdefault(key, deque())
        while times and now - times[0] > self.window:
            times.popleft()
        return times

    def blocked_for(self, key: tuple[str, str]) -> int:
        """Seconds until another attempt is allowed (0: allowed now)."""
        now = time.monotonic()
        with self._lock:
            times = self._recent(key, now)
            if len(times) < self.limit:
                return 0
            return int(self.window - (now - times[0])) + 1

    MAX_KEYS = 10_000

    def failed(self, key: tuple[str, str]) -> None:
        now = time.monotonic()
        with self._lock:
            if len(self._failures) >= self.MAX_KEYS:  # forget names with no recent failure
                for old in [
                    k for k, t in self._failures.items() if not t or now - t[-1] > self.window
                ]:
                    del self._failures[old]
            self._recent(key, now).append(now)

    def succeeded(self, key: tuple[str, str]) -> None:
        with self._lock:
            self._failures.pop(key, None)


# -- formatting helpers used by templates -------------------------------------------------


def euros(cents: int | None) -> str:
    """Euro cents as '€ 1,234,567'; large sums as '€ 1.23 bn'."""
    if cents is None:
        return ""
    value = Decimal(cents) / 100
    if abs(value) >= 1_000_000_000:
        return f"€ {value / 1_000_000_000:,.2f} bn"
    if abs(value) >= 1_000_000:
        return f"€ {value / 1_000_000:,.1f} m"
    return f"€ {value:,.0f}"


def cell(value: Any) -> str:
    """A value as table text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k} {v}" for k, v in value.items())
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


templates.env.filters["euros"] = euros
templates.env.filters["cell"] = cell
