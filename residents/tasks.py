"""Celery tasks of the residents app: ids in, call a service, nothing else."""

from celery import shared_task

from residents import services


@shared_task(name="residents.tasks.import_check_task")
def import_check_task(job_id: int) -> str | None:
    """The dry run of an uploaded import. Safe to run twice."""
    job = services.import_check(job_id=job_id)
    return job.status if job else None


@shared_task(name="residents.tasks.import_run_task")
def import_run_task(job_id: int) -> str | None:
    """Write a checked import in one transaction. Safe to run twice."""
    job = services.import_run(job_id=job_id)
    return job.status if job else None


@shared_task(
    name="residents.tasks.concern_notify_task",
    autoretry_for=(ConnectionError,),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=3,
)
def concern_notify_task(concern_id: int) -> int:
    """Tell the station about a new concern. Safe to run twice (a repeated e-mail at most)."""
    return services.concern_notify(concern_id=concern_id)
