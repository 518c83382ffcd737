"""Serializers of the register API."""

from rest_framework import serializers

from risks.register.models import RegisterEntry, RegisterRollup, RegisterRun, RegisterSignOff


class RegisterRunSerializer(serializers.ModelSerializer):
    class Meta:
        model = RegisterRun
        fields = [
            "id",
            "for_date",
            "status",
            "trigger",
            "version",
            "published_version",
            "attempts",
            "parts_total",
            "parts_done",
            "cells",
            "points",
            "started_at",
            "finished_at",
            "published_at",
            "error",
        ]


class RegisterEntrySerializer(serializers.ModelSerializer):
    for_date = serializers.DateField(source="run.for_date", read_only=True)
    grid_cell_code = serializers.CharField(source="grid_cell.code", read_only=True)
    grid_cell_name = serializers.CharField(source="grid_cell.name", read_only=True)
    station_code = serializers.CharField(source="station.code", read_only=True)
    trend_7d = serializers.IntegerField(read_only=True, allow_null=True)
    trend_30d = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = RegisterEntry
        fields = [
            "id",
            "for_date",
            "grid_cell",
            "grid_cell_code",
            "grid_cell_name",
            "station",
            "station_code",
            "sub_bureau",
            "officer",
            "score",
            "level",
            "best_score",
            "best_level",
            "worst_score",
            "worst_level",
            "score_7d",
            "score_30d",
            "trend_7d",
            "trend_30d",
            "open_points",
            "red_points",
            "overdue_items",
            "factors",
        ]


class RegisterRollupSerializer(serializers.ModelSerializer):
    for_date = serializers.DateField(source="run.for_date", read_only=True)
    station_code = serializers.CharField(source="station.code", read_only=True, default=None)
    sub_bureau_code = serializers.CharField(source="sub_bureau.code", read_only=True)

    class Meta:
        model = RegisterRollup
        fields = [
            "id",
            "for_date",
            "kind",
            "station",
            "station_code",
            "sub_bureau",
            "sub_bureau_code",
            "cells",
            "red",
            "orange",
            "yellow",
            "blue",
            "open_points",
            "overdue_items",
            "mean_score",
            "max_score",
            "mean_score_7d",
            "mean_score_30d",
        ]


class RegisterSignOffSerializer(serializers.ModelSerializer):
    for_date = serializers.DateField(source="run.for_date", read_only=True)
    station_code = serializers.CharField(source="station.code", read_only=True)
    signed_by_username = serializers.CharField(source="signed_by.username", read_only=True)

    class Meta:
        model = RegisterSignOff
        fields = [
            "id",
            "for_date",
            "station",
            "station_code",
            "signed_by",
            "signed_by_username",
            "signed_at",
            "comment",
        ]
        read_only_fields = fields


class SignOffCreateSerializer(serializers.Serializer):
    station = serializers.IntegerField()
    date = serializers.DateField()
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000)
