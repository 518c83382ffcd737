"""Pages of the risk-point inventory. Thin: reads through risks.selectors (scoped), writes
through risks.services; a service's ValidationError comes back onto the form's fields."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.template import TemplateDoesNotExist
from django.template.loader import select_template
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from grid.forms import add_service_errors
from grid.models import GridCell
from risks import forms, scoring, selectors, services
from risks.models import LinkKind, ProposalStatus

PAGE_SIZE = 50
SUGGESTIONS = 200
# The register part's "raised by upstream risk" panel, first name found (it may not exist).
RAISED_BY_TEMPLATES = ["register/_risk_point_propagation.html", "risk_register/_raised_by.html"]


def _posted(request):
    """The submitted data on POST (even when empty, so a blank form shows its errors)."""
    return request.POST if request.method == "POST" else None


def _officer_suggestions(user):
    return (
        forms.officer_users(user)
        .order_by("username")
        .only("username", "first_name", "last_name")[:SUGGESTIONS]
    )


# --- Inventory ------------------------------------------------------------------------------
@login_required
def risk_point_list(request):
    form = forms.RiskPointFilterForm(request.GET or None, user=request.user)
    filters = form.cleaned_filters() if form.is_valid() else {}
    points = selectors.risk_point_list(user=request.user, **filters)
    page = Paginator(points, PAGE_SIZE).get_page(request.GET.get("page"))
    template = "risks/_risk_point_rows.html" if request.htmx else "risks/risk_point_list.html"
    return render(
        request,
        template,
        {"form": form, "page": page, "today": timezone.localdate()},
    )


def _raised_by(request, risk_point):
    """The register's "raised by upstream risk" panel, when the register part provides it."""
    try:
        template = select_template(RAISED_BY_TEMPLATES)
    except TemplateDoesNotExist:
        return None, None
    try:
        from risks.register import selectors as register_selectors

        raised_by = register_selectors.risk_point_raised_by(
            user=request.user, risk_point=risk_point
        )
    except (ImportError, AttributeError):
        raised_by = None
    return template.template.name, raised_by


@login_required
def risk_point_detail(request, pk):
    risk_point = selectors.risk_point_get(user=request.user, pk=pk)
    can_act = selectors.risk_point_can_act(user=request.user, risk_point=risk_point)
    raised_by_template, raised_by = _raised_by(request, risk_point)
    return render(
        request,
        "risks/risk_point_detail.html",
        {
            "risk_point": risk_point,
            "can_act": can_act,
            "may_close": services.may_close(request.user, risk_point),
            "measures": selectors.risk_point_measures(risk_point=risk_point),
            "links": selectors.risk_point_links(user=request.user, risk_point=risk_point),
            "shared_candidates": selectors.shared_party_candidates(
                risk_point=risk_point, user=request.user, actionable=True
            )[:20]
            if can_act
            else [],
            "timeline": selectors.risk_point_timeline(risk_point=risk_point),
            "transitions": services.allowed_transitions(risk_point),
            "control_tier": scoring.control_tier_for(risk_point.level),
            "measure_due_days": scoring.measure_due_days(risk_point.level),
            "today": timezone.localdate(),
            "raised_by_template": raised_by_template,
            "raised_by": raised_by,
        },
    )


def _prefill_from_sources(request) -> tuple[dict, dict]:
    """?visit=<pk> / ?concern=<pk> (also source_visit / source_concern): the source objects the
    user may see, and the initial values they give the form."""
    from grid.models import GridVisit
    from residents.models import Concern

    sources, initial = {}, {}
    concern_id = request.GET.get("concern") or request.GET.get("source_concern")
    visit_id = request.GET.get("visit") or request.GET.get("source_visit")
    if concern_id:
        concern = (
            Concern.objects.visible_to(request.user)
            .select_related("grid_cell")
            .filter(pk=concern_id if str(concern_id).isdigit() else 0)
            .first()
        )
        if concern is None:
            raise Http404("No such concern in your area.")
        sources["source_concern"] = concern
        if concern.grid_cell_id:
            initial["grid_cell"] = concern.grid_cell.code
        initial["description"] = concern.description
    if visit_id:
        visit = (
            GridVisit.objects.visible_to(request.user)
            .select_related("grid_cell")
            .filter(pk=visit_id if str(visit_id).isdigit() else 0)
            .first()
        )
        if visit is None:
            raise Http404("No such visit in your area.")
        sources["source_visit"] = visit
        initial["grid_cell"] = visit.grid_cell.code
        initial["channel"] = "on_site"
    return sources, initial


def _cell_suggestions(user):
    return GridCell.objects.actionable_by(user).order_by("code").only("code", "name")[:SUGGESTIONS]


@login_required
def risk_point_create(request):
    sources, initial = _prefill_from_sources(request)
    if request.GET.get("cell"):
        initial["grid_cell"] = request.GET["cell"]
    form = forms.RiskPointForm(_posted(request), user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            risk_point = services.risk_point_create(
                actor=request.user, **form.service_values(), **sources
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Risk point recorded."))
            return redirect("risk_point_detail", pk=risk_point.pk)
    return render(
        request,
        "risks/risk_point_form.html",
        {
            "form": form,
            "sources": sources,
            "cells": _cell_suggestions(request.user),
            "officers": _officer_suggestions(request.user),
            "matrix": scoring.matrix(),
        },
    )


@login_required
def risk_point_update(request, pk):
    risk_point = selectors.risk_point_actionable(user=request.user, pk=pk)
    initial = {
        name: getattr(risk_point, name)
        for name in (
            "title",
            "description",
            "category",
            "channel",
            "inherent_likelihood",
            "inherent_severity",
            "residual_likelihood",
            "residual_severity",
            "latitude",
            "longitude",
        )
    }
    initial["owner"] = risk_point.owner.username
    initial["households"] = ", ".join(
        risk_point.involved_households.values_list("number", flat=True)
    )
    initial["residents"] = ", ".join(
        str(pk) for pk in risk_point.involved_residents.values_list("pk", flat=True)
    )
    form = forms.RiskPointForm(
        _posted(request), user=request.user, risk_point=risk_point, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        values = form.service_values()
        if values.get("owner") is None:
            values.pop("owner")
        values["residual_likelihood"] = (
            values["residual_likelihood"] or values["inherent_likelihood"]
        )
        values["residual_severity"] = values["residual_severity"] or values["inherent_severity"]
        try:
            services.risk_point_update(risk_point=risk_point, actor=request.user, **values)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Risk point saved."))
            return redirect("risk_point_detail", pk=risk_point.pk)
    return render(
        request,
        "risks/risk_point_form.html",
        {
            "form": form,
            "risk_point": risk_point,
            "officers": _officer_suggestions(request.user),
            "matrix": scoring.matrix(),
        },
    )


@login_required
def risk_point_review(request, pk):
    risk_point = selectors.risk_point_actionable(user=request.user, pk=pk)
    initial = {
        "inherent_likelihood": risk_point.inherent_likelihood,
        "inherent_severity": risk_point.inherent_severity,
        "residual_likelihood": risk_point.residual_likelihood,
        "residual_severity": risk_point.residual_severity,
        "reviewed_on": timezone.localdate(),
    }
    form = forms.ReviewForm(_posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            review = services.risk_point_review(
                risk_point=risk_point, actor=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Review recorded; next review on %(date)s.")
                % {"date": review.next_review_on.isoformat()},
            )
            return redirect("risk_point_detail", pk=risk_point.pk)
    return render(
        request,
        "risks/risk_point_review.html",
        {"form": form, "risk_point": risk_point, "matrix": scoring.matrix()},
    )


@login_required
def risk_point_transition(request, pk):
    risk_point = selectors.risk_point_actionable(user=request.user, pk=pk)
    allowed = services.allowed_transitions(risk_point)
    initial = {"to_status": request.GET.get("to")} if request.GET.get("to") else None
    form = forms.TransitionForm(_posted(request), allowed=allowed, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.risk_point_transition(
                risk_point=risk_point,
                to_status=form.cleaned_data["to_status"],
                actor=request.user,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Status changed."))
            return redirect("risk_point_detail", pk=risk_point.pk)
    return render(
        request, "risks/risk_point_transition.html", {"form": form, "risk_point": risk_point}
    )


# --- Measures -------------------------------------------------------------------------------
@login_required
def measure_create(request, pk):
    risk_point = selectors.risk_point_actionable(user=request.user, pk=pk)
    form = forms.MeasureForm(_posted(request), user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.measure_create(risk_point=risk_point, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Measure added."))
            return redirect("risk_point_detail", pk=risk_point.pk)
    return render(
        request,
        "risks/measure_form.html",
        {
            "form": form,
            "risk_point": risk_point,
            "officers": _officer_suggestions(request.user),
            "latest_due": scoring.latest_measure_due(risk_point.level, timezone.localdate()),
        },
    )


@login_required
def measure_update(request, pk):
    measure = selectors.measure_actionable(user=request.user, pk=pk)
    initial = {
        "description": measure.description,
        "owner": measure.owner.username,
        "due_on": measure.due_on,
        "status": measure.status,
        "completed_on": measure.completed_on,
        "note": measure.note,
    }
    form = forms.MeasureUpdateForm(
        _posted(request), user=request.user, measure=measure, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.measure_update(measure=measure, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Measure saved."))
            return redirect("risk_point_detail", pk=measure.risk_point_id)
    return render(
        request,
        "risks/measure_form.html",
        {
            "form": form,
            "measure": measure,
            "risk_point": measure.risk_point,
            "officers": _officer_suggestions(request.user),
            "latest_due": scoring.latest_measure_due(
                measure.risk_point.level, timezone.localdate()
            ),
        },
    )


# --- Links ----------------------------------------------------------------------------------
@login_required
def risk_link_create(request, pk):
    risk_point = selectors.risk_point_actionable(user=request.user, pk=pk)
    initial = {"kind": request.GET.get("kind") or LinkKind.MAY_TRIGGER}
    if request.GET.get("other"):
        initial["other"] = request.GET["other"]
    form = forms.LinkForm(_posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            other = selectors.risk_point_get(user=request.user, pk=data["other"])
        except Http404:
            form.add_error("other", _("No such risk point in your area."))
        else:
            source, target = (
                (risk_point, other) if data["direction"] == "out" else (other, risk_point)
            )
            try:
                services.risk_link_create(
                    source=source,
                    target=target,
                    kind=data["kind"],
                    strength=data["strength"],
                    note=data["note"],
                    actor=request.user,
                )
            except ValidationError as error:
                add_service_errors(form, error)
                if "target" in getattr(error, "error_dict", {}):
                    for message in error.error_dict["target"]:
                        form.add_error("other", message)
            else:
                messages.success(request, _("Link added."))
                return redirect("risk_point_detail", pk=risk_point.pk)
    nearby = selectors.risk_point_link_suggestions(user=request.user, risk_point=risk_point)
    return render(
        request,
        "risks/link_form.html",
        {"form": form, "risk_point": risk_point, "nearby": nearby},
    )


@login_required
@require_POST
def risk_link_delete(request, pk):
    link = selectors.risk_link_actionable(user=request.user, pk=pk)
    back = request.POST.get("back")
    services.risk_link_delete(link=link, actor=request.user)
    messages.success(request, _("Link removed."))
    return_to = back if back in (str(link.source_id), str(link.target_id)) else link.source_id
    return redirect("risk_point_detail", pk=return_to)


@login_required
@require_POST
def risk_shared_party_links(request, pk):
    risk_point = selectors.risk_point_actionable(user=request.user, pk=pk)
    try:
        created = services.risk_shared_party_links_propose(
            risk_point=risk_point, actor=request.user
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("%(count)s shared-party link(s) added.") % {"count": created})
    return redirect("risk_point_detail", pk=risk_point.pk)


# --- Proposals ------------------------------------------------------------------------------
@login_required
def risk_proposal_list(request):
    status = request.GET.get("status", ProposalStatus.OPEN)
    if status not in ProposalStatus.values and status != "":
        status = ProposalStatus.OPEN
    proposals = selectors.risk_proposal_list(user=request.user, status=status)
    page = Paginator(proposals, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "risks/proposal_list.html",
        {
            "page": page,
            "status": status,
            "statuses": ProposalStatus.choices,
            "dismiss_form": forms.ProposalDismissForm(),
        },
    )


@login_required
def risk_proposal_accept(request, pk):
    proposal = selectors.risk_proposal_actionable(user=request.user, pk=pk)
    form = forms.ProposalAcceptForm(_posted(request), user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            risk_point = services.risk_proposal_accept(
                proposal=proposal, actor=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Proposal accepted: risk point recorded."))
            return redirect("risk_point_detail", pk=risk_point.pk)
    return render(
        request,
        "risks/proposal_decide.html",
        {
            "form": form,
            "proposal": proposal,
            "action": "accept",
            "officers": _officer_suggestions(request.user),
        },
    )


@login_required
def risk_proposal_dismiss(request, pk):
    proposal = selectors.risk_proposal_actionable(user=request.user, pk=pk)
    form = forms.ProposalDismissForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.risk_proposal_dismiss(
                proposal=proposal, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Proposal dismissed."))
            return redirect("risk_proposal_list")
    return render(
        request,
        "risks/proposal_decide.html",
        {"form": form, "proposal": proposal, "action": "dismiss"},
    )


# --- Oversight and map ----------------------------------------------------------------------
@login_required
def risk_oversight(request):
    tier = request.GET.get("tier") or selectors.default_oversight_tier(request.user)
    if tier not in scoring.ControlTier.values:
        tier = selectors.default_oversight_tier(request.user)
    points = selectors.risk_oversight_list(user=request.user, tier=tier)
    page = Paginator(points, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "risks/oversight.html",
        {
            "page": page,
            "tier": tier,
            "tiers": scoring.ControlTier.choices,
            "levels": scoring.levels_for_tier(tier),
            "counts": selectors.oversight_counts(user=request.user),
            "today": timezone.localdate(),
        },
    )


@login_required
def risk_map(request):
    stations = selectors.risk_map_stations(user=request.user)
    form = forms.MapFilterForm(request.GET or None, stations=stations)
    station = form.cleaned_data.get("station") if form.is_valid() else None
    data = selectors.risk_map_data(user=request.user, station=station)
    data["detail_url"] = reverse("risk_point_detail", args=[0])
    return render(
        request,
        "risks/risk_map.html",
        {
            "form": form,
            "data": data,
            "map_tile_url": settings.MAP_TILE_URL,
            "kinds": LinkKind.choices,
            "levels": scoring.Level.choices,
        },
    )
