"""FastAPI factory: mounts each pillar's router under /api/v1 and maps errors to one shape."""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from muster import __version__
from muster.audit.api import router as audit_router
from muster.auth.api import router as auth_router
from muster.config import Settings, get_settings
from muster.db import make_engine, make_sessionmaker
from muster.errors import MusterError
from muster.guarantees.api import router as guarantees_router
from muster.jobs import PlanRunner
from muster.ops.limits import BodyLimit, SecurityHeaders
from muster.procurement.api import router as procurement_router
from muster.reference.api import router as reference_router
from muster.scenarios.api import router as scenarios_router
from muster.schemas import ERROR_RESPONSES, ErrorBody
from muster.training.api import router as training_router

log = logging.getLogger("muster")

DESCRIPTION = """
Muster plans and coordinates the multinational military-assistance effort for Ukraine:
the EU training mission (EUMAM Ukraine), ceasefire scenarios, security guarantees of the
coalition of the willing, and joint defence procurement.

Authenticate with `POST /api/v1/auth/token` and send `Authorization: Bearer <token>`.
Every editable row has a `version`: send it back with an update or a delete; a stale one
gets **409** and changes nothing. Errors have one shape: `{"error", "detail", "field"}`.
"""


API_ERROR_RESPONSES = {
    **ERROR_RESPONSES,
    413: {"model": ErrorBody, "description": "Request body too large"},
    429: {"model": ErrorBody, "description": "Too many failed logins; wait and retry"},
}
INT64 = 2**63 - 1


def _culprit(request: Request) -> str | None:
    """The path or query parameter that a database could not take: an integer beyond 64
    bits or a string with a NUL byte (checked after the fact, when the driver refused)."""
    params = [*request.path_params.items(), *request.query_params.multi_items()]
    for name, value in params:
        text = str(value)
        if "\x00" in text:
            return name
        try:
            number = int(text)
        except ValueError:
            continue
        if abs(number) > INT64:
            return name
    return None


def _field_of(loc: tuple) -> str | None:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or None


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app for `settings` (default: from the environment)."""
    settings = settings or get_settings()
    engine = make_engine(settings.database_url)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        """Start the plan runner with the server and stop its solves with it."""
        runner = None
        if settings.run_jobs:
            runner = PlanRunner(
                settings.database_url,
                app.state.sessionmaker,
                max_parallel=settings.max_parallel_solves,
            )
            runner.start()
        app.state.runner = runner
        yield
        if runner is not None:
            runner.stop()

    app = FastAPI(
        title="Muster",
        version=__version__,
        description=DESCRIPTION,
        docs_url="/docs",
        openapi_url="/api/v1/openapi.json",
        lifespan=lifespan,
    )
    app.state.engine = engine
    app.state.sessionmaker = make_sessionmaker(engine)
    app.state.settings = settings
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.resolved_secret_key(),
        same_site="strict",
        https_only=False,
        session_cookie="muster_session",
    )

    app.add_middleware(SecurityHeaders)

    # outermost: a body over the limit, chunked or not, is refused before anything reads it
    app.add_middleware(BodyLimit, max_bytes=settings.max_request_bytes)

    @app.exception_handler(MusterError)
    async def muster_error(_request: Request, exc: MusterError):
        retry = getattr(exc, "retry_after", None)
        headers = {"Retry-After": str(retry)} if retry else None
        return JSONResponse(status_code=exc.status_code, content=exc.to_dict(), headers=headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_request: Request, exc: RequestValidationError):
        errors = exc.errors()
        first = errors[0] if errors else {"loc": (), "msg": "invalid input"}
        field = _field_of(tuple(first.get("loc", ())))
        detail = "; ".join(
            f"{_field_of(tuple(e.get('loc', ()))) or 'body'}: {e.get('msg')}" for e in errors
        )
        return JSONResponse(
            status_code=422, content={"error": "validation_error", "detail": detail, "field": field}
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException):
        if exc.status_code == 400:  # FastAPI could not decode the body (e.g. not UTF-8)
            return JSONResponse(
                status_code=422,
                content={"error": "validation_error", "detail": str(exc.detail), "field": "body"},
            )
        codes = {
            401: "unauthorized",
            403: "forbidden",
            404: "not_found",
            405: "method_not_allowed",
            413: "too_large",
        }
        return JSONResponse(
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
            content={
                "error": codes.get(exc.status_code, "http_error"),
                "detail": str(exc.detail),
                "field": None,
            },
        )

    @app.exception_handler(OverflowError)
    @app.exception_handler(DataError)
    async def out_of_range(request: Request, exc: Exception):
        # SQLite refuses integers beyond 64 bits (OverflowError), PostgreSQL numbers beyond a
        # column's range, NUL bytes in text and dates out of range (DataError): bad input.
        field = _culprit(request)
        reason = str(getattr(exc, "orig", exc)).splitlines()[0][:200]
        return JSONResponse(
            status_code=422,
            content={
                "error": "validation_error",
                "detail": f"{field or 'a value'} is out of range: {reason}",
                "field": field,
            },
        )

    @app.exception_handler(Exception)
    async def unexpected(_request: Request, exc: Exception):
        log.exception("unexpected error", exc_info=exc)
        return JSONResponse(
            status_code=500,
            content={
                "error": "internal_error",
                "detail": "unexpected server error; it has been logged",
                "field": None,
            },
        )

    # the probes first: matching walks the routes in order, and these are polled most
    @app.get("/livez", include_in_schema=False)
    async def livez():
        """Bare liveness (no database): the framework's ceiling in the load benchmark."""
        return {"status": "ok"}

    @app.get("/healthz", tags=["meta"], summary="Liveness and database check")
    def healthz():
        from sqlalchemy import text

        with engine.connect() as conn:
            conn.execute(text("select 1"))
        return {"status": "ok", "version": __version__}

    for router in (
        auth_router,
        reference_router,
        training_router,
        scenarios_router,
        guarantees_router,
        procurement_router,
        audit_router,
    ):
        # every API route documents the error shape (401/403/404/409/422, and 429/413)
        app.include_router(router, prefix="/api/v1", responses=API_ERROR_RESPONSES)

    from muster.web import install as install_web

    install_web(app)  # the web pages at / (the API docs stay at /docs)

    return app
