"""The register API: scoped reads of entries, rollups and sign-offs; runs for administrators."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.dateparse import parse_date
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.response import Response

from grid.models import Station
from risks.register import selectors, services
from risks.register.api import serializers
from risks.register.models import (
    RegisterEntry,
    RegisterRollup,
    RegisterRun,
    RegisterSignOff,
    RollupKind,
)

LEVELS = {"red", "orange", "yellow", "blue"}


def _run(request):
    """The run of ?date=YYYY-MM-DD, else the current one; None when nothing is published."""
    raw = request.query_params.get("date")
    if not raw:
        return selectors.published_run()
    for_date = parse_date(raw) if len(raw) == 10 else None
    if for_date is None:
        raise ValidationError({"date": "Use the format YYYY-MM-DD."})
    return selectors.published_run(for_date=for_date)


def _int_param(request, name):
    raw = request.query_params.get(name)
    if not raw:
        return None
    if not raw.isdigit():
        raise ValidationError({name: "Expected a whole number."})
    return int(raw)


class RegisterEntryViewSet(viewsets.ReadOnlyModelViewSet):
    """Grid cells in the register of a date (?date=, default the current register).

    Filters: ?level=, ?category=, ?station=, ?officer=, ?sort= (score, -score, code, -code,
    trend, worst, overdue).
    """

    serializer_class = serializers.RegisterEntrySerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return RegisterEntry.objects.none()
        run = _run(self.request)
        if run is None:
            return RegisterEntry.objects.none()
        if self.action != "list":
            return (
                RegisterEntry.objects.visible_to(self.request.user)
                .published()
                .select_related("run", "grid_cell", "station")
            )
        level = self.request.query_params.get("level") or None
        if level and level not in LEVELS:
            raise ValidationError({"level": f"One of {', '.join(sorted(LEVELS))}."})
        sort = self.request.query_params.get("sort") or selectors.DEFAULT_SORT
        if sort not in selectors.SORTS:
            raise ValidationError({"sort": f"One of {', '.join(selectors.SORTS)}."})
        return selectors.register_entries(
            user=self.request.user,
            run=run,
            level=level,
            category=self.request.query_params.get("category") or None,
            station_id=_int_param(self.request, "station"),
            officer_id=_int_param(self.request, "officer"),
            sort=sort,
        ).select_related("run")


class RegisterRollupViewSet(viewsets.ReadOnlyModelViewSet):
    """Station and sub-bureau figures of a register (?date=, ?kind=station|sub_bureau)."""

    serializer_class = serializers.RegisterRollupSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return RegisterRollup.objects.none()
        if self.action != "list":
            return (
                RegisterRollup.objects.visible_to(self.request.user)
                .published()
                .select_related("run", "station", "sub_bureau")
            )
        run = _run(self.request)
        if run is None:
            return RegisterRollup.objects.none()
        kind = self.request.query_params.get("kind") or RollupKind.STATION
        if kind not in RollupKind.values:
            raise ValidationError({"kind": f"One of {', '.join(RollupKind.values)}."})
        return selectors.rollups(user=self.request.user, run=run, kind=kind).select_related("run")


class RegisterRunViewSet(viewsets.ReadOnlyModelViewSet):
    """Run records (administrators only)."""

    serializer_class = serializers.RegisterRunSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return RegisterRun.objects.none()
        if not selectors.may_see_runs(self.request.user):
            raise PermissionDenied("Only administrators see the run records.")
        return RegisterRun.objects.order_by("-for_date")


class RegisterSignOffViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Sign-offs of the stations you see; a station chief POSTs {station, date, comment}."""

    serializer_class = serializers.RegisterSignOffSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return RegisterSignOff.objects.none()
        return selectors.sign_offs(user=self.request.user)

    @extend_schema(request=serializers.SignOffCreateSerializer)
    def create(self, request, *args, **kwargs):
        data = serializers.SignOffCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        station = (
            Station.objects.visible_to(request.user)
            .filter(pk=data.validated_data["station"])
            .first()
        )
        if station is None:
            raise NotFound("No such police station in your area.")
        if not selectors.may_sign_off(request.user, station):
            raise PermissionDenied("Only the station's chief signs off its register.")
        run = selectors.published_run(for_date=data.validated_data["date"])
        if run is None:
            raise ValidationError({"date": "No register was published for that date."})
        try:
            sign_off = services.register_sign_off(
                actor=request.user,
                station=station,
                run=run,
                comment=data.validated_data.get("comment", ""),
            )
        except DjangoValidationError as error:
            raise ValidationError(error.message_dict) from error
        except DjangoPermissionDenied as error:
            raise PermissionDenied(str(error)) from error
        return Response(self.get_serializer(sign_off).data, status=status.HTTP_201_CREATED)
