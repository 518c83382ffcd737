"""Visit coverage: set-based figures for many grid cells, officers and units at once.

Every function takes the cells (a GridCell queryset the caller already scoped, or ids) and an
``as_of`` date, and answers in a fixed number of queries whatever the number of cells. The
nightly risk register reads ``cell_coverage`` (see docs/visits.md).

Definitions (one place):

- a window of N days as of D is the visit dates D-N+1 .. D (both included; D is "today");
- the last visit of a cell as of D is the latest visit date on or before D;
- a **blind spot** is a cell not visited for more than ``BLIND_SPOT_DAYS`` days as of D
  (last visit before D-30) or never visited;
- the coverage **colour** of a cell: green (visited within ``FRESH_DAYS`` days), amber (within
  ``BLIND_SPOT_DAYS``), red (a blind spot);
- a resident in care (a care tag with a cadence, residents.Tag.visit_every_days) is **visited
  on time** as of D when a visit dated within their tightest cadence (D-c+1 .. D) records them
  among the residents met; otherwise they are **due**.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import (
    Count,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce

from grid.models import AssignmentRole, GridAssignment, GridCell, GridVisit

WINDOWS = (7, 30, 90)
FRESH_DAYS = 7
BLIND_SPOT_DAYS = 30


def window_start(as_of: date, days: int) -> date:
    """The first date of an N-day window that ends on (and includes) ``as_of``."""
    return as_of - timedelta(days=days - 1)


def colour_for(days_since: int | None) -> str:
    if days_since is None or days_since > BLIND_SPOT_DAYS:
        return "red"
    if days_since < FRESH_DAYS:
        return "green"
    return "amber"


# --- Per grid cell --------------------------------------------------------------------------
def _visit_count(as_of: date, days: int, *, cell_ref: str = "pk") -> Coalesce:
    visits = (
        GridVisit.objects.filter(
            grid_cell_id=OuterRef(cell_ref),
            visit_date__gte=window_start(as_of, days),
            visit_date__lte=as_of,
        )
        .order_by()
        .values("grid_cell_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(visits, output_field=IntegerField()), Value(0))


def _last_visit(as_of: date, *, cell_ref: str = "pk") -> Subquery:
    return Subquery(
        GridVisit.objects.filter(grid_cell_id=OuterRef(cell_ref), visit_date__lte=as_of)
        .order_by("-visit_date")
        .values("visit_date")[:1]
    )


def cells_with_coverage(cells: QuerySet[GridCell], *, as_of: date) -> QuerySet[GridCell]:
    """``cells`` annotated with ``last_visit_date`` and ``visits_7d/30d/90d`` (one query).

    Each annotation is a correlated subquery on the (grid_cell, visit_date) index, so a page
    of cells costs one query whatever the number of visits.
    """
    return cells.annotate(
        last_visit_date=_last_visit(as_of),
        **{f"visits_{days}d": _visit_count(as_of, days) for days in WINDOWS},
    )


@dataclass(frozen=True)
class CellCoverage:
    grid_cell_id: int
    as_of: date
    last_visit_date: date | None
    visits_7d: int
    visits_30d: int
    visits_90d: int

    @property
    def days_since_visit(self) -> int | None:
        if self.last_visit_date is None:
            return None
        return (self.as_of - self.last_visit_date).days

    @property
    def is_blind_spot(self) -> bool:
        days = self.days_since_visit
        return days is None or days > BLIND_SPOT_DAYS

    @property
    def colour(self) -> str:
        return colour_for(self.days_since_visit)


def cell_coverage(
    *, cells: QuerySet[GridCell] | Iterable[int], as_of: date
) -> dict[int, CellCoverage]:
    """Coverage of many grid cells as of a date, by grid cell id (one query).

    ``cells`` is a GridCell queryset (already scoped by the caller) or grid cell ids. This is
    the entry point for the nightly risk register.
    """
    if not isinstance(cells, QuerySet):
        cells = GridCell.objects.filter(pk__in=list(cells))
    rows = cells_with_coverage(cells.order_by(), as_of=as_of).values(
        "pk", "last_visit_date", "visits_7d", "visits_30d", "visits_90d"
    )
    return {
        row["pk"]: CellCoverage(
            grid_cell_id=row["pk"],
            as_of=as_of,
            last_visit_date=row["last_visit_date"],
            visits_7d=row["visits_7d"],
            visits_30d=row["visits_30d"],
            visits_90d=row["visits_90d"],
        )
        for row in rows
    }


# --- Periodic visits of residents in care ---------------------------------------------------
def _cadences() -> list[int]:
    from residents.models import Tag

    return sorted(set(Tag.objects.with_visit_cadence().values_list("visit_every_days", flat=True)))


def _care_conditions(as_of: date, cadences: list[int], cell_ids: list[int]) -> tuple[Q, Q]:
    """(in care, visited on time) as conditions on Resident rows of ``cells``.

    A resident's cadence is the tightest of their care tags: for each cadence value c (a
    handful of reference values), "tightest is c" = has a tag with c and none tighter. Each
    part is an uncorrelated ``pk IN (subquery)`` limited to the same cells, which the database
    evaluates once (a hashed semi-join) instead of once per resident.
    """
    from residents.models import Resident

    # Tags need no cell filter: the outer query already holds only the cells' residents, and
    # a join back to the residents here would scan them once per cadence.
    tagged = Resident.tags.through.objects
    met = GridVisit.residents_met.through.objects.filter(gridvisit__grid_cell_id__in=cell_ids)
    in_care, on_time = Q(), Q()
    for cadence in cadences:
        tightest = Q(
            pk__in=tagged.filter(tag__visit_every_days=cadence).values("resident_id")
        ) & ~Q(pk__in=tagged.filter(tag__visit_every_days__lt=cadence).values("resident_id"))
        met_in_time = Q(
            pk__in=met.filter(
                gridvisit__visit_date__gte=window_start(as_of, cadence),
                gridvisit__visit_date__lte=as_of,
            ).values("resident_id")
        )
        in_care |= tightest
        on_time |= tightest & met_in_time
    return in_care, on_time


@dataclass
class CareFigures:
    in_care: int = 0
    on_time: int = 0

    @property
    def due(self) -> int:
        return self.in_care - self.on_time

    @property
    def on_time_percent(self) -> int | None:
        return round(100 * self.on_time / self.in_care) if self.in_care else None


def care_figures_by_cell(
    *, cells: QuerySet[GridCell] | Iterable[int], as_of: date, cadences: list[int] | None = None
) -> dict[int, CareFigures]:
    """Residents in care and those visited on time, by grid cell id (three queries: the
    cadences, the cell ids, the figures; two when ``cells`` is a list of ids)."""
    from residents.models import Resident

    cadences = _cadences() if cadences is None else cadences
    if not cadences:
        return {}
    # The cell ids as a list: a literal IN list keeps the residents on their grid-cell index.
    cell_ids = (
        list(cells.order_by().values_list("pk", flat=True))
        if isinstance(cells, QuerySet)
        else list(cells)
    )
    in_care, on_time = _care_conditions(as_of, cadences, cell_ids)
    rows = (
        Resident.objects.filter(grid_cell_id__in=cell_ids)
        .filter(in_care)
        .order_by()
        .values("grid_cell_id")
        .annotate(in_care=Count("pk"), on_time=Count("pk", filter=on_time))
    )
    return {
        row["grid_cell_id"]: CareFigures(in_care=row["in_care"], on_time=row["on_time"])
        for row in rows
    }


def care_residents_due(*, cells: QuerySet[GridCell], as_of: date):
    """Residents in care in ``cells`` not visited within their cadence, longest waiting first.

    Annotated with ``cadence_days`` and ``last_met_date`` (three queries with the cadences).
    """
    from residents.models import Resident, Tag

    cadences = _cadences()
    if not cadences:
        return Resident.objects.none()
    # The cell ids as a list: a literal IN list keeps the residents on their grid-cell index.
    cell_ids = list(cells.order_by().values_list("pk", flat=True))
    in_care, on_time = _care_conditions(as_of, cadences, cell_ids)
    last_met = (
        GridVisit.residents_met.through.objects.filter(
            resident_id=OuterRef("pk"), gridvisit__visit_date__lte=as_of
        )
        .order_by("-gridvisit__visit_date")
        .values("gridvisit__visit_date")[:1]
    )
    cadence = (
        Tag.objects.with_visit_cadence()
        .filter(residents=OuterRef("pk"))
        .order_by("visit_every_days")
        .values("visit_every_days")[:1]
    )
    return (
        Resident.objects.filter(grid_cell_id__in=cell_ids)
        .filter(in_care)
        .exclude(on_time)
        .annotate(last_met_date=Subquery(last_met), cadence_days=Subquery(cadence))
        .select_related("grid_cell")
        .order_by(F("last_met_date").asc(nulls_first=True), "grid_cell__code", "name", "pk")
    )


# --- Roll-ups: community, station, sub-bureau, officer ---------------------------------------
@dataclass
class GroupCoverage:
    """Coverage of a group of grid cells (a unit, or an officer's responsible cells)."""

    key: int
    cells: int = 0
    blind_spots: int = 0
    visits_7d: int = 0
    visits_30d: int = 0
    visits_90d: int = 0
    care: CareFigures = field(default_factory=CareFigures)
    # Officers only: visits they logged themselves (in any cell), per window.
    own_visits_7d: int = 0
    own_visits_30d: int = 0
    own_visits_90d: int = 0

    @property
    def covered_percent(self) -> int | None:
        if not self.cells:
            return None
        return round(100 * (self.cells - self.blind_spots) / self.cells)


GROUP_FIELDS = {
    "community": "community_id",
    "station": "community__station_id",
    "sub_bureau": "community__station__sub_bureau_id",
}


def _add_cell(group: GroupCoverage, cov: CellCoverage, care: CareFigures | None) -> None:
    group.cells += 1
    group.blind_spots += int(cov.is_blind_spot)
    group.visits_7d += cov.visits_7d
    group.visits_30d += cov.visits_30d
    group.visits_90d += cov.visits_90d
    if care is not None:
        group.care.in_care += care.in_care
        group.care.on_time += care.on_time


def coverage_by_unit(
    *, cells: QuerySet[GridCell], as_of: date, level: str, care: dict | None = None
) -> dict[int, GroupCoverage]:
    """Coverage rolled up per community, station or sub-bureau (``level``), by unit id.

    Four queries whatever the number of cells: cell coverage with the unit key, the care
    cadences, the cell ids, the care figures per cell (one, when ``care`` is passed).
    """
    group_field = GROUP_FIELDS[level]
    rows = cells_with_coverage(cells.order_by(), as_of=as_of).values(
        "pk", group_field, "last_visit_date", "visits_7d", "visits_30d", "visits_90d"
    )
    if care is None:
        care = care_figures_by_cell(cells=cells, as_of=as_of)
    groups: dict[int, GroupCoverage] = {}
    for row in rows:
        key = row[group_field]
        cov = _coverage_from_row(row, as_of)
        _add_cell(groups.setdefault(key, GroupCoverage(key=key)), cov, care.get(row["pk"]))
    return groups


def _coverage_from_row(row: dict, as_of: date) -> CellCoverage:
    return CellCoverage(
        grid_cell_id=row["pk"],
        as_of=as_of,
        last_visit_date=row["last_visit_date"],
        visits_7d=row["visits_7d"],
        visits_30d=row["visits_30d"],
        visits_90d=row["visits_90d"],
    )


def coverage_by_officer(
    *,
    officer_ids: QuerySet | Iterable[int],
    cells: QuerySet[GridCell],
    as_of: date,
    care: dict | None = None,
) -> dict[int, GroupCoverage]:
    """Per officer (user id): the cells they are responsible for on ``as_of`` (or work in, for
    grid workers) and their coverage, plus the visits the officer logged personally.

    ``cells`` limits the cells counted (the caller's scope). Five queries (three when the
    caller passes ``care``, the result of ``care_figures_by_cell`` for those cells).
    """
    if not isinstance(officer_ids, QuerySet):
        officer_ids = list(officer_ids)
    assignments = (
        GridAssignment.objects.active_on(as_of)
        .filter(officer_id__in=officer_ids, grid_cell_id__in=cells.order_by().values("pk"))
        .values_list("officer_id", "grid_cell_id", "role")
    )
    cells_of: dict[int, list[int]] = {}
    for officer_id, cell_id, _role in assignments:
        cells_of.setdefault(officer_id, []).append(cell_id)
    all_cells = {cell_id for ids in cells_of.values() for cell_id in ids}
    cell_figures = cell_coverage(cells=all_cells, as_of=as_of) if all_cells else {}
    if care is None:
        care = care_figures_by_cell(cells=sorted(all_cells), as_of=as_of) if all_cells else {}
    groups: dict[int, GroupCoverage] = {}
    for officer_id, cell_ids in cells_of.items():
        group = groups.setdefault(officer_id, GroupCoverage(key=officer_id))
        for cell_id in cell_ids:
            _add_cell(group, cell_figures[cell_id], care.get(cell_id))
    own = (
        GridVisit.objects.filter(
            officer_id__in=officer_ids,
            visit_date__gte=window_start(as_of, max(WINDOWS)),
            visit_date__lte=as_of,
        )
        .order_by()
        .values("officer_id")
        .annotate(
            **{
                f"own_{days}": Count("pk", filter=Q(visit_date__gte=window_start(as_of, days)))
                for days in WINDOWS
            }
        )
    )
    for row in own:
        group = groups.setdefault(row["officer_id"], GroupCoverage(key=row["officer_id"]))
        for days in WINDOWS:
            setattr(group, f"own_visits_{days}d", row[f"own_{days}"])
    return groups


def responsible_officer_ids(*, cells: QuerySet[GridCell], as_of: date) -> QuerySet:
    """Ids of the officers responsible for ``cells`` on a date (a subquery)."""
    return (
        GridAssignment.objects.active_on(as_of)
        .filter(role=AssignmentRole.RESPONSIBLE, grid_cell_id__in=cells.order_by().values("pk"))
        .values("officer_id")
    )


__all__ = [
    "BLIND_SPOT_DAYS",
    "FRESH_DAYS",
    "WINDOWS",
    "CareFigures",
    "CellCoverage",
    "GroupCoverage",
    "care_figures_by_cell",
    "care_residents_due",
    "cell_coverage",
    "cells_with_coverage",
    "colour_for",
    "coverage_by_officer",
    "coverage_by_unit",
    "responsible_officer_ids",
    "window_start",
]
