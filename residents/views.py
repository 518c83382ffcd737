"""Pages of the residents registry and of public concerns. Thin: selectors read, services write."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from grid.forms import add_service_errors
from grid.scoping import scope_for
from residents import forms, ratelimit, selectors, services
from residents.links import concern_links

PAGE_SIZE = 50


# --- Residents ------------------------------------------------------------------------------
@login_required
def resident_list(request):
    form = forms.ResidentFilterForm(request.GET or None, user=request.user)
    filters = form.cleaned_filters() if form.is_valid() else {}
    residents = selectors.resident_list(user=request.user, **filters)
    page = Paginator(residents, PAGE_SIZE).get_page(request.GET.get("page"))
    template = "residents/_resident_rows.html" if request.htmx else "residents/resident_list.html"
    return render(
        request,
        template,
        {
            "form": form,
            "page": page,
            "may_create": selectors.actionable_cells(user=request.user).exists(),
            "export_form": forms.ExportForm(),
        },
    )


@login_required
@require_POST
def resident_export(request):
    form = forms.ResidentFilterForm(request.POST, user=request.user)
    export_form = forms.ExportForm(request.POST)
    if not (form.is_valid() and export_form.is_valid()):
        messages.error(request, _("The export needs a reason of at least 4 characters."))
        return redirect("residents:resident_list")
    residents = selectors.resident_list(user=request.user, **form.cleaned_filters())
    try:
        text, _count = services.resident_export(
            actor=request.user,
            residents=residents,
            reason=export_form.cleaned_data["reason"],
            query=request.POST.urlencode()[:300],
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("residents:resident_list")
    response = HttpResponse("\ufeff" + text, content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="residents-{stamp}.csv"'
    return response


@login_required
def resident_detail(request, pk: int):
    resident = selectors.resident_get(user=request.user, pk=pk)
    return render(
        request,
        "residents/resident_detail.html",
        {
            "resident": resident,
            "members": selectors.resident_household_members(user=request.user, resident=resident),
            "links": selectors.resident_links_for(user=request.user, resident=resident),
            "may_reveal": selectors.may_reveal(request.user),
            "may_edit": selectors.resident_may_act(user=request.user, resident=resident),
            "reveal_form": forms.RevealForm(),
        },
    )


@login_required
@require_POST
def resident_reveal(request, pk: int):
    if not selectors.may_reveal(request.user):
        raise Http404
    resident = selectors.resident_get(user=request.user, pk=pk, for_action=True)
    form = forms.RevealForm(request.POST)
    context = {"resident": resident, "reveal_form": form, "may_reveal": True}
    if form.is_valid():
        try:
            revealed = services.resident_reveal(
                actor=request.user, resident_id=resident.pk, reason=form.cleaned_data["reason"]
            )
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            context["revealed"] = revealed
    template = "residents/_reveal.html" if request.htmx else "residents/resident_reveal.html"
    response = render(request, template, context)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def resident_create(request):
    if not selectors.actionable_cells(user=request.user).exists():
        raise PermissionDenied
    form = forms.ResidentForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            resident = services.resident_create(actor=request.user, data=form.to_data())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Resident registered."))
            return redirect("residents:resident_detail", pk=resident.pk)
    return render(request, "residents/resident_form.html", {"form": form, "resident": None})


@login_required
@require_http_methods(["GET", "POST"])
def resident_edit(request, pk: int):
    resident = selectors.resident_get(user=request.user, pk=pk, for_action=True)
    initial = {
        "name": resident.name,
        "phone": "",
        "address": resident.address,
        "grid_cell": resident.grid_cell_id,
        "household_number": resident.household.number if resident.household else "",
        "tags": [t.pk for t in resident.visible_tags],
    }
    form = forms.ResidentForm(
        request.POST or None, initial=initial, user=request.user, editing=True
    )
    if request.method == "POST" and form.is_valid():
        data = form.to_data()
        if not form.cleaned_data["phone"] and not request.POST.get("clear_phone"):
            data.phone = resident.phone  # blank keeps the current (masked) phone
        try:
            resident = services.resident_update(actor=request.user, resident=resident, data=data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Resident updated."))
            return redirect("residents:resident_detail", pk=resident.pk)
    return render(request, "residents/resident_form.html", {"form": form, "resident": resident})


# --- Personal-data access records -----------------------------------------------------------
@login_required
def access_record_list(request):
    if scope_for(request.user).tier not in ("station_chief", "sub_bureau_staff") and not (
        request.user.is_superuser
    ):
        raise PermissionDenied
    form = forms.AccessRecordFilterForm(request.GET or None, user=request.user)
    filters = {}
    if form.is_valid():
        data = form.cleaned_data
        filters = {
            "actor_id": data["actor"].pk if data.get("actor") else None,
            "date_from": data.get("date_from"),
            "date_to": data.get("date_to"),
        }
    records = selectors.access_record_list(user=request.user, **filters)
    page = Paginator(records, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "residents/access_record_list.html", {"form": form, "page": page})


# --- Bulk import ----------------------------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def import_list(request):
    if not selectors.actionable_cells(user=request.user).exists():
        raise PermissionDenied
    form = forms.ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = services.import_upload(
                actor=request.user, filename=upload.name, content=upload.read()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect("residents:import_detail", pk=job.pk)
    jobs = selectors.import_job_list(user=request.user).filter(uploaded_by=request.user)[:20]
    return render(request, "residents/import_list.html", {"form": form, "jobs": jobs})


@login_required
def import_detail(request, pk: int):
    job = selectors.import_job_get(user=request.user, pk=pk)
    template = "residents/_import_status.html" if request.htmx else "residents/import_detail.html"
    return render(request, template, {"job": job})


@login_required
@require_POST
def import_confirm(request, pk: int):
    job = selectors.import_job_get(user=request.user, pk=pk)
    try:
        services.import_confirm(actor=request.user, job=job)
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("residents:import_detail", pk=job.pk)


# --- Concern queue (officers) ---------------------------------------------------------------
@login_required
def concern_list(request):
    data = request.GET.copy() if request.GET else {"status": "open"}
    form = forms.ConcernFilterForm(data)
    filters = form.cleaned_data if form.is_valid() else {"status": "open"}
    concerns = selectors.concern_list(user=request.user, **filters)
    page = Paginator(concerns, PAGE_SIZE).get_page(request.GET.get("page"))
    template = "residents/_concern_rows.html" if request.htmx else "residents/concern_list.html"
    return render(
        request,
        template,
        {"form": form, "page": page, "counts": selectors.concern_counts(user=request.user)},
    )


def _concern_context(request, concern, **extra):
    may_act = selectors.concern_may_act(user=request.user, concern=concern)
    context = {
        "concern": concern,
        "notes": selectors.concern_notes(concern=concern),
        "links": selectors.concern_links_for(user=request.user, concern=concern),
        "create_links": [link for link in concern_links() if link.create_url_name]
        if may_act
        else [],
        "may_act": may_act,
        "note_form": forms.ConcernNoteForm(),
        "close_form": forms.ConcernCloseForm(),
        "assign_form": forms.ConcernAssignForm(
            concern=concern, initial={"assignee": concern.assigned_to_id}
        ),
        "route_form": forms.ConcernRouteForm(
            concern=concern, initial={"grid_cell": concern.grid_cell_id}
        ),
    }
    context.update(extra)
    return context


@login_required
def concern_detail(request, pk: int):
    concern = selectors.concern_get(user=request.user, pk=pk)
    return render(request, "residents/concern_detail.html", _concern_context(request, concern))


@login_required
def concern_photo(request, pk: int):
    concern = selectors.concern_get(user=request.user, pk=pk)
    if not concern.photo:
        raise Http404
    response = FileResponse(concern.photo.open("rb"))
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def concern_action(request, pk: int, action: str):
    concern = selectors.concern_get(user=request.user, pk=pk, for_action=True)
    form = None
    try:
        if action == "acknowledge":
            services.concern_acknowledge(actor=request.user, concern=concern)
            messages.success(request, _("Concern acknowledged."))
        elif action == "assign":
            form = forms.ConcernAssignForm(request.POST, concern=concern)
            if form.is_valid():
                services.concern_assign(
                    actor=request.user, concern=concern, assignee=form.cleaned_data["assignee"]
                )
                messages.success(request, _("Assignment saved."))
        elif action == "route":
            form = forms.ConcernRouteForm(request.POST, concern=concern)
            if form.is_valid():
                services.concern_route(
                    actor=request.user, concern=concern, grid_cell=form.cleaned_data["grid_cell"]
                )
                messages.success(request, _("Concern routed to the grid cell."))
        elif action == "note":
            form = forms.ConcernNoteForm(request.POST)
            if form.is_valid():
                services.concern_add_note(
                    actor=request.user,
                    concern=concern,
                    body=form.cleaned_data["body"],
                    public=form.cleaned_data["public"],
                )
                messages.success(
                    request,
                    _("Reply sent.") if form.cleaned_data["public"] else _("Internal note saved."),
                )
        elif action == "close":
            form = forms.ConcernCloseForm(request.POST)
            if form.is_valid():
                services.concern_close(
                    actor=request.user, concern=concern, reply=form.cleaned_data["body"]
                )
                messages.success(request, _("Concern closed with a reply."))
        else:
            raise Http404
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as error:
        if form is None:
            messages.error(request, " ".join(error.messages))
        else:
            add_service_errors(form, error)
    if form is not None and form.errors:
        key = {
            "assign": "assign_form",
            "route": "route_form",
            "note": "note_form",
            "close": "close_form",
        }[action]
        context = _concern_context(request, concern, **{key: form})
        return render(request, "residents/concern_detail.html", context, status=400)
    return redirect("residents:concern_detail", pk=concern.pk)


# --- Public: the concern form and the status page (no login) --------------------------------
def _refuse(request, template: str, context: dict, message: str, status: int):
    context["refusal"] = message
    return render(request, template, context, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def concern_new(request):
    form = forms.ConcernPublicForm(request.POST or None, request.FILES or None)
    context = {"form": form, "map_tile_url": settings.MAP_TILE_URL}
    if request.method == "POST":
        if request.POST.get("website"):
            return _refuse(
                request,
                "residents/public/concern_form.html",
                context,
                _("Your submission looks automated and was not accepted."),
                400,
            )
        if not ratelimit.allow(request, "concern_submit"):
            return _refuse(
                request,
                "residents/public/concern_form.html",
                context,
                _(
                    "Too many submissions from your network. Please try again in an "
                    "hour, or call the police station."
                ),
                429,
            )
        if form.is_valid():
            data = form.cleaned_data
            concern = services.concern_submit(
                data=services.ConcernSubmission(
                    category=data["category"],
                    description=data["description"],
                    community=data["community"],
                    address=data["address"],
                    latitude=data.get("latitude"),
                    longitude=data.get("longitude"),
                    photo=data.get("photo"),
                    contact_name=data["contact_name"],
                    contact_phone=data["contact_phone"],
                    contact_consent=data["contact_consent"],
                )
            )
            request.session["concern_tracking_code"] = concern.tracking_code
            return redirect("residents:concern_submitted")
    return render(request, "residents/public/concern_form.html", context)


@never_cache
@require_GET
def concern_submitted(request):
    code = request.session.get("concern_tracking_code")
    if not code:
        return redirect("residents:concern_status")
    return render(
        request,
        "residents/public/concern_submitted.html",
        {"code": services.format_tracking_code(code)},
    )


@never_cache
@require_http_methods(["GET", "POST"])
def concern_status(request):
    """Look a concern up by its tracking code: POST, so the code stays out of URLs and logs."""
    form = forms.ConcernTrackForm(request.POST or None)
    context = {"form": form}
    if request.method == "POST":
        if not ratelimit.allow(request, "concern_lookup"):
            return _refuse(
                request,
                "residents/public/concern_status.html",
                context,
                _("Too many lookups from your network. Please try again later."),
                429,
            )
        if form.is_valid():
            code = services.normalise_tracking_code(form.cleaned_data["code"])
            # The same query and the same answer for a malformed or unknown code.
            concern = selectors.concern_public_get(tracking_code=code or "-")
            context["looked_up"] = True
            if concern is not None:
                context["concern"] = concern
                context["replies"] = selectors.concern_public_replies(concern=concern)
                context["code"] = services.format_tracking_code(concern.tracking_code)
    return render(request, "residents/public/concern_status.html", context)


@require_GET
def concern_community_cells(request, community_id: int):
    """Grid cell polygons of one community for the public form's map (names only)."""
    cells = selectors.public_community_cells(community_id=community_id)
    features = [
        {"type": "Feature", "properties": {"name": cell.name}, "geometry": cell.boundary}
        for cell in cells
    ]
    response = JsonResponse({"type": "FeatureCollection", "features": features})
    response["Cache-Control"] = "public, max-age=3600"
    return response
