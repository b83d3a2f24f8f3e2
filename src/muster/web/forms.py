"""HTML forms built from a resource's pydantic schema: the fields, their widgets and choices,
parsing of submitted text, and errors placed beside the field they concern."""

from __future__ import annotations

import datetime as dt
import types
import typing
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from muster.auth.principal import Principal
from muster.crud import Resource
from muster.reference.models import Course, Nation, PriorityArea
from muster.scenarios.models import MandateProposal, Scenario
from muster.training.models import Site, TrainingRequest

LONG_TEXT = {
    "condition",
    "ukraine_condition",
    "note",
    "description",
    "source",
    "stated_conditions",
    "text",
}
NATION_FIELDS = {"nation", "host_nation", "lead_nation"}
LABELS = {
    "eu_soil_only": "EU soil only",
    "ukraine_condition": "Condition to teach in Ukraine",
    "in_ukraine": "Inside Ukraine",
    "amount_cents": "Amount (euro cents)",
    "unit_cost_cents": "Unit cost (euro cents)",
    "eu_origin_share": "EU/EEA/UA origin share (0–1)",
    "request_id": "Training request",
    "site_id": "Site",
    "scenario_id": "Scenario",
    "area_code": "Priority area",
    "course_code": "Course",
    "week_from": "First week",
    "week_to": "Last week",
    "plan_id": "Plan id",
    "proposal_id": "Proposal",
    "stated_conditions": "Stated conditions (as the nation put them)",
    "conditions_met": "Stated conditions recorded as met",
}
HELP = {
    "course_codes": "Course codes separated by ;",
    "members": "Nation codes separated by ;",
    "participants": "Nation codes separated by ; (the lead nation included)",
    "zones": "Zones separated by ;",
    "instructors": "Instructors by nation, e.g. DE=4; NL=2",
    "condition": "e.g. phase >= ceasefire and us_backstop (empty: always)",
    "ukraine_condition": "e.g. phase >= ceasefire and ceasefire_parameters_agreed",
    "priority": "5 is most urgent",
}


# Help that differs from HELP for one table: (resource name, field) -> text.
RESOURCE_HELP = {
    ("mandate-positions", "condition"): (
        "Only for support_with_conditions: the stated conditions as an expression, e.g. "
        "ceasefire_parameters_agreed (empty: free text only, counts once recorded as met)"
    ),
    ("mandate-positions", "scenario_id"): (
        "Empty: the recorded position, in every scenario; a scenario: a what-if override there"
    ),
    ("mandate-proposals", "scenario_id"): "Empty: the proposal exists in every scenario",
}


def _help(name: str, kind: str, description: str | None) -> str:
    if name == "instructors" and kind != "mapping":
        return description or ""
    return HELP.get(name, description or "")


@dataclass
class FormField:
    name: str
    label: str
    kind: str  # text, textarea, int, float, decimal, date, bool, select, list, mapping
    required: bool
    nullable: bool
    choices: list[tuple[str, str]] | None = None
    help: str = ""
    readonly: bool = False


@dataclass
class FormState:
    """What a form shows: fields, current text values, errors by field and a general error."""

    fields: list[FormField]
    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    error: str = ""
    stale: bool = False


def _unwrap(annotation: Any) -> tuple[Any, bool]:
    """(inner type, nullable) of `X | None`."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        nullable = len(args) < len(typing.get_args(annotation))
        return (args[0] if len(args) == 1 else annotation), nullable
    return annotation, False


def _kind(name: str, annotation: Any) -> tuple[str, list[tuple[str, str]] | None]:
    origin = typing.get_origin(annotation)
    if origin is Literal:
        return "select", [(str(a), str(a)) for a in typing.get_args(annotation)]
    if origin is list:
        return "list", None
    if origin is dict:
        return "mapping", None
    if annotation is bool:
        return "bool", None
    if annotation is int:
        return "int", None
    if annotation is float:
        return "float", None
    if annotation is Decimal:
        return "decimal", None
    if annotation is dt.date:
        return "date", None
    return ("textarea" if name in LONG_TEXT else "text"), None


def choices_for(db_session: Session, name: str) -> list[tuple[str, str]] | None:
    """Options for fields that name another row (nations, courses, areas, sites, ...)."""
    if name in NATION_FIELDS:
        return [
            (n.code, f"{n.code} · {n.name}")
            for n in db_session.scalars(select(Nation).order_by(Nation.code))
        ]
    if name == "course_code":
        return [
            (c.code, f"{c.code} · {c.name}")
            for c in db_session.scalars(select(Course).order_by(Course.code))
        ]
    if name == "course_category":
        cats = sorted(set(db_session.scalars(select(Course.category)).all()))
        return [(c, c) for c in cats]
    if name == "area_code":
        return [
            (a.code, a.name)
            for a in db_session.scalars(select(PriorityArea).order_by(PriorityArea.code))
        ]
    if name == "site_id":
        return [(str(s.id), s.name) for s in db_session.scalars(select(Site).order_by(Site.name))]
    if name == "request_id":
        return [
            (str(r.id), f"#{r.id} {r.course_code} · {r.trainees} trainees")
            for r in db_session.scalars(select(TrainingRequest).order_by(TrainingRequest.id))
        ]
    if name == "proposal_id":
        return [
            (str(p.id), f"#{p.id} {p.title}")
            for p in db_session.scalars(select(MandateProposal).order_by(MandateProposal.id))
        ]
    if name == "scenario_id":
        return [
            (str(s.id), s.name) for s in db_session.scalars(select(Scenario).order_by(Scenario.id))
        ]
    return None


def form_fields(
    db_session: Session, resource: Resource, principal: Principal | None = None
) -> list[FormField]:
    """The fields of a resource's create schema as form fields, in schema order."""
    out = []
    for name, info in resource.create_schema.model_fields.items():
        inner, nullable = _unwrap(info.annotation)
        kind, choices = _kind(name, inner)
        looked_up = choices_for(db_session, name)
        if looked_up is not None and kind in ("text", "int"):
            kind, choices = "select", looked_up
        ff = FormField(
            name=name,
            label=LABELS.get(name, name.replace("_", " ").capitalize()),
            kind=kind,
            required=info.is_required(),
            nullable=nullable,
            choices=choices,
            help=RESOURCE_HELP.get((resource.name, name)) or _help(name, kind, info.description),
        )
        if (
            principal is not None
            and principal.is_scoped
            and name == resource.nation_field
            and ff.choices is not None
        ):
            ff.choices = [c for c in ff.choices if c[0] == principal.nation]
            ff.readonly = True
        out.append(ff)
    return out


def defaults(resource: Resource, principal: Principal | None = None) -> dict[str, str]:
    """Initial text of a create form: schema defaults, and the user's own nation."""
    out: dict[str, str] = {}
    for name, info in resource.create_schema.model_fields.items():
        if not info.is_required():
            value = info.get_default(call_default_factory=True)
            out[name] = display(value)
    if principal is not None and principal.is_scoped and resource.nation_field:
        out[resource.nation_field] = principal.nation or ""
    return out


def display(value: Any) -> Any:
    """A stored value as the text (or checkbox state) a form field shows."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return value
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}={v}" for k, v in value.items())
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def row_values(row: Any, fields: list[FormField]) -> dict[str, Any]:
    return {f.name: display(getattr(row, f.name)) for f in fields}


def _split(text: str) -> list[str]:
    return [p.strip() for p in text.replace(",", ";").split(";") if p.strip()]


def parse(
    fields: list[FormField], form: FormData, *, for_update: bool
) -> tuple[dict[str, Any], dict[str, Any], dict[str, str]]:
    """(values for the schema, raw values to show again, errors by field) of a submitted form."""
    values: dict[str, Any] = {}
    raw: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for f in fields:
        if f.kind == "bool":
            raw[f.name] = f.name in form
            values[f.name] = f.name in form
            continue
        text = form.get(f.name, "")
        text = text.strip() if isinstance(text, str) else ""
        raw[f.name] = text
        if f.kind == "list":
            values[f.name] = _split(text)
        elif f.kind == "mapping":
            mapping: dict[str, int] = {}
            for part in _split(text):
                key, sep, number = part.partition("=")
                if not sep or not number.strip().lstrip("-").isdigit():
                    errors[f.name] = f"write each entry as CODE=number, e.g. DE=4 (not '{part}')"
                    break
                mapping[key.strip().upper()] = int(number)
            values[f.name] = mapping
        elif text == "":
            if f.nullable:
                values[f.name] = None
            elif f.kind in ("text", "textarea") and not f.required:
                values[f.name] = ""
            elif f.required or for_update:
                errors[f.name] = "a value is required"
            # otherwise: leave it out, the schema default applies
        else:
            values[f.name] = text
    return values, raw, errors


def validation_errors(exc: ValidationError) -> tuple[dict[str, str], str]:
    """Pydantic errors by top-level field, and the text of any that name no field."""
    by_field: dict[str, str] = {}
    general = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ())]
        msg = err.get("msg", "invalid")
        if msg.startswith("Value error, "):
            msg = msg[len("Value error, ") :]
        if loc:
            by_field.setdefault(loc[0], msg)
        else:
            general.append(msg)
    return by_field, "; ".join(general)


def build(schema: type[BaseModel], values: dict[str, Any]) -> BaseModel:
    """Validate values with a schema (raises ValidationError)."""
    return schema(**values)
