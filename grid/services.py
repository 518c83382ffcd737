"""Writes for the tiers. Each service runs in one transaction and names its actor."""

from __future__ import annotations

from datetime import date

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grid.models import AssignmentRole, GridAssignment, GridCell, OfficerProfile, Station
from grid.scoping import Tier, forget_scope

ROLE_FOR_TIER = {
    Tier.COMMUNITY_OFFICER: AssignmentRole.RESPONSIBLE,
    Tier.GRID_WORKER: AssignmentRole.GRID_WORKER,
}


@transaction.atomic
def grid_cell_assign(
    *,
    grid_cell: GridCell,
    officer,
    actor,
    valid_from: date | None = None,
    reason: str = "",
) -> GridAssignment:
    """Assign an officer (responsible) or grid worker to a cell from a date.

    For the responsible officer the open assignment of the cell is closed the day the new one
    starts, so the history answers "who was responsible on this date" without gaps or overlaps.
    """
    valid_from = valid_from or timezone.localdate()
    # Acting on a station is the chief's and the sub-bureau's (officers only see theirs).
    if not Station.objects.actionable_by(actor).filter(pk=grid_cell.community.station_id).exists():
        raise PermissionDenied(_("You may not assign officers in this grid cell."))

    profile = OfficerProfile.objects.filter(user=officer, is_active=True).first()
    if profile is None or profile.tier not in ROLE_FOR_TIER:
        raise ValidationError(
            {"officer": _("Only community officers and grid workers are assigned to grid cells.")}
        )
    if profile.station_id != grid_cell.community.station_id:
        raise ValidationError(
            {"officer": _("The officer belongs to another police station than this grid cell.")}
        )
    role = ROLE_FOR_TIER[profile.tier]

    # Lock the grid cell row: every assignment change of one cell is serialised, also when
    # the cell has no open assignment yet (then there would be no assignment row to lock).
    GridCell.objects.select_for_update().filter(pk=grid_cell.pk).first()
    open_rows = list(
        GridAssignment.objects.filter(grid_cell=grid_cell, valid_to__isnull=True).order_by("pk")
    )
    for row in open_rows:
        same_officer = row.officer_id == officer.pk
        if same_officer and row.valid_from <= valid_from:
            raise ValidationError(
                {"officer": _("This officer is already assigned to this grid cell.")}
            )
        if (role == AssignmentRole.RESPONSIBLE and row.role == role) or same_officer:
            if row.valid_from >= valid_from:
                raise ValidationError(
                    {
                        "valid_from": _(
                            "The current assignment starts on %(date)s; a new one must start later."
                        )
                        % {"date": row.valid_from.isoformat()}
                    }
                )
            row.valid_to = valid_from
            row.save(update_fields=["valid_to"])

    assignment = GridAssignment(
        grid_cell=grid_cell,
        officer=officer,
        role=role,
        valid_from=valid_from,
        assigned_by=actor,
        reason=reason,
    )
    assignment.full_clean()
    assignment.save()
    forget_scope(officer)
    return assignment


@transaction.atomic
def grid_assignment_end(*, assignment: GridAssignment, actor, valid_to: date | None = None) -> None:
    """End an open assignment (an officer leaves the cell) from a date, keeping the row."""
    valid_to = valid_to or timezone.localdate()
    station_id = assignment.grid_cell.community.station_id
    if not Station.objects.actionable_by(actor).filter(pk=station_id).exists():
        raise PermissionDenied(_("You may not change assignments in this grid cell."))
    locked = GridAssignment.objects.select_for_update().get(pk=assignment.pk)
    if locked.valid_to is not None:
        raise ValidationError(_("This assignment has already ended."))
    if valid_to <= locked.valid_from:
        raise ValidationError({"valid_to": _("An assignment must end after it starts.")})
    locked.valid_to = valid_to
    locked.save(update_fields=["valid_to"])
    assignment.valid_to = valid_to


@transaction.atomic
def portal_housekeeping_run(*, now=None) -> dict:
    """Delete expired sessions and login failures older than the lockout window."""
    now = now or timezone.now()
    sessions_deleted, _ = Session.objects.filter(expire_date__lt=now).delete()
    # Failures older than the lockout window no longer count towards a lockout.
    attempts_deleted, _ = AccessAttempt.objects.filter(
        attempt_time__lt=now - settings.AXES_COOLOFF_TIME
    ).delete()
    return {"sessions_deleted": sessions_deleted, "login_failures_deleted": attempts_deleted}
