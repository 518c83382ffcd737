"""Celery wiring: the beat schedule, the housekeeping task, and a real worker on Redis."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from celery.schedules import crontab
from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone

from config.celery_app import app
from config.schedule import beat_schedule_from, crontab_from_string
from grid.tasks import portal_housekeeping
from tests.conftest import wait_until


def _stale_rows():
    now = timezone.now()
    Session.objects.create(
        session_key="expired-1", session_data="", expire_date=now - timedelta(hours=1)
    )
    Session.objects.create(
        session_key="alive-1", session_data="", expire_date=now + timedelta(hours=1)
    )
    AccessAttempt.objects.create(
        username="someone",
        ip_address="10.0.0.1",
        user_agent="",
        failures_since_start=3,
        get_data="",
        post_data="",
        http_accept="",
        path_info="/accounts/login/",
    )
    AccessAttempt.objects.update(attempt_time=now - timedelta(hours=2))


def test_cron_strings_parse():
    schedule = crontab_from_string("0 2 * * *")
    assert schedule == crontab(minute="0", hour="2")
    with pytest.raises(ValueError, match="5 fields"):
        crontab_from_string("0 2 * *")


def test_nightly_register_slot_is_two_in_the_morning_shanghai_time():
    assert settings.CELERY_TIMEZONE == "Asia/Shanghai"
    slot = crontab_from_string(settings.RISK_REGISTER_CRON)
    assert slot.hour == {2} and slot.minute == {0}


def test_beat_schedule_comes_from_data_with_expiry():
    schedule = beat_schedule_from({"x": {"task": "t", "cron": "30 3 * * *", "expires_seconds": 60}})
    assert schedule["x"]["schedule"] == crontab(minute="30", hour="3")
    assert schedule["x"]["options"]["expires"] == 60
    assert "portal-housekeeping" in app.conf.beat_schedule
    assert app.conf.beat_scheduler == "django_celery_beat.schedulers:DatabaseScheduler"


@pytest.mark.django_db
def test_housekeeping_deletes_only_what_expired_and_is_safe_to_run_twice():
    _stale_rows()
    first = portal_housekeeping.delay().get()
    assert first == {"sessions_deleted": 1, "login_failures_deleted": 1}
    assert list(Session.objects.values_list("session_key", flat=True)) == ["alive-1"]
    assert portal_housekeeping.delay().get() == {"sessions_deleted": 0, "login_failures_deleted": 0}


@pytest.mark.worker
def test_a_real_worker_on_redis_runs_a_task_that_writes_to_the_database(celery_worker):
    _stale_rows()
    portal_housekeeping.apply_async(queue=celery_worker.queue)
    wait_until(
        lambda: (
            not Session.objects.filter(session_key="expired-1").exists()
            and not AccessAttempt.objects.exists()
        ),
        message=f"the worker did not run the task:\n{celery_worker.log()}",
    )
    assert Session.objects.filter(session_key="alive-1").exists()
    assert "portal_housekeeping" in celery_worker.log()
