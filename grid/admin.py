"""Administration of units, accounts and roles (for administrators; not scoped)."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _
from guardian.admin import GuardedModelAdmin
from simple_history.admin import SimpleHistoryAdmin

from grid.models import (
    Community,
    GridAssignment,
    GridCell,
    GridVisit,
    OfficerProfile,
    Station,
    SubBureau,
    VisitPhoto,
)


@admin.register(SubBureau)
class SubBureauAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "phone"]
    search_fields = ["code", "name"]


@admin.register(Station)
class StationAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "sub_bureau", "phone"]
    list_filter = ["sub_bureau"]
    search_fields = ["code", "name", "sub_bureau__name"]
    list_select_related = ["sub_bureau"]
    autocomplete_fields = ["sub_bureau"]


@admin.register(Community)
class CommunityAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "station"]
    list_filter = ["station__sub_bureau", "station"]
    search_fields = ["code", "name", "station__name"]
    list_select_related = ["station"]
    autocomplete_fields = ["station"]


class GridAssignmentInline(admin.TabularInline):
    model = GridAssignment
    fk_name = "grid_cell"
    extra = 0
    fields = ["officer", "role", "valid_from", "valid_to", "assigned_by", "reason"]
    readonly_fields = ["assigned_by"]
    autocomplete_fields = ["officer"]
    ordering = ["-valid_from"]


@admin.register(GridCell)
class GridCellAdmin(GuardedModelAdmin, SimpleHistoryAdmin):
    """Guarded: administrators can grant one cell to an officer of another station."""

    list_display = ["code", "name", "community", "household_count"]
    list_filter = ["community__station__sub_bureau", "community__station"]
    search_fields = ["code", "name", "community__name"]
    list_select_related = ["community"]
    autocomplete_fields = ["community"]
    inlines = [GridAssignmentInline]


@admin.register(OfficerProfile)
class OfficerProfileAdmin(SimpleHistoryAdmin):
    list_display = ["user", "tier", "sub_bureau", "station", "badge_number", "is_active"]
    list_filter = ["tier", "is_active", "sub_bureau", "station__sub_bureau"]
    search_fields = [
        "user__username",
        "user__first_name",
        "user__last_name",
        "badge_number",
        "station__name",
    ]
    list_select_related = ["user", "sub_bureau", "station"]
    autocomplete_fields = ["user", "sub_bureau", "station"]


@admin.register(GridAssignment)
class GridAssignmentAdmin(admin.ModelAdmin):
    list_display = ["grid_cell", "officer", "role", "valid_from", "valid_to", "assigned_by"]
    list_filter = ["role", "grid_cell__community__station"]
    search_fields = [
        "grid_cell__code",
        "grid_cell__name",
        "officer__username",
        "officer__last_name",
    ]
    list_select_related = ["grid_cell", "officer", "assigned_by"]
    autocomplete_fields = ["grid_cell", "officer"]
    date_hierarchy = "valid_from"


class OfficerProfileInline(admin.StackedInline):
    """An account's tier and unit, edited with the account itself."""

    model = OfficerProfile
    fk_name = "user"
    can_delete = False
    extra = 0
    max_num = 1
    autocomplete_fields = ["sub_bureau", "station"]


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class OfficerUserAdmin(UserAdmin):
    inlines = [OfficerProfileInline]
    list_display = ["username", "last_name", "first_name", "officer_tier", "is_active", "is_staff"]
    list_filter = [*UserAdmin.list_filter, "officer_profile__tier"]
    list_select_related = ["officer_profile"]

    @admin.display(description=_("tier"), ordering="officer_profile__tier")
    def officer_tier(self, user):
        profile = getattr(user, "officer_profile", None)
        return profile.get_tier_display() if profile else "—"


admin.site.site_header = _("Community-policing risk management: administration")
admin.site.site_title = _("Administration")


class VisitPhotoInline(admin.TabularInline):
    model = VisitPhoto
    extra = 0
    fields = ["image", "content_type", "uploaded_at"]
    readonly_fields = ["content_type", "uploaded_at"]


@admin.register(GridVisit)
class GridVisitAdmin(admin.ModelAdmin):
    """Visits; residents met are shown by id only here (their pages mask personal data)."""

    list_display = [
        "visit_date",
        "grid_cell",
        "visit_type",
        "officer",
        "households_reached",
        "created_at",
    ]
    list_filter = ["visit_type", "grid_cell__community__station"]
    search_fields = ["grid_cell__code", "officer__username", "officer__last_name"]
    list_select_related = ["grid_cell", "officer"]
    raw_id_fields = ["grid_cell", "officer", "companions", "residents_met", "source_concern"]
    readonly_fields = ["visit_date", "client_key", "created_at"]
    date_hierarchy = "visit_date"
    inlines = [VisitPhotoInline]
    show_full_result_count = False
