"""Forms of the residents app: validation of input only; writes happen in services."""

from __future__ import annotations

import io
import os

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext_lazy as _

from grid.models import GridCell
from residents import selectors
from residents.models import ConcernCategory, ConcernStatus, Tag
from residents.services import ResidentData
from residents.validation import clean_phone, id_number_facts

PHOTO_MAX_BYTES = 5 * 1024 * 1024
PHOTO_MAX_PIXELS = 40_000_000
PHOTO_MAX_SIDE = 2560


class StyledForm(forms.Form):
    """Adds Bootstrap classes and ARIA links to the widgets (templates stay plain)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style_widgets()

    def style_widgets(self) -> None:
        for name, field in self.fields.items():
            widget = field.widget
            if isinstance(widget, forms.HiddenInput):
                continue
            if isinstance(widget, forms.CheckboxSelectMultiple | forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            if not isinstance(widget, forms.CheckboxSelectMultiple):
                widget.attrs.setdefault("class", css)
            described = []
            if field.help_text:
                described.append(f"id_{name}_help")
            if self._errors and name in self._errors:
                described.append(f"id_{name}_error")
                widget.attrs["aria-invalid"] = "true"
            if described:
                widget.attrs["aria-describedby"] = " ".join(described)

    def full_clean(self):
        super().full_clean()
        self.style_widgets()


class ResidentFilterForm(StyledForm):
    q = forms.CharField(label=_("Name"), required=False, max_length=60)
    id_last = forms.RegexField(
        label=_("Last digits of the ID number"),
        required=False,
        regex=r"^[0-9Xx]{1,6}$",
        error_messages={"invalid": _("Enter up to 6 final digits (or X).")},
    )
    address = forms.CharField(label=_("Address"), required=False, max_length=100)
    tag = forms.ModelChoiceField(label=_("Tag"), queryset=Tag.objects.none(), required=False)
    grid_cell = forms.ModelChoiceField(
        label=_("Grid cell"), queryset=GridCell.objects.none(), required=False, to_field_name="code"
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tag"].queryset = selectors.tag_choices(user=user)
        self.fields["grid_cell"].queryset = GridCell.objects.visible_to(user).order_by("code")

    def cleaned_filters(self) -> dict:
        data = self.cleaned_data
        return {
            "search": data.get("q") or "",
            "id_last": data.get("id_last") or "",
            "address": data.get("address") or "",
            "tag": data.get("tag"),
            "grid_cell": data.get("grid_cell"),
        }


class ResidentForm(StyledForm):
    name = forms.CharField(label=_("Name"), max_length=60)
    id_number = forms.CharField(
        label=_("Resident ID number"),
        max_length=18,
        min_length=18,
        help_text=_("18 characters; birth date and sex are taken from it."),
    )
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    grid_cell = forms.ModelChoiceField(label=_("Grid cell"), queryset=GridCell.objects.none())
    household_number = forms.CharField(
        label=_("Household number"),
        max_length=40,
        required=False,
        help_text=_("Residents with the same household number form one household."),
    )
    tags = forms.ModelMultipleChoiceField(
        label=_("Tags"),
        queryset=Tag.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, user, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.editing = editing
        self.fields["grid_cell"].queryset = selectors.actionable_cells(user=user)
        self.fields["tags"].queryset = selectors.tag_choices(user=user)
        if editing:
            field = self.fields["id_number"]
            field.required = False
            field.min_length = None
            field.validators = []
            field.help_text = _("Leave blank to keep the current number.")
            self.fields["phone"].help_text = _("Leave blank to keep the current phone.")

    def clean_id_number(self):
        value = self.cleaned_data.get("id_number", "")
        if not value and self.editing:
            return ""
        return id_number_facts(value).number

    def clean_phone(self):
        return clean_phone(self.cleaned_data.get("phone", ""))

    def to_data(self) -> ResidentData:
        data = self.cleaned_data
        return ResidentData(
            name=data["name"],
            id_number=data["id_number"],
            phone=data["phone"],
            address=data["address"],
            grid_cell=data["grid_cell"],
            household_number=data["household_number"],
            tags=list(data["tags"]),
        )


class RevealForm(StyledForm):
    reason = forms.CharField(
        label=_("Reason"),
        min_length=4,
        max_length=200,
        help_text=_("Why you need the full ID number and phone. It is recorded."),
    )


class ExportForm(StyledForm):
    reason = forms.CharField(
        label=_("Reason for the export"),
        min_length=4,
        max_length=200,
        help_text=_("Exports are masked and recorded with this reason."),
    )


class AccessRecordFilterForm(StyledForm):
    actor = forms.ModelChoiceField(label=_("Officer"), queryset=None, required=False)
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["actor"].queryset = selectors.access_record_actors(user=user)

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise ValidationError({"date_to": _("The end date is before the start date.")})
        return data


class ImportUploadForm(StyledForm):
    file = forms.FileField(
        label=_("CSV or XLSX file"),
        help_text=_(
            "Header row with: name, id_number, grid_cell (required); phone, address, household, "
            "tags (optional; tag codes separated by semicolons)."
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if os.path.splitext(upload.name)[1].lower() not in (".csv", ".xlsx"):
            raise ValidationError(_("Upload a .csv or .xlsx file."))
        return upload


# --- Concerns -------------------------------------------------------------------------------
class ConcernFilterForm(StyledForm):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("open", _("Open")), ("", _("All")), *ConcernStatus.choices],
    )
    category = forms.ChoiceField(
        label=_("Category"), required=False, choices=[("", _("All")), *ConcernCategory.choices]
    )
    mine = forms.BooleanField(label=_("Assigned to me"), required=False)
    overdue = forms.BooleanField(label=_("Acknowledgement overdue"), required=False)
    unrouted = forms.BooleanField(label=_("No grid cell yet"), required=False)


class CommunityChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.station.name})"


class ConcernPublicForm(StyledForm):
    category = forms.ChoiceField(label=_("What is it about?"), choices=ConcernCategory.choices)
    description = forms.CharField(
        label=_("Describe the problem"),
        min_length=10,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What happened, when, and how often (10 to 2,000 characters)."),
    )
    community = CommunityChoiceField(label=_("Community"), queryset=None, empty_label=_("Choose"))
    address = forms.CharField(
        label=_("Address or place"),
        max_length=200,
        required=False,
        help_text=_("For example the building, street or landmark."),
    )
    latitude = forms.FloatField(
        required=False, min_value=-90, max_value=90, widget=forms.HiddenInput
    )
    longitude = forms.FloatField(
        required=False, min_value=-180, max_value=180, widget=forms.HiddenInput
    )
    photo = forms.FileField(
        label=_("Photo (optional)"),
        required=False,
        help_text=_("JPEG or PNG, at most 5 MB. Location and camera data are removed."),
    )
    contact_name = forms.CharField(label=_("Your name (optional)"), max_length=60, required=False)
    contact_phone = forms.CharField(label=_("Your phone (optional)"), max_length=20, required=False)
    contact_consent = forms.BooleanField(
        label=_("I agree that the police may contact me about this concern."), required=False
    )
    # Honeypot: hidden from people (CSS and aria-hidden); bots fill it in.
    website = forms.CharField(label=_("Leave this field empty"), required=False, max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = selectors.public_communities()

    def clean_contact_phone(self):
        return clean_phone(self.cleaned_data.get("contact_phone", ""))

    def clean_photo(self):
        upload = self.cleaned_data.get("photo")
        if not upload:
            return None
        return clean_photo(upload)

    def clean(self):
        data = super().clean()
        has_contact = bool(data.get("contact_name") or data.get("contact_phone"))
        if has_contact and not data.get("contact_consent"):
            self.add_error(
                "contact_consent",
                _("Tick the consent box to give your name or phone, or leave both empty."),
            )
        if data.get("contact_consent") and not has_contact:
            self.add_error("contact_phone", _("Give a name or phone, or untick the consent box."))
        if (data.get("latitude") is None) != (data.get("longitude") is None):
            self.add_error("community", _("The map pin is incomplete; place it again."))
        return data


def clean_photo(upload) -> ContentFile:
    """Accept JPEG or PNG only, within limits; re-encode it so no EXIF or text chunk survives."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    if upload.size > PHOTO_MAX_BYTES:
        raise ValidationError(_("The photo is larger than 5 MB."))
    try:
        with Image.open(upload) as probe:
            kind = probe.format
            width, height = probe.size
            probe.verify()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise ValidationError(_("The photo must be a JPEG or PNG image.")) from None
    if kind not in ("JPEG", "PNG"):
        raise ValidationError(_("The photo must be a JPEG or PNG image."))
    if width * height > PHOTO_MAX_PIXELS:
        raise ValidationError(_("The photo has too many pixels."))
    upload.seek(0)
    with Image.open(upload) as image:
        image = ImageOps.exif_transpose(image)  # keep the orientation, drop the metadata
        image.thumbnail((PHOTO_MAX_SIDE, PHOTO_MAX_SIDE))
        image.info = {}  # no EXIF, XMP, text chunks or comments are carried over
        out = io.BytesIO()
        if kind == "JPEG":
            image.convert("RGB").save(out, format="JPEG", quality=85, optimize=True)
            extension = "jpg"
        else:
            image.save(out, format="PNG", optimize=True)
            extension = "png"
    return ContentFile(out.getvalue(), name=f"concern.{extension}")


class ConcernTrackForm(StyledForm):
    code = forms.CharField(
        label=_("Tracking code"),
        max_length=40,
        help_text=_("The 16-character code you received, e.g. ABCD-EFGH-JKMN-PQRS."),
    )


class ConcernNoteForm(StyledForm):
    body = forms.CharField(
        label=_("Text"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    public = forms.BooleanField(
        label=_("Public reply (the resident sees it on the status page)"), required=False
    )


class ConcernCloseForm(StyledForm):
    body = forms.CharField(
        label=_("Closing reply to the resident"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ConcernAssignForm(StyledForm):
    assignee = forms.ModelChoiceField(
        label=_("Assign to"), queryset=None, required=False, empty_label=_("Nobody")
    )

    def __init__(self, *args, concern, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = selectors.concern_assignees(concern=concern)
        self.fields["assignee"].label_from_instance = _officer_label


class ConcernRouteForm(StyledForm):
    grid_cell = forms.ModelChoiceField(label=_("Grid cell"), queryset=None)

    def __init__(self, *args, concern, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grid_cell"].queryset = selectors.concern_routable_cells(concern=concern)


def _officer_label(user) -> str:
    from grid.people import person_name

    return person_name(user)
