"""Users and tokens: argon2 password hashes, bearer tokens stored as SHA-256, revocation."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from muster.audit import service as audit
from muster.auth.models import ROLES, ApiToken, User
from muster.auth.principal import Principal
from muster.config import get_settings
from muster.db import utcnow
from muster.errors import Conflict, Invalid, NotFound, Unauthorized
from muster.reference.models import Nation

_hasher = PasswordHasher()


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def principal_of(user: User) -> Principal:
    return Principal(username=user.username, role=user.role, nation=user.nation, user_id=user.id)


def get_by_username(*, db_session: Session, username: str) -> User:
    """One user by name, or NotFound."""
    user = db_session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"no user '{username}'", field="username")
    return user


def create_user(
    *,
    db_session: Session,
    actor: Principal,
    username: str,
    password: str,
    role: str,
    nation: str | None = None,
) -> User:
    """Add a user; nation users need a nation, liaison users are Ukraine's."""
    if role not in ROLES:
        raise Invalid(f"unknown role '{role}'; use one of {', '.join(ROLES)}", field="role")
    if role == "liaison":
        nation = nation or "UA"
    if role == "nation" and not nation:
        raise Invalid("a nation user needs a nation", field="nation")
    if role not in ("nation", "liaison"):
        nation = None
    if nation and db_session.scalar(select(Nation.id).where(Nation.code == nation)) is None:
        raise Invalid(f"unknown nation '{nation}'", field="nation")
    if len(password) < 8:
        raise Invalid("a password has at least 8 characters", field="password")
    if db_session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(f"user '{username}' already exists", field="username")
    user = User(username=username, password_hash=_hasher.hash(password), role=role, nation=nation)
    db_session.add(user)
    db_session.flush()
    audit.record(
        db_session=db_session,
        actor=actor.username,
        action="create",
        entity="user",
        entity_id=user.id,
        after=audit.snapshot(user),
    )
    db_session.commit()
    return user


def set_active(*, db_session: Session, actor: Principal, username: str, active: bool) -> User:
    """Disable (or re-enable) a user; a disabled user's tokens stop working at once."""
    user = get_by_username(db_session=db_session, username=username)
    before = audit.snapshot(user)
    user.active = active
    db_session.flush()
    audit.record(
        db_session=db_session,
        actor=actor.username,
        action="update",
        entity="user",
        entity_id=user.id,
        before=before,
        after=audit.snapshot(user),
    )
    db_session.commit()
    return user


def authenticate(*, db_session: Session, username: str, password: str) -> User:
    """The active user with this password, or Unauthorized (same message either way)."""
    user = db_session.scalar(select(User).where(User.username == username))
    try:
        if user is None or not user.active:
            raise VerificationError
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError) as exc:
        raise Unauthorized("wrong username or password") from exc
    return user


def issue_token(*, db_session: Session, user: User, name: str = "") -> str:
    """Create a bearer token; the plain token is returned once and never stored."""
    token = "mst_" + secrets.token_urlsafe(32)
    db_session.add(ApiToken(user_id=user.id, name=name, token_hash=hash_token(token)))
    db_session.flush()
    audit.record(
        db_session=db_session,
        actor=user.username,
        action="create",
        entity="api_token",
        entity_id=None,
        after={"user": user.username, "name": name},
    )
    db_session.commit()
    return token


def revoke_token(*, db_session: Session, actor: Principal, token: str) -> None:
    """Revoke a token by its plain value (for logout or a leaked token)."""
    row = db_session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(token)))
    if row is None:
        raise NotFound("no such token", field="token")
    row.revoked_at = utcnow()
    audit.record(
        db_session=db_session,
        actor=actor.username,
        action="revoke",
        entity="api_token",
        entity_id=row.id,
    )
    db_session.commit()


def revoke_all(*, db_session: Session, actor: Principal, username: str) -> int:
    """Revoke every live token of a user; returns how many."""
    user = get_by_username(db_session=db_session, username=username)
    rows = db_session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    ).all()
    for row in rows:
        row.revoked_at = utcnow()
    audit.record(
        db_session=db_session,
        actor=actor.username,
        action="revoke",
        entity="api_token",
        entity_id=None,
        after={"user": username, "count": len(rows)},
    )
    db_session.commit()
    return len(rows)


def principal_for_token(*, db_session: Session, token: str) -> Principal:
    """The principal behind a live token of an active user, or Unauthorized."""
    # one round trip per request: the token and its user's columns together (no ORM object)
    found = db_session.execute(
        select(
            ApiToken.revoked_at,
            ApiToken.created_at,
            User.id,
            User.username,
            User.role,
            User.nation,
            User.active,
        )
        .join(User, User.id == ApiToken.user_id, isouter=True)
        .where(ApiToken.token_hash == hash_token(token))
    ).first()
    if found is None or found.revoked_at is not None:
        raise Unauthorized("invalid or revoked token")
    if _expired(found.created_at):
        raise Unauthorized("token expired; log in again")
    if found.id is None or not found.active:
        raise Unauthorized("user disabled")
    return Principal(
        username=found.username, role=found.role, nation=found.nation, user_id=found.id
    )


def _expired(created_at: dt.datetime | None) -> bool:
    """Tokens live MUSTER_TOKEN_TTL_HOURS (default 30 days) from their issue."""
    if created_at is None:
        return False
    if created_at.tzinfo is None:  # SQLite hands back naive UTC
        created_at = created_at.replace(tzinfo=dt.UTC)
    ttl = dt.timedelta(hours=get_settings().token_ttl_hours)
    return utcnow() - created_at > ttl


def list_users(*, db_session: Session) -> list[User]:
    return list(db_session.scalars(select(User).order_by(User.username)).all())
