"""API serializers: ID numbers and phones are masked; full values only through ``reveal``."""

from rest_framework import serializers

from residents.models import Concern, Household, Resident, Tag


class TagSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="__str__", read_only=True)

    class Meta:
        model = Tag
        fields = ["code", "name", "kind", "visit_every_days"]


class ResidentSerializer(serializers.ModelSerializer):
    id_number = serializers.CharField(source="masked_id_number", read_only=True)
    phone = serializers.CharField(source="masked_phone", read_only=True)
    grid_cell = serializers.CharField(source="grid_cell.code", read_only=True)
    household = serializers.CharField(source="household.number", read_only=True, default=None)
    tags = TagSerializer(source="visible_tags", many=True, read_only=True)

    class Meta:
        model = Resident
        fields = [
            "id",
            "name",
            "id_number",
            "sex",
            "birth_date",
            "phone",
            "address",
            "grid_cell",
            "household",
            "tags",
            "updated_at",
        ]


class HouseholdSerializer(serializers.ModelSerializer):
    grid_cell = serializers.CharField(source="grid_cell.code", read_only=True)
    member_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Household
        fields = ["id", "number", "address", "grid_cell", "member_count"]


class RevealSerializer(serializers.Serializer):
    reason = serializers.CharField(min_length=4, max_length=200)


class RevealedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    id_number = serializers.CharField()
    phone = serializers.CharField()
    record = serializers.IntegerField()


class ConcernSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(read_only=True)
    contact_phone = serializers.CharField(source="masked_contact_phone", read_only=True)
    grid_cell = serializers.CharField(source="grid_cell.code", read_only=True, default=None)
    is_overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = Concern
        fields = [
            "id",
            "reference",
            "category",
            "description",
            "status",
            "station",
            "community",
            "grid_cell",
            "address",
            "latitude",
            "longitude",
            "contact_name",
            "contact_phone",
            "assigned_to",
            "created_at",
            "acknowledge_by",
            "acknowledged_at",
            "closed_at",
            "is_overdue",
        ]
