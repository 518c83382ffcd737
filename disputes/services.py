"""Writes of dispute cases. Each service names its ``actor``, checks the actor may act on the
case (``actionable_by``, so tier rules and referral grants apply), validates with field-named
errors and writes in one transaction; notifications go out on commit.

Concurrency: every write locks the case row and bumps ``version``. A caller that read the case
at version N passes ``expected_version=N``; if someone changed the case since, the write is
refused with a message naming who changed it and when, and nothing is written.

The procedure has ONE transitions function, ``case_transition``; its rules are data in
``disputes.workflow``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from disputes import workflow
from disputes.models import (
    DisputeCase,
    DisputeCaseUserObjectPermission,
    DisputeCategory,
    DisputeEvent,
    DisputeParty,
    DisputeRepeat,
    DisputeSource,
    EscalationLevel,
    EventKind,
    MediationSession,
    PartyRole,
    ReferralKind,
    Severity,
    Stage,
)
from grid.models import GridCell, OfficerProfile, Station
from grid.people import person_name
from grid.scoping import TIER_RANK, Tier, scope_for
from grid.services import responsible_officer_on, validate_responsible_officer

logger = logging.getLogger(__name__)

MAX_PARTIES = 20
AGREEMENT_MAX_BYTES = 10 * 1024 * 1024
AGREEMENT_TYPES = {".pdf", ".jpg", ".jpeg", ".png"}
EDITABLE_FIELDS = (
    "category",
    "summary",
    "address",
    "severity",
    "source_detail",
    "threats",
    "weapons",
    "repeated_conflict",
    "vulnerable_party",
    "officer",
)


@dataclass(frozen=True)
class PartyInput:
    """A party as typed: a resident of the registry (``resident_id``) or a named outsider."""

    role: str = PartyRole.OTHER
    resident_id: int | None = None
    name: str = ""
    phone: str = ""


# --- Helpers --------------------------------------------------------------------------------
def _tier_rank(actor) -> int:
    scope = scope_for(actor)
    if scope.everything:
        return max(TIER_RANK.values())
    return TIER_RANK.get(scope.tier, -1)


def _lock(case: DisputeCase | int, actor, expected_version: int | None) -> DisputeCase:
    """The case locked for update if the actor may act on it, at the version they read."""
    case_id = case.pk if isinstance(case, DisputeCase) else case
    locked = (
        DisputeCase.objects.actionable_by(actor)
        .select_for_update(of=("self",))
        .select_related("grid_cell__community__station", "updated_by")
        .filter(pk=case_id)
        .first()
    )
    if locked is None:
        raise PermissionDenied(_("You may not change this dispute case."))
    if expected_version is not None and int(expected_version) != locked.version:
        raise ValidationError(
            {
                "version": _(
                    "%(who)s changed this case at %(time)s while you were working on it. "
                    "Reload the case to see their change, then make yours again."
                )
                % {
                    "who": person_name(locked.updated_by) or _("Someone"),
                    "time": timezone.localtime(locked.updated_at).strftime("%H:%M"),
                }
            },
            code="stale",
        )
    return locked


def _save(case: DisputeCase, actor, reason: str, fields: Iterable[str]) -> None:
    case.version += 1  # the row is locked (select_for_update), so this cannot race
    case.updated_by = actor
    case._change_reason = reason
    case.save(update_fields=[*fields, "version", "updated_by", "updated_at"])


def _event(case: DisputeCase, kind: str, actor=None, **fields) -> DisputeEvent:
    return DisputeEvent.objects.create(case=case, kind=kind, actor=actor, **fields)


def _apply_escalation_risk(case: DisputeCase) -> None:
    case.escalation_risk = workflow.escalation_risk_for(
        severity=case.severity,
        threats=case.threats,
        weapons=case.weapons,
        repeated_conflict=case.repeated_conflict,
        vulnerable_party=case.vulnerable_party,
    )


def _enter_stage(case: DisputeCase, stage: str, now) -> None:
    case.stage = stage
    case.stage_entered_at = now
    case.stage_due_on = workflow.stage_due_on(stage, timezone.localdate(now))
    case.overdue_escalated_at = None


# --- Parties --------------------------------------------------------------------------------
def _clean_parties(parties: Sequence[PartyInput], grid_cell: GridCell, actor) -> list:
    """Resolve and check the parties: residents must be ones the actor may see; outsiders need
    a name. Errors name the field ``parties`` and the row."""
    from residents.models import Resident

    if not parties:
        raise ValidationError({"parties": _("Name at least one party.")})
    if len(parties) > MAX_PARTIES:
        raise ValidationError(
            {"parties": _("A case has at most %(count)s parties.") % {"count": MAX_PARTIES}}
        )
    resident_ids = {party.resident_id for party in parties if party.resident_id}
    residents = Resident.objects.visible_to(actor).in_bulk(resident_ids)
    cleaned, seen = [], set()
    for number, party in enumerate(parties, start=1):
        if party.role not in PartyRole.values:
            raise ValidationError({"parties": _("Party %(n)s: choose a role.") % {"n": number}})
        if party.resident_id:
            resident = residents.get(party.resident_id)
            if resident is None:
                raise ValidationError(
                    {"parties": _("Party %(n)s: no such resident in your area.") % {"n": number}}
                )
            # The resident's name as at registration: the case's record of who the parties
            # were, and what the case search reads (no join to the registry's millions).
            name, phone = resident.name[:60], ""
        else:
            resident = None
            name = (party.name or "").strip()
            phone = "".join(ch for ch in (party.phone or "") if ch.isdigit() or ch == "+")
            if not name:
                raise ValidationError(
                    {"parties": _("Party %(n)s: pick a resident or type a name.") % {"n": number}}
                )
            if len(name) > 60 or len(phone) > 20:
                raise ValidationError(
                    {"parties": _("Party %(n)s: the name or phone is too long.") % {"n": number}}
                )
        key = workflow.party_key(
            resident_id=resident.pk if resident else None, name=name, phone=phone
        )
        if key in seen:
            raise ValidationError({"parties": _("Party %(n)s is named twice.") % {"n": number}})
        seen.add(key)
        cleaned.append(
            DisputeParty(resident=resident, name=name, phone=phone, role=party.role, party_key=key)
        )
    return cleaned


def _cell_for(grid_cell: GridCell | int, actor) -> GridCell:
    cell_id = grid_cell.pk if isinstance(grid_cell, GridCell) else grid_cell
    cell = (
        GridCell.objects.actionable_by(actor)
        .select_related("community__station")
        .filter(pk=cell_id)
        .first()
    )
    if cell is None:
        raise PermissionDenied(_("You may not register dispute cases in this grid cell."))
    return cell


# --- Create and edit ------------------------------------------------------------------------
@transaction.atomic
def case_create(
    *,
    actor,
    grid_cell: GridCell | int,
    category: str,
    summary: str,
    parties: Sequence[PartyInput],
    source: str = DisputeSource.OFFICER,
    severity: str = Severity.GENERAL,
    address: str = "",
    source_detail: str = "",
    source_concern=None,
    source_visit=None,
    threats: bool = False,
    weapons: bool = False,
    repeated_conflict: bool = False,
    vulnerable_party: bool = False,
    officer=None,
    now=None,
) -> DisputeCase:
    """Register a case (stage "registered"), its parties and the first timeline entry, then
    look for earlier cases it repeats."""
    now = now or timezone.now()
    cell = _cell_for(grid_cell, actor)
    errors = {}
    if category not in DisputeCategory.values:
        errors["category"] = _("Choose a category.")
    if severity not in Severity.values:
        errors["severity"] = _("Choose a severity.")
    if source not in DisputeSource.values:
        errors["source"] = _("Choose where the case came from.")
    summary = (summary or "").strip()
    if not summary:
        errors["summary"] = _("Describe the dispute in a few sentences.")
    elif len(summary) > 4000:
        errors["summary"] = _("Keep the summary under 4,000 characters.")
    if len(address or "") > 200:
        errors["address"] = _("Keep the address under 200 characters.")
    if errors:
        raise ValidationError(errors)
    if source == DisputeSource.CONCERN and source_concern is None:
        raise ValidationError({"source_concern": _("Name the concern the case comes from.")})
    if source == DisputeSource.VISIT and source_visit is None:
        raise ValidationError({"source_visit": _("Name the visit the case comes from.")})
    _check_sources(actor, source_concern=source_concern, source_visit=source_visit)
    cleaned_parties = _clean_parties(parties, cell, actor)
    officer = officer or responsible_officer_on(cell, timezone.localdate(now)) or actor
    validate_responsible_officer(officer, cell, field="officer")

    case = DisputeCase(
        grid_cell=cell,
        category=category,
        summary=summary,
        address=(address or "").strip(),
        address_key=workflow.address_key(address),
        severity=severity,
        source=source,
        source_concern=source_concern,
        source_visit=source_visit,
        source_detail=(source_detail or "").strip()[:200],
        threats=bool(threats),
        weapons=bool(weapons),
        repeated_conflict=bool(repeated_conflict),
        vulnerable_party=bool(vulnerable_party),
        officer=officer,
        created_by=actor,
        updated_by=actor,
        created_at=now,
    )
    _enter_stage(case, Stage.REGISTERED, now)
    _apply_escalation_risk(case)
    case._change_reason = "registered"
    case.save()
    for party in cleaned_parties:
        party.case = case
    DisputeParty.objects.bulk_create(cleaned_parties)
    _event(case, EventKind.REGISTERED, actor, to_stage=Stage.REGISTERED, at=now)
    _detect_repeats(case, actor, now)
    if officer.pk != getattr(actor, "pk", None):
        _notify_on_commit(case.pk, "assigned")
    return case


def _check_sources(actor, *, source_concern, source_visit) -> None:
    """A case made from a concern or a visit links only to ones the actor may see."""
    from grid.models import GridVisit
    from residents.models import Concern

    if source_concern is not None and not (
        Concern.objects.visible_to(actor).filter(pk=source_concern.pk).exists()
    ):
        raise ValidationError({"source_concern": _("No such concern in your area.")})
    if source_visit is not None and not (
        GridVisit.objects.visible_to(actor).filter(pk=source_visit.pk).exists()
    ):
        raise ValidationError({"source_visit": _("No such visit in your area.")})


@transaction.atomic
def case_update(*, case: DisputeCase | int, actor, expected_version: int | None, **changes):
    """Change the case's details (not its stage: that is ``case_transition``)."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable here: {sorted(unknown)}")
    locked = _lock(case, actor, expected_version)
    if not locked.is_open:
        raise ValidationError({"stage": _("A closed case is reopened before it is changed.")})
    errors = {}
    if "category" in changes and changes["category"] not in DisputeCategory.values:
        errors["category"] = _("Choose a category.")
    if "severity" in changes and changes["severity"] not in Severity.values:
        errors["severity"] = _("Choose a severity.")
    if "summary" in changes:
        changes["summary"] = (changes["summary"] or "").strip()
        if not changes["summary"]:
            errors["summary"] = _("Describe the dispute in a few sentences.")
        elif len(changes["summary"]) > 4000:
            errors["summary"] = _("Keep the summary under 4,000 characters.")
    if "address" in changes:
        changes["address"] = (changes["address"] or "").strip()
        if len(changes["address"]) > 200:
            errors["address"] = _("Keep the address under 200 characters.")
    if errors:
        raise ValidationError(errors)
    if "officer" in changes and changes["officer"] is None:
        raise ValidationError({"officer": _("Choose the responsible officer.")})
    if "officer" in changes:
        validate_responsible_officer(changes["officer"], locked.grid_cell, field="officer")
    changed = [name for name, value in changes.items() if getattr(locked, name) != value]
    if not changed:
        return locked
    before = {name: _display(locked, name) for name in changed}
    for name in changed:
        setattr(locked, name, changes[name])
    fields = set(changed)
    if "address" in fields:
        locked.address_key = workflow.address_key(locked.address)
        fields.add("address_key")
    _apply_escalation_risk(locked)
    fields.add("escalation_risk")
    new_officer = "officer" in changed
    _save(locked, actor, "edited", fields)
    _event(
        locked,
        EventKind.EDITED,
        actor,
        details={
            "fields": sorted(changed),
            "before": before,
            "after": {name: _display(locked, name) for name in changed},
        },
    )
    if "address" in changed:
        _detect_repeats(locked, actor, timezone.now())
    if new_officer and locked.officer_id != getattr(actor, "pk", None):
        _notify_on_commit(locked.pk, "assigned")
    return locked


def _display(case: DisputeCase, name: str) -> str:
    if name == "officer":
        return person_name(case.officer)
    value = getattr(case, name)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    getter = getattr(case, f"get_{name}_display", None)
    text = str(getter()) if getter else str(value)
    return text if len(text) <= 300 else text[:297] + "…"


@transaction.atomic
def case_party_add(
    *, case: DisputeCase | int, actor, party: PartyInput, expected_version: int | None = None
) -> DisputeParty:
    locked = _lock(case, actor, expected_version)
    if not locked.is_open:
        raise ValidationError({"stage": _("A closed case is reopened before it is changed.")})
    existing = list(locked.parties.values_list("party_key", flat=True))
    if len(existing) >= MAX_PARTIES:
        raise ValidationError(
            {"parties": _("A case has at most %(count)s parties.") % {"count": MAX_PARTIES}}
        )
    (cleaned,) = _clean_parties([party], locked.grid_cell, actor)
    if cleaned.party_key in existing:
        raise ValidationError({"parties": _("This party is already on the case.")})
    cleaned.case = locked
    cleaned.save()
    _save(locked, actor, "party added", [])
    _event(
        locked,
        EventKind.EDITED,
        actor,
        details={"party_added": cleaned.display_name, "role": cleaned.get_role_display()},
    )
    _detect_repeats(locked, actor, timezone.now())
    return cleaned


@transaction.atomic
def case_party_remove(
    *, case: DisputeCase | int, actor, party_id: int, expected_version: int | None = None
) -> None:
    locked = _lock(case, actor, expected_version)
    if not locked.is_open:
        raise ValidationError({"stage": _("A closed case is reopened before it is changed.")})
    party = locked.parties.select_related("resident").filter(pk=party_id).first()
    if party is None:
        raise ValidationError({"parties": _("No such party on this case.")})
    if locked.parties.count() <= 1:
        raise ValidationError({"parties": _("A case keeps at least one party.")})
    name, role = party.display_name, party.get_role_display()
    party.delete()
    _save(locked, actor, "party removed", [])
    _event(locked, EventKind.EDITED, actor, details={"party_removed": name, "role": role})


# --- The procedure --------------------------------------------------------------------------
def allowed_moves(case: DisputeCase, actor) -> list[str]:
    """The stages this actor may move the case to now (for buttons; the service re-checks)."""
    return [
        target
        for target in workflow.next_stages(case.stage)
        if _may_make(actor, case, workflow.move_for(case.stage, target)) is None
    ]


def _may_make(actor, case: DisputeCase, move: workflow.Move) -> str | None:
    """None if the actor's tier may make the move, else the reason why not."""
    rank = _tier_rank(actor)
    if move.who == workflow.Who.CHIEF and rank < TIER_RANK[Tier.STATION_CHIEF]:
        return _("This step is for the station chief.")
    if move.who == workflow.Who.ESCALATION_TIER:
        if case.escalation_level == EscalationLevel.SUB_BUREAU:
            if rank < TIER_RANK[Tier.SUB_BUREAU_STAFF]:
                return _("The case was escalated to the sub-bureau; its staff take this step.")
        elif rank < TIER_RANK[Tier.STATION_CHIEF]:
            return _("The case was escalated to the station chief, who takes this step.")
    if rank < TIER_RANK[Tier.COMMUNITY_OFFICER]:
        return _("Grid workers do not change dispute cases.")
    return None


@transaction.atomic
def case_transition(
    *,
    case: DisputeCase | int,
    to_stage: str,
    actor,
    reason: str = "",
    expected_version: int | None = None,
    escalation_level: str = "",
    referral_kind: str = "",
    referral_body: str = "",
    referred_station: Station | int | None = None,
    resolution: str = "",
    accountable_officer=None,
    fault: str = "",
    now=None,
) -> DisputeCase:
    """Move a case to another stage by the procedure, or refuse with a clear error and change
    nothing. Records actor, time and reason on the timeline."""
    now = now or timezone.now()
    locked = _lock(case, actor, expected_version)
    reason = (reason or "").strip()
    try:
        target = Stage(to_stage)
    except ValueError:
        raise ValidationError({"to_stage": _("Unknown stage.")}) from None
    current = Stage(locked.stage)
    move = workflow.move_for(current, target)
    if move is None:
        if target == current:
            message = _("The case is already at %(stage)s.") % {"stage": current.label}
        else:
            message = _("A case cannot go from %(from)s to %(to)s.") % {
                "from": current.label,
                "to": target.label,
            }
        raise ValidationError({"to_stage": message}, code="illegal_transition")
    refusal = _may_make(actor, locked, move)
    if refusal:
        raise PermissionDenied(refusal)
    if move.reason_required and not reason:
        raise ValidationError({"reason": _("Give a reason for this step.")})
    if len(reason) > 2000:
        raise ValidationError({"reason": _("Keep the reason under 2,000 characters.")})

    fields = {"stage", "stage_entered_at", "stage_due_on", "overdue_escalated_at"}
    details: dict = {}
    receiving_chiefs: list = []
    if move.needs_escalation_level:
        if escalation_level not in EscalationLevel.values:
            raise ValidationError({"escalation_level": _("Choose who the case goes up to.")})
        if not workflow.escalation_level_allowed(escalation_level, locked.severity):
            raise ValidationError(
                {"escalation_level": _("Only a major case goes up to the sub-bureau.")}
            )
        locked.escalation_level = escalation_level
        fields.add("escalation_level")
        details["escalation_level"] = str(EscalationLevel(escalation_level).label)
    if move.needs_referral:
        receiving_chiefs = _apply_referral(
            locked, referral_kind, referral_body, referred_station, details
        )
        fields |= {"referral_kind", "referral_body", "referred_station"}
    if move.needs_resolution:
        resolution = (resolution or "").strip()
        if not resolution:
            raise ValidationError({"resolution": _("Say how the dispute was resolved.")})
        if len(resolution) > 4000:
            raise ValidationError({"resolution": _("Keep it under 4,000 characters.")})
        if move.needs_agreement and not locked.sessions.filter(agreement_reached=True).exists():
            raise ValidationError(
                {
                    "to_stage": _(
                        "Record the mediation session where the parties reached an agreement "
                        "before marking the case resolved."
                    )
                }
            )
        locked.resolution = resolution
        locked.resolved_on = timezone.localdate(now)
        fields |= {"resolution", "resolved_on"}
        details["resolution"] = resolution
    if move.needs_accountability:
        fault = (fault or "").strip()
        errors = {}
        if accountable_officer is None:
            errors["accountable_officer"] = _("Name the officer who handled the case.")
        if not fault:
            errors["fault"] = _("Say what was wrong with how the case was handled.")
        if errors:
            raise ValidationError(errors)
        _check_accountable(accountable_officer, locked)
        details["fault"] = fault
        locked.reopen_count += 1
        locked.closed_on = None
        fields |= {"reopen_count", "closed_on"}
    if target == Stage.CLOSED:
        locked.closed_on = timezone.localdate(now)
        fields.add("closed_on")
    if current == Stage.ESCALATED:
        locked.escalation_level = ""
        fields.add("escalation_level")
    ended_station = None
    if move.ends_referral:
        ended_station = locked.referred_station
        details["referral_ended"] = str(ReferralKind(locked.referral_kind).label)
        locked.referral_kind, locked.referral_body, locked.referred_station = "", "", None
        fields |= {"referral_kind", "referral_body", "referred_station"}

    _enter_stage(locked, target, now)
    _save(locked, actor, f"{current} -> {target}", fields)
    _event(
        locked,
        EventKind.TRANSITION,
        actor,
        from_stage=current,
        to_stage=target,
        reason=reason,
        accountable_officer=accountable_officer if move.needs_accountability else None,
        details=details,
        at=now,
    )
    if ended_station is not None:
        _revoke_referral_access(locked, actor, ended_station, now)
    if receiving_chiefs:
        _grant_referral_access(locked, actor, receiving_chiefs, now)
    if target == Stage.ESCALATED:
        _notify_on_commit(locked.pk, "escalated")
    if receiving_chiefs:
        _notify_on_commit(locked.pk, "referred")
    return locked


def _apply_referral(case, kind, body, station, details) -> list:
    """Set the referral's target; for another station, return the chiefs who get access."""
    if kind not in ReferralKind.values:
        raise ValidationError({"referral_kind": _("Choose where the case is referred to.")})
    body = (body or "").strip()
    if len(body) > 200:
        raise ValidationError({"referral_body": _("Keep the name under 200 characters.")})
    chiefs = []
    if kind == ReferralKind.STATION:
        station_id = station.pk if isinstance(station, Station) else station
        target = Station.objects.filter(pk=station_id or 0).first()
        if target is None:
            raise ValidationError({"referred_station": _("Choose the receiving station.")})
        if target.pk == case.grid_cell.community.station_id:
            raise ValidationError(
                {"referred_station": _("The case is already this station's; choose another.")}
            )
        chiefs = list(
            get_user_model().objects.filter(
                is_active=True,
                officer_profile__is_active=True,
                officer_profile__tier=Tier.STATION_CHIEF,
                officer_profile__station=target,
            )
        )
        if not chiefs:
            raise ValidationError(
                {"referred_station": _("That station has no active chief to receive the case.")}
            )
        case.referred_station = target
        body = body or target.name
        details["referred_station"] = target.name
    elif not body:
        raise ValidationError(
            {"referral_body": _("Name the committee, court or department receiving the case.")}
        )
    else:
        case.referred_station = None
    case.referral_kind = kind
    case.referral_body = body
    details["referral_kind"] = str(ReferralKind(kind).label)
    details["referral_body"] = body
    return chiefs


def _change_permission() -> Permission:
    return Permission.objects.get(content_type__app_label="disputes", codename="change_disputecase")


def _grant_referral_access(case, actor, chiefs, now) -> None:
    """The receiving station's chief(s) may see and act on this one case, nothing else."""
    permission = _change_permission()
    DisputeCaseUserObjectPermission.objects.bulk_create(
        [
            DisputeCaseUserObjectPermission(user=chief, permission=permission, content_object=case)
            for chief in chiefs
        ],
        ignore_conflicts=True,
    )
    _event(
        case,
        EventKind.ACCESS_GRANTED,
        actor,
        details={"users": [person_name(chief) for chief in chiefs]},
        at=now,
    )


def _revoke_referral_access(case, actor, station, now) -> None:
    removed = list(
        DisputeCaseUserObjectPermission.objects.filter(content_object=case).select_related("user")
    )
    DisputeCaseUserObjectPermission.objects.filter(pk__in=[row.pk for row in removed]).delete()
    _event(
        case,
        EventKind.ACCESS_REVOKED,
        actor,
        details={"station": station.name, "users": [person_name(row.user) for row in removed]},
        at=now,
    )


def _check_accountable(officer, case) -> None:
    profile = OfficerProfile.objects.filter(user_id=officer.pk).first()
    station = case.grid_cell.community.station
    if profile is None or (
        profile.station_id != station.pk and profile.sub_bureau_id != station.sub_bureau_id
    ):
        raise ValidationError(
            {"accountable_officer": _("Name an officer of the station that handled the case.")}
        )


# --- Mediation sessions ---------------------------------------------------------------------
MEDIATION_STAGES = (Stage.MEDIATING, Stage.ESCALATED)


@transaction.atomic
def mediation_session_add(
    *,
    case: DisputeCase | int,
    actor,
    held_on: date,
    place: str,
    participants: str,
    outcome: str = "",
    agreement_reached: bool = False,
    agreement_text: str = "",
    agreement_file=None,
    expected_version: int | None = None,
) -> MediationSession:
    locked = _lock(case, actor, expected_version)
    if locked.stage not in MEDIATION_STAGES:
        raise ValidationError(
            {
                "held_on": _("Sessions are recorded while the case is in mediation (now: %(s)s).")
                % {"s": Stage(locked.stage).label}
            }
        )
    errors = {}
    today = timezone.localdate()
    if held_on is None:
        errors["held_on"] = _("Enter the date of the session.")
    elif held_on > today:
        errors["held_on"] = _("A session is recorded after it was held, not before.")
    elif held_on < timezone.localdate(locked.created_at) - timedelta(days=1):
        errors["held_on"] = _("The session cannot be before the case was registered.")
    place = (place or "").strip()
    participants = (participants or "").strip()
    if not place:
        errors["place"] = _("Say where the session was held.")
    if not participants:
        errors["participants"] = _("List who took part.")
    agreement_text = (agreement_text or "").strip()
    if agreement_reached and not (agreement_text or agreement_file):
        errors["agreement_text"] = _(
            "An agreement was reached: type its text or attach the signed agreement."
        )
    if agreement_file is not None:
        name = (getattr(agreement_file, "name", "") or "").lower()
        if not any(name.endswith(ext) for ext in AGREEMENT_TYPES):
            errors["agreement_file"] = _("Attach a PDF, JPEG or PNG file.")
        elif getattr(agreement_file, "size", 0) > AGREEMENT_MAX_BYTES:
            errors["agreement_file"] = _("The file is larger than 10 MB.")
    if errors:
        raise ValidationError(errors)
    session = MediationSession(
        case=locked,
        held_on=held_on,
        place=place[:200],
        participants=participants[:1000],
        outcome=(outcome or "").strip()[:4000],
        agreement_reached=bool(agreement_reached),
        agreement_text=agreement_text[:20000],
        recorded_by=actor,
    )
    if agreement_file is not None:
        session.agreement_file.save(
            agreement_file.name.rsplit("/", 1)[-1], agreement_file, save=False
        )
    session.save()
    _save(locked, actor, "session recorded", [])
    _event(
        locked,
        EventKind.SESSION,
        actor,
        details={
            "held_on": held_on.isoformat(),
            "place": session.place,
            "agreement_reached": session.agreement_reached,
        },
    )
    return session


# --- Repeat detection -----------------------------------------------------------------------
def _detect_repeats(case: DisputeCase, actor, now) -> list[DisputeRepeat]:
    """Link the case to earlier cases (within 90 days before it was registered) between the
    same parties or at the same address; a repeat raises the case's escalation risk.

    Two aggregate queries whatever the number of cases; across stations too, because the
    parties do not stop at a station's border (a viewer sees only the links they may see)."""
    since = case.created_at - timedelta(days=workflow.REPEAT_WINDOW_DAYS)
    earlier = DisputeCase.objects.filter(created_at__gte=since, created_at__lte=case.created_at)
    earlier = earlier.exclude(pk=case.pk)
    found: dict[tuple[int, str], None] = {}

    keys = list(case.parties.values_list("party_key", flat=True))
    if keys:
        rows = (
            DisputeParty.objects.filter(case__in=earlier.values("pk"))
            .order_by()
            .values("case_id")
            .annotate(
                shared=Count("pk", filter=Q(party_key__in=keys)),
                total=Count("pk"),
            )
            .filter(shared__gt=0)
            .values_list("case_id", "shared", "total")
        )
        for earlier_id, shared, total in rows:
            if workflow.shared_parties_make_repeat(shared, len(keys), total):
                found[(earlier_id, DisputeRepeat.Reason.PARTIES)] = None
    if case.address_key:
        for earlier_id in earlier.filter(address_key=case.address_key).values_list("pk", flat=True):
            found[(earlier_id, DisputeRepeat.Reason.ADDRESS)] = None
    if not found:
        return []
    existing = set(case.repeats_of.values_list("earlier_id", "reason"))
    new = [
        DisputeRepeat(case=case, earlier_id=earlier_id, reason=reason, created_at=now)
        for earlier_id, reason in found
        if (earlier_id, reason) not in existing
    ]
    if not new:
        return []
    DisputeRepeat.objects.bulk_create(new, ignore_conflicts=True)
    fields = []
    if not case.repeated_conflict:
        case.repeated_conflict = True
        fields.append("repeated_conflict")
    before = case.escalation_risk
    _apply_escalation_risk(case)
    if case.escalation_risk != before:
        fields.append("escalation_risk")
    if fields:
        # Part of the write that found the repeat: no version bump of its own.
        DisputeCase.objects.filter(pk=case.pk).update(
            repeated_conflict=case.repeated_conflict, escalation_risk=case.escalation_risk
        )
    _event(
        case,
        EventKind.REPEAT,
        None,
        details={
            "earlier": sorted({repeat.earlier_id for repeat in new}),
            "reasons": sorted({repeat.reason for repeat in new}),
        },
        at=now,
    )
    return new


# --- Deadlines ------------------------------------------------------------------------------
@dataclass(frozen=True)
class EscalationResult:
    escalated: int
    case_ids: tuple[int, ...]


def overdue_cases_escalate(*, as_of: date | None = None, now=None) -> EscalationResult:
    """The daily job: every open case past its stage's deadline that was not yet escalated for
    this stage is flagged to its station chief, with a timeline entry. Safe to run twice: the
    second run finds nothing. The caller tells the people concerned (``case_notify``) once this
    has committed (the task does, one notice task per case)."""
    now = now or timezone.now()
    as_of = as_of or timezone.localdate(now)
    with transaction.atomic():
        rows = list(
            DisputeCase.objects.overdue(as_of)
            .filter(overdue_escalated_at__isnull=True)
            .select_for_update(skip_locked=True)
            .values_list("pk", "stage", "stage_due_on")
        )
        if not rows:
            return EscalationResult(0, ())
        ids = [case_id for case_id, _stage, _due in rows]
        # Not a change of the case's content: no version bump, so a form open at that moment
        # still saves (its update_fields never touch this mark).
        DisputeCase.objects.filter(pk__in=ids).update(overdue_escalated_at=now)
        DisputeEvent.objects.bulk_create(
            [
                DisputeEvent(
                    case_id=case_id,
                    kind=EventKind.OVERDUE,
                    from_stage=stage,
                    details={"due_on": due.isoformat() if due else ""},
                    at=now,
                )
                for case_id, stage, due in rows
            ],
            batch_size=1000,
        )
    return EscalationResult(len(ids), tuple(ids))


def _notify_on_commit(case_id: int, reason: str) -> None:
    from disputes import tasks

    transaction.on_commit(lambda: _enqueue(tasks.case_notify_task, case_id, reason), robust=True)


def _enqueue(task, *args) -> bool:
    from residents.services import enqueue

    return enqueue(task, *args)


NOTICE_SUBJECTS = {
    "overdue": gettext_noop("Dispute case %(reference)s is overdue at %(stage)s"),
    "escalated": gettext_noop("Dispute case %(reference)s was escalated"),
    "referred": gettext_noop("Dispute case %(reference)s was referred to your station"),
    "assigned": gettext_noop("Dispute case %(reference)s is now yours"),
}


def case_notify(*, case_id: int, reason: str) -> int:
    """E-mail the people a case event concerns. Returns how many were told.

    overdue: the station chief(s) and the responsible officer; escalated: the chief(s), or the
    sub-bureau's staff for a case escalated there; referred: the receiving station's chief(s);
    assigned: the responsible officer."""
    from django.core.mail import send_mail

    case = (
        DisputeCase.objects.filter(pk=case_id)
        .select_related("grid_cell__community__station", "officer", "referred_station")
        .first()
    )
    if case is None or reason not in NOTICE_SUBJECTS:
        return 0
    station = case.grid_cell.community.station
    users = get_user_model().objects.filter(is_active=True).exclude(email="")
    chiefs = Q(officer_profile__tier=Tier.STATION_CHIEF, officer_profile__station_id=station.pk)
    if reason == "overdue":
        recipients = users.filter(chiefs | Q(pk=case.officer_id))
    elif reason == "escalated" and case.escalation_level == EscalationLevel.SUB_BUREAU:
        recipients = users.filter(
            officer_profile__tier=Tier.SUB_BUREAU_STAFF,
            officer_profile__sub_bureau_id=station.sub_bureau_id,
        )
    elif reason == "escalated":
        recipients = users.filter(chiefs)
    elif reason == "referred" and case.referred_station_id:
        recipients = users.filter(
            officer_profile__tier=Tier.STATION_CHIEF,
            officer_profile__station_id=case.referred_station_id,
        )
    elif reason == "assigned":
        recipients = users.filter(pk=case.officer_id)
    else:
        return 0
    emails = sorted(set(recipients.values_list("email", flat=True)))
    if not emails:
        return 0
    values = {"reference": case.reference, "stage": Stage(case.stage).label}
    send_mail(
        subject=_(NOTICE_SUBJECTS[reason]) % values,
        message=_(
            "%(reference)s (%(category)s) in grid cell %(cell)s, responsible officer "
            "%(officer)s, is at %(stage)s; its deadline is %(due)s."
        )
        % {
            **values,
            "category": case.get_category_display(),
            "cell": case.grid_cell.code,
            "officer": person_name(case.officer),
            "due": case.stage_due_on.isoformat() if case.stage_due_on else "-",
        },
        from_email=None,
        recipient_list=emails,
        fail_silently=True,
    )
    return len(emails)
