"""Reference services: nations (checked against ISO 3166), courses, priority areas."""

from __future__ import annotations

from typing import Any

import pycountry
from sqlalchemy.orm import Session

from muster.crud import Resource
from muster.errors import Invalid
from muster.reference.models import Course, Nation, PriorityArea
from muster.reference.schemas import (
    CourseIn,
    CourseOut,
    CourseUpdate,
    NationIn,
    NationOut,
    NationUpdate,
    PriorityAreaIn,
    PriorityAreaOut,
    PriorityAreaUpdate,
)


def _check_nation(db_session: Session, values: dict[str, Any], row: Any) -> dict[str, Any]:
    if pycountry.countries.get(alpha_2=values["code"]) is None:
        raise Invalid(f"'{values['code']}' is not an ISO 3166-1 alpha-2 code", field="code")
    return values


NATIONS = Resource(
    name="nations",
    entity="nation",
    model=Nation,
    create_schema=NationIn,
    update_schema=NationUpdate,
    read_schema=NationOut,
    writers=frozenset({"admin"}),
    filters=("code", "eu_member", "nato_member", "eumam_contributor", "coalition_member"),
    check=_check_nation,
    title="Nations",
    tags=("reference",),
)
COURSES = Resource(
    name="courses",
    entity="course",
    model=Course,
    create_schema=CourseIn,
    update_schema=CourseUpdate,
    read_schema=CourseOut,
    writers=frozenset({"admin", "planner"}),
    filters=("category", "code"),
    title="Course catalogue",
    tags=("reference",),
)
PRIORITY_AREAS = Resource(
    name="priority-areas",
    entity="priority_area",
    model=PriorityArea,
    create_schema=PriorityAreaIn,
    update_schema=PriorityAreaUpdate,
    read_schema=PriorityAreaOut,
    writers=frozenset({"admin", "planner"}),
    filters=("code",),
    title="Procurement priority areas",
    tags=("reference",),
)
RESOURCES = (NATIONS, COURSES, PRIORITY_AREAS)
