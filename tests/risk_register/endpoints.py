"""The register's scoped pages and API endpoints, for the access matrix (tests/access.py)."""

from django.urls import reverse

from risks.register.models import RegisterEntry, RegisterRollup, RegisterSignOff, RollupKind
from tests.access import ALL_ROLES, SEES_STATION_A1, ScopedEndpoint
from tests.risk_register.helpers import AS_OF, compute, point

SEES_SUB_BUREAU_A = (*SEES_STATION_A1, "chief_a2", "officer_a2")
SIGNERS = ("admin", "chief_a1")
MATRIX_COMMENT = "matrix-sign-off"


def register(world):
    """The world's register, computed once per world (a red point in the home cell)."""
    run = getattr(world, "_register_run", None)
    if run is None:
        from risks.register import services

        point(
            world.home_cell, world.user("officer_a1"), likelihood=5, severity=5, title="Home risk"
        )
        point(world.cells["A2-G1"], world.user("officer_a2"), likelihood=2, severity=2)
        run = compute(AS_OF)
        services.register_sign_off(
            actor=world.user("chief_a1"),
            station=world.stations["A1"],
            run=run,
            comment=MATRIX_COMMENT,
        )
        world._register_run = run
    return run


def _with(world, url):
    register(world)
    return url


def _home_entry(world):
    return RegisterEntry.objects.of_run(register(world)).get(grid_cell=world.home_cell)


def _station_rollup(world):
    return RegisterRollup.objects.of_run(register(world)).get(
        kind=RollupKind.STATION, station=world.stations["A1"]
    )


def _no_foreign_sign_off(world):
    return not RegisterSignOff.objects.exclude(signed_by__username__in=SIGNERS).exists()


ENDPOINTS = [
    # Pages
    ScopedEndpoint(
        "page: register",
        url=lambda w: _with(w, reverse("register_list")),
        kind="list",
        marker=lambda w: w.home_cell.code,
    ),
    ScopedEndpoint(
        "page: register cell",
        url=lambda w: _with(w, reverse("register_cell", args=[w.home_cell.code])),
    ),
    ScopedEndpoint(
        "page: register map",
        url=lambda w: _with(w, reverse("register_map")),
        allowed=ALL_ROLES,  # the page itself holds no data; its data endpoint is scoped
    ),
    ScopedEndpoint(
        "page: register map data",
        url=lambda w: _with(w, reverse("register_map_data")),
        kind="list",
        marker=lambda w: f'"code": "{w.home_cell.code}"',
    ),
    ScopedEndpoint(
        "page: register export",
        url=lambda w: _with(w, reverse("register_export")),
        allowed=ALL_ROLES,  # everyone gets a workbook of their own area (test_views checks it)
    ),
    ScopedEndpoint(
        "page: register rollups",
        url=lambda w: _with(w, reverse("register_rollups")),
        kind="list",
        allowed=SEES_STATION_A1,
        marker=lambda w: w.stations["A1"].name,
    ),
    ScopedEndpoint(
        "page: register station",
        url=lambda w: _with(w, reverse("register_station", args=[w.stations["A1"].code])),
        allowed=SEES_STATION_A1,
    ),
    ScopedEndpoint(
        "page: register sub-bureau",
        url=lambda w: _with(w, reverse("register_sub_bureau", args=[w.sub_bureaus["A"].code])),
        allowed=SEES_SUB_BUREAU_A,
    ),
    ScopedEndpoint(
        "page: register sign-off",
        url=lambda w: _with(w, reverse("register_sign_off", args=[w.stations["A1"].code])),
        method="post",
        data=lambda w: {"date": AS_OF.isoformat(), "comment": "signed"},
        allowed=SIGNERS,
        ok_status=302,
        unchanged=_no_foreign_sign_off,
    ),
    ScopedEndpoint(
        "page: register runs",
        url=lambda w: _with(w, reverse("register_runs")),
        kind="list",
        allowed=("admin",),
        marker=lambda w: AS_OF.isoformat(),
    ),
    # API
    ScopedEndpoint(
        "api: register entry list",
        url=lambda w: _with(w, reverse("register-entry-list")),
        kind="list",
        api=True,
        marker=lambda w: f'"grid_cell_code":"{w.home_cell.code}"',
    ),
    ScopedEndpoint(
        "api: register entry detail",
        url=lambda w: reverse("register-entry-detail", args=[_home_entry(w).pk]),
        api=True,
    ),
    ScopedEndpoint(
        "api: register rollup list",
        url=lambda w: _with(w, reverse("register-rollup-list")),
        kind="list",
        api=True,
        allowed=SEES_STATION_A1,
        marker=lambda w: f'"station_code":"{w.stations["A1"].code}"',
    ),
    ScopedEndpoint(
        "api: register rollup detail",
        url=lambda w: reverse("register-rollup-detail", args=[_station_rollup(w).pk]),
        api=True,
        allowed=SEES_STATION_A1,
    ),
    ScopedEndpoint(
        "api: register run list",
        url=lambda w: _with(w, reverse("register-run-list")),
        kind="list",
        api=True,
        allowed=("admin",),
        marker=lambda w: f'"for_date":"{AS_OF.isoformat()}"',
    ),
    ScopedEndpoint(
        "api: register sign-off list",
        url=lambda w: _with(w, reverse("register-sign-off-list")),
        kind="list",
        api=True,
        allowed=SEES_STATION_A1,
        marker=lambda w: MATRIX_COMMENT,
    ),
    ScopedEndpoint(
        "api: register sign-off create",
        url=lambda w: _with(w, reverse("register-sign-off-list")),
        api=True,
        method="post",
        data=lambda w: {"station": w.stations["A1"].pk, "date": AS_OF.isoformat(), "comment": "ok"},
        allowed=SIGNERS,
        ok_status=201,
        unchanged=_no_foreign_sign_off,
    ),
]
