from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DisputesConfig(AppConfig):
    name = "disputes"
    verbose_name = _("Dispute cases")

    def ready(self) -> None:
        from disputes import proposals  # noqa: F401  (registers the repeated-disputes rule)
        from residents.links import ConcernLink, register_concern_link, register_resident_link

        # The concern page lists the cases made from it and offers to register one; the
        # resident page lists the cases the resident is a party to.
        register_concern_link(
            ConcernLink(
                related_name="disputes",
                label=_("Dispute cases"),
                create_url_name="disputes:case_create",
                create_label=_("Register a dispute case"),
                select_related=("grid_cell",),
            )
        )
        register_resident_link(
            ConcernLink(
                related_name="dispute_parties",
                label=_("Dispute cases"),
                select_related=("case",),
            )
        )
