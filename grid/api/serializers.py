from rest_framework import serializers

from grid.models import (
    Community,
    GridAssignment,
    GridCell,
    GridVisit,
    OfficerProfile,
    Station,
    SubBureau,
    VisitType,
)


class SubBureauSerializer(serializers.ModelSerializer):
    class Meta:
        model = SubBureau
        fields = ["id", "code", "name", "address", "phone"]


class StationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Station
        fields = ["id", "code", "name", "sub_bureau", "address", "phone"]


class CommunitySerializer(serializers.ModelSerializer):
    class Meta:
        model = Community
        fields = ["id", "code", "name", "station"]


class GridCellSerializer(serializers.ModelSerializer):
    station = serializers.IntegerField(source="community.station_id", read_only=True)

    class Meta:
        model = GridCell
        fields = ["id", "code", "name", "community", "station", "household_count", "boundary"]


class OfficerProfileSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username", read_only=True)
    name = serializers.CharField(source="display_name", read_only=True)

    class Meta:
        model = OfficerProfile
        fields = ["id", "user", "username", "name", "tier", "sub_bureau", "station", "badge_number"]


class GridAssignmentSerializer(serializers.ModelSerializer):
    grid_cell_code = serializers.CharField(source="grid_cell.code", read_only=True)
    officer_username = serializers.CharField(source="officer.username", read_only=True)

    class Meta:
        model = GridAssignment
        fields = [
            "id",
            "grid_cell",
            "grid_cell_code",
            "officer",
            "officer_username",
            "role",
            "valid_from",
            "valid_to",
            "assigned_by",
            "reason",
            "created_at",
        ]


class GridVisitSerializer(serializers.ModelSerializer):
    grid_cell_code = serializers.CharField(source="grid_cell.code", read_only=True)
    officer_username = serializers.CharField(source="officer.username", read_only=True)
    companions = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    residents_met = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    photo_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = GridVisit
        fields = [
            "id",
            "grid_cell",
            "grid_cell_code",
            "officer",
            "officer_username",
            "companions",
            "visit_type",
            "started_at",
            "ended_at",
            "visit_date",
            "households_reached",
            "residents_met",
            "notes",
            "findings",
            "latitude",
            "longitude",
            "location_accuracy_m",
            "source_concern",
            "client_key",
            "photo_count",
            "created_at",
        ]
        read_only_fields = fields


class GridVisitCreateSerializer(serializers.Serializer):
    """What a field app sends; the service decides whether it is allowed and valid."""

    grid_cell = serializers.IntegerField()
    visit_type = serializers.ChoiceField(choices=VisitType.choices)
    started_at = serializers.DateTimeField()
    ended_at = serializers.DateTimeField()
    households_reached = serializers.IntegerField(min_value=0, default=0)
    residents_met = serializers.ListField(
        child=serializers.IntegerField(), required=False, default=list, max_length=500
    )
    companions = serializers.ListField(
        child=serializers.IntegerField(), required=False, default=list, max_length=20
    )
    notes = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)
    findings = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)
    latitude = serializers.DecimalField(
        max_digits=9, decimal_places=6, required=False, allow_null=True, default=None
    )
    longitude = serializers.DecimalField(
        max_digits=9, decimal_places=6, required=False, allow_null=True, default=None
    )
    location_accuracy_m = serializers.IntegerField(
        min_value=0, required=False, allow_null=True, default=None
    )
    source_concern = serializers.IntegerField(required=False, allow_null=True, default=None)
    client_key = serializers.CharField(
        required=False,
        allow_blank=True,
        allow_null=True,
        default=None,
        max_length=64,
        help_text="Any unique string chosen by the client (a UUID). Sending the same key again "
        "returns the visit already saved (200) instead of logging it twice.",
    )


class VisitCoverageSerializer(serializers.Serializer):
    grid_cell = serializers.IntegerField(source="pk")
    code = serializers.CharField()
    name = serializers.CharField()
    last_visit_date = serializers.DateField(allow_null=True)
    days_since_visit = serializers.IntegerField(allow_null=True)
    blind_spot = serializers.BooleanField()
    visits_7d = serializers.IntegerField()
    visits_30d = serializers.IntegerField()
    visits_90d = serializers.IntegerField()
