from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RisksConfig(AppConfig):
    name = "risks"
    verbose_name = _("Risk points and registers")

    def ready(self) -> None:
        from residents.links import ConcernLink, register_concern_link, register_resident_link

        # The concern page lists the risk points made from it and offers to create one; the
        # resident page lists the risk points the resident is involved in.
        register_concern_link(
            ConcernLink(
                related_name="risk_points",
                label=_("Risk points"),
                create_url_name="risk_point_create",
                create_label=_("Record a risk point"),
            )
        )
        register_resident_link(ConcernLink(related_name="risk_points", label=_("Risk points")))
