"""The register as an XLSX workbook for meetings (openpyxl), from an already scoped queryset."""

from __future__ import annotations

from io import BytesIO

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from grid.people import person_name

FILLS = {
    "red": "F8D7DA",
    "orange": "FFE5D0",
    "yellow": "FFF3CD",
    "blue": "CFE2FF",
}


def register_workbook(*, run, entries) -> bytes:
    workbook = Workbook(write_only=False)
    sheet = workbook.active
    sheet.title = _("Register")[:31]
    sheet.append([_("Risk register of %(date)s") % {"date": run.for_date.isoformat()}])
    sheet["A1"].font = Font(bold=True, size=14)
    headers = [
        _("Grid cell code"),
        _("Grid cell"),
        _("Police station"),
        _("Responsible officer"),
        _("Score"),
        _("Level"),
        _("Score 7 days before"),
        _("Score 30 days before"),
        _("Best case"),
        _("Worst case"),
        _("Open risk points"),
        _("Red risk points"),
        _("Overdue items"),
    ]
    sheet.append(headers)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    level_labels = {}
    from risks.scoring import Level

    for level in Level:
        level_labels[level.value] = str(level.label)
    for entry in entries.iterator(chunk_size=2000):
        sheet.append(
            [
                entry.grid_cell.code,
                entry.grid_cell.name,
                entry.station.name,
                person_name(entry.officer) if entry.officer else "",
                entry.score,
                level_labels.get(entry.level, entry.level),
                entry.score_7d,
                entry.score_30d,
                entry.best_score,
                entry.worst_score,
                entry.open_points,
                entry.red_points,
                entry.overdue_items,
            ]
        )
        fill = FILLS.get(entry.level)
        if fill:
            sheet.cell(row=sheet.max_row, column=6).fill = PatternFill("solid", fgColor=fill)
    sheet.freeze_panes = "A3"
    for column, width in zip(
        "ABCDEFGHIJKLM", (16, 20, 18, 14, 8, 14, 10, 10, 10, 10, 10, 10, 10), strict=True
    ):
        sheet.column_dimensions[column].width = width
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
