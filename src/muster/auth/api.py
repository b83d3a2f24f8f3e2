"""Login, logout and user management over the API."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.security import HTTPAuthorizationCredentials
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from muster.auth import service
from muster.auth.principal import Principal
from muster.deps import ANY_ROLE, Permission, bearer, get_session
from muster.errors import TooManyAttempts, Unauthorized
from muster.schemas import ERROR_RESPONSES, ErrorBody, StrictInput

router = APIRouter(prefix="/auth", tags=["auth"], responses=ERROR_RESPONSES)


class Login(StrictInput):
    username: str = Field(min_length=1, max_length=80, examples=["admin"])
    password: str = Field(min_length=1, max_length=200, examples=["a-long-password"])
    token_name: str = Field(default="api", max_length=80)


class TokenOut(BaseModel):
    token: str
    token_type: str = "bearer"
    username: str
    role: str
    nation: str | None


class Me(BaseModel):
    username: str
    role: str
    nation: str | None


class UserIn(StrictInput):
    username: str = Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9_.@-]+$")
    password: str = Field(min_length=8, max_length=200)
    role: str = Field(examples=["nation"])
    nation: str | None = Field(default=None, pattern=r"^[A-Z]{2}$", examples=["LV"])


class UserOut(BaseModel):
    model_config = {"from_attributes": True}
    id: int
    username: str
    role: str
    nation: str | None
    active: bool


@router.post(
    "/token",
    response_model=TokenOut,
    summary="Log in and get a bearer token",
    responses={429: {"model": ErrorBody, "description": "Too many failed logins; wait"}},
)
def login(request: Request, data: Login, db_session: Session = Depends(get_session)):
    # failures count per user name and client address, together with the web login form
    throttle = getattr(request.app.state, "login_throttle", None)
    key = (data.username.lower(), request.client.host if request.client else "")
    if throttle is not None and (wait := throttle.blocked_for(key)):
        raise TooManyAttempts(
            f"too many failed logins for this user from this address; try again in {wait} s",
            field="username",
            retry_after=wait,
        )
    try:
        user = service.authenticate(
            db_session=db_session, username=data.username, password=data.password
        )
    except Unauthorized:
        if throttle is not None:
            throttle.failed(key)
        raise
    if throttle is not None:
        throttle.succeeded(key)
    token = service.issue_token(db_session=db_session, user=user, name=data.token_name)
    return TokenOut(token=token, username=user.username, role=user.role, nation=user.nation)


@router.post("/logout", status_code=204, summary="Revoke the token used for this call")
def logout(
    credentials: HTTPAuthorizationCredentials | None = Depends(bearer),
    principal: Principal = Depends(ANY_ROLE),
    db_session: Session = Depends(get_session),
):
    if credentials is not None:
        service.revoke_token(db_session=db_session, actor=principal, token=credentials.credentials)


@router.get("/me", response_model=Me, summary="Who am I")
def me(principal: Principal = Depends(ANY_ROLE)):
    return Me(username=principal.username, role=principal.role, nation=principal.nation)


@router.get(
    "/users",
    response_model=list[UserOut],
    summary="List users (admin)",
    dependencies=[Depends(Permission("admin"))],
)
def list_users(db_session: Session = Depends(get_session)):
    return service.list_users(db_session=db_session)


@router.post("/users", response_model=UserOut, status_code=201, summary="Add a user (admin)")
def add_user(
    data: UserIn,
    db_session: Session = Depends(get_session),
    principal: Principal = Depends(Permission("admin")),
):
    return service.create_user(db_session=db_session, actor=principal, **data.model_dump())


@router.post(
    "/users/{username}/disable",
    response_model=UserOut,
    summary="Disable a user and revoke their tokens (admin)",
)
def disable_user(
    username: str,
    db_session: Session = Depends(get_session),
    principal: Principal = Depends(Permission("admin")),
):
    user = service.set_active(
        db_session=db_session, actor=principal, username=username, active=False
    )
    service.revoke_all(db_session=db_session, actor=principal, username=username)
    return user
