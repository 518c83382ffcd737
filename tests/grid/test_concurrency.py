"""Two station chiefs assigning the same grid cell at the same moment: one wins cleanly."""

import threading
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from grid.models import GridAssignment, GridCell
from grid.services import grid_cell_assign
from tests.world import build_world

pytestmark = pytest.mark.django_db(transaction=True)


def _race(cell_code: str, officers: list[str], actors: list[str], valid_from: date):
    barrier = threading.Barrier(len(officers))
    outcomes: list[str] = []

    def assign(officer_name, actor_name):
        from django.contrib.auth import get_user_model

        user_model = get_user_model()
        try:
            barrier.wait(timeout=10)
            grid_cell_assign(
                grid_cell=GridCell.objects.get(code=cell_code),
                officer=user_model.objects.get(username=officer_name),
                actor=user_model.objects.get(username=actor_name),
                valid_from=valid_from,
            )
            outcomes.append("assigned")
        except ValidationError as error:
            outcomes.append(f"refused: {error.message_dict}")
        except Exception as error:  # an IntegrityError here would be the bug
            outcomes.append(f"error: {type(error).__name__}: {error}")
        finally:
            connection.close()

    threads = [
        threading.Thread(target=assign, args=pair) for pair in zip(officers, actors, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


def test_concurrent_assignments_to_a_cell_without_an_officer():
    build_world()
    # A2-G2 has no assignment at all: there is no assignment row to lock, only the cell.
    from django.contrib.auth import get_user_model

    from grid.models import OfficerProfile
    from grid.scoping import Tier

    user_model = get_user_model()
    station = GridCell.objects.get(code="A2-G2").community.station
    for name in ("racer_1", "racer_2"):
        OfficerProfile.objects.create(
            user=user_model.objects.create_user(username=name),
            tier=Tier.COMMUNITY_OFFICER,
            station=station,
        )
    outcomes = _race("A2-G2", ["racer_1", "racer_2"], ["chief_a2", "staff_a"], date(2026, 5, 1))
    assert not [o for o in outcomes if o.startswith("error")], outcomes
    assert sorted(o.split(":")[0] for o in outcomes) == ["assigned", "refused"]
    open_rows = GridAssignment.objects.filter(grid_cell__code="A2-G2", valid_to__isnull=True)
    assert open_rows.count() == 1


def test_concurrent_reassignments_leave_one_responsible_officer_and_a_clean_history():
    build_world()
    outcomes = _race(
        "A1-G1", ["officer_a1_other", "officer_a1_other"], ["chief_a1", "staff_a"], date(2026, 6, 1)
    )
    assert not [o for o in outcomes if o.startswith("error")], outcomes
    rows = GridAssignment.objects.filter(grid_cell__code="A1-G1", role="responsible").order_by(
        "valid_from"
    )
    assert [(r.officer.username, r.valid_to) for r in rows] == [
        ("officer_a1", date(2026, 6, 1)),
        ("officer_a1_other", None),
    ]
