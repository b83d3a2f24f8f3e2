"""Who is calling, and what their role lets them write."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Principal:
    username: str
    role: str
    nation: str | None = None
    user_id: int | None = None

    @property
    def is_scoped(self) -> bool:
        """Nation and liaison users may only touch rows of their own nation."""
        return self.role in ("nation", "liaison")


SYSTEM = Principal(username="system", role="admin")
