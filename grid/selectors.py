"""Reads for the tiers, always built on the scoped querysets (``visible_to``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.http import Http404
from django.utils import timezone

from grid.models import (
    AssignmentRole,
    Community,
    GridAssignment,
    GridCell,
    OfficerProfile,
    Station,
)
from grid.scoping import UserScope, scope_for


# --- Grid cells -----------------------------------------------------------------------------
def _responsible_now(on_date: date) -> QuerySet[GridAssignment]:
    return GridAssignment.objects.active_on(on_date).filter(role=AssignmentRole.RESPONSIBLE)


def grid_cell_list(
    *,
    user,
    station_id: int | None = None,
    community_id: int | None = None,
    search: str = "",
    unassigned_only: bool = False,
) -> QuerySet[GridCell]:
    """Grid cells the user may see, with their units and today's responsible officer.

    Two queries whatever the number of rows: the cells, and the page's responsible officers.
    """
    today = timezone.localdate()
    responsible = _responsible_now(today).filter(grid_cell_id=OuterRef("pk"))
    cells = (
        GridCell.objects.visible_to(user)
        .with_units()
        .prefetch_related(
            Prefetch(
                "assignments",
                queryset=_responsible_now(today).select_related("officer"),
                to_attr="responsible_today",
            )
        )
        .order_by("code")
    )
    if station_id:
        cells = cells.filter(community__station_id=station_id)
    if community_id:
        cells = cells.filter(community_id=community_id)
    if search:
        cells = cells.filter(Q(code__icontains=search) | Q(name__icontains=search))
    if unassigned_only:
        cells = cells.exclude(Exists(responsible))
    return cells


def grid_cell_get(*, user, code: str) -> GridCell:
    """One grid cell the user may see, or 404 (never a 403 that confirms it exists)."""
    try:
        return GridCell.objects.visible_to(user).with_units().get(code=code)
    except GridCell.DoesNotExist:
        raise Http404("No such grid cell in your area.") from None


def grid_cell_assignment_history(*, grid_cell: GridCell) -> QuerySet[GridAssignment]:
    """Every assignment of a cell the caller already may see, newest first."""
    return (
        GridAssignment.objects.filter(grid_cell=grid_cell)
        .select_related("officer", "assigned_by")
        .order_by("-valid_from", "-created_at")
    )


def grid_cell_current_assignments(*, grid_cell: GridCell) -> QuerySet[GridAssignment]:
    """Who works in the cell today: the responsible officer and any grid workers."""
    return (
        GridAssignment.objects.active_on(timezone.localdate())
        .filter(grid_cell=grid_cell)
        .select_related("officer")
        .order_by("role")
    )


def grid_cell_responsible_on(*, grid_cell: GridCell, on_date: date) -> GridAssignment | None:
    """Who was responsible for the cell on a date (responsibility is chained and assessed)."""
    return _responsible_now(on_date).filter(grid_cell=grid_cell).select_related("officer").first()


# --- Units ----------------------------------------------------------------------------------
def station_list(*, user) -> QuerySet[Station]:
    """Stations the user may see, with their counts (one query)."""
    today = timezone.localdate()
    responsible = _responsible_now(today).filter(grid_cell__community__station_id=OuterRef("pk"))
    return (
        Station.objects.visible_to(user)
        .select_related("sub_bureau")
        .annotate(
            community_count=Count("communities", distinct=True),
            grid_cell_count=Count("communities__grid_cells", distinct=True),
            household_total=Sum("communities__grid_cells__household_count"),
            officer_count=Subquery(
                OfficerProfile.objects.filter(station_id=OuterRef("pk"), is_active=True)
                .order_by()
                .values("station_id")
                .annotate(n=Count("pk"))
                .values("n")[:1]
            ),
            assigned_cell_count=Subquery(
                responsible.order_by()
                .values("grid_cell__community__station_id")
                .annotate(n=Count("grid_cell_id", distinct=True))
                .values("n")[:1]
            ),
        )
        .order_by("code")
    )


def station_get(*, user, code: str) -> Station:
    try:
        return station_list(user=user).get(code=code)
    except Station.DoesNotExist:
        raise Http404("No such police station in your area.") from None


def station_communities(*, station: Station) -> QuerySet[Community]:
    return (
        Community.objects.filter(station=station)
        .annotate(
            grid_cell_count=Count("grid_cells"),
            household_total=Sum("grid_cells__household_count"),
        )
        .order_by("code")
    )


def officer_list(*, user, station_id: int | None = None) -> QuerySet[OfficerProfile]:
    """Officer profiles the user may see, with how many cells each holds today (one query)."""
    today = timezone.localdate()
    active = GridAssignment.objects.active_on(today).filter(officer_id=OuterRef("user_id"))
    profiles = (
        OfficerProfile.objects.visible_to(user)
        .filter(is_active=True)
        .select_related("user", "station", "sub_bureau")
        .annotate(
            responsible_cell_count=Subquery(
                active.filter(role=AssignmentRole.RESPONSIBLE)
                .order_by()
                .values("officer_id")
                .annotate(n=Count("pk"))
                .values("n")[:1]
            ),
            worker_cell_count=Subquery(
                active.filter(role=AssignmentRole.GRID_WORKER)
                .order_by()
                .values("officer_id")
                .annotate(n=Count("pk"))
                .values("n")[:1]
            ),
        )
        .order_by("station__code", "tier", "user__username")
    )
    if station_id:
        profiles = profiles.filter(station_id=station_id)
    return profiles


def officer_cells(*, user) -> QuerySet[GridCell]:
    """The grid cells assigned to this officer today (their own work list)."""
    today = timezone.localdate()
    mine = GridAssignment.objects.active_on(today).filter(officer_id=user.pk)
    return (
        GridCell.objects.filter(pk__in=mine.values("grid_cell_id"))
        .with_units()
        .prefetch_related(
            Prefetch(
                "assignments",
                queryset=mine.order_by(),
                to_attr="my_assignments",
            )
        )
        .order_by("code")
    )


# --- Home page figures ----------------------------------------------------------------------
@dataclass(frozen=True)
class HomeSummary:
    tier: str | None
    sub_bureaus: int
    stations: int
    communities: int
    grid_cells: int
    households: int
    officers: int
    cells_without_responsible: int


def home_summary(*, user) -> HomeSummary:
    """The real figures of the user's own area, in a fixed number of queries."""
    scope: UserScope = scope_for(user)
    today = timezone.localdate()
    cells = GridCell.objects.visible_to(user)
    cell_figures = cells.aggregate(
        grid_cells=Count("pk"),
        households=Sum("household_count"),
        communities=Count("community_id", distinct=True),
        stations=Count("community__station_id", distinct=True),
        sub_bureaus=Count("community__station__sub_bureau_id", distinct=True),
    )
    # A separate anti-join: inside the aggregate it would run once per cell.
    unassigned = cells.filter(
        ~Exists(_responsible_now(today).filter(grid_cell_id=OuterRef("pk")))
    ).count()
    officers = OfficerProfile.objects.visible_to(user).filter(is_active=True).count()
    return HomeSummary(
        tier="superuser" if scope.everything else scope.tier,
        sub_bureaus=cell_figures["sub_bureaus"] or 0,
        stations=cell_figures["stations"] or 0,
        communities=cell_figures["communities"] or 0,
        grid_cells=cell_figures["grid_cells"] or 0,
        households=cell_figures["households"] or 0,
        officers=officers,
        cells_without_responsible=unassigned,
    )


def user_tier(user) -> str | None:
    """The user's tier for navigation and templates ("superuser" for administrators)."""
    scope = scope_for(user)
    if scope.everything:
        return "superuser"
    return scope.tier
