"""Read-only, scoped API for the tiers: every queryset starts from ``visible_to``."""

from rest_framework import viewsets

from grid import filtersets
from grid.api import serializers
from grid.models import Community, GridAssignment, GridCell, OfficerProfile, Station, SubBureau


class SubBureauViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = serializers.SubBureauSerializer
    search_fields = ["code", "name"]
    ordering_fields = ["code", "name"]

    def get_queryset(self):
        return SubBureau.objects.visible_to(self.request.user).order_by("code")


class StationViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = serializers.StationSerializer
    filterset_class = filtersets.StationFilterSet
    search_fields = ["code", "name"]
    ordering_fields = ["code", "name"]

    def get_queryset(self):
        return Station.objects.visible_to(self.request.user).order_by("code")


class CommunityViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = serializers.CommunitySerializer
    filterset_class = filtersets.CommunityFilterSet
    search_fields = ["code", "name"]
    ordering_fields = ["code", "name"]

    def get_queryset(self):
        return Community.objects.visible_to(self.request.user).order_by("code")


class GridCellViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = serializers.GridCellSerializer
    filterset_class = filtersets.GridCellFilterSet
    search_fields = ["code", "name"]
    ordering_fields = ["code", "name", "household_count"]

    def get_queryset(self):
        return (
            GridCell.objects.visible_to(self.request.user)
            .select_related("community")
            .order_by("code")
        )


class OfficerProfileViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = serializers.OfficerProfileSerializer
    filterset_class = filtersets.OfficerProfileFilterSet
    search_fields = ["user__username", "user__last_name", "user__first_name", "badge_number"]
    ordering_fields = ["user__username", "tier"]

    def get_queryset(self):
        return (
            OfficerProfile.objects.visible_to(self.request.user)
            .filter(is_active=True)
            .select_related("user")
            .order_by("user__username")
        )


class GridAssignmentViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = serializers.GridAssignmentSerializer
    filterset_class = filtersets.GridAssignmentFilterSet
    ordering_fields = ["valid_from", "valid_to"]

    def get_queryset(self):
        return (
            GridAssignment.objects.visible_to(self.request.user)
            .select_related("grid_cell", "officer")
            .order_by("grid_cell__code", "-valid_from")
        )
