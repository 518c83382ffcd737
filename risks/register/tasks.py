"""Celery tasks of the risk register: thin, ids in, safe to run twice.

``register_run_nightly`` (beat, RISK_REGISTER_CRON, Asia/Shanghai) runs the proposal rules of
the inventory and starts the day's run; ``register_run_start`` claims and propagates, then
enqueues one ``register_run_part`` per batch of stations; the part completing the run
publishes it. No chord: each part bumps the run's counter in the database, so nothing
depends on the result backend. Tasks acknowledge late and are rejected (redelivered) when
their worker dies, so a killed worker's part runs again.
"""

from __future__ import annotations

import logging
from datetime import date

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from risks.register import services
from risks.register.models import RunTrigger

logger = logging.getLogger(__name__)

TASK_OPTIONS = {"acks_late": True, "reject_on_worker_lost": True, "ignore_result": True}


@shared_task(name="risks.register.tasks.register_run_nightly", **TASK_OPTIONS)
def register_run_nightly(queue: str | None = None) -> str:
    """The nightly job: proposals of the inventory, then the register of today (local date)."""
    from risks.services import risk_proposals_generate

    today = timezone.localdate()
    created = risk_proposals_generate(today)
    logger.info("Risk proposals for %s: %d new", today, created)
    return register_run_start(
        for_date=today.isoformat(), trigger=RunTrigger.BEAT.value, force=False, queue=queue
    )


@shared_task(
    bind=True,
    name="risks.register.tasks.register_run_start",
    autoretry_for=(services.RegisterBusy,),
    retry_backoff=5,
    retry_jitter=True,
    max_retries=5,
    **TASK_OPTIONS,
)
def register_run_start(
    self,
    *,
    for_date: str,
    trigger: str = RunTrigger.MANUAL.value,
    force: bool = False,
    requested_by_id: int | None = None,
    queue: str | None = None,
) -> str:
    prepared = services.register_run_prepare(
        for_date=date.fromisoformat(for_date),
        trigger=trigger,
        requested_by_id=requested_by_id,
        force=force,
    )
    if prepared.skipped == "busy":
        raise services.RegisterBusy("Another register run holds the lock.")
    if prepared.skipped:
        logger.info("Register run for %s skipped: %s", for_date, prepared.skipped)
        return prepared.skipped
    options = {"queue": queue} if queue else {}
    for index in prepared.parts:
        kwargs = {"run_id": prepared.run_id, "version": prepared.version, "index": index}
        transaction.on_commit(
            lambda kwargs=kwargs: register_run_part.apply_async(kwargs=kwargs, **options)
        )
    return f"run {prepared.run_id} v{prepared.version}: {len(prepared.parts)} parts"


@shared_task(
    bind=True,
    name="risks.register.tasks.register_run_part",
    autoretry_for=(services.RegisterBusy,),
    retry_backoff=2,
    retry_jitter=True,
    max_retries=10,
    **TASK_OPTIONS,
)
def register_run_part(self, *, run_id: int, version: int, index: int) -> str:
    try:
        result = services.register_part_compute(run_id=run_id, version=version, index=index)
    except services.RegisterBusy:
        raise
    except Exception as error:
        services.register_run_fail(run_id=run_id, version=version, error=repr(error))
        raise
    return result.status
