"""Import is all-or-nothing with line numbers and fields; export re-imports."""

from __future__ import annotations

import io

import openpyxl

GOOD = "nation,course_category,instructors,week_from,week_to\nLV,drones,2,2027-01-04,2027-02-01\n"


def _count(client, h, resource="pledges"):
    return client.get(f"/api/v1/{resource}", headers=h).json()["total"]


def test_import_reports_every_bad_row_and_writes_nothing(client, as_user):
    h = as_user("planner")
    before = _count(client, h)
    content = (
        "nation,course_category,instructors,week_from,week_to,condition\n"
        "LV,drones,2,2027-01-04,2027-02-01,\n"  # line 2: fine
        "LV,drones,-1,2027-01-04,2027-02-01,\n"  # line 3: instructors
        "XX,drones,2,2027-01-04,2027-02-01,\n"  # line 4: nation
        "LV,drones,2,2027-01-04,2027-02-01,us_backstp\n"  # line 5: condition
        "LV,drones,2,not-a-date,2027-02-01,\n"  # line 6: week_from
    )
    r = client.post(
        "/api/v1/pledges/import", headers=h, files={"file": ("p.csv", content.encode(), "text/csv")}
    )
    assert r.status_code == 422
    rows = [(e["line"], e["field"]) for e in r.json()["rows"]]
    assert rows == [(3, "instructors"), (4, "nation"), (5, "condition"), (6, "week_from")]
    assert _count(client, h) == before


def test_unknown_column_is_reported(client, as_user):
    r = client.post(
        "/api/v1/pledges/import",
        headers=as_user("planner"),
        files={"file": ("p.csv", b"nation,colour\nLV,red\n", "text/csv")},
    )
    assert r.status_code == 422
    assert r.json()["rows"][0] == {
        "line": 1,
        "field": "colour",
        "message": r.json()["rows"][0]["message"],
    }


def test_import_xlsx(client, as_user):
    h = as_user("latvia")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["nation", "course_category", "instructors", "week_from", "week_to"])
    sheet.append(["LV", "drones", 3, "2027-01-04", "2027-03-01"])
    sheet.append(["LV", "medical", 2, "2027-01-04", "2027-03-01"])
    buf = io.BytesIO()
    book.save(buf)
    before = _count(client, h)
    r = client.post(
        "/api/v1/pledges/import",
        headers=h,
        files={"file": ("p.xlsx", buf.getvalue(), "application/octet-stream")},
    )
    assert r.status_code == 200, r.text
    assert r.json() == {"imported": 2}
    assert _count(client, h) == before + 2


def test_export_csv_and_xlsx_round_trip(client, as_user):
    h = as_user("planner")
    r = client.get("/api/v1/needs/export", params={"format": "csv", "nation": "PL"}, headers=h)
    assert r.status_code == 200
    lines = r.text.strip().splitlines()
    assert lines[0].startswith("id,version,nation,area_code")
    assert len(lines) == 1 + 2  # PL has two needs in the demo
    before = _count(client, h, "needs")
    r2 = client.post(
        "/api/v1/needs/import", headers=h, files={"file": ("n.csv", r.content, "text/csv")}
    )
    assert r2.status_code == 200 and r2.json()["imported"] == 2
    assert _count(client, h, "needs") == before + 2
    x = client.get("/api/v1/needs/export", params={"format": "xlsx"}, headers=h)
    sheet = openpyxl.load_workbook(io.BytesIO(x.content)).active
    assert sheet.max_row == 1 + before + 2


def test_empty_and_garbage_files(client, as_user):
    h = as_user("planner")
    r = client.post("/api/v1/pledges/import", headers=h, files={"file": ("p.csv", b"", "text/csv")})
    assert r.status_code == 422 and r.json()["field"] == "file"
    r = client.post(
        "/api/v1/pledges/import",
        headers=h,
        files={"file": ("p.xlsx", b"not a zip", "application/octet-stream")},
    )
    assert r.status_code == 422 and r.json()["field"] == "file"
    r = client.post(
        "/api/v1/pledges/import",
        headers=h,
        files={"file": ("p.csv", b"\xff\xfe\x00bad", "text/csv")},
    )
    assert r.status_code == 422
    r = client.post(
        "/api/v1/pledges/import",
        headers=h,
        files={"file": ("p.csv", GOOD.splitlines()[0].encode(), "text/csv")},
    )
    assert r.status_code == 422
