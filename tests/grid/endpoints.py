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


# --- Grid visits (issue 4) ------------------------------------------------------------------
def _home_visit(world):
    """One visit in the home cell, logged by its officer (made once per world)."""
    from datetime import timedelta

    from django.utils import timezone

    from grid.models import GridVisit, VisitType

    visit = getattr(world, "_home_visit", None)
    if visit is None:
        started = timezone.now() - timedelta(hours=3)
        visit = GridVisit.objects.create(
            grid_cell=world.home_cell,
            officer=world.user("officer_a1"),
            visit_type=VisitType.DOOR_TO_DOOR,
            started_at=started,
            ended_at=started + timedelta(minutes=30),
            findings="home-visit-marker",
        )
        world._home_visit = visit
    return visit


def _home_photo(world):
    from django.core.files.base import ContentFile

    from grid.models import VisitPhoto

    photo = getattr(world, "_home_photo", None)
    if photo is None:
        photo = VisitPhoto(visit=_home_visit(world), content_type="image/png")
        photo.image.save("door.png", ContentFile(b"\x89PNG\r\n\x1a\nfake"), save=True)
        world._home_photo = photo
    return photo


def _visit_post(world):
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.localtime().replace(second=0, microsecond=0)
    return {
        "grid_cell": world.home_cell.code,
        "visit_type": "patrol",
        "started_at": (now - timedelta(minutes=40)).strftime("%Y-%m-%dT%H:%M"),
        "ended_at": (now - timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M"),
        "households_reached": "0",
        "notes": "matrix",
    }


def _visit_api_post(world):
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    return {
        "grid_cell": world.home_cell.pk,
        "visit_type": "patrol",
        "started_at": (now - timedelta(minutes=40)).isoformat(),
        "ended_at": (now - timedelta(minutes=10)).isoformat(),
        "client_key": "matrix-key",
    }


VISIT_DENIED = ("staff_b", "chief_a2", "chief_b1", "officer_a1_other", "officer_a2", "officer_b1")


def _no_visit_by_denied(world):
    from grid.models import GridVisit

    return not GridVisit.objects.filter(
        grid_cell=world.home_cell, officer__username__in=[*VISIT_DENIED, "no_profile"]
    ).exists()


ENDPOINTS += [
    ScopedEndpoint(
        "page: my day",
        url=lambda w: reverse("day"),
        kind="list",
        allowed=("officer_a1", "worker_a1"),
        marker=_cell_code,
    ),
    ScopedEndpoint(
        "page: visit detail", url=lambda w: reverse("visit_detail", args=[_home_visit(w).pk])
    ),
    ScopedEndpoint(
        "page: visit list",
        url=lambda w: _home_visit(w) and reverse("visit_list"),
        kind="list",
        marker=lambda w: reverse("visit_detail", args=[_home_visit(w).pk]),
    ),
    ScopedEndpoint(
        "page: visit photo", url=lambda w: reverse("visit_photo", args=[_home_photo(w).pk])
    ),
    ScopedEndpoint(
        "page: visit resident search",
        url=lambda w: reverse("visit_resident_search") + f"?grid_cell={w.home_cell.code}&q=x",
    ),
    ScopedEndpoint(
        "page: visit form for the home cell",
        url=lambda w: reverse("visit_create") + f"?cell={w.home_cell.code}",
    ),
    ScopedEndpoint(
        "page: visit create (post)",
        url=lambda w: reverse("visit_create"),
        method="post",
        data=_visit_post,
        ok_status=302,
        unchanged=_no_visit_by_denied,
    ),
    ScopedEndpoint(
        "page: coverage",
        url=lambda w: reverse("coverage"),
        kind="list",
        marker=lambda w: f'data-cell="{w.home_cell.code}"',
    ),
    ScopedEndpoint(
        "page: grid cell reassignment",
        url=lambda w: reverse("grid_cell_assign", args=[w.home_cell.code]),
        allowed=("admin", "staff_a", "chief_a1"),
    ),
    ScopedEndpoint(
        "api: visit detail",
        url=lambda w: reverse("grid-visit-detail", args=[_home_visit(w).pk]),
        api=True,
    ),
    ScopedEndpoint(
        "api: visit list",
        url=lambda w: _home_visit(w) and reverse("grid-visit-list"),
        kind="list",
        api=True,
        marker=lambda w: f'"id":{_home_visit(w).pk},',
    ),
    ScopedEndpoint(
        "api: visit create",
        url=lambda w: reverse("grid-visit-list"),
        api=True,
        method="post",
        data=_visit_api_post,
        ok_status=201,
        unchanged=_no_visit_by_denied,
    ),
    ScopedEndpoint(
        "api: visit coverage",
        url=lambda w: reverse("visit-coverage-list"),
        kind="list",
        api=True,
        marker=lambda w: f'"code":"{w.home_cell.code}"',
    ),
]
