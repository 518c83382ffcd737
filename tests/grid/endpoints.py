"""The grid app's scoped pages and API endpoints, for the access matrix (tests/access.py)."""

from django.urls import reverse

from tests.access import SEES_HOME_CELL, SEES_STATION_A1, ScopedEndpoint

SEES_SUB_BUREAU_A = (*SEES_STATION_A1, "chief_a2", "officer_a2")
SEES_OFFICER_A1 = ("admin", "staff_a", "chief_a1", "officer_a1", "officer_a1_other", "worker_a1")


def _cell_code(world):
    return world.home_cell.code


ENDPOINTS = [
    # Pages
    ScopedEndpoint(
        "page: grid cell detail",
        url=lambda w: reverse("grid_cell_detail", args=[w.home_cell.code]),
    ),
    ScopedEndpoint(
        "page: grid cell list",
        url=lambda w: reverse("grid_cell_list"),
        kind="list",
        marker=_cell_code,
    ),
    ScopedEndpoint(
        "page: station detail",
        url=lambda w: reverse("station_detail", args=[w.stations["A1"].code]),
        allowed=SEES_STATION_A1,
    ),
    ScopedEndpoint(
        "page: station list",
        url=lambda w: reverse("station_list"),
        kind="list",
        allowed=SEES_STATION_A1,
        marker=lambda w: w.stations["A1"].code,
    ),
    ScopedEndpoint(
        "page: officer list",
        url=lambda w: reverse("officer_list"),
        kind="list",
        allowed=SEES_OFFICER_A1,
        marker=lambda w: w.user("officer_a1").officer_profile.display_name,
    ),
    ScopedEndpoint(
        "page: home",
        url=lambda w: reverse("home"),
        kind="list",
        allowed=("officer_a1", "worker_a1"),
        marker=_cell_code,
    ),
    # API
    ScopedEndpoint(
        "api: grid cell detail",
        url=lambda w: reverse("grid-cell-detail", args=[w.home_cell.pk]),
        api=True,
    ),
    ScopedEndpoint(
        "api: grid cell list",
        url=lambda w: reverse("grid-cell-list"),
        kind="list",
        api=True,
        marker=lambda w: f'"code":"{w.home_cell.code}"',
    ),
    ScopedEndpoint(
        "api: station detail",
        url=lambda w: reverse("station-detail", args=[w.stations["A1"].pk]),
        api=True,
        allowed=SEES_STATION_A1,
    ),
    ScopedEndpoint(
        "api: station list",
        url=lambda w: reverse("station-list"),
        kind="list",
        api=True,
        allowed=SEES_STATION_A1,
        marker=lambda w: f'"code":"{w.stations["A1"].code}"',
    ),
    ScopedEndpoint(
        "api: community detail",
        url=lambda w: reverse("community-detail", args=[w.communities["A1"].pk]),
        api=True,
        allowed=(*SEES_HOME_CELL, "officer_a1_other"),
    ),
    ScopedEndpoint(
        "api: sub-bureau detail",
        url=lambda w: reverse("sub-bureau-detail", args=[w.sub_bureaus["A"].pk]),
        api=True,
        allowed=SEES_SUB_BUREAU_A,
    ),
    ScopedEndpoint(
        "api: officer detail",
        url=lambda w: reverse("officer-detail", args=[w.user("officer_a1").officer_profile.pk]),
        api=True,
        allowed=SEES_OFFICER_A1,
    ),
    ScopedEndpoint(
        "api: grid assignment list",
        url=lambda w: reverse("grid-assignment-list"),
        kind="list",
        api=True,
        marker=lambda w: f'"grid_cell_code":"{w.home_cell.code}"',
    ),
]
