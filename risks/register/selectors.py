"""Reads of the risk register, scoped through the one mechanism (grid.scoping).

Every function answers in a fixed number of queries whatever the number of cells.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import OuterRef, QuerySet, Subquery
from django.http import Http404

from grid.models import GridCell, Station, SubBureau
from grid.scoping import Tier, scope_for
from risks.register.models import (
    RegisterCurrent,
    RegisterEntry,
    RegisterPointScore,
    RegisterRollup,
    RegisterRun,
    RegisterSignOff,
    RollupKind,
)
from risks.scoring import Level

SORTS = {
    "score": ("-score", "grid_cell__code"),
    "-score": ("score", "grid_cell__code"),
    "code": ("grid_cell__code",),
    "-code": ("-grid_cell__code",),
    "trend": ("-score_7d", "grid_cell__code"),
    "worst": ("-worst_score", "grid_cell__code"),
    "overdue": ("-overdue_items", "-score"),
}
DEFAULT_SORT = "score"
HISTORY_DAYS = 90


# --- Runs -----------------------------------------------------------------------------------
def current_run() -> RegisterRun | None:
    pointer = RegisterCurrent.objects.select_related("run").filter(pk=1).first()
    return pointer.run if pointer and pointer.run else None


def published_run(*, for_date: date | None = None) -> RegisterRun | None:
    """The published run of a date, or the current one; None when there is none yet."""
    if for_date is None:
        return current_run()
    return RegisterRun.objects.filter(for_date=for_date, published_version__isnull=False).first()


def published_dates(*, limit: int = 60) -> list[date]:
    return list(
        RegisterRun.objects.filter(published_version__isnull=False)
        .order_by("-for_date")
        .values_list("for_date", flat=True)[:limit]
    )


def run_list() -> QuerySet[RegisterRun]:
    return RegisterRun.objects.select_related("requested_by").order_by("-for_date")


def may_see_runs(user) -> bool:
    return bool(user.is_authenticated and user.is_superuser)


# --- Entries --------------------------------------------------------------------------------
def register_entries(
    *,
    user,
    run: RegisterRun,
    level: str | None = None,
    category: str | None = None,
    officer_id: int | None = None,
    station_id: int | None = None,
    sort: str = DEFAULT_SORT,
) -> QuerySet[RegisterEntry]:
    rows = (
        RegisterEntry.objects.visible_to(user)
        .of_run(run)
        .select_related("grid_cell", "station", "officer")
    )
    if level:
        rows = rows.filter(level=level)
    if category:
        rows = rows.filter(
            grid_cell__in=RegisterPointScore.objects.of_run(run)
            .filter(category=category)
            .values("grid_cell_id")
        )
    if officer_id:
        rows = rows.filter(officer_id=officer_id)
    if station_id:
        rows = rows.filter(station_id=station_id)
    return rows.order_by(*SORTS.get(sort, SORTS[DEFAULT_SORT]))


def register_entry_get(*, user, run: RegisterRun, code: str) -> RegisterEntry:
    entry = (
        RegisterEntry.objects.visible_to(user)
        .of_run(run)
        .select_related("grid_cell__community", "station__sub_bureau", "officer")
        .filter(grid_cell__code=code)
        .first()
    )
    if entry is None:
        raise Http404("No such grid cell in your area's register.")
    return entry


def grid_cell_get(*, user, code: str) -> GridCell:
    try:
        return GridCell.objects.visible_to(user).with_units().get(code=code)
    except GridCell.DoesNotExist:
        raise Http404("No such grid cell in your area.") from None


@dataclass(frozen=True)
class HistoryPoint:
    for_date: date
    score: int
    level: str
    best: int
    worst: int


def cell_history(
    *, grid_cell: GridCell, until: date, days: int = HISTORY_DAYS
) -> list[HistoryPoint]:
    rows = (
        RegisterEntry.objects.published()
        .filter(grid_cell=grid_cell, run__for_date__gt=until - timedelta(days=days))
        .filter(run__for_date__lte=until)
        .order_by("run__for_date")
        .values_list("run__for_date", "score", "level", "best_score", "worst_score")
    )
    return [HistoryPoint(*row) for row in rows]


def cell_points(*, run: RegisterRun, grid_cell: GridCell) -> list[RegisterPointScore]:
    """The cell's open risk points in the snapshot, each with ``driver`` (the upstream score)."""
    points = list(RegisterPointScore.objects.of_run(run).filter(grid_cell=grid_cell))
    attach_drivers(run, points)
    return points


def attach_drivers(run: RegisterRun, points: list[RegisterPointScore]) -> None:
    driver_ids = {p.driver_point_id for p in points if p.driver_point_id}
    drivers = {
        d.risk_point_id: d
        for d in RegisterPointScore.objects.of_run(run)
        .filter(risk_point_id__in=driver_ids)
        .select_related("grid_cell")
    }
    for point in points:
        point.driver = drivers.get(point.driver_point_id)


# --- Risk point propagation (included on the inventory's risk point page) -------------------
@dataclass
class PointPropagation:
    run: RegisterRun
    score: RegisterPointScore
    driver: RegisterPointScore | None
    drives: list[RegisterPointScore]


def risk_point_propagation(*, user, risk_point) -> PointPropagation | None:
    """The risk point in the current register: own and propagated probability, the upstream
    risk that drove its increase and the risks it drives (only those the user may see)."""
    run = current_run()
    if run is None:
        return None
    score = RegisterPointScore.objects.of_run(run).filter(risk_point_id=risk_point.pk).first()
    if score is None:
        return None
    visible = RegisterPointScore.objects.visible_to(user).of_run(run).select_related("grid_cell")
    driver = (
        visible.filter(risk_point_id=score.driver_point_id).first()
        if score.driver_point_id
        else None
    )
    drives = list(visible.filter(driver_point_id=risk_point.pk).order_by("-driver_uplift")[:10])
    return PointPropagation(run=run, score=score, driver=driver, drives=drives)


def risk_point_raised_by(*, user, risk_point) -> PointPropagation | None:
    """The name the inventory's risk point page looks for (same as risk_point_propagation)."""
    return risk_point_propagation(user=user, risk_point=risk_point)


# --- Rollups and sign-off -------------------------------------------------------------------
def rollups(*, user, run: RegisterRun, kind: str) -> QuerySet[RegisterRollup]:
    return (
        RegisterRollup.objects.visible_to(user)
        .of_run(run)
        .filter(kind=kind)
        .select_related("station", "sub_bureau")
        .order_by("-red", "-mean_score")
    )


def station_rollup_get(*, user, run: RegisterRun, code: str) -> RegisterRollup:
    row = rollups(user=user, run=run, kind=RollupKind.STATION).filter(station__code=code).first()
    if row is None:
        raise Http404("No such police station in your area's register.")
    return row


def sub_bureau_rollup_get(*, user, run: RegisterRun, code: str) -> RegisterRollup:
    row = (
        rollups(user=user, run=run, kind=RollupKind.SUB_BUREAU)
        .filter(sub_bureau__code=code)
        .first()
    )
    if row is None:
        raise Http404("No such sub-bureau in your area's register.")
    return row


def station_get(*, user, code: str) -> Station:
    try:
        return Station.objects.visible_to(user).get(code=code)
    except Station.DoesNotExist:
        raise Http404("No such police station in your area.") from None


def sub_bureau_get(*, user, code: str) -> SubBureau:
    try:
        return SubBureau.objects.visible_to(user).get(code=code)
    except SubBureau.DoesNotExist:
        raise Http404("No such sub-bureau in your area.") from None


def top_entries(*, user, run: RegisterRun, limit: int = 10, **unit) -> list[RegisterEntry]:
    return list(
        RegisterEntry.objects.visible_to(user)
        .of_run(run)
        .filter(**unit)
        .select_related("grid_cell", "officer")
        .order_by("-score", "grid_cell__code")[:limit]
    )


def top_points(*, user, run: RegisterRun, limit: int = 10, **unit) -> list[RegisterPointScore]:
    cell_filter = {f"grid_cell__community__{key}": value for key, value in unit.items()}
    if "sub_bureau_id" in unit:
        cell_filter = {"grid_cell__community__station__sub_bureau_id": unit["sub_bureau_id"]}
    return list(
        RegisterPointScore.objects.visible_to(user)
        .of_run(run)
        .filter(**cell_filter)
        .select_related("grid_cell")
        .order_by("-effective_score", "risk_point_id")[:limit]
    )


class SignOffState:
    SIGNED = "signed"  # signed on this snapshot
    CARRIED = "carried"  # signed on an earlier snapshot with the same levels
    RESIGN = "resign"  # levels changed since the last sign-off: a new one is needed
    UNSIGNED = "unsigned"


@dataclass
class StationSignOff:
    rollup: RegisterRollup
    sign_off: RegisterSignOff | None
    state: str

    @property
    def valid(self) -> bool:
        return self.state in (SignOffState.SIGNED, SignOffState.CARRIED)

    @property
    def red_unsigned(self) -> bool:
        return bool(self.rollup.red) and not self.valid


def sign_off_states(*, user, run: RegisterRun, station_rollups=None) -> list[StationSignOff]:
    """The sign-off state of every visible station in ``run`` (two queries).

    A sign-off on this snapshot holds; one on an earlier snapshot holds while the station's
    cell levels are unchanged (same digest), else a new sign-off is needed.
    """
    station_rows = list(
        station_rollups
        if station_rollups is not None
        else rollups(user=user, run=run, kind=RollupKind.STATION)
    )
    latest = (
        RegisterSignOff.objects.filter(
            station_id=OuterRef("station_id"), run__for_date__lte=run.for_date
        )
        .order_by("-run__for_date", "-signed_at")
        .values("pk")[:1]
    )
    ids = [r.station_id for r in station_rows]
    latest_ids = (
        (
            RegisterRollup.objects.filter(pk__in=[r.pk for r in station_rows])
            .annotate(sign_off_id=Subquery(latest))
            .values_list("station_id", "sign_off_id")
        )
        if ids
        else []
    )
    by_station = dict(latest_ids)
    sign_offs = RegisterSignOff.objects.select_related("run", "signed_by").in_bulk(
        [pk for pk in by_station.values() if pk]
    )
    result = []
    for row in station_rows:
        sign_off = sign_offs.get(by_station.get(row.station_id))
        if sign_off is None:
            state = SignOffState.UNSIGNED
        elif sign_off.run_id == run.pk:
            state = SignOffState.SIGNED
        elif sign_off.levels_digest and sign_off.levels_digest == row.levels_digest:
            state = SignOffState.CARRIED
        else:
            state = SignOffState.RESIGN
        result.append(StationSignOff(rollup=row, sign_off=sign_off, state=state))
    return result


def sign_off_trail(*, user, station: Station, limit: int = 20) -> list[RegisterSignOff]:
    return list(
        RegisterSignOff.objects.visible_to(user)
        .filter(station=station)
        .select_related("run", "signed_by")
        .order_by("-signed_at")[:limit]
    )


def may_sign_off(user, station: Station) -> bool:
    scope = scope_for(user)
    return scope.everything or (
        scope.tier == Tier.STATION_CHIEF and station.pk in scope.station_ids
    )


def sign_offs(*, user) -> QuerySet[RegisterSignOff]:
    return (
        RegisterSignOff.objects.visible_to(user)
        .select_related("run", "station", "signed_by")
        .order_by("-signed_at")
    )


# --- Map ------------------------------------------------------------------------------------
def map_features(*, user, run: RegisterRun) -> dict:
    """A GeoJSON FeatureCollection of the visible cells with a boundary, coloured by level."""
    rows = (
        RegisterEntry.objects.visible_to(user)
        .of_run(run)
        .filter(grid_cell__boundary__isnull=False)
        .order_by()
        .values_list("grid_cell__code", "grid_cell__name", "grid_cell__boundary", "score", "level")
    )
    features = [
        {
            "type": "Feature",
            "geometry": boundary,
            "properties": {"code": code, "name": name, "score": score, "level": level},
        }
        for code, name, boundary, score, level in rows
    ]
    return {"type": "FeatureCollection", "features": features}


LEVEL_CHOICES = [(level.value, level.label) for level in Level]
