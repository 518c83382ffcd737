"""Administration of the risk-point inventory (administrators; not scoped)."""

from django.contrib import admin
from guardian.admin import GuardedModelAdmin
from simple_history.admin import SimpleHistoryAdmin

from risks.models import (
    Measure,
    RiskLink,
    RiskPoint,
    RiskProposal,
    RiskReview,
    RiskStatusChange,
)


class MeasureInline(admin.TabularInline):
    model = Measure
    extra = 0
    fields = ["description", "owner", "due_on", "status", "completed_on"]
    autocomplete_fields = ["owner"]


@admin.register(RiskPoint)
class RiskPointAdmin(GuardedModelAdmin, SimpleHistoryAdmin):
    """Guarded: administrators grant one risk point to an officer of another station (links
    across stations need the right to act on both points)."""

    list_display = [
        "id",
        "title",
        "grid_cell",
        "category",
        "inherent_level",
        "residual_level",
        "status",
        "owner",
        "next_review_on",
    ]
    list_filter = ["inherent_level", "status", "category", "channel"]
    search_fields = ["title", "grid_cell__code"]
    list_select_related = ["grid_cell", "owner"]
    raw_id_fields = [
        "grid_cell",
        "source_concern",
        "source_visit",
        "involved_residents",
        "involved_households",
    ]
    autocomplete_fields = ["owner"]
    readonly_fields = [
        "inherent_score",
        "inherent_level",
        "residual_score",
        "residual_level",
        "created_by",
        "created_at",
    ]
    inlines = [MeasureInline]


@admin.register(Measure)
class MeasureAdmin(SimpleHistoryAdmin):
    list_display = ["id", "description", "risk_point", "owner", "due_on", "status"]
    list_filter = ["status"]
    search_fields = ["description"]
    list_select_related = ["risk_point", "owner"]
    raw_id_fields = ["risk_point"]
    autocomplete_fields = ["owner"]


@admin.register(RiskLink)
class RiskLinkAdmin(SimpleHistoryAdmin):
    list_display = ["id", "source", "target", "kind", "strength"]
    list_filter = ["kind"]
    list_select_related = ["source", "target"]
    raw_id_fields = ["source", "target"]


@admin.register(RiskReview)
class RiskReviewAdmin(admin.ModelAdmin):
    list_display = ["id", "risk_point", "reviewed_on", "reviewer", "level_before", "level_after"]
    list_select_related = ["risk_point", "reviewer"]
    raw_id_fields = ["risk_point"]


@admin.register(RiskStatusChange)
class RiskStatusChangeAdmin(admin.ModelAdmin):
    list_display = ["id", "risk_point", "from_status", "to_status", "actor", "changed_at"]
    list_select_related = ["risk_point", "actor"]
    raw_id_fields = ["risk_point"]


@admin.register(RiskProposal)
class RiskProposalAdmin(admin.ModelAdmin):
    list_display = ["id", "title", "grid_cell", "rule", "as_of", "status"]
    list_filter = ["status", "rule"]
    list_select_related = ["grid_cell"]
    raw_id_fields = ["grid_cell", "risk_point"]
