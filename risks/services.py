"""Writes of the risk-point inventory. Each service takes keyword arguments and an ``actor``,
checks the actor may act (``actionable_by``), validates with field-named errors and writes in
one transaction. The status workflow has ONE transitions function: ``risk_point_transition``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import update_change_reason

from grid.models import GridCell
from grid.scoping import TIER_RANK, scope_for
from grid.services import responsible_officer_on, validate_responsible_officer
from risks import scoring
from risks.models import (
    OPEN_MEASURE_STATUSES,
    Channel,
    LinkKind,
    Measure,
    MeasureStatus,
    ProposalStatus,
    RiskLink,
    RiskPoint,
    RiskProposal,
    RiskReview,
    RiskStatus,
    RiskStatusChange,
)
from risks.proposals import risk_proposals_generate  # noqa: F401  (re-exported for the job)

# --- The status workflow --------------------------------------------------------------------
# identified -> controlling -> controlled -> closed; closed reopens with a reason.
TRANSITIONS: dict[str, frozenset[str]] = {
    RiskStatus.IDENTIFIED: frozenset({RiskStatus.CONTROLLING, RiskStatus.CLOSED}),
    RiskStatus.CONTROLLING: frozenset(
        {RiskStatus.CONTROLLED, RiskStatus.IDENTIFIED, RiskStatus.CLOSED}
    ),
    RiskStatus.CONTROLLED: frozenset({RiskStatus.CONTROLLING, RiskStatus.CLOSED}),
    RiskStatus.CLOSED: frozenset({RiskStatus.IDENTIFIED, RiskStatus.CONTROLLING}),
}
# Moves that need a written reason: closing, reopening and going back a step.
REASON_REQUIRED = {
    (RiskStatus.IDENTIFIED, RiskStatus.CLOSED),
    (RiskStatus.CONTROLLING, RiskStatus.CLOSED),
    (RiskStatus.CONTROLLED, RiskStatus.CLOSED),
    (RiskStatus.CLOSED, RiskStatus.IDENTIFIED),
    (RiskStatus.CLOSED, RiskStatus.CONTROLLING),
    (RiskStatus.CONTROLLING, RiskStatus.IDENTIFIED),
    (RiskStatus.CONTROLLED, RiskStatus.CONTROLLING),
}
# Closing a risk is signed off by the tier that oversees its level (分级管控).
CONTROL_TIER_RANK = {
    scoring.ControlTier.COMMUNITY_OFFICER: 1,
    scoring.ControlTier.STATION: 2,
    scoring.ControlTier.SUB_BUREAU: 3,
}


def allowed_transitions(risk_point: RiskPoint) -> list[str]:
    return sorted(TRANSITIONS[RiskStatus(risk_point.status)])


def may_close(actor, risk_point: RiskPoint) -> bool:
    """Whether the actor's tier is at or above the tier overseeing the risk's level."""
    scope = scope_for(actor)
    if scope.everything:
        return True
    needed = CONTROL_TIER_RANK[scoring.control_tier_for(risk_point.level)]
    return TIER_RANK.get(scope.tier, -1) >= needed


def _lock_actionable(risk_point: RiskPoint, actor) -> RiskPoint:
    """The risk point, locked for update, if the actor may act on it; else PermissionDenied."""
    locked = (
        RiskPoint.objects.actionable_by(actor).select_for_update().filter(pk=risk_point.pk).first()
    )
    if locked is None:
        raise PermissionDenied(_("You may not change this risk point."))
    return locked


def _save_with_reason(instance, reason: str, update_fields: list[str] | None = None) -> None:
    instance._change_reason = reason
    instance.save(update_fields=update_fields)


@transaction.atomic
def risk_point_transition(
    *, risk_point: RiskPoint, to_status: str, actor, reason: str = ""
) -> RiskPoint:
    """Move a risk point to another status, refusing illegal moves with a clear error.

    Records who, when and why (``RiskStatusChange``) and keeps the change in the history.
    """
    locked = _lock_actionable(risk_point, actor)
    reason = (reason or "").strip()
    try:
        target = RiskStatus(to_status)
    except ValueError:
        raise ValidationError({"to_status": _("Unknown status.")}) from None
    current = RiskStatus(locked.status)
    if target == current:
        raise ValidationError(
            {"to_status": _("The risk point is already %(status)s.") % {"status": current.label}}
        )
    if target not in TRANSITIONS[current]:
        raise ValidationError(
            {
                "to_status": _("A risk point cannot go from %(from)s to %(to)s.")
                % {"from": current.label, "to": target.label}
            }
        )
    if (current, target) in REASON_REQUIRED and not reason:
        raise ValidationError({"reason": _("Give a reason for this change.")})
    open_measures = locked.measures.filter(status__in=OPEN_MEASURE_STATUSES).count()
    if (
        target == RiskStatus.CONTROLLING
        and current == RiskStatus.IDENTIFIED
        and not locked.measures.exclude(status=MeasureStatus.CANCELLED).exists()
    ):
        raise ValidationError(
            {"to_status": _("Add at least one measure before putting the risk under control.")}
        )
    if target == RiskStatus.CLOSED:
        if open_measures:
            raise ValidationError(
                {
                    "to_status": _(
                        "%(count)s measure(s) are still open: finish or cancel them first."
                    )
                    % {"count": open_measures}
                }
            )
        if not may_close(actor, locked):
            raise PermissionDenied(
                _("A %(level)s risk is closed by the %(tier)s that oversees it.")
                % {
                    "level": scoring.Level(locked.level).label,
                    "tier": scoring.control_tier_for(locked.level).label,
                }
            )
    now = timezone.now()
    RiskStatusChange.objects.create(
        risk_point=locked, from_status=current, to_status=target, actor=actor, reason=reason
    )
    locked.status = target
    locked.status_changed_at = now
    if current == RiskStatus.CLOSED:
        # A reopened risk is reviewed again on its level's cadence from today.
        locked.next_review_on = scoring.next_review_date(locked.level, timezone.localdate())
    _save_with_reason(locked, "transition")
    return locked


# --- Risk points ----------------------------------------------------------------------------
def _actionable_cell(grid_cell: GridCell, actor) -> GridCell:
    cell = (
        GridCell.objects.actionable_by(actor)
        .select_related("community__station")
        .filter(pk=grid_cell.pk)
        .first()
    )
    if cell is None:
        raise PermissionDenied(_("You may not record risk points in this grid cell."))
    return cell


@transaction.atomic
def risk_point_create(
    *,
    actor,
    grid_cell: GridCell,
    title: str,
    category: str,
    channel: str,
    inherent_likelihood: int,
    inherent_severity: int,
    residual_likelihood: int | None = None,
    residual_severity: int | None = None,
    description: str = "",
    owner=None,
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
    source_concern=None,
    source_visit=None,
    involved_residents: Iterable = (),
    involved_households: Iterable = (),
) -> RiskPoint:
    cell = _actionable_cell(grid_cell, actor)
    latitude, longitude = _coordinate(latitude), _coordinate(longitude)
    today = timezone.localdate()
    owner = owner or responsible_officer_on(cell, today) or actor
    validate_responsible_officer(owner, cell)
    risk_point = RiskPoint(
        grid_cell=cell,
        title=title,
        description=description,
        category=category,
        channel=channel,
        inherent_likelihood=inherent_likelihood,
        inherent_severity=inherent_severity,
        residual_likelihood=residual_likelihood or inherent_likelihood,
        residual_severity=residual_severity or inherent_severity,
        owner=owner,
        latitude=latitude,
        longitude=longitude,
        created_by=actor,
        review_cadence_days=1,
        next_review_on=today,
        status=RiskStatus.IDENTIFIED,
        status_changed_at=timezone.now(),
    )
    _set_sources(risk_point, cell, source_concern=source_concern, source_visit=source_visit)
    risk_point.apply_scores_or_errors()
    risk_point.review_cadence_days = scoring.review_cadence_days(risk_point.level)
    risk_point.next_review_on = scoring.next_review_date(risk_point.level, today)
    risk_point.full_clean()
    _save_with_reason(risk_point, "created")
    _set_parties(risk_point, cell, involved_residents, involved_households)
    return risk_point


def _coordinate(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value)).quantize(Decimal("0.000001"))
    except (InvalidOperation, ValueError):
        raise ValidationError({"latitude": _("Enter a decimal number.")}) from None


def _set_sources(risk_point: RiskPoint, cell: GridCell, *, source_concern, source_visit) -> None:
    """Link the concern or visit the risk point came from (same grid cell only)."""
    if source_concern is not None:
        if not hasattr(risk_point, "source_concern_id"):
            raise ValidationError({"source_concern": _("Concerns cannot be linked yet.")})
        if source_concern.grid_cell_id != cell.pk:
            raise ValidationError(
                {"source_concern": _("The concern belongs to another grid cell.")}
            )
        risk_point.source_concern = source_concern
    if source_visit is not None:
        if not hasattr(risk_point, "source_visit_id"):
            raise ValidationError({"source_visit": _("Visits cannot be linked yet.")})
        if source_visit.grid_cell_id != cell.pk:
            raise ValidationError({"source_visit": _("The visit belongs to another grid cell.")})
        risk_point.source_visit = source_visit


def _set_parties(
    risk_point: RiskPoint, cell: GridCell, residents, households, *, replace: bool = False
) -> None:
    """Residents and households involved (for shared-party links), of the same station."""
    residents, households = list(residents or ()), list(households or ())
    if not residents and not households and not replace:
        return
    station_id = cell.community.station_id
    for field, rows in (("residents", residents), ("households", households)):
        if any(row.grid_cell.community.station_id != station_id for row in rows):
            raise ValidationError({field: _("Only residents and households of this station.")})
    risk_point.involved_residents.set(residents)
    risk_point.involved_households.set(households)


EDITABLE_FIELDS = (
    "title",
    "description",
    "category",
    "channel",
    "owner",
    "latitude",
    "longitude",
    "inherent_likelihood",
    "inherent_severity",
    "residual_likelihood",
    "residual_severity",
)


@transaction.atomic
def risk_point_update(*, risk_point: RiskPoint, actor, **changes) -> RiskPoint:
    """Edit a risk point's description and assessment; a level change re-sets the cadence."""
    unknown = set(changes) - set(EDITABLE_FIELDS) - {"involved_residents", "involved_households"}
    if unknown:
        raise ValidationError(_("These fields cannot be edited: %(f)s") % {"f": ", ".join(unknown)})
    locked = _lock_actionable(risk_point, actor)
    if locked.status == RiskStatus.CLOSED:
        raise ValidationError(_("A closed risk point is reopened before it is edited."))
    residents = changes.pop("involved_residents", None)
    households = changes.pop("involved_households", None)
    old_level = locked.level
    for name in ("latitude", "longitude"):
        if name in changes:
            changes[name] = _coordinate(changes[name])
    for name, value in changes.items():
        setattr(locked, name, value)
    if "owner" in changes:
        validate_responsible_officer(locked.owner, locked.grid_cell)
    locked.apply_scores_or_errors()
    if locked.level != old_level:
        _reset_cadence(locked, timezone.localdate())
    locked.full_clean()
    _save_with_reason(locked, "edited")
    if residents is not None or households is not None:
        _set_parties(locked, locked.grid_cell, residents or (), households or (), replace=True)
    return locked


def _reset_cadence(risk_point: RiskPoint, from_date: date) -> None:
    """A new level brings its cadence; the next review never moves later than the new one."""
    risk_point.review_cadence_days = scoring.review_cadence_days(risk_point.level)
    sooner = scoring.next_review_date(risk_point.level, from_date)
    risk_point.next_review_on = min(risk_point.next_review_on or sooner, sooner)


@transaction.atomic
def risk_point_review(
    *,
    risk_point: RiskPoint,
    actor,
    inherent_likelihood: int,
    inherent_severity: int,
    residual_likelihood: int,
    residual_severity: int,
    note: str = "",
    reviewed_on: date | None = None,
) -> RiskReview:
    """Record a review: re-assess the factors, note what was found, move the next review on
    by the (possibly new) level's cadence."""
    locked = _lock_actionable(risk_point, actor)
    today = timezone.localdate()
    reviewed_on = reviewed_on or today
    if reviewed_on > today:
        raise ValidationError({"reviewed_on": _("A review cannot be dated in the future.")})
    if locked.status == RiskStatus.CLOSED:
        raise ValidationError(_("A closed risk point is reopened before it is reviewed."))
    level_before, residual_before = locked.level, locked.residual_level
    was_overdue = locked.next_review_on < reviewed_on
    locked.inherent_likelihood = inherent_likelihood
    locked.inherent_severity = inherent_severity
    locked.residual_likelihood = residual_likelihood
    locked.residual_severity = residual_severity
    locked.apply_scores_or_errors()
    locked.review_cadence_days = scoring.review_cadence_days(locked.level)
    locked.next_review_on = scoring.next_review_date(locked.level, reviewed_on)
    locked.last_reviewed_on = reviewed_on
    locked.full_clean()
    review = RiskReview(
        risk_point=locked,
        reviewed_on=reviewed_on,
        reviewer=actor,
        note=note,
        inherent_likelihood=inherent_likelihood,
        inherent_severity=inherent_severity,
        residual_likelihood=residual_likelihood,
        residual_severity=residual_severity,
        level_before=level_before,
        level_after=locked.level,
        residual_level_before=residual_before,
        residual_level_after=locked.residual_level,
        was_overdue=was_overdue,
        next_review_on=locked.next_review_on,
    )
    review.full_clean()
    review.save()
    _save_with_reason(locked, "review")
    return review


# --- Measures -------------------------------------------------------------------------------
def _validate_due(level: str, due_on: date, today: date) -> None:
    latest = scoring.latest_measure_due(level, today)
    if due_on < today:
        raise ValidationError({"due_on": _("The due date cannot be in the past.")})
    if due_on > latest:
        raise ValidationError(
            {
                "due_on": _(
                    "A %(level)s risk's measure is due within %(days)s days: "
                    "by %(date)s at the latest."
                )
                % {
                    "level": scoring.Level(level).label,
                    "days": scoring.measure_due_days(level),
                    "date": latest.isoformat(),
                }
            }
        )


@transaction.atomic
def measure_create(
    *,
    risk_point: RiskPoint,
    actor,
    description: str,
    owner=None,
    due_on: date | None = None,
    note: str = "",
) -> Measure:
    locked = _lock_actionable(risk_point, actor)
    if locked.status == RiskStatus.CLOSED:
        raise ValidationError(_("A closed risk point takes no new measures; reopen it first."))
    today = timezone.localdate()
    due_on = due_on or scoring.latest_measure_due(locked.level, today)
    _validate_due(locked.level, due_on, today)
    owner = owner or locked.owner
    validate_responsible_officer(owner, locked.grid_cell)
    measure = Measure(
        risk_point=locked,
        description=description,
        owner=owner,
        due_on=due_on,
        note=note,
        created_by=actor,
    )
    measure.full_clean()
    measure._change_reason = "created"
    measure.save()
    return measure


@transaction.atomic
def measure_update(*, measure: Measure, actor, **changes) -> Measure:
    allowed = {"description", "owner", "due_on", "status", "completed_on", "note"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError(_("These fields cannot be edited: %(f)s") % {"f": ", ".join(unknown)})
    risk_point = _lock_actionable(measure.risk_point, actor)
    locked = Measure.objects.select_for_update().get(pk=measure.pk)
    today = timezone.localdate()
    if "due_on" in changes and changes["due_on"] != locked.due_on:
        _validate_due(risk_point.level, changes["due_on"], today)
    if "owner" in changes and changes["owner"].pk != locked.owner_id:
        validate_responsible_officer(changes["owner"], risk_point.grid_cell)
    for name, value in changes.items():
        setattr(locked, name, value)
    if locked.status == MeasureStatus.DONE:
        locked.completed_on = locked.completed_on or today
        if locked.completed_on > today:
            raise ValidationError({"completed_on": _("A completion date cannot be in the future.")})
    else:
        locked.completed_on = None
    locked.full_clean()
    locked._change_reason = "updated"
    locked.save()
    return locked


# --- Links ----------------------------------------------------------------------------------
def _strength(value) -> Decimal:
    try:
        strength = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError({"strength": _("Enter a number from 0 to 1.")}) from None
    if not Decimal(0) <= strength <= Decimal(1):
        raise ValidationError({"strength": _("The strength runs from 0 to 1.")})
    return strength


def shared_parties(source: RiskPoint, target: RiskPoint) -> dict[str, list[int]]:
    """Residents and households involved in both risk points."""
    if not hasattr(RiskPoint, "involved_residents"):
        return {"residents": [], "households": []}
    through_r = RiskPoint.involved_residents.through
    through_h = RiskPoint.involved_households.through
    residents = set(
        through_r.objects.filter(riskpoint_id=source.pk).values_list("resident_id", flat=True)
    ) & set(through_r.objects.filter(riskpoint_id=target.pk).values_list("resident_id", flat=True))
    households = set(
        through_h.objects.filter(riskpoint_id=source.pk).values_list("household_id", flat=True)
    ) & set(through_h.objects.filter(riskpoint_id=target.pk).values_list("household_id", flat=True))
    return {"residents": sorted(residents), "households": sorted(households)}


@transaction.atomic
def risk_link_create(
    *,
    source: RiskPoint,
    target: RiskPoint,
    kind: str,
    strength,
    actor,
    note: str = "",
) -> RiskLink:
    """Link two risk points. The actor must be able to act on both: within their own area, or
    across stations only through an explicit grant on the other risk point."""
    if source.pk == target.pk:
        raise ValidationError({"target": _("A risk point cannot be linked to itself.")})
    reachable = set(
        RiskPoint.objects.actionable_by(actor)
        .filter(pk__in=[source.pk, target.pk])
        .values_list("pk", flat=True)
    )
    if source.pk not in reachable:
        raise PermissionDenied(_("You may not change this risk point."))
    if target.pk not in reachable:
        raise ValidationError(
            {"target": _("You may not act on that risk point; ask for a grant on it first.")}
        )
    try:
        kind = LinkKind(kind)
    except ValueError:
        raise ValidationError({"kind": _("Unknown kind of link.")}) from None
    if kind == LinkKind.SHARED_PARTY:
        parties = shared_parties(source, target)
        if not parties["residents"] and not parties["households"]:
            raise ValidationError(
                {"kind": _("These risk points involve no resident or household in common.")}
            )
        # Stored once, whichever way it was asked for.
        if source.pk > target.pk:
            source, target = target, source
        if not note:
            note = _("%(r)s resident(s), %(h)s household(s) in common") % {
                "r": len(parties["residents"]),
                "h": len(parties["households"]),
            }
    if RiskLink.objects.filter(source=source, target=target, kind=kind).exists():
        raise ValidationError({"target": _("These two risk points are already linked this way.")})
    link = RiskLink(
        source=source,
        target=target,
        kind=kind,
        strength=_strength(strength),
        note=note,
        created_by=actor,
    )
    link.full_clean()
    link._change_reason = "created"
    link.save()
    return link


@transaction.atomic
def risk_link_delete(*, link: RiskLink, actor) -> None:
    if not RiskLink.objects.actionable_by(actor).filter(pk=link.pk).exists():
        raise PermissionDenied(_("You may not remove this link."))
    link._change_reason = "removed"
    link.delete()


@transaction.atomic
def risk_shared_party_links_propose(*, risk_point: RiskPoint, actor, strength="0.5") -> int:
    """Create the shared-party links of a risk point to every other open risk point the actor
    may act on that involves one of its residents or households. Returns how many."""
    from risks.selectors import shared_party_candidates

    created = 0
    for other in shared_party_candidates(risk_point=risk_point, user=actor, actionable=True):
        low, high = sorted([risk_point, other], key=lambda point: point.pk)
        if RiskLink.objects.filter(source=low, target=high, kind=LinkKind.SHARED_PARTY).exists():
            continue
        risk_link_create(
            source=low, target=high, kind=LinkKind.SHARED_PARTY, strength=strength, actor=actor
        )
        created += 1
    return created


# --- Proposals (data pre-identification) ----------------------------------------------------
def _lock_open_proposal(proposal: RiskProposal, actor) -> RiskProposal:
    locked = (
        RiskProposal.objects.actionable_by(actor).select_for_update().filter(pk=proposal.pk).first()
    )
    if locked is None:
        raise PermissionDenied(_("You may not decide on this proposal."))
    if locked.status != ProposalStatus.OPEN:
        raise ValidationError(
            _("This proposal was already %(status)s.") % {"status": locked.get_status_display()}
        )
    return locked


@transaction.atomic
def risk_proposal_accept(*, proposal: RiskProposal, actor, **overrides) -> RiskPoint:
    """Accept a proposal: create its risk point (channel "data pre-identification")."""
    locked = _lock_open_proposal(proposal, actor)
    values = {
        "title": locked.title,
        "description": locked.detail,
        "category": locked.category,
        "inherent_likelihood": locked.likelihood,
        "inherent_severity": locked.severity,
    }
    values.update({key: value for key, value in overrides.items() if value not in (None, "")})
    risk_point = risk_point_create(
        actor=actor, grid_cell=locked.grid_cell, channel=Channel.DATA, **values
    )
    locked.status = ProposalStatus.ACCEPTED
    locked.decided_by = actor
    locked.decided_at = timezone.now()
    locked.risk_point = risk_point
    locked.save(update_fields=["status", "decided_by", "decided_at", "risk_point"])
    update_change_reason(risk_point, f"proposal:{locked.pk}")
    return risk_point


@transaction.atomic
def risk_proposal_dismiss(*, proposal: RiskProposal, actor, reason: str) -> RiskProposal:
    locked = _lock_open_proposal(proposal, actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give a reason for dismissing the proposal.")})
    locked.status = ProposalStatus.DISMISSED
    locked.decided_by = actor
    locked.decided_at = timezone.now()
    locked.dismiss_reason = reason
    locked.save(update_fields=["status", "decided_by", "decided_at", "dismiss_reason"])
    return locked
