"""``manage.py benchmark_pages``: server time of the portal's pages for each demo tier.

Prints the median and 95th percentile of the server time (Django test client, no network)
and the number of queries of each page, for the demo logins of ``generate_demo``. Run it on
a database built with ``generate_demo --scale city`` to check DESIGN.md's 200 ms target.
Later issues add their pages to ``PAGES``.
"""

from __future__ import annotations

import statistics
import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from grid.demo import DEMO_LOGINS
from grid.models import GridCell

# (label, function user -> url or None when the page does not apply to the user)
PAGES = [
    ("home", lambda user: reverse("home")),
    ("grid cells", lambda user: reverse("grid_cell_list")),
    ("grid cells, unassigned", lambda user: reverse("grid_cell_list") + "?unassigned=on"),
    (
        "grid cell detail",
        lambda user: (
            reverse("grid_cell_detail", args=[cell.code])
            if (cell := GridCell.objects.visible_to(user).order_by("code").first())
            else None
        ),
    ),
    ("stations", lambda user: reverse("station_list")),
    ("officers", lambda user: reverse("officer_list")),
    ("api grid cells", lambda user: reverse("grid-cell-list")),
]


class Command(BaseCommand):
    help = "Time the portal's pages for each demo tier (median and p95 server time, queries)."

    def add_arguments(self, parser):
        parser.add_argument("--repeat", type=int, default=20, help="Requests per page (>= 2).")

    def handle(self, *args, repeat: int, **options):
        if repeat < 2:
            raise CommandError("--repeat must be at least 2.")
        users = get_user_model().objects.in_bulk([u for _, u in DEMO_LOGINS], field_name="username")
        if not users:
            raise CommandError("No demo logins: run `manage.py generate_demo` first.")
        self.stdout.write(f"{'tier':<18} {'page':<24} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8}")
        worst = 0.0
        for label, username in DEMO_LOGINS:
            user = users.get(username)
            if user is None:
                continue
            client = Client(HTTP_HOST="127.0.0.1", HTTP_ACCEPT_LANGUAGE="zh-hans")
            client.force_login(user)
            for page, url_for in PAGES:
                url = url_for(user)
                if url is None:
                    continue
                timings, queries = [], 0
                for _ in range(repeat):
                    with CaptureQueriesContext(connection) as captured:
                        started = time.perf_counter()
                        response = client.get(url)
                        timings.append((time.perf_counter() - started) * 1000)
                    if response.status_code != 200:
                        raise CommandError(f"{page} as {username}: HTTP {response.status_code}")
                    queries = len(captured.captured_queries)
                p95 = statistics.quantiles(timings, n=20)[-1]
                worst = max(worst, p95)
                self.stdout.write(
                    f"{label:<18} {page:<24} {statistics.median(timings):8.1f} {p95:8.1f} "
                    f"{queries:8d}"
                )
        self.stdout.write(f"worst p95: {worst:.1f} ms")
