"""Portal pages for the tiers. Thin: every read goes through grid.selectors (scoped)."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from grid import selectors
from grid.forms import GridCellFilterForm

PAGE_SIZE = 50


@login_required
def home(request):
    summary = selectors.home_summary(user=request.user)
    context = {"summary": summary}
    if summary.tier in ("community_officer", "grid_worker"):
        context["my_cells"] = selectors.officer_cells(user=request.user)
    elif summary.tier in ("station_chief", "sub_bureau_staff", "superuser"):
        context["stations"] = selectors.station_list(user=request.user)[:PAGE_SIZE]
    return render(request, "grid/home.html", context)


@login_required
def grid_cell_list(request):
    form = GridCellFilterForm(request.GET or None, user=request.user)
    filters = form.cleaned_filters() if form.is_valid() else {}
    cells = selectors.grid_cell_list(user=request.user, **filters)
    page = Paginator(cells, PAGE_SIZE).get_page(request.GET.get("page"))
    template = "grid/_grid_cell_rows.html" if request.htmx else "grid/grid_cell_list.html"
    return render(request, template, {"form": form, "page": page})


@login_required
def grid_cell_detail(request, code):
    cell = selectors.grid_cell_get(user=request.user, code=code)
    history = selectors.grid_cell_assignment_history(grid_cell=cell)
    current = selectors.grid_cell_current_assignments(grid_cell=cell)
    return render(
        request,
        "grid/grid_cell_detail.html",
        {
            "cell": cell,
            "history": history,
            "current": current,
            "map_tile_url": settings.MAP_TILE_URL,
        },
    )


@login_required
def station_list(request):
    stations = selectors.station_list(user=request.user)
    page = Paginator(stations, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "grid/station_list.html", {"page": page})


@login_required
def station_detail(request, code):
    station = selectors.station_get(user=request.user, code=code)
    return render(
        request,
        "grid/station_detail.html",
        {
            "station": station,
            "communities": selectors.station_communities(station=station),
            "officers": selectors.officer_list(user=request.user, station_id=station.pk),
        },
    )


@login_required
def officer_list(request):
    officers = selectors.officer_list(user=request.user)
    page = Paginator(officers, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "grid/officer_list.html", {"page": page})


def healthz(request):
    """Liveness for the container healthcheck: the database and the cache answer."""
    from django.core.cache import cache
    from django.db import connection
    from django.http import JsonResponse

    status = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        status["database"] = "ok"
    except Exception as error:  # any failure means unhealthy
        status["database"] = f"error: {type(error).__name__}"
    try:
        cache.set("healthz", "1", 5)
        status["cache"] = "ok" if cache.get("healthz") == "1" else "error: no round trip"
    except Exception as error:  # any failure means unhealthy
        status["cache"] = f"error: {type(error).__name__}"
    healthy = all(value == "ok" for value in status.values())
    return JsonResponse(status, status=200 if healthy else 503)
