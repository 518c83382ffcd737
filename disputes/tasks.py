"""Celery tasks of the disputes app: ids in, call a service, nothing else."""

from celery import shared_task

from disputes import services


@shared_task(name="disputes.tasks.overdue_cases_escalate_task")
def overdue_cases_escalate_task() -> int:
    """The daily deadline check. Safe to run twice: a stage is escalated once."""
    return services.overdue_cases_escalate().escalated


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
