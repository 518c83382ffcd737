"""Scoped API for residents, households and concerns: every queryset starts from visible_to."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from residents import filtersets, selectors, services
from residents.api import serializers
from residents.models import Concern


class ResidentViewSet(viewsets.ReadOnlyModelViewSet):
    """Residents in your scope, masked. ``POST .../reveal/`` with a reason shows full values
    to the responsible community officer and the station chief, and records it."""

    serializer_class = serializers.ResidentSerializer
    filterset_class = filtersets.ResidentFilterSet
    ordering_fields = ["name", "birth_date", "updated_at"]

    def get_queryset(self):
        return selectors.resident_list(user=self.request.user)

    @extend_schema(request=serializers.RevealSerializer, responses=serializers.RevealedSerializer)
    @action(detail=True, methods=["post"])
    def reveal(self, request, pk=None):
        resident = self.get_object()
        payload = serializers.RevealSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            revealed = services.resident_reveal(
                actor=request.user, resident_id=resident.pk, reason=payload.validated_data["reason"]
            )
        except DjangoPermissionDenied:
            raise NotFound() from None
        except DjangoValidationError as error:
            raise ValidationError(error.message_dict) from None
        body = {
            "id": resident.pk,
            "id_number": revealed.id_number,
            "phone": revealed.phone,
            "record": revealed.record.pk,
        }
        return Response(body, headers={"Cache-Control": "no-store"})


class HouseholdViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = serializers.HouseholdSerializer
    filterset_class = filtersets.HouseholdFilterSet
    ordering_fields = ["number"]

    def get_queryset(self):
        return selectors.household_list(user=self.request.user, with_member_count=True)


class ConcernViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = serializers.ConcernSerializer
    filterset_class = filtersets.ConcernFilterSet
    ordering_fields = ["created_at", "acknowledge_by"]

    def get_queryset(self):
        return (
            Concern.objects.visible_to(self.request.user)
            .select_related("grid_cell")
            .order_by("-created_at", "-pk")
        )
