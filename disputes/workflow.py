"""The standard procedure of a dispute case as data: which stage may follow which, who may
make each move, what each move needs, and how long each stage may take.

registered → screening → mediating → resolved → follow-up → closed; from screening or
mediating a case is escalated (to the station chief, or to the sub-bureau for major cases) or
referred (people's mediation committee, court, another department, another station); an
escalated case goes back to mediation, is referred or resolved by the tier it went to; a
referral ends with the case back in mediation or resolved; a resolved or closed case is
reopened with a reason (correction with accountability), then screened or mediated again.

``disputes.services.case_transition`` is the one function that moves a case; it reads
everything here.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from dataclasses import dataclass

from django.conf import settings

from disputes.models import EscalationLevel, EscalationRisk, Severity, Stage


class Who(enum.IntEnum):
    """The least tier that may make a move (besides being allowed to act on the case)."""

    OFFICER = 1  # anyone who may act on the case: its officers, the chief, the sub-bureau
    CHIEF = 2  # the station chief or the sub-bureau
    ESCALATION_TIER = 3  # the tier the case was escalated to (chief, or the sub-bureau)


@dataclass(frozen=True)
class Move:
    who: Who = Who.OFFICER
    reason_required: bool = True
    # Extra input the move needs (checked by the service, named in its errors).
    needs_escalation_level: bool = False
    needs_referral: bool = False
    needs_resolution: bool = False
    needs_agreement: bool = False  # a mediation session with an agreement reached
    needs_accountability: bool = False  # reopen: who handled it and what was wrong
    ends_referral: bool = False  # takes away the receiving station's access


TRANSITIONS: dict[tuple[str, str], Move] = {
    (Stage.REGISTERED, Stage.SCREENING): Move(reason_required=False),
    (Stage.SCREENING, Stage.MEDIATING): Move(reason_required=False),
    (Stage.SCREENING, Stage.ESCALATED): Move(needs_escalation_level=True),
    (Stage.SCREENING, Stage.REFERRED): Move(needs_referral=True),
    (Stage.MEDIATING, Stage.RESOLVED): Move(
        reason_required=False, needs_resolution=True, needs_agreement=True
    ),
    (Stage.MEDIATING, Stage.ESCALATED): Move(needs_escalation_level=True),
    (Stage.MEDIATING, Stage.REFERRED): Move(needs_referral=True),
    (Stage.RESOLVED, Stage.FOLLOW_UP): Move(reason_required=False),
    (Stage.FOLLOW_UP, Stage.CLOSED): Move(who=Who.CHIEF),
    (Stage.ESCALATED, Stage.MEDIATING): Move(who=Who.ESCALATION_TIER),
    (Stage.ESCALATED, Stage.REFERRED): Move(who=Who.ESCALATION_TIER, needs_referral=True),
    (Stage.ESCALATED, Stage.RESOLVED): Move(
        who=Who.ESCALATION_TIER, reason_required=False, needs_resolution=True
    ),
    (Stage.REFERRED, Stage.MEDIATING): Move(ends_referral=True),
    (Stage.REFERRED, Stage.RESOLVED): Move(
        reason_required=False, needs_resolution=True, ends_referral=True
    ),
    (Stage.RESOLVED, Stage.REOPENED): Move(who=Who.CHIEF, needs_accountability=True),
    (Stage.CLOSED, Stage.REOPENED): Move(who=Who.CHIEF, needs_accountability=True),
    (Stage.REOPENED, Stage.SCREENING): Move(reason_required=False),
    (Stage.REOPENED, Stage.MEDIATING): Move(reason_required=False),
}


def next_stages(stage: str) -> list[str]:
    """The stages a case in ``stage`` may move to, in the procedure's order."""
    order = list(Stage)
    return sorted((target for source, target in TRANSITIONS if source == stage), key=order.index)


def move_for(from_stage: str, to_stage: str) -> Move | None:
    return TRANSITIONS.get((from_stage, to_stage))


# --- Deadlines ------------------------------------------------------------------------------
# Days a case may stay in each stage; "resolved" is the follow-up visit's deadline (within 15
# days of resolution). Settings may override single entries (DISPUTE_STAGE_DAYS).
DEFAULT_STAGE_DAYS: dict[str, int] = {
    Stage.REGISTERED: 1,
    Stage.SCREENING: 3,
    Stage.MEDIATING: 30,
    Stage.RESOLVED: 15,
    Stage.FOLLOW_UP: 7,
    Stage.ESCALATED: 7,
    Stage.REFERRED: 30,
    Stage.REOPENED: 3,
}


def stage_days() -> dict[str, int]:
    overrides = getattr(settings, "DISPUTE_STAGE_DAYS", {}) or {}
    return {**DEFAULT_STAGE_DAYS, **overrides}


def stage_due_on(stage: str, entered_on):
    """The date by which a case entered into ``stage`` on ``entered_on`` must move on."""
    from datetime import timedelta

    days = stage_days().get(stage)
    return None if days is None else entered_on + timedelta(days=days)


# --- Escalation risk ------------------------------------------------------------------------
SEVERITY_POINTS = {Severity.MINOR: 0, Severity.GENERAL: 0, Severity.SERIOUS: 1, Severity.MAJOR: 2}
FLAG_POINTS = {"weapons": 3, "threats": 2, "repeated_conflict": 1, "vulnerable_party": 1}
HIGH_FROM, MEDIUM_FROM = 3, 1


def escalation_risk_for(
    *, severity: str, threats: bool, weapons: bool, repeated_conflict: bool, vulnerable_party: bool
) -> str:
    """Weapons alone, or threats with anything else, make a case high risk; any flag or a
    serious case makes it medium (docs/disputes.md has the table)."""
    flags = {
        "weapons": weapons,
        "threats": threats,
        "repeated_conflict": repeated_conflict,
        "vulnerable_party": vulnerable_party,
    }
    points = SEVERITY_POINTS.get(severity, 0) + sum(
        FLAG_POINTS[name] for name, raised in flags.items() if raised
    )
    if points >= HIGH_FROM:
        return EscalationRisk.HIGH
    if points >= MEDIUM_FROM:
        return EscalationRisk.MEDIUM
    return EscalationRisk.LOW


def escalation_level_allowed(level: str, severity: str) -> bool:
    """Only a major case goes up to the sub-bureau; any case goes to the station chief."""
    return level == EscalationLevel.STATION or (
        level == EscalationLevel.SUB_BUREAU and severity == Severity.MAJOR
    )


# --- Repeat detection keys ------------------------------------------------------------------
REPEAT_WINDOW_DAYS = 90
_NOT_KEY = re.compile(r"[\W_]+", re.UNICODE)


def address_key(address: str) -> str:
    """An address without case, spaces or punctuation (full-width forms folded first), so
    "幸福路 12号 3单元" and "幸福路12号3单元" match."""
    folded = unicodedata.normalize("NFKC", address or "").casefold()
    return _NOT_KEY.sub("", folded)[:200]


def party_key(*, resident_id: int | None, name: str = "", phone: str = "") -> str:
    if resident_id:
        return f"r{resident_id}"
    digits = "".join(ch for ch in (phone or "") if ch.isdigit())
    return f"n{address_key(name)}|{digits}"[:100]


def shared_parties_make_repeat(shared: int, new_count: int, earlier_count: int) -> bool:
    """Two cases are "between the same parties" when they share two parties, or share the
    only party one of them names."""
    needed = min(2, new_count, earlier_count)
    return needed >= 1 and shared >= needed
