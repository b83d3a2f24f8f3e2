"""Users and their API tokens (stored hashed, revocable)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from muster.db import Base, Versioned

ROLES = ("admin", "planner", "nation", "liaison", "observer")


class User(Versioned, Base):
    """A person's account; a `nation` user is scoped to one nation's rows."""

    __tablename__ = "users"
    username: Mapped[str] = mapped_column(String(80), unique=True, index=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    nation: Mapped[str | None] = mapped_column(ForeignKey("nations.code"), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class ApiToken(Versioned, Base):
    """A bearer token; only its SHA-256 is stored, so a database leak reveals no token."""

    __tablename__ = "api_tokens"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(80), default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
