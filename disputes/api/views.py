"""Scoped API of dispute cases: reads through ``disputes.selectors`` (``visible_to``), writes
through the same services as the pages.

Errors: a service's ValidationError becomes a 400 naming the field; its PermissionDenied (a
move reserved to a higher tier, a grid cell out of reach) a 403; a case the caller may not see,
or may see but not act on, is not found (404). A stale ``version`` (someone changed the case
since the caller read it) answers 409 Conflict with the service's message, and nothing is
written."""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import prefetch_related_objects
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, NotFound, ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from disputes import selectors, services
from disputes.api import serializers
from disputes.api.filters import DisputeCaseFilterSet
from disputes.files import agreement_response
from disputes.models import DisputeCase


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("Someone changed this case while you were working on it.")
    default_code = "stale"


def _run(function, **kwargs):
    try:
        return function(**kwargs)
    except DjangoValidationError as error:
        detail = error.message_dict if hasattr(error, "error_dict") else {"detail": error.messages}
        if "version" in detail:
            # The only "version" error is the stale one (services._lock): a conflict.
            raise Conflict({"detail": detail["version"][0], **detail}) from None
        raise ValidationError(detail) from None


def _if_match(request) -> int | None:
    """The version from an ``If-Match: "7"`` header (weak or strong), if there is one."""
    value = (request.headers.get("If-Match") or "").strip()
    value = value.removeprefix("W/").strip('"')
    return int(value) if value.isdigit() else None


def _with_version(request) -> dict:
    """The request's data as a plain dict (a form's single values; uploaded files are not
    copied), with ``version`` taken from If-Match when the body has none."""
    if not isinstance(request.data, Mapping):
        return request.data  # the serializer answers "expected a dictionary"
    if hasattr(request.data, "getlist"):
        data = {key: request.data.get(key) for key in request.data}
    else:
        data = dict(request.data)
    if data.get("version") in (None, ""):
        data.pop("version", None)
        if _if_match(request) is not None:
            data["version"] = _if_match(request)
    return data


NOT_FOUND = OpenApiResponse(description="No such case in your area, or not yours to change.")
FORBIDDEN = OpenApiResponse(description="This step is for another tier (e.g. the station chief).")
CONFLICT = OpenApiResponse(
    serializers.ConflictSerializer,
    description="Someone changed the case since you read it; nothing was written.",
)
IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description="The version you read (the ETag of the case), instead of ``version``.",
)
PARTY_ID = OpenApiParameter("party_id", OpenApiTypes.INT, OpenApiParameter.PATH)
SESSION_ID = OpenApiParameter("session_id", OpenApiTypes.INT, OpenApiParameter.PATH)
VERSION_QUERY = OpenApiParameter(
    "version", OpenApiTypes.INT, OpenApiParameter.QUERY, required=False
)


@extend_schema_view(
    list=extend_schema(summary="Dispute cases in your area"),
    retrieve=extend_schema(summary="One dispute case, with the moves you may make now"),
)
class DisputeCaseViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Dispute cases (矛盾纠纷) in the caller's area; parties' phones are always masked.

    List filters: stage, open, overdue, category, escalation_risk, officer (user id),
    grid_cell (code), station (id), search; ordering: due (default), risk, newest, updated."""

    queryset = DisputeCase.objects.none()  # the model for the schema; reads use selectors
    filter_backends = [DjangoFilterBackend]
    filterset_class = DisputeCaseFilterSet
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_serializer_class(self):
        if self.action == "list":
            return serializers.DisputeCaseListSerializer
        return serializers.DisputeCaseSerializer

    def get_queryset(self):
        # The list is built, scoped and filtered by the filter set through
        # ``selectors.case_list``; one case is read through ``selectors.case_get``.
        return DisputeCase.objects.none()

    # --- Reading ----------------------------------------------------------------------------
    def _detail(self, case_id: int, *, fallback: DisputeCase | None = None) -> Response:
        """The case as the caller sees it now, with its version as the ETag.

        A write can take the caller's own access away (the receiving station ends a
        referral); then the case as the write left it is shown, with no moves."""
        try:
            case = selectors.case_get(user=self.request.user, pk=case_id)
            can_act = selectors.case_can_act(user=self.request.user, case=case)
        except Http404:
            if fallback is None:
                raise
            case, can_act = fallback, False
        prefetch_related_objects([case], "parties__resident")
        context = {**self.get_serializer_context(), "can_act": can_act}
        body = serializers.DisputeCaseSerializer(case, context=context).data
        return Response(body, headers={"ETag": f'"{case.version}"'})

    def retrieve(self, request, *args, **kwargs):
        return self._detail(kwargs["pk"])

    # --- Writing ----------------------------------------------------------------------------
    @extend_schema(
        summary="Register a case",
        request=serializers.DisputeCaseCreateSerializer,
        responses={
            201: serializers.DisputeCaseSerializer,
            400: OpenApiResponse(description="A field's error."),
            403: OpenApiResponse(description="You may not register cases in this grid cell."),
        },
    )
    def create(self, request, *args, **kwargs):
        data = serializers.DisputeCaseCreateSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        data.is_valid(raise_exception=True)
        case = _run(services.case_create, actor=request.user, **data.service_arguments())
        response = self._detail(case.pk)
        response.status_code = status.HTTP_201_CREATED
        return response

    @extend_schema(
        summary="Change the case's details",
        request=serializers.DisputeCaseUpdateSerializer,
        parameters=[IF_MATCH],
        responses={
            200: serializers.DisputeCaseSerializer,
            400: OpenApiResponse(description="A field's error."),
            404: NOT_FOUND,
            409: CONFLICT,
        },
    )
    def partial_update(self, request, *args, **kwargs):
        case = selectors.case_actionable(user=request.user, pk=kwargs["pk"])
        data = serializers.DisputeCaseUpdateSerializer(
            data=_with_version(request), context=self.get_serializer_context()
        )
        data.is_valid(raise_exception=True)
        updated = _run(
            services.case_update,
            case=case,
            actor=request.user,
            expected_version=data.validated_data["version"],
            **data.changes(),
        )
        return self._detail(case.pk, fallback=updated)

    @extend_schema(
        summary="Move the case to another stage",
        request=serializers.TransitionSerializer,
        parameters=[IF_MATCH],
        responses={
            200: serializers.DisputeCaseSerializer,
            400: OpenApiResponse(description="An illegal move or a missing input, by field."),
            403: FORBIDDEN,
            404: NOT_FOUND,
            409: CONFLICT,
        },
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def transition(self, request, pk=None):
        case = selectors.case_actionable(user=request.user, pk=pk)
        data = serializers.TransitionSerializer(
            data=_with_version(request), context=self.get_serializer_context()
        )
        data.is_valid(raise_exception=True)
        moved = _run(
            services.case_transition, case=case, actor=request.user, **data.service_arguments()
        )
        return self._detail(case.pk, fallback=moved)

    @extend_schema(
        summary="The case's timeline, newest first",
        responses={200: serializers.EventSerializer(many=True), 404: NOT_FOUND},
    )
    @action(
        detail=True,
        methods=["get"],
        filter_backends=[],
        serializer_class=serializers.EventSerializer,
    )
    def events(self, request, pk=None):
        case = selectors.case_get(user=request.user, pk=pk)
        page = self.paginate_queryset(selectors.case_timeline(case=case))
        return self.get_paginated_response(serializers.EventSerializer(page, many=True).data)

    @extend_schema(
        methods=["GET"],
        summary="The case's mediation sessions",
        responses={200: serializers.MediationSessionSerializer(many=True), 404: NOT_FOUND},
    )
    @extend_schema(
        methods=["POST"],
        summary="Record a mediation session (multipart for the signed agreement)",
        request={
            "multipart/form-data": serializers.MediationSessionWriteSerializer,
            "application/json": serializers.MediationSessionWriteSerializer,
        },
        parameters=[IF_MATCH],
        responses={
            201: serializers.MediationSessionSerializer,
            400: OpenApiResponse(description="A field's error."),
            404: NOT_FOUND,
            409: CONFLICT,
        },
    )
    @action(
        detail=True,
        methods=["get", "post"],
        filter_backends=[],
        serializer_class=serializers.MediationSessionSerializer,
        parser_classes=[MultiPartParser, FormParser, JSONParser],
    )
    def sessions(self, request, pk=None):
        if request.method == "GET":
            case = selectors.case_get(user=request.user, pk=pk)
            page = self.paginate_queryset(selectors.case_sessions(case=case))
            body = serializers.MediationSessionSerializer(
                page, many=True, context=self.get_serializer_context()
            ).data
            return self.get_paginated_response(body)
        case = selectors.case_actionable(user=request.user, pk=pk)
        data = serializers.MediationSessionWriteSerializer(data=_with_version(request))
        data.is_valid(raise_exception=True)
        session = _run(
            services.mediation_session_add,
            case=case,
            actor=request.user,
            **data.service_arguments(),
        )
        body = serializers.MediationSessionSerializer(
            session, context=self.get_serializer_context()
        ).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Download a session's signed agreement",
        parameters=[SESSION_ID],
        responses={
            (200, "application/octet-stream"): OpenApiTypes.BINARY,
            404: NOT_FOUND,
        },
    )
    @action(
        detail=True,
        methods=["get"],
        filter_backends=[],
        url_path=r"sessions/(?P<session_id>[0-9]+)/agreement",
        url_name="agreement",
    )
    def agreement(self, request, pk=None, session_id=None):
        """The file is served only here, to those who may see the case: never a media URL."""
        case = selectors.case_get(user=request.user, pk=pk)
        session = selectors.case_sessions(case=case).filter(pk=session_id).first()
        if session is None or not session.agreement_file:
            raise NotFound(_("No signed agreement for this session."))
        return agreement_response(session, as_attachment=True)

    @extend_schema(
        summary="Add a party (returns the case)",
        request=serializers.PartyAddSerializer,
        parameters=[IF_MATCH],
        responses={
            201: serializers.DisputeCaseSerializer,
            400: OpenApiResponse(description="A field's error."),
            404: NOT_FOUND,
            409: CONFLICT,
        },
    )
    @action(detail=True, methods=["post"], filter_backends=[], url_path="parties")
    def parties(self, request, pk=None):
        case = selectors.case_actionable(user=request.user, pk=pk)
        data = serializers.PartyAddSerializer(data=_with_version(request))
        data.is_valid(raise_exception=True)
        _run(
            services.case_party_add,
            case=case,
            actor=request.user,
            party=data.to_party(),
            expected_version=data.validated_data.get("version"),
        )
        response = self._detail(case.pk)
        response.status_code = status.HTTP_201_CREATED
        return response

    @extend_schema(
        summary="Remove a party (returns the case)",
        request=None,
        parameters=[PARTY_ID, IF_MATCH, VERSION_QUERY],
        responses={
            200: serializers.DisputeCaseSerializer,
            400: OpenApiResponse(description="A case keeps at least one party."),
            404: NOT_FOUND,
            409: CONFLICT,
        },
    )
    @action(
        detail=True,
        methods=["delete"],
        filter_backends=[],
        url_path=r"parties/(?P<party_id>[0-9]+)",
        url_name="party",
    )
    def party_remove(self, request, pk=None, party_id=None):
        case = selectors.case_actionable(user=request.user, pk=pk)
        if not selectors.case_parties(case=case).filter(pk=party_id).exists():
            raise NotFound(_("No such party on this case."))
        version = str(request.query_params.get("version") or _with_version(request).get("version"))
        expected = int(version) if version.isdigit() else None
        _run(
            services.case_party_remove,
            case=case,
            actor=request.user,
            party_id=int(party_id),
            expected_version=expected,
        )
        return self._detail(case.pk)
