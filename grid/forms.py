from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from grid.models import Station, VisitType
from grid.people import person_name


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's ValidationError on the fields it names (the rest on the form), so every
    page shows a service's refusal next to the field it is about."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            target = name if name in form.fields else None
            for item in errors:
                form.add_error(target, item)
    else:
        for message in error.messages:
            form.add_error(None, message)


class GridCellFilterForm(forms.Form):
    q = forms.CharField(label=_("Code or name"), required=False, max_length=100)
    station = forms.ModelChoiceField(label=_("Police station"), queryset=None, required=False)
    unassigned = forms.BooleanField(label=_("Without a responsible officer"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # Only stations the user may see are offered (and accepted).
        self.fields["station"].queryset = Station.objects.visible_to(user).only("pk", "name")
        self.fields["station"].empty_label = _("All stations")

    def cleaned_filters(self) -> dict:
        data = self.cleaned_data
        return {
            "search": data.get("q") or "",
            "station_id": data["station"].pk if data.get("station") else None,
            "unassigned_only": bool(data.get("unassigned")),
        }


class LoginForm(AuthenticationForm):
    """Django's login form with a message that says what to do, in both languages."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _(
            "The username or password is not correct. After 5 failed attempts in 15 minutes "
            "the account is locked for 15 minutes."
        ),
        "inactive": _("This account is disabled. Ask your administrator."),
    }


# --- Grid visits ----------------------------------------------------------------------------
class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        if not data:
            return []
        files = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(item, initial) for item in files]


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class VisitForm(forms.Form):
    """The phone visit form. Validation of what belongs together is the service's."""

    grid_cell = forms.ModelChoiceField(label=_("Grid cell"), queryset=None, to_field_name="code")
    visit_type = forms.ChoiceField(
        label=_("Type"), choices=VisitType.choices, widget=forms.RadioSelect
    )
    started_at = forms.DateTimeField(
        label=_("Started"), widget=LocalDateTimeInput(), input_formats=["%Y-%m-%dT%H:%M"]
    )
    ended_at = forms.DateTimeField(
        label=_("Ended"), widget=LocalDateTimeInput(), input_formats=["%Y-%m-%dT%H:%M"]
    )
    households_reached = forms.IntegerField(
        label=_("Households reached"),
        min_value=0,
        initial=0,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    residents_met = forms.TypedMultipleChoiceField(
        label=_("Residents met"), coerce=int, required=False, widget=forms.MultipleHiddenInput
    )
    companions = forms.TypedMultipleChoiceField(
        label=_("Companions"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    findings = forms.CharField(
        label=_("Findings"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Problems seen or raised that need follow-up."),
    )
    latitude = forms.DecimalField(
        required=False, max_digits=9, decimal_places=6, widget=forms.HiddenInput
    )
    longitude = forms.DecimalField(
        required=False, max_digits=9, decimal_places=6, widget=forms.HiddenInput
    )
    location_accuracy_m = forms.IntegerField(
        required=False, min_value=0, max_value=100_000, widget=forms.HiddenInput
    )
    photos = MultipleFileField(
        label=_("Photos"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": "image/*"}),
    )
    client_key = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)
    source_concern = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, cells, companions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grid_cell"].queryset = cells
        self.fields["grid_cell"].empty_label = None
        self.fields["companions"].choices = [(user.pk, person_name(user)) for user in companions]
        # Any id is accepted here: the service checks that each resident is in the cell.
        self.fields["residents_met"].choices = [
            (value, value) for value in self._submitted_ids("residents_met")
        ]

    def _submitted_ids(self, name: str) -> list[int]:
        if not self.is_bound:
            return []
        values = self.data.getlist(name) if hasattr(self.data, "getlist") else []
        return [int(value) for value in values if str(value).isdigit()]

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "grid_cell": data["grid_cell"],
            "visit_type": data["visit_type"],
            "started_at": data["started_at"],
            "ended_at": data["ended_at"],
            "households_reached": data["households_reached"],
            "notes": data["notes"],
            "findings": data["findings"],
            "companion_ids": data["companions"],
            "resident_ids": data["residents_met"],
            "latitude": data["latitude"],
            "longitude": data["longitude"],
            "location_accuracy_m": data["location_accuracy_m"],
            "photos": data["photos"],
            "client_key": data["client_key"] or None,
            "source_concern_id": data["source_concern"],
        }


class VisitFilterForm(forms.Form):
    cell = forms.CharField(label=_("Grid cell code"), required=False, max_length=40)
    visit_type = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("", _("All types")), *VisitType.choices]
    )
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    mine = forms.BooleanField(label=_("Only mine"), required=False)


class CoverageFilterForm(forms.Form):
    as_of = forms.DateField(
        label=_("As of"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    station = forms.ModelChoiceField(label=_("Police station"), queryset=None, required=False)
    blind = forms.BooleanField(label=_("Only blind spots"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["station"].queryset = Station.objects.visible_to(user).only("pk", "name")
        self.fields["station"].empty_label = _("All stations")


class GridCellAssignForm(forms.Form):
    officer = forms.ModelChoiceField(label=_("Officer or grid worker"), queryset=None)
    valid_from = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=_("Reason"), max_length=200)

    def __init__(self, *args, profiles, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["officer"].queryset = profiles
        self.fields["officer"].label_from_instance = lambda profile: (
            f"{profile.display_name} · {profile.tier_label}"
        )


def int_or_none(value) -> int | None:
    """A number typed into a query string or a hidden field, or None when it is not one."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
