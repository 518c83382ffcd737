"""Admin for residents and concerns: personal data masked in lists and forms."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from residents.models import (
    Concern,
    ConcernNote,
    Household,
    ImportJob,
    PersonalDataAccess,
    Resident,
    Tag,
)


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "visit_every_days")
    list_filter = ("kind",)


@admin.register(Household)
class HouseholdAdmin(admin.ModelAdmin):
    list_display = ("number", "address", "grid_cell")
    search_fields = ("number", "address")
    raw_id_fields = ("grid_cell",)


@admin.register(Resident)
class ResidentAdmin(admin.ModelAdmin):
    list_display = ("name", "masked_id", "masked_phone_number", "grid_cell", "household")
    list_select_related = ("grid_cell", "household")
    search_fields = ("name",)
    list_filter = ("tags",)
    # Full ID numbers and phones are never shown here: use the recorded reveal on the portal.
    exclude = ("id_number", "phone")
    readonly_fields = ("masked_id", "masked_phone_number", "birth_date", "sex")
    raw_id_fields = ("grid_cell", "household")
    filter_horizontal = ("tags",)

    @admin.display(description=_("resident ID number"))
    def masked_id(self, obj):
        return obj.masked_id_number

    @admin.display(description=_("phone"))
    def masked_phone_number(self, obj):
        return obj.masked_phone


class ConcernNoteInline(admin.TabularInline):
    model = ConcernNote
    extra = 0
    raw_id_fields = ("author",)


@admin.register(Concern)
class ConcernAdmin(admin.ModelAdmin):
    list_display = (
        "reference",
        "category",
        "station",
        "community",
        "grid_cell",
        "status",
        "created_at",
        "acknowledge_by",
        "assigned_to",
    )
    list_filter = ("status", "category", "station")
    list_select_related = ("station", "community", "grid_cell", "assigned_to")
    exclude = ("tracking_code", "contact_phone")
    readonly_fields = ("masked_contact", "created_at", "acknowledge_by")
    raw_id_fields = ("station", "community", "grid_cell", "assigned_to")
    inlines = [ConcernNoteInline]

    @admin.display(description=_("phone"))
    def masked_contact(self, obj):
        return obj.masked_contact_phone


@admin.register(PersonalDataAccess)
class PersonalDataAccessAdmin(admin.ModelAdmin):
    list_display = ("created_at", "actor", "action", "resident_count", "reason", "station")
    list_filter = ("action", "station")
    list_select_related = ("actor", "station")
    raw_id_fields = ("actor", "residents", "station", "sub_bureau")

    def has_change_permission(self, request, obj=None):
        return False  # the record of access is not edited

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ("original_name", "uploaded_by", "status", "total_rows", "created_at")
    list_filter = ("status",)
    exclude = ("content",)
    readonly_fields = ("errors",)
