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
    ("my day", lambda user: reverse("day")),
    ("visits", lambda user: reverse("visit_list")),
    ("visit form", lambda user: reverse("visit_create") if _logs_visits(user) else None),
    ("coverage", lambda user: reverse("coverage")),
    ("api visits", lambda user: reverse("grid-visit-list")),
    ("residents", lambda user: reverse("residents:resident_list")),
    ("residents, search", lambda user: reverse("residents:resident_list") + "?q=%E7%8E%8B"),
    ("resident detail", lambda user: _first_resident_url(user)),
    ("concern queue", lambda user: reverse("residents:concern_list")),
    (
        "access records",
        lambda user: (
            reverse("residents:access_record_list") if _sees_access_records(user) else None
        ),
    ),
    ("api residents", lambda user: reverse("resident-list")),
    ("api concerns", lambda user: reverse("concern-list")),
    ("risk points", lambda user: reverse("risk_point_list")),
    ("risk points, overdue", lambda user: reverse("risk_point_list") + "?overdue=on&status=open"),
    ("risk point detail", lambda user: _first_risk_point_url(user)),
    ("risk oversight", lambda user: reverse("risk_oversight")),
    ("risk proposals", lambda user: reverse("risk_proposal_list")),
    ("risk map", lambda user: reverse("risk_map")),
    ("api risk points", lambda user: reverse("risk-point-list")),
    ("register", lambda user: reverse("register_list")),
    ("register, red", lambda user: reverse("register_list") + "?level=red"),
    ("register cell", lambda user: _first_register_cell_url(user)),
    ("register rollups", lambda user: reverse("register_rollups")),
    ("register runs", lambda user: reverse("register_runs") if user.is_superuser else None),
    ("api register entries", lambda user: reverse("register-entry-list")),
    ("dispute cases", lambda user: reverse("disputes:case_list")),
    ("dispute cases, mine", lambda user: reverse("disputes:my_cases")),
    ("dispute board", lambda user: reverse("disputes:board")),
    ("dispute case detail", lambda user: _first_dispute_url(user)),
    ("api dispute cases", lambda user: reverse("dispute-case-list")),
]


def _first_dispute_url(user):
    from disputes.models import DisputeCase

    case = DisputeCase.objects.visible_to(user).open().order_by("stage_due_on", "pk").first()
    return reverse("disputes:case_detail", args=[case.pk]) if case else None


def _first_register_cell_url(user):
    from risks.register.selectors import current_run, register_entries

    run = current_run()
    entry = register_entries(user=user, run=run).first() if run else None
    return reverse("register_cell", args=[entry.grid_cell.code]) if entry else None


def _first_risk_point_url(user):
    from risks.models import RiskPoint

    point = RiskPoint.objects.visible_to(user).open().order_by("-inherent_score", "pk").first()
    return reverse("risk_point_detail", args=[point.pk]) if point else None


def _first_resident_url(user):
    from residents.models import Resident

    pk = (
        Resident.objects.visible_to(user)
        .order_by("grid_cell_id", "pk")
        .values_list("pk", flat=True)
        .first()
    )
    return reverse("residents:resident_detail", args=[pk]) if pk else None


def _sees_access_records(user) -> bool:
    from grid.selectors import user_tier

    return user_tier(user) in ("superuser", "sub_bureau_staff", "station_chief")


def _logs_visits(user) -> bool:
    from grid.selectors import visit_cells

    return visit_cells(user=user).exists()


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


# --- Dispute cases (disputes pages; the list, my cases, board and case page are above) -------
PAGES += [
    ("dispute cases, overdue", lambda user: reverse("disputes:case_list") + "?overdue=on"),
    ("dispute cases, search", lambda user: reverse("disputes:case_list") + "?q=%E7%8E%8B"),
    ("dispute register form", lambda user: _dispute_form_url(user)),
]


def _dispute_form_url(user):
    from disputes.selectors import cells_for_new_case

    return reverse("disputes:case_create") if cells_for_new_case(user=user).exists() else None
