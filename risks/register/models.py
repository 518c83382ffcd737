"""The risk register's runs, snapshots and sign-offs.

A run (``RegisterRun``) is the one snapshot of a date. It is computed as a numbered *version*
(one per attempt); rows of the entries, point scores and rollups carry that version, and
readers only ever see rows whose version equals the run's ``published_version``. Publishing
switches ``published_version`` and the current pointer (``RegisterCurrent``) in one
transaction, so a half-computed attempt is never visible and a killed attempt leaves the
previous snapshot in place.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from grid.models import GridCell, Station, SubBureau
from grid.scoping import ScopedQuerySet
from risks.scoring import Level


class RunStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    PUBLISHED = "published", _("Published")
    FAILED = "failed", _("Failed")


class RunTrigger(models.TextChoices):
    BEAT = "beat", _("Nightly schedule")
    MANUAL = "manual", _("Manual")
    DEMO = "demo", _("Demo data")
    BENCHMARK = "benchmark", _("Benchmark")


class RegisterRun(models.Model):
    """The register of one date: the run record and the snapshot's identity."""

    for_date = models.DateField(_("register date"), unique=True)
    status = models.CharField(_("status"), max_length=16, choices=RunStatus.choices)
    trigger = models.CharField(_("trigger"), max_length=16, choices=RunTrigger.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    version = models.PositiveIntegerField(_("version being computed"), default=0)
    published_version = models.PositiveIntegerField(_("published version"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    parts_total = models.PositiveIntegerField(_("parts"), default=0)
    parts_done = models.PositiveIntegerField(_("parts done"), default=0)
    cells = models.PositiveIntegerField(_("grid cells"), default=0)
    points = models.PositiveIntegerField(_("risk points"), default=0)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        ordering = ["-for_date"]
        verbose_name = _("register run")
        verbose_name_plural = _("register runs")

    def __str__(self) -> str:
        return f"{self.for_date} ({self.get_status_display()})"

    @property
    def seconds(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None


class PartStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    DONE = "done", _("Done")


class RegisterRunPart(models.Model):
    """One part of a run's version: a batch of stations that one worker computes."""

    run = models.ForeignKey(RegisterRun, on_delete=models.CASCADE, related_name="parts")
    version = models.PositiveIntegerField(_("version"))
    index = models.PositiveIntegerField(_("part"))
    station_ids = models.JSONField(_("stations"), default=list)
    status = models.CharField(
        _("status"), max_length=16, choices=PartStatus.choices, default=PartStatus.PENDING
    )
    cells = models.PositiveIntegerField(_("grid cells"), default=0)
    # {station id: digest of its cells' levels}, read by the publishing part.
    digests = models.JSONField(_("level digests"), default=dict)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["run_id", "version", "index"]
        verbose_name = _("register run part")
        verbose_name_plural = _("register run parts")
        constraints = [
            models.UniqueConstraint(
                fields=["run", "version", "index"], name="register_part_unique_index"
            )
        ]

    def __str__(self) -> str:
        return f"{self.run.for_date} v{self.version} #{self.index}"


class RegisterCurrent(models.Model):
    """The current-register pointer: one row (pk=1), switched when a run publishes."""

    run = models.ForeignKey(
        RegisterRun, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("run")
    )
    switched_at = models.DateTimeField(_("switched at"), auto_now=True)

    class Meta:
        verbose_name = _("current register")
        verbose_name_plural = _("current register")

    def __str__(self) -> str:
        return str(self.run) if self.run else "—"


class SnapshotQuerySet(ScopedQuerySet):
    def published(self) -> SnapshotQuerySet:
        """Only rows of the published version of their run."""
        return self.filter(
            run__published_version__isnull=False, version=models.F("run__published_version")
        )

    def of_run(self, run: RegisterRun) -> SnapshotQuerySet:
        return self.filter(run=run, version=run.published_version)


class RegisterEntry(models.Model):
    """One grid cell in one snapshot: its score, level, factors, cases and trend."""

    run = models.ForeignKey(RegisterRun, on_delete=models.CASCADE, related_name="entries")
    version = models.PositiveIntegerField(_("version"))
    grid_cell = models.ForeignKey(
        GridCell, on_delete=models.CASCADE, related_name="+", verbose_name=_("grid cell")
    )
    station = models.ForeignKey(
        Station, on_delete=models.CASCADE, related_name="+", verbose_name=_("police station")
    )
    sub_bureau = models.ForeignKey(
        SubBureau, on_delete=models.CASCADE, related_name="+", verbose_name=_("sub-bureau")
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("responsible officer"),
    )
    score = models.PositiveSmallIntegerField(_("score"))
    level = models.CharField(_("level"), max_length=8, choices=Level.choices)
    best_score = models.PositiveSmallIntegerField(_("best case"))
    best_level = models.CharField(_("best-case level"), max_length=8, choices=Level.choices)
    worst_score = models.PositiveSmallIntegerField(_("worst case"))
    worst_level = models.CharField(_("worst-case level"), max_length=8, choices=Level.choices)
    score_7d = models.PositiveSmallIntegerField(_("score 7 days before"), null=True, blank=True)
    score_30d = models.PositiveSmallIntegerField(_("score 30 days before"), null=True, blank=True)
    open_points = models.PositiveIntegerField(_("open risk points"), default=0)
    red_points = models.PositiveIntegerField(_("red risk points"), default=0)
    overdue_items = models.PositiveIntegerField(_("overdue items"), default=0)
    categories = models.CharField(_("categories"), max_length=400, blank=True)
    # [{"key", "value", "points", "best", "worst"}], the breakdown that explains the score.
    factors = models.JSONField(_("factors"), default=list)

    objects = SnapshotQuerySet.as_manager()

    class Meta:
        ordering = ["-score", "grid_cell_id"]
        verbose_name = _("register entry")
        verbose_name_plural = _("register entries")
        constraints = [
            models.UniqueConstraint(
                fields=["run", "version", "grid_cell"], name="register_entry_unique_cell"
            )
        ]
        indexes = [
            models.Index(fields=["run", "version", "-score"], name="register_entry_score_idx"),
            models.Index(fields=["run", "version", "station"], name="register_entry_station_idx"),
            models.Index(fields=["grid_cell", "run"], name="register_entry_cell_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.run.for_date} {self.grid_cell_id}: {self.score}"

    @property
    def trend_7d(self) -> int | None:
        return None if self.score_7d is None else self.score - self.score_7d

    @property
    def trend_30d(self) -> int | None:
        return None if self.score_30d is None else self.score - self.score_30d


class RegisterPointScore(models.Model):
    """One open risk point in one snapshot: own and propagated probability, and its driver."""

    run = models.ForeignKey(RegisterRun, on_delete=models.CASCADE, related_name="point_scores")
    version = models.PositiveIntegerField(_("version"))
    risk_point_id = models.BigIntegerField(_("risk point"))
    grid_cell = models.ForeignKey(
        GridCell, on_delete=models.CASCADE, related_name="+", verbose_name=_("grid cell")
    )
    title = models.CharField(_("title"), max_length=200, blank=True)
    category = models.CharField(_("category"), max_length=40, blank=True)
    residual_score = models.PositiveSmallIntegerField(_("residual score"))
    severity = models.PositiveSmallIntegerField(_("severity"))
    own_probability = models.FloatField(_("own probability"))
    probability = models.FloatField(_("propagated probability"))
    best_probability = models.FloatField(_("best-case probability"))
    worst_probability = models.FloatField(_("worst-case probability"))
    effective_score = models.FloatField(_("effective score"))
    best_effective_score = models.FloatField(_("best-case effective score"))
    worst_effective_score = models.FloatField(_("worst-case effective score"))
    level = models.CharField(_("level"), max_length=8, choices=Level.choices)
    driver_point_id = models.BigIntegerField(_("driven by"), null=True, blank=True)
    driver_uplift = models.FloatField(_("uplift from the driver"), default=0)

    objects = SnapshotQuerySet.as_manager()

    class Meta:
        ordering = ["-effective_score"]
        verbose_name = _("register risk-point score")
        verbose_name_plural = _("register risk-point scores")
        constraints = [
            models.UniqueConstraint(
                fields=["run", "version", "risk_point_id"], name="register_point_unique"
            )
        ]
        indexes = [
            models.Index(fields=["run", "version", "grid_cell"], name="register_point_cell_idx"),
            models.Index(fields=["risk_point_id", "run"], name="register_point_rp_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.run.for_date} point {self.risk_point_id}: {self.probability:.2f}"


class RollupKind(models.TextChoices):
    STATION = "station", _("Police station")
    SUB_BUREAU = "sub_bureau", _("Sub-bureau")


class RollupQuerySet(models.QuerySet):
    def visible_to(self, user) -> RollupQuerySet:
        return self.filter(
            Q(kind=RollupKind.STATION, station__in=Station.objects.visible_to(user).values("pk"))
            | Q(
                kind=RollupKind.SUB_BUREAU,
                sub_bureau__in=SubBureau.objects.visible_to(user).values("pk"),
            )
        )

    def published(self) -> RollupQuerySet:
        return self.filter(
            run__published_version__isnull=False, version=models.F("run__published_version")
        )

    def of_run(self, run: RegisterRun) -> RollupQuerySet:
        return self.filter(run=run, version=run.published_version)


class RegisterRollup(models.Model):
    """A station's or sub-bureau's figures in one snapshot."""

    run = models.ForeignKey(RegisterRun, on_delete=models.CASCADE, related_name="rollups")
    version = models.PositiveIntegerField(_("version"))
    kind = models.CharField(_("kind"), max_length=16, choices=RollupKind.choices)
    station = models.ForeignKey(
        Station, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    sub_bureau = models.ForeignKey(SubBureau, on_delete=models.CASCADE, related_name="+")
    cells = models.PositiveIntegerField(_("grid cells"), default=0)
    red = models.PositiveIntegerField(_("red"), default=0)
    orange = models.PositiveIntegerField(_("orange"), default=0)
    yellow = models.PositiveIntegerField(_("yellow"), default=0)
    blue = models.PositiveIntegerField(_("blue"), default=0)
    open_points = models.PositiveIntegerField(_("open risk points"), default=0)
    overdue_items = models.PositiveIntegerField(_("overdue items"), default=0)
    mean_score = models.FloatField(_("mean score"), default=0)
    max_score = models.PositiveSmallIntegerField(_("highest score"), default=0)
    mean_score_7d = models.FloatField(_("mean score 7 days before"), null=True, blank=True)
    mean_score_30d = models.FloatField(_("mean score 30 days before"), null=True, blank=True)
    levels_digest = models.CharField(_("levels digest"), max_length=64, blank=True)

    objects = RollupQuerySet.as_manager()

    class Meta:
        ordering = ["kind", "sub_bureau_id", "station_id"]
        verbose_name = _("register rollup")
        verbose_name_plural = _("register rollups")
        constraints = [
            models.UniqueConstraint(
                fields=["run", "version", "station"],
                condition=Q(station__isnull=False),
                name="register_rollup_unique_station",
            ),
            models.UniqueConstraint(
                fields=["run", "version", "sub_bureau"],
                condition=Q(station__isnull=True),
                name="register_rollup_unique_sub_bureau",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.run.for_date} {self.kind} {self.station_id or self.sub_bureau_id}"

    @property
    def trend_7d(self) -> float | None:
        return None if self.mean_score_7d is None else self.mean_score - self.mean_score_7d

    @property
    def trend_30d(self) -> float | None:
        return None if self.mean_score_30d is None else self.mean_score - self.mean_score_30d


class SignOffQuerySet(models.QuerySet):
    def visible_to(self, user) -> SignOffQuerySet:
        return self.filter(station__in=Station.objects.visible_to(user).values("pk"))


class RegisterSignOff(models.Model):
    """A station chief's review (审核) of the station's register on one snapshot.

    ``levels_digest`` fingerprints the station's cell levels when signed: a later snapshot
    with the same digest keeps the sign-off; one whose levels differ asks for a new one.
    """

    run = models.ForeignKey(RegisterRun, on_delete=models.PROTECT, related_name="sign_offs")
    station = models.ForeignKey(
        Station, on_delete=models.CASCADE, related_name="+", verbose_name=_("police station")
    )
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("signed by"),
    )
    signed_at = models.DateTimeField(_("signed at"), auto_now_add=True)
    comment = models.TextField(_("comment"), blank=True)
    levels_digest = models.CharField(_("levels digest"), max_length=64)

    objects = SignOffQuerySet.as_manager()

    class Meta:
        ordering = ["-signed_at"]
        verbose_name = _("register sign-off")
        verbose_name_plural = _("register sign-offs")
        indexes = [models.Index(fields=["station", "-signed_at"], name="register_signoff_idx")]

    def __str__(self) -> str:
        return f"{self.station_id} {self.run.for_date}"
