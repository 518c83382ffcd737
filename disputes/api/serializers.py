"""Serializers of the disputes API.

Personal data of the parties is shown masked, always: a party's phone goes out through
``DisputeParty.masked_phone`` and no ID number is ever serialised. Write serializers only
parse and check the shape of the input; the rules are in ``disputes.services``."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from disputes import selectors, services
from disputes.models import (
    DisputeCase,
    DisputeCategory,
    DisputeEvent,
    DisputeParty,
    DisputeSource,
    EscalationLevel,
    MediationSession,
    PartyRole,
    ReferralKind,
    Severity,
    Stage,
)
from grid.models import GridVisit
from grid.people import person_name
from residents.models import Concern
from risks.forms import officer_users

VERSION_HELP = _(
    "The case's version as you read it. If someone changed the case since, the change is "
    "refused with 409 Conflict and nothing is written."
)


# --- Reading --------------------------------------------------------------------------------
class PartySerializer(serializers.ModelSerializer):
    """A party, masked: the name and a masked phone, never an ID number or a full phone."""

    name = serializers.CharField(source="display_name", read_only=True)
    phone = serializers.CharField(source="masked_phone", read_only=True)

    class Meta:
        model = DisputeParty
        fields = ["id", "role", "resident", "name", "phone"]
        read_only_fields = fields


class _CaseBaseSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(read_only=True)
    grid_cell_code = serializers.CharField(source="grid_cell.code", read_only=True)
    officer_username = serializers.CharField(source="officer.username", read_only=True)
    officer_name = serializers.SerializerMethodField()
    is_overdue = serializers.SerializerMethodField()
    parties = PartySerializer(many=True, read_only=True)

    @extend_schema_field(OpenApiTypes.STR)
    def get_officer_name(self, case: DisputeCase) -> str:
        return person_name(case.officer)

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_is_overdue(self, case: DisputeCase) -> bool:
        return case.is_overdue


LIST_FIELDS = [
    "id",
    "reference",
    "category",
    "summary",
    "address",
    "severity",
    "source",
    "grid_cell",
    "grid_cell_code",
    "officer",
    "officer_username",
    "officer_name",
    "stage",
    "stage_due_on",
    "is_overdue",
    "escalation_risk",
    "threats",
    "weapons",
    "repeated_conflict",
    "vulnerable_party",
    "parties",
    "version",
    "created_at",
    "updated_at",
]


class DisputeCaseListSerializer(_CaseBaseSerializer):
    class Meta:
        model = DisputeCase
        fields = LIST_FIELDS
        read_only_fields = fields


class RepeatLinkSerializer(serializers.Serializer):
    """A link between repeated disputes (same parties or same address within 90 days)."""

    case = serializers.IntegerField(help_text=_("The other case's id."))
    reference = serializers.CharField()
    reason = serializers.CharField(help_text=_("parties or address"))


def _links(links, attribute: str) -> list[dict]:
    return [
        {
            "case": getattr(link, f"{attribute}_id"),
            "reference": getattr(link, attribute).reference,
            "reason": link.reason,
        }
        for link in links
    ]


class DisputeCaseSerializer(_CaseBaseSerializer):
    """One case as its page shows it, with the moves the caller may make now."""

    station = serializers.IntegerField(source="grid_cell.community.station_id", read_only=True)
    referred_station_name = serializers.CharField(
        source="referred_station.name", read_only=True, default=None
    )
    allowed_moves = serializers.SerializerMethodField()
    repeats_earlier = serializers.SerializerMethodField()
    repeats_later = serializers.SerializerMethodField()
    repeats_hidden = serializers.SerializerMethodField()

    class Meta:
        model = DisputeCase
        fields = [
            *LIST_FIELDS,
            "station",
            "source_concern",
            "source_visit",
            "source_detail",
            "stage_entered_at",
            "escalation_level",
            "referral_kind",
            "referral_body",
            "referred_station",
            "referred_station_name",
            "resolution",
            "resolved_on",
            "closed_on",
            "reopen_count",
            "allowed_moves",
            "repeats_earlier",
            "repeats_later",
            "repeats_hidden",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(Stage.choices)))
    def get_allowed_moves(self, case: DisputeCase) -> list[str]:
        request = self.context.get("request")
        if request is None or not self.context.get("can_act", True):
            return []
        return [str(stage) for stage in services.allowed_moves(case, request.user)]

    def _repeats(self, case: DisputeCase):
        """The repeat links the caller may see (``selectors.case_repeats``), read once."""
        request = self.context.get("request")
        if request is None:
            return None
        cached = self.context.setdefault("_repeats", {})
        if case.pk not in cached:
            cached[case.pk] = selectors.case_repeats(user=request.user, case=case)
        return cached[case.pk]

    @extend_schema_field(RepeatLinkSerializer(many=True))
    def get_repeats_earlier(self, case: DisputeCase) -> list[dict]:
        links = self._repeats(case)
        return _links(links.earlier, "earlier") if links else []

    @extend_schema_field(RepeatLinkSerializer(many=True))
    def get_repeats_later(self, case: DisputeCase) -> list[dict]:
        links = self._repeats(case)
        return _links(links.later, "case") if links else []

    @extend_schema_field(OpenApiTypes.INT)
    def get_repeats_hidden(self, case: DisputeCase) -> int:
        """Links to cases outside the caller's area: counted, not shown."""
        links = self._repeats(case)
        return links.hidden if links else 0


class EventSerializer(serializers.ModelSerializer):
    actor_name = serializers.SerializerMethodField()
    accountable_officer_name = serializers.SerializerMethodField()

    class Meta:
        model = DisputeEvent
        fields = [
            "id",
            "kind",
            "from_stage",
            "to_stage",
            "actor",
            "actor_name",
            "reason",
            "accountable_officer",
            "accountable_officer_name",
            "details",
            "at",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.STR)
    def get_actor_name(self, event: DisputeEvent) -> str:
        return person_name(event.actor)

    @extend_schema_field(OpenApiTypes.STR)
    def get_accountable_officer_name(self, event: DisputeEvent) -> str:
        return person_name(event.accountable_officer)


class MediationSessionSerializer(serializers.ModelSerializer):
    """A session; the signed agreement is linked only through the scoped API download."""

    recorded_by_name = serializers.SerializerMethodField()
    has_agreement_file = serializers.SerializerMethodField()
    agreement_file_url = serializers.SerializerMethodField()

    class Meta:
        model = MediationSession
        fields = [
            "id",
            "case",
            "held_on",
            "place",
            "participants",
            "outcome",
            "agreement_reached",
            "agreement_text",
            "has_agreement_file",
            "agreement_file_url",
            "recorded_by",
            "recorded_by_name",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.STR)
    def get_recorded_by_name(self, session: MediationSession) -> str:
        return person_name(session.recorded_by)

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_has_agreement_file(self, session: MediationSession) -> bool:
        return bool(session.agreement_file)

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_agreement_file_url(self, session: MediationSession) -> str | None:
        if not session.agreement_file:
            return None
        url = reverse("dispute-case-agreement", args=[session.case_id, session.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request is not None else url


# --- Writing --------------------------------------------------------------------------------
@extend_schema_field(OpenApiTypes.STR)
class _OfficerField(serializers.SlugRelatedField):
    """An officer by username, among the officers the caller may see."""

    def get_queryset(self):
        return officer_users(self.context["request"].user)


class _VisibleField(serializers.PrimaryKeyRelatedField):
    """A concern or visit by id, resolved through ``visible_to`` of the caller."""

    def __init__(self, model, **kwargs):
        self.model = model
        super().__init__(queryset=model.objects.none(), **kwargs)

    def get_queryset(self):
        return self.model.objects.visible_to(self.context["request"].user)


class PartyInputSerializer(serializers.Serializer):
    """A party to add: a resident of the registry (``resident``) or a named outside party."""

    role = serializers.ChoiceField(choices=PartyRole.choices)
    resident = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    name = serializers.CharField(required=False, allow_blank=True, default="", max_length=60)
    phone = serializers.CharField(required=False, allow_blank=True, default="", max_length=20)

    def validate(self, attrs):
        if not attrs.get("resident") and not (attrs.get("name") or "").strip():
            raise serializers.ValidationError(
                {"name": _("Give a resident's id or the outside party's name.")}
            )
        return attrs

    def to_party(self) -> services.PartyInput:
        return party_input(self.validated_data)


def party_input(data: dict) -> services.PartyInput:
    if data.get("resident"):
        return services.PartyInput(role=data["role"], resident_id=data["resident"])
    return services.PartyInput(
        role=data["role"], name=data.get("name", ""), phone=data.get("phone", "")
    )


class PartyAddSerializer(PartyInputSerializer):
    version = serializers.IntegerField(required=False, min_value=1, help_text=VERSION_HELP)


class DisputeCaseCreateSerializer(serializers.Serializer):
    grid_cell = serializers.IntegerField(min_value=1)
    category = serializers.ChoiceField(choices=DisputeCategory.choices)
    summary = serializers.CharField(max_length=4000)
    parties = PartyInputSerializer(many=True, allow_empty=False, max_length=services.MAX_PARTIES)
    source = serializers.ChoiceField(
        choices=DisputeSource.choices, required=False, default=DisputeSource.OFFICER
    )
    severity = serializers.ChoiceField(
        choices=Severity.choices, required=False, default=Severity.GENERAL
    )
    address = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    source_detail = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=200
    )
    source_concern = _VisibleField(Concern, required=False, allow_null=True, default=None)
    source_visit = _VisibleField(GridVisit, required=False, allow_null=True, default=None)
    threats = serializers.BooleanField(required=False, default=False)
    weapons = serializers.BooleanField(required=False, default=False)
    repeated_conflict = serializers.BooleanField(required=False, default=False)
    vulnerable_party = serializers.BooleanField(required=False, default=False)
    officer = _OfficerField(slug_field="username", required=False, allow_null=True, default=None)

    def service_arguments(self) -> dict:
        data = dict(self.validated_data)
        data["parties"] = [party_input(party) for party in data["parties"]]
        if "source" not in self.initial_data:
            # A case made from a concern or a visit comes from it unless told otherwise.
            if data["source_concern"] is not None:
                data["source"] = DisputeSource.CONCERN
            elif data["source_visit"] is not None:
                data["source"] = DisputeSource.VISIT
        return data


class DisputeCaseUpdateSerializer(serializers.Serializer):
    """The editable details (``services.EDITABLE_FIELDS``) and the version you read."""

    version = serializers.IntegerField(min_value=1, help_text=VERSION_HELP)
    category = serializers.ChoiceField(choices=DisputeCategory.choices, required=False)
    summary = serializers.CharField(max_length=4000, required=False)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True)
    severity = serializers.ChoiceField(choices=Severity.choices, required=False)
    source_detail = serializers.CharField(max_length=200, required=False, allow_blank=True)
    threats = serializers.BooleanField(required=False)
    weapons = serializers.BooleanField(required=False)
    repeated_conflict = serializers.BooleanField(required=False)
    vulnerable_party = serializers.BooleanField(required=False)
    officer = _OfficerField(slug_field="username", required=False)

    def changes(self) -> dict:
        return {
            name: value
            for name, value in self.validated_data.items()
            if name in services.EDITABLE_FIELDS
        }


class TransitionSerializer(serializers.Serializer):
    to_stage = serializers.ChoiceField(choices=Stage.choices)
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    version = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=1, help_text=VERSION_HELP
    )
    escalation_level = serializers.ChoiceField(
        choices=EscalationLevel.choices, required=False, allow_blank=True, default=""
    )
    referral_kind = serializers.ChoiceField(
        choices=ReferralKind.choices, required=False, allow_blank=True, default=""
    )
    referral_body = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=200
    )
    referred_station = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=1
    )
    resolution = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=4000
    )
    accountable_officer = _OfficerField(
        slug_field="username", required=False, allow_null=True, default=None
    )
    fault = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)

    def service_arguments(self) -> dict:
        data = dict(self.validated_data)
        data["expected_version"] = data.pop("version")
        return data


class MediationSessionWriteSerializer(serializers.Serializer):
    held_on = serializers.DateField()
    place = serializers.CharField(max_length=200)
    participants = serializers.CharField(max_length=1000)
    outcome = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)
    agreement_reached = serializers.BooleanField(required=False, default=False)
    agreement_text = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=20000
    )
    agreement_file = serializers.FileField(required=False, allow_null=True, default=None)
    version = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=1, help_text=VERSION_HELP
    )

    def service_arguments(self) -> dict:
        data = dict(self.validated_data)
        data["expected_version"] = data.pop("version")
        return data


class ConflictSerializer(serializers.Serializer):
    detail = serializers.CharField()
    version = serializers.ListField(child=serializers.CharField())
