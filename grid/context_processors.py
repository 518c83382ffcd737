"""Navigation per tier, resolved from the one scoping mechanism."""

from django.utils.translation import gettext_lazy as _

from grid.selectors import user_tier

# (url name, label, tiers that see it)
NAVIGATION = [
    ("home", _("Home"), None),
    ("grid_cell_list", _("Grid cells"), None),
    ("station_list", _("Police stations"), {"superuser", "sub_bureau_staff", "station_chief"}),
    ("officer_list", _("Officers"), {"superuser", "sub_bureau_staff", "station_chief"}),
    ("day", _("My day"), {"community_officer", "grid_worker"}),
    ("visit_list", _("Visits"), None),
    ("coverage", _("Coverage"), {"superuser", "sub_bureau_staff", "station_chief"}),
    ("residents:resident_list", _("Residents"), None),
    ("residents:concern_list", _("Concerns"), None),
    ("risk_point_list", _("Risk points"), None),
    ("risk_map", _("Risk map"), None),
    (
        "residents:access_record_list",
        _("Access records"),
        {"superuser", "sub_bureau_staff", "station_chief"},
    ),
    ("register_list", _("Risk register"), None),
    ("disputes:my_cases", _("My cases"), {"community_officer"}),
    (
        "disputes:board",
        _("Case board"),
        {"superuser", "sub_bureau_staff", "station_chief"},
    ),
    ("disputes:case_list", _("Dispute cases"), None),
]


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    tier = user_tier(user)
    items = [
        {"url_name": name, "label": label}
        for name, label, tiers in NAVIGATION
        if tiers is None or tier in tiers
    ]
    return {"nav_items": items, "user_tier": tier}
