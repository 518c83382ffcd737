"""Writes of the risk register: claim a run, compute its parts, publish, sign off.

A run goes through three steps, each one transaction, each safe to run twice:

1. ``register_run_prepare`` claims the date's run (a unique key on the date) under an
   *exclusive* advisory lock, starts a new version, propagates every open risk point along
   every link at once (in-memory arrays over the whole link table) and bulk-writes the
   point scores, then creates the run's parts (batches of stations).
2. ``register_part_compute`` (one per part, on any number of workers at once, each under a
   *shared* advisory lock) aggregates its cells set-based (GROUP BY over whole tables),
   bulk-writes their entries, marks the part done and bumps the run's counter atomically.
3. The part that brings the counter to the total publishes, in its own transaction: the
   rollups are written with ``INSERT ... SELECT``, the version becomes the published one,
   older versions of the date are deleted and the current pointer moves.

A claim cannot happen while any part is computing (exclusive against shared lock), so two
runs never overlap whoever triggered them; a part of a superseded version finds the run's
version changed and returns. A killed worker's transaction rolls back: the previous snapshot
stays current and a rerun (or the redelivered task) completes the run.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import threading
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Count, Exists, F, Max, OuterRef, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from grid.models import AssignmentRole, GridAssignment, GridCell, Station
from grid.scoping import Tier, scope_for
from risks.register import scoring
from risks.register.factors import factors
from risks.register.models import (
    PartStatus,
    RegisterCurrent,
    RegisterEntry,
    RegisterPointScore,
    RegisterRollup,
    RegisterRun,
    RegisterRunPart,
    RegisterSignOff,
    RollupKind,
    RunStatus,
    RunTrigger,
)
from risks.register.propagation import propagate
from risks.scoring import Level

logger = logging.getLogger(__name__)

# Advisory lock key: (namespace, id) pair; the namespace spells "RREG".
LOCK_NAMESPACE = 0x52524547
LOCK_ID = 1
_CACHE_LOCK_KEY = "risk-register:run-lock"
_local_lock = threading.Lock()
BULK_BATCH = 5000


class RegisterBusy(Exception):
    """Another run holds the register lock; try again later."""


@dataclass(frozen=True)
class Prepared:
    run_id: int
    version: int
    parts: list[int] = field(default_factory=list)
    skipped: str = ""


@dataclass(frozen=True)
class PartResult:
    status: str  # "done", "published", "stale", "already done"
    cells: int = 0


POINT_FIELDS = [
    "run_id",
    "version",
    "risk_point_id",
    "grid_cell_id",
    "title",
    "category",
    "residual_score",
    "severity",
    "own_probability",
    "probability",
    "best_probability",
    "worst_probability",
    "effective_score",
    "best_effective_score",
    "worst_effective_score",
    "level",
    "driver_point_id",
    "driver_uplift",
]
ENTRY_FIELDS = [
    "run_id",
    "version",
    "grid_cell_id",
    "station_id",
    "sub_bureau_id",
    "officer_id",
    "score",
    "level",
    "best_score",
    "best_level",
    "worst_score",
    "worst_level",
    "score_7d",
    "score_30d",
    "open_points",
    "red_points",
    "overdue_items",
    "categories",
    "factors",
]


def _copy_value(value) -> str:
    kind = type(value)
    if kind is int or kind is float:
        return repr(value)
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, list | dict):
        value = json.dumps(value, separators=(",", ":"))
    text = str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def bulk_write(model, fields: list[str], rows: list[tuple]) -> None:
    """Write many rows at once: PostgreSQL COPY (one round trip, no ORM per-row cost), else
    ``bulk_create`` (SQLite in the embedded default)."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create(
            (model(**dict(zip(fields, row, strict=True))) for row in rows), batch_size=BULK_BATCH
        )
        return
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join(_copy_value(value) for value in row))
        buffer.write("\n")
    buffer.seek(0)
    columns = ", ".join(connection.ops.quote_name(model._meta.get_field(f).column) for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(f"COPY {table} ({columns}) FROM STDIN", buffer)


# --- Locking --------------------------------------------------------------------------------
@contextmanager
def register_lock(*, shared: bool) -> Iterator[bool]:
    """Try the register lock for the current transaction; yields whether it was obtained.

    PostgreSQL: a transaction-level advisory lock, exclusive for claims and shared for parts,
    released at commit or when the connection dies (a killed worker). Elsewhere (SQLite in
    the embedded default, where tasks run eagerly in the web process): a process lock plus a
    cache key for the exclusive side.
    """
    if connection.vendor == "postgresql":
        function = "pg_try_advisory_xact_lock_shared" if shared else "pg_try_advisory_xact_lock"
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {function}(%s, %s)", [LOCK_NAMESPACE, LOCK_ID])
            yield bool(cursor.fetchone()[0])
        return
    if shared:
        yield cache.get(_CACHE_LOCK_KEY) is None
        return
    if not _local_lock.acquire(blocking=False):
        yield False
        return
    try:
        obtained = cache.add(_CACHE_LOCK_KEY, 1, timeout=lease_seconds())
        try:
            yield obtained
        finally:
            if obtained:
                cache.delete(_CACHE_LOCK_KEY)
    finally:
        _local_lock.release()


def lease_seconds() -> int:
    return int(getattr(settings, "RISK_REGISTER_RUN_LEASE_SECONDS", 3600))


# --- Step 1: claim and propagate ------------------------------------------------------------
def register_run_prepare(
    *,
    for_date: date,
    trigger: str = RunTrigger.MANUAL,
    requested_by_id: int | None = None,
    force: bool = False,
) -> Prepared:
    """Claim the date's run and compute its point scores; returns the parts to dispatch.

    Skips (``Prepared.skipped`` says why) when the lock is taken, when another date's run is
    in progress, or, unless ``force``, when the date is already published or in progress.
    """
    if trigger not in RunTrigger.values:
        raise ValidationError({"trigger": f"Unknown trigger {trigger!r}."})
    with transaction.atomic(), register_lock(shared=False) as obtained:
        if not obtained:
            return Prepared(0, 0, skipped="busy")
        now = timezone.now()
        fresh = now - timedelta(seconds=lease_seconds())
        others = RegisterRun.objects.filter(status=RunStatus.RUNNING, started_at__gte=fresh)
        if others.exclude(for_date=for_date).exists():
            return Prepared(0, 0, skipped="another run in progress")
        run = RegisterRun.objects.select_for_update().filter(for_date=for_date).first()
        if run is not None and not force:
            if run.status == RunStatus.PUBLISHED:
                return Prepared(run.pk, run.version, skipped="already published")
            if run.status == RunStatus.RUNNING and run.started_at and run.started_at >= fresh:
                return Prepared(run.pk, run.version, skipped="in progress")
        if run is None:
            run = RegisterRun(for_date=for_date)
        run.version += 1
        run.attempts += 1
        run.status = RunStatus.RUNNING
        run.trigger = trigger
        run.requested_by_id = requested_by_id
        run.started_at = now
        run.finished_at = None
        run.error = ""
        run.parts_done = 0
        run.cells = 0
        run.save()
        _delete_unpublished(run)
        run.points = _write_point_scores(run, for_date)
        parts = _create_parts(run)
        run.parts_total = len(parts)
        run.save(update_fields=["points", "parts_total"])
    return Prepared(run.pk, run.version, parts=parts)


def _delete_unpublished(run: RegisterRun) -> None:
    """Drop rows of abandoned attempts (never those of the published version)."""
    for model in (RegisterEntry, RegisterPointScore, RegisterRollup, RegisterRunPart):
        rows = model.objects.filter(run=run)
        if run.published_version is not None:
            rows = rows.exclude(version=run.published_version)
        rows.delete()


def _create_parts(run: RegisterRun) -> list[int]:
    per_part = max(1, int(getattr(settings, "RISK_REGISTER_STATIONS_PER_PART", 12)))
    station_ids = list(Station.objects.order_by("pk").values_list("pk", flat=True))
    batches = [station_ids[i : i + per_part] for i in range(0, len(station_ids), per_part)]
    if not batches:
        batches = [[]]
    RegisterRunPart.objects.bulk_create(
        RegisterRunPart(run=run, version=run.version, index=index, station_ids=batch)
        for index, batch in enumerate(batches)
    )
    return list(range(len(batches)))


@dataclass
class PointInputs:
    ids: list[int]
    rows: list[tuple]
    links: list[tuple[int, int, float]]


def point_inputs(as_of: date) -> PointInputs:
    """Every open risk point and every link between open points: two queries."""
    from risks.models import OPEN_MEASURE_STATUSES, LinkKind, Measure, RiskLink, RiskPoint

    late_measure = Measure.objects.filter(
        risk_point=OuterRef("pk"), status__in=OPEN_MEASURE_STATUSES, due_on__lt=as_of
    )
    rows = list(
        RiskPoint.objects.open()
        .order_by()
        .annotate(late_measure=Exists(late_measure))
        .values_list(
            "pk",
            "grid_cell_id",
            "title",
            "category",
            "inherent_likelihood",
            "inherent_severity",
            "residual_likelihood",
            "residual_severity",
            "residual_score",
            "next_review_on",
            "late_measure",
        )
    )
    ids = [row[0] for row in rows]
    position = {pk: i for i, pk in enumerate(ids)}
    links: list[tuple[int, int, float]] = []
    for source, target, kind, strength in RiskLink.objects.order_by().values_list(
        "source_id", "target_id", "kind", "strength"
    ):
        s, t = position.get(source), position.get(target)
        if s is None or t is None:
            continue  # a closed end breaks no chain
        links.append((s, t, float(strength)))
        if kind == LinkKind.SHARED_PARTY:
            links.append((t, s, float(strength)))
    return PointInputs(ids=ids, rows=rows, links=links)


@dataclass
class PointScenario:
    """Own likelihood and severity of each point in the current, best and worst cases."""

    current: list[tuple[int, int]]
    best: list[tuple[int, int]]
    worst: list[tuple[int, int]]


def point_scenarios(rows: list[tuple], as_of: date) -> PointScenario:
    current, best, worst = [], [], []
    for row in rows:
        inh_l, inh_s, res_l, res_s, next_review, late_measure = (*row[4:8], row[9], row[10])
        # A point whose measure is overdue is not reduced yet: it counts at its inherent level.
        cur = (max(res_l, inh_l), max(res_s, inh_s)) if late_measure else (res_l, res_s)
        current.append(cur)
        best.append((min(res_l, cur[0]), min(res_s, cur[1])))
        escalated = late_measure or next_review < as_of
        worst.append((min(5, max(cur[0], inh_l) + 1), max(cur[1], inh_s)) if escalated else cur)
    return PointScenario(current=current, best=best, worst=worst)


def _write_point_scores(run: RegisterRun, as_of: date) -> int:
    inputs = point_inputs(as_of)
    scenario = point_scenarios(inputs.rows, as_of)
    own = [scoring.own_probability(lik) for lik, _ in scenario.current]
    current = propagate(own, inputs.links)
    best = propagate([scoring.own_probability(lik) for lik, _ in scenario.best], inputs.links)
    worst = propagate(
        [scoring.own_probability(lik) for lik, _ in scenario.worst],
        inputs.links,
        parents_triggered=True,
    )
    ids = inputs.ids
    rows = []
    for i, row in enumerate(inputs.rows):
        severity = scenario.current[i][1]
        effective = scoring.effective_score(current.probability[i], severity)
        driver = current.driver[i]
        rows.append(
            (
                run.pk,
                run.version,
                row[0],
                row[1],
                row[2][:200],
                row[3],
                row[8],
                severity,
                own[i],
                current.probability[i],
                best.probability[i],
                worst.probability[i],
                effective,
                scoring.effective_score(best.probability[i], scenario.best[i][1]),
                scoring.effective_score(worst.probability[i], scenario.worst[i][1]),
                scoring.level_for_ls(effective).value,
                ids[driver] if driver is not None else None,
                current.probability[i] - own[i],
            )
        )
    bulk_write(RegisterPointScore, POINT_FIELDS, rows)
    return len(rows)


# --- Step 2: one part -----------------------------------------------------------------------
def register_part_compute(*, run_id: int, version: int, index: int) -> PartResult:
    """Compute one part's entries; the part completing the run publishes it."""
    with transaction.atomic(), register_lock(shared=True) as obtained:
        if not obtained:
            raise RegisterBusy("A register run is being claimed; retry the part.")
        run = RegisterRun.objects.filter(pk=run_id).first()
        if run is None or run.version != version or run.status != RunStatus.RUNNING:
            return PartResult("stale")
        part = (
            RegisterRunPart.objects.select_for_update()
            .filter(run=run, version=version, index=index)
            .first()
        )
        if part is None:
            return PartResult("stale")
        if part.status == PartStatus.DONE:
            return PartResult("already done")
        cells = GridCell.objects.filter(community__station_id__in=part.station_ids)
        entries = compute_entries(run=run, cells=cells)
        bulk_write(RegisterEntry, ENTRY_FIELDS, entries)
        pause = float(getattr(settings, "RISK_REGISTER_PART_PAUSE_SECONDS", 0) or 0)
        if pause:
            import time

            time.sleep(pause)  # throttling knob (and how the tests catch a run mid-way)
        part.status = PartStatus.DONE
        part.cells = len(entries)
        part.digests = station_digests(entries)
        part.finished_at = timezone.now()
        part.save(update_fields=["status", "cells", "digests", "finished_at"])
        RegisterRun.objects.filter(pk=run.pk, version=version).update(
            parts_done=F("parts_done") + 1, cells=F("cells") + len(entries)
        )
        run.refresh_from_db(fields=["parts_done", "parts_total"])
        if run.parts_done < run.parts_total:
            return PartResult("done", len(entries))
        _publish(run, version)
        return PartResult("published", len(entries))


def station_digests(entries: list[tuple]) -> dict[str, str]:
    """A fingerprint of each station's cell levels (a change asks for a new sign-off)."""
    cell, station, level = (ENTRY_FIELDS.index(f) for f in ("grid_cell_id", "station_id", "level"))
    by_station: dict[int, list[str]] = defaultdict(list)
    for entry in entries:
        by_station[entry[station]].append(f"{entry[cell]}:{entry[level]}")
    return {
        str(station): hashlib.sha256(";".join(sorted(levels)).encode()).hexdigest()
        for station, levels in by_station.items()
    }


def compute_entries(*, run: RegisterRun, cells) -> list[tuple]:
    """The entry rows (``ENTRY_FIELDS``) of the given cells in ``run``'s version: a fixed
    number of queries whatever the number of cells."""
    as_of = run.for_date
    version = run.version
    cell_ids = cells.values("pk")
    units = list(
        cells.order_by().values_list(
            "pk", "community__station_id", "community__station__sub_bureau_id"
        )
    )
    officers = dict(
        GridAssignment.objects.active_on(as_of)
        .filter(role=AssignmentRole.RESPONSIBLE, grid_cell__in=cell_ids)
        .order_by()
        .values_list("grid_cell_id", "officer_id")
    )
    red = Level.RED.value
    points = {
        row["grid_cell_id"]: row
        for row in RegisterPointScore.objects.filter(
            run=run, version=version, grid_cell__in=cell_ids
        )
        .order_by()
        .values("grid_cell_id")
        .annotate(
            n=Count("pk"),
            red=Count("pk", filter=Q(level=red)),
            e_max=Max("effective_score"),
            e_sum=Sum("effective_score"),
            b_max=Max("best_effective_score"),
            b_sum=Sum("best_effective_score"),
            w_max=Max("worst_effective_score"),
            w_sum=Sum("worst_effective_score"),
        )
    }
    categories: dict[int, list[str]] = defaultdict(list)
    for cell_id, category in (
        RegisterPointScore.objects.filter(run=run, version=version, grid_cell__in=cell_ids)
        .order_by("grid_cell_id", "category")
        .values_list("grid_cell_id", "category")
        .distinct()
    ):
        categories[cell_id].append(category)
    factor_values = [(factor, factor.compute(cells, as_of)) for factor in factors()]
    before = {
        days: dict(
            RegisterEntry.objects.published()
            .filter(run__for_date=as_of - timedelta(days=days), grid_cell__in=cell_ids)
            .order_by()
            .values_list("grid_cell_id", "score")
        )
        for days in (7, 30)
    }
    entries = []
    for cell_id, station_id, sub_bureau_id in units:
        agg = points.get(cell_id) or {}
        component = scoring.component_from_aggregates(agg.get("e_max"), agg.get("e_sum"))
        best_component = scoring.component_from_aggregates(agg.get("b_max"), agg.get("b_sum"))
        worst_component = scoring.component_from_aggregates(agg.get("w_max"), agg.get("w_sum"))
        breakdown = [
            {
                "key": "risk_points",
                "value": agg.get("n", 0),
                "points": round(component, 2),
                "best": round(best_component, 2),
                "worst": round(worst_component, 2),
            }
        ]
        now_points, best_points, worst_points = [], [], []
        overdue = 0
        for factor, values in factor_values:
            raw = float(values.get(cell_id, 0) or 0)
            p, b, w = (
                factor.points(raw),
                factor.points(factor.best_raw(raw)),
                factor.points(factor.worst_raw(raw)),
            )
            now_points.append(p)
            best_points.append(b)
            worst_points.append(w)
            if factor.overdue:
                overdue += int(raw)
            breakdown.append(
                {
                    "key": factor.key,
                    "value": raw,
                    "points": round(p, 2),
                    "best": round(b, 2),
                    "worst": round(w, 2),
                }
            )
        now = scoring.cell_score(component, now_points)
        best = scoring.cell_score(min(best_component, component), best_points)
        worst = scoring.cell_score(max(worst_component, component), worst_points)
        best_score, worst_score = min(best.score, now.score), max(worst.score, now.score)
        entries.append(
            (
                run.pk,
                version,
                cell_id,
                station_id,
                sub_bureau_id,
                officers.get(cell_id),
                now.score,
                now.level.value,
                best_score,
                (best if best.score <= now.score else now).level.value,
                worst_score,
                (worst if worst.score >= now.score else now).level.value,
                before[7].get(cell_id),
                before[30].get(cell_id),
                agg.get("n", 0),
                agg.get("red", 0),
                overdue,
                ",".join(categories.get(cell_id, []))[:400],
                breakdown,
            )
        )
    return entries


# --- Step 3: publish ------------------------------------------------------------------------
_ROLLUP_SQL = """
INSERT INTO {rollup} (run_id, version, kind, station_id, sub_bureau_id, cells, red, orange,
    yellow, blue, open_points, overdue_items, mean_score, max_score, mean_score_7d,
    mean_score_30d, levels_digest)
SELECT run_id, version, %s, {station}, sub_bureau_id, COUNT(*),
    SUM(CASE WHEN level = 'red' THEN 1 ELSE 0 END),
    SUM(CASE WHEN level = 'orange' THEN 1 ELSE 0 END),
    SUM(CASE WHEN level = 'yellow' THEN 1 ELSE 0 END),
    SUM(CASE WHEN level = 'blue' THEN 1 ELSE 0 END),
    SUM(open_points), SUM(overdue_items), AVG(score * 1.0), MAX(score), AVG(score_7d * 1.0),
    AVG(score_30d * 1.0), ''
FROM {entry}
WHERE run_id = %s AND version = %s
GROUP BY run_id, version, {group}
"""


def _publish(run: RegisterRun, version: int) -> None:
    """Write the rollups set-based, then make the version visible (same transaction)."""
    rollup, entry = RegisterRollup._meta.db_table, RegisterEntry._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            _ROLLUP_SQL.format(
                rollup=rollup, entry=entry, station="station_id", group="station_id, sub_bureau_id"
            ),
            [RollupKind.STATION.value, run.pk, version],
        )
        cursor.execute(
            _ROLLUP_SQL.format(rollup=rollup, entry=entry, station="NULL", group="sub_bureau_id"),
            [RollupKind.SUB_BUREAU.value, run.pk, version],
        )
    digests: dict[str, str] = {}
    for part_digests in RegisterRunPart.objects.filter(run=run, version=version).values_list(
        "digests", flat=True
    ):
        digests.update(part_digests)
    station_rollups = list(
        RegisterRollup.objects.filter(run=run, version=version, kind=RollupKind.STATION)
    )
    for row in station_rollups:
        row.levels_digest = digests.get(str(row.station_id), "")
    RegisterRollup.objects.bulk_update(station_rollups, ["levels_digest"], batch_size=1000)
    now = timezone.now()
    RegisterRun.objects.filter(pk=run.pk, version=version).update(
        status=RunStatus.PUBLISHED, published_version=version, finished_at=now, published_at=now
    )
    for model in (RegisterEntry, RegisterPointScore, RegisterRollup, RegisterRunPart):
        model.objects.filter(run=run).exclude(version=version).delete()
    if connection.vendor == "postgresql":
        # Fresh planner statistics at once: the pages read the new rows in the morning, before
        # autovacuum would get to tables that just had a whole version replaced.
        tables = ", ".join(
            connection.ops.quote_name(model._meta.db_table)
            for model in (RegisterEntry, RegisterPointScore, RegisterRollup)
        )
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {tables}")
    pointer, _created = RegisterCurrent.objects.select_for_update().get_or_create(pk=1)
    current_date = (
        RegisterRun.objects.filter(pk=pointer.run_id).values_list("for_date", flat=True).first()
    )
    if current_date is None or run.for_date >= current_date:
        pointer.run_id = run.pk
        pointer.save()


def register_run_fail(*, run_id: int, version: int, error: str) -> None:
    """Record a failed attempt (the previous snapshot stays current)."""
    RegisterRun.objects.filter(pk=run_id, version=version, status=RunStatus.RUNNING).update(
        status=RunStatus.FAILED, error=error[:4000], finished_at=timezone.now()
    )


def register_compute(
    *,
    for_date: date,
    trigger: str = RunTrigger.MANUAL,
    requested_by_id: int | None = None,
    force: bool = True,
) -> RegisterRun | None:
    """A whole run in this process, part after part (demo data, benchmark, shell)."""
    prepared = register_run_prepare(
        for_date=for_date, trigger=trigger, requested_by_id=requested_by_id, force=force
    )
    if prepared.skipped:
        return None
    try:
        for index in prepared.parts:
            register_part_compute(run_id=prepared.run_id, version=prepared.version, index=index)
    except Exception as error:
        register_run_fail(run_id=prepared.run_id, version=prepared.version, error=repr(error))
        raise
    return RegisterRun.objects.get(pk=prepared.run_id)


def register_run_request(
    *, for_date: date, actor, force: bool = True, queue: str | None = None
) -> None:
    """Ask for a run (the run records page): superusers only; the task runs after commit."""
    if not actor.is_superuser:
        raise PermissionDenied("Only administrators start register runs.")
    from risks.register.tasks import register_run_start

    options = {"queue": queue} if queue else {}
    transaction.on_commit(
        lambda: register_run_start.apply_async(
            kwargs={
                "for_date": for_date.isoformat(),
                "trigger": RunTrigger.MANUAL.value,
                "force": force,
                "requested_by_id": actor.pk,
                "queue": queue,
            },
            **options,
        )
    )


# --- Sign-off -------------------------------------------------------------------------------
def register_sign_off(
    *, actor, station: Station, run: RegisterRun, comment: str = ""
) -> RegisterSignOff:
    """The station chief signs off the station's register of a published snapshot."""
    scope = scope_for(actor)
    if not (
        scope.everything or (scope.tier == Tier.STATION_CHIEF and station.pk in scope.station_ids)
    ):
        raise PermissionDenied("Only the station's chief signs off its register.")
    if run.published_version is None:
        raise ValidationError({"run": _("This register has not been published yet.")})
    comment = (comment or "").strip()
    if len(comment) > 2000:
        raise ValidationError({"comment": _("Keep the comment under 2,000 characters.")})
    with transaction.atomic():
        rollup = (
            RegisterRollup.objects.of_run(run)
            .filter(kind=RollupKind.STATION, station=station)
            .first()
        )
        if rollup is None:
            raise ValidationError({"station": _("This station has no register on that date.")})
        sign_off = RegisterSignOff(
            run=run,
            station=station,
            signed_by=actor,
            comment=comment,
            levels_digest=rollup.levels_digest,
        )
        sign_off.full_clean()
        sign_off.save()
    return sign_off
