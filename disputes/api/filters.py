"""API filters of dispute cases (django-filter).

The filter set only declares and validates the query parameters (so they are checked, named in
errors and described in the OpenAPI schema); the list itself is built by
``disputes.selectors.case_list``, the same read the pages use, scoped to the caller."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from disputes import selectors
from disputes.models import DisputeCase, DisputeCategory, EscalationRisk, Stage

ORDERING_CHOICES = [
    ("due", _("Overdue first, then the nearest deadline")),
    ("risk", _("Highest escalation risk first")),
    ("newest", _("Newest first")),
    ("updated", _("Last changed first")),
]


class DisputeCaseFilterSet(django_filters.FilterSet):
    stage = django_filters.ChoiceFilter(choices=Stage.choices, method="_noop", label=_("stage"))
    open = django_filters.BooleanFilter(method="_noop", label=_("Open cases only"))
    overdue = django_filters.BooleanFilter(method="_noop", label=_("Overdue cases only"))
    category = django_filters.ChoiceFilter(
        choices=DisputeCategory.choices, method="_noop", label=_("category")
    )
    escalation_risk = django_filters.ChoiceFilter(
        choices=EscalationRisk.choices, method="_noop", label=_("escalation risk")
    )
    officer = django_filters.NumberFilter(method="_noop", label=_("Responsible officer (user id)"))
    grid_cell = django_filters.CharFilter(method="_noop", label=_("Grid cell code"))
    station = django_filters.NumberFilter(method="_noop", label=_("Police station (id)"))
    search = django_filters.CharFilter(
        method="_noop", label=_("Reference, summary, address or a party's name")
    )
    ordering = django_filters.ChoiceFilter(
        choices=ORDERING_CHOICES, method="_noop", label=_("Order")
    )

    class Meta:
        model = DisputeCase
        fields: list[str] = []

    def _noop(self, queryset, name, value):
        return queryset

    def filter_queryset(self, queryset):
        """Ignore the view's base queryset: ``case_list`` scopes and filters in one place."""
        data = self.form.cleaned_data
        officer, station = data.get("officer"), data.get("station")
        return selectors.case_list(
            user=self.request.user,
            stage=data.get("stage") or "",
            open_only=bool(data.get("open")),
            overdue_only=bool(data.get("overdue")),
            category=data.get("category") or "",
            escalation_risk=data.get("escalation_risk") or "",
            officer_id=int(officer) if officer else None,
            grid_cell_code=(data.get("grid_cell") or "").strip(),
            station_id=int(station) if station else None,
            query=data.get("search") or "",
            ordering=data.get("ordering") or "due",
        )
