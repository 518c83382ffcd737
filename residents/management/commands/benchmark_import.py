"""``manage.py benchmark_import``: time the bulk import of a generated register.

Writes a CSV (or XLSX) of ``--rows`` residents with valid ID numbers spread over the grid cells
of the database, uploads it as a station chief or sub-bureau staff member would (``--user``,
default: the first sub-bureau staff member), then times the dry run and the import itself
(the same services the Celery tasks call). Run it on PostgreSQL with demo data loaded::

    manage.py generate_demo && manage.py benchmark_import --rows 200000
"""

from __future__ import annotations

import csv
import io
import random
import time
from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from grid.models import GridCell
from residents import services
from residents.idnumbers import codes_for_year, make_id_number
from residents.models import Household, ImportJob, ImportStatus, Tag


class Command(BaseCommand):
    help = "Time the dry run and the import of a generated resident register."

    def add_arguments(self, parser):
        parser.add_argument("--rows", type=int, default=200_000)
        parser.add_argument("--user", help="Username of the importer (default: sub-bureau staff).")
        parser.add_argument("--format", choices=["csv", "xlsx"], default="csv")
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument("--keep", action="store_true", help="Keep the imported residents.")

    def handle(
        self, *args, rows: int, user: str | None, format: str, seed: int, keep: bool, **options
    ):
        User = get_user_model()
        if user:
            importer = User.objects.filter(username=user).first()
        else:
            importer = User.objects.filter(officer_profile__tier="sub_bureau_staff").first()
        if importer is None:
            raise CommandError("No importer: run generate_demo first or pass --user.")
        cells = list(GridCell.objects.actionable_by(importer).values_list("code", flat=True))
        if not cells:
            raise CommandError(f"{importer.username} may not act on any grid cell.")
        generated = time.perf_counter()
        content = self._register(rows, cells, seed, format)
        self.stdout.write(f"register generated in {time.perf_counter() - generated:.1f} s")
        self.stdout.write(
            f"{rows:,} rows, {len(content) / 1e6:.1f} MB {format}, {len(cells)} grid cells, "
            f"database {connection.vendor}, importer {importer.username}"
        )
        started = time.perf_counter()
        job = services.import_upload(
            actor=importer, filename=f"benchmark.{format}", content=content
        )
        services.import_check(job_id=job.pk)
        checked = time.perf_counter()
        job.refresh_from_db()
        if job.status != ImportStatus.CHECKED:
            raise CommandError(f"The dry run found problems: {job.message} {job.errors[:3]}")
        services.import_confirm(actor=importer, job=job)
        services.import_run(job_id=job.pk)
        done = time.perf_counter()
        job.refresh_from_db()
        if job.status != ImportStatus.DONE:
            raise CommandError(f"The import did not finish: {job.status} {job.message}")
        self.stdout.write(
            f"dry run {checked - started:.1f} s, import {done - checked:.1f} s, "
            f"total {done - started:.1f} s ({job.created_count:,} created, "
            f"{job.updated_count:,} updated)"
        )
        if not keep:
            from residents.models import Resident

            numbers = self._numbers
            through = Resident.tags.through
            for start in range(0, len(numbers), 10_000):
                chunk = Resident.objects.filter(id_number__in=numbers[start : start + 10_000])
                through.objects.filter(resident__in=chunk)._raw_delete(through.objects.db)
                chunk._raw_delete(Resident.objects.db)
            Household.objects.filter(number__startswith="BENCH-")._raw_delete(Household.objects.db)
            ImportJob.objects.filter(pk=job.pk).delete()
            self.stdout.write("benchmark residents deleted (pass --keep to keep them)")

    def _register(self, rows: int, cells: list[str], seed: int, format: str) -> bytes:
        rng = random.Random(seed)
        tags = list(Tag.objects.care().values_list("code", flat=True))
        today = date.today()
        codes = {y: codes_for_year(y) for y in range(today.year - 95, today.year + 1)}
        seen: set[str] = set()
        header = ["name", "id_number", "phone", "address", "grid_cell", "household", "tags"]
        data = []
        for i in range(rows):
            born = today - timedelta(days=rng.randrange(1, 95 * 365))
            number = make_id_number(rng.choice(codes[born.year]), born, rng.randrange(1000))
            while number in seen:
                number = make_id_number(rng.choice(codes[born.year]), born, rng.randrange(1000))
            seen.add(number)
            data.append(
                [
                    f"测试{i}",
                    number,
                    f"139{rng.randrange(10**8):08d}",
                    f"深圳市测试路{i // 3}号",
                    rng.choice(cells),
                    f"BENCH-{i // 3}",
                    rng.choice(tags) if rng.random() < 0.05 else "",
                ]
            )
        self._numbers = list(seen)
        if format == "csv":
            out = io.StringIO()
            writer = csv.writer(out)
            writer.writerow(header)
            writer.writerows(data)
            return out.getvalue().encode("utf-8")
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        sheet = book.create_sheet()
        sheet.append(header)
        for row in data:
            sheet.append(row)
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()
