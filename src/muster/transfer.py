"""Import and export of tables as CSV or XLSX.

An import is all-or-nothing: every row is validated (schema, references, conditions, the
caller's nation scope) and every bad row is reported with its line number and field; if any
row is bad nothing is written.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import openpyxl
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from pydantic import ValidationError
from sqlalchemy.orm import Session

from muster import crud
from muster.auth.principal import Principal
from muster.crud import Resource
from muster.errors import Invalid, MusterError

IMPORTABLE = ("pledges", "training-requests", "contributions", "needs", "sites")
LIST_SEPARATOR = ";"


@dataclass(frozen=True)
class RowError:
    line: int
    field: str | None
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", field {self.field}" if self.field else "")
        return f"{where}: {self.message}"


class ImportFailed(Invalid):
    """Raised with every bad row; nothing was written."""

    def __init__(self, errors: list[RowError]):
        self.errors = errors
        head = "; ".join(str(e) for e in errors[:20])
        more = f" (and {len(errors) - 20} more)" if len(errors) > 20 else ""
        super().__init__(
            f"{len(errors)} bad row(s), nothing imported: {head}{more}",
            field=errors[0].field if errors else None,
        )

    def to_dict(self) -> dict:
        out = super().to_dict()
        out["rows"] = [
            {"line": e.line, "field": e.field, "message": e.message} for e in self.errors
        ]
        return out


def columns(resource: Resource) -> list[str]:
    """The importable columns of a resource: the fields of its create schema."""
    return list(resource.create_schema.model_fields)


def _list_fields(resource: Resource) -> set[str]:
    out = set()
    for name, info in resource.create_schema.model_fields.items():
        if "list" in str(info.annotation):
            out.add(name)
    return out


def read_rows(content: bytes, fmt: str) -> tuple[list[str], list[tuple[int, dict[str, Any]]]]:
    """Header and (line number, row) pairs of a CSV or XLSX file."""
    if fmt == "csv":
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise Invalid("the file is not UTF-8 text", field="file") from exc
        reader = csv.reader(io.StringIO(text, newline=""))
        try:
            header = [h.strip() for h in next(reader)]
            rows = []
            for record in reader:
                if not any(cell.strip() for cell in record):
                    continue
                rows.append((reader.line_num, dict(zip(header, record, strict=False))))
        except StopIteration as exc:
            raise Invalid("the file is empty", field="file") from exc
        except csv.Error as exc:  # e.g. a bare carriage return inside an unquoted cell
            raise Invalid(
                f"not a readable CSV file (line {reader.line_num}): {exc}", field="file"
            ) from exc
        return header, rows
    if fmt == "xlsx":
        try:
            book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a broken file
            raise Invalid(f"not a readable XLSX file: {exc}", field="file") from exc
        sheet = book.worksheets[0]
        it = sheet.iter_rows(values_only=True)
        try:
            header = [str(h).strip() if h is not None else "" for h in next(it)]
        except StopIteration as exc:
            raise Invalid("the sheet is empty", field="file") from exc
        rows = []
        for number, record in enumerate(it, start=2):
            if all(c is None or str(c).strip() == "" for c in record):
                continue
            rows.append((number, dict(zip(header, record, strict=False))))
        return header, rows
    raise Invalid(f"unknown format '{fmt}'; use csv or xlsx", field="format")


def _clean(value: Any, is_list: bool) -> Any:
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, str):
        value = value.strip()
        if value == "":
            return None
        if is_list:
            return [v.strip() for v in value.split(LIST_SEPARATOR) if v.strip()]
    if value is None:
        return None
    return value


def import_rows(
    *, db_session: Session, resource: Resource, principal: Principal, content: bytes, fmt: str
) -> int:
    """Validate and insert every row, or insert nothing and raise ImportFailed."""
    if resource.name not in IMPORTABLE:
        raise Invalid(f"{resource.name} cannot be imported", field="resource")
    header, rows = read_rows(content, fmt)
    allowed = set(columns(resource))
    unknown = [h for h in header if h and h not in allowed and h not in ("id", "version")]
    if unknown:
        raise ImportFailed(
            [
                RowError(
                    1,
                    unknown[0],
                    f"unknown column '{unknown[0]}'; expected {', '.join(columns(resource))}",
                )
            ]
        )
    lists = _list_fields(resource)
    errors: list[RowError] = []
    count = 0
    for line, raw in rows:
        values = {k: _clean(v, k in lists) for k, v in raw.items() if k in allowed}
        values = {k: v for k, v in values.items() if v is not None}
        try:
            data = resource.create_schema(**values)
        except ValidationError as exc:
            for err in exc.errors():
                field = ".".join(str(p) for p in err["loc"]) or None
                errors.append(RowError(line, field, err["msg"]))
            continue
        try:
            crud.create(
                db_session=db_session,
                resource=resource,
                principal=principal,
                data=data,
                commit=False,
            )
            count += 1
        except MusterError as exc:
            errors.append(RowError(line, exc.field, exc.detail))
    if errors:
        db_session.rollback()
        raise ImportFailed(errors)
    if not rows:
        raise Invalid("the file has a header but no rows", field="file")
    db_session.commit()
    return count


def _cell(value: Any) -> Any:
    if isinstance(value, list):
        return LIST_SEPARATOR.join(str(v) for v in value)
    if isinstance(value, dict):
        return ";".join(f"{k}={v}" for k, v in value.items())
    if isinstance(value, Decimal):
        return str(value)
    return value


def _xlsx_safe(value: Any) -> Any:
    """A cell value an XLSX sheet can hold: control characters dropped from strings."""
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


def export_rows(
    *, db_session: Session, resource: Resource, fmt: str, filters: dict[str, Any] | None = None
) -> bytes:
    """All rows of a resource (optionally filtered) as CSV or XLSX, re-importable as is."""
    header = ["id", "version", *columns(resource)]
    rows, _ = crud.search(
        db_session=db_session, resource=resource, filters=filters, limit=1_000_000
    )
    table = [[_cell(getattr(r, c)) for c in header] for r in rows]
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow(header)
        writer.writerows(table)
        return buf.getvalue().encode("utf-8")
    if fmt == "xlsx":
        book = openpyxl.Workbook()
        sheet = book.active
        sheet.title = resource.name[:31]
        sheet.append(header)
        for record in table:
            # XLSX cannot hold control characters (a CSV can): drop them from the sheet
            sheet.append([_xlsx_safe(v) for v in record])
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()
    raise Invalid(f"unknown format '{fmt}'; use csv or xlsx", field="format")


MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
