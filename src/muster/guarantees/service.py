"""Guarantee services: validation of requirements and conditional contributions."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from muster.crud import Resource, require
from muster.errors import Invalid
from muster.guarantees.models import Contribution, ForceRequirement
from muster.guarantees.schemas import (
    ContributionIn,
    ContributionOut,
    ContributionUpdate,
    ForceRequirementIn,
    ForceRequirementOut,
    ForceRequirementUpdate,
)
from muster.reference.models import Nation
from muster.scenarios.service import check_condition


def _check_contribution(db_session: Session, values: dict[str, Any], row: Any) -> dict[str, Any]:
    require(db_session, Nation, "code", values["nation"], "nation", "nation")
    if values["kind"] == "funding":
        if not values.get("amount_cents"):
            raise Invalid("a funding contribution needs amount_cents", field="amount_cents")
    elif values.get("quantity", 0) <= 0:
        raise Invalid("quantity must be at least 1", field="quantity")
    values["condition"] = check_condition(db_session, values["condition"], "condition")
    return values


REQUIREMENTS = Resource(
    name="force-requirements",
    entity="force_requirement",
    model=ForceRequirement,
    create_schema=ForceRequirementIn,
    update_schema=ForceRequirementUpdate,
    read_schema=ForceRequirementOut,
    writers=frozenset({"admin", "planner"}),
    filters=("capability", "zone", "phase_from"),
    title="Force requirements",
    tags=("guarantees",),
)
CONTRIBUTIONS = Resource(
    name="contributions",
    entity="contribution",
    model=Contribution,
    create_schema=ContributionIn,
    update_schema=ContributionUpdate,
    read_schema=ContributionOut,
    writers=frozenset({"admin", "planner", "nation"}),
    nation_field="nation",
    filters=("nation", "kind", "capability", "status"),
    check=_check_contribution,
    title="Contributions",
    tags=("guarantees",),
)
RESOURCES = (REQUIREMENTS, CONTRIBUTIONS)
