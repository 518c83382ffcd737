"""Pages of the nightly risk register. Thin: reads through selectors, writes through services."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from risks.register import selectors, services
from risks.register.export import register_workbook
from risks.register.factors import factor_by_key
from risks.register.forms import RegisterFilterForm, RunRequestForm, SignOffForm
from risks.register.models import RollupKind

PAGE_SIZE = 50


def _run_or_none(request):
    """The run of ?date= (404 when that date has no published register), else the current."""
    raw = request.GET.get("date")
    if raw:
        form = RunRequestForm({"for_date": raw})
        if not form.is_valid():
            raise Http404("Not a valid register date.")
        run = selectors.published_run(for_date=form.cleaned_data["for_date"])
        if run is None:
            raise Http404("No register was published for that date.")
        return run
    return selectors.published_run()


def _query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _filtered(request):
    form = RegisterFilterForm(request.GET or None, user=request.user)
    filters = form.cleaned_filters() if form.is_valid() else {}
    return form, filters


@login_required
def register_list(request):
    form, filters = _filtered(request)
    run = _run_or_none(request)
    context = {"form": form, "run": run, "query": _query_without_page(request)}
    if run is not None:
        entries = selectors.register_entries(user=request.user, run=run, **filters)
        context["page"] = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
        states = selectors.sign_off_states(user=request.user, run=run)
        context["unsigned_stations"] = {s.rollup.station_id for s in states if not s.valid}
        context["dates"] = selectors.published_dates()
    template = "register/_entry_rows.html" if request.htmx else "register/register_list.html"
    return render(request, template, context)


@login_required
def register_export(request):
    _form, filters = _filtered(request)
    run = _run_or_none(request)
    if run is None:
        raise Http404("No register has been published yet.")
    entries = selectors.register_entries(user=request.user, run=run, **filters)
    content = register_workbook(run=run, entries=entries)
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="risk-register-{run.for_date}.xlsx"'
    return response


@login_required
def register_cell(request, code):
    cell = selectors.grid_cell_get(user=request.user, code=code)
    run = _run_or_none(request)
    if run is None:
        return render(request, "register/register_cell.html", {"cell": cell, "run": None})
    entry = selectors.register_entry_get(user=request.user, run=run, code=code)
    history = selectors.cell_history(grid_cell=cell, until=run.for_date)
    labels = {key: factor.label for key, factor in factor_by_key().items()}
    labels["risk_points"] = _("Open risk points (after chain reactions)")
    explanations = {key: factor.explanation for key, factor in factor_by_key().items()}
    factors = [
        {
            **row,
            "label": labels.get(row["key"], row["key"]),
            "explanation": explanations.get(row["key"], ""),
        }
        for row in entry.factors
    ]
    chart = {
        "labels": [h.for_date.isoformat() for h in history],
        "score": [h.score for h in history],
        "best": [h.best for h in history],
        "worst": [h.worst for h in history],
        "names": {"score": _("Score"), "best": _("Best case"), "worst": _("Worst case")},
    }
    return render(
        request,
        "register/register_cell.html",
        {
            "cell": cell,
            "run": run,
            "entry": entry,
            "factors": factors,
            "points": selectors.cell_points(run=run, grid_cell=cell),
            "chart": chart,
        },
    )


@login_required
def register_map(request):
    run = _run_or_none(request)
    data_url = reverse("register_map_data")
    if run is not None and request.GET.get("date"):
        data_url += f"?date={run.for_date.isoformat()}"
    return render(
        request,
        "register/register_map.html",
        {"run": run, "data_url": data_url, "map_tile_url": settings.MAP_TILE_URL},
    )


@login_required
def register_map_data(request):
    run = _run_or_none(request)
    if run is None:
        return JsonResponse({"type": "FeatureCollection", "features": []})
    return JsonResponse(selectors.map_features(user=request.user, run=run))


@login_required
def register_rollups(request):
    run = _run_or_none(request)
    context = {"run": run}
    if run is not None:
        context["states"] = selectors.sign_off_states(user=request.user, run=run)
        context["sub_bureaus"] = list(
            selectors.rollups(user=request.user, run=run, kind=RollupKind.SUB_BUREAU)
        )
    return render(request, "register/register_rollups.html", context)


@login_required
def register_station(request, code):
    station = selectors.station_get(user=request.user, code=code)
    run = _run_or_none(request)
    context = {"station": station, "run": run}
    if run is not None:
        rollup = selectors.station_rollup_get(user=request.user, run=run, code=code)
        state = selectors.sign_off_states(user=request.user, run=run, station_rollups=[rollup])[0]
        context.update(
            rollup=rollup,
            state=state,
            top_cells=selectors.top_entries(user=request.user, run=run, station_id=station.pk),
            top_points=selectors.top_points(user=request.user, run=run, station_id=station.pk),
            trail=selectors.sign_off_trail(user=request.user, station=station),
            may_sign_off=selectors.may_sign_off(request.user, station),
            form=SignOffForm(),
        )
    return render(request, "register/register_station.html", context)


@login_required
@require_POST
def register_sign_off(request, code):
    station = selectors.station_get(user=request.user, code=code)
    if not selectors.may_sign_off(request.user, station):
        raise PermissionDenied
    date_form = RunRequestForm({"for_date": request.POST.get("date", "")})
    run = (
        selectors.published_run(for_date=date_form.cleaned_data["for_date"])
        if date_form.is_valid()
        else None
    )
    if run is None:
        raise Http404("No register was published for that date.")
    form = SignOffForm(request.POST)
    if form.is_valid():
        try:
            services.register_sign_off(
                actor=request.user, station=station, run=run, comment=form.cleaned_data["comment"]
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(
                request,
                _("You signed off the register of %(station)s for %(date)s.")
                % {"station": station.name, "date": run.for_date.isoformat()},
            )
    else:
        for field_errors in form.errors.values():
            for message in field_errors:
                messages.error(request, message)
    return redirect(f"{reverse('register_station', args=[code])}?date={run.for_date.isoformat()}")


@login_required
def register_sub_bureau(request, code):
    sub_bureau = selectors.sub_bureau_get(user=request.user, code=code)
    run = _run_or_none(request)
    context = {"sub_bureau": sub_bureau, "run": run}
    if run is not None:
        context.update(
            rollup=selectors.sub_bureau_rollup_get(user=request.user, run=run, code=code),
            states=[
                s
                for s in selectors.sign_off_states(user=request.user, run=run)
                if s.rollup.sub_bureau_id == sub_bureau.pk
            ],
            top_cells=selectors.top_entries(
                user=request.user, run=run, sub_bureau_id=sub_bureau.pk
            ),
            top_points=selectors.top_points(
                user=request.user, run=run, sub_bureau_id=sub_bureau.pk
            ),
        )
    return render(request, "register/register_sub_bureau.html", context)


@login_required
def register_runs(request):
    if not selectors.may_see_runs(request.user):
        raise PermissionDenied
    if request.method == "POST":
        form = RunRequestForm(request.POST)
        if form.is_valid():
            services.register_run_request(
                for_date=form.cleaned_data["for_date"], actor=request.user
            )
            messages.success(
                request,
                _("The register of %(date)s is being recomputed.")
                % {"date": form.cleaned_data["for_date"].isoformat()},
            )
            return redirect("register_runs")
    else:
        form = RunRequestForm(initial={"for_date": timezone.localdate()})
    page = Paginator(selectors.run_list(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "register/register_runs.html", {"page": page, "form": form})
