"""Domain errors, raised by services and mapped to one JSON shape in one place."""

from __future__ import annotations


class MusterError(Exception):
    status_code = 400
    code = "bad_request"

    def __init__(self, detail: str, field: str | None = None):
        super().__init__(detail)
        self.detail = detail
        self.field = field

    def to_dict(self) -> dict:
        return {"error": self.code, "detail": self.detail, "field": self.field}


class NotFound(MusterError):
    status_code = 404
    code = "not_found"


class Conflict(MusterError):
    """A stale version or a uniqueness clash: the caller must reload and retry."""

    status_code = 409
    code = "conflict"


class Invalid(MusterError):
    status_code = 422
    code = "validation_error"


class Forbidden(MusterError):
    status_code = 403
    code = "forbidden"


class Unauthorized(MusterError):
    status_code = 401
    code = "unauthorized"


class TooManyAttempts(MusterError):
    """Login throttled: too many failures for one user name from one address."""

    status_code = 429
    code = "too_many_attempts"

    def __init__(self, detail: str, field: str | None = None, retry_after: int = 60):
        super().__init__(detail, field)
        self.retry_after = retry_after
