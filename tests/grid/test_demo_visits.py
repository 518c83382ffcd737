"""The visits demo step (grid/demo_visits.py): rate, who logged, determinism, reset."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from grid import demo, demo_visits
from grid.coverage import cell_coverage
from grid.models import GridAssignment, GridCell, GridVisit

pytestmark = pytest.mark.django_db


def _build(seed: int = 7):
    ctx = demo.DemoContext(scale="demo", seed=seed, password_hash="x")
    demo.build(ctx)
    return ctx, demo_visits.build(ctx)


def _fingerprint():
    return list(
        GridVisit.objects.order_by(
            "grid_cell__code", "started_at", "officer__username"
        ).values_list("grid_cell__code", "started_at", "officer__username", "visit_type")[:200]
    )


def test_a_year_of_visits_at_the_demo_rate_by_the_assigned_officers():
    _ctx, rows = _build()
    visits = GridVisit.objects.count()
    assert rows >= visits
    # 10,000 a year, less the months before the first assignments and the neglected cells.
    assert 7_000 <= visits <= 11_000
    today = timezone.localdate()
    assert not GridVisit.objects.filter(
        Q(visit_date__gt=today) | Q(visit_date__lt=today - timedelta(days=364))
    ).exists()
    assigned = GridAssignment.objects.filter(
        grid_cell_id=OuterRef("grid_cell_id"),
        officer_id=OuterRef("officer_id"),
        valid_from__lte=OuterRef("visit_date"),
    ).filter(Q(valid_to__isnull=True) | Q(valid_to__gt=OuterRef("visit_date")))
    assert not GridVisit.objects.filter(~Exists(assigned)).exists()
    assert not GridVisit.objects.filter(started_at__gt=timezone.now()).exists()
    # Some blind spots, most cells covered.
    figures = cell_coverage(cells=GridCell.objects.all(), as_of=today).values()
    blind = sum(f.is_blind_spot for f in figures)
    assert 1 <= blind <= len(figures) // 4


def test_the_same_seed_gives_the_same_visits_and_reset_removes_them():
    ctx, _ = _build(seed=11)
    first = _fingerprint()
    demo_visits.reset(ctx)
    assert GridVisit.objects.count() == 0
    demo_visits.build(ctx)
    assert _fingerprint()[:50] == first[:50]
