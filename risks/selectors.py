"""Reads of the risk-point inventory, always built on the scoped querysets."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import (
    BooleanField,
    Count,
    ExpressionWrapper,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from grid.models import GridCell, Station
from grid.scoping import Tier, scope_for
from risks import scoring
from risks.models import (
    OPEN_MEASURE_STATUSES,
    Measure,
    ProposalStatus,
    RiskLink,
    RiskPoint,
    RiskProposal,
    RiskReview,
    RiskStatus,
    RiskStatusChange,
)

ORDERINGS = {
    "level": ("-inherent_score", "next_review_on", "pk"),
    "review": ("next_review_on", "-inherent_score", "pk"),
    "residual": ("-residual_score", "next_review_on", "pk"),
    "updated": ("-updated_at", "pk"),
    "title": ("title", "pk"),
    "cell": ("grid_cell__code", "-inherent_score", "pk"),
}
MAP_POINT_LIMIT = 1500


def _open_measures(outer: str = "pk"):
    return (
        Measure.objects.filter(risk_point_id=OuterRef(outer), status__in=OPEN_MEASURE_STATUSES)
        .order_by()
        .values("risk_point_id")
    )


def with_figures(points: QuerySet[RiskPoint], today: date) -> QuerySet[RiskPoint]:
    """Annotate: review overdue, open measures and overdue measures (subqueries, one query)."""
    return points.annotate(
        review_overdue=ExpressionWrapper(
            Q(next_review_on__lt=today) & ~Q(status=RiskStatus.CLOSED),
            output_field=BooleanField(),
        ),
        open_measure_count=Coalesce(
            Subquery(_open_measures().annotate(n=Count("pk")).values("n")[:1]), 0
        ),
        overdue_measure_count=Coalesce(
            Subquery(
                _open_measures().filter(due_on__lt=today).annotate(n=Count("pk")).values("n")[:1]
            ),
            0,
        ),
    )


def risk_point_list(
    *,
    user,
    level: str = "",
    category: str = "",
    status: str = "open",
    owner_id: int | None = None,
    grid_cell_code: str = "",
    overdue: bool = False,
    search: str = "",
    ordering: str = "level",
) -> QuerySet[RiskPoint]:
    """Risk points the user may see, filtered and sorted, with their figures (one query)."""
    today = timezone.localdate()
    points = RiskPoint.objects.visible_to(user).select_related(
        "grid_cell__community__station", "owner"
    )
    if status == "open":
        points = points.open()
    elif status:
        points = points.filter(status=status)
    if level:
        points = points.filter(inherent_level=level)
    if category:
        points = points.filter(category=category)
    if owner_id:
        points = points.filter(owner_id=owner_id)
    if grid_cell_code:
        points = points.filter(grid_cell__code=grid_cell_code)
    if overdue:
        points = points.overdue(today)
    if search:
        points = points.filter(Q(title__icontains=search) | Q(description__icontains=search))
    points = with_figures(points, today)
    return points.order_by(*ORDERINGS.get(ordering, ORDERINGS["level"]))


def _get(queryset, pk, message: str):
    try:
        return queryset.get(pk=pk)
    except (RiskPoint.DoesNotExist, ValueError, TypeError):
        raise Http404(message) from None


def risk_point_get(*, user, pk) -> RiskPoint:
    """One risk point the user may see, or 404 (never a 403 that confirms it exists)."""
    points = with_figures(
        RiskPoint.objects.visible_to(user).select_related(
            "grid_cell__community__station__sub_bureau",
            "owner",
            "created_by",
            "source_concern",
            "source_visit",
        ),
        timezone.localdate(),
    )
    try:
        return points.get(pk=pk)
    except (RiskPoint.DoesNotExist, ValueError, TypeError):
        raise Http404("No such risk point in your area.") from None


def risk_point_actionable(*, user, pk) -> RiskPoint:
    try:
        return (
            RiskPoint.objects.actionable_by(user)
            .select_related("grid_cell__community__station", "owner")
            .get(pk=pk)
        )
    except (RiskPoint.DoesNotExist, ValueError, TypeError):
        raise Http404("No such risk point in your area.") from None


def risk_point_can_act(*, user, risk_point: RiskPoint) -> bool:
    return RiskPoint.objects.actionable_by(user).filter(pk=risk_point.pk).exists()


def risk_point_measures(*, risk_point: RiskPoint) -> QuerySet[Measure]:
    return (
        Measure.objects.filter(risk_point=risk_point)
        .select_related("owner")
        .order_by("status", "due_on", "pk")
    )


def measure_actionable(*, user, pk) -> Measure:
    try:
        return (
            Measure.objects.actionable_by(user)
            .select_related("risk_point__grid_cell__community__station", "owner")
            .get(pk=pk)
        )
    except (Measure.DoesNotExist, ValueError, TypeError):
        raise Http404("No such measure in your area.") from None


def risk_point_links(*, user, risk_point: RiskPoint) -> list[RiskLink]:
    """Links of one risk point whose other end the user may also see (one query)."""
    return list(
        RiskLink.objects.visible_to(user)
        .filter(Q(source=risk_point) | Q(target=risk_point))
        .select_related("source__grid_cell", "target__grid_cell")
        .order_by("kind", "pk")
    )


def risk_point_link_suggestions(*, user, risk_point: RiskPoint, limit: int = 200):
    """Open risk points of the same grid cell the user may link to (highest scores first)."""
    return (
        RiskPoint.objects.actionable_by(user)
        .open()
        .filter(grid_cell_id=risk_point.grid_cell_id)
        .exclude(pk=risk_point.pk)
        .only("pk", "title", "inherent_level")
        .order_by("-inherent_score", "pk")[:limit]
    )


def risk_link_actionable(*, user, pk) -> RiskLink:
    try:
        return RiskLink.objects.actionable_by(user).select_related("source", "target").get(pk=pk)
    except (RiskLink.DoesNotExist, ValueError, TypeError):
        raise Http404("No such link in your area.") from None


def shared_party_candidates(
    *, risk_point: RiskPoint, user, actionable: bool = False
) -> QuerySet[RiskPoint]:
    """Other open risk points (that the user may see or act on) involving one of this risk
    point's residents or households and not yet linked to it as "shared party": the links to
    propose. Two small queries on the M2M tables, then one on the risk points."""
    base = (
        RiskPoint.objects.actionable_by(user) if actionable else RiskPoint.objects.visible_to(user)
    )
    through_r = RiskPoint.involved_residents.through
    through_h = RiskPoint.involved_households.through
    others = set(
        through_r.objects.filter(
            resident_id__in=through_r.objects.filter(riskpoint_id=risk_point.pk).values(
                "resident_id"
            )
        )
        .values_list("riskpoint_id", flat=True)
        .union(
            through_h.objects.filter(
                household_id__in=through_h.objects.filter(riskpoint_id=risk_point.pk).values(
                    "household_id"
                )
            ).values_list("riskpoint_id", flat=True)
        )
    )
    others.discard(risk_point.pk)
    if not others:
        return base.none()
    linked = RiskLink.objects.filter(
        Q(source=risk_point) | Q(target=risk_point), kind="shared_party"
    ).values_list("source_id", "target_id")
    others -= {pk for pair in linked for pk in pair}
    return base.open().filter(pk__in=sorted(others)).select_related("grid_cell").order_by("pk")


# --- Timeline -------------------------------------------------------------------------------
@dataclass
class TimelineEvent:
    at: datetime
    kind: str  # created | edited | review | status | measure | link
    title: str
    actor: object | None = None
    details: list[str] = field(default_factory=list)
    level: str = ""
    warning: bool = False


TRACKED_FIELDS = {
    "title": gettext_lazy("title"),
    "description": gettext_lazy("description"),
    "category": gettext_lazy("category"),
    "channel": gettext_lazy("identification channel"),
    "owner": gettext_lazy("responsible officer"),
    "inherent_likelihood": gettext_lazy("inherent likelihood"),
    "inherent_severity": gettext_lazy("inherent severity"),
    "inherent_level": gettext_lazy("inherent level"),
    "residual_likelihood": gettext_lazy("residual likelihood"),
    "residual_severity": gettext_lazy("residual severity"),
    "residual_level": gettext_lazy("residual level"),
    "next_review_on": gettext_lazy("next review"),
    "latitude": gettext_lazy("latitude"),
    "longitude": gettext_lazy("longitude"),
}


def _shown(model, name: str, value) -> str:
    if value in (None, ""):
        return "—"
    choices = dict(model._meta.get_field(name).flatchoices)
    return str(choices.get(value, value))


def _diff(previous, current, fields: dict, model=RiskPoint) -> list[str]:
    changes = []
    for name, label in fields.items():
        old, new = getattr(previous, f"{name}_id", None), getattr(current, f"{name}_id", None)
        if old is None and new is None:
            old, new = getattr(previous, name, None), getattr(current, name, None)
            if old != new:
                changes.append(f"{label}: {_shown(model, name, old)} → {_shown(model, name, new)}")
        elif old != new:
            changes.append(_("%(field)s changed") % {"field": label})
    return changes


def risk_point_timeline(*, risk_point: RiskPoint) -> list[TimelineEvent]:
    """The dynamic loop of one risk point, newest first: creation, edits (with what changed),
    reviews (re-assessment, overdue or not), status changes, measure and link changes.
    A fixed number of queries (one per source) whatever the length of the history."""
    events: list[TimelineEvent] = []
    history = list(
        risk_point.history.select_related("history_user").order_by("history_date", "history_id")
    )
    previous = None
    for row in history:
        reason = row.history_change_reason or ""
        if row.history_type == "+":
            events.append(
                TimelineEvent(
                    at=row.history_date,
                    kind="created",
                    title=_("Risk point recorded"),
                    actor=row.history_user,
                    details=[
                        _("Accepted from data pre-identification proposal #%(n)s")
                        % {"n": reason.split(":", 1)[1]}
                    ]
                    if reason.startswith("proposal:")
                    else [],
                    level=row.inherent_level,
                )
            )
        elif previous is not None and reason not in ("review", "transition"):
            changes = _diff(previous, row, TRACKED_FIELDS)
            if changes:
                level_changed = previous.inherent_level != row.inherent_level
                events.append(
                    TimelineEvent(
                        at=row.history_date,
                        kind="edited",
                        title=_("Level changed") if level_changed else _("Edited"),
                        actor=row.history_user,
                        details=changes,
                        level=row.inherent_level,
                    )
                )
        previous = row
    for review in RiskReview.objects.filter(risk_point=risk_point).select_related("reviewer"):
        details = [
            _("Inherent %(l)s × %(s)s, residual %(rl)s × %(rs)s")  # noqa: RUF001
            % {
                "l": review.inherent_likelihood,
                "s": review.inherent_severity,
                "rl": review.residual_likelihood,
                "rs": review.residual_severity,
            },
            _("Next review on %(date)s") % {"date": review.next_review_on.isoformat()},
        ]
        if review.level_before != review.level_after:
            details.insert(
                0,
                _("Level %(before)s → %(after)s")
                % {
                    "before": scoring.Level(review.level_before).label,
                    "after": scoring.Level(review.level_after).label,
                },
            )
        if review.note:
            details.append(review.note)
        events.append(
            TimelineEvent(
                at=review.created_at,
                kind="review",
                title=_("Reviewed (overdue)") if review.was_overdue else _("Reviewed"),
                actor=review.reviewer,
                details=details,
                level=review.level_after,
                warning=review.was_overdue,
            )
        )
    for change in RiskStatusChange.objects.filter(risk_point=risk_point).select_related("actor"):
        events.append(
            TimelineEvent(
                at=change.changed_at,
                kind="status",
                title=_("Status: %(from)s → %(to)s")
                % {
                    "from": change.get_from_status_display(),
                    "to": change.get_to_status_display(),
                },
                actor=change.actor,
                details=[change.reason] if change.reason else [],
            )
        )
    measure_rows = list(
        Measure.history.filter(risk_point_id=risk_point.pk)
        .select_related("history_user", "owner")
        .order_by("id", "history_date", "history_id")
    )
    last_by_measure: dict[int, object] = {}
    measure_fields = {
        "description": _("measure"),
        "owner": _("owner"),
        "due_on": _("due on"),
        "status": _("status"),
        "completed_on": _("completed on"),
    }
    for row in measure_rows:
        before = last_by_measure.get(row.id)
        if row.history_type == "+":
            title, details = (
                _("Measure added: %(m)s") % {"m": row.description},
                [_("due on %(date)s") % {"date": row.due_on.isoformat()}],
            )
        elif row.history_type == "-":
            title, details = _("Measure removed: %(m)s") % {"m": row.description}, []
        else:
            details = _diff(before, row, measure_fields, Measure) if before else []
            title = _("Measure updated: %(m)s") % {"m": row.description}
            if not details:
                last_by_measure[row.id] = row
                continue
        events.append(
            TimelineEvent(
                at=row.history_date,
                kind="measure",
                title=title,
                actor=row.history_user,
                details=details,
            )
        )
        last_by_measure[row.id] = row
    link_rows = RiskLink.history.filter(
        Q(source_id=risk_point.pk) | Q(target_id=risk_point.pk)
    ).select_related("history_user")
    for row in link_rows:
        if row.history_type == "~":
            continue
        other = row.target_id if row.source_id == risk_point.pk else row.source_id
        kind_label = dict(RiskLink._meta.get_field("kind").choices).get(row.kind, row.kind)
        events.append(
            TimelineEvent(
                at=row.history_date,
                kind="link",
                title=(_("Link added") if row.history_type == "+" else _("Link removed")),
                actor=row.history_user,
                details=[
                    _("%(kind)s, risk point #%(other)s, strength %(strength)s")
                    % {"kind": kind_label, "other": other, "strength": row.strength}
                ],
            )
        )
    events.sort(key=lambda event: event.at, reverse=True)
    return events


# --- Oversight by level (分级管控) -------------------------------------------------------------
TIER_OF_USER = {
    Tier.SUB_BUREAU_STAFF: scoring.ControlTier.SUB_BUREAU,
    Tier.STATION_CHIEF: scoring.ControlTier.STATION,
    Tier.COMMUNITY_OFFICER: scoring.ControlTier.COMMUNITY_OFFICER,
    Tier.GRID_WORKER: scoring.ControlTier.COMMUNITY_OFFICER,
}


def default_oversight_tier(user) -> str:
    scope = scope_for(user)
    if scope.everything:
        return scoring.ControlTier.SUB_BUREAU
    return TIER_OF_USER.get(scope.tier, scoring.ControlTier.COMMUNITY_OFFICER)


def risk_oversight_list(*, user, tier: str) -> QuerySet[RiskPoint]:
    """The open risk points a control tier owns (by level), overdue first, then by level."""
    today = timezone.localdate()
    levels = [level.value for level in scoring.levels_for_tier(tier)]
    points = with_figures(
        RiskPoint.objects.visible_to(user)
        .open()
        .filter(inherent_level__in=levels)
        .select_related("grid_cell__community__station__sub_bureau", "owner"),
        today,
    )
    return points.order_by("-review_overdue", "-inherent_score", "next_review_on", "pk")


def oversight_counts(*, user) -> dict[str, int]:
    """Open risk points per level in the user's area, one query."""
    rows = (
        RiskPoint.objects.visible_to(user)
        .open()
        .order_by()
        .values("inherent_level")
        .annotate(n=Count("pk"))
    )
    counts = {level.value: 0 for level in scoring.LEVELS_DESCENDING}
    counts.update({row["inherent_level"]: row["n"] for row in rows})
    return counts


# --- Proposals ------------------------------------------------------------------------------
def risk_proposal_list(*, user, status: str = ProposalStatus.OPEN) -> QuerySet[RiskProposal]:
    proposals = RiskProposal.objects.visible_to(user).select_related(
        "grid_cell", "decided_by", "risk_point"
    )
    if status:
        proposals = proposals.filter(status=status)
    return proposals.order_by("-as_of", "rule", "pk")


def risk_proposal_actionable(*, user, pk) -> RiskProposal:
    try:
        return RiskProposal.objects.actionable_by(user).select_related("grid_cell").get(pk=pk)
    except (RiskProposal.DoesNotExist, ValueError, TypeError):
        raise Http404("No such proposal in your area.") from None


# --- The risk map ---------------------------------------------------------------------------
def risk_map_stations(*, user) -> QuerySet[Station]:
    return Station.objects.visible_to(user).only("pk", "code", "name").order_by("code")


def risk_map_data(*, user, station: Station | None = None) -> dict:
    """Grid cells (with boundaries), open risk points and the links between them, for one
    station or the user's whole area; at most MAP_POINT_LIMIT points, highest scores first.
    Three queries."""
    points = RiskPoint.objects.visible_to(user).open()
    if station is not None:
        points = points.filter(grid_cell__community__station=station)
    rows = list(
        points.order_by("-inherent_score", "pk").values(
            "pk",
            "title",
            "inherent_level",
            "inherent_score",
            "status",
            "latitude",
            "longitude",
            "grid_cell_id",
        )[: MAP_POINT_LIMIT + 1]
    )
    truncated = len(rows) > MAP_POINT_LIMIT
    rows = rows[:MAP_POINT_LIMIT]
    ids = [row["pk"] for row in rows]
    cell_ids = sorted({row["grid_cell_id"] for row in rows})
    cells = list(GridCell.objects.filter(pk__in=cell_ids).values("pk", "code", "name", "boundary"))
    links = list(
        RiskLink.objects.filter(source_id__in=ids, target_id__in=ids).values(
            "source_id", "target_id", "kind", "strength"
        )
    )
    return {
        "cells": [
            {"id": c["pk"], "code": c["code"], "name": c["name"], "boundary": c["boundary"]}
            for c in cells
        ],
        "points": [
            {
                "id": row["pk"],
                "title": row["title"],
                "level": row["inherent_level"],
                "score": row["inherent_score"],
                "cell": row["grid_cell_id"],
                "lat": float(row["latitude"]) if row["latitude"] is not None else None,
                "lng": float(row["longitude"]) if row["longitude"] is not None else None,
            }
            for row in rows
        ],
        "links": [
            {
                "source": link["source_id"],
                "target": link["target_id"],
                "kind": link["kind"],
                "strength": float(link["strength"]),
            }
            for link in links
        ],
        "truncated": truncated,
        "limit": MAP_POINT_LIMIT,
    }
