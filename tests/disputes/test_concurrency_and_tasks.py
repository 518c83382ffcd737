"""Two officers changing one case at the same moment, and the daily deadline job on a real
Celery worker."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from disputes import services
from disputes.models import DisputeCase, DisputeEvent, EventKind, Stage
from disputes.tasks import overdue_cases_escalate_task
from tests.conftest import wait_until
from tests.disputes.helpers import make_case, move_to
from tests.world import build_world


def _race(case_id: int, writes: list) -> list[str]:
    """Run each write in its own thread and connection, all starting together."""
    barrier = threading.Barrier(len(writes))
    outcomes: list[str] = []

    def run(write):
        try:
            barrier.wait(timeout=10)
            write()
            outcomes.append("saved")
        except ValidationError as error:
            outcomes.append(f"refused: {error.message_dict}")
        except Exception as error:  # a lost update or a deadlock would show here
            outcomes.append(f"error: {type(error).__name__}: {error}")
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(write,)) for write in writes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_two_officers_editing_one_case_at_once_never_lose_a_change():
    world = build_world()
    case = make_case(world)
    users = get_user_model().objects

    def edit(username, **change):
        return lambda: services.case_update(
            case=case.pk,
            actor=users.get(username=username),
            expected_version=1,
            **change,
        )

    outcomes = _race(
        case.pk,
        [edit("officer_a1", severity="serious"), edit("chief_a1", summary="所长补充的案情")],
    )

    assert sorted(outcome.split(":")[0] for outcome in outcomes) == ["refused", "saved"], outcomes
    (refusal,) = [outcome for outcome in outcomes if outcome.startswith("refused")]
    assert "changed this case" in refusal
    stored = DisputeCase.objects.get(pk=case.pk)
    assert stored.version == 2
    # Exactly one of the two changes is in, whole, and the timeline says which.
    assert (stored.severity == "serious") != (stored.summary == "所长补充的案情")
    assert DisputeEvent.objects.filter(case=case, kind=EventKind.EDITED).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_moves_from_the_same_page_make_one_step():
    world = build_world()
    case = move_to(world, make_case(world), Stage.SCREENING)
    users = get_user_model().objects

    def move(username, to_stage, **extra):
        return lambda: services.case_transition(
            case=case.pk,
            to_stage=to_stage,
            actor=users.get(username=username),
            reason="同时操作",
            expected_version=case.version,
            **extra,
        )

    outcomes = _race(
        case.pk,
        [
            move("officer_a1", Stage.MEDIATING),
            move("chief_a1", Stage.ESCALATED, escalation_level="station"),
        ],
    )
    assert sorted(outcome.split(":")[0] for outcome in outcomes) == ["refused", "saved"], outcomes
    stored = DisputeCase.objects.get(pk=case.pk)
    transitions = DisputeEvent.objects.filter(case=case, kind=EventKind.TRANSITION)
    assert stored.version == case.version + 1
    assert stored.stage == transitions.order_by("-at", "-pk").first().to_stage
    assert transitions.filter(from_stage=Stage.SCREENING).count() == 1


def test_the_beat_schedule_has_the_daily_deadline_check(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["dispute-deadlines"]
    assert entry["task"] == "disputes.tasks.overdue_cases_escalate_task"
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({7}, {0})


def test_a_real_worker_escalates_overdue_cases_once_and_notifies(celery_worker):
    world = build_world()
    for role, email in (("chief_a1", "chief@example.org"), ("officer_a1", "o@example.org")):
        user = world.user(role)
        user.email = email
        user.save()
    late = move_to(world, make_case(world), Stage.MEDIATING)
    DisputeCase.objects.filter(pk=late.pk).update(
        stage_due_on=timezone.localdate() - timedelta(days=2)
    )
    on_time = move_to(world, make_case(world), Stage.MEDIATING)

    overdue_cases_escalate_task.apply_async(
        kwargs={"queue": celery_worker.queue}, queue=celery_worker.queue
    )
    wait_until(
        lambda: (
            "case_notify_task" in celery_worker.log()
            and "succeeded" in celery_worker.log().split("case_notify_task")[-1]
        ),
        message=celery_worker.log(),
    )
    late.refresh_from_db()
    assert late.overdue_escalated_at is not None
    assert late.events.filter(kind=EventKind.OVERDUE).count() == 1
    assert not on_time.events.filter(kind=EventKind.OVERDUE).exists()
    # The notice told two people (the chief and the officer).
    assert "succeeded" in celery_worker.log() and ": 2" in celery_worker.log()

    # Run twice: nothing more.
    overdue_cases_escalate_task.apply_async(
        kwargs={"queue": celery_worker.queue}, queue=celery_worker.queue
    )
    wait_until(
        lambda: (
            "overdue_cases_escalate_task" in celery_worker.log().split("case_notify_task")[-1]
            and "succeeded" in celery_worker.log().split("case_notify_task")[-1]
        ),
        message=celery_worker.log(),
    )
    assert late.events.filter(kind=EventKind.OVERDUE).count() == 1
