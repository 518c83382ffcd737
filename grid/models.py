"""The tiers: sub-bureau > station > community > grid cell, and the officers tied to them."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase
from simple_history.models import HistoricalRecords

from grid.geojson import validate_polygon
from grid.people import person_name
from grid.scoping import Access, ScopedQuerySet, Tier, UserScope

__all__ = [
    "Community",
    "DemoBuild",
    "GridAssignment",
    "GridCell",
    "GridCellGroupObjectPermission",
    "GridCellUserObjectPermission",
    "GridVisit",
    "OfficerProfile",
    "Station",
    "SubBureau",
    "Tier",
    "VisitPhoto",
    "VisitType",
]


# --- Scoped querysets for the tier models ---------------------------------------------------
class SubBureauQuerySet(ScopedQuerySet):
    def tier_filter(self, scope: UserScope, access: Access) -> Q:
        if scope.sub_bureau_ids:
            return Q(pk__in=scope.sub_bureau_ids)
        if access is Access.ACT:
            return Q()  # only sub-bureau staff act at sub-bureau level
        if scope.station_ids:
            return Q(
                pk__in=Station.objects.filter(pk__in=scope.station_ids).values("sub_bureau_id")
            )
        if scope.grid_cell_ids:
            return Q(
                pk__in=_units_of_cells(scope.grid_cell_ids, "community__station__sub_bureau_id")
            )
        return Q()


class StationQuerySet(ScopedQuerySet):
    def tier_filter(self, scope: UserScope, access: Access) -> Q:
        if scope.sub_bureau_ids:
            return Q(sub_bureau_id__in=scope.sub_bureau_ids)
        if scope.station_ids:
            return Q(pk__in=scope.station_ids)
        if access is Access.VIEW and scope.grid_cell_ids:
            return Q(pk__in=_units_of_cells(scope.grid_cell_ids, "community__station_id"))
        return Q()


class CommunityQuerySet(ScopedQuerySet):
    def tier_filter(self, scope: UserScope, access: Access) -> Q:
        if scope.sub_bureau_ids:
            return Q(station__sub_bureau_id__in=scope.sub_bureau_ids)
        if scope.station_ids:
            return Q(station_id__in=scope.station_ids)
        if access is Access.VIEW and scope.grid_cell_ids:
            return Q(pk__in=_units_of_cells(scope.grid_cell_ids, "community_id"))
        return Q()


class GridCellQuerySet(ScopedQuerySet):
    grid_cell_path = ""

    def with_units(self) -> GridCellQuerySet:
        return self.select_related("community__station__sub_bureau")


class OfficerProfileQuerySet(ScopedQuerySet):
    """Officers are seen by their own chain: sub-bureau staff, their station, station colleagues."""

    def tier_filter(self, scope: UserScope, access: Access) -> Q:
        if scope.sub_bureau_ids:
            return Q(sub_bureau_id__in=scope.sub_bureau_ids) | Q(
                station__sub_bureau_id__in=scope.sub_bureau_ids
            )
        if scope.station_ids:
            return Q(station_id__in=scope.station_ids)
        if access is Access.VIEW and scope.home_station_id:
            return Q(station_id=scope.home_station_id)
        return Q()


def _units_of_cells(cell_ids, field: str):
    return GridCell.objects.filter(pk__in=cell_ids).values(field)


# --- The tiers ------------------------------------------------------------------------------
class SubBureau(models.Model):
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    address = models.CharField(_("address"), max_length=200, blank=True)
    phone = models.CharField(_("duty phone"), max_length=32, blank=True)

    objects = SubBureauQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("sub-bureau")
        verbose_name_plural = _("sub-bureaus")

    def __str__(self) -> str:
        return self.name


class Station(models.Model):
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    sub_bureau = models.ForeignKey(
        SubBureau,
        on_delete=models.PROTECT,
        related_name="stations",
        verbose_name=_("sub-bureau"),
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    phone = models.CharField(_("duty phone"), max_length=32, blank=True)

    objects = StationQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("police station")
        verbose_name_plural = _("police stations")

    def __str__(self) -> str:
        return self.name


class Community(models.Model):
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    station = models.ForeignKey(
        Station,
        on_delete=models.PROTECT,
        related_name="communities",
        verbose_name=_("police station"),
    )

    objects = CommunityQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("community")
        verbose_name_plural = _("communities")

    def __str__(self) -> str:
        return self.name


class GridCell(models.Model):
    """The smallest unit of management: typically 300-500 households, one responsible officer."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    community = models.ForeignKey(
        Community,
        on_delete=models.PROTECT,
        related_name="grid_cells",
        verbose_name=_("community"),
    )
    boundary = models.JSONField(
        _("boundary"),
        null=True,
        blank=True,
        help_text=_("GeoJSON Polygon in WGS 84 longitude/latitude."),
    )
    household_count = models.PositiveIntegerField(_("households"), default=0)
    history = HistoricalRecords()

    objects = GridCellQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("grid cell")
        verbose_name_plural = _("grid cells")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def clean(self) -> None:
        if self.boundary is not None:
            try:
                validate_polygon(self.boundary)
            except ValueError as error:
                raise ValidationError({"boundary": str(error)}) from error


# Direct foreign-key object permissions (guardian's performance guide): integer keys with an
# index and a cascade, instead of the generic table's string object ids.
class GridCellUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(GridCell, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        pass


class GridCellGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(GridCell, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        pass


# --- Officers -------------------------------------------------------------------------------
class OfficerProfile(models.Model):
    """Ties a user to a tier and a unit.

    Sub-bureau staff belong to a sub-bureau; station chiefs, community officers and grid
    workers to a station. Officers and grid workers reach grid cells through assignments.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="officer_profile",
        verbose_name=_("user"),
    )
    tier = models.CharField(_("tier"), max_length=32, choices=Tier.choices)
    sub_bureau = models.ForeignKey(
        SubBureau,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name=_("sub-bureau"),
    )
    station = models.ForeignKey(
        Station,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="officers",
        verbose_name=_("police station"),
    )
    badge_number = models.CharField(
        _("badge number"), max_length=20, unique=True, null=True, blank=True
    )
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    # Moves between stations and tiers are kept: responsibility is assessed after the fact.
    history = HistoricalRecords()

    objects = OfficerProfileQuerySet.as_manager()

    class Meta:
        ordering = ["user__username"]
        verbose_name = _("officer profile")
        verbose_name_plural = _("officer profiles")
        constraints = [
            models.CheckConstraint(
                name="officer_profile_unit_matches_tier",
                condition=(
                    Q(tier=Tier.SUB_BUREAU_STAFF, sub_bureau__isnull=False, station__isnull=True)
                    | (
                        ~Q(tier=Tier.SUB_BUREAU_STAFF)
                        & Q(station__isnull=False, sub_bureau__isnull=True)
                    )
                ),
                violation_error_message=_(
                    "Sub-bureau staff belong to a sub-bureau; every other tier to a station."
                ),
            )
        ]

    def __str__(self) -> str:
        return f"{self.display_name} ({self.tier_label})"

    @property
    def display_name(self) -> str:
        return person_name(self.user)

    @property
    def tier_label(self) -> str:
        return str(self.get_tier_display())

    @property
    def unit(self) -> SubBureau | Station | None:
        return self.sub_bureau if self.tier == Tier.SUB_BUREAU_STAFF else self.station

    def clean(self) -> None:
        if self.tier == Tier.SUB_BUREAU_STAFF:
            if not self.sub_bureau_id:
                raise ValidationError({"sub_bureau": _("Sub-bureau staff need a sub-bureau.")})
            if self.station_id:
                raise ValidationError(
                    {"station": _("Sub-bureau staff do not belong to a station.")}
                )
        else:
            if not self.station_id:
                raise ValidationError({"station": _("This tier needs a police station.")})
            if self.sub_bureau_id:
                raise ValidationError(
                    {"sub_bureau": _("Only sub-bureau staff are tied to a sub-bureau directly.")}
                )


class AssignmentRole(models.TextChoices):
    RESPONSIBLE = "responsible", _("Responsible community officer")
    GRID_WORKER = "grid_worker", _("Grid worker")


class GridAssignmentQuerySet(ScopedQuerySet):
    def active_on(self, on_date: date) -> GridAssignmentQuerySet:
        """Assignments in force on a date: [valid_from, valid_to), valid_to empty = open."""
        return self.filter(valid_from__lte=on_date).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gt=on_date)
        )


class GridAssignment(models.Model):
    """Who was responsible for (or worked in) a grid cell over which dates.

    Rows are never rewritten to another officer: a reassignment closes the open row and opens
    a new one, so responsibility on any past date can be answered (and assessed) later.
    """

    grid_cell = models.ForeignKey(
        GridCell,
        on_delete=models.CASCADE,
        related_name="assignments",
        verbose_name=_("grid cell"),
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="grid_assignments",
        verbose_name=_("officer"),
    )
    role = models.CharField(_("role"), max_length=20, choices=AssignmentRole.choices)
    valid_from = models.DateField(_("from"))
    valid_to = models.DateField(_("until (exclusive)"), null=True, blank=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assigned by"),
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    objects = GridAssignmentQuerySet.as_manager()

    class Meta:
        ordering = ["grid_cell_id", "-valid_from"]
        verbose_name = _("grid assignment")
        verbose_name_plural = _("grid assignments")
        indexes = [
            models.Index(fields=["officer", "valid_to"], name="grid_assign_officer_idx"),
            models.Index(fields=["grid_cell", "valid_from"], name="grid_assign_cell_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                name="grid_assignment_period_valid",
                condition=Q(valid_to__isnull=True) | Q(valid_to__gt=models.F("valid_from")),
                violation_error_message=_("An assignment must end after it starts."),
            ),
            models.UniqueConstraint(
                fields=["grid_cell"],
                condition=Q(valid_to__isnull=True, role="responsible"),
                name="grid_assignment_one_open_responsible",
                violation_error_message=_("A grid cell has one responsible officer at a time."),
            ),
            models.UniqueConstraint(
                fields=["grid_cell", "officer"],
                condition=Q(valid_to__isnull=True),
                name="grid_assignment_one_open_per_officer",
                violation_error_message=_("This officer is already assigned to this grid cell."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.grid_cell.code}: {self.officer} ({self.valid_from} - {self.valid_to or '…'})"


class DemoBuild(models.Model):
    """One finished step of the generated demo data (``manage.py generate_demo``).

    Each app's demo step records itself here when its transaction commits, so a re-run skips
    what is already built and later issues can add their own steps to an existing data set.
    """

    scale = models.CharField(_("scale"), max_length=20)
    step = models.CharField(_("step"), max_length=50)
    seed = models.PositiveIntegerField(_("seed"))
    rows = models.PositiveBigIntegerField(_("rows written"), default=0)
    seconds = models.FloatField(_("seconds taken"), default=0)
    finished_at = models.DateTimeField(_("finished at"), auto_now_add=True)

    class Meta:
        verbose_name = _("demo data step")
        verbose_name_plural = _("demo data steps")
        constraints = [
            models.UniqueConstraint(fields=["step"], name="demo_build_one_per_step"),
        ]

    def __str__(self) -> str:
        return f"{self.step} ({self.scale}, seed {self.seed})"


# --- Grid visits (走访) ---------------------------------------------------------------------
class VisitType(models.TextChoices):
    DOOR_TO_DOOR = "door_to_door", _("Door-to-door visit")
    PATROL = "patrol", _("Patrol")
    MEETING = "meeting", _("Residents' meeting")
    PUBLICITY = "publicity", _("Publicity talk")
    FOLLOW_UP = "follow_up", _("Follow-up visit")


class GridVisitQuerySet(ScopedQuerySet):
    grid_cell_path = "grid_cell"
    # Grid workers walk the grid cell too: they log their own visits.
    grid_worker_may_act = True


class GridVisit(models.Model):
    """One visit (走访) of a grid cell: who went, what kind, when, whom they met, what they found.

    ``visit_date`` is the local date the visit started, kept with the row so that coverage
    (visits per cell and date window) is answered from the (grid_cell, visit_date) index.
    """

    grid_cell = models.ForeignKey(
        GridCell, on_delete=models.PROTECT, related_name="visits", verbose_name=_("grid cell")
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="grid_visits",
        verbose_name=_("officer"),
    )
    companions = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="accompanied_visits",
        verbose_name=_("companions"),
    )
    visit_type = models.CharField(_("type"), max_length=20, choices=VisitType.choices)
    residents_met = models.ManyToManyField(
        "residents.Resident",
        blank=True,
        related_name="visits",
        verbose_name=_("residents met"),
    )
    # A follow-up visit (回访) that answers a resident's concern.
    source_concern = models.ForeignKey(
        "residents.Concern",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="visits",
        verbose_name=_("concern followed up"),
    )
    started_at = models.DateTimeField(_("started at"))
    ended_at = models.DateTimeField(_("ended at"))
    visit_date = models.DateField(_("visit date"), editable=False)
    households_reached = models.PositiveIntegerField(_("households reached"), default=0)
    notes = models.TextField(_("notes"), blank=True)
    findings = models.TextField(
        _("findings"), blank=True, help_text=_("Problems seen or raised that need follow-up.")
    )
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    location_accuracy_m = models.PositiveIntegerField(
        _("location accuracy (m)"), null=True, blank=True
    )
    # Chosen by the phone's form or a field app; a retried submission with the same key
    # returns the visit already saved instead of logging it twice.
    # NULL (not ""): the unique constraint applies only to visits that carry a key.
    client_key = models.CharField(  # noqa: DJ001
        _("client key"), max_length=64, null=True, blank=True
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    objects = GridVisitQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at", "-pk"]
        verbose_name = _("grid visit")
        verbose_name_plural = _("grid visits")
        indexes = [
            models.Index(fields=["grid_cell", "visit_date"], name="grid_visit_cell_date_idx"),
            models.Index(fields=["officer", "visit_date"], name="grid_visit_officer_date_idx"),
            models.Index(fields=["visit_date"], name="grid_visit_date_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                name="grid_visit_ends_after_start",
                condition=Q(ended_at__gte=models.F("started_at")),
                violation_error_message=_("A visit cannot end before it starts."),
            ),
            models.UniqueConstraint(
                fields=["officer", "client_key"],
                condition=Q(client_key__isnull=False),
                name="grid_visit_one_per_client_key",
                violation_error_message=_("This visit has already been recorded."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_visit_type_display()} · {self.grid_cell.code} · {self.visit_date}"

    def save(self, *args, **kwargs):
        # The local date the visit started: coverage is counted per date in Asia/Shanghai.
        if self.started_at is not None:
            self.visit_date = timezone.localdate(self.started_at)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("visit_detail", args=[self.pk])

    @property
    def duration_minutes(self) -> int:
        return int((self.ended_at - self.started_at).total_seconds() // 60)


class VisitPhotoQuerySet(ScopedQuerySet):
    grid_cell_path = "visit__grid_cell"
    grid_worker_may_act = True


def _visit_photo_path(instance, filename: str) -> str:
    import uuid
    from pathlib import PurePath

    suffix = PurePath(filename).suffix.lower()[:8]
    return f"visits/{instance.visit.visit_date:%Y/%m}/{uuid.uuid4().hex}{suffix}"


class VisitPhoto(models.Model):
    visit = models.ForeignKey(
        GridVisit, on_delete=models.CASCADE, related_name="photos", verbose_name=_("visit")
    )
    image = models.FileField(_("photo"), upload_to=_visit_photo_path)
    content_type = models.CharField(_("content type"), max_length=40)
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    objects = VisitPhotoQuerySet.as_manager()

    class Meta:
        ordering = ["pk"]
        verbose_name = _("visit photo")
        verbose_name_plural = _("visit photos")

    def __str__(self) -> str:
        return self.image.name
