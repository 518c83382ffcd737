"""``manage.py generate_demo``: build the deterministic demo data set, step by step.

Each module in ``DEMO_STEPS`` that exists and defines ``build(ctx) -> int`` is one step, run in
that order (grid, residents, visits, risks, disputes, register). A step runs in its own
transaction and records a ``DemoBuild`` row in it, so a re-run skips finished steps and a killed
run leaves no half-built one; a later part adds its module to ``DEMO_STEPS`` with the same
``build(ctx)`` (and optionally ``reset(ctx)``) signature and the next run builds just that
step on top of the existing data. See ``grid/demo.py`` for the contract and ``DemoContext``.
"""

from __future__ import annotations

import importlib
import importlib.util
import time
from types import ModuleType

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from grid.demo import DEFAULT_SEED, DEMO_LOGINS, SCALES, DemoContext
from grid.models import DemoBuild

# (step name, module) in build order. A step whose module does not exist yet is skipped, so
# each part adds its own module; visits come after residents (they record residents met) and the
# risk register is computed last, from everything before it.
DEMO_STEPS = (
    ("grid", "grid.demo"),
    ("residents", "residents.demo"),
    ("visits", "grid.demo_visits"),
    ("risks", "risks.demo"),
    ("disputes", "disputes.demo"),
    ("register", "risks.register.demo"),
)


def demo_steps() -> list[tuple[str, ModuleType]]:
    """(step name, module) for each demo module that exists, in build order."""
    steps = []
    for step_name, module_name in DEMO_STEPS:
        if importlib.util.find_spec(module_name) is None:
            continue
        module = importlib.import_module(module_name)
        if callable(getattr(module, "build", None)):
            steps.append((step_name, module))
    return steps


class Command(BaseCommand):
    help = (
        "Generate the deterministic demo data (units, officers, and each later app's data) "
        "at a scale from DESIGN.md. Finished steps are skipped; --reset deletes the demo "
        "data of every step (all units, officers and assignments) and builds again."
    )

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=list(SCALES), default="demo")
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
        parser.add_argument("--reset", action="store_true", help="Delete existing demo data first.")
        parser.add_argument("--quiet", action="store_true", help="Print nothing but errors.")

    def handle(self, *args, scale: str, seed: int, reset: bool, quiet: bool, **options):
        if seed < 0:
            raise CommandError("--seed must be zero or a positive integer.")
        self.quiet = quiet
        if settings.SETTINGS_MODULE == "config.settings.production":
            # Demo accounts with a published password have no place on a live installation,
            # and --reset would delete every unit and officer.
            raise CommandError(
                "generate_demo refuses to run with production settings. Use a separate "
                "database with config.settings.local."
            )
        ctx = DemoContext(scale=scale, seed=seed, stdout=None if quiet else self.stdout)
        steps = demo_steps()

        if reset:
            self._reset(ctx, steps)
        else:
            other = DemoBuild.objects.exclude(scale=scale, seed=seed).order_by("pk").first()
            if other is not None:
                raise CommandError(
                    f"The demo data was built at scale {other.scale!r} with seed {other.seed}, "
                    f"not scale {scale!r} with seed {seed}. Pass --reset to delete it and "
                    "build again."
                )

        built = set(DemoBuild.objects.values_list("step", flat=True))
        total_started = time.perf_counter()
        for step, module in steps:
            if step in built:
                self._say(f"{step}: already built, skipping")
                continue
            self._say(f"{step}: building ({scale}, seed {seed}) ...")
            started = time.perf_counter()
            with transaction.atomic():
                rows = int(module.build(ctx) or 0)
                seconds = time.perf_counter() - started
                DemoBuild.objects.create(
                    scale=scale, step=step, seed=seed, rows=rows, seconds=round(seconds, 3)
                )
            self._say(
                self.style.SUCCESS(f"{step}: {rows:,} rows in {seconds:.2f} s"),
            )
        if connection.vendor == "postgresql":
            # Fresh bulk-loaded tables have no planner statistics until autovacuum gets to
            # them; without them the first queries pick bad plans (seen: 40 ms instead of 1).
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        self._say(f"Done in {time.perf_counter() - total_started:.2f} s.")
        self._print_logins()

    def _reset(self, ctx: DemoContext, steps: list[tuple[str, ModuleType]]) -> None:
        started = time.perf_counter()
        with transaction.atomic():
            for step, module in reversed(steps):
                reset = getattr(module, "reset", None)
                if callable(reset):
                    reset(ctx)
                elif DemoBuild.objects.filter(step=step).exists():
                    self.stderr.write(
                        f"{step}: has no reset(); its demo rows are left in place and it is "
                        "built again."
                    )
                DemoBuild.objects.filter(step=step).delete()
        self._say(f"Reset in {time.perf_counter() - started:.1f} s.")

    def _print_logins(self) -> None:
        self._say("")
        self._say(f"Demo logins (password: {settings.DEMO_PASSWORD})")
        width = max(len(label) for label, _ in DEMO_LOGINS)
        for label, username in DEMO_LOGINS:
            self._say(f"  {label:<{width}}  {username}")

    def _say(self, message: str) -> None:
        if not self.quiet:
            self.stdout.write(message)
