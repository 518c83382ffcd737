"""Forms of the register pages: the filters and the sign-off."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from grid.models import AssignmentRole, GridAssignment, Station
from grid.people import person_name
from grid.scoping import scope_for
from risks.models import RiskCategory
from risks.register.selectors import DEFAULT_SORT, LEVEL_CHOICES, SORTS

SORT_LABELS = {
    "score": _("Score, highest first"),
    "-score": _("Score, lowest first"),
    "code": _("Grid cell code"),
    "-code": _("Grid cell code, descending"),
    "trend": _("Score 7 days before"),
    "worst": _("Worst case"),
    "overdue": _("Overdue items"),
}


class OfficerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return person_name(obj)


class RegisterFilterForm(forms.Form):
    date = forms.DateField(label=_("Register date"), required=False)
    level = forms.ChoiceField(label=_("Level"), required=False)
    category = forms.ChoiceField(label=_("Risk category"), required=False)
    station = forms.ModelChoiceField(label=_("Police station"), queryset=None, required=False)
    officer = OfficerChoiceField(label=_("Responsible officer"), queryset=None, required=False)
    sort = forms.ChoiceField(label=_("Sort by"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["level"].choices = [("", _("All levels")), *LEVEL_CHOICES]
        self.fields["category"].choices = [("", _("All categories")), *RiskCategory.choices]
        self.fields["sort"].choices = [(key, SORT_LABELS[key]) for key in SORTS]
        self.fields["station"].queryset = Station.objects.visible_to(user).only("pk", "name")
        self.fields["station"].empty_label = _("All stations")
        # Officers responsible for a cell the user may see (one query when rendered). Across
        # a sub-bureau or the city that is hundreds or thousands: pick a station first.
        assignments = GridAssignment.objects.visible_to(user).filter(
            role=AssignmentRole.RESPONSIBLE, valid_to__isnull=True
        )
        station_id = self.data.get("station") if self.is_bound else None
        if station_id and str(station_id).isdigit():
            assignments = assignments.filter(grid_cell__community__station_id=station_id)
        elif scope_for(user).everything or scope_for(user).sub_bureau_ids:
            assignments = assignments.none()
            self.fields["officer"].help_text = _("Choose a police station first.")
        self.fields["officer"].queryset = (
            get_user_model()
            .objects.filter(grid_assignments__in=assignments)
            .distinct()
            .order_by("last_name", "first_name", "username")
        )
        self.fields["officer"].empty_label = _("All officers")

    def cleaned_filters(self) -> dict:
        data = self.cleaned_data
        return {
            "level": data.get("level") or None,
            "category": data.get("category") or None,
            "station_id": data["station"].pk if data.get("station") else None,
            "officer_id": data["officer"].pk if data.get("officer") else None,
            "sort": data.get("sort") or DEFAULT_SORT,
        }


class SignOffForm(forms.Form):
    comment = forms.CharField(
        label=_("Comments"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class RunRequestForm(forms.Form):
    for_date = forms.DateField(label=_("Register date"))
