"""The sourcing table as an XLSX workbook: requirements, zones and assignments."""

from __future__ import annotations

import io
from typing import Any

import openpyxl
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font


def _safe(value: Any) -> Any:
    """XLSX cannot hold control characters (free-text names may): drop them."""
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


def _sheet(book: openpyxl.Workbook, title: str, header: list[str], rows: list[list[Any]]) -> None:
    sheet = book.create_sheet(title)
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([_safe(v) for v in row])
    sheet.freeze_panes = "A2"
    for column in sheet.columns:
        width = max(len(str(c.value or "")) for c in column)
        sheet.column_dimensions[column[0].column_letter].width = min(40, max(10, width + 2))


def sourcing_xlsx(table: dict[str, Any]) -> bytes:
    """A workbook of a sourcing result (the dict of `service.sourcing_dict`)."""
    book = openpyxl.Workbook()
    summary = book.active
    summary.title = "summary"
    for key in ("scenario", "week", "phase", "basis", "fill_rate", "optimal", "status"):
        summary.append([key, _safe(table[key]) if key != "week" else table[key].isoformat()])
    _sheet(
        book,
        "requirements",
        [
            "requirement_id",
            "zone",
            "capability",
            "unit",
            "priority",
            "required",
            "covered",
            "fill_rate",
            "shortfall",
            "nations",
        ],  # fmt: skip
        [
            [
                r["requirement_id"],
                r["zone"],
                r["capability"],
                r["unit"],
                r["priority"],
                r["required"],
                r["covered"],
                round(r["fill_rate"], 4),
                r["shortfall"],
                ";".join(r["nations"]),
            ]  # fmt: skip
            for r in table["requirements"]
        ],
    )
    _sheet(
        book,
        "zones",
        ["zone", "requirements", "filled", "fill_rate", "shortfall", "air_defence_covered"],
        [
            [
                z["zone"],
                z["requirements"],
                z["filled"],
                round(z["fill_rate"], 4),
                ";".join(f"{k}={v:g}" for k, v in sorted(z["shortfall"].items())),
                z["air_defence_covered"],
            ]
            for z in table["zones"]
        ],
    )
    _sheet(
        book,
        "assignments",
        [
            "contribution_id",
            "nation",
            "requirement_id",
            "units",
            "coverage",
            "substituted",
            "rotation_factor",
        ],  # fmt: skip
        [
            [
                a["contribution_id"],
                a["nation"],
                a["requirement_id"],
                a["units"],
                round(a["coverage"], 4),
                a["substituted"],
                round(a["rotation_factor"], 4),
            ]  # fmt: skip
            for a in table["assignments"]
        ],
    )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
