"""Administration of dispute cases (administrators; not scoped).

The procedure goes through ``disputes.services``: the stage and everything a transition sets
are read-only here, and the timeline, parties, sessions and repeat links are shown, not edited.
Party phones are masked like everywhere else (``residents.masking``).
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from disputes import workflow
from disputes.models import (
    DisputeCase,
    DisputeEvent,
    DisputeParty,
    DisputeRepeat,
    MediationSession,
)

# Set by the procedure (case_transition, the daily job, repeat detection), never by hand.
PROCEDURE_FIELDS = (
    "stage",
    "stage_entered_at",
    "stage_due_on",
    "overdue_escalated_at",
    "escalation_level",
    "referral_kind",
    "referral_body",
    "referred_station",
    "resolution",
    "resolved_on",
    "closed_on",
    "reopen_count",
    "escalation_risk",
    "version",
    "created_by",
    "created_at",
    "updated_by",
    "updated_at",
)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class DisputePartyInline(ReadOnlyInline):
    model = DisputeParty
    fields = ("role", "resident", "name", "masked_phone_number")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("resident")

    @admin.display(description=_("phone"))
    def masked_phone_number(self, obj):
        return obj.masked_phone


class MediationSessionInline(ReadOnlyInline):
    model = MediationSession
    fields = ("held_on", "place", "participants", "agreement_reached", "outcome", "recorded_by")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("recorded_by")


class DisputeEventInline(ReadOnlyInline):
    model = DisputeEvent
    fields = ("at", "kind", "from_stage", "to_stage", "actor", "reason", "accountable_officer")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor", "accountable_officer")


@admin.register(DisputeCase)
class DisputeCaseAdmin(SimpleHistoryAdmin):
    list_display = (
        "reference",
        "category",
        "stage",
        "stage_due_on",
        "escalation_risk",
        "grid_cell",
        "officer",
        "created_at",
    )
    list_filter = ("stage", "category", "escalation_risk", "severity", "source")
    list_select_related = ("grid_cell", "officer")
    search_fields = ("summary",)
    ordering = ("-created_at",)  # on its index; the model's deadline order sorts every case
    show_full_result_count = False  # no second COUNT over a city's cases
    raw_id_fields = ("grid_cell", "officer", "source_concern", "source_visit")
    readonly_fields = ("reference", *PROCEDURE_FIELDS)
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "reference",
                    "grid_cell",
                    "category",
                    "summary",
                    "address",
                    "severity",
                    "officer",
                )
            },
        ),
        (
            _("Source"),
            {"fields": ("source", "source_concern", "source_visit", "source_detail")},
        ),
        (
            _("Escalation risk"),
            {
                "fields": (
                    "threats",
                    "weapons",
                    "repeated_conflict",
                    "vulnerable_party",
                    "escalation_risk",
                )
            },
        ),
        (
            _("Procedure"),
            {
                "description": _(
                    "The stage changes only through the case page or the API, which record "
                    "who moved the case and why."
                ),
                "fields": tuple(name for name in PROCEDURE_FIELDS if name != "escalation_risk"),
            },
        ),
    )
    inlines = (DisputePartyInline, MediationSessionInline, DisputeEventInline)
    # The history page shows who changed what; the stage is not among the reverted fields.
    history_list_display = ("stage", "version")

    def get_search_results(self, request, queryset, search_term):
        """A reference (D000123) or number finds that case by its key; other text searches
        the summaries."""
        digits = search_term.strip().upper().removeprefix("D")
        if digits.isdigit():
            return queryset.filter(pk=int(digits)), False
        return super().get_search_results(request, queryset, search_term)

    def save_model(self, request, obj, form, change):
        """A change by hand keeps the derived fields right and bumps the version, so an open
        form on the portal is told the case changed."""
        obj.address_key = workflow.address_key(obj.address)
        obj.escalation_risk = workflow.escalation_risk_for(
            severity=obj.severity,
            threats=obj.threats,
            weapons=obj.weapons,
            repeated_conflict=obj.repeated_conflict,
            vulnerable_party=obj.vulnerable_party,
        )
        obj.updated_by = request.user
        if change:
            obj.version += 1
        obj._change_reason = "admin"
        super().save_model(request, obj, form, change)

    def has_add_permission(self, request):
        return False  # cases are registered on the portal (case_create: parties, repeats)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(MediationSession)
class MediationSessionAdmin(ReadOnlyAdmin):
    list_display = ("case", "held_on", "place", "agreement_reached", "recorded_by")
    list_filter = ("agreement_reached",)
    list_select_related = ("case", "recorded_by")
    search_fields = ("place", "participants")
    ordering = ("-pk",)
    show_full_result_count = False


@admin.register(DisputeRepeat)
class DisputeRepeatAdmin(ReadOnlyAdmin):
    list_display = ("case", "earlier", "reason", "created_at")
    list_filter = ("reason",)
    list_select_related = ("case", "earlier")
    ordering = ("-pk",)
    show_full_result_count = False
