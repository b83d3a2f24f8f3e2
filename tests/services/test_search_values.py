"""The API's lists come from `crud.search_values` (plain column values); they must say exactly
what `crud.search` (ORM rows) says, on every resource, page and sort, on both databases."""

from __future__ import annotations

import gc

import pytest
from pydantic import TypeAdapter

from muster import crud
from muster.app import create_app  # noqa: F401 - registers every pillar's resources

RESOURCES = sorted(
    (o for o in gc.get_objects() if isinstance(o, crud.Resource)), key=lambda r: r.name
)


def _dump(resource: crud.Resource, rows: list) -> list:
    adapter = TypeAdapter(list[resource.read_schema])
    return adapter.dump_python(adapter.validate_python(rows, from_attributes=True), mode="json")


@pytest.mark.parametrize("resource", RESOURCES, ids=lambda r: r.name)
def test_plain_values_equal_orm_rows(db, resource: crud.Resource) -> None:
    assert RESOURCES, "no resources registered"
    _orm, total = crud.search(db_session=db, resource=resource, limit=1000)
    pages = [(None, 1000, 0), ("-id", 3, 1), (None, 5, total), (None, 5, total + 7)]
    if resource.filters:
        pages.append((resource.filters[0], 2, 0))
    for sort, limit, offset in pages:
        orm, orm_total = crud.search(
            db_session=db, resource=resource, sort=sort, limit=limit, offset=offset
        )
        plain, plain_total = crud.search_values(
            db_session=db, resource=resource, sort=sort, limit=limit, offset=offset
        )
        assert plain_total == orm_total == total
        assert _dump(resource, plain) == _dump(resource, orm)
        for item in plain:  # every stored time carries its offset, SQLite included
            for key in ("created_at", "updated_at"):
                if item.get(key) is not None:
                    assert item[key].tzinfo is not None


def test_filters_and_the_total_agree(db) -> None:
    pledges = next(r for r in RESOURCES if r.name == "pledges")
    for nation in ("LV", "FR", "XX"):
        orm, orm_total = crud.search(
            db_session=db, resource=pledges, filters={"nation": nation}, limit=2
        )
        plain, plain_total = crud.search_values(
            db_session=db, resource=pledges, filters={"nation": nation}, limit=2
        )
        assert plain_total == orm_total
        assert [p["id"] for p in plain] == [o.id for o in orm]
    with pytest.raises(crud.Invalid):
        crud.search_values(db_session=db, resource=pledges, sort="-nonsense")
