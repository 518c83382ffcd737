"""Writes for the tiers. Each service runs in one transaction and names its actor."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grid.models import (
    AssignmentRole,
    GridAssignment,
    GridCell,
    GridVisit,
    OfficerProfile,
    Station,
    VisitPhoto,
)
from grid.scoping import Tier, forget_scope

ROLE_FOR_TIER = {
    Tier.COMMUNITY_OFFICER: AssignmentRole.RESPONSIBLE,
    Tier.GRID_WORKER: AssignmentRole.GRID_WORKER,
}


def responsible_officer_on(grid_cell: GridCell, on_date: date):
    """The officer responsible for the cell on a date, or None."""
    assignment = (
        GridAssignment.objects.active_on(on_date)
        .filter(grid_cell=grid_cell, role=AssignmentRole.RESPONSIBLE)
        .select_related("officer")
        .first()
    )
    return assignment.officer if assignment else None


def validate_responsible_officer(officer, grid_cell: GridCell, *, field: str = "owner") -> None:
    """Whoever is made responsible for work in a cell (a risk point, a dispute case) is an
    active officer, not a grid worker, of the cell's station or its sub-bureau."""
    station = grid_cell.community.station
    profile = OfficerProfile.objects.filter(user_id=officer.pk, is_active=True).first()
    if profile is None or profile.tier == Tier.GRID_WORKER:
        raise ValidationError({field: _("The responsible person must be an active officer.")})
    if profile.station_id != station.pk and profile.sub_bureau_id != station.sub_bureau_id:
        raise ValidationError(
            {field: _("The responsible officer must belong to this grid cell's police station.")}
        )


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


# --- Grid visits ----------------------------------------------------------------------------
PHOTO_TYPES = ("image/jpeg", "image/png", "image/webp", "image/heic", "image/heif")
PHOTO_MAX_BYTES = 10 * 1024 * 1024
PHOTO_MAX_COUNT = 6
VISIT_MAX_HOURS = 24
CLOCK_SKEW = timedelta(minutes=10)


def grid_visit_create(
    *,
    actor,
    grid_cell: GridCell,
    visit_type: str,
    started_at: datetime,
    ended_at: datetime,
    households_reached: int = 0,
    notes: str = "",
    findings: str = "",
    companion_ids: Sequence[int] = (),
    resident_ids: Sequence[int] = (),
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
    location_accuracy_m: int | None = None,
    photos: Sequence = (),
    client_key: str | None = None,
    source_concern_id: int | None = None,
) -> tuple[GridVisit, bool]:
    """Log a visit; returns (visit, created).

    With a ``client_key`` the call is idempotent per officer: a retry after a lost response
    returns the visit saved the first time (created False) instead of logging it twice.
    """
    client_key = (client_key or "").strip() or None
    if client_key:
        existing = GridVisit.objects.filter(officer=actor, client_key=client_key).first()
        if existing is not None:
            return existing, False
    try:
        with transaction.atomic():
            visit = _grid_visit_create(
                actor=actor,
                grid_cell=grid_cell,
                visit_type=visit_type,
                started_at=started_at,
                ended_at=ended_at,
                households_reached=households_reached,
                notes=notes,
                findings=findings,
                companion_ids=companion_ids,
                resident_ids=resident_ids,
                latitude=latitude,
                longitude=longitude,
                location_accuracy_m=location_accuracy_m,
                photos=photos,
                client_key=client_key,
                source_concern_id=source_concern_id,
            )
    except IntegrityError:
        # Two submissions with the same key raced: the other one won; return its visit.
        existing = (
            GridVisit.objects.filter(officer=actor, client_key=client_key).first()
            if client_key
            else None
        )
        if existing is None:
            raise
        return existing, False
    return visit, True


def _grid_visit_create(*, actor, grid_cell, companion_ids, resident_ids, photos, **fields):
    from grid.selectors import visit_cells
    from residents.models import Concern, Resident

    if not visit_cells(user=actor).filter(pk=grid_cell.pk).exists():
        raise PermissionDenied(_("You may not log visits in this grid cell."))
    errors: dict[str, list[str]] = {}
    started_at, ended_at = fields["started_at"], fields["ended_at"]
    now = timezone.now()
    if started_at > now + CLOCK_SKEW:
        errors.setdefault("started_at", []).append(_("A visit cannot start in the future."))
    if ended_at < started_at:
        errors.setdefault("ended_at", []).append(_("A visit cannot end before it starts."))
    elif ended_at - started_at > timedelta(hours=VISIT_MAX_HOURS):
        errors.setdefault("ended_at", []).append(
            _("A visit lasts at most %(hours)d hours; log longer work as several visits.")
            % {"hours": VISIT_MAX_HOURS}
        )
    if ended_at > now + CLOCK_SKEW:
        errors.setdefault("ended_at", []).append(_("A visit cannot end in the future."))
    households = fields.get("households_reached") or 0
    if grid_cell.household_count and households > grid_cell.household_count:
        errors.setdefault("households_reached", []).append(
            _("The grid cell has only %(count)d households.") % {"count": grid_cell.household_count}
        )
    latitude, longitude = fields.get("latitude"), fields.get("longitude")
    if (latitude is None) != (longitude is None):
        errors.setdefault("latitude", []).append(_("Give both latitude and longitude, or neither."))
    if latitude is not None and not -90 <= latitude <= 90:
        errors.setdefault("latitude", []).append(_("Latitude must be between -90 and 90."))
    if longitude is not None and not -180 <= longitude <= 180:
        errors.setdefault("longitude", []).append(_("Longitude must be between -180 and 180."))

    resident_ids = sorted(set(resident_ids))
    residents = list(
        Resident.objects.visible_to(actor)
        .filter(grid_cell=grid_cell, pk__in=resident_ids)
        .values_list("pk", flat=True)
    )
    if len(residents) != len(resident_ids):
        errors.setdefault("residents_met", []).append(
            _("Residents met must be residents of this grid cell.")
        )
    companion_ids = sorted(set(companion_ids) - {actor.pk})
    companions = list(
        OfficerProfile.objects.filter(
            user_id__in=companion_ids,
            station_id=grid_cell.community.station_id,
            is_active=True,
        ).values_list("user_id", flat=True)
    )
    if len(companions) != len(companion_ids):
        errors.setdefault("companions", []).append(
            _("Companions must be officers of this grid cell's police station.")
        )
    concern_id = fields.pop("source_concern_id", None)
    if concern_id is not None:
        concern = Concern.objects.actionable_by(actor).filter(pk=concern_id).first()
        if concern is None or concern.community_id != grid_cell.community_id:
            errors.setdefault("source_concern", []).append(
                _("The concern followed up must be one of yours in this grid cell's community.")
            )
    if len(photos) > PHOTO_MAX_COUNT:
        errors.setdefault("photos", []).append(
            _("Attach at most %(count)d photos.") % {"count": PHOTO_MAX_COUNT}
        )
    for photo in photos:
        content_type = (getattr(photo, "content_type", "") or "").lower()
        if content_type not in PHOTO_TYPES:
            errors.setdefault("photos", []).append(
                _("%(name)s is not a photo (JPEG, PNG, WebP or HEIC).") % {"name": photo.name}
            )
        elif photo.size > PHOTO_MAX_BYTES:
            errors.setdefault("photos", []).append(
                _("%(name)s is larger than 10 MB.") % {"name": photo.name}
            )
    if errors:
        raise ValidationError(errors)

    visit = GridVisit(
        grid_cell=grid_cell,
        officer=actor,
        visit_date=timezone.localdate(started_at),  # save() derives it too
        source_concern_id=concern_id,
        **fields,
    )
    visit.full_clean(validate_constraints=False)
    visit.save()
    if residents:
        visit.residents_met.set(residents)
    if companions:
        visit.companions.set(companions)
    for photo in photos:
        VisitPhoto.objects.create(visit=visit, image=photo, content_type=photo.content_type)
    return visit
