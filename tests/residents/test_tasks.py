"""The import runs as Celery tasks: a real worker on Redis checks and imports the file."""

import pytest

from residents import services
from residents.models import ImportJob, ImportStatus, Resident
from residents.standard_tags import ensure_standard_tags
from tests.conftest import wait_until
from tests.residents.test_import import _csv, _good_rows
from tests.world import build_world


def test_tasks_are_safe_to_run_twice(world, django_capture_on_commit_callbacks):
    from residents import tasks

    with django_capture_on_commit_callbacks(execute=True):
        job = services.import_upload(
            actor=world.user("chief_a1"), filename="r.csv", content=_csv(_good_rows(2))
        )
    assert tasks.import_check_task(job.pk) == ImportStatus.CHECKED  # second run: no change
    with django_capture_on_commit_callbacks(execute=True):
        services.import_confirm(actor=world.user("chief_a1"), job=job)
    assert tasks.import_run_task(job.pk) == ImportStatus.DONE
    assert Resident.objects.count() == 2
    assert tasks.import_check_task(999_999) is None


@pytest.mark.worker
def test_import_through_a_real_worker(celery_worker, settings):
    from config.celery_app import app

    world = build_world()
    ensure_standard_tags()
    default_queue = app.conf.task_default_queue
    app.conf.task_default_queue = celery_worker.queue
    try:
        job = services.import_upload(
            actor=world.user("chief_a1"), filename="r.csv", content=_csv(_good_rows(3))
        )
        wait_until(
            lambda: ImportJob.objects.get(pk=job.pk).status == ImportStatus.CHECKED,
            message=celery_worker.log(),
        )
        services.import_confirm(actor=world.user("chief_a1"), job=job)
        wait_until(
            lambda: ImportJob.objects.get(pk=job.pk).status == ImportStatus.DONE,
            message=celery_worker.log(),
        )
    finally:
        app.conf.task_default_queue = default_queue
    assert Resident.objects.count() == 3
