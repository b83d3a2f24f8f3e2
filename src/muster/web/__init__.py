"""The web app for people who never use the API: server-rendered pages with htmx.

`install(app)` mounts the static files (htmx, CSS, the page script, topojson; plotly.js is
served from the plotly package) and the page routes. Every asset comes from the app itself.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from muster.web.core import HERE, LoginThrottle


def install(app: FastAPI) -> None:
    """Add the web pages and their static files to `app`."""
    from muster.web import (
        contingencies,
        guarantees,
        mandate,
        montecarlo,
        pages,
        plans,
        procurement,
        tables,
    )

    app.state.login_throttle = LoginThrottle()
    # plotly.min.js is a route of its own under /static/vendor, so it must come first
    app.include_router(pages.router)
    app.include_router(plans.router)
    app.include_router(contingencies.router)
    app.include_router(mandate.router)
    app.include_router(procurement.router)
    app.include_router(guarantees.router)
    app.include_router(montecarlo.router)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    app.include_router(tables.router)
