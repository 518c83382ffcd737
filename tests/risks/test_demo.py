"""The risks demo step: sizes, shape, determinism and reset."""

import pytest

from grid import demo as grid_demo
from grid.demo import DemoContext
from risks import demo
from risks.models import Measure, RiskLink, RiskPoint, RiskStatus

pytestmark = pytest.mark.django_db


def _snapshot():
    return list(
        RiskPoint.objects.order_by("pk").values_list(
            "title", "grid_cell__code", "inherent_likelihood", "inherent_severity", "status"
        )
    )


def test_demo_builds_the_scale_deterministically_and_resets():
    ctx = DemoContext(scale="demo", password_hash="x")
    grid_demo.build(ctx)
    rows = demo.build(ctx)
    assert rows > 0
    assert RiskPoint.objects.open().count() == ctx.spec.open_risk_points
    assert RiskPoint.objects.filter(status=RiskStatus.CLOSED).exists()
    assert set(RiskPoint.objects.values_list("inherent_level", flat=True)) == {
        "red",
        "orange",
        "yellow",
        "blue",
    }
    assert Measure.objects.exists() and RiskLink.objects.exists()
    assert RiskPoint.history.count() == RiskPoint.objects.count()
    # Some reviews are overdue, some not.
    from django.utils import timezone

    overdue = RiskPoint.objects.overdue(timezone.localdate()).count()
    assert 0 < overdue < ctx.spec.open_risk_points // 2
    # A cycle exists among the links.
    edges = set(RiskLink.objects.values_list("source_id", "target_id"))
    assert any(
        (b, c) in edges and (c, a) in edges
        for a, b in edges
        for c in {t for s, t in edges if s == b}
    )
    first = _snapshot()
    demo.reset(ctx)
    assert not RiskPoint.objects.exists() and not RiskPoint.history.exists()
    demo.build(ctx)
    assert _snapshot() == first
