"""Administration of the register: run records (read-only), snapshots and sign-offs."""

from django.contrib import admin

from risks.register.models import (
    RegisterCurrent,
    RegisterEntry,
    RegisterRollup,
    RegisterRun,
    RegisterRunPart,
    RegisterSignOff,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Snapshots are written by the nightly run only."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class RegisterRunPartInline(admin.TabularInline):
    model = RegisterRunPart
    extra = 0
    can_delete = False
    fields = ("version", "index", "status", "cells", "finished_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(RegisterRun)
class RegisterRunAdmin(ReadOnlyAdmin):
    list_display = (
        "for_date",
        "status",
        "trigger",
        "started_at",
        "finished_at",
        "parts_done",
        "parts_total",
        "cells",
        "points",
        "attempts",
    )
    list_filter = ("status", "trigger")
    date_hierarchy = "for_date"
    readonly_fields = [f.name for f in RegisterRun._meta.fields]
    inlines = [RegisterRunPartInline]


@admin.register(RegisterCurrent)
class RegisterCurrentAdmin(ReadOnlyAdmin):
    list_display = ("run", "switched_at")


@admin.register(RegisterEntry)
class RegisterEntryAdmin(ReadOnlyAdmin):
    list_display = ("run", "grid_cell", "station", "score", "level", "best_score", "worst_score")
    list_filter = ("level",)
    list_select_related = ("run", "grid_cell", "station")
    search_fields = ("grid_cell__code",)
    raw_id_fields = ("run", "grid_cell", "station", "sub_bureau", "officer")


@admin.register(RegisterRollup)
class RegisterRollupAdmin(ReadOnlyAdmin):
    list_display = ("run", "kind", "sub_bureau", "station", "cells", "red", "orange", "mean_score")
    list_filter = ("kind",)
    list_select_related = ("run", "sub_bureau", "station")


@admin.register(RegisterSignOff)
class RegisterSignOffAdmin(ReadOnlyAdmin):
    list_display = ("station", "run", "signed_by", "signed_at")
    list_select_related = ("station", "run", "signed_by")
    readonly_fields = ("run", "station", "signed_by", "signed_at", "comment", "levels_digest")
