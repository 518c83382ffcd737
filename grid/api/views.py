"""Read-only, scoped API for the tiers: every queryset starts from ``visible_to``."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from django.utils.dateparse import parse_date
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from grid import filtersets, selectors, services
from grid.api import serializers
from grid.coverage import BLIND_SPOT_DAYS, cells_with_coverage
from grid.models import (
    Community,
    GridAssignment,
    GridCell,
    GridVisit,
    OfficerProfile,
    Station,
    SubBureau,
)


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


class GridVisitViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Grid visits: list and read within scope; create (a field app logging a visit).

    Create checks that the caller may log visits in the grid cell (else 404, as for any cell
    out of reach) and is idempotent with ``client_key``: a retry returns the saved visit (200).
    """

    filterset_class = filtersets.GridVisitFilterSet
    ordering_fields = ["started_at", "visit_date"]

    def get_serializer_class(self):
        if self.action == "create":
            return serializers.GridVisitCreateSerializer
        return serializers.GridVisitSerializer

    def get_queryset(self):
        return (
            GridVisit.objects.visible_to(self.request.user)
            .select_related("grid_cell", "officer")
            .prefetch_related("companions", "residents_met")
            .annotate(photo_count=selectors.visit_photo_count())
            .order_by("-started_at", "-pk")
        )

    @extend_schema(responses={201: serializers.GridVisitSerializer})
    def create(self, request, *args, **kwargs):
        incoming = serializers.GridVisitCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        cell = selectors.visit_cells(user=request.user).filter(pk=data["grid_cell"]).first()
        if cell is None:
            raise NotFound("No such grid cell in your area.")
        try:
            visit, created = services.grid_visit_create(
                actor=request.user,
                grid_cell=cell,
                visit_type=data["visit_type"],
                started_at=data["started_at"],
                ended_at=data["ended_at"],
                households_reached=data["households_reached"],
                notes=data["notes"],
                findings=data["findings"],
                companion_ids=data["companions"],
                resident_ids=data["residents_met"],
                latitude=data["latitude"],
                longitude=data["longitude"],
                location_accuracy_m=data["location_accuracy_m"],
                client_key=data["client_key"],
                source_concern_id=data["source_concern"],
            )
        except DjangoValidationError as error:
            raise ValidationError(
                error.message_dict if hasattr(error, "error_dict") else error.messages
            ) from error
        visit = self.get_queryset().get(pk=visit.pk)
        body = serializers.GridVisitSerializer(visit).data
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class VisitCoverageViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Visit coverage of the grid cells in scope as of a date (``?as_of=YYYY-MM-DD``)."""

    serializer_class = serializers.VisitCoverageSerializer
    filterset_class = filtersets.GridCellFilterSet

    def get_queryset(self):
        as_of = self._as_of()
        cells = GridCell.objects.visible_to(self.request.user).order_by("code")
        return cells_with_coverage(cells, as_of=as_of)

    def _as_of(self):
        value = self.request.query_params.get("as_of")
        if not value:
            return timezone.localdate()
        parsed = parse_date(value) if len(value) == 10 else None
        if parsed is None:
            raise ValidationError({"as_of": ["Give a date as YYYY-MM-DD."]})
        return parsed

    def list(self, request, *args, **kwargs):
        as_of = self._as_of()
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        for cell in page:
            cell.days_since_visit = (
                (as_of - cell.last_visit_date).days if cell.last_visit_date else None
            )
            cell.blind_spot = (
                cell.days_since_visit is None or cell.days_since_visit > BLIND_SPOT_DAYS
            )
        return self.get_paginated_response(self.get_serializer(page, many=True).data)
