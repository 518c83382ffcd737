"""Portal maintenance: expired sessions and login-failure records do not pile up."""

from __future__ import annotations

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone


@transaction.atomic
def portal_housekeeping_run(*, now=None) -> dict:
    now = now or timezone.now()
    sessions_deleted, _ = Session.objects.filter(expire_date__lt=now).delete()
    # Failures older than the lockout window no longer count towards a lockout.
    attempts_deleted, _ = AccessAttempt.objects.filter(
        attempt_time__lt=now - settings.AXES_COOLOFF_TIME
    ).delete()
    return {"sessions_deleted": sessions_deleted, "login_failures_deleted": attempts_deleted}
