"""The scoping mechanism itself: tiers, seeing vs acting, grants, history, deny by default."""

from datetime import date, timedelta

import pytest
from django.contrib.auth.models import AnonymousUser, Group
from django.utils import timezone
from guardian.shortcuts import assign_perm

from grid.models import Community, GridAssignment, GridCell, OfficerProfile, Station, SubBureau
from grid.scoping import forget_scope, scope_for

pytestmark = pytest.mark.django_db


def codes(queryset):
    return sorted(queryset.values_list("code", flat=True))


def test_superuser_sees_and_acts_on_everything(world):
    admin = world.user("admin")
    assert codes(GridCell.objects.visible_to(admin)) == codes(GridCell.objects.all())
    assert codes(Station.objects.actionable_by(admin)) == ["PS-A1", "PS-A2", "PS-B1"]


def test_sub_bureau_staff_see_their_sub_bureau_only(world):
    staff = world.user("staff_a")
    assert codes(GridCell.objects.visible_to(staff)) == ["A1-G1", "A1-G2", "A2-G1", "A2-G2"]
    assert codes(Station.objects.visible_to(staff)) == ["PS-A1", "PS-A2"]
    assert codes(SubBureau.objects.visible_to(staff)) == ["SB-A"]
    assert codes(SubBureau.objects.actionable_by(staff)) == ["SB-A"]


def test_station_chief_sees_own_station_and_not_the_neighbour(world):
    chief = world.user("chief_a1")
    assert codes(GridCell.objects.visible_to(chief)) == ["A1-G1", "A1-G2"]
    assert codes(GridCell.objects.actionable_by(chief)) == ["A1-G1", "A1-G2"]
    assert codes(Station.objects.visible_to(chief)) == ["PS-A1"]
    assert codes(Community.objects.visible_to(chief)) == ["C-A1"]
    assert codes(SubBureau.objects.visible_to(chief)) == ["SB-A"]
    assert codes(SubBureau.objects.actionable_by(chief)) == []


def test_community_officer_sees_only_assigned_cells(world):
    officer = world.user("officer_a1")
    assert codes(GridCell.objects.visible_to(officer)) == ["A1-G1"]
    assert codes(GridCell.objects.actionable_by(officer)) == ["A1-G1"]
    assert codes(Station.objects.visible_to(officer)) == ["PS-A1"]
    assert codes(Station.objects.actionable_by(officer)) == []


def test_grid_worker_sees_but_does_not_act(world):
    worker = world.user("worker_a1")
    assert codes(GridCell.objects.visible_to(worker)) == ["A1-G1"]
    assert codes(GridCell.objects.actionable_by(worker)) == []


def test_deny_by_default(world):
    assert GridCell.objects.visible_to(world.user("no_profile")).count() == 0
    assert GridCell.objects.visible_to(AnonymousUser()).count() == 0
    inactive = world.user("officer_a1")
    OfficerProfile.objects.filter(user=inactive).update(is_active=False)
    forget_scope(inactive)
    assert GridCell.objects.visible_to(inactive).count() == 0


def test_models_in_a_grid_cell_reuse_the_rule_through_their_path(world):
    chief = world.user("chief_a1")
    visible = GridAssignment.objects.visible_to(chief)
    assert sorted({a.grid_cell.code for a in visible}) == ["A1-G1", "A1-G2"]
    officer = world.user("officer_a2")
    assert {a.grid_cell.code for a in GridAssignment.objects.visible_to(officer)} == {"A2-G1"}


def test_guardian_grant_on_one_cell_reaches_it_and_its_contents(world):
    officer = world.user("officer_b1")
    cell = world.home_cell
    assign_perm("view_gridcell", officer, cell)
    forget_scope(officer)
    assert codes(GridCell.objects.visible_to(officer)) == ["A1-G1", "B1-G1"]
    assert codes(GridCell.objects.actionable_by(officer)) == ["B1-G1"]
    assert GridAssignment.objects.visible_to(officer).filter(grid_cell=cell).exists()
    assign_perm("change_gridcell", officer, cell)
    forget_scope(officer)
    assert codes(GridCell.objects.actionable_by(officer)) == ["A1-G1", "B1-G1"]


def test_guardian_grant_through_a_group(world):
    officer = world.user("officer_b1")
    group = Group.objects.create(name="cover A1-G2")
    group.user_set.add(officer)
    assign_perm("view_gridcell", group, world.cells["A1-G2"])
    forget_scope(officer)
    assert "A1-G2" in codes(GridCell.objects.visible_to(officer))


def test_grant_rows_are_direct_foreign_keys_and_cascade(world):
    from grid.models import GridCellUserObjectPermission

    officer = world.user("officer_b1")
    cell = world.cells["A2-G2"]
    assign_perm("view_gridcell", officer, cell)
    assert GridCellUserObjectPermission.objects.filter(content_object=cell).count() == 1
    GridAssignment.objects.filter(grid_cell=cell).delete()
    cell.delete()
    assert GridCellUserObjectPermission.objects.count() == 0


def test_scope_follows_assignment_dates(world):
    officer = world.user("officer_a1")
    today = timezone.localdate()
    GridAssignment.objects.filter(officer=officer).update(valid_to=today)
    assert scope_for(officer, on_date=today).grid_cell_ids == frozenset()
    yesterday = today - timedelta(days=1)
    assert scope_for(officer, on_date=yesterday).grid_cell_ids == {world.home_cell.pk}
    future = GridAssignment.objects.create(
        grid_cell=world.cells["A1-G2"],
        officer=officer,
        role="grid_worker",
        valid_from=today + timedelta(days=7),
    )
    assert future.grid_cell_id not in scope_for(officer, on_date=today).grid_cell_ids


def test_scope_is_resolved_once_per_request(world, django_assert_num_queries):
    officer = world.user("officer_a1")
    forget_scope(officer)
    with django_assert_num_queries(3):  # profile, grants, assignments
        scope_for(officer)
    with django_assert_num_queries(0):
        scope_for(officer)


def test_active_on_is_half_open(world):
    assignment = GridAssignment.objects.get(officer=world.user("officer_a1"))
    assignment.valid_to = date(2026, 3, 1)
    assignment.save()
    active = GridAssignment.objects.active_on
    assert active(date(2026, 2, 28)).filter(pk=assignment.pk).exists()
    assert not active(date(2026, 3, 1)).filter(pk=assignment.pk).exists()
    assert not active(date(2025, 12, 31)).filter(pk=assignment.pk).exists()
