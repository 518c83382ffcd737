"""Celery tasks of the disputes app: ids in, call a service, nothing else."""

from celery import shared_task

from disputes import services


@shared_task(name="disputes.tasks.overdue_cases_escalate_task")
def overdue_cases_escalate_task(queue: str | None = None) -> int:
    """The daily deadline check, then one notice per escalated case (the chief and the
    officer). Safe to run twice: a stage is escalated, and its notice sent, once."""
    result = services.overdue_cases_escalate()
    options = {"queue": queue} if queue else {}
    for case_id in result.case_ids:
        case_notify_task.apply_async(args=(case_id, "overdue"), **options)
    return result.escalated


@shared_task(
    name="disputes.tasks.case_notify_task",
    autoretry_for=(ConnectionError,),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=3,
)
def case_notify_task(case_id: int, reason: str) -> int:
    """Tell the people a case event concerns. Safe to run twice (a repeated e-mail at most)."""
    return services.case_notify(case_id=case_id, reason=reason)
