"""Settings from the environment (prefix MUSTER_), with safe defaults for a laptop demo."""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

VAR_DIR = Path("var")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MUSTER_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default=f"sqlite:///{VAR_DIR / 'muster.db'}",
        description="SQLAlchemy URL; SQLite file under ./var/ by default.",
    )
    secret_key: str | None = Field(
        default=None, description="Signs session cookies; generated and stored on first run."
    )
    log_level: str = "INFO"
    demo_admin_password: str | None = Field(
        default=None, description="Password for the demo admin; printed once if unset."
    )
    loan_envelope_cents: int = Field(
        default=150_000_000_000 * 100, description="SAFE loan envelope (default EUR 150bn)."
    )
    max_request_bytes: int = 5 * 1024 * 1024
    token_ttl_hours: int = Field(
        default=24 * 30, ge=1, description="API and session tokens expire after this long"
    )
    run_jobs: bool = Field(default=True, description="Run plan solves in this server process")
    max_parallel_solves: int = Field(default=1, ge=1, le=16)

    def resolved_secret_key(self) -> str:
        """Return the configured key, or one generated once and kept in var/secret_key."""
        if self.secret_key:
            return self.secret_key
        path = VAR_DIR / "secret_key"
        if path.exists():
            return path.read_text().strip()
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        path.write_text(key)
        path.chmod(0o600)
        return key


@lru_cache
def get_settings() -> Settings:
    return Settings()
