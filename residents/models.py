"""Residents, households, tags, public concerns and the record of personal-data access.

Every scoped model here uses the one mechanism of ``grid.scoping``: its queryset derives from
``ScopedQuerySet`` and names the path to its grid cell. Concerns may not have a grid cell yet
(filed without a pin); their queryset adds the station's tiers through the community.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from grid.scoping import Access, ScopedQuerySet, Tier, UserScope
from residents.masking import mask_id_number, mask_phone

ACKNOWLEDGE_WITHIN = timedelta(hours=24)


# --- Tags -----------------------------------------------------------------------------------
class TagKind(models.TextChoices):
    CARE = "care", _("Care category")
    KEY_POPULATION = "key_population", _("Key population")


class TagQuerySet(models.QuerySet):
    """Tags are reference data (not scoped); who may *see* which kind is decided here."""

    def care(self) -> TagQuerySet:
        return self.filter(kind=TagKind.CARE)

    def with_visit_cadence(self) -> TagQuerySet:
        return self.filter(kind=TagKind.CARE, visit_every_days__isnull=False)

    def visible_kinds_for(self, user) -> TagQuerySet:
        """Grid workers never see key-population tags."""
        return self.filter(kind__in=visible_tag_kinds(user))


def visible_tag_kinds(user) -> list[str]:
    from grid.scoping import scope_for

    scope = scope_for(user)
    if scope.tier == Tier.GRID_WORKER:
        return [TagKind.CARE]
    return [TagKind.CARE, TagKind.KEY_POPULATION]


# The names of the standard tags (migration 0002), so that makemessages keeps them in the
# catalogue: ``Tag.__str__`` translates a tag's stored English name at display time.
STANDARD_TAG_NAMES = (
    gettext_noop("Elderly living alone"),
    gettext_noop("Minor left behind"),
    gettext_noop("Targeted by telecom fraud"),
    gettext_noop("Person with a disability"),
    gettext_noop("Severe mental disorder under care"),
    gettext_noop("Under community correction"),
    gettext_noop("Released from prison"),
    gettext_noop("Registered drug user"),
    gettext_noop("Frequent petitioner"),
)


class Tag(models.Model):
    """A care category (visited on a cadence) or a key-population category."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=80)
    kind = models.CharField(_("kind"), max_length=20, choices=TagKind.choices)
    visit_every_days = models.PositiveSmallIntegerField(
        _("periodic visit every (days)"),
        null=True,
        blank=True,
        help_text=_("Care categories: officers visit these residents at least this often."),
    )
    description = models.CharField(_("description"), max_length=200, blank=True)

    objects = TagQuerySet.as_manager()

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        constraints = [
            models.CheckConstraint(
                name="tag_cadence_only_for_care",
                condition=Q(kind="care") | Q(visit_every_days__isnull=True),
                violation_error_message=_("Only care categories have a visit cadence."),
            )
        ]

    def __str__(self) -> str:
        return gettext(self.name)  # the standard tags' names are in the catalogue

    def clean(self) -> None:
        if self.kind != TagKind.CARE and self.visit_every_days is not None:
            raise ValidationError(
                {"visit_every_days": _("Only care categories have a visit cadence.")}
            )


# --- Households and residents ---------------------------------------------------------------
class HouseholdQuerySet(ScopedQuerySet):
    grid_cell_path = "grid_cell"


class Household(models.Model):
    grid_cell = models.ForeignKey(
        "grid.GridCell",
        on_delete=models.PROTECT,
        related_name="households",
        verbose_name=_("grid cell"),
    )
    number = models.CharField(_("household number"), max_length=40, unique=True)
    address = models.CharField(_("address"), max_length=200)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = HouseholdQuerySet.as_manager()

    class Meta:
        ordering = ["number"]
        verbose_name = _("household")
        verbose_name_plural = _("households")

    def __str__(self) -> str:
        return f"{self.number} {self.address}"


class Sex(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class ResidentQuerySet(ScopedQuerySet):
    grid_cell_path = "grid_cell"
    grid_worker_may_act = False

    def in_care(self) -> ResidentQuerySet:
        """Residents with at least one care tag that carries a visit cadence."""
        return self.filter(
            pk__in=Resident.tags.through.objects.filter(
                tag__kind=TagKind.CARE, tag__visit_every_days__isnull=False
            ).values("resident_id")
        )

    def with_tag(self, tag_code: str) -> ResidentQuerySet:
        return self.filter(
            pk__in=Resident.tags.through.objects.filter(tag__code=tag_code).values("resident_id")
        )


class Resident(models.Model):
    name = models.CharField(_("name"), max_length=60)
    id_number = models.CharField(_("resident ID number"), max_length=18, unique=True)
    birth_date = models.DateField(_("birth date"))
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    grid_cell = models.ForeignKey(
        "grid.GridCell",
        on_delete=models.PROTECT,
        related_name="residents",
        verbose_name=_("grid cell"),
    )
    household = models.ForeignKey(
        Household,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="members",
        verbose_name=_("household"),
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="residents", verbose_name=_("tags"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ResidentQuerySet.as_manager()

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("resident")
        verbose_name_plural = _("residents")
        indexes = [
            models.Index(fields=["grid_cell", "name"], name="resident_cell_name_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.masked_id_number})"

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    def clean_fields(self, exclude=None) -> None:
        """Birth date and sex are derived from the ID number before the fields are checked."""
        from residents.validation import id_number_facts

        try:
            facts = id_number_facts(self.id_number)
        except ValidationError:
            facts = None
        if facts is not None:
            self.id_number, self.birth_date, self.sex = facts.number, facts.birth_date, facts.sex
            super().clean_fields(exclude=exclude)
        else:
            super().clean_fields(exclude={*(exclude or ()), "birth_date", "sex"})

    def clean(self) -> None:
        from residents.validation import id_number_facts

        if self.id_number:
            try:
                facts = id_number_facts(self.id_number)
            except ValidationError as error:
                raise ValidationError({"id_number": error.messages}) from error
            self.id_number = facts.number
            self.birth_date = facts.birth_date
            self.sex = facts.sex


# --- Personal-data access record -------------------------------------------------------------
class AccessAction(models.TextChoices):
    REVEAL = "reveal", _("Reveal of full values")
    EXPORT = "export", _("Export")


class PersonalDataAccessQuerySet(ScopedQuerySet):
    """Station chiefs see their station's records; sub-bureau staff their sub-bureau's."""

    def tier_filter(self, scope: UserScope, access: Access) -> Q:
        condition = Q()
        if scope.sub_bureau_ids:
            condition |= Q(sub_bureau_id__in=scope.sub_bureau_ids)
        if scope.station_ids:
            condition |= Q(station_id__in=scope.station_ids)
        return condition


class PersonalDataAccess(models.Model):
    """Who saw full ID numbers or phones, or exported residents: when, whose, and why."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="personal_data_accesses",
        verbose_name=_("officer"),
    )
    action = models.CharField(_("action"), max_length=10, choices=AccessAction.choices)
    reason = models.CharField(_("reason"), max_length=200)
    fields = models.CharField(_("fields"), max_length=60, blank=True)
    query = models.CharField(_("filter used"), max_length=300, blank=True)
    residents = models.ManyToManyField(
        Resident, related_name="access_records", verbose_name=_("residents")
    )
    resident_count = models.PositiveIntegerField(_("residents"), default=0)
    station = models.ForeignKey(
        "grid.Station",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("police station"),
    )
    sub_bureau = models.ForeignKey(
        "grid.SubBureau",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("sub-bureau"),
    )
    created_at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)

    objects = PersonalDataAccessQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("personal-data access record")
        verbose_name_plural = _("personal-data access records")

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.actor} {self.created_at:%Y-%m-%d %H:%M}"


# --- Bulk import ----------------------------------------------------------------------------
class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", _("Uploaded")
    CHECKING = "checking", _("Checking")
    CHECKED = "checked", _("Checked, ready to import")
    REJECTED = "rejected", _("Rejected: fix the file")
    IMPORTING = "importing", _("Importing")
    DONE = "done", _("Imported")
    FAILED = "failed", _("Failed")


class ImportJobQuerySet(ScopedQuerySet):
    """A job is seen by its uploader and by the tiers of its station."""

    def object_grant_filter(self, user, access: Access) -> Q:
        return Q(uploaded_by_id=user.pk)

    def tier_filter(self, scope: UserScope, access: Access) -> Q:
        condition = Q()
        if scope.sub_bureau_ids:
            condition |= Q(station__sub_bureau_id__in=scope.sub_bureau_ids)
        if scope.station_ids:
            condition |= Q(station_id__in=scope.station_ids)
        if scope.home_station_id and not scope.reduced_rights:
            condition |= Q(station_id=scope.home_station_id)
        return condition


class ImportJob(models.Model):
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="resident_imports",
        verbose_name=_("uploaded by"),
    )
    station = models.ForeignKey(
        "grid.Station",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("police station"),
    )
    # The uploaded file is kept in the database, so any Celery worker on any machine reads it.
    content = models.BinaryField(_("file content"))
    original_name = models.CharField(_("file name"), max_length=200)
    status = models.CharField(
        _("status"), max_length=12, choices=ImportStatus.choices, default=ImportStatus.UPLOADED
    )
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    processed_rows = models.PositiveIntegerField(_("rows processed"), default=0)
    created_count = models.PositiveIntegerField(_("created"), default=0)
    updated_count = models.PositiveIntegerField(_("updated"), default=0)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    message = models.CharField(_("message"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("resident import")
        verbose_name_plural = _("resident imports")

    def __str__(self) -> str:
        return f"{self.original_name} ({self.get_status_display()})"

    @property
    def progress_percent(self) -> int:
        if not self.total_rows:
            return 100 if self.status in (ImportStatus.DONE, ImportStatus.CHECKED) else 0
        return min(100, round(100 * self.processed_rows / self.total_rows))

    @property
    def is_running(self) -> bool:
        return self.status in (ImportStatus.UPLOADED, ImportStatus.CHECKING, ImportStatus.IMPORTING)


# --- Public concerns ------------------------------------------------------------------------
class ConcernCategory(models.TextChoices):
    NOISE = "noise", _("Noise")
    NEIGHBOUR = "neighbour", _("Neighbour conflict")
    SUSPICIOUS = "suspicious", _("Suspicious activity")
    FRAUD = "fraud", _("Fraud")
    SAFETY = "safety", _("Safety hazard")
    OTHER = "other", _("Other")


class ConcernStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    IN_PROGRESS = "in_progress", _("In progress")
    CLOSED = "closed", _("Closed")


class ConcernQuerySet(ScopedQuerySet):
    """Concerns with a grid cell follow the cell; those without one (no pin, not yet routed)
    sit in the station's queue: the community's officers and the station's tiers see them."""

    grid_cell_path = "grid_cell"

    def tier_filter(self, scope: UserScope, access: Access) -> Q:
        from grid.models import GridCell

        cells = scope.cell_condition(access, grid_worker_may_act=self.grid_worker_may_act)
        condition = Q()
        if cells != Q():
            reached = GridCell.objects.filter(cells)
            condition |= Q(grid_cell__in=reached.values("pk"))
            condition |= Q(grid_cell__isnull=True, community__in=reached.values("community_id"))
        if scope.station_ids:
            condition |= Q(grid_cell__isnull=True, station_id__in=scope.station_ids)
        if scope.sub_bureau_ids:
            condition |= Q(grid_cell__isnull=True, station__sub_bureau_id__in=scope.sub_bureau_ids)
        return condition

    def open(self) -> ConcernQuerySet:
        return self.exclude(status=ConcernStatus.CLOSED)

    def assigned_to(self, user) -> ConcernQuerySet:
        return self.filter(assigned_to_id=user.pk)

    def overdue_acknowledgement(self, now=None) -> ConcernQuerySet:
        return self.filter(
            acknowledged_at__isnull=True, acknowledge_by__lt=now or timezone.now()
        ).exclude(status=ConcernStatus.CLOSED)


class Concern(models.Model):
    """What a resident raised through the public form (群众诉求).

    Other parts link to a concern with a foreign key on *their* model, e.g.
    ``RiskPoint.source_concern = ForeignKey("residents.Concern", related_name="risk_points")``,
    and register the link in ``residents.links`` so the concern page lists it.
    """

    tracking_code = models.CharField(_("tracking code"), max_length=32, unique=True)
    category = models.CharField(_("category"), max_length=20, choices=ConcernCategory.choices)
    description = models.TextField(_("description"), max_length=2000)
    station = models.ForeignKey(
        "grid.Station",
        on_delete=models.PROTECT,
        related_name="concerns",
        verbose_name=_("police station"),
    )
    community = models.ForeignKey(
        "grid.Community",
        on_delete=models.PROTECT,
        related_name="concerns",
        verbose_name=_("community"),
    )
    grid_cell = models.ForeignKey(
        "grid.GridCell",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="concerns",
        verbose_name=_("grid cell"),
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    photo = models.ImageField(_("photo"), upload_to="concerns/%Y/%m/", blank=True)
    contact_name = models.CharField(_("name"), max_length=60, blank=True)
    contact_phone = models.CharField(_("phone"), max_length=20, blank=True)
    contact_consent = models.BooleanField(_("consent to be contacted"), default=False)
    status = models.CharField(
        _("status"), max_length=12, choices=ConcernStatus.choices, default=ConcernStatus.RECEIVED
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_concerns",
        verbose_name=_("assigned to"),
    )
    created_at = models.DateTimeField(_("received at"), default=timezone.now, db_index=True)
    acknowledge_by = models.DateTimeField(_("acknowledge by"))
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ConcernQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("concern")
        verbose_name_plural = _("concerns")
        indexes = [
            models.Index(fields=["station", "status", "created_at"], name="concern_queue_idx"),
            models.Index(fields=["grid_cell", "status"], name="concern_cell_idx"),
            models.Index(fields=["assigned_to", "status"], name="concern_assignee_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()} {self.created_at:%Y-%m-%d} ({self.reference})"

    def save(self, *args, **kwargs):
        if self.acknowledge_by is None:
            self.acknowledge_by = (self.created_at or timezone.now()) + ACKNOWLEDGE_WITHIN
        super().save(*args, **kwargs)

    @property
    def reference(self) -> str:
        """A short internal reference (never the tracking code: that belongs to the resident)."""
        return f"C{self.pk:06d}" if self.pk else ""

    @property
    def is_overdue(self) -> bool:
        return (
            self.acknowledged_at is None
            and self.status != ConcernStatus.CLOSED
            and self.acknowledge_by < timezone.now()
        )

    @property
    def masked_contact_phone(self) -> str:
        return mask_phone(self.contact_phone)


class ConcernNote(models.Model):
    """A public reply (shown on the status page) or an internal note (never shown publicly)."""

    concern = models.ForeignKey(
        Concern, on_delete=models.CASCADE, related_name="notes", verbose_name=_("concern")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("author"),
    )
    is_public = models.BooleanField(_("public reply"), default=False)
    body = models.TextField(_("text"), max_length=2000)
    created_at = models.DateTimeField(_("written at"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("concern note")
        verbose_name_plural = _("concern notes")

    def __str__(self) -> str:
        return f"{self.concern.reference} {self.created_at:%Y-%m-%d %H:%M}"
