"""Dispute cases (矛盾纠纷) and their standard procedure.

A ``DisputeCase`` lives in a grid cell and is scoped like everything else there
(``grid.scoping``); a case referred to another station additionally takes a django-guardian
grant on that one case (``DisputeCaseUserObjectPermission``). The procedure's transitions,
deadlines and repeat detection live in ``disputes.workflow`` and ``disputes.services``;
every change of stage is one ``DisputeEvent`` on the case's timeline.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase
from simple_history.models import HistoricalRecords

from grid.models import GridCell
from grid.scoping import Access, ScopedQuerySet, scope_for
from residents.masking import mask_phone

__all__ = [
    "DisputeCase",
    "DisputeCaseGroupObjectPermission",
    "DisputeCaseUserObjectPermission",
    "DisputeCategory",
    "DisputeEvent",
    "DisputeParty",
    "DisputeRepeat",
    "DisputeSource",
    "EscalationLevel",
    "EscalationRisk",
    "EventKind",
    "MediationSession",
    "PartyRole",
    "ReferralKind",
    "Severity",
    "Stage",
]


class DisputeCategory(models.TextChoices):
    NEIGHBOUR = "neighbour", _("Neighbour")
    FAMILY = "family", _("Family and marriage")
    LANDLORD_TENANT = "landlord_tenant", _("Landlord and tenant")
    WAGES = "wages", _("Wages and labour")
    PROPERTY_MANAGEMENT = "property_management", _("Property management")
    CONSUMER = "consumer", _("Consumer")
    LAND = "land", _("Land and demolition")
    OTHER = "other", _("Other")


class DisputeSource(models.TextChoices):
    CONCERN = "concern", _("A resident's concern")
    VISIT = "visit", _("A grid visit")
    CALL_110 = "call_110", _("A 110 call")
    REFERRAL = "referral", _("A referral")
    OFFICER = "officer", _("Found by the officer")


class Severity(models.TextChoices):
    MINOR = "minor", _("Minor")
    GENERAL = "general", _("General")
    SERIOUS = "serious", _("Serious")
    MAJOR = "major", _("Major")


class EscalationRisk(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class Stage(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    SCREENING = "screening", _("Screening")
    MEDIATING = "mediating", _("Mediating")
    RESOLVED = "resolved", _("Resolved")
    FOLLOW_UP = "follow_up", _("Follow-up")
    CLOSED = "closed", _("Closed")
    ESCALATED = "escalated", _("Escalated")
    REFERRED = "referred", _("Referred")
    REOPENED = "reopened", _("Reopened")


OPEN_STAGES = tuple(stage for stage in Stage if stage != Stage.CLOSED)


class EscalationLevel(models.TextChoices):
    STATION = "station", _("Station chief")
    SUB_BUREAU = "sub_bureau", _("Sub-bureau")


class ReferralKind(models.TextChoices):
    MEDIATION_COMMITTEE = "mediation_committee", _("People's mediation committee")
    COURT = "court", _("Court")
    DEPARTMENT = "department", _("Another department")
    STATION = "station", _("Another police station")


class PartyRole(models.TextChoices):
    APPLICANT = "applicant", _("Applicant")
    RESPONDENT = "respondent", _("Respondent")
    OTHER = "other", _("Other party")


class EventKind(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    TRANSITION = "transition", _("Stage changed")
    EDITED = "edited", _("Details changed")
    SESSION = "session", _("Mediation session")
    OVERDUE = "overdue", _("Overdue, escalated to the station chief")
    REPEAT = "repeat", _("Linked to an earlier case")
    ACCESS_GRANTED = "access_granted", _("Access granted to the receiving station")
    ACCESS_REVOKED = "access_revoked", _("Access of the receiving station ended")


# --- Querysets ------------------------------------------------------------------------------
class DisputeCaseQuerySet(ScopedQuerySet):
    grid_cell_path = "grid_cell"
    grid_worker_may_act = False

    # grant_models is filled in below, once the permission models exist.

    def open(self) -> DisputeCaseQuerySet:
        return self.exclude(stage=Stage.CLOSED)

    def overdue(self, on_date=None) -> DisputeCaseQuerySet:
        return self.open().filter(stage_due_on__lt=on_date or timezone.localdate())


class DisputeChildQuerySet(ScopedQuerySet):
    """Rows of one case (parties, sessions, events, repeats): scoped exactly like the case,
    tier rules and referral grants included."""

    case_path = "case"

    def _restrict(self, user, access: Access) -> ScopedQuerySet:
        if scope_for(user).everything:
            return self.all()
        cases = DisputeCase.objects.all()._restrict(user, access)
        return self.filter(**{f"{self.case_path}__in": cases.values("pk")})


# --- Cases ----------------------------------------------------------------------------------
class DisputeCase(models.Model):
    """One civil dispute, worked through the standard procedure by its responsible officer."""

    grid_cell = models.ForeignKey(
        GridCell, on_delete=models.PROTECT, related_name="disputes", verbose_name=_("grid cell")
    )
    category = models.CharField(_("category"), max_length=24, choices=DisputeCategory.choices)
    summary = models.TextField(_("summary"), max_length=4000)
    address = models.CharField(_("address"), max_length=200, blank=True)
    # The address normalised for repeat detection (no spaces or punctuation, lower case).
    address_key = models.CharField(max_length=200, blank=True, editable=False, db_index=True)
    severity = models.CharField(
        _("severity"), max_length=12, choices=Severity.choices, default=Severity.GENERAL
    )
    source = models.CharField(_("source"), max_length=12, choices=DisputeSource.choices)
    source_concern = models.ForeignKey(
        "residents.Concern",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="disputes",
        verbose_name=_("source concern"),
    )
    source_visit = models.ForeignKey(
        "grid.GridVisit",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="disputes",
        verbose_name=_("source visit"),
    )
    source_detail = models.CharField(
        _("source details"),
        max_length=200,
        blank=True,
        help_text=_("E.g. the 110 call's number or the referring body."),
    )

    # Escalation-risk flags (民转刑 early warning); ``repeated_conflict`` is also set by
    # repeat detection. ``escalation_risk`` is derived from them and the severity.
    threats = models.BooleanField(_("threats made"), default=False)
    weapons = models.BooleanField(_("weapons mentioned"), default=False)
    repeated_conflict = models.BooleanField(_("repeated conflict"), default=False)
    vulnerable_party = models.BooleanField(_("a vulnerable party"), default=False)
    escalation_risk = models.CharField(
        _("escalation risk"),
        max_length=8,
        choices=EscalationRisk.choices,
        default=EscalationRisk.LOW,
        editable=False,
    )

    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="disputes_responsible",
        verbose_name=_("responsible officer"),
    )

    # The procedure: the current stage, since when, and its deadline.
    stage = models.CharField(
        _("stage"), max_length=12, choices=Stage.choices, default=Stage.REGISTERED
    )
    stage_entered_at = models.DateTimeField(_("stage entered at"), default=timezone.now)
    stage_due_on = models.DateField(_("stage due on"), null=True, blank=True)
    # Set when the daily job escalated this stage as overdue (one escalation per stage entry).
    overdue_escalated_at = models.DateTimeField(_("overdue escalated at"), null=True, blank=True)
    escalation_level = models.CharField(
        _("escalated to"), max_length=12, choices=EscalationLevel.choices, blank=True
    )
    referral_kind = models.CharField(
        _("referred to"), max_length=24, choices=ReferralKind.choices, blank=True
    )
    referral_body = models.CharField(_("receiving body"), max_length=200, blank=True)
    referred_station = models.ForeignKey(
        "grid.Station",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="disputes_referred_in",
        verbose_name=_("receiving station"),
    )
    resolution = models.TextField(_("resolution"), blank=True)
    resolved_on = models.DateField(_("resolved on"), null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)

    # Optimistic concurrency: every write bumps it; a form or API call that read version N
    # and writes after someone else's change is refused instead of overwriting it.
    version = models.PositiveIntegerField(_("version"), default=1)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("registered by"),
    )
    created_at = models.DateTimeField(_("registered at"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("last changed by"),
    )

    history = HistoricalRecords(excluded_fields=["updated_at"])

    objects = DisputeCaseQuerySet.as_manager()

    class Meta:
        ordering = ["stage_due_on", "-created_at", "pk"]
        verbose_name = _("dispute case")
        verbose_name_plural = _("dispute cases")
        indexes = [
            models.Index(fields=["grid_cell", "stage"], name="dispute_cell_stage_idx"),
            models.Index(fields=["stage", "stage_due_on"], name="dispute_stage_due_idx"),
            models.Index(fields=["officer", "stage"], name="dispute_officer_idx"),
            models.Index(fields=["address_key", "created_at"], name="dispute_address_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                name="dispute_referred_station_only_for_station_referrals",
                condition=Q(referred_station__isnull=True) | Q(referral_kind="station"),
                violation_error_message=_("Only a referral to a station names a station."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.get_category_display()}"

    def get_absolute_url(self) -> str:
        return reverse("disputes:case_detail", args=[self.pk])

    @property
    def reference(self) -> str:
        return f"D{self.pk:06d}" if self.pk else "D—"

    @property
    def is_open(self) -> bool:
        return self.stage != Stage.CLOSED

    @property
    def is_overdue(self) -> bool:
        """Past its stage's deadline today (the same rule as ``DisputeCaseQuerySet.overdue``)."""
        return (
            self.is_open
            and self.stage_due_on is not None
            and self.stage_due_on < timezone.localdate()
        )


class DisputeCaseUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(DisputeCase, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        pass


class DisputeCaseGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(DisputeCase, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        pass


DisputeCaseQuerySet.grant_models = (
    DisputeCaseUserObjectPermission,
    DisputeCaseGroupObjectPermission,
)


# --- Parties --------------------------------------------------------------------------------
class DisputePartyQuerySet(DisputeChildQuerySet):
    pass


class DisputeParty(models.Model):
    """A party to a case: a resident of the registry, or a named outside party."""

    case = models.ForeignKey(
        DisputeCase, on_delete=models.CASCADE, related_name="parties", verbose_name=_("case")
    )
    resident = models.ForeignKey(
        "residents.Resident",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="dispute_parties",
        verbose_name=_("resident"),
    )
    # An outside party's name; for a resident, their name as at registration (what the case
    # search reads). Pages show the registry's current name for residents.
    name = models.CharField(_("name"), max_length=60, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    role = models.CharField(_("role"), max_length=12, choices=PartyRole.choices)
    # Who the party is for repeat detection: "r<resident id>" or the normalised outside name
    # and phone ("n<name>|<phone digits>").
    party_key = models.CharField(max_length=100, editable=False, db_index=True)

    objects = DisputePartyQuerySet.as_manager()

    class Meta:
        ordering = ["role", "pk"]
        verbose_name = _("party")
        verbose_name_plural = _("parties")
        constraints = [
            models.CheckConstraint(
                name="dispute_party_resident_or_name",
                condition=Q(resident__isnull=False) | ~Q(name=""),
                violation_error_message=_("A party is a resident or has a name."),
            ),
            models.UniqueConstraint(
                fields=["case", "party_key"], name="dispute_party_once_per_case"
            ),
        ]

    def __str__(self) -> str:
        # Shown on the resident page as a link to the case.
        return f"{self.case.reference} · {self.get_role_display()}"

    def get_absolute_url(self) -> str:
        return self.case.get_absolute_url()

    @property
    def display_name(self) -> str:
        return self.resident.name if self.resident_id else self.name

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.resident.phone if self.resident_id else self.phone)


# --- Timeline -------------------------------------------------------------------------------
class DisputeEventQuerySet(DisputeChildQuerySet):
    pass


class DisputeEvent(models.Model):
    """One entry of a case's timeline: who, when, what and why.

    A stage change records ``from_stage`` / ``to_stage`` and its reason; a reopening also
    names the officer accountable for the handling and what was wrong (``details``)."""

    case = models.ForeignKey(
        DisputeCase, on_delete=models.CASCADE, related_name="events", verbose_name=_("case")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=EventKind.choices)
    from_stage = models.CharField(_("from"), max_length=12, choices=Stage.choices, blank=True)
    to_stage = models.CharField(_("to"), max_length=12, choices=Stage.choices, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    reason = models.TextField(_("reason"), blank=True)
    accountable_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("accountable officer"),
    )
    details = models.JSONField(_("details"), default=dict, blank=True)
    at = models.DateTimeField(_("at"), default=timezone.now)

    objects = DisputeEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        indexes = [models.Index(fields=["case", "-at"], name="dispute_event_case_idx")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} {self.from_stage}->{self.to_stage}"


# --- Mediation ------------------------------------------------------------------------------
def _agreement_path(instance, filename: str) -> str:
    stamp = timezone.localdate().strftime("%Y/%m")
    return f"disputes/agreements/{stamp}/{instance.case_id}-{filename}"


class MediationSessionQuerySet(DisputeChildQuerySet):
    pass


class MediationSession(models.Model):
    """One mediation meeting (调解): when, where, who, what was agreed, the written agreement."""

    case = models.ForeignKey(
        DisputeCase, on_delete=models.CASCADE, related_name="sessions", verbose_name=_("case")
    )
    held_on = models.DateField(_("held on"))
    place = models.CharField(_("place"), max_length=200)
    participants = models.TextField(_("participants"), max_length=1000)
    outcome = models.TextField(_("what was agreed"), max_length=4000, blank=True)
    agreement_reached = models.BooleanField(_("agreement reached"), default=False)
    agreement_text = models.TextField(_("written agreement"), max_length=20000, blank=True)
    agreement_file = models.FileField(
        _("signed agreement (file)"), upload_to=_agreement_path, blank=True
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    objects = MediationSessionQuerySet.as_manager()

    class Meta:
        ordering = ["-held_on", "-pk"]
        verbose_name = _("mediation session")
        verbose_name_plural = _("mediation sessions")

    def __str__(self) -> str:
        return f"{self.case_id} @ {self.held_on}"


# --- Repeats --------------------------------------------------------------------------------
class DisputeRepeatQuerySet(DisputeChildQuerySet):
    pass


class DisputeRepeat(models.Model):
    """A case that repeats an earlier one: same parties or same address within 90 days."""

    class Reason(models.TextChoices):
        PARTIES = "parties", _("Same parties")
        ADDRESS = "address", _("Same address")

    case = models.ForeignKey(
        DisputeCase, on_delete=models.CASCADE, related_name="repeats_of", verbose_name=_("case")
    )
    earlier = models.ForeignKey(
        DisputeCase,
        on_delete=models.CASCADE,
        related_name="repeated_by",
        verbose_name=_("earlier case"),
    )
    reason = models.CharField(_("reason"), max_length=8, choices=Reason.choices)
    created_at = models.DateTimeField(_("found at"), default=timezone.now)

    objects = DisputeRepeatQuerySet.as_manager()

    class Meta:
        ordering = ["-earlier__created_at", "pk"]
        verbose_name = _("repeated dispute")
        verbose_name_plural = _("repeated disputes")
        constraints = [
            models.UniqueConstraint(
                fields=["case", "earlier", "reason"], name="dispute_repeat_once"
            ),
            models.CheckConstraint(
                name="dispute_repeat_not_itself", condition=~Q(case=models.F("earlier"))
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} repeats {self.earlier_id} ({self.reason})"
