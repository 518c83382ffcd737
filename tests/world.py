"""A small, fixed world of units and officers for access tests.

Two sub-bureaus: A (stations A1 and A2) and B (station B1). Each station has one community
with two grid cells (…-G1, …-G2). The object under test in a scoped test lives in the "home"
grid cell A1-G1 unless the test says otherwise.

Roles (usernames):
    admin             superuser
    staff_a, staff_b  sub-bureau staff of A and of B
    chief_a1, chief_a2, chief_b1
    officer_a1        responsible officer of A1-G1 (the home cell)
    officer_a1_other  responsible officer of A1-G2 (same station, other cell)
    worker_a1         grid worker in A1-G1 (sees, acts with reduced rights)
    officer_a2        responsible officer of A2-G1 (neighbouring station)
    officer_b1        responsible officer of B1-G1 (other sub-bureau)
    no_profile        a logged-in user with no officer profile (deny by default)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.contrib.auth import get_user_model

from grid.geojson import rectangle
from grid.models import (
    AssignmentRole,
    Community,
    GridAssignment,
    GridCell,
    OfficerProfile,
    Station,
    SubBureau,
)
from grid.scoping import Tier

PASSWORD = "world-password-123"
ASSIGNED_FROM = date(2026, 1, 1)


@dataclass
class World:
    sub_bureaus: dict[str, SubBureau] = field(default_factory=dict)
    stations: dict[str, Station] = field(default_factory=dict)
    communities: dict[str, Community] = field(default_factory=dict)
    cells: dict[str, GridCell] = field(default_factory=dict)
    users: dict = field(default_factory=dict)

    @property
    def home_cell(self) -> GridCell:
        return self.cells["A1-G1"]

    def user(self, role: str):
        return self.users[role]


def build_world() -> World:
    world = World()
    user_model = get_user_model()
    layout = {"A": ["A1", "A2"], "B": ["B1"]}
    west = 113.9
    for sb_code, station_codes in layout.items():
        sub_bureau = SubBureau.objects.create(code=f"SB-{sb_code}", name=f"分局{sb_code}")
        world.sub_bureaus[sb_code] = sub_bureau
        for st_code in station_codes:
            station = Station.objects.create(
                code=f"PS-{st_code}", name=f"派出所{st_code}", sub_bureau=sub_bureau
            )
            world.stations[st_code] = station
            community = Community.objects.create(
                code=f"C-{st_code}", name=f"社区{st_code}", station=station
            )
            world.communities[st_code] = community
            for n in (1, 2):
                cell = GridCell.objects.create(
                    code=f"{st_code}-G{n}",
                    name=f"网格{st_code}-{n}",
                    community=community,
                    household_count=300 + n,
                    boundary=rectangle(west, 22.5, west + 0.01, 22.51),
                )
                west += 0.01
                world.cells[f"{st_code}-G{n}"] = cell

    def make_user(username, **profile):
        user = user_model.objects.create_user(username=username, password=PASSWORD)
        if profile:
            OfficerProfile.objects.create(user=user, **profile)
        world.users[username] = user
        return user

    admin = user_model.objects.create_superuser(username="admin", password=PASSWORD)
    world.users["admin"] = admin
    make_user("staff_a", tier=Tier.SUB_BUREAU_STAFF, sub_bureau=world.sub_bureaus["A"])
    make_user("staff_b", tier=Tier.SUB_BUREAU_STAFF, sub_bureau=world.sub_bureaus["B"])
    for st in ("A1", "A2", "B1"):
        make_user(f"chief_{st.lower()}", tier=Tier.STATION_CHIEF, station=world.stations[st])
    assignments = [
        ("officer_a1", "A1", "A1-G1", Tier.COMMUNITY_OFFICER),
        ("officer_a1_other", "A1", "A1-G2", Tier.COMMUNITY_OFFICER),
        ("worker_a1", "A1", "A1-G1", Tier.GRID_WORKER),
        ("officer_a2", "A2", "A2-G1", Tier.COMMUNITY_OFFICER),
        ("officer_b1", "B1", "B1-G1", Tier.COMMUNITY_OFFICER),
    ]
    for username, st, cell_code, tier in assignments:
        user = make_user(username, tier=tier, station=world.stations[st])
        GridAssignment.objects.create(
            grid_cell=world.cells[cell_code],
            officer=user,
            role=AssignmentRole.RESPONSIBLE
            if tier == Tier.COMMUNITY_OFFICER
            else AssignmentRole.GRID_WORKER,
            valid_from=ASSIGNED_FROM,
            assigned_by=world.users[f"chief_{st.lower()}"],
        )
    make_user("no_profile")
    return world
