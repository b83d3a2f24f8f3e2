"""Which tables the web pages show, under which pillar, with which columns."""

from __future__ import annotations

from dataclasses import dataclass

from muster.crud import Resource
from muster.resources import BY_NAME

HEADINGS = {
    "request_id": "request",
    "site_id": "site",
    "amount_cents": "amount",
    "unit_cost_cents": "unit cost",
    "eu_soil_only": "EU soil only",
    "eu_origin_share": "EU origin share",
    "ukraine_condition": "condition in Ukraine",
    "weekly_capacity": "capacity",
    "plan_id": "plan",
    "scenario_id": "scenario (empty: all)",
    "proposal_id": "proposal",
}


@dataclass(frozen=True)
class TableView:
    resource: Resource
    pillar: str  # URL prefix: training, guarantees, procurement
    label: str  # short name in the navigation
    columns: tuple[str, ...]
    sort: str = "id"

    @property
    def url(self) -> str:
        return f"/{self.pillar}/{self.resource.name}"

    @property
    def singular(self) -> str:
        return self.resource.entity.replace("_", " ")

    def heading(self, column: str) -> str:
        """Column heading of the list."""
        return HEADINGS.get(column, column.replace("_", " "))

    @property
    def withdrawable(self) -> bool:
        """Tables whose status can be set to 'withdrawn' (pledges, requests, ...)."""
        info = self.resource.create_schema.model_fields.get("status")
        return info is not None and "withdrawn" in str(info.annotation)


def _view(name: str, pillar: str, label: str, columns: tuple[str, ...], sort: str = "id"):
    return TableView(BY_NAME[name], pillar, label, columns, sort)


VIEWS: tuple[TableView, ...] = (
    _view(
        "sites",
        "training",
        "Sites",
        ("name", "host_nation", "weekly_capacity", "course_codes", "condition", "status"),
        "name",
    ),
    _view(
        "pledges",
        "training",
        "Pledges",
        (
            "nation",
            "course_category",
            "instructors",
            "week_from",
            "week_to",
            "eu_soil_only",
            "ukraine_condition",
            "condition",
            "status",
        ),
    ),
    _view(
        "training-requests",
        "training",
        "Requests",
        ("course_code", "trainees", "earliest_start", "latest_end", "priority", "status", "note"),
    ),
    _view(
        "cohorts",
        "training",
        "Cohorts",
        ("request_id", "site_id", "start_week", "trainees", "instructors", "status", "plan_id"),
        "start_week",
    ),
    _view(
        "training-totals",
        "training",
        "History",
        ("as_of", "cumulative_trained", "source"),
        "as_of",
    ),
    _view(
        "mandate-proposals",
        "scenarios",
        "Mandate proposals",
        ("title", "scenario_id", "status", "source"),
    ),
    _view(
        "mandate-positions",
        "scenarios",
        "Mandate positions",
        (
            "proposal_id",
            "nation",
            "scenario_id",
            "stance",
            "stated_conditions",
            "condition",
            "conditions_met",
            "date",
            "source",
        ),
        "nation",
    ),
    _view(
        "force-requirements",
        "guarantees",
        "Requirements",
        ("capability", "zone", "quantity", "unit", "phase_from", "rotation_weeks", "priority"),
    ),
    _view(
        "contributions",
        "guarantees",
        "Contributions",
        (
            "nation",
            "kind",
            "capability",
            "quantity",
            "unit",
            "amount_cents",
            "zones",
            "condition",
            "status",
        ),
    ),
    _view(
        "capability-substitutions",
        "guarantees",
        "Substitutions",
        ("provided", "required", "ratio", "note"),
    ),
    _view(
        "capability-coalitions",
        "procurement",
        "Coalitions",
        ("area_code", "lead_nation", "members", "lead_deadline", "contract_deadline", "status"),
    ),
    _view(
        "needs",
        "procurement",
        "Needs",
        ("nation", "area_code", "item", "quantity", "unit_cost_cents", "delivery_year"),
    ),
    _view(
        "joint-procurements",
        "procurement",
        "Joint procurements",
        (
            "lead_nation",
            "participants",
            "area_code",
            "item",
            "quantity",
            "eu_origin_share",
            "status",
            "contract_date",
        ),
    ),
    _view(
        "loan-requests",
        "procurement",
        "Loan requests",
        ("nation", "amount_cents", "status", "note"),
    ),
)
BY_URL: dict[tuple[str, str], TableView] = {(v.pillar, v.resource.name): v for v in VIEWS}
PILLARS: dict[str, list[TableView]] = {}
for _v in VIEWS:
    PILLARS.setdefault(_v.pillar, []).append(_v)
