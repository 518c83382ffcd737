"""Data pre-identification (数据预识别): candidate risk points from the platform's own data.

The nightly job (the register's task) calls ``risk_proposals_generate(as_of)``. It runs every
rule in ``PROPOSAL_RULES``; each rule is a set-based function ``rule(as_of) -> list[Candidate]``
(a few aggregate queries, never a query per grid cell). Nothing becomes a risk point silently:
an officer accepts (``services.risk_proposal_accept``) or dismisses each proposal.

Adding a rule (e.g. the disputes part: repeated disputes between the same parties or at one
address within 90 days, ``ProposalRule.REPEATED_DISPUTES_PARTIES`` / ``..._ADDRESS``)::

    from risks.proposals import Candidate, register_proposal_rule

    @register_proposal_rule
    def repeated_disputes(as_of): ...  # -> list[Candidate], subject_key e.g. "parties:12-40"
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from risks.models import (
    OPEN_STATUSES,
    ProposalRule,
    ProposalStatus,
    RiskCategory,
    RiskProposal,
)

UNVISITED_DAYS = 30
SURGE_RECENT_DAYS = 7
SURGE_BASELINE_DAYS = 90
SURGE_MINIMUM = 3
SURGE_FACTOR = 3


@dataclass(frozen=True)
class Candidate:
    grid_cell_id: int
    rule: str
    subject_key: str
    title: str
    detail: str
    category: str
    likelihood: int
    severity: int
    evidence: dict = field(default_factory=dict)


ProposalRuleFunction = Callable[[date], list[Candidate]]
PROPOSAL_RULES: list[ProposalRuleFunction] = []


def register_proposal_rule(rule: ProposalRuleFunction) -> ProposalRuleFunction:
    if rule not in PROPOSAL_RULES:
        PROPOSAL_RULES.append(rule)
    return rule


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


@register_proposal_rule
def unvisited_cells(as_of: date) -> list[Candidate]:
    """A grid cell nobody visited in the last 30 days (a blind spot), one query."""
    from grid.models import GridCell, GridVisit

    since = as_of - timedelta(days=UNVISITED_DAYS)
    last_visit = (
        GridVisit.objects.filter(grid_cell_id=OuterRef("pk"), visit_date__lte=as_of)
        .order_by("-visit_date")
        .values("visit_date")[:1]
    )
    rows = (
        GridCell.objects.annotate(last_visit=Subquery(last_visit))
        .filter(Q(last_visit__isnull=True) | Q(last_visit__lte=since))
        .values_list("pk", "code", "name", "last_visit")
    )
    candidates = []
    for cell_id, code, name, last in rows:
        if last is None:
            detail = _("No visit has been recorded in grid cell %(cell)s.") % {"cell": name}
        else:
            detail = _(
                "The last visit in grid cell %(cell)s was on %(date)s, %(days)s days ago."
            ) % {"cell": name, "date": last.isoformat(), "days": (as_of - last).days}
        candidates.append(
            Candidate(
                grid_cell_id=cell_id,
                rule=ProposalRule.UNVISITED_CELL,
                subject_key=f"cell:{cell_id}",
                title=_("Blind spot: grid cell %(code)s not visited for %(days)s days")
                % {"code": code, "days": UNVISITED_DAYS},
                detail=detail,
                category=RiskCategory.PUBLIC_ORDER,
                likelihood=2,
                severity=2,
                evidence={"last_visit": last.isoformat() if last else None},
            )
        )
    return candidates


@register_proposal_rule
def concern_surge(as_of: date) -> list[Candidate]:
    """A surge of concerns in one grid cell, one aggregate query.

    Surge: concerns received in the 7 days up to ``as_of`` >= max(3, 3 x the cell's weekly
    average over the 90 days before those 7 days).
    """
    from residents.models import Concern

    recent_start = _start_of(as_of - timedelta(days=SURGE_RECENT_DAYS - 1))
    end = _start_of(as_of + timedelta(days=1))
    baseline_start = recent_start - timedelta(days=SURGE_BASELINE_DAYS)
    rows = (
        Concern.objects.filter(
            grid_cell__isnull=False, created_at__gte=baseline_start, created_at__lt=end
        )
        .values("grid_cell_id")
        .annotate(
            recent=Count("pk", filter=Q(created_at__gte=recent_start)),
            previous=Count("pk", filter=Q(created_at__lt=recent_start)),
        )
        # recent >= 3 x previous / (90 / 7)  <=>  90 x recent >= 21 x previous
        .filter(recent__gte=SURGE_MINIMUM)
        .filter(
            recent__gte=SURGE_FACTOR
            * SURGE_RECENT_DAYS
            * F("previous")
            / float(SURGE_BASELINE_DAYS)
        )
        .values_list("grid_cell_id", "grid_cell__code", "recent", "previous")
    )
    candidates = []
    for cell_id, code, recent, previous in rows:
        weekly = previous * SURGE_RECENT_DAYS / SURGE_BASELINE_DAYS
        candidates.append(
            Candidate(
                grid_cell_id=cell_id,
                rule=ProposalRule.CONCERN_SURGE,
                subject_key=f"cell:{cell_id}",
                title=_("Surge of concerns in grid cell %(code)s") % {"code": code},
                detail=_(
                    "%(recent)s concerns in the last 7 days against a weekly average of "
                    "%(weekly)s over the previous 90 days."
                )
                % {"recent": recent, "weekly": f"{weekly:.1f}"},
                category=RiskCategory.PUBLIC_ORDER,
                likelihood=3,
                severity=2,
                evidence={"recent": recent, "previous_90_days": previous},
            )
        )
    return candidates


def risk_proposals_generate(as_of: date) -> int:
    """Run every rule for ``as_of`` and store the new proposals; returns how many were created.

    Idempotent: a subject (rule + subject key) with an open proposal, a proposal dismissed in
    the last ``RISK_PROPOSAL_QUIET_DAYS`` days, or an accepted proposal whose risk point is
    still open is not proposed again; a partial unique index backs the "one open" rule.
    """
    with translation.override(settings.LANGUAGE_CODE):
        candidates = [candidate for rule in PROPOSAL_RULES for candidate in rule(as_of)]
    if not candidates:
        return 0
    quiet_since = _start_of(as_of - timedelta(days=settings.RISK_PROPOSAL_QUIET_DAYS))
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:  # one run at a time
                cursor.execute("SELECT pg_advisory_xact_lock(hashtext('risk_proposals'))")
        rules = {candidate.rule for candidate in candidates}
        blocked = set(
            RiskProposal.objects.filter(rule__in=rules)
            .filter(
                Q(status=ProposalStatus.OPEN)
                | Q(status=ProposalStatus.DISMISSED, decided_at__gte=quiet_since)
                | Q(status=ProposalStatus.ACCEPTED, risk_point__status__in=OPEN_STATUSES)
            )
            .values_list("rule", "subject_key")
        )
        new, seen = [], set()
        for candidate in candidates:
            key = (candidate.rule, candidate.subject_key)
            if key in blocked or key in seen:
                continue
            seen.add(key)
            new.append(
                RiskProposal(
                    grid_cell_id=candidate.grid_cell_id,
                    rule=candidate.rule,
                    subject_key=candidate.subject_key,
                    title=candidate.title[:200],
                    detail=candidate.detail,
                    evidence=candidate.evidence,
                    category=candidate.category,
                    likelihood=candidate.likelihood,
                    severity=candidate.severity,
                    as_of=as_of,
                )
            )
        RiskProposal.objects.bulk_create(new, batch_size=1000, ignore_conflicts=True)
    return len(new)
