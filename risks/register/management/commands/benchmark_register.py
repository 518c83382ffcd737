"""``manage.py benchmark_register``: time a full register recompute at a DESIGN.md scale.

On PostgreSQL only, in a database of its own (it refuses one that holds other data unless
``--build`` is left out and the inputs are already there). ``--build`` writes the inputs the
register reads:

- the tiers, officers and assignments of the scale (the grid demo step, ``grid.demo.build``);
- the open risk points of the scale (50,000 at city scale), a measure for 60 % of them
  (a quarter past due), about 0.4 links per point, review dates of which about a sixth are
  past due, all written with ``INSERT ... SELECT generate_series`` (deterministic seed);
- the concerns of the last 30 days (a twelfth of the yearly figure: 150,000 at city scale);
- the visits of the last 90 days that visit coverage reads (two a day in 90 % of cell-days;
  one cell in twenty not visited for 40 days, a blind spot): about 2.4 million at city scale.

Then it computes the registers of 30 and 7 days before (the trend reads them), and times the
register of the date: the whole run in one process (parts one after another) and with
``--workers`` parts at once (threads, each with its own database connection, as several
Celery workers would). Last it times the plain-SQL floor: the same reads and aggregates as
bare SQL statements (the open points and links, the point rows written with INSERT ...
SELECT, the per-cell aggregates of every factor, the rollups) and prints the ratio.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from datetime import time as clock

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, connections, transaction
from django.utils import timezone

from grid.demo import SCALES, DemoContext
from grid.models import GridCell
from risks.register import services
from risks.register.models import RunTrigger
from risks.scoring import bands


def _level_sql(expression: str) -> str:
    whens = " ".join(
        f"WHEN {expression} BETWEEN {low} AND {high} THEN '{level.value}'"
        for low, high, level in bands()
    )
    return f"CASE {whens} ELSE 'blue' END"


CATEGORIES = (
    "dispute_escalation",
    "public_order",
    "fire_building",
    "telecom_fraud",
    "key_place",
    "key_person",
    "online_opinion",
    "data_security",
    "other",
)


class Command(BaseCommand):
    help = "Time a full risk-register recompute at a DESIGN.md scale (PostgreSQL)."

    def add_arguments(self, parser):
        parser.add_argument("--scale", default="city", choices=sorted(SCALES))
        parser.add_argument("--build", action="store_true", help="Write the inputs first.")
        parser.add_argument("--workers", type=int, default=2, help="Parts computed at once.")
        parser.add_argument("--visit-days", type=int, default=90)
        parser.add_argument(
            "--date", dest="for_date", default="", help="Register date (default today)."
        )

    def handle(self, *args, scale, build, workers, visit_days, for_date: str, **options):
        if connection.vendor != "postgresql":
            raise CommandError("The benchmark runs on PostgreSQL (set DATABASE_URL).")
        as_of = date.fromisoformat(for_date) if for_date else timezone.localdate()
        spec = SCALES[scale]
        if build:
            if GridCell.objects.exists():
                raise CommandError("--build needs an empty database (it holds grid cells).")
            self._build(spec, as_of, visit_days)
        if not GridCell.objects.exists():
            raise CommandError("No grid cells: run with --build first.")
        self._counts()
        for days in (30, 7):
            started = time.perf_counter()
            services.register_compute(
                for_date=as_of - timedelta(days=days), trigger=RunTrigger.BENCHMARK
            )
            self.stdout.write(
                f"register of {days} days before: {time.perf_counter() - started:.1f} s"
            )
        sequential = self._time_sequential(as_of)
        parallel = self._time_parallel(as_of, workers)
        floor = self._time_floor(as_of)
        best = min(sequential, parallel)
        self.stdout.write(
            f"\nfull recompute, parts one after another: {sequential:.1f} s\n"
            f"full recompute, {workers} parts at once:     {parallel:.1f} s\n"
            f"plain-SQL floor:                          {floor:.1f} s\n"
            f"ratio (best recompute / floor):           {best / floor:.2f}"
        )

    # --- Timings ------------------------------------------------------------------------------
    def _time_sequential(self, as_of: date) -> float:
        started = time.perf_counter()
        run = services.register_compute(for_date=as_of, trigger=RunTrigger.BENCHMARK)
        seconds = time.perf_counter() - started
        self.stdout.write(
            f"register of {as_of}: {run.cells} cells, {run.points} points, "
            f"{run.parts_total} parts: {seconds:.1f} s"
        )
        return seconds

    def _time_parallel(self, as_of: date, workers: int) -> float:
        started = time.perf_counter()
        prepared = services.register_run_prepare(
            for_date=as_of, trigger=RunTrigger.BENCHMARK, force=True
        )
        prepared_at = time.perf_counter()

        def part(index: int) -> str:
            try:
                return services.register_part_compute(
                    run_id=prepared.run_id, version=prepared.version, index=index
                ).status
            finally:
                connections.close_all()

        with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
            statuses = list(pool.map(part, prepared.parts))
        seconds = time.perf_counter() - started
        if "published" not in statuses:
            raise CommandError(f"The parallel run did not publish: {statuses}")
        self.stdout.write(
            f"parallel: claim and propagation {prepared_at - started:.1f} s, "
            f"{len(prepared.parts)} parts on {workers} workers "
            f"{seconds - (prepared_at - started):.1f} s"
        )
        return seconds

    def _time_floor(self, as_of: date) -> float:
        statements = [
            # the inputs of the propagation
            (
                "SELECT p.id, p.grid_cell_id, p.title, p.category, p.inherent_likelihood,"
                " p.inherent_severity, p.residual_likelihood, p.residual_severity,"
                " p.residual_score, p.next_review_on, EXISTS (SELECT 1 FROM risks_measure m"
                " WHERE m.risk_point_id = p.id AND m.status IN ('planned', 'in_progress')"
                " AND m.due_on < %(d)s) FROM risks_riskpoint p WHERE p.status <> 'closed'"
            ),
            "SELECT source_id, target_id, kind, strength FROM risks_risklink",
            "DROP TABLE IF EXISTS bench_floor_points, bench_floor_entries, bench_floor_rollups",
            # the point rows, written set-based (no propagation: the floor)
            (
                "CREATE TABLE bench_floor_points AS SELECT p.id, p.grid_cell_id, p.category,"
                " p.residual_likelihood / 6.0 AS own,"
                " LEAST(25, p.residual_likelihood * p.residual_severity)::float AS effective"
                " FROM risks_riskpoint p WHERE p.status <> 'closed'"
            ),
            # every factor aggregated per cell, and the entry rows
            (
                "CREATE TABLE bench_floor_entries AS SELECT c.id AS cell_id, cm.station_id,"
                " st.sub_bureau_id, COALESCE(pt.n, 0) AS n, pt.e_max, pt.e_sum,"
                " COALESCE(rv.n, 0) AS reviews, COALESCE(ms.n, 0) AS measures,"
                " COALESCE(cn.n, 0) AS concerns, vs.last_visit, prev.score AS score_7d,"
                " LEAST(100, ROUND(4 * COALESCE(pt.e_max, 0)"
                " + LEAST(10, 0.4 * (COALESCE(pt.e_sum, 0) - COALESCE(pt.e_max, 0)))"
                " + LEAST(12, 3 * COALESCE(rv.n, 0)) + LEAST(10, 2 * COALESCE(ms.n, 0))"
                " + LEAST(8, COALESCE(cn.n, 0))))::int AS score"
                " FROM grid_gridcell c JOIN grid_community cm ON cm.id = c.community_id"
                " JOIN grid_station st ON st.id = cm.station_id"
                " LEFT JOIN (SELECT grid_cell_id, COUNT(*) n, MAX(effective) e_max,"
                " SUM(effective) e_sum FROM bench_floor_points GROUP BY grid_cell_id) pt"
                " ON pt.grid_cell_id = c.id"
                " LEFT JOIN (SELECT grid_cell_id, COUNT(*) n FROM risks_riskpoint"
                " WHERE status <> 'closed' AND next_review_on < %(d)s GROUP BY grid_cell_id) rv"
                " ON rv.grid_cell_id = c.id"
                " LEFT JOIN (SELECT p.grid_cell_id, COUNT(*) n FROM risks_measure m"
                " JOIN risks_riskpoint p ON p.id = m.risk_point_id WHERE p.status <> 'closed'"
                " AND m.status IN ('planned', 'in_progress') AND m.due_on < %(d)s"
                " GROUP BY p.grid_cell_id) ms ON ms.grid_cell_id = c.id"
                " LEFT JOIN (SELECT grid_cell_id, COUNT(*) n FROM residents_concern"
                " WHERE created_at >= %(since)s AND created_at < %(until)s"
                " GROUP BY grid_cell_id) cn ON cn.grid_cell_id = c.id"
                " LEFT JOIN (SELECT grid_cell_id, MAX(visit_date) last_visit,"
                " COUNT(*) FILTER (WHERE visit_date > %(d)s - 7) v7,"
                " COUNT(*) FILTER (WHERE visit_date > %(d)s - 30) v30,"
                " COUNT(*) v90 FROM grid_gridvisit WHERE visit_date > %(d)s - 90"
                " AND visit_date <= %(d)s GROUP BY grid_cell_id) vs ON vs.grid_cell_id = c.id"
                " LEFT JOIN (SELECT e.grid_cell_id, e.score FROM risk_register_registerentry e"
                " JOIN risk_register_registerrun r ON r.id = e.run_id"
                " AND e.version = r.published_version WHERE r.for_date = %(d)s - 7) prev"
                " ON prev.grid_cell_id = c.id"
            ),
            (
                "CREATE TABLE bench_floor_rollups AS SELECT station_id, sub_bureau_id,"
                " COUNT(*) cells, SUM(n) points, AVG(score) mean_score, MAX(score) max_score"
                " FROM bench_floor_entries GROUP BY station_id, sub_bureau_id"
            ),
            "DROP TABLE bench_floor_points, bench_floor_entries, bench_floor_rollups",
        ]
        params = {
            "d": as_of,
            "since": timezone.make_aware(datetime.combine(as_of - timedelta(days=29), clock.min)),
            "until": timezone.make_aware(datetime.combine(as_of + timedelta(days=1), clock.min)),
        }
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql, params)
                if sql.startswith("SELECT"):
                    cursor.fetchall()
        return time.perf_counter() - started

    # --- Inputs -------------------------------------------------------------------------------
    def _counts(self):
        with connection.cursor() as cursor:
            for table in (
                "grid_gridcell",
                "risks_riskpoint",
                "risks_measure",
                "risks_risklink",
                "residents_concern",
                "grid_gridvisit",
            ):
                cursor.execute(f"SELECT COUNT(*) FROM {table}")
                self.stdout.write(f"{table:<20} {cursor.fetchone()[0]:>10,}")

    def _build(self, spec, as_of: date, visit_days: int) -> None:
        from grid import demo

        started = time.perf_counter()
        with transaction.atomic():
            demo.build(DemoContext(scale=spec.name, stdout=self.stdout))
        self.stdout.write(f"tiers and officers: {time.perf_counter() - started:.1f} s")
        points = spec.open_risk_points
        concerns = spec.concerns_per_year // 12
        steps = [
            ("risk points", self._sql_points(points)),
            ("measures", self._sql_measures()),
            ("links", self._sql_links(int(points * 0.4))),
            ("concerns", self._sql_concerns(concerns)),
            ("visits", self._sql_visits(visit_days)),
        ]
        for label, sql in steps:
            started = time.perf_counter()
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SELECT setseed(0.2026)")
                cursor.execute(
                    "CREATE TEMP TABLE IF NOT EXISTS bench_cells AS SELECT"
                    " row_number() OVER (ORDER BY c.id) AS n, c.id, c.community_id,"
                    " cm.station_id, a.officer_id FROM grid_gridcell c"
                    " JOIN grid_community cm ON cm.id = c.community_id"
                    " LEFT JOIN grid_gridassignment a ON a.grid_cell_id = c.id"
                    " AND a.valid_to IS NULL AND a.role = 'responsible'"
                )
                cursor.execute(sql, {"d": as_of})
                rows = cursor.rowcount
            self.stdout.write(f"{label}: {rows:,} rows in {time.perf_counter() - started:.1f} s")
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    def _sql_points(self, count: int) -> str:
        categories = "ARRAY[" + ", ".join(f"'{c}'" for c in CATEGORIES) + "]"
        return (
            "INSERT INTO risks_riskpoint (title, description, category, channel,"
            " inherent_likelihood, inherent_severity, inherent_score, inherent_level,"
            " residual_likelihood, residual_severity, residual_score, residual_level,"
            " review_cadence_days, next_review_on, status, created_at, updated_at,"
            " grid_cell_id, owner_id)"
            " SELECT 'Bench risk ' || s.g, '', (" + categories + ")[1 + s.g %% 9], 'on_site',"
            " s.il, s.isv, s.il * s.isv, " + _level_sql("s.il * s.isv") + ","
            " s.rl, s.rs, s.rl * s.rs, " + _level_sql("s.rl * s.rs") + ","
            " 30, %(d)s + ((s.g * 37) %% 60 - 10), 'identified', now(), now(), c.id,"
            " COALESCE(c.officer_id, (SELECT MIN(id) FROM auth_user))"
            " FROM (SELECT g, il, isv, GREATEST(1, il - (random() * 2)::int) AS rl,"
            " GREATEST(1, isv - (random() * 1.4)::int) AS rs, cn FROM (SELECT g,"
            " 1 + (random() * 4)::int AS il, 1 + (random() * 4)::int AS isv,"
            " 1 + floor(random() * (SELECT COUNT(*) FROM bench_cells))::int AS cn"
            f" FROM generate_series(1, {int(count)}) g) r) s JOIN bench_cells c ON c.n = s.cn"
        )

    def _sql_measures(self) -> str:
        return (
            "INSERT INTO risks_measure (description, due_on, status, note, created_at, owner_id,"
            " risk_point_id) SELECT 'Bench measure', %(d)s + ((p.id * 13) %% 40 - 10)::int,"
            " 'planned', '', now(), p.owner_id, p.id FROM risks_riskpoint p"
            " WHERE p.id %% 10 < 6"
        )

    def _sql_links(self, count: int) -> str:
        return (
            "INSERT INTO risks_risklink (kind, strength, note, created_at, source_id, target_id)"
            " SELECT 'may_trigger', round((0.1 + random() * 0.8)::numeric, 2), '', now(),"
            " s.a, s.b FROM (SELECT lo + floor(random() * span)::bigint AS a,"
            " lo + floor(random() * span)::bigint AS b FROM (SELECT MIN(id) lo,"
            " MAX(id) - MIN(id) + 1 span FROM risks_riskpoint) bounds,"
            f" generate_series(1, {int(count)})) s"
            " WHERE s.a <> s.b AND EXISTS (SELECT 1 FROM risks_riskpoint WHERE id = s.a)"
            " AND EXISTS (SELECT 1 FROM risks_riskpoint WHERE id = s.b)"
            " ON CONFLICT DO NOTHING"
        )

    def _sql_concerns(self, count: int) -> str:
        return (
            "INSERT INTO residents_concern (tracking_code, category, description, address,"
            " photo, contact_name, contact_phone, contact_consent, status, created_at,"
            " acknowledge_by, updated_at, community_id, station_id, grid_cell_id)"
            " SELECT 'BENCH' || s.g, 'noise', '', '', '', '', '', false, 'closed', s.at,"
            " s.at + interval '1 day', s.at, c.community_id, c.station_id, c.id"
            " FROM (SELECT g, (%(d)s::timestamptz + interval '1 day')"
            " - random() * interval '30 days' AS at,"
            " 1 + floor(random() * (SELECT COUNT(*) FROM bench_cells))::int AS cn"
            f" FROM generate_series(1, {int(count)}) g) s JOIN bench_cells c ON c.n = s.cn"
        )

    def _sql_visits(self, days: int) -> str:
        return (
            "INSERT INTO grid_gridvisit (visit_type, started_at, ended_at, visit_date,"
            " households_reached, notes, findings, created_at, grid_cell_id, officer_id)"
            " SELECT 'patrol', v.day + interval '9 hours', v.day + interval '10 hours',"
            " v.day, 5, '', '', now(), v.id, v.officer_id"
            " FROM (SELECT c.id, COALESCE(c.officer_id, (SELECT MIN(id) FROM auth_user))"
            " AS officer_id, (%(d)s - d)::date AS day, c.n FROM bench_cells c,"
            f" generate_series(0, {int(days) - 1}) d, generate_series(1, 2) k"
            " WHERE random() < 0.9) v WHERE NOT (v.n %% 20 = 0 AND v.day > %(d)s - 40)"
        )
