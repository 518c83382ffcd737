"""Portal pages for the tiers. Thin: every read goes through grid.selectors (scoped)."""

import uuid
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from grid import selectors, services
from grid.coverage import cell_coverage, colour_for
from grid.forms import (
    CoverageFilterForm,
    GridCellAssignForm,
    GridCellFilterForm,
    VisitFilterForm,
    VisitForm,
    add_service_errors,
    int_or_none,
)
from grid.models import VisitType

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
    today = timezone.localdate()
    return render(
        request,
        "grid/grid_cell_detail.html",
        {
            "cell": cell,
            "history": history,
            "current": current,
            "map_tile_url": settings.MAP_TILE_URL,
            "coverage": cell_coverage(cells=[cell.pk], as_of=today).get(cell.pk),
            "recent_visits": selectors.visit_list(user=request.user, grid_cell_id=cell.pk)[:5],
            "may_log_visit": selectors.visit_cells(user=request.user).filter(pk=cell.pk).exists(),
            "may_assign": selectors.user_tier(request.user)
            in ("superuser", "sub_bureau_staff", "station_chief"),
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


# --- Grid visits ----------------------------------------------------------------------------
def _risk_point_create_url(visit) -> str | None:
    """The risks part's "raise a risk point from this visit" page, once it exists."""
    for name in ("risk_point_create", "risks:risk_point_create", "risks:riskpoint_create"):
        try:
            return f"{reverse(name)}?visit={visit.pk}"
        except NoReverseMatch:
            continue
    return None


def _dispute_create_url(visit) -> str | None:
    for name in ("dispute_create", "disputes:dispute_create", "disputes:case_create"):
        try:
            return f"{reverse(name)}?visit={visit.pk}"
        except NoReverseMatch:
            continue
    return None


def _reverse_or_none(name: str, *args) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


@login_required
def day(request):
    overview = selectors.day_overview(user=request.user)
    for concern in overview.concerns:
        concern.page_url = _reverse_or_none("residents:concern_detail", concern.pk)
    return render(request, "grid/day.html", {"day": overview})


@login_required
def visit_list(request):
    form = VisitFilterForm(request.GET or None)
    filters = {}
    if form.is_valid():
        data = form.cleaned_data
        if data["cell"]:
            cell = selectors.grid_cell_list(user=request.user, search="").filter(code=data["cell"])
            filters["grid_cell_id"] = cell.values_list("pk", flat=True).first() or -1
        filters["visit_type"] = data["visit_type"]
        filters["date_from"] = data["date_from"]
        filters["date_to"] = data["date_to"]
        if data["mine"]:
            filters["officer_id"] = request.user.pk
    visits = selectors.visit_list(user=request.user, **filters)
    page = Paginator(visits, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "grid/visit_list.html",
        {"form": form, "page": page, "query": _query_without_page(request)},
    )


def _query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@login_required
def visit_create(request):
    cells = selectors.visit_cells(user=request.user).with_units().order_by("code")
    # ?concern= from My day, ?source_concern= from the concern page's link (residents.links).
    concern_pk = (
        request.POST.get("source_concern")
        or request.GET.get("concern")
        or request.GET.get("source_concern")
    )
    concern = selectors.visit_source_concern(user=request.user, pk=int_or_none(concern_pk))
    code = request.POST.get("grid_cell") if request.method == "POST" else request.GET.get("cell")
    if code:
        cell = cells.filter(code=code).first()
        if cell is None:  # a cell out of reach is not found, whoever asks
            raise Http404("No such grid cell in your area.")
    elif concern is not None and concern.grid_cell_id is not None:
        # A follow-up of a routed concern starts in the concern's grid cell.
        cell = cells.filter(pk=concern.grid_cell_id).first() or cells.first()
    else:
        cell = cells.first()
    if cell is None:
        return render(request, "grid/visit_form.html", {"no_cells": True}, status=403)
    companions = list(selectors.visit_companion_choices(user=request.user, grid_cell=cell))
    if request.method == "POST":
        form = VisitForm(request.POST, request.FILES, cells=cells, companions=companions)
        if form.is_valid():
            try:
                visit, created = services.grid_visit_create(
                    actor=request.user, **form.service_arguments()
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                if created:
                    messages.success(request, _("Visit saved."))
                else:
                    messages.info(request, _("This visit had already been saved."))
                return redirect(f"{reverse('visit_detail', args=[visit.pk])}?saved=1")
    else:
        now = timezone.localtime().replace(second=0, microsecond=0)
        initial = {
            "grid_cell": cell,
            "visit_type": request.GET.get("type") or VisitType.DOOR_TO_DOOR,
            "started_at": now - timedelta(minutes=30),
            "ended_at": now,
            "households_reached": 0,
            "client_key": uuid.uuid4().hex,
        }
        if concern is not None:
            initial["source_concern"] = concern.pk
            initial["visit_type"] = VisitType.FOLLOW_UP
        form = VisitForm(initial=initial, cells=cells, companions=companions)
    chosen = selectors.visit_resident_search(user=request.user, grid_cell=cell, query="")
    selected_ids = form["residents_met"].value() if form.is_bound else []
    selected = selectors.visit_residents_chosen(
        user=request.user, grid_cell=cell, ids=selected_ids or []
    )
    return render(
        request,
        "grid/visit_form.html",
        {
            "form": form,
            "cell": cell,
            "cells": _cell_options(cells, cell),
            "concern": concern,
            "selected_residents": selected,
            "suggested_residents": chosen,
        },
        status=400 if request.method == "POST" else 200,
    )


CELL_OPTIONS_LIMIT = 200


def _cell_options(cells, current) -> list:
    """The cells offered in the form's select: all of an officer's; for a chief or the
    sub-bureau (hundreds or thousands of cells) the first ones and the one asked for, which
    they reach from the cell or coverage pages ("Log a visit")."""
    options = list(cells[:CELL_OPTIONS_LIMIT])
    if current is not None and all(option.pk != current.pk for option in options):
        options.insert(0, current)
    return options


@login_required
def visit_resident_search(request):
    cell = (
        selectors.visit_cells(user=request.user)
        .filter(code=request.GET.get("grid_cell", ""))
        .first()
    )
    if cell is None:
        raise Http404("No such grid cell in your area.")
    residents = selectors.visit_resident_search(
        user=request.user, grid_cell=cell, query=request.GET.get("q", "")[:60]
    )
    return render(
        request,
        "grid/_visit_resident_results.html",
        {"residents": residents, "query": request.GET.get("q", ""), "cell": cell},
    )


@login_required
def visit_detail(request, pk):
    visit = selectors.visit_get(user=request.user, pk=pk)
    may_act = selectors.visit_cells(user=request.user).filter(pk=visit.grid_cell_id).exists()
    return render(
        request,
        "grid/visit_detail.html",
        {
            "visit": visit,
            "saved": request.GET.get("saved") == "1",
            "may_act": may_act,
            "risk_point_url": _risk_point_create_url(visit) if may_act else None,
            "dispute_url": _dispute_create_url(visit) if may_act else None,
            "risk_points": selectors.visit_risk_points(user=request.user, visit=visit),
            "disputes": selectors.visit_disputes(user=request.user, visit=visit),
        },
    )


@login_required
def visit_photo(request, pk):
    photo = selectors.visit_photo_get(user=request.user, pk=pk)
    response = FileResponse(photo.image.open("rb"), content_type=photo.content_type)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def coverage(request):
    form = CoverageFilterForm(request.GET or None, user=request.user)
    today = timezone.localdate()
    as_of, station_id, blind = today, None, False
    if form.is_valid():
        as_of = form.cleaned_data["as_of"] or today
        station_id = form.cleaned_data["station"].pk if form.cleaned_data["station"] else None
        blind = form.cleaned_data["blind"]
    report = selectors.coverage_report(user=request.user, as_of=as_of, station_id=station_id)
    cells = selectors.coverage_cells(
        user=request.user, as_of=as_of, station_id=station_id, blind_only=blind
    )
    page = Paginator(cells, PAGE_SIZE).get_page(request.GET.get("page"))
    for cell in page:
        cell.days_since_visit = (
            (as_of - cell.last_visit_date).days if cell.last_visit_date else None
        )
        cell.coverage_colour = colour_for(cell.days_since_visit)
    may_assign = selectors.user_tier(request.user) in (
        "superuser",
        "sub_bureau_staff",
        "station_chief",
    )
    return render(
        request,
        "grid/coverage.html",
        {
            "form": form,
            "report": report,
            "page": page,
            "may_assign": may_assign,
            "query": _query_without_page(request),
        },
    )


@login_required
def grid_cell_assign(request, code):
    cell = selectors.grid_cell_for_assignment(user=request.user, code=code)
    profiles = selectors.assignable_officers(grid_cell=cell)
    if request.method == "POST":
        form = GridCellAssignForm(request.POST, profiles=profiles)
        if form.is_valid():
            try:
                services.grid_cell_assign(
                    grid_cell=cell,
                    officer=form.cleaned_data["officer"].user,
                    actor=request.user,
                    valid_from=form.cleaned_data["valid_from"],
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Assignment saved."))
                return redirect("grid_cell_detail", code=cell.code)
    else:
        form = GridCellAssignForm(initial={"valid_from": timezone.localdate()}, profiles=profiles)
    return render(
        request,
        "grid/grid_cell_assign.html",
        {
            "cell": cell,
            "form": form,
            "current": selectors.grid_cell_current_assignments(grid_cell=cell),
        },
        status=400 if request.method == "POST" else 200,
    )
