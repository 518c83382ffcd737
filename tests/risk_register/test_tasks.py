"""The register's tasks: eagerly, and with a real Celery worker on Redis (kill included)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from risks.register import selectors
from risks.register.models import RegisterEntry, RegisterRun, RunStatus
from risks.register.tasks import register_run_nightly, register_run_start
from tests.conftest import start_celery_worker, wait_until
from tests.risk_register.helpers import AS_OF, compute, point


@pytest.mark.django_db
def test_the_nightly_task_computes_today(world, django_capture_on_commit_callbacks):
    point(world.home_cell, world.user("officer_a1"), likelihood=4, severity=4)
    with django_capture_on_commit_callbacks(execute=True):
        register_run_nightly.delay()
    run = RegisterRun.objects.get(for_date=timezone.localdate())
    assert run.status == RunStatus.PUBLISHED and run.trigger == "beat"
    assert selectors.current_run() == run
    with django_capture_on_commit_callbacks(execute=True):
        assert register_run_nightly.delay().get() == "already published"
    assert RegisterRun.objects.count() == 1


def test_the_beat_schedule_has_the_nightly_register(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["risk-register-nightly"]
    assert entry["task"] == "risks.register.tasks.register_run_nightly"
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({2}, {0})
    assert settings.CELERY_TIMEZONE == "Asia/Shanghai"
    assert register_run_start.acks_late and register_run_start.reject_on_worker_lost


def _start(queue, *, for_date=AS_OF, force=False):
    register_run_start.apply_async(
        kwargs={"for_date": for_date.isoformat(), "force": force, "queue": queue}, queue=queue
    )


def _published(for_date=AS_OF):
    return RegisterRun.objects.filter(for_date=for_date, status=RunStatus.PUBLISHED).exists()


def test_a_real_worker_runs_the_parts_and_publishes_once(celery_worker, settings):
    from tests.world import build_world

    world = build_world()
    point(world.home_cell, world.user("officer_a1"), likelihood=5, severity=5)
    _start(celery_worker.queue)
    wait_until(_published, message=celery_worker.log())
    _start(celery_worker.queue)  # the same date again: skipped, still one snapshot
    wait_until(lambda: "already published" in celery_worker.log(), message=celery_worker.log())
    run = RegisterRun.objects.get(for_date=AS_OF)
    assert run.version == run.published_version == 1 and run.attempts == 1
    assert RegisterEntry.objects.filter(run=run).count() == 6
    assert RegisterEntry.objects.of_run(run).get(grid_cell=world.home_cell).level == "red"


def test_a_killed_worker_leaves_the_previous_snapshot_and_a_rerun_completes(
    transactional_db, settings
):
    from tests.world import build_world

    world = build_world()
    point(world.home_cell, world.user("officer_a1"), likelihood=5, severity=5)
    yesterday = compute(AS_OF - timedelta(days=1))
    slow = start_celery_worker(settings, extra_env={"RISK_REGISTER_PART_PAUSE_SECONDS": "60"})
    try:
        _start(slow.queue)
        wait_until(
            lambda: RegisterRun.objects.filter(for_date=AS_OF, status=RunStatus.RUNNING).exists(),
            message=slow.log(),
        )
        wait_until(lambda: "register_run_part" in slow.log(), message=slow.log())
        slow.process.kill()  # SIGKILL in the middle of a part's transaction
        slow.process.wait(timeout=20)
    finally:
        slow.stop()
    run = RegisterRun.objects.get(for_date=AS_OF)
    assert run.status == RunStatus.RUNNING and run.published_version is None
    assert run.parts_done == 0
    assert not RegisterEntry.objects.filter(run=run).exists()  # rolled back with the worker
    assert selectors.current_run().pk == yesterday.pk
    worker = start_celery_worker(settings)
    try:
        _start(worker.queue, force=True)
        wait_until(_published, message=worker.log())
    finally:
        worker.stop()
    run.refresh_from_db()
    assert run.attempts == 2 and run.published_version == 2
    assert selectors.current_run().pk == run.pk
    assert RegisterEntry.objects.filter(run=run).count() == 6
