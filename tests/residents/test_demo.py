"""The residents demo step: sized from the scale, deterministic, valid ID numbers, resettable."""

from dataclasses import replace

from stdnum.cn import ric

from grid import demo as grid_demo
from grid.demo import SCALES, DemoContext
from residents import demo
from residents.models import Concern, Household, Resident


def _small_ctx(seed=5):
    spec = replace(SCALES["demo"], residents=1_500, concerns_per_year=120)
    return DemoContext(scale="demo", seed=seed, spec=spec, password_hash="x")


def _snapshot():
    return (
        list(
            Resident.objects.order_by("id_number").values_list(
                "name", "id_number", "phone", "grid_cell__code", "household__number"
            )
        ),
        list(
            Concern.objects.order_by("tracking_code").values_list(
                "tracking_code", "category", "status", "grid_cell__code"
            )
        ),
        sorted(Resident.tags.through.objects.values_list("resident__id_number", "tag__code")),
    )


def test_build_is_deterministic_valid_and_resettable(db):
    ctx = _small_ctx()
    grid_demo.build(ctx)
    rows = demo.build(ctx)
    assert Resident.objects.count() == 1_500
    assert Concern.objects.count() == 120
    assert rows > 1_500 + 120 + Household.objects.count() - 1
    numbers = list(Resident.objects.values_list("id_number", flat=True))
    assert all(ric.is_valid(n) for n in numbers)
    assert Resident.objects.in_care().exists()
    assert Concern.objects.filter(grid_cell__isnull=True).exists()
    first = _snapshot()
    # New rows after the build get fresh keys (sequences were moved past the COPYed ids).
    Household.objects.create(
        number="AFTER", grid_cell_id=Resident.objects.first().grid_cell_id, address="x"
    )
    Household.objects.filter(number="AFTER").delete()
    demo.reset(ctx)
    assert not Resident.objects.exists() and not Concern.objects.exists()
    demo.build(ctx)
    assert _snapshot() == first
