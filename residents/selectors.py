"""Reads of the residents app, always built on the scoped querysets (``visible_to``)."""

from __future__ import annotations

from datetime import date, datetime, time

from django.contrib.auth import get_user_model
from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from grid.models import Community, GridCell, OfficerProfile
from grid.scoping import Tier, scope_for
from residents.links import concern_links, resident_links
from residents.models import (
    Concern,
    ConcernNote,
    ConcernStatus,
    Household,
    ImportJob,
    PersonalDataAccess,
    Resident,
    Tag,
    visible_tag_kinds,
)


# --- Tags -----------------------------------------------------------------------------------
def tag_choices(*, user) -> QuerySet[Tag]:
    return Tag.objects.filter(kind__in=visible_tag_kinds(user)).order_by("kind", "name")


def _visible_tags_prefetch(user) -> Prefetch:
    return Prefetch(
        "tags",
        queryset=Tag.objects.filter(kind__in=visible_tag_kinds(user)).order_by("kind", "name"),
        to_attr="visible_tags",
    )


# --- Residents ------------------------------------------------------------------------------
def resident_list(
    *,
    user,
    search: str = "",
    id_last: str = "",
    address: str = "",
    tag: Tag | None = None,
    grid_cell: GridCell | None = None,
    household: Household | None = None,
) -> QuerySet[Resident]:
    """Residents the user may see, matching the filters; tags limited to the kinds they may see.

    Two queries per page whatever the number of rows (residents with their units, tags).
    """
    residents = (
        Resident.objects.visible_to(user)
        .select_related("grid_cell__community", "household")
        .prefetch_related(_visible_tags_prefetch(user))
        # Follows the (grid_cell, name) index, so a page is read in index order, not sorted.
        .order_by("grid_cell_id", "name", "pk")
    )
    if search:
        residents = residents.filter(name__icontains=search)
    if id_last:
        residents = residents.filter(id_number__endswith=id_last.upper())
    if address:
        residents = residents.filter(address__icontains=address)
    if tag is not None:
        if tag.kind not in visible_tag_kinds(user):
            return residents.none()
        residents = residents.with_tag(tag.code)
    if grid_cell is not None:
        residents = residents.filter(grid_cell=grid_cell)
    if household is not None:
        residents = residents.filter(household=household)
    return residents


def resident_get(*, user, pk: int, for_action: bool = False) -> Resident:
    base = Resident.objects.actionable_by(user) if for_action else Resident.objects.visible_to(user)
    resident = (
        base.select_related("grid_cell__community__station", "household")
        .prefetch_related(_visible_tags_prefetch(user))
        .filter(pk=pk)
        .first()
    )
    if resident is None:
        raise Http404
    return resident


def resident_household_members(*, user, resident: Resident) -> QuerySet[Resident]:
    if resident.household_id is None:
        return Resident.objects.none()
    return (
        Resident.objects.visible_to(user)
        .filter(household_id=resident.household_id)
        .exclude(pk=resident.pk)
        .order_by("birth_date")
    )


def linked_objects(*, user, obj, links) -> list[dict]:
    """For each registered link: the linked objects the user may see (one query per link)."""
    sections = []
    for link in links:
        manager = getattr(obj, link.related_name, None)
        if manager is None:
            continue
        queryset = manager.all().select_related(*link.select_related)
        if hasattr(queryset, "visible_to"):
            queryset = queryset.visible_to(user)
        items = list(queryset[: link.limit])
        sections.append({"link": link, "items": items})
    return sections


def resident_links_for(*, user, resident: Resident) -> list[dict]:
    return linked_objects(user=user, obj=resident, links=resident_links())


def resident_may_act(*, user, resident: Resident) -> bool:
    return Resident.objects.actionable_by(user).filter(pk=resident.pk).exists()


def may_reveal(user) -> bool:
    """Full ID numbers and phones are for the responsible community officer and the chief."""
    scope = scope_for(user)
    return scope.tier in (Tier.STATION_CHIEF, Tier.COMMUNITY_OFFICER)


def actionable_cells(*, user) -> QuerySet[GridCell]:
    return GridCell.objects.actionable_by(user).select_related("community").order_by("code")


def household_list(
    *, user, search: str = "", grid_cell: GridCell | None = None, with_member_count=False
):
    households = Household.objects.visible_to(user).select_related("grid_cell").order_by("number")
    if with_member_count:
        # A correlated count per row of the page keeps the pagination count a plain one.
        members = (
            Resident.objects.filter(household=OuterRef("pk"))
            .order_by()
            .values("household")
            .annotate(n=Count("pk"))
            .values("n")
        )
        households = households.annotate(member_count=Coalesce(Subquery(members), 0))
    if search:
        households = households.filter(Q(number__icontains=search) | Q(address__icontains=search))
    if grid_cell is not None:
        households = households.filter(grid_cell=grid_cell)
    return households


# --- Access records -------------------------------------------------------------------------
def access_record_list(
    *, user, actor_id: int | None = None, date_from: date | None = None, date_to: date | None = None
) -> QuerySet[PersonalDataAccess]:
    records = (
        PersonalDataAccess.objects.visible_to(user)
        .select_related("actor", "station")
        .prefetch_related(Prefetch("residents", queryset=Resident.objects.only("pk", "name")))
        .order_by("-created_at", "-pk")
    )
    tz = timezone.get_current_timezone()
    if actor_id:
        records = records.filter(actor_id=actor_id)
    if date_from:
        records = records.filter(created_at__gte=datetime.combine(date_from, time.min, tz))
    if date_to:
        records = records.filter(created_at__lte=datetime.combine(date_to, time.max, tz))
    return records


def access_record_actors(*, user):
    """Officers who may appear in the user's access records (for the filter)."""
    officers = OfficerProfile.objects.visible_to(user).values("user_id")
    return get_user_model().objects.filter(pk__in=officers).order_by("username")


# --- Imports --------------------------------------------------------------------------------
def import_job_list(*, user) -> QuerySet[ImportJob]:
    return ImportJob.objects.visible_to(user).defer("content").select_related("uploaded_by")


def import_job_get(*, user, pk: int) -> ImportJob:
    job = import_job_list(user=user).filter(pk=pk).first()
    if job is None:
        raise Http404
    return job


# --- Concerns -------------------------------------------------------------------------------
def concern_list(
    *,
    user,
    status: str = "",
    category: str = "",
    mine: bool = False,
    overdue: bool = False,
    unrouted: bool = False,
    search: str = "",
) -> QuerySet[Concern]:
    concerns = (
        Concern.objects.visible_to(user)
        .select_related("community", "grid_cell", "station", "assigned_to")
        .order_by("-created_at", "-pk")
    )
    if status == "open":
        concerns = concerns.open()
    elif status:
        concerns = concerns.filter(status=status)
    if category:
        concerns = concerns.filter(category=category)
    if mine:
        concerns = concerns.assigned_to(user)
    if overdue:
        concerns = concerns.overdue_acknowledgement()
    if unrouted:
        concerns = concerns.filter(grid_cell__isnull=True)
    if search:
        concerns = concerns.filter(Q(description__icontains=search) | Q(address__icontains=search))
    return concerns


def concern_get(*, user, pk: int, for_action: bool = False) -> Concern:
    base = Concern.objects.actionable_by(user) if for_action else Concern.objects.visible_to(user)
    concern = (
        base.select_related("community", "grid_cell", "station", "assigned_to")
        .filter(pk=pk)
        .first()
    )
    if concern is None:
        raise Http404
    return concern


def concern_may_act(*, user, concern: Concern) -> bool:
    return Concern.objects.actionable_by(user).filter(pk=concern.pk).exists()


def concern_notes(*, concern: Concern) -> QuerySet[ConcernNote]:
    return ConcernNote.objects.filter(concern=concern).select_related("author")


def concern_links_for(*, user, concern: Concern) -> list[dict]:
    return linked_objects(user=user, obj=concern, links=concern_links())


def concern_assignees(*, concern: Concern):
    """Who a concern may be assigned to: the station's chief and community officers."""
    return (
        get_user_model()
        .objects.filter(
            officer_profile__station_id=concern.station_id,
            officer_profile__is_active=True,
            officer_profile__tier__in=(Tier.STATION_CHIEF, Tier.COMMUNITY_OFFICER),
        )
        .select_related("officer_profile")
        .order_by("username")
    )


def concern_routable_cells(*, concern: Concern) -> QuerySet[GridCell]:
    return GridCell.objects.filter(community__station_id=concern.station_id).order_by("code")


def concern_public_get(*, tracking_code: str) -> Concern | None:
    """The concern behind a tracking code, or None (callers answer the same either way)."""
    return (
        Concern.objects.filter(tracking_code=tracking_code)
        .only(
            "pk",
            "tracking_code",
            "category",
            "status",
            "created_at",
            "acknowledged_at",
            "closed_at",
            "acknowledge_by",
        )
        .first()
    )


def concern_public_replies(*, concern: Concern) -> QuerySet[ConcernNote]:
    return ConcernNote.objects.filter(concern=concern, is_public=True).only(
        "body", "created_at", "concern_id"
    )


def public_communities() -> QuerySet[Community]:
    return Community.objects.select_related("station").order_by("station__name", "name")


def public_community_cells(*, community_id: int) -> QuerySet[GridCell]:
    return GridCell.objects.filter(community_id=community_id, boundary__isnull=False).only(
        "pk", "name", "boundary"
    )


def concern_counts(*, user) -> dict[str, int]:
    """Figures for the queue header (one aggregate query)."""
    from django.db.models import Count

    now = timezone.now()
    return Concern.objects.visible_to(user).aggregate(
        open=Count("pk", filter=~Q(status=ConcernStatus.CLOSED)),
        overdue=Count(
            "pk",
            filter=Q(acknowledged_at__isnull=True, acknowledge_by__lt=now)
            & ~Q(status=ConcernStatus.CLOSED),
        ),
        unrouted=Count("pk", filter=Q(grid_cell__isnull=True) & ~Q(status=ConcernStatus.CLOSED)),
    )
