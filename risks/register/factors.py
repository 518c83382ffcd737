"""The register's factors besides the risk points themselves: a list of set-based functions.

Each ``Factor`` has a ``compute(cells, as_of)`` that answers for *all* the given grid cells
in a fixed number of queries (a GROUP BY over the whole source table, restricted to the
cells), returning ``{grid_cell_id: raw value}``; cells it does not return count as 0. Points
are ``min(cap, per_item x raw)`` beyond ``free`` items, so every factor is monotone: more
overdue items never lower a score. ``best`` and ``worst`` say how the raw value changes in the
best case (open work done on time) and the worst case (overdue items escalate).

Other parts add factors without touching this module: list dotted paths to ``Factor``
objects in ``settings.RISK_REGISTER_EXTRA_FACTORS`` (the disputes part will add open and
overdue disputes that way, see docs/risk-scoring.md).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from grid.models import GridCell

CONCERN_WINDOW_DAYS = 30
NEVER_VISITED_DAYS = 365


@dataclass(frozen=True)
class Factor:
    key: str
    label: str
    explanation: str
    compute: Callable[[QuerySet[GridCell], date], dict[int, float]]
    per_item: float
    cap: float
    free: float = 0  # raw values up to this add no points (e.g. a week without a visit)
    overdue: bool = False  # counts towards the overdue items of a cell and its rollups
    best: Callable[[float], float] | None = None  # raw value in the best case
    worst: Callable[[float], float] | None = None  # raw value in the worst case

    def points(self, raw: float) -> float:
        return min(self.cap, self.per_item * max(0.0, raw - self.free))

    def best_raw(self, raw: float) -> float:
        return self.best(raw) if self.best else raw

    def worst_raw(self, raw: float) -> float:
        return self.worst(raw) if self.worst else raw


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def overdue_reviews(cells: QuerySet[GridCell], as_of: date) -> dict[int, float]:
    from risks.models import RiskPoint

    rows = (
        RiskPoint.objects.overdue(as_of)
        .filter(grid_cell__in=cells.values("pk"))
        .order_by()
        .values("grid_cell_id")
        .annotate(n=Count("pk"))
        .values_list("grid_cell_id", "n")
    )
    return dict(rows)


def overdue_measures(cells: QuerySet[GridCell], as_of: date) -> dict[int, float]:
    from risks.models import OPEN_MEASURE_STATUSES, Measure, RiskStatus

    rows = (
        Measure.objects.filter(
            status__in=OPEN_MEASURE_STATUSES,
            due_on__lt=as_of,
            risk_point__grid_cell__in=cells.values("pk"),
        )
        .exclude(risk_point__status=RiskStatus.CLOSED)
        .order_by()
        .values("risk_point__grid_cell_id")
        .annotate(n=Count("pk"))
        .values_list("risk_point__grid_cell_id", "n")
    )
    return dict(rows)


def recent_concerns(cells: QuerySet[GridCell], as_of: date) -> dict[int, float]:
    from residents.models import Concern

    since = _start_of(as_of - timedelta(days=CONCERN_WINDOW_DAYS - 1))
    until = _start_of(as_of + timedelta(days=1))
    rows = (
        Concern.objects.filter(
            grid_cell__in=cells.values("pk"), created_at__gte=since, created_at__lt=until
        )
        .order_by()
        .values("grid_cell_id")
        .annotate(n=Count("pk"))
        .values_list("grid_cell_id", "n")
    )
    return dict(rows)


def days_without_visit(cells: QuerySet[GridCell], as_of: date) -> dict[int, float]:
    """Days since the last visit (grid.coverage.cell_coverage, one query for all cells)."""
    from grid.coverage import cell_coverage

    result = {}
    for cell_id, coverage in cell_coverage(cells=cells, as_of=as_of).items():
        last = coverage.last_visit_date
        result[cell_id] = NEVER_VISITED_DAYS if last is None else (as_of - last).days
    return result


BUILT_IN_FACTORS: tuple[Factor, ...] = (
    Factor(
        key="overdue_reviews",
        label=_("Overdue reviews"),
        explanation=_("Open risk points whose review date has passed: 3 points each, up to 12."),
        compute=overdue_reviews,
        per_item=3,
        cap=12,
        overdue=True,
        best=lambda raw: 0,
    ),
    Factor(
        key="overdue_measures",
        label=_("Overdue measures"),
        explanation=_("Open measures past their due date: 2 points each, up to 10."),
        compute=overdue_measures,
        per_item=2,
        cap=10,
        overdue=True,
        best=lambda raw: 0,
    ),
    Factor(
        key="recent_concerns",
        label=_("Concerns in the last 30 days"),
        explanation=_("Concerns residents raised in the grid cell: 1 point each, up to 8."),
        compute=recent_concerns,
        per_item=1,
        cap=8,
    ),
    Factor(
        key="days_without_visit",
        label=_("Days without a visit"),
        explanation=_(
            "A week without a visit is normal; each further day adds half a point, up to 12 "
            "(a cell never visited gets the full 12)."
        ),
        compute=days_without_visit,
        per_item=0.5,
        cap=12,
        free=7,
    ),
)


@lru_cache(maxsize=1)
def _extra_factors(paths: tuple[str, ...]) -> tuple[Factor, ...]:
    return tuple(import_string(path) for path in paths)


def factors() -> tuple[Factor, ...]:
    """The built-in factors and those other parts registered in settings, in order."""
    extra = tuple(getattr(settings, "RISK_REGISTER_EXTRA_FACTORS", ()))
    return BUILT_IN_FACTORS + _extra_factors(extra)


def factor_by_key() -> dict[str, Factor]:
    return {factor.key: factor for factor in factors()}


def cells_condition(station_ids) -> Q:
    return Q(community__station_id__in=station_ids)
