from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegisterConfig(AppConfig):
    """The risk register (风险台账): nightly snapshots of scores per grid cell and their rollups."""

    name = "risks.register"
    label = "risk_register"
    verbose_name = _("Risk register")
