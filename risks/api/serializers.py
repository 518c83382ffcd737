from django.contrib.auth import get_user_model
from rest_framework import serializers

from grid.models import GridCell
from risks.forms import officer_users
from risks.models import (
    Channel,
    LinkKind,
    Measure,
    MeasureStatus,
    RiskCategory,
    RiskLink,
    RiskPoint,
    RiskProposal,
    RiskStatus,
)

FACTOR = {"min_value": 1, "max_value": 5}


class RiskPointSerializer(serializers.ModelSerializer):
    grid_cell_code = serializers.CharField(source="grid_cell.code", read_only=True)
    owner_username = serializers.CharField(source="owner.username", read_only=True)
    review_overdue = serializers.BooleanField(read_only=True)
    open_measure_count = serializers.IntegerField(read_only=True)
    overdue_measure_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = RiskPoint
        fields = [
            "id",
            "grid_cell",
            "grid_cell_code",
            "title",
            "description",
            "category",
            "channel",
            "inherent_likelihood",
            "inherent_severity",
            "inherent_score",
            "inherent_level",
            "residual_likelihood",
            "residual_severity",
            "residual_score",
            "residual_level",
            "owner",
            "owner_username",
            "review_cadence_days",
            "next_review_on",
            "last_reviewed_on",
            "review_overdue",
            "status",
            "status_changed_at",
            "latitude",
            "longitude",
            "source_concern",
            "source_visit",
            "open_measure_count",
            "overdue_measure_count",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class _OfficerField(serializers.SlugRelatedField):
    def get_queryset(self):
        return officer_users(self.context["request"].user)


class RiskPointWriteSerializer(serializers.Serializer):
    grid_cell = serializers.PrimaryKeyRelatedField(queryset=GridCell.objects.none())
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    category = serializers.ChoiceField(choices=RiskCategory.choices)
    channel = serializers.ChoiceField(choices=Channel.choices)
    inherent_likelihood = serializers.IntegerField(**FACTOR)
    inherent_severity = serializers.IntegerField(**FACTOR)
    residual_likelihood = serializers.IntegerField(required=False, allow_null=True, **FACTOR)
    residual_severity = serializers.IntegerField(required=False, allow_null=True, **FACTOR)
    owner = _OfficerField(slug_field="username", required=False, allow_null=True)
    latitude = serializers.DecimalField(
        max_digits=9, decimal_places=6, required=False, allow_null=True
    )
    longitude = serializers.DecimalField(
        max_digits=9, decimal_places=6, required=False, allow_null=True
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["grid_cell"].queryset = GridCell.objects.actionable_by(request.user)


class RiskPointUpdateSerializer(RiskPointWriteSerializer):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["grid_cell"]
        for field in self.fields.values():
            field.required = False


class TransitionSerializer(serializers.Serializer):
    to_status = serializers.ChoiceField(choices=RiskStatus.choices)
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class ReviewSerializer(serializers.Serializer):
    inherent_likelihood = serializers.IntegerField(**FACTOR)
    inherent_severity = serializers.IntegerField(**FACTOR)
    residual_likelihood = serializers.IntegerField(**FACTOR)
    residual_severity = serializers.IntegerField(**FACTOR)
    note = serializers.CharField(required=False, allow_blank=True, default="")
    reviewed_on = serializers.DateField(required=False)


class MeasureSerializer(serializers.ModelSerializer):
    owner_username = serializers.CharField(source="owner.username", read_only=True)

    class Meta:
        model = Measure
        fields = [
            "id",
            "risk_point",
            "description",
            "owner",
            "owner_username",
            "due_on",
            "status",
            "completed_on",
            "note",
            "created_at",
        ]
        read_only_fields = fields


class MeasureWriteSerializer(serializers.Serializer):
    risk_point = serializers.PrimaryKeyRelatedField(queryset=RiskPoint.objects.none())
    description = serializers.CharField(max_length=300)
    owner = _OfficerField(slug_field="username", required=False, allow_null=True)
    due_on = serializers.DateField(required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, default="")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["risk_point"].queryset = RiskPoint.objects.actionable_by(request.user)


class MeasureUpdateSerializer(serializers.Serializer):
    description = serializers.CharField(max_length=300, required=False)
    owner = _OfficerField(slug_field="username", required=False)
    due_on = serializers.DateField(required=False)
    status = serializers.ChoiceField(choices=MeasureStatus.choices, required=False)
    completed_on = serializers.DateField(required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True)


class RiskLinkSerializer(serializers.ModelSerializer):
    class Meta:
        model = RiskLink
        fields = ["id", "source", "target", "kind", "strength", "note", "created_at"]
        read_only_fields = fields


class RiskLinkWriteSerializer(serializers.Serializer):
    # Any risk point the caller may see; the service checks they may act on both.
    source = serializers.PrimaryKeyRelatedField(queryset=RiskPoint.objects.none())
    target = serializers.PrimaryKeyRelatedField(queryset=RiskPoint.objects.none())
    kind = serializers.ChoiceField(choices=LinkKind.choices)
    strength = serializers.DecimalField(max_digits=3, decimal_places=2, min_value=0, max_value=1)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            visible = RiskPoint.objects.visible_to(request.user)
            self.fields["source"].queryset = visible
            self.fields["target"].queryset = visible


class RiskProposalSerializer(serializers.ModelSerializer):
    grid_cell_code = serializers.CharField(source="grid_cell.code", read_only=True)

    class Meta:
        model = RiskProposal
        fields = [
            "id",
            "grid_cell",
            "grid_cell_code",
            "rule",
            "subject_key",
            "title",
            "detail",
            "evidence",
            "category",
            "likelihood",
            "severity",
            "as_of",
            "status",
            "decided_by",
            "decided_at",
            "dismiss_reason",
            "risk_point",
        ]
        read_only_fields = fields


class ProposalAcceptSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False, allow_blank=True)
    owner = _OfficerField(slug_field="username", required=False, allow_null=True)


class ProposalDismissSerializer(serializers.Serializer):
    reason = serializers.CharField()


User = get_user_model()
