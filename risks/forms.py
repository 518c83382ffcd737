"""Forms of the risk-point pages. They only collect and type the input; rules live in services
(their ValidationErrors come back onto the field they name, see ``add_service_errors``)."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from grid.models import GridCell, OfficerProfile
from grid.scoping import Tier
from risks.models import (
    Channel,
    LinkKind,
    Measure,
    MeasureStatus,
    RiskCategory,
    RiskPoint,
    RiskStatus,
)
from risks.scoring import Level

FACTOR_CHOICES = [(n, str(n)) for n in range(1, 6)]
ORDERING_CHOICES = [
    ("level", _("Level, highest first")),
    ("review", _("Next review, soonest first")),
    ("residual", _("Residual score, highest first")),
    ("updated", _("Recently updated")),
    ("title", _("Title")),
    ("cell", _("Grid cell")),
]


def officer_users(user):
    """Users with an active officer profile the user may see (not grid workers)."""
    profiles = (
        OfficerProfile.objects.visible_to(user)
        .filter(is_active=True)
        .exclude(tier=Tier.GRID_WORKER)
        .values("user_id")
    )
    return get_user_model().objects.filter(pk__in=profiles, is_active=True)


class OfficerField(forms.ModelChoiceField):
    """An officer by username, typed (with suggestions) rather than picked from a huge list."""

    widget = forms.TextInput(attrs={"list": "officer-suggestions", "autocomplete": "off"})

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("to_field_name", "username")
        kwargs.setdefault(
            "error_messages",
            {"invalid_choice": _("No officer with this username in your area.")},
        )
        super().__init__(get_user_model().objects.none(), *args, **kwargs)


class RiskPointFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    level = forms.ChoiceField(
        label=_("Level"), required=False, choices=[("", _("All levels")), *Level.choices]
    )
    category = forms.ChoiceField(
        label=_("Category"),
        required=False,
        choices=[("", _("All categories")), *RiskCategory.choices],
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("open", _("Open")), ("", _("All")), *RiskStatus.choices],
    )
    cell = forms.CharField(label=_("Grid cell code"), required=False, max_length=40)
    officer = forms.CharField(label=_("Responsible officer (username)"), required=False)
    mine = forms.BooleanField(label=_("Mine only"), required=False)
    overdue = forms.BooleanField(label=_("Review overdue"), required=False)
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=ORDERING_CHOICES)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_officer(self):
        username = self.cleaned_data.get("officer", "").strip()
        if not username:
            return None
        officer = officer_users(self.user).filter(username=username).only("pk").first()
        if officer is None:
            raise ValidationError(_("No officer with this username in your area."))
        return officer.pk

    def cleaned_filters(self) -> dict:
        data = self.cleaned_data
        owner_id = self.user.pk if data.get("mine") else data.get("officer")
        return {
            "search": data.get("q") or "",
            "level": data.get("level") or "",
            "category": data.get("category") or "",
            "status": data.get("status") if "status" in self.data else "open",
            "grid_cell_code": (data.get("cell") or "").strip(),
            "owner_id": owner_id,
            "overdue": bool(data.get("overdue")),
            "ordering": data.get("sort") or "level",
        }


def _ids(value: str, *, field: str) -> list[str]:
    items = [
        item.strip() for item in (value or "").replace("\uff0c", ",").split(",") if item.strip()
    ]
    return items


class RiskPointForm(forms.Form):
    grid_cell = forms.ModelChoiceField(
        label=_("Grid cell (code)"),
        queryset=GridCell.objects.none(),
        to_field_name="code",
        widget=forms.TextInput(attrs={"list": "cell-suggestions", "autocomplete": "off"}),
        error_messages={"invalid_choice": _("No grid cell with this code where you may act.")},
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea)
    category = forms.ChoiceField(label=_("Category"), choices=RiskCategory.choices)
    channel = forms.ChoiceField(label=_("Identification channel"), choices=Channel.choices)
    inherent_likelihood = forms.TypedChoiceField(
        label=_("Inherent likelihood"), choices=FACTOR_CHOICES, coerce=int
    )
    inherent_severity = forms.TypedChoiceField(
        label=_("Inherent severity"), choices=FACTOR_CHOICES, coerce=int
    )
    residual_likelihood = forms.TypedChoiceField(
        label=_("Residual likelihood"),
        choices=[("", _("Same as inherent")), *FACTOR_CHOICES],
        coerce=int,
        required=False,
        empty_value=None,
    )
    residual_severity = forms.TypedChoiceField(
        label=_("Residual severity"),
        choices=[("", _("Same as inherent")), *FACTOR_CHOICES],
        coerce=int,
        required=False,
        empty_value=None,
    )
    owner = OfficerField(
        label=_("Responsible officer (username)"),
        required=False,
        help_text=_("Empty: the grid cell's responsible officer."),
    )
    latitude = forms.DecimalField(
        label=_("Latitude"),
        required=False,
        max_digits=9,
        decimal_places=6,
        min_value=-90,
        max_value=90,
    )
    longitude = forms.DecimalField(
        label=_("Longitude"),
        required=False,
        max_digits=9,
        decimal_places=6,
        min_value=-180,
        max_value=180,
    )
    households = forms.CharField(
        label=_("Households involved (household numbers, comma-separated)"),
        required=False,
        max_length=2000,
    )
    residents = forms.CharField(
        label=_("Residents involved (resident numbers, comma-separated)"),
        required=False,
        max_length=2000,
    )

    def __init__(self, *args, user, risk_point: RiskPoint | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["grid_cell"].queryset = GridCell.objects.actionable_by(user)
        self.fields["owner"].queryset = officer_users(user)
        if risk_point is not None:
            # The grid cell of a risk point is fixed; other fields are edited.
            del self.fields["grid_cell"]

    def clean_households(self):
        from residents.models import Household

        numbers = _ids(self.cleaned_data.get("households"), field="households")
        if not numbers:
            return []
        found = list(
            Household.objects.visible_to(self.user)
            .select_related("grid_cell__community")
            .filter(number__in=numbers)
        )
        missing = sorted(set(numbers) - {household.number for household in found})
        if missing:
            raise ValidationError(
                _("Not found in your area: %(items)s") % {"items": ", ".join(missing)}
            )
        return found

    def clean_residents(self):
        from residents.models import Resident

        numbers = _ids(self.cleaned_data.get("residents"), field="residents")
        if not numbers:
            return []
        if not all(number.isdigit() for number in numbers):
            raise ValidationError(_("Resident numbers are whole numbers."))
        found = list(
            Resident.objects.visible_to(self.user)
            .select_related("grid_cell__community")
            .filter(pk__in=[int(n) for n in numbers])
        )
        missing = sorted(set(numbers) - {str(resident.pk) for resident in found})
        if missing:
            raise ValidationError(
                _("Not found in your area: %(items)s") % {"items": ", ".join(missing)}
            )
        return found

    def service_values(self) -> dict:
        data = dict(self.cleaned_data)
        data["involved_households"] = data.pop("households", [])
        data["involved_residents"] = data.pop("residents", [])
        return data


class ReviewForm(forms.Form):
    inherent_likelihood = forms.TypedChoiceField(
        label=_("Inherent likelihood"), choices=FACTOR_CHOICES, coerce=int
    )
    inherent_severity = forms.TypedChoiceField(
        label=_("Inherent severity"), choices=FACTOR_CHOICES, coerce=int
    )
    residual_likelihood = forms.TypedChoiceField(
        label=_("Residual likelihood"), choices=FACTOR_CHOICES, coerce=int
    )
    residual_severity = forms.TypedChoiceField(
        label=_("Residual severity"), choices=FACTOR_CHOICES, coerce=int
    )
    reviewed_on = forms.DateField(
        label=_("Reviewed on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    note = forms.CharField(
        label=_("What was found"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )


class TransitionForm(forms.Form):
    to_status = forms.ChoiceField(label=_("New status"), choices=RiskStatus.choices)
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        help_text=_("Needed to close, to reopen and to go back a step."),
    )

    def __init__(self, *args, allowed: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_status"].choices = [
            (value, label) for value, label in RiskStatus.choices if value in allowed
        ]


class MeasureForm(forms.Form):
    description = forms.CharField(label=_("Measure"), max_length=300)
    owner = OfficerField(
        label=_("Owner (username)"),
        required=False,
        help_text=_("Empty: the risk point's responsible officer."),
    )
    due_on = forms.DateField(
        label=_("Due on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Empty: the latest date the risk's level allows."),
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = officer_users(user)


class MeasureUpdateForm(MeasureForm):
    status = forms.ChoiceField(label=_("Status"), choices=MeasureStatus.choices)
    completed_on = forms.DateField(
        label=_("Completed on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, measure: Measure, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].required = True
        self.fields["due_on"].required = True
        self.fields["due_on"].help_text = ""
        self.fields["owner"].help_text = ""


class LinkForm(forms.Form):
    DIRECTIONS = [
        ("out", _("This risk point → the other")),
        ("in", _("The other → this risk point")),
    ]
    other = forms.IntegerField(
        label=_("Other risk point (number)"),
        min_value=1,
        widget=forms.NumberInput(attrs={"list": "risk-suggestions"}),
    )
    direction = forms.ChoiceField(label=_("Direction"), choices=DIRECTIONS, initial="out")
    kind = forms.ChoiceField(label=_("Kind"), choices=LinkKind.choices)
    strength = forms.DecimalField(
        label=_("Strength (0 to 1)"), min_value=0, max_value=1, decimal_places=2, initial="0.5"
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=300)


class ProposalAcceptForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    owner = OfficerField(
        label=_("Responsible officer (username)"),
        required=False,
        help_text=_("Empty: the grid cell's responsible officer."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = officer_users(user)


class ProposalDismissForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for dismissal"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )


class MapFilterForm(forms.Form):
    station = forms.ModelChoiceField(
        label=_("Police station"), queryset=None, required=False, to_field_name="code"
    )

    def __init__(self, *args, stations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["station"].queryset = stations
        self.fields["station"].empty_label = _("My whole area")
