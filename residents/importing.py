"""Bulk import of residents from CSV or XLSX: parse, check every row, then upsert in one go.

``check(job)`` reads the stored file and validates every row without writing (the dry run);
``write(job, result)`` upserts the checked rows by ID number. On PostgreSQL the rows are
COPYed into a temporary table and written with one ``INSERT ... ON CONFLICT (id_number) DO
UPDATE`` (plus households and tags, set-based); elsewhere (SQLite) through ``bulk_create``
with ``update_conflicts``. The caller runs ``write`` inside one transaction: all rows or none.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from grid.models import GridCell
from residents.models import Household, ImportJob, Resident, Tag, visible_tag_kinds
from residents.validation import IdNumberFacts, clean_phone, id_number_facts

MAX_ROWS = 1_000_000
MAX_STORED_ERRORS = 2_000
PROGRESS_EVERY = 20_000
CHUNK = 5_000

# Column names accepted in the header row (English or Chinese), mapped to our fields.
COLUMNS = {
    "name": "name",
    "姓名": "name",
    "id_number": "id_number",
    "id number": "id_number",
    "身份证号": "id_number",
    "身份证号码": "id_number",
    "phone": "phone",
    "电话": "phone",
    "手机": "phone",
    "手机号": "phone",
    "address": "address",
    "地址": "address",
    "住址": "address",
    "grid_cell": "grid_cell",
    "grid cell": "grid_cell",
    "网格": "grid_cell",
    "网格编码": "grid_cell",
    "household": "household",
    "户号": "household",
    "tags": "tags",
    "标签": "tags",
}
REQUIRED = ("name", "id_number", "grid_cell")
TAG_SPLIT = re.compile(r"[;,\uff0c\uff1b\u3001\s]+")  # also full-width , ; and 、


def file_kind(filename: str) -> str | None:
    lower = filename.lower()
    if lower.endswith(".csv"):
        return "csv"
    if lower.endswith(".xlsx"):
        return "xlsx"
    return None


@dataclass
class Row:
    line: int
    name: str
    id_number: str
    birth_date: object
    sex: str
    phone: str
    address: str
    grid_cell_id: int
    household: str
    tags: str  # tag codes joined with ";"


@dataclass
class CheckResult:
    columns: set[str] = field(default_factory=set)
    total: int = 0
    rows: list[Row] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)
    error_count: int = 0

    def add_error(self, line: int, column: str, reason: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_STORED_ERRORS:
            self.errors.append({"row": line, "column": column, "reason": str(reason)})

    def errors_for_storage(self) -> list[dict]:
        return self.errors

    def summary(self) -> str:
        if self.error_count:
            return _("%(bad)d problems found in %(total)d rows; nothing was written.") % {
                "bad": self.error_count,
                "total": self.total,
            }
        return _("%(total)d rows checked, no problems found.") % {"total": self.total}


class FileError(Exception):
    pass


def _read_rows(job: ImportJob) -> Iterator[list]:
    content = bytes(job.content)
    kind = file_kind(job.original_name)
    if kind == "csv":
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = content.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise FileError(_("The CSV file is neither UTF-8 nor GB18030 text."))
        yield from csv.reader(io.StringIO(text, newline=""))
    elif kind == "xlsx":
        from openpyxl import load_workbook

        try:
            book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as error:
            raise FileError(_("The file is not a readable XLSX workbook.")) from error
        try:
            sheet = book.worksheets[0]
            for values in sheet.iter_rows(values_only=True):
                yield ["" if v is None else _cell_text(v) for v in values]
        finally:
            book.close()
    else:
        raise FileError(_("Upload a .csv or .xlsx file."))


def _cell_text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def check(job: ImportJob, *, rechecking: bool = False) -> CheckResult:
    """Validate every row of the job's file for its uploader; write nothing.

    ``rechecking``: the stored file already passed this check (the import task re-reads it);
    the format rules cannot have changed, so only the per-row ID-number arithmetic is skipped.
    Everything that depends on the database (grid cells in scope, tags, duplicates, residents
    and households of other areas) is checked again.
    """
    user = job.uploaded_by
    result = CheckResult()
    try:
        rows = _read_rows(job)
        header = next(rows, None)
    except FileError as error:
        result.add_error(0, "", str(error))
        return result
    if not header:
        result.add_error(1, "", _("The file has no header row."))
        return result
    positions: dict[str, int] = {}
    for index, title in enumerate(header):
        key = COLUMNS.get(str(title).strip().lower())
        if key and key not in positions:
            positions[key] = index
    missing = [c for c in REQUIRED if c not in positions]
    if missing:
        result.add_error(
            1,
            ", ".join(missing),
            _("The header row lacks the required columns: %(columns)s")
            % {"columns": ", ".join(missing)},
        )
        return result
    result.columns = set(positions)

    cells = dict(GridCell.objects.actionable_by(user).values_list("code", "pk"))
    visible = Tag.objects.filter(kind__in=visible_tag_kinds(user))
    tag_codes = set(visible.values_list("code", flat=True))
    seen: dict[str, int] = {}

    def get(values: list, key: str) -> str:
        index = positions.get(key)
        if index is None or index >= len(values):
            return ""
        return str(values[index]).strip()

    try:
        for line, values in enumerate(rows, start=2):
            if not any(str(v).strip() for v in values):
                continue  # blank line
            result.total += 1
            if result.total > MAX_ROWS:
                result.add_error(line, "", _("A file holds at most %(n)d rows.") % {"n": MAX_ROWS})
                break
            if result.total % PROGRESS_EVERY == 0:
                ImportJob.objects.filter(pk=job.pk).update(processed_rows=result.total)
            ok = True
            name = get(values, "name")
            if not name:
                result.add_error(line, "name", _("The name is missing."))
                ok = False
            elif len(name) > 60:
                result.add_error(line, "name", _("The name is longer than 60 characters."))
                ok = False
            raw_id = get(values, "id_number")
            facts = None
            try:
                facts = _known_facts(raw_id) if rechecking else id_number_facts(raw_id)
            except Exception as error:
                result.add_error(line, "id_number", _messages(error))
                ok = False
            if facts is not None:
                if facts.number in seen:
                    result.add_error(
                        line,
                        "id_number",
                        _("Duplicate in the file: the same ID number is on row %(row)d.")
                        % {"row": seen[facts.number]},
                    )
                    ok = False
                else:
                    seen[facts.number] = line
            cell_code = get(values, "grid_cell")
            cell_id = cells.get(cell_code)
            if cell_id is None:
                result.add_error(
                    line,
                    "grid_cell",
                    _("Unknown grid cell %(code)s, or one you may not act on.")
                    % {"code": cell_code or "-"},
                )
                ok = False
            phone = ""
            try:
                phone = clean_phone(get(values, "phone"))
            except Exception as error:
                result.add_error(line, "phone", _messages(error))
                ok = False
            address = get(values, "address")
            if len(address) > 200:
                result.add_error(line, "address", _("The address is longer than 200 characters."))
                ok = False
            household = get(values, "household")
            if len(household) > 40:
                result.add_error(
                    line, "household", _("The household number is longer than 40 characters.")
                )
                ok = False
            tags = [t for t in TAG_SPLIT.split(get(values, "tags")) if t]
            unknown = [t for t in tags if t not in tag_codes]
            if unknown:
                message = _("Unknown tag: %(tags)s") % {"tags": ", ".join(unknown)}
                result.add_error(line, "tags", message)
                ok = False
            if ok:
                result.rows.append(
                    Row(
                        line,
                        name,
                        facts.number,
                        facts.birth_date,
                        facts.sex,
                        phone,
                        address,
                        cell_id,
                        household,
                        ";".join(sorted(set(tags))),
                    )
                )
    except (FileError, csv.Error) as error:
        result.add_error(0, "", str(error))
        return result
    if result.total == 0:
        result.add_error(2, "", _("The file has no data rows."))
    if not result.error_count:
        _check_existing(result, cells=set(cells.values()))
    return result


def _known_facts(raw: str) -> IdNumberFacts:
    number = "".join(raw.split()).upper()
    born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    return IdNumberFacts(number=number, birth_date=born, sex="M" if int(number[16]) % 2 else "F")


def _messages(error: Exception) -> str:
    return "; ".join(getattr(error, "messages", [str(error)]))


def _check_existing(result: CheckResult, *, cells: set[int]) -> None:
    """Rows that would move a resident or household of another area are refused."""
    by_number = {row.id_number: row.line for row in result.rows}
    numbers = list(by_number)
    for start in range(0, len(numbers), CHUNK):
        chunk = numbers[start : start + CHUNK]
        for number, cell_id in Resident.objects.filter(id_number__in=chunk).values_list(
            "id_number", "grid_cell_id"
        ):
            if cell_id not in cells:
                result.add_error(
                    by_number[number],
                    "id_number",
                    _("This resident is registered in a grid cell outside your area."),
                )
    households: dict[str, int] = {}
    for row in result.rows:
        if row.household:
            households.setdefault(row.household, row.line)
    numbers = list(households)
    for start in range(0, len(numbers), CHUNK):
        chunk = numbers[start : start + CHUNK]
        for number, cell_id in Household.objects.filter(number__in=chunk).values_list(
            "number", "grid_cell_id"
        ):
            if cell_id not in cells:
                result.add_error(
                    households[number],
                    "household",
                    _("This household number belongs to a grid cell outside your area."),
                )


def write(job: ImportJob, result: CheckResult) -> tuple[int, int]:
    """Upsert the checked rows; returns (created, updated). Run inside one transaction."""
    kinds = visible_tag_kinds(job.uploaded_by)
    if connection.vendor == "postgresql":
        return _write_postgresql(result, kinds)
    return _write_generic(result, kinds)


def _write_postgresql(result: CheckResult, kinds: list[str]) -> tuple[int, int]:
    resident_table = Resident._meta.db_table
    household_table = Household._meta.db_table
    tag_table = Tag._meta.db_table
    through_table = Resident.tags.through._meta.db_table
    columns = result.columns
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in result.rows:
        writer.writerow(
            [
                row.name,
                row.id_number,
                row.birth_date.isoformat(),
                row.sex,
                row.phone,
                row.address,
                row.grid_cell_id,
                row.household,
                row.tags,
            ]
        )
    buffer.seek(0)
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE resident_import (name text, id_number text, birth_date date, "
            "sex text, phone text, address text, grid_cell_id bigint, household text, tags text) "
            "ON COMMIT DROP"
        )
        cursor.copy_expert("COPY resident_import FROM STDIN WITH (FORMAT csv)", buffer)
        if "household" in columns:
            cursor.execute(
                f"INSERT INTO {household_table} (number, address, grid_cell_id, created_at) "
                "SELECT DISTINCT ON (household) household, COALESCE(NULLIF(address, ''), '-'), "
                "grid_cell_id, %s FROM resident_import WHERE household <> '' "
                "ORDER BY household ON CONFLICT (number) DO NOTHING",
                [now],
            )
        updates = [
            "name = EXCLUDED.name",
            "birth_date = EXCLUDED.birth_date",
            "sex = EXCLUDED.sex",
            "grid_cell_id = EXCLUDED.grid_cell_id",
            "updated_at = EXCLUDED.updated_at",
        ]
        if "phone" in columns:
            updates.append("phone = EXCLUDED.phone")
        if "address" in columns:
            updates.append("address = EXCLUDED.address")
        if "household" in columns:
            updates.append("household_id = EXCLUDED.household_id")
        cursor.execute(
            f"WITH upserted AS ("
            f" INSERT INTO {resident_table} AS r (name, id_number, birth_date, sex, phone, "
            f" address, grid_cell_id, household_id, created_at, updated_at)"
            f" SELECT i.name, i.id_number, i.birth_date, i.sex, COALESCE(i.phone, ''),"
            f" COALESCE(i.address, ''), i.grid_cell_id, h.id, %s, %s"
            f" FROM resident_import i LEFT JOIN {household_table} h"
            f" ON i.household <> '' AND h.number = i.household"
            f" ON CONFLICT (id_number) DO UPDATE SET {', '.join(updates)}"
            f" RETURNING (xmax = 0) AS inserted)"
            f" SELECT count(*) FILTER (WHERE inserted), count(*) FROM upserted",
            [now, now],
        )
        created, total = cursor.fetchone()
        if "tags" in columns:
            cursor.execute(
                f"DELETE FROM {through_table} rt USING {resident_table} r, resident_import i, "
                f"{tag_table} t WHERE rt.resident_id = r.id AND r.id_number = i.id_number "
                f"AND t.id = rt.tag_id AND t.kind = ANY(%s)",
                [list(kinds)],
            )
            cursor.execute(
                f"INSERT INTO {through_table} (resident_id, tag_id) "
                f"SELECT r.id, t.id FROM resident_import i "
                f"JOIN {resident_table} r ON r.id_number = i.id_number "
                f"CROSS JOIN LATERAL unnest(string_to_array(i.tags, ';')) AS tc(code) "
                f"JOIN {tag_table} t ON t.code = tc.code AND t.kind = ANY(%s) "
                f"WHERE i.tags <> '' ON CONFLICT DO NOTHING",
                [list(kinds)],
            )
        cursor.execute("DROP TABLE IF EXISTS resident_import")
    return created, total - created


def _write_generic(result: CheckResult, kinds: list[str]) -> tuple[int, int]:
    columns = result.columns
    numbers = [row.id_number for row in result.rows]
    existing: set[str] = set()
    for start in range(0, len(numbers), CHUNK):
        existing.update(
            Resident.objects.filter(id_number__in=numbers[start : start + CHUNK]).values_list(
                "id_number", flat=True
            )
        )
    household_ids: dict[str, int] = {}
    if "household" in columns:
        wanted: dict[str, Row] = {}
        for row in result.rows:
            if row.household:
                wanted.setdefault(row.household, row)
        Household.objects.bulk_create(
            [
                Household(number=n, address=r.address or "-", grid_cell_id=r.grid_cell_id)
                for n, r in wanted.items()
            ],
            ignore_conflicts=True,
            batch_size=1000,
        )
        names = list(wanted)
        for start in range(0, len(names), CHUNK):
            household_ids.update(
                Household.objects.filter(number__in=names[start : start + CHUNK]).values_list(
                    "number", "pk"
                )
            )
    update_fields = ["name", "birth_date", "sex", "grid_cell", "updated_at"]
    if "phone" in columns:
        update_fields.append("phone")
    if "address" in columns:
        update_fields.append("address")
    if "household" in columns:
        update_fields.append("household")
    now = timezone.now()
    Resident.objects.bulk_create(
        [
            Resident(
                name=row.name,
                id_number=row.id_number,
                birth_date=row.birth_date,
                sex=row.sex,
                phone=row.phone,
                address=row.address,
                grid_cell_id=row.grid_cell_id,
                household_id=household_ids.get(row.household),
                created_at=now,
                updated_at=now,
            )
            for row in result.rows
        ],
        update_conflicts=True,
        unique_fields=["id_number"],
        update_fields=update_fields,
        batch_size=500,
    )
    if "tags" in columns:
        ids: dict[str, int] = {}
        for start in range(0, len(numbers), CHUNK):
            ids.update(
                Resident.objects.filter(id_number__in=numbers[start : start + CHUNK]).values_list(
                    "id_number", "pk"
                )
            )
        tag_ids = dict(Tag.objects.filter(kind__in=kinds).values_list("code", "pk"))
        through = Resident.tags.through
        resident_ids = list(ids.values())
        for start in range(0, len(resident_ids), CHUNK):
            through.objects.filter(
                resident_id__in=resident_ids[start : start + CHUNK], tag__kind__in=kinds
            ).delete()
        through.objects.bulk_create(
            [
                through(resident_id=ids[row.id_number], tag_id=tag_ids[code])
                for row in result.rows
                if row.tags
                for code in row.tags.split(";")
            ],
            ignore_conflicts=True,
            batch_size=1000,
        )
    created = len(set(numbers) - existing)
    return created, len(numbers) - created
