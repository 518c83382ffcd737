"""The deterministic demo-data generator: ``grid/demo.py`` and ``manage.py generate_demo``."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from io import StringIO

import pytest
from django.conf import settings
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import RequestFactory

from grid.demo import DEMO_LOGINS, SCALES, plan_grid
from grid.geojson import polygon_bounds, validate_polygon
from grid.models import (
    Community,
    DemoBuild,
    GridAssignment,
    GridCell,
    OfficerProfile,
    Station,
    SubBureau,
)
from grid.scoping import Tier

DEMO_TIERS = {
    Tier.SUB_BUREAU_STAFF: 2,
    Tier.STATION_CHIEF: 3,
    Tier.COMMUNITY_OFFICER: 12,
    Tier.GRID_WORKER: 8,
}


def generate(*args: str) -> str:
    out = StringIO()
    call_command("generate_demo", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def counts() -> dict[str, int]:
    return {
        "sub_bureaus": SubBureau.objects.count(),
        "stations": Station.objects.count(),
        "communities": Community.objects.count(),
        "grid_cells": GridCell.objects.count(),
        "officers": OfficerProfile.objects.count(),
        "assignments": GridAssignment.objects.count(),
        "users": get_user_model().objects.count(),
    }


def snapshot() -> dict[str, list]:
    """Everything the seed decides, without database ids."""
    return {
        "sub_bureaus": list(SubBureau.objects.values_list("code", "name", "address", "phone")),
        "stations": list(
            Station.objects.values_list("code", "name", "sub_bureau__code", "address", "phone")
        ),
        "communities": list(Community.objects.values_list("code", "name", "station__code")),
        "cells": list(GridCell.objects.values_list("code", "name", "boundary", "household_count")),
        "officers": list(
            OfficerProfile.objects.order_by("user__username").values_list(
                "user__username",
                "user__last_name",
                "user__first_name",
                "tier",
                "badge_number",
                "sub_bureau__code",
                "station__code",
            )
        ),
        "assignments": sorted(
            GridAssignment.objects.values_list(
                "grid_cell__code",
                "officer__username",
                "role",
                "valid_from",
                "valid_to",
                "assigned_by__username",
            ),
            key=lambda row: tuple(str(value) for value in row),
        ),
    }


def overlapping_pairs(rects: list[tuple[float, float, float, float]]) -> list[tuple[int, int]]:
    """Pairs of rectangles whose interiors intersect (touching edges do not count).

    Rectangles are bucketed on a coarse grid so that a city's 15,000 cells stay quick.
    """
    west = min(r[0] for r in rects)
    south = min(r[1] for r in rects)
    size = max(max(r[2] - r[0] for r in rects), max(r[3] - r[1] for r in rects))
    buckets: dict[tuple[int, int], list[int]] = defaultdict(list)
    for index, (w, s, e, n) in enumerate(rects):
        for bx in range(int((w - west) / size), int((e - west) / size) + 1):
            for by in range(int((s - south) / size), int((n - south) / size) + 1):
                buckets[bx, by].append(index)
    found = set()
    for members in buckets.values():
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                ra, rb = rects[a], rects[b]
                width = min(ra[2], rb[2]) - max(ra[0], rb[0])
                height = min(ra[3], rb[3]) - max(ra[1], rb[1])
                if width > 0 and height > 0:
                    found.add((min(a, b), max(a, b)))
    return sorted(found)


@pytest.fixture
def demo(db) -> str:
    return generate("--scale", "demo")


def test_demo_scale_has_the_counts_of_the_design(demo):
    spec = SCALES["demo"]
    assert (spec.sub_bureaus, spec.stations, spec.communities, spec.grid_cells) == (1, 3, 12, 60)
    assert (spec.residents, spec.officers) == (20_000, 25)
    assert SubBureau.objects.count() == 1
    assert Station.objects.count() == 3
    assert Community.objects.count() == 12
    assert GridCell.objects.count() == 60
    assert OfficerProfile.objects.count() == 25
    assert Counter(OfficerProfile.objects.values_list("tier", flat=True)) == DEMO_TIERS
    assert SubBureau.objects.get().name == "南山分局"
    build = DemoBuild.objects.get(step="grid")
    assert (build.scale, build.seed) == ("demo", 2026)
    assert build.rows > 60


def test_other_scales_keep_the_figures_of_the_design():
    district, city = SCALES["district"], SCALES["city"]
    assert (district.sub_bureaus, district.stations, district.communities) == (1, 12, 60)
    assert (district.grid_cells, district.residents, district.officers) == (1500, 1_800_000, 330)
    assert (city.sub_bureaus, city.stations, city.communities) == (10, 115, 612)
    assert (city.grid_cells, city.residents, city.officers) == (15000, 17_700_000, 3300)
    assert city.open_risk_points == 50_000 and city.visits_per_year == 11_000_000


def test_units_have_codes_names_and_contact_details(demo):
    station = Station.objects.order_by("code").first()
    assert station.code == "SB01-PS01"
    assert station.name.endswith("派出所")
    assert station.address.startswith("深圳市南山区")
    assert station.phone.startswith("0755-2") and len(station.phone) == 13
    cell = GridCell.objects.order_by("code").first()
    assert cell.code == "SB01-PS01-C01-G01"
    assert cell.name == f"{cell.community.name}第01网格"
    assert cell.community.name.endswith("社区")
    assert all(300 <= c.household_count <= 500 for c in GridCell.objects.all())
    badges = list(OfficerProfile.objects.values_list("badge_number", flat=True))
    assert len(set(badges)) == len(badges)
    assert all(len(badge) == 6 and badge.isdigit() for badge in badges)


def test_every_cell_has_one_open_responsible_officer_of_its_own_station(demo):
    station_of_user = dict(OfficerProfile.objects.values_list("user_id", "station_id"))
    open_responsible = GridAssignment.objects.filter(role="responsible", valid_to__isnull=True)
    by_cell = defaultdict(list)
    for cell_id, officer_id in open_responsible.values_list("grid_cell_id", "officer_id"):
        by_cell[cell_id].append(officer_id)
    for cell in GridCell.objects.select_related("community"):
        assert len(by_cell[cell.pk]) == 1, cell.code
        officer_id = by_cell[cell.pk][0]
        assert station_of_user[officer_id] == cell.community.station_id, cell.code
    tiers = dict(OfficerProfile.objects.values_list("user_id", "tier"))
    assert {tiers[o] for o in open_responsible.values_list("officer_id", flat=True)} == {
        Tier.COMMUNITY_OFFICER
    }
    # Every community officer and every grid worker holds cells; chiefs assigned them.
    holders = set(
        GridAssignment.objects.filter(valid_to__isnull=True).values_list("officer_id", flat=True)
    )
    assert holders == {
        user for user, tier in tiers.items() if tier in (Tier.COMMUNITY_OFFICER, Tier.GRID_WORKER)
    }
    workers = GridAssignment.objects.filter(role="grid_worker")
    assert {tiers[o] for o in workers.values_list("officer_id", flat=True)} == {Tier.GRID_WORKER}
    assigners = set(GridAssignment.objects.values_list("assigned_by_id", flat=True))
    assert {tiers[a] for a in assigners} == {Tier.STATION_CHIEF}


def test_some_cells_have_a_closed_earlier_assignment(demo):
    closed = GridAssignment.objects.filter(valid_to__isnull=False).select_related("grid_cell")
    assert 1 <= closed.count() <= 6  # about 5% of 60 cells
    station_of_user = dict(OfficerProfile.objects.values_list("user_id", "station_id"))
    for row in closed:
        current = GridAssignment.objects.get(
            grid_cell=row.grid_cell, role="responsible", valid_to__isnull=True
        )
        assert row.role == "responsible"
        assert row.valid_to == current.valid_from
        assert row.officer_id != current.officer_id
        assert station_of_user[row.officer_id] == station_of_user[current.officer_id]


def test_boundaries_are_valid_polygons_that_do_not_overlap(demo):
    rects = []
    west, south, east, north = SCALES["demo"].area
    for boundary in GridCell.objects.values_list("boundary", flat=True):
        validate_polygon(boundary)
        rect = polygon_bounds(boundary)
        assert west <= rect[0] < rect[2] <= east and south <= rect[1] < rect[3] <= north
        rects.append(rect)
    for i, a in enumerate(rects):
        for b in rects[i + 1 :]:
            width = min(a[2], b[2]) - max(a[0], b[0])
            height = min(a[3], b[3]) - max(a[1], b[1])
            assert width <= 0 or height <= 0, (a, b)
    # Touching rectangles that leave no gap cover the whole area exactly.
    covered = sum((r[2] - r[0]) * (r[3] - r[1]) for r in rects)
    assert covered == pytest.approx((east - west) * (north - south), rel=1e-6)


def test_city_plan_tiles_the_map_without_overlaps():
    """The city layout, checked as plain data (no database): 15,000 cells."""
    spec = SCALES["city"]
    plan = plan_grid(spec, random.Random("2026:grid"))
    assert len(plan.cells) == 15_000 and len(plan.officers) == 3_300
    assert [u.name for u in plan.sub_bureaus][:3] == ["福田分局", "罗湖分局", "南山分局"]
    assert len({s.name for s in plan.stations}) == 115
    assert len({c.name for c in plan.communities}) == 612
    rects = [tuple(polygon_bounds(cell.boundary)) for cell in plan.cells]
    assert overlapping_pairs(rects) == []
    west, south, east, north = spec.area
    covered = sum((r[2] - r[0]) * (r[3] - r[1]) for r in rects)
    assert covered == pytest.approx((east - west) * (north - south), rel=1e-6)
    staff = sum(o.tier == Tier.SUB_BUREAU_STAFF for o in plan.officers)
    chiefs = sum(o.tier == Tier.STATION_CHIEF for o in plan.officers)
    assert (staff, chiefs) == (20, 115)
    per_station = Counter(o.unit_code for o in plan.officers if o.tier == Tier.COMMUNITY_OFFICER)
    assert len(per_station) == 115 and min(per_station.values()) >= 1


def test_running_twice_is_idempotent(demo):
    before = counts()
    first_snapshot = snapshot()
    output = generate("--scale", "demo")
    assert "grid: already built, skipping" in output
    assert "Demo logins" in output  # printed even when nothing was built
    assert counts() == before
    assert snapshot() == first_snapshot
    # One row per step that exists (later parts add their steps), none added by the re-run.
    from grid.management.commands.generate_demo import demo_steps

    assert DemoBuild.objects.count() == len(demo_steps())


def test_another_seed_or_scale_without_reset_is_refused(demo):
    before = counts()
    with pytest.raises(CommandError, match="--reset"):
        generate("--scale", "demo", "--seed", "7")
    with pytest.raises(CommandError, match="--reset"):
        generate("--scale", "district")
    assert counts() == before


def test_reset_rebuilds_with_the_new_seed(demo):
    seeded_2026 = snapshot()
    generate("--scale", "demo", "--seed", "7", "--reset")
    assert DemoBuild.objects.get(step="grid").seed == 7
    assert counts()["grid_cells"] == 60 and counts()["officers"] == 25
    seeded_7 = snapshot()
    assert seeded_7["officers"] != seeded_2026["officers"]  # other names and badges
    # Codes and predictable logins stay; the old demo users are gone, not duplicated.
    assert [row[0] for row in seeded_7["cells"]] == [row[0] for row in seeded_2026["cells"]]
    assert get_user_model().objects.filter(username="admin").count() == 1


def test_same_seed_gives_identical_data(demo):
    first = snapshot()
    generate("--scale", "demo", "--reset", "--quiet")
    assert snapshot() == first
    assert plan_grid(SCALES["city"], random.Random("5:grid")) == plan_grid(
        SCALES["city"], random.Random("5:grid")
    )


def test_demo_logins_authenticate_with_the_demo_password(demo):
    assert f"Demo logins (password: {settings.DEMO_PASSWORD})" in demo
    request = RequestFactory().post("/accounts/login/")
    expected_tiers = {
        "staff01": Tier.SUB_BUREAU_STAFF,
        "chief01": Tier.STATION_CHIEF,
        "officer01": Tier.COMMUNITY_OFFICER,
        "worker01": Tier.GRID_WORKER,
    }
    for _label, username in DEMO_LOGINS:
        assert username in demo
        user = authenticate(request, username=username, password=settings.DEMO_PASSWORD)
        assert user is not None, username
        if username == "admin":
            assert user.is_superuser and user.is_staff
        else:
            assert not user.is_staff and not user.is_superuser
            assert user.officer_profile.tier == expected_tiers[username]
            assert user.last_name and user.first_name
    # The first units' people: staff of SB01, chief and officers of the first station.
    assert get_user_model().objects.get(username="staff01").officer_profile.sub_bureau.code == (
        "SB01"
    )
    for username in ("chief01", "officer01", "worker01"):
        profile = OfficerProfile.objects.get(user__username=username)
        assert profile.station.code == "SB01-PS01"
    # Test settings hash with MD5: the hash was made at run time, not at import time.
    assert get_user_model().objects.get(username="officer01").password.startswith("md5$")


def test_quiet_prints_nothing(db):
    assert generate("--scale", "demo", "--quiet") == ""
    assert GridCell.objects.count() == 60


def test_refuses_to_run_with_production_settings(db, settings):
    settings.SETTINGS_MODULE = "config.settings.production"
    with pytest.raises(CommandError, match="production"):
        call_command("generate_demo", "--quiet")
