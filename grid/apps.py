from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GridConfig(AppConfig):
    name = "grid"
    verbose_name = _("Tiers and grid cells")

    def ready(self) -> None:
        from residents.links import ConcernLink, register_concern_link, register_resident_link

        # The concern page lists the follow-up visits made for it and offers to log one; the
        # resident page lists the visits that met the resident.
        register_concern_link(
            ConcernLink(
                related_name="visits",
                label=_("Visits"),
                create_url_name="visit_create",
                create_label=_("Log a follow-up visit"),
                select_related=("grid_cell",),
            )
        )
        register_resident_link(
            ConcernLink(related_name="visits", label=_("Visits"), select_related=("grid_cell",))
        )
