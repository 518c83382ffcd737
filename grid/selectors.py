"""Reads for the tiers, always built on the scoped querysets (``visible_to``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from grid.models import (
    AssignmentRole,
    Community,
    GridAssignment,
    GridCell,
    GridVisit,
    OfficerProfile,
    Station,
    VisitPhoto,
)
from grid.scoping import Access, UserScope, scope_for


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


# --- Grid visits ----------------------------------------------------------------------------
def visit_cells(*, user) -> QuerySet[GridCell]:
    """Grid cells where the user may log a visit (the visit model's own "act" rule)."""
    scope = scope_for(user)
    if scope.everything:
        return GridCell.objects.all()
    condition = scope.cell_condition(
        Access.ACT, grid_worker_may_act=GridVisit.objects.none().grid_worker_may_act
    )
    if condition == Q():
        return GridCell.objects.none()
    return GridCell.objects.filter(condition)


def _count_of(model, key: str):
    """A correlated count (per row of the page, not a join that the page count would pay)."""
    rows = (
        model.objects.filter(**{key: OuterRef("pk")})
        .order_by()
        .values(key)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))


def visit_list(
    *,
    user,
    grid_cell_id: int | None = None,
    officer_id: int | None = None,
    visit_type: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
) -> QuerySet[GridVisit]:
    """Visits the user may see, newest first, with their cell and officer (one query)."""
    visits = (
        GridVisit.objects.visible_to(user)
        .select_related("grid_cell", "officer")
        .annotate(resident_count=_count_of(GridVisit.residents_met.through, "gridvisit_id"))
        .order_by("-started_at", "-pk")
    )
    if grid_cell_id:
        visits = visits.filter(grid_cell_id=grid_cell_id)
    if officer_id:
        visits = visits.filter(officer_id=officer_id)
    if visit_type:
        visits = visits.filter(visit_type=visit_type)
    if date_from:
        visits = visits.filter(visit_date__gte=date_from)
    if date_to:
        visits = visits.filter(visit_date__lte=date_to)
    return visits


def visit_get(*, user, pk: int) -> GridVisit:
    """One visit the user may see, with everything its page shows, or 404."""
    from residents.models import Resident

    try:
        return (
            GridVisit.objects.visible_to(user)
            .select_related(
                "grid_cell__community__station__sub_bureau", "officer", "source_concern"
            )
            .prefetch_related(
                "companions",
                "photos",
                Prefetch("residents_met", queryset=Resident.objects.order_by("name", "pk")),
            )
            .get(pk=pk)
        )
    except (GridVisit.DoesNotExist, ValueError):
        raise Http404("No such visit in your area.") from None


def visit_risk_points(*, user, visit: GridVisit):
    """Risk points raised from this visit (when the risks part provides the link), or []."""
    related = getattr(visit, "risk_points", None)
    if related is None or not hasattr(related, "visible_to"):
        return []
    return list(related.visible_to(user).order_by("pk")[:50])


def visit_disputes(*, user, visit: GridVisit):
    """Dispute cases registered from this visit that the user may see, or []."""
    related = getattr(visit, "disputes", None)
    if related is None or not hasattr(related, "visible_to"):
        return []
    return list(related.visible_to(user).order_by("-created_at", "pk")[:50])


def visit_photo_get(*, user, pk: int) -> VisitPhoto:
    try:
        return VisitPhoto.objects.visible_to(user).get(pk=pk)
    except VisitPhoto.DoesNotExist:
        raise Http404("No such photo in your area.") from None


def visit_resident_search(*, user, grid_cell: GridCell, query: str = "", limit: int = 20):
    """Residents of one grid cell the user may see, by name or address (for the visit form).

    With no query, residents in care come first (they are the ones due a periodic visit).
    """
    from residents.models import Resident

    residents = Resident.objects.visible_to(user).filter(grid_cell=grid_cell)
    query = query.strip()
    if query:
        residents = residents.filter(Q(name__icontains=query) | Q(address__icontains=query))
    else:
        residents = residents.in_care()
    return residents.only("pk", "name", "id_number", "address").order_by("name", "pk")[:limit]


def visit_companion_choices(*, user, grid_cell: GridCell | None) -> QuerySet:
    """Colleagues who may go along: active officers of the cell's station (not the user)."""
    from django.contrib.auth import get_user_model

    if grid_cell is None:
        return get_user_model().objects.none()
    colleagues = OfficerProfile.objects.filter(
        station_id=grid_cell.community.station_id, is_active=True
    ).values("user_id")
    return (
        get_user_model()
        .objects.filter(pk__in=colleagues, is_active=True)
        .exclude(pk=user.pk)
        .order_by("last_name", "first_name", "username")
    )


def visit_source_concern(*, user, pk: int | None):
    """A concern the user may act on, for a follow-up visit (None if not found)."""
    from residents.models import Concern

    if not pk:
        return None
    return Concern.objects.actionable_by(user).filter(pk=pk).first()


# --- The officer's day ----------------------------------------------------------------------
@dataclass
class DayOverview:
    as_of: date
    cells: list
    care_due: list
    care_due_count: int
    concerns: list
    visits_today: list
    # The officer's open dispute cases overdue or due within 3 days (disputes.page_selectors).
    disputes: list = field(default_factory=list)


DAY_LIST_LIMIT = 20


def day_overview(*, user, as_of: date | None = None) -> DayOverview:
    """What a community officer or grid worker needs today, in a fixed number of queries."""
    from grid import coverage
    from residents.models import Concern

    as_of = as_of or timezone.localdate()
    mine = GridAssignment.objects.active_on(as_of).filter(officer_id=user.pk)
    my_cells = GridCell.objects.filter(pk__in=mine.values("grid_cell_id"))
    cells = list(
        coverage.cells_with_coverage(my_cells.with_units(), as_of=as_of).order_by(
            F("last_visit_date").asc(nulls_first=True), "code"
        )
    )
    for cell in cells:
        cell.days_since_visit = (
            (as_of - cell.last_visit_date).days if cell.last_visit_date else None
        )
        cell.coverage_colour = coverage.colour_for(cell.days_since_visit)
    due = coverage.care_residents_due(cells=my_cells, as_of=as_of)
    care_due = list(due[:DAY_LIST_LIMIT])
    care_due_count = len(care_due) if len(care_due) < DAY_LIST_LIMIT else due.count()
    concerns = list(
        Concern.objects.visible_to(user)
        .open()
        .assigned_to(user)
        .select_related("grid_cell")
        .order_by("acknowledge_by", "pk")[:DAY_LIST_LIMIT]
    )
    visits_today = list(
        GridVisit.objects.visible_to(user)
        .filter(officer_id=user.pk, visit_date=as_of)
        .select_related("grid_cell")
        .order_by("-started_at")
    )
    return DayOverview(
        as_of=as_of,
        cells=cells,
        care_due=care_due,
        care_due_count=care_due_count,
        concerns=concerns,
        visits_today=visits_today,
        disputes=_day_disputes(user, as_of),
    )


def _day_disputes(user, as_of: date) -> list:
    try:
        from disputes.page_selectors import day_cases
    except ImportError:  # the disputes part is not installed
        return []
    return day_cases(user=user, as_of=as_of)


# --- Coverage pages -------------------------------------------------------------------------
@dataclass
class CoverageReport:
    as_of: date
    level: str  # "sub_bureau" | "station" | "officer" | "cell"
    sub_bureaus: list
    stations: list
    officers: list
    totals: object


def coverage_report(*, user, as_of: date, station_id: int | None = None) -> CoverageReport:
    """Coverage of the user's area: per sub-bureau, per station and per officer."""
    from grid import coverage

    scope = scope_for(user)
    cells = GridCell.objects.visible_to(user)
    if station_id:
        cells = cells.filter(community__station_id=station_id)
    care = coverage.care_figures_by_cell(cells=cells, as_of=as_of)  # shared by both roll-ups
    by_station = coverage.coverage_by_unit(cells=cells, as_of=as_of, level="station", care=care)
    totals = coverage.GroupCoverage(key=0)
    for group in by_station.values():
        for name in ("cells", "blind_spots", "visits_7d", "visits_30d", "visits_90d"):
            setattr(totals, name, getattr(totals, name) + getattr(group, name))
        totals.care.in_care += group.care.in_care
        totals.care.on_time += group.care.on_time
    stations = list(
        Station.objects.visible_to(user)
        .filter(pk__in=list(by_station))
        .select_related("sub_bureau")
        .order_by("code")
    )
    for station in stations:
        station.coverage = by_station[station.pk]
    sub_bureaus: list = []
    if scope.everything or len(scope.sub_bureau_ids) > 0:
        groups: dict[int, coverage.GroupCoverage] = {}
        for station in stations:
            group = groups.setdefault(
                station.sub_bureau_id, coverage.GroupCoverage(key=station.sub_bureau_id)
            )
            _merge(group, station.coverage)
        for station in stations:
            sub_bureau = station.sub_bureau
            if not any(s is sub_bureau for s in sub_bureaus):
                sub_bureau.coverage = groups[sub_bureau.pk]
                sub_bureaus.append(sub_bureau)
    officers: list = []
    if scope.station_ids or station_id:
        profiles = list(
            officer_list(user=user, station_id=station_id)
            .filter(tier__in=["community_officer", "grid_worker"])
            .filter(station_id__in=[s.pk for s in stations])
        )
        figures = coverage.coverage_by_officer(
            officer_ids=[p.user_id for p in profiles], cells=cells, as_of=as_of, care=care
        )
        for profile in profiles:
            profile.coverage = figures.get(profile.user_id) or coverage.GroupCoverage(
                key=profile.user_id
            )
        officers = profiles
    return CoverageReport(
        as_of=as_of,
        level="station",
        sub_bureaus=sub_bureaus,
        stations=stations,
        officers=officers,
        totals=totals,
    )


def _merge(into, group) -> None:
    for name in ("cells", "blind_spots", "visits_7d", "visits_30d", "visits_90d"):
        setattr(into, name, getattr(into, name) + getattr(group, name))
    into.care.in_care += group.care.in_care
    into.care.on_time += group.care.on_time


def coverage_cells(*, user, as_of: date, station_id: int | None = None, blind_only=False):
    """Grid cells of the user's area with their coverage, least recently visited first."""
    from grid import coverage

    cells = grid_cell_list(user=user, station_id=station_id)
    cells = coverage.cells_with_coverage(cells, as_of=as_of).order_by(
        F("last_visit_date").asc(nulls_first=True), "code"
    )
    if blind_only:
        cutoff = as_of - timedelta(days=coverage.BLIND_SPOT_DAYS)
        cells = cells.filter(Q(last_visit_date__isnull=True) | Q(last_visit_date__lt=cutoff))
    return cells


def grid_cell_for_assignment(*, user, code: str) -> GridCell:
    """A grid cell whose officers the user may (re)assign: the station's chief or above."""
    stations = Station.objects.actionable_by(user).values("pk")
    try:
        return GridCell.objects.with_units().get(code=code, community__station_id__in=stations)
    except GridCell.DoesNotExist:
        raise Http404("No such grid cell in your area.") from None


def assignable_officers(*, grid_cell: GridCell) -> QuerySet[OfficerProfile]:
    """Community officers and grid workers of the cell's station, who may be assigned to it."""
    return (
        OfficerProfile.objects.filter(
            station_id=grid_cell.community.station_id,
            is_active=True,
            tier__in=["community_officer", "grid_worker"],
        )
        .select_related("user")
        .order_by("tier", "user__last_name", "user__first_name", "user__username")
    )


def visit_residents_chosen(*, user, grid_cell: GridCell, ids) -> list:
    """The residents already picked on a re-shown form (scoped to the cell)."""
    from residents.models import Resident

    ids = [int(i) for i in ids if str(i).isdigit()]
    if not ids:
        return []
    return list(
        Resident.objects.visible_to(user)
        .filter(grid_cell=grid_cell, pk__in=ids)
        .only("pk", "name", "id_number", "address")
        .order_by("name", "pk")
    )


def visit_photo_count():
    """Annotation: the number of photos of each visit."""
    return _count_of(VisitPhoto, "visit_id")
