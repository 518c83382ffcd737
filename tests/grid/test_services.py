from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from grid.models import GridAssignment, OfficerProfile
from grid.scoping import Tier
from grid.selectors import grid_cell_responsible_on
from grid.services import grid_assignment_end, grid_cell_assign

pytestmark = pytest.mark.django_db


def test_reassignment_closes_the_open_row_and_keeps_history(world):
    cell = world.home_cell
    chief = world.user("chief_a1")
    new_officer = world.user("officer_a1_other")
    grid_cell_assign(
        grid_cell=cell, officer=new_officer, actor=chief, valid_from=date(2026, 6, 1), reason="转岗"
    )
    rows = GridAssignment.objects.filter(grid_cell=cell, role="responsible").order_by("valid_from")
    assert [(r.officer.username, r.valid_from, r.valid_to) for r in rows] == [
        ("officer_a1", date(2026, 1, 1), date(2026, 6, 1)),
        ("officer_a1_other", date(2026, 6, 1), None),
    ]
    assert rows[1].assigned_by == chief and rows[1].reason == "转岗"
    # Who was responsible on a given date is answered from the history.
    on_may = grid_cell_responsible_on(grid_cell=cell, on_date=date(2026, 5, 31))
    on_june = grid_cell_responsible_on(grid_cell=cell, on_date=date(2026, 6, 1))
    assert on_may.officer.username == "officer_a1"
    assert on_june.officer.username == "officer_a1_other"


def test_grid_worker_is_added_beside_the_responsible_officer(world):
    cell = world.cells["A1-G2"]
    grid_cell_assign(
        grid_cell=cell,
        officer=world.user("worker_a1"),
        actor=world.user("chief_a1"),
        valid_from=date(2026, 2, 1),
    )
    open_rows = GridAssignment.objects.filter(grid_cell=cell, valid_to__isnull=True)
    assert sorted(open_rows.values_list("role", flat=True)) == ["grid_worker", "responsible"]


@pytest.mark.parametrize("actor", ["chief_a2", "staff_b", "officer_a1", "worker_a1", "no_profile"])
def test_only_the_owning_chain_may_assign(world, actor):
    with pytest.raises(PermissionDenied):
        grid_cell_assign(
            grid_cell=world.home_cell,
            officer=world.user("officer_a1_other"),
            actor=world.user(actor),
            valid_from=date(2026, 6, 1),
        )
    assert GridAssignment.objects.filter(grid_cell=world.home_cell).count() == 2


def test_sub_bureau_staff_may_assign_in_their_sub_bureau(world):
    grid_cell_assign(
        grid_cell=world.home_cell,
        officer=world.user("officer_a1_other"),
        actor=world.user("staff_a"),
        valid_from=date(2026, 6, 1),
    )


def test_officer_of_another_station_is_refused_with_a_field_error(world):
    with pytest.raises(ValidationError) as error:
        grid_cell_assign(
            grid_cell=world.home_cell,
            officer=world.user("officer_a2"),
            actor=world.user("chief_a1"),
            valid_from=date(2026, 6, 1),
        )
    assert "officer" in error.value.message_dict
    assert (
        GridAssignment.objects.filter(grid_cell=world.home_cell, valid_to__isnull=True).count() == 2
    )


def test_chief_cannot_be_assigned_to_a_cell(world):
    with pytest.raises(ValidationError) as error:
        grid_cell_assign(
            grid_cell=world.home_cell,
            officer=world.user("chief_a1"),
            actor=world.user("chief_a1"),
            valid_from=date(2026, 6, 1),
        )
    assert "officer" in error.value.message_dict


def test_new_assignment_must_start_after_the_current_one(world):
    with pytest.raises(ValidationError) as error:
        grid_cell_assign(
            grid_cell=world.home_cell,
            officer=world.user("officer_a1_other"),
            actor=world.user("chief_a1"),
            valid_from=date(2025, 12, 1),
        )
    assert "valid_from" in error.value.message_dict
    # Nothing half-written: the open assignment is still open.
    assert GridAssignment.objects.get(officer=world.user("officer_a1")).valid_to is None


def test_database_refuses_two_open_responsible_officers(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        GridAssignment.objects.create(
            grid_cell=world.home_cell,
            officer=world.user("officer_a1_other"),
            role="responsible",
            valid_from=date(2026, 2, 1),
        )


def test_end_assignment(world):
    assignment = GridAssignment.objects.get(officer=world.user("worker_a1"))
    grid_assignment_end(
        assignment=assignment, actor=world.user("chief_a1"), valid_to=date(2026, 3, 1)
    )
    assignment.refresh_from_db()
    assert assignment.valid_to == date(2026, 3, 1)
    with pytest.raises(ValidationError):
        grid_assignment_end(assignment=assignment, actor=world.user("chief_a1"))
    with pytest.raises(PermissionDenied):
        grid_assignment_end(
            assignment=GridAssignment.objects.get(officer=world.user("officer_a1")),
            actor=world.user("chief_b1"),
        )


def test_profile_unit_must_match_tier(world):
    profile = OfficerProfile(user=world.user("no_profile"), tier=Tier.STATION_CHIEF)
    with pytest.raises(ValidationError) as error:
        profile.full_clean()
    assert "station" in error.value.message_dict
    profile = OfficerProfile(
        user=world.user("no_profile"),
        tier=Tier.SUB_BUREAU_STAFF,
        sub_bureau=world.sub_bureaus["A"],
        station=world.stations["A1"],
    )
    with pytest.raises(ValidationError):
        profile.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        OfficerProfile.objects.create(user=world.user("no_profile"), tier=Tier.COMMUNITY_OFFICER)


def test_profile_and_cell_changes_keep_their_history(world):
    profile = world.user("officer_a1").officer_profile
    profile.station = world.stations["A2"]
    profile.save()
    history = list(profile.history.order_by("history_date").values_list("station__code", flat=True))
    assert history == ["PS-A1", "PS-A2"]
    cell = world.home_cell
    cell.household_count = 420
    cell.save()
    assert [h.household_count for h in cell.history.order_by("history_date")] == [301, 420]
