from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from grid.models import Station


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
