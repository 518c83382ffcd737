"""Reads that only the dispute pages need (the core reads are in ``disputes.selectors``).

Every one starts from ``visible_to`` / ``actionable_by`` like the core selectors; views call
these instead of touching a manager themselves."""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from disputes.models import OPEN_STAGES, DisputeCase, MediationSession
from disputes.selectors import with_flags
from grid.models import OfficerProfile, Station
from grid.scoping import Tier

DAY_DUE_WITHIN_DAYS = 3
DAY_LIST_LIMIT = 20


def day_cases(*, user, as_of: date | None = None, limit: int = DAY_LIST_LIMIT) -> list:
    """The user's open cases (as responsible officer) that are overdue or due within three
    days, overdue first: the "Dispute cases" section of My day. One query."""
    as_of = as_of or timezone.localdate()
    cases = (
        DisputeCase.objects.visible_to(user)
        .filter(
            officer_id=user.pk,
            stage__in=OPEN_STAGES,
            stage_due_on__lte=as_of + timedelta(days=DAY_DUE_WITHIN_DAYS),
        )
        .select_related("grid_cell")
    )
    return list(with_flags(cases, as_of).order_by("stage_due_on", "-risk_rank", "pk")[:limit])


def session_get(*, user, pk) -> MediationSession:
    """A mediation session the user may see (scoped through its case), or 404."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404("No such session.") from None
    session = MediationSession.objects.visible_to(user).select_related("case").filter(pk=pk)
    found = session.first()
    if found is None:
        raise Http404("No such mediation session in your area.")
    return found


def board_stations(*, user) -> QuerySet[Station]:
    """Stations the user may pick on the case board."""
    return Station.objects.visible_to(user).order_by("name", "pk")


def referral_stations(*, case: DisputeCase) -> QuerySet[Station]:
    """Stations a case may be referred to: any other station of the city (names only)."""
    return (
        Station.objects.exclude(pk=case.grid_cell.community.station_id)
        .select_related("sub_bureau")
        .order_by("sub_bureau__name", "name", "pk")
    )


def station_officers(*, user, station_id: int | None = None) -> QuerySet:
    """Officers (not grid workers) the user may see, for the board's officer filter and the
    responsible-officer suggestions."""
    profiles = (
        OfficerProfile.objects.visible_to(user)
        .filter(is_active=True)
        .exclude(tier=Tier.GRID_WORKER)
    )
    if station_id:
        profiles = profiles.filter(station_id=station_id)
    return (
        get_user_model()
        .objects.filter(pk__in=profiles.values("user_id"), is_active=True)
        .order_by("last_name", "first_name", "username")
    )


def source_concern(*, user, pk):
    from residents.models import Concern

    if not str(pk or "").isdigit():
        raise Http404("No such concern.")
    concern = Concern.objects.visible_to(user).select_related("grid_cell").filter(pk=pk).first()
    if concern is None:
        raise Http404("No such concern in your area.")
    return concern


def source_visit(*, user, pk):
    from grid.models import GridVisit
    from residents.models import Resident

    if not str(pk or "").isdigit():
        raise Http404("No such visit.")
    visit = GridVisit.objects.visible_to(user).select_related("grid_cell").filter(pk=pk).first()
    if visit is None:
        raise Http404("No such visit in your area.")
    visit.met = list(
        Resident.objects.visible_to(user)
        .filter(pk__in=visit.residents_met.values("pk"))
        .only("pk", "name", "id_number", "address")
        .order_by("name", "pk")
    )
    return visit


def residents_chosen(*, user, grid_cell, ids) -> dict:
    """Residents of the cell picked on a re-shown form, by id (scoped)."""
    from residents.models import Resident

    ids = [int(i) for i in ids if str(i).isdigit()]
    if not ids or grid_cell is None:
        return {}
    return Resident.objects.visible_to(user).filter(grid_cell=grid_cell).in_bulk(ids)
