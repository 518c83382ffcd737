"""Scoped API of the risk-point inventory: reads through selectors / ``visible_to``, writes
through the same services as the pages (a service's ValidationError becomes a 400 naming the
field, PermissionDenied a 403)."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from risks import selectors, services
from risks.api import serializers
from risks.models import Measure, RiskLink, RiskPoint


def _run(function, **kwargs):
    try:
        return function(**kwargs)
    except DjangoValidationError as error:
        detail = error.message_dict if hasattr(error, "error_dict") else {"detail": error.messages}
        raise ValidationError(detail) from None


class RiskPointViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Risk points. List filters: level, category, status (open, all or a status), grid_cell
    (code), owner (user id), overdue (true), search; ordering: level, review, residual,
    updated, title, cell."""

    serializer_class = serializers.RiskPointSerializer
    filter_backends = []
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        params = self.request.query_params
        if self.action != "list":
            return selectors.with_figures(
                RiskPoint.objects.visible_to(self.request.user).select_related(
                    "grid_cell", "owner"
                ),
                timezone.localdate(),
            )
        owner = params.get("owner")
        return selectors.risk_point_list(
            user=self.request.user,
            level=params.get("level", ""),
            category=params.get("category", ""),
            status=("" if params.get("status") == "all" else params.get("status", "open")),
            owner_id=int(owner) if owner and owner.isdigit() else None,
            grid_cell_code=params.get("grid_cell", ""),
            overdue=params.get("overdue") in ("1", "true", "on"),
            search=params.get("search", ""),
            ordering=params.get("ordering", "level"),
        )

    def _fresh(self, pk):
        return selectors.risk_point_get(user=self.request.user, pk=pk)

    def create(self, request, *args, **kwargs):
        data = serializers.RiskPointWriteSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        point = _run(services.risk_point_create, actor=request.user, **data.validated_data)
        body = serializers.RiskPointSerializer(self._fresh(point.pk)).data
        return Response(body, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        risk_point = selectors.risk_point_actionable(user=request.user, pk=kwargs["pk"])
        data = serializers.RiskPointUpdateSerializer(
            data=request.data, context={"request": request}, partial=True
        )
        data.is_valid(raise_exception=True)
        changes = {
            k: v
            for k, v in data.validated_data.items()
            if v is not None
            or k
            in (
                "latitude",
                "longitude",
            )
        }
        _run(services.risk_point_update, risk_point=risk_point, actor=request.user, **changes)
        return Response(serializers.RiskPointSerializer(self._fresh(risk_point.pk)).data)

    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        risk_point = selectors.risk_point_actionable(user=request.user, pk=pk)
        data = serializers.TransitionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        _run(
            services.risk_point_transition,
            risk_point=risk_point,
            actor=request.user,
            **data.validated_data,
        )
        return Response(serializers.RiskPointSerializer(self._fresh(risk_point.pk)).data)

    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        risk_point = selectors.risk_point_actionable(user=request.user, pk=pk)
        data = serializers.ReviewSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        _run(
            services.risk_point_review,
            risk_point=risk_point,
            actor=request.user,
            **data.validated_data,
        )
        return Response(serializers.RiskPointSerializer(self._fresh(risk_point.pk)).data)


class MeasureViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = serializers.MeasureSerializer
    filterset_fields = ["risk_point", "status", "owner"]
    ordering_fields = ["due_on", "status"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return (
            Measure.objects.visible_to(self.request.user)
            .select_related("owner")
            .order_by("due_on", "pk")
        )

    def create(self, request, *args, **kwargs):
        data = serializers.MeasureWriteSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        measure = _run(services.measure_create, actor=request.user, **data.validated_data)
        return Response(serializers.MeasureSerializer(measure).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        measure = selectors.measure_actionable(user=request.user, pk=kwargs["pk"])
        data = serializers.MeasureUpdateSerializer(
            data=request.data, context={"request": request}, partial=True
        )
        data.is_valid(raise_exception=True)
        measure = _run(
            services.measure_update, measure=measure, actor=request.user, **data.validated_data
        )
        return Response(serializers.MeasureSerializer(measure).data)


class RiskLinkViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = serializers.RiskLinkSerializer
    filterset_fields = ["source", "target", "kind"]

    def get_queryset(self):
        return RiskLink.objects.visible_to(self.request.user).order_by("pk")

    def create(self, request, *args, **kwargs):
        data = serializers.RiskLinkWriteSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        link = _run(services.risk_link_create, actor=request.user, **data.validated_data)
        return Response(serializers.RiskLinkSerializer(link).data, status=status.HTTP_201_CREATED)

    def destroy(self, request, *args, **kwargs):
        link = selectors.risk_link_actionable(user=request.user, pk=kwargs["pk"])
        services.risk_link_delete(link=link, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class RiskProposalViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = serializers.RiskProposalSerializer
    filterset_fields = ["status", "rule", "grid_cell"]

    def get_queryset(self):
        return selectors.risk_proposal_list(user=self.request.user, status="")

    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        proposal = selectors.risk_proposal_actionable(user=request.user, pk=pk)
        data = serializers.ProposalAcceptSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        point = _run(
            services.risk_proposal_accept,
            proposal=proposal,
            actor=request.user,
            **data.validated_data,
        )
        body = serializers.RiskPointSerializer(
            selectors.risk_point_get(user=request.user, pk=point.pk)
        ).data
        return Response(body, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def dismiss(self, request, pk=None):
        proposal = selectors.risk_proposal_actionable(user=request.user, pk=pk)
        data = serializers.ProposalDismissSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        proposal = _run(
            services.risk_proposal_dismiss,
            proposal=proposal,
            actor=request.user,
            reason=data.validated_data["reason"],
        )
        return Response(serializers.RiskProposalSerializer(proposal).data)
