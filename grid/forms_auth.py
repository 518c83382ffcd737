from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


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
