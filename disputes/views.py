"""Pages of the dispute cases. Thin: reads through disputes.selectors and
disputes.page_selectors (scoped), writes through disputes.services; a service's
ValidationError comes back onto the form's fields, a stale version as a prominent message."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from disputes import forms, page_selectors, selectors, services, workflow
from disputes.files import agreement_response
from disputes.models import DisputeSource, EventKind, PartyRole, Stage
from grid.forms import add_service_errors, int_or_none
from grid.selectors import user_tier

PAGE_SIZE = 50
CELL_OPTIONS_LIMIT = 200
SUGGESTIONS = 200
BOARD_TIERS = ("superuser", "sub_bureau_staff", "station_chief")


def _posted(request):
    return request.POST if request.method == "POST" else None


def _apply_errors(form, error: ValidationError) -> dict:
    """Put a service's error on the form; return what the page shows apart from the fields:
    ``stale`` (someone else changed the case meanwhile) and ``parties``."""
    extra = {"stale": [], "parties": []}
    if hasattr(error, "error_dict"):
        rest = {}
        for name, errors in error.error_dict.items():
            if name == "version":
                extra["stale"].extend(message for item in errors for message in item.messages)
            elif name == "parties":
                extra["parties"].extend(message for item in errors for message in item.messages)
            else:
                rest[name] = errors
        if rest:
            add_service_errors(form, ValidationError(rest))
    else:
        add_service_errors(form, error)
    return extra


# --- Lists ----------------------------------------------------------------------------------
@login_required
def my_cases(request):
    cases = selectors.my_cases(user=request.user)
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "disputes/my_cases.html",
        {"page": page, "today": timezone.localdate()},
    )


@login_required
def case_list(request):
    form = forms.CaseFilterForm(request.GET or None, user=request.user)
    filters = form.cleaned_filters() if form.is_valid() else {"open_only": True}
    cases = selectors.case_list(user=request.user, **filters)
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    template = "disputes/_case_rows.html" if request.htmx else "disputes/case_list.html"
    return render(
        request,
        template,
        {
            "form": form,
            "page": page,
            "today": timezone.localdate(),
            "query": query.urlencode(),
        },
    )


@login_required
def board(request):
    tier = user_tier(request.user)
    stations = page_selectors.board_stations(user=request.user)
    station_code = request.GET.get("station") or ""
    station = stations.filter(code=station_code).first() if station_code else None
    pick_station = tier in ("superuser", "sub_bureau_staff")
    if pick_station and station is None:
        # The officer filter lists one station's officers, once a station is picked.
        officers = page_selectors.station_officers(user=request.user).none()
    else:
        officers = page_selectors.station_officers(
            user=request.user, station_id=station.pk if station else None
        )
    form = forms.BoardFilterForm(request.GET or None, stations=stations, officers=officers)
    filters = form.cleaned_filters() if form.is_valid() else {}
    columns = selectors.case_board(user=request.user, **filters)
    return render(
        request,
        "disputes/board.html",
        {
            "form": form,
            "columns": columns,
            "pick_station": pick_station,
            "show_officer_filter": not (pick_station and station is None),
            "today": timezone.localdate(),
            "total": sum(column.total for column in columns),
            "overdue": sum(column.overdue for column in columns),
        },
    )


# --- Register a case ------------------------------------------------------------------------
def _sources(request) -> dict:
    """The concern or visit the case is made from (?source_concern= / ?visit=), scoped."""
    data = request.POST if request.method == "POST" else request.GET
    sources = {}
    concern_id = data.get("source_concern") or data.get("concern")
    visit_id = data.get("source_visit") or data.get("visit")
    if concern_id:
        sources["source_concern"] = page_selectors.source_concern(user=request.user, pk=concern_id)
    if visit_id:
        sources["source_visit"] = page_selectors.source_visit(user=request.user, pk=visit_id)
    return sources


def _cell_options(cells, current) -> list:
    options = list(cells[:CELL_OPTIONS_LIMIT])
    if current is not None and all(option.pk != current.pk for option in options):
        options.insert(0, current)
    return options


@login_required
def case_create(request):
    cells = selectors.cells_for_new_case(user=request.user)
    sources = _sources(request)
    concern, visit = sources.get("source_concern"), sources.get("source_visit")
    code = (
        request.POST.get("grid_cell")
        if request.method == "POST"
        else request.GET.get("cell") or request.GET.get("grid_cell")
    )
    cell = None
    if code:
        cell = cells.filter(code=code).first()
        if cell is None:  # out of reach: not found, whoever asks
            raise Http404("No such grid cell in your area.")
    elif visit is not None:
        cell = cells.filter(pk=visit.grid_cell_id).first()
    elif concern is not None and concern.grid_cell_id:
        cell = cells.filter(pk=concern.grid_cell_id).first()
    if cell is None and request.method != "POST":
        cell = cells.first()
    if cell is None and not cells.exists():
        return render(request, "disputes/case_form.html", {"no_cells": True}, status=403)

    fixed_source = DisputeSource.VISIT if visit else DisputeSource.CONCERN if concern else None
    initial = {"grid_cell": cell.code if cell else ""}
    if fixed_source:
        initial["source"] = fixed_source
    if concern is not None:
        initial["summary"] = concern.description
    if visit is not None and visit.findings:
        initial["summary"] = visit.findings
    form = forms.CaseCreateForm(
        _posted(request),
        user=request.user,
        cells=cells,
        fixed_source=fixed_source,
        initial=initial,
    )
    party_errors: list[str] = []
    if request.method == "POST":
        resident_rows, outside_rows = forms.posted_parties(request.POST)
    else:
        # From a visit, the residents met are offered as the parties.
        roles = [PartyRole.APPLICANT, PartyRole.RESPONDENT]
        resident_rows = [
            {"id": resident.pk, "role": roles[i] if i < len(roles) else PartyRole.OTHER}
            for i, resident in enumerate(getattr(visit, "met", []))
        ]
        outside_rows = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case = services.case_create(
                actor=request.user,
                grid_cell=data["grid_cell"],
                category=data["category"],
                summary=data["summary"],
                parties=forms.party_inputs(resident_rows, outside_rows),
                source=data["source"],
                severity=data["severity"],
                address=data["address"],
                source_detail=data["source_detail"],
                source_concern=concern,
                source_visit=visit,
                threats=data["threats"],
                weapons=data["weapons"],
                repeated_conflict=data["repeated_conflict"],
                vulnerable_party=data["vulnerable_party"],
                officer=data.get("officer"),
            )
        except ValidationError as error:
            party_errors = _apply_errors(form, error)["parties"]
        except PermissionDenied as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request, _("Dispute case %(ref)s registered.") % {"ref": case.reference}
            )
            return redirect("disputes:case_detail", pk=case.pk)
    chosen = page_selectors.residents_chosen(
        user=request.user, grid_cell=cell, ids=[row["id"] for row in resident_rows]
    )
    resident_parties = [
        {**row, "resident": chosen[row["id"]]} for row in resident_rows if row["id"] in chosen
    ]
    return render(
        request,
        "disputes/case_form.html",
        {
            "form": form,
            "cell": cell,
            "cells": _cell_options(cells, cell),
            "concern": concern,
            "visit": visit,
            "resident_parties": resident_parties,
            "outside_parties": [*outside_rows, {"name": "", "phone": "", "role": ""}],
            "party_errors": party_errors,
            "roles": PartyRole.choices,
            "officers": page_selectors.station_officers(user=request.user)[:SUGGESTIONS],
        },
        status=400 if request.method == "POST" else 200,
    )


# --- The case page --------------------------------------------------------------------------
def _event_lines(event) -> list[str]:
    """The details of a timeline entry as short lines."""
    details = event.details or {}
    lines = []
    if event.kind == EventKind.EDITED and details.get("fields"):
        before, after = details.get("before", {}), details.get("after", {})
        for name in details["fields"]:
            lines.append(
                _("%(field)s: %(before)s → %(after)s")
                % {
                    "field": _field_label(name),
                    "before": before.get(name, ""),
                    "after": after.get(name, ""),
                }
            )
    labels = {
        "party_added": _("Party added"),
        "party_removed": _("Party removed"),
        "escalation_level": _("Escalated to"),
        "referral_kind": _("Referred to"),
        "referral_body": _("Receiving body"),
        "referred_station": _("Receiving station"),
        "referral_ended": _("Referral ended"),
        "resolution": _("Resolution"),
        "fault": _("What was wrong"),
        "station": _("Station"),
        "place": _("Place"),
        "held_on": _("Held on"),
        "due_on": _("Was due on"),
    }
    for key, label in labels.items():
        if details.get(key):
            value = details[key]
            if key in ("party_added", "party_removed") and details.get("role"):
                value = f"{value} ({details['role']})"
            lines.append(f"{label}: {value}")
    if "agreement_reached" in details:
        lines.append(_("Agreement reached") if details["agreement_reached"] else _("No agreement"))
    if details.get("users"):
        lines.append(_("People: %(names)s") % {"names": ", ".join(details["users"])})
    if details.get("earlier"):
        lines.append(
            _("Earlier cases: %(refs)s")
            % {"refs": ", ".join(f"D{pk:06d}" for pk in details["earlier"])}
        )
    return lines


def _field_label(name: str) -> str:
    from disputes.models import DisputeCase

    try:
        return str(DisputeCase._meta.get_field(name).verbose_name)
    except Exception:  # an unknown name is shown as it is
        return name


@login_required
def case_detail(request, pk):
    case = selectors.case_get(user=request.user, pk=pk)
    can_act = selectors.case_can_act(user=request.user, case=case)
    timeline = list(selectors.case_timeline(case=case))
    for event in timeline:
        event.lines = _event_lines(event)
    return render(
        request,
        "disputes/case_detail.html",
        {
            "case": case,
            "can_act": can_act,
            "moves": [
                (stage, Stage(stage).label) for stage in services.allowed_moves(case, request.user)
            ]
            if can_act
            else [],
            "parties": list(selectors.case_parties(case=case)),
            "sessions": list(selectors.case_sessions(case=case)),
            "timeline": timeline,
            "repeats": selectors.case_repeats(user=request.user, case=case),
            "today": timezone.localdate(),
            "roles": PartyRole.choices,
            "may_record_session": can_act and case.stage in services.MEDIATION_STAGES,
        },
    )


def _case_values(case) -> dict:
    values = {name: getattr(case, name) for name in services.EDITABLE_FIELDS if name != "officer"}
    values["officer"] = case.officer.username
    values["version"] = case.version
    return values


@login_required
def case_update(request, pk):
    case = selectors.case_actionable(user=request.user, pk=pk)
    form = forms.CaseUpdateForm(
        _posted(request), user=request.user, case=case, initial=_case_values(case)
    )
    stale, current = [], None
    if request.method == "POST" and form.is_valid():
        try:
            services.case_update(
                case=case,
                actor=request.user,
                expected_version=form.cleaned_data["version"],
                **form.service_changes(),
            )
        except ValidationError as error:
            stale = _apply_errors(form, error)["stale"]
        except PermissionDenied as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Case saved."))
            return redirect("disputes:case_detail", pk=case.pk)
    if stale:
        # Keep what the user typed, and show what the case says now.
        current = selectors.case_get(user=request.user, pk=case.pk)
    return render(
        request,
        "disputes/case_update.html",
        {
            "form": form,
            "case": current or case,
            "stale": stale,
            "current": current,
            "version": current.version if current else form["version"].value(),
            "officers": page_selectors.station_officers(user=request.user)[:SUGGESTIONS],
        },
        status=409 if stale else 400 if request.method == "POST" else 200,
    )


@login_required
def case_transition(request, pk, stage=None):
    case = selectors.case_actionable(user=request.user, pk=pk)
    target = stage or request.GET.get("to") or request.POST.get("to_stage") or ""
    if target not in Stage.values:
        raise Http404("No such stage.")
    move = workflow.move_for(case.stage, target)
    illegal = None
    if move is None:
        illegal = _("A case cannot go from %(from)s to %(to)s.") % {
            "from": Stage(case.stage).label,
            "to": Stage(target).label,
        }
        if target == case.stage:
            illegal = _("The case is already at %(stage)s.") % {"stage": Stage(case.stage).label}
    allowed = services.allowed_moves(case, request.user)
    form = forms.TransitionForm(
        _posted(request),
        move=move or workflow.Move(reason_required=False),
        user=request.user,
        stations=page_selectors.referral_stations(case=case)
        if move and move.needs_referral
        else None,
        initial={
            "version": case.version,
            "accountable_officer": case.officer.username,
            "escalation_level": "station",
        },
    )
    stale, refused, status = [], None, 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.case_transition(
                    case=case,
                    to_stage=target,
                    actor=request.user,
                    expected_version=form.cleaned_data["version"],
                    **form.service_values(),
                )
            except ValidationError as error:
                stale = _apply_errors(form, error)["stale"]
                status = 409 if stale else 400
            except PermissionDenied as error:
                refused, status = str(error), 403
            else:
                messages.success(
                    request, _("The case is now at %(stage)s.") % {"stage": Stage(target).label}
                )
                return redirect("disputes:case_detail", pk=case.pk)
    elif move is not None and target not in allowed:
        refused = _("This step is not yours to take.")
    return render(
        request,
        "disputes/case_transition.html",
        {
            "form": form,
            "case": case,
            "target": target,
            "target_label": Stage(target).label,
            "move": move,
            "illegal": illegal,
            "refused": refused,
            "stale": stale,
            "officers": page_selectors.station_officers(user=request.user)[:SUGGESTIONS]
            if move and move.needs_accountability
            else [],
        },
        status=status,
    )


# --- Mediation sessions ---------------------------------------------------------------------
@login_required
def session_create(request, pk):
    case = selectors.case_actionable(user=request.user, pk=pk)
    form = forms.SessionForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        initial={"version": case.version, "held_on": timezone.localdate()},
    )
    stale = []
    if request.method == "POST" and form.is_valid():
        try:
            services.mediation_session_add(
                case=case,
                actor=request.user,
                expected_version=form.cleaned_data["version"],
                **form.service_values(),
            )
        except ValidationError as error:
            stale = _apply_errors(form, error)["stale"]
        else:
            messages.success(request, _("Mediation session recorded."))
            return redirect("disputes:case_detail", pk=case.pk)
    return render(
        request,
        "disputes/session_form.html",
        {
            "form": form,
            "case": case,
            "stale": stale,
            "in_mediation": case.stage in services.MEDIATION_STAGES,
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
def session_agreement(request, pk):
    session = page_selectors.session_get(user=request.user, pk=pk)
    if not session.agreement_file:
        raise Http404("This session has no agreement file.")
    return agreement_response(session, as_attachment=False)


# --- Parties --------------------------------------------------------------------------------
@login_required
@require_POST
def party_add(request, pk):
    case = selectors.case_actionable(user=request.user, pk=pk)
    form = forms.PartyAddForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the party's role and name a resident or a person."))
    else:
        try:
            party = services.case_party_add(
                case=case,
                actor=request.user,
                party=form.party(),
                expected_version=form.cleaned_data.get("version"),
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request, _("%(name)s added as a party.") % {"name": party.display_name}
            )
    return redirect(f"{case.get_absolute_url()}#parties")


@login_required
@require_POST
def party_remove(request, pk, party_pk):
    case = selectors.case_actionable(user=request.user, pk=pk)
    try:
        services.case_party_remove(
            case=case,
            actor=request.user,
            party_id=party_pk,
            expected_version=int_or_none(request.POST.get("version")),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Party removed."))
    return redirect(f"{case.get_absolute_url()}#parties")
