"""What the nightly risk register reads from dispute cases (docs/risk-scoring.md, "Adding a
factor"). Each function answers for all the given grid cells in one GROUP BY query.

Listed in ``settings.RISK_REGISTER_EXTRA_FACTORS``; the register adds them to every cell's
breakdown without knowing about disputes.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db.models import Case, Count, IntegerField, QuerySet, Sum, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from disputes.models import DisputeCase, DisputeRepeat, EscalationRisk
from disputes.workflow import REPEAT_WINDOW_DAYS
from grid.models import GridCell
from risks.register.factors import Factor

HIGH_RISK_WEIGHT = 3


def _by_cell(rows) -> dict[int, float]:
    return {cell_id: float(value) for cell_id, value in rows if value}


def disputes_at_risk(cells: QuerySet[GridCell], as_of: date) -> dict[int, float]:
    """Open cases weighted by escalation risk: high counts 3, medium 1, low 0."""
    weight = Case(
        When(escalation_risk=EscalationRisk.HIGH, then=Value(HIGH_RISK_WEIGHT)),
        When(escalation_risk=EscalationRisk.MEDIUM, then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )
    rows = (
        DisputeCase.objects.open()
        .filter(grid_cell__in=cells.values("pk"), created_at__lt=_end_of(as_of))
        .order_by()
        .values("grid_cell_id")
        .annotate(n=Sum(weight))
        .values_list("grid_cell_id", "n")
    )
    return _by_cell(rows)


def overdue_disputes(cells: QuerySet[GridCell], as_of: date) -> dict[int, float]:
    """Open cases past their stage's deadline."""
    rows = (
        DisputeCase.objects.overdue(as_of)
        .filter(grid_cell__in=cells.values("pk"))
        .order_by()
        .values("grid_cell_id")
        .annotate(n=Count("pk"))
        .values_list("grid_cell_id", "n")
    )
    return _by_cell(rows)


def repeated_disputes(cells: QuerySet[GridCell], as_of: date) -> dict[int, float]:
    """Cases registered in the last 90 days that repeat an earlier one (same parties or
    address), each counted once."""
    since = _end_of(as_of - timedelta(days=REPEAT_WINDOW_DAYS))
    rows = (
        DisputeCase.objects.filter(
            grid_cell__in=cells.values("pk"),
            created_at__gte=since,
            created_at__lt=_end_of(as_of),
            pk__in=DisputeRepeat.objects.values("case_id"),
        )
        .order_by()
        .values("grid_cell_id")
        .annotate(n=Count("pk"))
        .values_list("grid_cell_id", "n")
    )
    return _by_cell(rows)


def _end_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


DISPUTES_AT_RISK = Factor(
    key="disputes_at_risk",
    label=_("Disputes at risk of escalating"),
    explanation=_(
        "Open dispute cases by escalation risk (high counts 3, medium 1): 2 points per count, "
        "up to 12."
    ),
    compute=disputes_at_risk,
    per_item=2,
    cap=12,
)
OVERDUE_DISPUTES = Factor(
    key="overdue_disputes",
    label=_("Overdue dispute cases"),
    explanation=_("Open dispute cases past their stage's deadline: 3 points each, up to 9."),
    compute=overdue_disputes,
    per_item=3,
    cap=9,
    overdue=True,
    best=lambda raw: 0,
)
REPEATED_DISPUTES = Factor(
    key="repeated_disputes",
    label=_("Repeated disputes"),
    explanation=_(
        "Cases in the last 90 days between the same parties or at the same address as an "
        "earlier one: 2 points each, up to 6."
    ),
    compute=repeated_disputes,
    per_item=2,
    cap=6,
)
