"""Forms of the dispute pages. They only collect and type the input; the rules live in
``disputes.services`` (its ValidationErrors come back onto the fields they name through
``grid.forms.add_service_errors``)."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from disputes.models import (
    DisputeCategory,
    DisputeSource,
    EscalationLevel,
    EscalationRisk,
    PartyRole,
    ReferralKind,
    Severity,
    Stage,
)
from disputes.services import AGREEMENT_MAX_BYTES, PartyInput
from grid.models import GridCell
from risks.forms import OfficerField, officer_users

ORDERING_CHOICES = [
    ("due", _("Overdue first, then deadline")),
    ("risk", _("Escalation risk, highest first")),
    ("newest", _("Newest first")),
    ("updated", _("Recently changed")),
]
FLAG_FIELDS = ("threats", "weapons", "repeated_conflict", "vulnerable_party")
MAX_OUTSIDE_ROWS = 20


class CaseFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        help_text=_("Reference (D000012), party name, address or summary"),
    )
    stage = forms.ChoiceField(
        label=_("Stage"),
        required=False,
        choices=[("open", _("All open")), ("all", _("All")), *Stage.choices],
    )
    category = forms.ChoiceField(
        label=_("Category"),
        required=False,
        choices=[("", _("All categories")), *DisputeCategory.choices],
    )
    risk = forms.ChoiceField(
        label=_("Escalation risk"),
        required=False,
        choices=[("", _("Any risk")), *EscalationRisk.choices],
    )
    cell = forms.CharField(label=_("Grid cell code"), required=False, max_length=40)
    officer = forms.CharField(label=_("Responsible officer (username)"), required=False)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=ORDERING_CHOICES)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_officer(self):
        username = (self.cleaned_data.get("officer") or "").strip()
        if not username:
            return None
        officer = officer_users(self.user).filter(username=username).only("pk").first()
        if officer is None:
            raise ValidationError(_("No officer with this username in your area."))
        return officer.pk

    def cleaned_filters(self) -> dict:
        data = self.cleaned_data
        stage = data.get("stage") or "open"
        return {
            "query": data.get("q") or "",
            "stage": stage if stage in Stage.values else "",
            "open_only": stage == "open",
            "overdue_only": bool(data.get("overdue")),
            "category": data.get("category") or "",
            "escalation_risk": data.get("risk") or "",
            "officer_id": data.get("officer"),
            "grid_cell_code": (data.get("cell") or "").strip(),
            "ordering": data.get("sort") or "due",
        }


class BoardFilterForm(forms.Form):
    station = forms.ModelChoiceField(
        label=_("Police station"), queryset=None, required=False, to_field_name="code"
    )
    officer = forms.ModelChoiceField(
        label=_("Responsible officer"), queryset=None, required=False, to_field_name="username"
    )

    def __init__(self, *args, stations, officers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["station"].queryset = stations
        self.fields["station"].empty_label = _("All my stations")
        self.fields["officer"].queryset = officers
        self.fields["officer"].empty_label = _("All officers")
        self.fields["officer"].label_from_instance = _person_label

    def cleaned_filters(self) -> dict:
        data = self.cleaned_data
        return {
            "station_id": data["station"].pk if data.get("station") else None,
            "officer_id": data["officer"].pk if data.get("officer") else None,
        }


def _person_label(user) -> str:
    from grid.people import person_name

    return person_name(user)


class CaseDetailsForm(forms.Form):
    """The fields of a case both the registration and the edit form carry."""

    category = forms.ChoiceField(label=_("Category"), choices=DisputeCategory.choices)
    summary = forms.CharField(
        label=_("Summary"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What the dispute is about, in a few sentences."),
    )
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    severity = forms.ChoiceField(
        label=_("Severity"), choices=Severity.choices, initial=Severity.GENERAL
    )
    threats = forms.BooleanField(label=_("Threats made"), required=False)
    weapons = forms.BooleanField(label=_("Weapons mentioned"), required=False)
    repeated_conflict = forms.BooleanField(label=_("Repeated conflict"), required=False)
    vulnerable_party = forms.BooleanField(label=_("A vulnerable party"), required=False)
    source_detail = forms.CharField(
        label=_("Source details"),
        max_length=200,
        required=False,
        help_text=_("E.g. the 110 call's number or the referring body."),
    )
    officer = OfficerField(
        label=_("Responsible officer (username)"),
        required=False,
        help_text=_("Empty: the grid cell's responsible officer."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["officer"].queryset = officer_users(user)


class CaseCreateForm(CaseDetailsForm):
    field_order = [
        "grid_cell",
        "category",
        "summary",
        "address",
        "severity",
        "threats",
        "weapons",
        "repeated_conflict",
        "vulnerable_party",
        "source",
        "source_detail",
        "officer",
    ]
    grid_cell = forms.ModelChoiceField(
        label=_("Grid cell (code)"),
        queryset=GridCell.objects.none(),
        to_field_name="code",
        widget=forms.TextInput(attrs={"list": "cell-suggestions", "autocomplete": "off"}),
        error_messages={"invalid_choice": _("No grid cell with this code where you may act.")},
    )
    source = forms.ChoiceField(
        label=_("Where the case came from"),
        choices=DisputeSource.choices,
        initial=DisputeSource.OFFICER,
    )

    def __init__(self, *args, cells, fixed_source: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grid_cell"].queryset = cells
        if fixed_source:
            # From a concern or a visit, the source is that one.
            self.fields["source"].choices = [
                (value, label) for value, label in DisputeSource.choices if value == fixed_source
            ]
        else:
            self.fields["source"].choices = [
                (value, label)
                for value, label in DisputeSource.choices
                if value not in (DisputeSource.CONCERN, DisputeSource.VISIT)
            ]


class CaseUpdateForm(CaseDetailsForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["officer"].required = True
        self.fields["officer"].help_text = ""
        # Keeping the current officer is always possible, even one outside the user's view
        # (the chief of a station the case was referred to).
        self.fields["officer"].queryset = officer_users(
            self.user
        ) | get_user_model().objects.filter(pk=case.officer_id)

    def service_changes(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("version", None)
        return data


class TransitionForm(forms.Form):
    """One move of the procedure: only the fields that move needs (``workflow.Move``)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    escalation_level = forms.ChoiceField(
        label=_("Escalate to"),
        choices=EscalationLevel.choices,
        help_text=_("Only a major case goes up to the sub-bureau."),
    )
    referral_kind = forms.ChoiceField(label=_("Refer to"), choices=ReferralKind.choices)
    referral_body = forms.CharField(
        label=_("Receiving body"),
        max_length=200,
        required=False,
        help_text=_("The committee, court or department (for a station: optional)."),
    )
    referred_station = forms.ModelChoiceField(
        label=_("Receiving station"), queryset=None, required=False
    )
    resolution = forms.CharField(
        label=_("How the dispute was resolved"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    accountable_officer = OfficerField(label=_("Officer who handled the case (username)"))
    fault = forms.CharField(
        label=_("What was wrong with how the case was handled"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    reason = forms.CharField(
        label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, move, user, stations, **kwargs):
        super().__init__(*args, **kwargs)
        self.move = move
        if not move.needs_escalation_level:
            del self.fields["escalation_level"]
        if move.needs_referral:
            self.fields["referred_station"].queryset = stations
            self.fields["referred_station"].label_from_instance = lambda station: (
                f"{station.name} ({station.sub_bureau.name})"
            )
        else:
            for name in ("referral_kind", "referral_body", "referred_station"):
                del self.fields[name]
        if not move.needs_resolution:
            del self.fields["resolution"]
        if move.needs_accountability:
            self.fields["accountable_officer"].queryset = officer_users(user)
        else:
            del self.fields["accountable_officer"]
            del self.fields["fault"]
        if not move.reason_required:
            self.fields["reason"].required = False
            self.fields["reason"].label = _("Note (optional)")

    def service_values(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("version", None)
        return {name: value for name, value in data.items() if value not in (None,)}


class SessionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    held_on = forms.DateField(
        label=_("Held on"), widget=forms.DateInput(attrs={"type": "date"}), required=False
    )
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    participants = forms.CharField(
        label=_("Participants"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    outcome = forms.CharField(
        label=_("What was agreed"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    agreement_reached = forms.BooleanField(label=_("Agreement reached"), required=False)
    agreement_text = forms.CharField(
        label=_("Written agreement"),
        max_length=20000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    agreement_file = forms.FileField(
        label=_("Signed agreement (PDF, JPEG or PNG, up to 10 MB)"), required=False
    )

    def clean_agreement_file(self):
        upload = self.cleaned_data.get("agreement_file")
        if upload and upload.size > AGREEMENT_MAX_BYTES:
            raise ValidationError(_("The file is larger than 10 MB."))
        return upload

    def service_values(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("version", None)
        data["agreement_file"] = data.get("agreement_file") or None
        return data


class PartyAddForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)
    role = forms.ChoiceField(label=_("Role"), choices=PartyRole.choices)
    resident = forms.IntegerField(
        label=_("Resident"), required=False, min_value=1, widget=forms.HiddenInput
    )
    name = forms.CharField(label=_("Name"), max_length=60, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)

    def party(self) -> PartyInput:
        data = self.cleaned_data
        return PartyInput(
            role=data["role"],
            resident_id=data.get("resident") or None,
            name=data.get("name") or "",
            phone=data.get("phone") or "",
        )


# --- Parties on the registration form -------------------------------------------------------
def posted_parties(data) -> tuple[list[dict], list[dict]]:
    """The parties typed on the registration form, as rows to show again:
    residents (``party_resident`` with ``party_resident_role``, in the same order) and outside
    parties (``party_name`` / ``party_phone`` / ``party_role`` rows; blank rows dropped)."""
    residents = []
    ids = data.getlist("party_resident")
    roles = data.getlist("party_resident_role")
    for index, resident_id in enumerate(ids):
        if not str(resident_id).isdigit():
            continue
        role = roles[index] if index < len(roles) else PartyRole.OTHER
        residents.append({"id": int(resident_id), "role": role})
    outside = []
    names = data.getlist("party_name")
    phones = data.getlist("party_phone")
    roles = data.getlist("party_role")
    for index, name in enumerate(names[:MAX_OUTSIDE_ROWS]):
        phone = phones[index] if index < len(phones) else ""
        role = roles[index] if index < len(roles) else PartyRole.OTHER
        if (name or "").strip() or (phone or "").strip():
            outside.append({"name": name.strip(), "phone": phone.strip(), "role": role})
    return residents, outside


def party_inputs(residents: list[dict], outside: list[dict]) -> list[PartyInput]:
    return [
        *(PartyInput(role=row["role"], resident_id=row["id"]) for row in residents),
        *(PartyInput(role=row["role"], name=row["name"], phone=row["phone"]) for row in outside),
    ]


def today():
    return timezone.localdate()
