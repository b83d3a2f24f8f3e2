"""Schemathesis over the app's own OpenAPI document, driven in-process through ASGI.

Shared by the bounded test (tests/reliability/test_fuzz.py) and the long run
(benchmarks/fuzz.py). Every generated request is sent with a user's bearer token; the
checks are: no 5xx, the status code is documented, the content type is documented, the
body matches the documented schema, and schema-invalid input is rejected with a 4xx.
"""

from __future__ import annotations

import contextlib
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi import checks as openapi_checks

OPENAPI = "/api/v1/openapi.json"
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Writes that any caller may make: logging in, and logging out (which would revoke the
# fuzzing token, so it is tested on its own in test_hardening.py).
OPEN_WRITES = frozenset({("POST", "/api/v1/auth/token"), ("POST", "/api/v1/auth/logout")})
SKIP = frozenset({("POST", "/api/v1/auth/logout")})

CHECKS = [
    schemathesis.checks.not_a_server_error,
    openapi_checks.status_code_conformance,
    openapi_checks.content_type_conformance,
    openapi_checks.response_schema_conformance,
]
# Not `negative_data_rejection`: it counts unknown query parameters as invalid input, and
# the API (like most) ignores those; schema-invalid bodies and parameters still must not
# give a 5xx and every answer must match its documented schema.
NEGATIVE_CHECKS = CHECKS


@dataclass
class Finding:
    operation: str
    mode: str
    status: int
    message: str
    request: str

    def __str__(self) -> str:
        head = f"{self.operation} [{self.mode}] -> {self.status}: {self.message}"
        return f"{head}\n    {self.request}"


@dataclass
class Report:
    user: str
    examples: int = 0
    operations: int = 0
    statuses: Counter = field(default_factory=Counter)
    findings: list[Finding] = field(default_factory=list)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "user": self.user,
            "examples": self.examples,
            "operations": self.operations,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "findings": [str(f) for f in self.findings],
            "seconds": round(self.seconds, 1),
        }


def _describe(case: Any) -> str:
    parts = [f"{case.method} {case.formatted_path}"]
    if case.query:
        parts.append(f"query={case.query!r}")
    if case.body is not None and type(case.body).__name__ != "NotSet":
        parts.append(f"body={str(case.body)[:300]}")
    return " ".join(parts)


def fuzz(
    app: Any,
    headers: dict[str, str],
    *,
    user: str,
    examples: int,
    modes: tuple[GenerationMode, ...] = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE),
    observer: bool = False,
    seed: int | None = 0,
    max_findings_per_operation: int = 3,
) -> Report:
    """Fuzz every operation of `app` as the user behind `headers`; returns what was found.

    With `observer=True` every write must also be refused with 403 (reads go on as usual).
    """
    schema = schemathesis.openapi.from_asgi(OPENAPI, app)
    report = Report(user=user)
    started = time.monotonic()
    for result in schema.get_all_operations():
        operation = result.ok()
        key = (operation.method.upper(), operation.path)
        if key in SKIP:
            continue
        report.operations += 1
        for mode in modes:
            report.findings.extend(
                _fuzz_operation(
                    operation,
                    mode,
                    headers,
                    report,
                    examples=examples,
                    observer=observer,
                    seed=seed,
                    limit=max_findings_per_operation,
                )
            )
    report.seconds = time.monotonic() - started
    return report


def _fuzz_operation(
    operation: Any,
    mode: GenerationMode,
    headers: dict[str, str],
    report: Report,
    *,
    examples: int,
    observer: bool,
    seed: int | None,
    limit: int,
) -> list[Finding]:
    key = (operation.method.upper(), operation.path)
    label = f"{key[0]} {key[1]}"
    checks = NEGATIVE_CHECKS if mode == GenerationMode.NEGATIVE else CHECKS
    must_refuse = (
        observer and key[0] in WRITES and key not in OPEN_WRITES and mode == GenerationMode.POSITIVE
    )
    found: list[Finding] = []

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=seed is not None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case):
        try:
            response = case.call(headers=headers)
        except Exception as exc:  # noqa: BLE001 - the app raised: a 500 on a real server
            report.examples += 1
            report.statuses[500] += 1
            if len(found) < limit:
                message = f"server raised {type(exc).__name__}: {str(exc)[:200]}"
                found.append(Finding(label, mode.value, 500, message, _describe(case)))
            return
        report.examples += 1
        report.statuses[response.status_code] += 1
        problem = None
        if must_refuse and response.status_code != 403:
            problem = f"observer write answered {response.status_code}, not 403"
        else:
            try:
                case.validate_response(response, checks=checks, headers=headers)
            except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - report, go on
                failures = getattr(exc, "exceptions", None) or [exc]
                problem = "; ".join(
                    f"{getattr(f, 'title', '')}: {getattr(f, 'message', str(f))}".strip()
                    for f in failures
                )[:600]
                if response.status_code >= 500:
                    problem += f" | {response.text[:300]}"
        if problem and len(found) < limit:
            found.append(Finding(label, mode.value, response.status_code, problem, _describe(case)))

    with contextlib.suppress(Unsatisfiable):  # e.g. negative mode on an input-less operation
        run()
    return found
