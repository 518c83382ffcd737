"""Celery tasks for the tiers and the portal: thin, idempotent, ids in."""

from celery import shared_task

from grid import services


@shared_task(
    name="grid.tasks.portal_housekeeping",
    autoretry_for=(ConnectionError,),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=3,
)
def portal_housekeeping() -> dict:
    """Delete expired sessions and expired login-failure records. Safe to run twice."""
    return services.portal_housekeeping_run()
