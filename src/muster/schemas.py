"""Schema building blocks shared by every pillar: read bases, update models, pages, errors."""

from __future__ import annotations

import datetime as dt
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, create_model

T = TypeVar("T")

NationCode = Field(
    min_length=2,
    max_length=2,
    pattern=r"^[A-Z]{2}$",
    description="ISO 3166-1 alpha-2 code",
    examples=["LV"],
)


class ReadBase(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    version: int = Field(description="Send it back with an update; a stale one gets 409.")
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None


class StrictInput(BaseModel):
    """Inputs reject unknown fields, so a typo is an error rather than silently ignored."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int


class ErrorBody(BaseModel):
    error: str = Field(examples=["conflict"])
    detail: str = Field(examples=["pledge 12 was changed by someone else; reload and try again"])
    field: str | None = Field(default=None, examples=["version"])


def make_update(create_cls: type[BaseModel], name: str) -> type[BaseModel]:
    """An update schema: every field of `create_cls` optional, plus the required `version`."""
    fields: dict[str, Any] = {
        "version": (int, Field(ge=1, description="The version you read; stale gets 409.")),
    }
    for key, info in create_cls.model_fields.items():
        optional = info.annotation | None  # type: ignore[operator]
        fields[key] = (
            optional,
            Field(
                default=None,
                description=info.description,
                json_schema_extra=info.json_schema_extra,
                **_constraints(info),
            ),
        )
    return create_model(name, __base__=StrictInput, **fields)


def _constraints(info: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for meta in info.metadata:
        for attr in ("ge", "gt", "le", "lt", "min_length", "max_length", "pattern"):
            value = getattr(meta, attr, None)
            if value is not None:
                out[attr] = value
    return out


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody, "description": text}
    for code, text in (
        (401, "Not logged in"),
        (403, "Your role or nation may not do this"),
        (404, "No such row"),
        (409, "Stale version or conflicting data"),
        (422, "Invalid input; `field` names the culprit"),
    )
}
