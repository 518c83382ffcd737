"""``manage.py benchmark_disputes``: time the disputes app's heavy reads and the daily job on
the data set in the database (built with ``generate_demo --scale ...``).

Prints the median and 95th-percentile time and the number of queries of:

(a) the risk register's disputes factors over all grid cells, and the "repeated disputes"
    proposal rule;
(b) the daily deadline job ``services.overdue_cases_escalate``, inside a transaction that is
    rolled back (the data is left as it was): as the data stands, and as the first run after
    an outage (every overdue case not yet escalated);
(c) the selectors behind the pages: the case board of a station chief and of a sub-bureau
    staff member, the first page of the case list, my cases.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.core.paginator import Paginator
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from disputes import proposals, register_factors, selectors, services
from disputes.models import DisputeCase
from grid.models import GridCell

PAGE_SIZE = 50


class _Rollback(Exception):
    pass


class Command(BaseCommand):
    help = "Time the disputes register factors, proposal rule, daily job and page selectors."

    def add_arguments(self, parser):
        parser.add_argument("--repeat", type=int, default=20, help="Runs per item (>= 2).")
        parser.add_argument("--job-repeat", type=int, default=5, help="Runs of the daily job.")
        parser.add_argument("--chief", default="chief01")
        parser.add_argument("--staff", default="staff01")
        parser.add_argument("--officer", default="officer01")

    def handle(self, *args, repeat: int, job_repeat: int, chief, staff, officer, **options):
        if repeat < 2 or job_repeat < 2:
            raise CommandError("--repeat and --job-repeat must be at least 2.")
        cases = DisputeCase.objects.count()
        if not cases:
            raise CommandError("No dispute cases: run `manage.py generate_demo` first.")
        users = get_user_model().objects.in_bulk([chief, staff, officer], field_name="username")
        today = timezone.localdate()
        self.stdout.write(
            f"{connection.vendor}: {cases:,} cases, {DisputeCase.objects.open().count():,} open, "
            f"{DisputeCase.objects.overdue(today).count():,} overdue, "
            f"{GridCell.objects.count():,} grid cells"
        )
        self.stdout.write(f"{'item':<44} {'p50 ms':>9} {'p95 ms':>9} {'queries':>8}")
        cells = GridCell.objects.all()
        for factor in (
            register_factors.DISPUTES_AT_RISK,
            register_factors.OVERDUE_DISPUTES,
            register_factors.REPEATED_DISPUTES,
        ):
            self._time(
                f"factor {factor.key} (all cells)",
                lambda f=factor: f.compute(cells, today),
                repeat,
            )
        self._time(
            "proposal rule repeated_disputes",
            lambda: proposals.repeated_disputes(today),
            repeat,
        )
        self._time("daily job, as the data stands", lambda: self._job(False), job_repeat)
        self._time("daily job, first run after an outage", lambda: self._job(True), job_repeat)
        pages: list[tuple[str, Callable]] = []
        if chief in users:
            pages.append((f"case board ({chief})", lambda: selectors.case_board(user=users[chief])))
            pages.append((f"case list page 1 ({chief})", lambda: self._page(users[chief])))
        if staff in users:
            pages.append((f"case board ({staff})", lambda: selectors.case_board(user=users[staff])))
            pages.append((f"case list page 1 ({staff})", lambda: self._page(users[staff])))
        if officer in users:
            pages.append((f"my cases ({officer})", lambda: self._mine(users[officer])))
        for label, call in pages:
            self._time(label, call, repeat)

    def _page(self, user):
        page = Paginator(selectors.case_list(user=user, open_only=True), PAGE_SIZE).get_page(1)
        return list(page.object_list)

    def _mine(self, user):
        page = Paginator(selectors.my_cases(user=user), PAGE_SIZE).get_page(1)
        return list(page.object_list)

    def _job(self, outage: bool):
        """The daily job in a transaction that is rolled back; returns the cases escalated."""
        escalated = 0
        try:
            with transaction.atomic():
                if outage:
                    DisputeCase.objects.overdue().update(overdue_escalated_at=None)
                started = time.perf_counter()
                escalated = services.overdue_cases_escalate().escalated
                self._job_seconds = time.perf_counter() - started
                raise _Rollback
        except _Rollback:
            pass
        self._job_escalated = escalated
        return escalated

    def _time(self, label: str, call: Callable, repeat: int) -> None:
        call()  # warm up (connection, caches, plans)
        timings, queries = [], 0
        for _ in range(repeat):
            self._job_seconds = None
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                call()
                elapsed = time.perf_counter() - started
            # The daily job's own time, without the outage set-up.
            timings.append((self._job_seconds or elapsed) * 1000)
            queries = len(captured.captured_queries)
        p95 = statistics.quantiles(timings, n=20)[-1]
        extra = ""
        if label.startswith("daily job"):
            extra = f"  ({self._job_escalated:,} cases escalated, rolled back)"
        self.stdout.write(
            f"{label:<44} {statistics.median(timings):9.1f} {p95:9.1f} {queries:8d}{extra}"
        )
