"""The risk-point inventory (风险点清单): risk points, their measures, reviews, links and the
proposals of data pre-identification. Workflows live in ``risks.services``; scoring in
``risks.scoring``; access through ``grid.scoping`` (every queryset here is scoped).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase
from simple_history.models import HistoricalRecords

from grid.models import GridCell
from grid.scoping import Access, ScopedQuerySet, scope_for
from risks.scoring import Level, level_for

__all__ = [
    "Channel",
    "Level",
    "LinkKind",
    "Measure",
    "MeasureStatus",
    "ProposalRule",
    "ProposalStatus",
    "RiskCategory",
    "RiskLink",
    "RiskPoint",
    "RiskPointGroupObjectPermission",
    "RiskPointUserObjectPermission",
    "RiskProposal",
    "RiskReview",
    "RiskStatus",
    "RiskStatusChange",
]

FACTOR_VALIDATORS = [MinValueValidator(1), MaxValueValidator(5)]


class RiskCategory(models.TextChoices):
    DISPUTE_ESCALATION = "dispute_escalation", _("Dispute escalation")
    PUBLIC_ORDER = "public_order", _("Public order")
    FIRE_BUILDING = "fire_building", _("Fire and building safety")
    TELECOM_FRAUD = "telecom_fraud", _("Telecom fraud")
    KEY_PLACE = "key_place", _("Key place or unit")
    KEY_PERSON = "key_person", _("Key person")
    ONLINE_OPINION = "online_opinion", _("Online public opinion")
    DATA_SECURITY = "data_security", _("Information security and data leaks")
    OTHER = "other", _("Other")


class Channel(models.TextChoices):
    """Where a risk point was identified (the three channels)."""

    DATA = "data", _("Data pre-identification")
    ONLINE = "online", _("Online / virtual space")
    ON_SITE = "on_site", _("On site")


class RiskStatus(models.TextChoices):
    IDENTIFIED = "identified", _("Identified")
    CONTROLLING = "controlling", _("Under control measures")
    CONTROLLED = "controlled", _("Controlled")
    CLOSED = "closed", _("Closed")


OPEN_STATUSES = (RiskStatus.IDENTIFIED, RiskStatus.CONTROLLING, RiskStatus.CONTROLLED)


# --- Querysets ------------------------------------------------------------------------------
class RiskPointQuerySet(ScopedQuerySet):
    grid_cell_path = "grid_cell"
    grid_worker_may_act = False

    # grant_models is filled in below, once the permission models exist.

    def open(self) -> RiskPointQuerySet:
        return self.exclude(status=RiskStatus.CLOSED)

    def overdue(self, on_date) -> RiskPointQuerySet:
        return self.open().filter(next_review_on__lt=on_date)


class RiskChildQuerySet(ScopedQuerySet):
    """Rows that belong to one risk point: scoped exactly like their risk point (tier rules
    and object grants on the risk point)."""

    risk_point_path = "risk_point"

    def _restrict(self, user, access: Access) -> ScopedQuerySet:
        if scope_for(user).everything:
            return self.all()
        points = RiskPoint.objects.all()._restrict(user, access)
        return self.filter(**{f"{self.risk_point_path}__in": points.values("pk")})


class MeasureQuerySet(RiskChildQuerySet):
    pass


class RiskReviewQuerySet(RiskChildQuerySet):
    pass


class RiskStatusChangeQuerySet(RiskChildQuerySet):
    pass


class RiskLinkQuerySet(ScopedQuerySet):
    """A link is reached when BOTH of its risk points are reached (for view or act)."""

    def _restrict(self, user, access: Access) -> ScopedQuerySet:
        if scope_for(user).everything:
            return self.all()
        points = RiskPoint.objects.all()._restrict(user, access).values("pk")
        return self.filter(source__in=points, target__in=points)


class RiskProposalQuerySet(ScopedQuerySet):
    grid_cell_path = "grid_cell"


# --- Risk points ----------------------------------------------------------------------------
class RiskPoint(models.Model):
    """A concrete source of risk in a grid cell.

    The governing level (control tier, review cadence, measure deadlines) is the inherent
    level; the residual level is the assessment after the measures.
    """

    grid_cell = models.ForeignKey(
        GridCell, on_delete=models.PROTECT, related_name="risk_points", verbose_name=_("grid cell")
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    category = models.CharField(_("category"), max_length=32, choices=RiskCategory.choices)
    channel = models.CharField(_("identification channel"), max_length=16, choices=Channel.choices)

    inherent_likelihood = models.PositiveSmallIntegerField(
        _("inherent likelihood"), validators=FACTOR_VALIDATORS
    )
    inherent_severity = models.PositiveSmallIntegerField(
        _("inherent severity"), validators=FACTOR_VALIDATORS
    )
    inherent_score = models.PositiveSmallIntegerField(_("inherent score"), editable=False)
    inherent_level = models.CharField(
        _("inherent level"), max_length=8, choices=Level.choices, editable=False
    )
    residual_likelihood = models.PositiveSmallIntegerField(
        _("residual likelihood"), validators=FACTOR_VALIDATORS
    )
    residual_severity = models.PositiveSmallIntegerField(
        _("residual severity"), validators=FACTOR_VALIDATORS
    )
    residual_score = models.PositiveSmallIntegerField(_("residual score"), editable=False)
    residual_level = models.CharField(
        _("residual level"), max_length=8, choices=Level.choices, editable=False
    )

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="risk_points_owned",
        verbose_name=_("responsible officer"),
    )
    review_cadence_days = models.PositiveSmallIntegerField(_("review every (days)"))
    next_review_on = models.DateField(_("next review"))
    last_reviewed_on = models.DateField(_("last reviewed"), null=True, blank=True)

    status = models.CharField(
        _("status"), max_length=16, choices=RiskStatus.choices, default=RiskStatus.IDENTIFIED
    )
    status_changed_at = models.DateTimeField(_("status changed at"), null=True, blank=True)

    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )

    # Where it came from (optional) and who is involved (for "shared party" links).
    source_concern = models.ForeignKey(
        "residents.Concern",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="risk_points",
        verbose_name=_("source concern"),
    )
    source_visit = models.ForeignKey(
        "grid.GridVisit",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="risk_points",
        verbose_name=_("source visit"),
    )
    involved_residents = models.ManyToManyField(
        "residents.Resident",
        blank=True,
        related_name="risk_points",
        verbose_name=_("residents involved"),
    )
    involved_households = models.ManyToManyField(
        "residents.Household",
        blank=True,
        related_name="risk_points",
        verbose_name=_("households involved"),
    )

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    objects = RiskPointQuerySet.as_manager()

    class Meta:
        ordering = ["-inherent_score", "next_review_on", "pk"]
        verbose_name = _("risk point")
        verbose_name_plural = _("risk points")
        indexes = [
            models.Index(fields=["grid_cell", "status"], name="risk_point_cell_status_idx"),
            models.Index(fields=["status", "next_review_on"], name="risk_point_review_idx"),
            models.Index(fields=["owner", "status"], name="risk_point_owner_idx"),
            models.Index(fields=["inherent_level", "status"], name="risk_point_level_idx"),
            # The list orderings (level first, review first): a whole-city list walks the
            # index and stops at the page instead of sorting every row.
            models.Index(
                fields=["-inherent_score", "next_review_on", "id"], name="risk_point_order_idx"
            ),
            models.Index(
                fields=["next_review_on", "-inherent_score", "id"], name="risk_point_due_idx"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                name="risk_point_factors_in_scale",
                condition=Q(inherent_likelihood__gte=1, inherent_likelihood__lte=5)
                & Q(inherent_severity__gte=1, inherent_severity__lte=5)
                & Q(residual_likelihood__gte=1, residual_likelihood__lte=5)
                & Q(residual_severity__gte=1, residual_severity__lte=5),
                violation_error_message=_("Likelihood and severity run from 1 to 5."),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("risk_point_detail", args=[self.pk])

    @property
    def level(self) -> str:
        """The governing level: the inherent one."""
        return self.inherent_level

    @property
    def is_open(self) -> bool:
        return self.status != RiskStatus.CLOSED

    def apply_scores(self) -> None:
        """Store the scores and levels of the four factors (the one LS matrix)."""
        self.inherent_score = self.inherent_likelihood * self.inherent_severity
        self.inherent_level = level_for(self.inherent_likelihood, self.inherent_severity).value
        self.residual_score = self.residual_likelihood * self.residual_severity
        self.residual_level = level_for(self.residual_likelihood, self.residual_severity).value

    def factor_errors(self) -> dict:
        errors = {}
        for name in (
            "inherent_likelihood",
            "inherent_severity",
            "residual_likelihood",
            "residual_severity",
        ):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 5:
                errors[name] = _("Enter a whole number from 1 to 5.")
        if not errors and (
            self.residual_likelihood * self.residual_severity
            > self.inherent_likelihood * self.inherent_severity
        ):
            errors["residual_severity"] = _(
                "The residual risk (after measures) cannot score higher than the inherent risk."
            )
        return errors

    def apply_scores_or_errors(self) -> None:
        """Validate the four factors (errors name the field), then store scores and levels."""
        errors = self.factor_errors()
        if errors:
            raise ValidationError(errors)
        self.apply_scores()

    def clean(self) -> None:
        errors = self.factor_errors()
        if (self.latitude is None) != (self.longitude is None):
            errors["longitude"] = _("Give both latitude and longitude, or neither.")
        if errors:
            raise ValidationError(errors)
        self.apply_scores()


class RiskPointUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(RiskPoint, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        pass


class RiskPointGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(RiskPoint, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        pass


RiskPointQuerySet.grant_models = (RiskPointUserObjectPermission, RiskPointGroupObjectPermission)


class RiskStatusChange(models.Model):
    """One transition of a risk point's status: who, when, why."""

    risk_point = models.ForeignKey(
        RiskPoint,
        on_delete=models.CASCADE,
        related_name="status_changes",
        verbose_name=_("risk point"),
    )
    from_status = models.CharField(_("from"), max_length=16, choices=RiskStatus.choices)
    to_status = models.CharField(_("to"), max_length=16, choices=RiskStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("by"),
    )
    reason = models.TextField(_("reason"), blank=True)
    changed_at = models.DateTimeField(_("at"), auto_now_add=True)

    objects = RiskStatusChangeQuerySet.as_manager()

    class Meta:
        ordering = ["-changed_at", "-pk"]
        verbose_name = _("risk status change")
        verbose_name_plural = _("risk status changes")

    def __str__(self) -> str:
        return f"{self.risk_point_id}: {self.from_status} -> {self.to_status}"


class RiskReview(models.Model):
    """One review of a risk point (re-monitor, re-assess): the factors before and after."""

    risk_point = models.ForeignKey(
        RiskPoint, on_delete=models.CASCADE, related_name="reviews", verbose_name=_("risk point")
    )
    reviewed_on = models.DateField(_("reviewed on"))
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("reviewer"),
    )
    note = models.TextField(_("note"), blank=True)
    inherent_likelihood = models.PositiveSmallIntegerField(
        _("inherent likelihood"), validators=FACTOR_VALIDATORS
    )
    inherent_severity = models.PositiveSmallIntegerField(
        _("inherent severity"), validators=FACTOR_VALIDATORS
    )
    residual_likelihood = models.PositiveSmallIntegerField(
        _("residual likelihood"), validators=FACTOR_VALIDATORS
    )
    residual_severity = models.PositiveSmallIntegerField(
        _("residual severity"), validators=FACTOR_VALIDATORS
    )
    level_before = models.CharField(_("level before"), max_length=8, choices=Level.choices)
    level_after = models.CharField(_("level after"), max_length=8, choices=Level.choices)
    residual_level_before = models.CharField(
        _("residual level before"), max_length=8, choices=Level.choices
    )
    residual_level_after = models.CharField(
        _("residual level after"), max_length=8, choices=Level.choices
    )
    was_overdue = models.BooleanField(_("was overdue"), default=False)
    next_review_on = models.DateField(_("next review"))
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    objects = RiskReviewQuerySet.as_manager()

    class Meta:
        ordering = ["-reviewed_on", "-pk"]
        verbose_name = _("risk review")
        verbose_name_plural = _("risk reviews")
        indexes = [models.Index(fields=["risk_point", "-reviewed_on"], name="risk_review_idx")]

    def __str__(self) -> str:
        return f"{self.risk_point_id} @ {self.reviewed_on}"


class MeasureStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_MEASURE_STATUSES = (MeasureStatus.PLANNED, MeasureStatus.IN_PROGRESS)


class Measure(models.Model):
    """A mitigation measure of a risk point, with its owner, due date and status."""

    risk_point = models.ForeignKey(
        RiskPoint, on_delete=models.CASCADE, related_name="measures", verbose_name=_("risk point")
    )
    description = models.CharField(_("measure"), max_length=300)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="risk_measures_owned",
        verbose_name=_("owner"),
    )
    due_on = models.DateField(_("due on"))
    status = models.CharField(
        _("status"), max_length=16, choices=MeasureStatus.choices, default=MeasureStatus.PLANNED
    )
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    history = HistoricalRecords()

    objects = MeasureQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "pk"]
        verbose_name = _("measure")
        verbose_name_plural = _("measures")
        indexes = [
            models.Index(fields=["risk_point", "status"], name="risk_measure_point_idx"),
            models.Index(fields=["status", "due_on"], name="risk_measure_due_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                name="risk_measure_done_has_date",
                condition=~Q(status="done") | Q(completed_on__isnull=False),
                violation_error_message=_("A finished measure needs its completion date."),
            )
        ]

    def __str__(self) -> str:
        return self.description


class LinkKind(models.TextChoices):
    MAY_TRIGGER = "may_trigger", _("May trigger")
    AGGRAVATES = "aggravates", _("Aggravates")
    SHARED_PARTY = "shared_party", _("Shared party")


class RiskLink(models.Model):
    """A directed relation in the risk map: ``source`` may trigger / aggravate ``target``, or
    both involve the same resident or household (shared party; stored once, either way)."""

    source = models.ForeignKey(
        RiskPoint, on_delete=models.CASCADE, related_name="links_out", verbose_name=_("from")
    )
    target = models.ForeignKey(
        RiskPoint, on_delete=models.CASCADE, related_name="links_in", verbose_name=_("to")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=LinkKind.choices)
    strength = models.DecimalField(
        _("strength"),
        max_digits=3,
        decimal_places=2,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text=_("0 to 1: how strongly the first risk breaking out raises the second."),
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    history = HistoricalRecords()

    objects = RiskLinkQuerySet.as_manager()

    class Meta:
        ordering = ["source_id", "target_id"]
        verbose_name = _("risk link")
        verbose_name_plural = _("risk links")
        indexes = [models.Index(fields=["target", "kind"], name="risk_link_target_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "target", "kind"],
                name="risk_link_unique",
                violation_error_message=_("These two risk points are already linked this way."),
            ),
            models.CheckConstraint(
                name="risk_link_not_self",
                condition=~Q(source=models.F("target")),
                violation_error_message=_("A risk point cannot be linked to itself."),
            ),
            models.CheckConstraint(
                name="risk_link_strength_range",
                condition=Q(strength__gte=0, strength__lte=1),
                violation_error_message=_("The strength runs from 0 to 1."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source_id} -[{self.kind}]-> {self.target_id}"


# --- Data pre-identification ----------------------------------------------------------------
class ProposalRule(models.TextChoices):
    REPEATED_DISPUTES_PARTIES = "repeated_disputes_parties", _("Repeated disputes, same parties")
    REPEATED_DISPUTES_ADDRESS = "repeated_disputes_address", _("Repeated disputes, same address")
    UNVISITED_CELL = "unvisited_cell", _("Grid cell not visited")
    CONCERN_SURGE = "concern_surge", _("Surge of concerns")


class ProposalStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACCEPTED = "accepted", _("Accepted")
    DISMISSED = "dismissed", _("Dismissed")


class RiskProposal(models.Model):
    """A candidate risk point found in the platform's own data; an officer accepts (creating a
    risk point, channel "data pre-identification") or dismisses it with a reason."""

    grid_cell = models.ForeignKey(
        GridCell,
        on_delete=models.CASCADE,
        related_name="risk_proposals",
        verbose_name=_("grid cell"),
    )
    rule = models.CharField(_("rule"), max_length=32, choices=ProposalRule.choices)
    subject_key = models.CharField(
        _("subject"),
        max_length=120,
        help_text=_("What the rule found, e.g. the grid cell or the pair of parties."),
    )
    title = models.CharField(_("title"), max_length=200)
    detail = models.TextField(_("detail"), blank=True)
    evidence = models.JSONField(_("evidence"), default=dict, blank=True)
    category = models.CharField(_("category"), max_length=32, choices=RiskCategory.choices)
    likelihood = models.PositiveSmallIntegerField(_("likelihood"), validators=FACTOR_VALIDATORS)
    severity = models.PositiveSmallIntegerField(_("severity"), validators=FACTOR_VALIDATORS)
    as_of = models.DateField(_("found on"))
    status = models.CharField(
        _("status"), max_length=16, choices=ProposalStatus.choices, default=ProposalStatus.OPEN
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    dismiss_reason = models.TextField(_("reason for dismissal"), blank=True)
    risk_point = models.ForeignKey(
        RiskPoint,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="proposals",
        verbose_name=_("risk point"),
    )
    created_at = models.DateTimeField(_("proposed at"), auto_now_add=True)

    objects = RiskProposalQuerySet.as_manager()

    class Meta:
        ordering = ["-as_of", "-pk"]
        verbose_name = _("risk proposal")
        verbose_name_plural = _("risk proposals")
        indexes = [
            models.Index(fields=["grid_cell", "status"], name="risk_proposal_cell_idx"),
            models.Index(fields=["rule", "subject_key"], name="risk_proposal_subject_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "subject_key"],
                condition=Q(status="open"),
                name="risk_proposal_one_open_per_subject",
                violation_error_message=_("This subject already has an open proposal."),
            ),
            models.CheckConstraint(
                name="risk_proposal_dismissal_has_reason",
                condition=~Q(status="dismissed") | ~Q(dismiss_reason=""),
                violation_error_message=_("A dismissal needs a reason."),
            ),
        ]

    def __str__(self) -> str:
        return self.title
