"""Writes of the residents app: residents, reveals and exports, imports, public concerns.

Every function takes keyword arguments, checks scope through the one mechanism
(``actionable_by``), validates, and writes in one transaction. Tasks are enqueued on commit.
"""

from __future__ import annotations

import csv
import io
import logging
import secrets
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grid.models import Community, GridCell
from grid.scoping import scope_for
from residents.masking import mask_id_number, mask_phone
from residents.models import (
    AccessAction,
    Concern,
    ConcernNote,
    ConcernStatus,
    Household,
    ImportJob,
    ImportStatus,
    PersonalDataAccess,
    Resident,
    Tag,
    visible_tag_kinds,
)
from residents.validation import clean_phone

logger = logging.getLogger(__name__)

MIN_REASON_LENGTH = 4
EXPORT_MAX_ROWS = 100_000
TRACKING_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U
TRACKING_LENGTH = 16  # 80 bits of entropy


# --- Residents ------------------------------------------------------------------------------
@dataclass
class ResidentData:
    name: str
    grid_cell: GridCell
    id_number: str = ""  # blank on update: keep the current number
    phone: str = ""
    address: str = ""
    household_number: str = ""
    tags: list[Tag] | None = None


def _check_cell(actor, grid_cell: GridCell) -> None:
    if not GridCell.objects.actionable_by(actor).filter(pk=grid_cell.pk).exists():
        raise ValidationError({"grid_cell": _("You may not register residents in this grid cell.")})


def _household_for(*, actor, number: str, grid_cell: GridCell, address: str) -> Household | None:
    number = (number or "").strip()
    if not number:
        return None
    household = Household.objects.filter(number=number).first()
    if household is None:
        return Household.objects.create(number=number, grid_cell=grid_cell, address=address or "-")
    if not Household.objects.actionable_by(actor).filter(pk=household.pk).exists():
        raise ValidationError(
            {
                "household_number": _(
                    "This household number belongs to a grid cell outside your area."
                )
            }
        )
    return household


def _apply_tags(*, actor, resident: Resident, tags: list[Tag] | None) -> None:
    """Set the tags the actor may see; tags of kinds hidden from them are kept as they are."""
    if tags is None:
        return
    kinds = visible_tag_kinds(actor)
    hidden = [t for t in resident.tags.all() if t.kind not in kinds]
    resident.tags.set([*hidden, *[t for t in tags if t.kind in kinds]])


@transaction.atomic
def resident_create(*, actor, data: ResidentData) -> Resident:
    _check_cell(actor, data.grid_cell)
    resident = Resident(
        name=data.name.strip(),
        id_number=data.id_number,
        phone=clean_phone(data.phone),
        address=data.address.strip(),
        grid_cell=data.grid_cell,
    )
    resident.household = _household_for(
        actor=actor, number=data.household_number, grid_cell=data.grid_cell, address=data.address
    )
    resident.full_clean()  # derives birth date and sex from the ID number
    resident.save()
    _apply_tags(actor=actor, resident=resident, tags=data.tags)
    return resident


@transaction.atomic
def resident_update(*, actor, resident: Resident, data: ResidentData) -> Resident:
    resident = Resident.objects.actionable_by(actor).select_for_update().get(pk=resident.pk)
    _check_cell(actor, data.grid_cell)
    resident.name = data.name.strip()
    if data.id_number:
        resident.id_number = data.id_number
    resident.phone = clean_phone(data.phone)
    resident.address = data.address.strip()
    resident.grid_cell = data.grid_cell
    resident.household = _household_for(
        actor=actor, number=data.household_number, grid_cell=data.grid_cell, address=data.address
    )
    resident.full_clean()
    resident.save()
    _apply_tags(actor=actor, resident=resident, tags=data.tags)
    return resident


# --- Reveal and export (recorded) -----------------------------------------------------------
def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if len(reason) < MIN_REASON_LENGTH:
        raise ValidationError(
            {"reason": _("Give a reason of at least %(n)d characters.") % {"n": MIN_REASON_LENGTH}}
        )
    return reason[:200]


@dataclass(frozen=True)
class Revealed:
    id_number: str
    phone: str
    record: PersonalDataAccess


@transaction.atomic
def resident_reveal(*, actor, resident_id: int, reason: str) -> Revealed:
    """Full ID number and phone for the responsible officer or the station chief, recorded."""
    from residents.selectors import may_reveal

    reason = _require_reason(reason)
    if not may_reveal(actor):
        raise PermissionDenied(_("Your role may not see full ID numbers and phones."))
    resident = (
        Resident.objects.actionable_by(actor)
        .select_related("grid_cell__community__station")
        .filter(pk=resident_id)
        .first()
    )
    if resident is None:
        raise PermissionDenied(_("This resident is outside your area."))
    station = resident.grid_cell.community.station
    record = PersonalDataAccess.objects.create(
        actor=actor,
        action=AccessAction.REVEAL,
        reason=reason,
        fields="id_number,phone",
        resident_count=1,
        station=station,
        sub_bureau_id=station.sub_bureau_id,
    )
    record.residents.add(resident)
    return Revealed(id_number=resident.id_number, phone=resident.phone, record=record)


EXPORT_COLUMNS = (
    "name",
    "id_number",
    "sex",
    "birth_date",
    "phone",
    "address",
    "grid_cell",
    "household",
    "tags",
)


@transaction.atomic
def resident_export(*, actor, residents, reason: str, query: str = "") -> tuple[str, int]:
    """A CSV of the given (already scoped) residents, masked, and its access record.

    ``residents`` comes from ``selectors.resident_list``; returns (csv text, row count).
    """
    reason = _require_reason(reason)
    rows = list(
        residents.values_list(
            "pk",
            "name",
            "id_number",
            "sex",
            "birth_date",
            "phone",
            "address",
            "grid_cell__code",
            "grid_cell__community__station_id",
            "grid_cell__community__station__sub_bureau_id",
            "household__number",
        )[: EXPORT_MAX_ROWS + 1]
    )
    if len(rows) > EXPORT_MAX_ROWS:
        raise ValidationError(
            _("An export holds at most %(n)d residents; narrow the search.")
            % {"n": EXPORT_MAX_ROWS}
        )
    ids = [row[0] for row in rows]
    kinds = visible_tag_kinds(actor)
    tags: dict[int, list[str]] = {}
    through = Resident.tags.through.objects.filter(tag__kind__in=kinds)
    for chunk_start in range(0, len(ids), 20_000):
        chunk = ids[chunk_start : chunk_start + 20_000]
        for resident_id, code in through.filter(resident_id__in=chunk).values_list(
            "resident_id", "tag__code"
        ):
            tags.setdefault(resident_id, []).append(code)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(EXPORT_COLUMNS)
    for pk, name, id_number, sex, birth, phone, address, cell, _st, _sb, household in rows:
        writer.writerow(
            [
                _csv_safe(name),
                mask_id_number(id_number),
                sex,
                birth.isoformat(),
                mask_phone(phone),
                _csv_safe(address),
                cell,
                household or "",
                ";".join(sorted(tags.get(pk, []))),
            ]
        )
    stations = {row[8] for row in rows}
    sub_bureaus = {row[9] for row in rows}
    scope = scope_for(actor)
    station_id = (
        next(iter(stations))
        if len(stations) == 1
        else (
            scope.home_station_id or (next(iter(scope.station_ids)) if scope.station_ids else None)
        )
    )
    sub_bureau_id = (
        next(iter(sub_bureaus))
        if len(sub_bureaus) == 1
        else (next(iter(scope.sub_bureau_ids)) if scope.sub_bureau_ids else None)
    )
    record = PersonalDataAccess.objects.create(
        actor=actor,
        action=AccessAction.EXPORT,
        reason=reason,
        fields="masked",
        query=query[:300],
        resident_count=len(ids),
        station_id=station_id,
        sub_bureau_id=sub_bureau_id,
    )
    Through = PersonalDataAccess.residents.through
    Through.objects.bulk_create(
        [Through(personaldataaccess_id=record.pk, resident_id=pk) for pk in ids], batch_size=5000
    )
    return out.getvalue(), len(ids)


def _csv_safe(value: str) -> str:
    """Neutralise spreadsheet formulas in exported text (CSV injection)."""
    if value and value[0] in "=+-@\t\r":
        return "'" + value
    return value


# --- Bulk import ----------------------------------------------------------------------------
MAX_IMPORT_BYTES = 50 * 1024 * 1024


@transaction.atomic
def import_upload(*, actor, filename: str, content: bytes) -> ImportJob:
    """Store an uploaded CSV or XLSX and enqueue its dry run."""
    from residents import importing, tasks

    name = (filename or "").strip()[:200]
    if importing.file_kind(name) is None:
        raise ValidationError({"file": _("Upload a .csv or .xlsx file.")})
    if not content:
        raise ValidationError({"file": _("The file is empty.")})
    if len(content) > MAX_IMPORT_BYTES:
        raise ValidationError({"file": _("The file is larger than 50 MB.")})
    if not GridCell.objects.actionable_by(actor).exists():
        raise PermissionDenied(_("You may not import residents: no grid cell is yours to act on."))
    scope = scope_for(actor)
    station_id = scope.home_station_id or (
        next(iter(scope.station_ids)) if len(scope.station_ids) == 1 else None
    )
    job = ImportJob.objects.create(
        uploaded_by=actor, station_id=station_id, content=content, original_name=name
    )
    transaction.on_commit(lambda: enqueue(tasks.import_check_task, job.pk))
    return job


def import_check(*, job_id: int) -> ImportJob | None:
    """The dry run: parse and validate every row, write nothing. Safe to run twice."""
    from residents import importing

    job = ImportJob.objects.filter(pk=job_id).select_related("uploaded_by").first()
    if job is None or job.status not in (ImportStatus.UPLOADED, ImportStatus.CHECKING):
        return job
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.CHECKING)
    result = importing.check(job)
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportStatus.REJECTED if result.errors else ImportStatus.CHECKED,
        total_rows=result.total,
        processed_rows=result.total,
        errors=result.errors_for_storage(),
        message=result.summary(),
        finished_at=timezone.now() if result.errors else None,
    )
    job.refresh_from_db()
    return job


@transaction.atomic
def import_confirm(*, actor, job: ImportJob) -> ImportJob:
    from residents import tasks

    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if job.uploaded_by_id != actor.pk:
        raise PermissionDenied(_("Only the officer who uploaded the file may import it."))
    if job.status != ImportStatus.CHECKED:
        raise ValidationError(_("Only a file that passed the check can be imported."))
    job.status = ImportStatus.IMPORTING
    job.processed_rows = 0
    job.save(update_fields=["status", "processed_rows"])
    transaction.on_commit(lambda: enqueue(tasks.import_run_task, job.pk))
    return job


def import_run(*, job_id: int) -> ImportJob | None:
    """Upsert every row by ID number in one transaction (all or nothing). Safe to run twice."""
    from residents import importing

    job = ImportJob.objects.filter(pk=job_id).select_related("uploaded_by").first()
    if job is None or job.status != ImportStatus.IMPORTING:
        return job
    try:
        # Scope or data may have changed since the dry run: check again before writing.
        result = importing.check(job, rechecking=True)
        if result.errors:
            ImportJob.objects.filter(pk=job.pk).update(
                status=ImportStatus.REJECTED,
                errors=result.errors_for_storage(),
                message=result.summary(),
                finished_at=timezone.now(),
            )
        else:
            with transaction.atomic():
                created, updated = importing.write(job, result)
                ImportJob.objects.filter(pk=job.pk).update(
                    status=ImportStatus.DONE,
                    processed_rows=result.total,
                    created_count=created,
                    updated_count=updated,
                    message=_("%(created)d residents created, %(updated)d updated.")
                    % {"created": created, "updated": updated},
                    finished_at=timezone.now(),
                )
    except Exception as error:  # keep the reason on the job; nothing was written
        logger.exception("resident import %s failed", job.pk)
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportStatus.FAILED,
            message=(
                _("The import failed and nothing was written: %(error)s")
                % {"error": str(error)[:200]}
            )[:300],
            finished_at=timezone.now(),
        )
    job.refresh_from_db()
    return job


# --- Tasks, enqueued so that a broker outage never loses a saved record ---------------------
def enqueue(task, *args) -> bool:
    """Send a task; with the broker down, log and carry on (the data is already committed)."""
    try:
        task.apply_async(args=args, retry=False)
        return True
    except Exception:
        logger.warning("could not enqueue %s%r; the broker is unreachable", task.name, args)
        return False


# --- Public concerns ------------------------------------------------------------------------
def new_tracking_code() -> str:
    return "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(TRACKING_LENGTH))


def normalise_tracking_code(value: str) -> str:
    code = "".join((value or "").split()).replace("-", "").upper()
    code = code.translate(str.maketrans({"O": "0", "I": "1", "L": "1"}))
    if len(code) != TRACKING_LENGTH or any(c not in TRACKING_ALPHABET for c in code):
        return ""
    return code


def format_tracking_code(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


@dataclass
class ConcernSubmission:
    category: str
    description: str
    community: Community
    address: str = ""
    latitude: float | None = None
    longitude: float | None = None
    photo: object | None = None  # a cleaned ContentFile without metadata
    contact_name: str = ""
    contact_phone: str = ""
    contact_consent: bool = False


def concern_submit(*, data: ConcernSubmission) -> Concern:
    """Save a public concern, routed to its station's queue, then notify on commit."""
    from residents import geo, tasks

    grid_cell = None
    if data.latitude is not None and data.longitude is not None:
        grid_cell = geo.cell_at(
            community_id=data.community.pk, longitude=data.longitude, latitude=data.latitude
        )
    with transaction.atomic():
        for _attempt in range(5):
            code = new_tracking_code()
            if not Concern.objects.filter(tracking_code=code).exists():
                break
        concern = Concern(
            tracking_code=code,
            category=data.category,
            description=data.description.strip(),
            community=data.community,
            station_id=data.community.station_id,
            grid_cell=grid_cell,
            address=data.address.strip(),
            latitude=round(data.latitude, 6) if data.latitude is not None else None,
            longitude=round(data.longitude, 6) if data.longitude is not None else None,
            contact_name=data.contact_name.strip() if data.contact_consent else "",
            contact_phone=data.contact_phone if data.contact_consent else "",
            contact_consent=data.contact_consent,
        )
        if data.photo is not None:
            concern.photo.save(data.photo.name, data.photo, save=False)
        concern.save()
        transaction.on_commit(lambda: enqueue(tasks.concern_notify_task, concern.pk), robust=True)
    return concern


def concern_notify(*, concern_id: int) -> int:
    """E-mail the people who work the concern's queue. Returns how many were told."""
    from django.contrib.auth import get_user_model
    from django.core.mail import send_mail
    from django.db.models import Q

    from grid.models import AssignmentRole, GridAssignment
    from grid.scoping import Tier

    concern = Concern.objects.filter(pk=concern_id).select_related("community").first()
    if concern is None:
        return 0
    chiefs = Q(
        officer_profile__tier=Tier.STATION_CHIEF, officer_profile__station_id=concern.station_id
    )
    if concern.grid_cell_id:
        responsible = (
            GridAssignment.objects.active_on(timezone.localdate())
            .filter(grid_cell_id=concern.grid_cell_id, role=AssignmentRole.RESPONSIBLE)
            .values("officer_id")
        )
        chiefs |= Q(pk__in=responsible)
    emails = list(
        get_user_model()
        .objects.filter(chiefs, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )
    if emails:
        send_mail(
            subject=_("New concern %(reference)s: %(category)s")
            % {"reference": concern.reference, "category": concern.get_category_display()},
            message=_("A new concern was filed in %(community)s. Acknowledge it by %(deadline)s.")
            % {
                "community": concern.community.name,
                "deadline": timezone.localtime(concern.acknowledge_by).strftime("%Y-%m-%d %H:%M"),
            },
            from_email=None,
            recipient_list=emails,
            fail_silently=True,
        )
    return len(emails)


def _locked(actor, concern: Concern) -> Concern:
    locked = Concern.objects.actionable_by(actor).select_for_update().filter(pk=concern.pk).first()
    if locked is None:
        raise PermissionDenied(_("You may not act on this concern."))
    return locked


def _acknowledge(concern: Concern) -> None:
    if concern.acknowledged_at is None:
        concern.acknowledged_at = timezone.now()
    if concern.status == ConcernStatus.RECEIVED:
        concern.status = ConcernStatus.IN_PROGRESS


def _ensure_open(concern: Concern) -> None:
    if concern.status == ConcernStatus.CLOSED:
        raise ValidationError(_("This concern is closed."))


@transaction.atomic
def concern_acknowledge(*, actor, concern: Concern) -> Concern:
    concern = _locked(actor, concern)
    _ensure_open(concern)
    _acknowledge(concern)
    concern.save(update_fields=["acknowledged_at", "status", "updated_at"])
    return concern


@transaction.atomic
def concern_assign(*, actor, concern: Concern, assignee) -> Concern:
    from residents.selectors import concern_assignees

    concern = _locked(actor, concern)
    _ensure_open(concern)
    candidates = concern_assignees(concern=concern)
    if assignee is not None and not candidates.filter(pk=assignee.pk).exists():
        raise ValidationError({"assignee": _("Choose an officer of this concern's station.")})
    concern.assigned_to = assignee
    _acknowledge(concern)
    concern.save(update_fields=["assigned_to", "acknowledged_at", "status", "updated_at"])
    return concern


@transaction.atomic
def concern_route(*, actor, concern: Concern, grid_cell: GridCell) -> Concern:
    concern = _locked(actor, concern)
    _ensure_open(concern)
    if grid_cell.community.station_id != concern.station_id:
        raise ValidationError({"grid_cell": _("Choose a grid cell of this concern's station.")})
    concern.grid_cell = grid_cell
    concern.community_id = grid_cell.community_id
    concern.save(update_fields=["grid_cell", "community", "updated_at"])
    return concern


@transaction.atomic
def concern_add_note(*, actor, concern: Concern, body: str, public: bool) -> ConcernNote:
    concern = _locked(actor, concern)
    _ensure_open(concern)
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("Write the text of the note.")})
    note = ConcernNote(concern=concern, author=actor, body=body, is_public=public)
    note.full_clean()
    note.save()
    if public:
        _acknowledge(concern)
        concern.save(update_fields=["acknowledged_at", "status", "updated_at"])
    return note


@transaction.atomic
def concern_close(*, actor, concern: Concern, reply: str) -> Concern:
    concern = _locked(actor, concern)
    _ensure_open(concern)
    reply = (reply or "").strip()
    if not reply:
        raise ValidationError({"body": _("Closing a concern needs a public reply.")})
    note = ConcernNote(concern=concern, author=actor, body=reply, is_public=True)
    note.full_clean()
    note.save()
    _acknowledge(concern)
    concern.status = ConcernStatus.CLOSED
    concern.closed_at = timezone.now()
    concern.save(update_fields=["acknowledged_at", "status", "closed_at", "updated_at"])
    return concern
