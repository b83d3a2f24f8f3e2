"""FastAPI dependencies: the database session, the caller, and route permissions."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from muster.auth import service as auth_service
from muster.auth.principal import Principal
from muster.errors import Forbidden, Unauthorized

bearer = HTTPBearer(
    auto_error=False, description="A token from `POST /api/v1/auth/token` or `muster user token`"
)


def get_session(request: Request) -> Iterator[Session]:
    """One session per request; anything uncommitted is rolled back at the end."""
    session = request.app.state.sessionmaker()
    try:
        yield session
    finally:
        session.rollback()
        session.close()


def get_principal(
    request: Request,
    credentials: HTTPAuthorizationCredentials | None = Depends(bearer),
    db_session: Session = Depends(get_session),
) -> Principal:
    """The caller from a bearer token or, for the web pages, the session cookie."""
    if credentials is not None:
        return auth_service.principal_for_token(
            db_session=db_session, token=credentials.credentials
        )
    token = request.session.get("token") if "session" in request.scope else None
    if token:
        return auth_service.principal_for_token(db_session=db_session, token=token)
    raise Unauthorized("log in first: send 'Authorization: Bearer <token>'")


class Permission:
    """Route dependency: the caller's role must be one of `roles`."""

    def __init__(self, *roles: str):
        self.roles = frozenset(roles)

    async def __call__(self, principal: Principal = Depends(get_principal)) -> Principal:
        # async: a pure check needs no worker thread of its own
        if principal.role not in self.roles:
            raise Forbidden(
                f"role '{principal.role}' may not do this; needs one of "
                f"{', '.join(sorted(self.roles))}"
            )
        return principal


ANY_ROLE = Permission("admin", "planner", "nation", "liaison", "observer")
