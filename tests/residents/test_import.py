"""Bulk import: dry run with every bad row and its reason, rejection of bad files,
all-or-nothing writing, upsert by ID number, scope, XLSX, the generic (non-PostgreSQL) path."""

import csv
import io
from unittest import mock

import pytest
from django.urls import reverse

from residents import importing, services
from residents.models import Household, ImportJob, ImportStatus, Resident
from tests.residents.helpers import id_number, make_resident

HEADER = ["name", "id_number", "phone", "address", "grid_cell", "household", "tags"]


def _csv(rows, header=HEADER) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def _good_rows(n=3, cell="A1-G1"):
    return [
        [
            f"居民{i}",
            id_number(500 + i),
            "13900000000",
            f"海德路{i}号",
            cell,
            f"HH-{i // 2}",
            "elderly-alone" if i == 0 else "",
        ]
        for i in range(n)
    ]


def _upload(world, content, role="chief_a1", name="register.csv", capture=None):
    with capture(execute=True):
        job = services.import_upload(actor=world.user(role), filename=name, content=content)
    job.refresh_from_db()
    return job


def _import(world, job, role="chief_a1", capture=None):
    with capture(execute=True):
        services.import_confirm(actor=world.user(role), job=job)
    job.refresh_from_db()
    return job


def test_dry_run_lists_every_bad_row_and_writes_nothing(world, django_capture_on_commit_callbacks):
    good = id_number(600)
    bad_checksum = good[:17] + ("1" if good[17] != "1" else "2")
    rows = [
        ["张一", good, "", "", "A1-G1", "", ""],
        ["张二", bad_checksum, "", "", "A1-G1", "", ""],
        ["张三", id_number(601), "", "", "NO-SUCH-CELL", "", ""],
        ["张四", good, "", "", "A1-G1", "", ""],
        ["", id_number(602), "", "", "A1-G1", "", ""],
        ["张六", id_number(603), "12", "", "A1-G1", "", "no-such-tag"],
    ]
    job = _upload(world, _csv(rows), capture=django_capture_on_commit_callbacks)
    assert job.status == ImportStatus.REJECTED
    problems = {(e["row"], e["column"]) for e in job.errors}
    assert (3, "id_number") in problems  # bad checksum
    assert (4, "grid_cell") in problems  # unknown grid cell
    assert (5, "id_number") in problems  # duplicate in the file
    assert (6, "name") in problems  # missing name
    assert (7, "phone") in problems and (7, "tags") in problems
    reasons = " ".join(e["reason"] for e in job.errors)
    assert "check digit" in reasons and "Duplicate" in reasons and "row 2" in reasons
    assert not Resident.objects.exists()


def test_clean_file_imports_in_one_go_with_households_and_tags(
    world, django_capture_on_commit_callbacks
):
    job = _upload(world, _csv(_good_rows(5)), capture=django_capture_on_commit_callbacks)
    assert job.status == ImportStatus.CHECKED and job.total_rows == 5
    job = _import(world, job, capture=django_capture_on_commit_callbacks)
    assert job.status == ImportStatus.DONE, job.message
    assert (job.created_count, job.updated_count) == (5, 0)
    assert Resident.objects.count() == 5
    assert Household.objects.get(number="HH-0").members.count() == 2
    assert Resident.objects.get(name="居民0").tags.get().code == "elderly-alone"
    assert Resident.objects.get(name="居民1").birth_date.year == 1985


def test_import_upserts_by_id_number(world, django_capture_on_commit_callbacks):
    existing = make_resident(world, name="旧名字", id_number=id_number(500), phone="13000000000")
    job = _upload(world, _csv(_good_rows(2)), capture=django_capture_on_commit_callbacks)
    job = _import(world, job, capture=django_capture_on_commit_callbacks)
    assert (job.created_count, job.updated_count) == (1, 1)
    existing.refresh_from_db()
    assert existing.name == "居民0" and existing.phone == "13900000000"
    assert Resident.objects.count() == 2


def test_import_is_all_or_nothing(world, django_capture_on_commit_callbacks):
    job = _upload(world, _csv(_good_rows(4)), capture=django_capture_on_commit_callbacks)
    real_write = importing.write

    def write_then_fail(job, result):
        real_write(job, result)
        assert Resident.objects.count() == 4  # written inside the transaction...
        raise RuntimeError("disk full")

    with mock.patch.object(importing, "write", write_then_fail):
        job = _import(world, job, capture=django_capture_on_commit_callbacks)
    assert job.status == ImportStatus.FAILED
    assert "nothing was written" in job.message
    assert not Resident.objects.exists()  # ...and rolled back
    assert not Household.objects.exists()


def test_station_cannot_import_into_or_over_another_stations_cells(
    world, django_capture_on_commit_callbacks
):
    job = _upload(
        world, _csv(_good_rows(1, cell="A2-G1")), capture=django_capture_on_commit_callbacks
    )
    assert job.status == ImportStatus.REJECTED
    assert job.errors[0]["column"] == "grid_cell"
    # A resident registered by another station cannot be moved by an import.
    other = make_resident(world, "A2-G1", id_number=id_number(500))
    job = _upload(world, _csv(_good_rows(1)), capture=django_capture_on_commit_callbacks)
    assert job.status == ImportStatus.REJECTED
    assert "outside your area" in job.errors[0]["reason"]
    other.refresh_from_db()
    assert other.grid_cell.code == "A2-G1"


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("register.txt", b"name\n", "Upload a .csv or .xlsx file"),
        ("register.xlsx", b"not a workbook", "not a readable XLSX"),
        ("register.csv", b"foo,bar\n1,2\n", "lacks the required columns"),
        ("register.csv", _csv([]), "no data rows"),
    ],
)
def test_bad_files_are_rejected_with_a_reason(
    world, django_capture_on_commit_callbacks, name, content, reason
):
    from django.core.exceptions import ValidationError

    try:
        job = _upload(world, content, name=name, capture=django_capture_on_commit_callbacks)
    except ValidationError as error:
        assert reason in " ".join(error.messages)
        return
    assert job.status == ImportStatus.REJECTED
    assert reason in " ".join(e["reason"] for e in job.errors)
    assert not Resident.objects.exists()


def test_xlsx_and_chinese_headers_and_gb18030(world, django_capture_on_commit_callbacks):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["姓名", "身份证号码", "网格"])
    sheet.append(["孙八", id_number(700), "A1-G2"])
    out = io.BytesIO()
    book.save(out)
    job = _upload(
        world, out.getvalue(), name="名单.xlsx", capture=django_capture_on_commit_callbacks
    )
    assert job.status == ImportStatus.CHECKED, job.errors
    text = f"姓名,身份证号,网格\n周九,{id_number(701)},A1-G1\n"
    job = _upload(world, text.encode("gb18030"), capture=django_capture_on_commit_callbacks)
    assert job.status == ImportStatus.CHECKED, job.errors


def test_generic_write_path(world, django_capture_on_commit_callbacks):
    """The SQLite path (bulk_create with update_conflicts) gives the same result."""
    make_resident(world, name="旧名字", id_number=id_number(500))
    job = _upload(world, _csv(_good_rows(3)), capture=django_capture_on_commit_callbacks)
    job = ImportJob.objects.select_related("uploaded_by").get(pk=job.pk)
    result = importing.check(job)
    created, updated = importing._write_generic(result, ["care", "key_population"])
    assert (created, updated) == (2, 1)
    assert Resident.objects.get(id_number=id_number(500)).name == "居民0"
    assert Resident.objects.get(name="居民0").tags.get().code == "elderly-alone"
    assert Household.objects.get(number="HH-0").members.count() == 2


def test_pages_upload_progress_and_confirm(client_as, world, django_capture_on_commit_callbacks):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_as("chief_a1")
    upload = SimpleUploadedFile("r.csv", _csv(_good_rows(2)), content_type="text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("residents:import_list"), {"file": upload})
    assert response.status_code == 302
    job = ImportJob.objects.get()
    page = client.get(response["Location"])
    assert "Import all rows" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("residents:import_confirm", args=[job.pk]))
    partial = client.get(reverse("residents:import_detail", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert 'data-status="done"' in partial.content.decode()
    # Another station's chief does not find the job; a grid worker may not import.
    assert client_as("chief_a2").get(f"/residents/imports/{job.pk}/").status_code == 404
    assert client_as("worker_a1").get(reverse("residents:import_list")).status_code == 403


def test_running_job_page_polls(client_as, world):
    job = ImportJob.objects.create(
        uploaded_by=world.user("chief_a1"),
        station=world.stations["A1"],
        content=b"x",
        original_name="r.csv",
        status=ImportStatus.IMPORTING,
        total_rows=10,
        processed_rows=4,
    )
    body = client_as("chief_a1").get(reverse("residents:import_detail", args=[job.pk]))
    text = body.content.decode()
    assert 'hx-trigger="every 1s"' in text and 'value="40"' in text
