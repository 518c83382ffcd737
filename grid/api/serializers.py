from rest_framework import serializers

from grid.models import Community, GridAssignment, GridCell, OfficerProfile, Station, SubBureau


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
