"""The Celery beat schedule, built from cron strings kept as data in settings."""

from datetime import timedelta

from celery.schedules import crontab


def crontab_from_string(expression: str) -> crontab:
    """Parse a five-field cron string ("minute hour day month weekday") into a crontab."""
    fields = expression.split()
    if len(fields) != 5:
        raise ValueError(
            f"A cron expression needs 5 fields (minute hour day month weekday): {expression!r}"
        )
    minute, hour, day_of_month, month_of_year, day_of_week = fields
    return crontab(
        minute=minute,
        hour=hour,
        day_of_month=day_of_month,
        month_of_year=month_of_year,
        day_of_week=day_of_week,
    )


def beat_schedule_from(periodic_tasks: dict[str, dict]) -> dict[str, dict]:
    """Turn ``PERIODIC_TASKS`` entries ({task, cron, expires_seconds}) into a beat schedule."""
    schedule = {}
    for name, entry in periodic_tasks.items():
        options = {}
        if entry.get("expires_seconds"):
            options["expires"] = timedelta(seconds=entry["expires_seconds"]).total_seconds()
        schedule[name] = {
            "task": entry["task"],
            "schedule": crontab_from_string(entry["cron"]),
            "options": options,
        }
    return schedule
