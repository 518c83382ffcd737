"""The one access-scoping mechanism.

Every scoped model's queryset derives from ``ScopedQuerySet`` and answers two questions for a
user: ``visible_to(user)`` (what they may see) and ``actionable_by(user)`` (what they may act
on). The answer comes from the user's tier (``UserScope``, resolved once per request) OR an
explicit django-guardian grant on one object, through direct foreign-key permission models.
Deny by default: a user with no officer profile sees nothing; superusers see everything.

A model in a grid cell only names the path to it (``grid_cell_path``); the tier rules and the
grants on its grid cell then apply to it unchanged. Tier models (sub-bureau, station,
community) override ``tier_filter`` because they sit above the grid cell.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Access(enum.Enum):
    VIEW = "view"
    ACT = "act"


class Tier(models.TextChoices):
    SUB_BUREAU_STAFF = "sub_bureau_staff", _("Sub-bureau staff")
    STATION_CHIEF = "station_chief", _("Station chief")
    COMMUNITY_OFFICER = "community_officer", _("Community officer")
    GRID_WORKER = "grid_worker", _("Grid worker")


# Tiers in order of authority: a move that needs "the station chief or above" compares ranks.
TIER_RANK = {
    Tier.GRID_WORKER: 0,
    Tier.COMMUNITY_OFFICER: 1,
    Tier.STATION_CHIEF: 2,
    Tier.SUB_BUREAU_STAFF: 3,
}


@dataclass(frozen=True)
class UserScope:
    """Where one user works, resolved from their officer profile, assignments and grants."""

    everything: bool = False
    tier: str | None = None
    sub_bureau_ids: frozenset[int] = field(default_factory=frozenset)  # sub-bureau staff
    station_ids: frozenset[int] = field(default_factory=frozenset)  # station chiefs
    grid_cell_ids: frozenset[int] = field(default_factory=frozenset)  # officers, grid workers
    home_station_id: int | None = None  # the station an officer or grid worker belongs to
    # Explicit guardian grants on single grid cells (e.g. covering for a colleague).
    granted_view_cell_ids: frozenset[int] = field(default_factory=frozenset)
    granted_act_cell_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def reduced_rights(self) -> bool:
        """Grid workers see their cells but act only where a model allows it."""
        return self.tier == Tier.GRID_WORKER

    def cell_condition(self, access: Access, *, grid_worker_may_act: bool = False) -> Q:
        """A condition on GridCell rows: the cells this scope reaches for ``access``."""
        condition = Q()
        if self.sub_bureau_ids:
            condition |= Q(community__station__sub_bureau_id__in=self.sub_bureau_ids)
        if self.station_ids:
            condition |= Q(community__station_id__in=self.station_ids)
        may_act = access is Access.VIEW or not self.reduced_rights or grid_worker_may_act
        if self.grid_cell_ids and may_act:
            condition |= Q(pk__in=self.grid_cell_ids)
        granted = self.granted_view_cell_ids if access is Access.VIEW else self.granted_act_cell_ids
        if granted:
            condition |= Q(pk__in=granted)
        return condition


NO_SCOPE = UserScope()
_CACHE_ATTRIBUTE = "_grid_user_scope"


def scope_for(user, *, on_date: date | None = None) -> UserScope:
    """The user's scope today (cached on the user object, so resolved once per request)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return NO_SCOPE
    if user.is_superuser:
        return UserScope(everything=True)
    if on_date is None:
        cached = getattr(user, _CACHE_ATTRIBUTE, None)
        if cached is not None:
            return cached
    scope = _resolve_scope(user, on_date or timezone.localdate())
    if on_date is None:
        setattr(user, _CACHE_ATTRIBUTE, scope)
    return scope


def forget_scope(user) -> None:
    """Drop the cached scope, e.g. after the user's assignments changed in this request."""
    if hasattr(user, _CACHE_ATTRIBUTE):
        delattr(user, _CACHE_ATTRIBUTE)


def _resolve_scope(user, on_date: date) -> UserScope:
    from grid.models import GridAssignment, OfficerProfile

    profile = (
        OfficerProfile.objects.filter(user_id=user.pk, is_active=True)
        .only("tier", "sub_bureau_id", "station_id")
        .first()
    )
    view_grants, act_grants = _granted_cell_ids(user)
    grants = {"granted_view_cell_ids": view_grants, "granted_act_cell_ids": act_grants}
    if profile is None:
        return UserScope(**grants)
    if profile.tier == Tier.SUB_BUREAU_STAFF:
        return UserScope(
            tier=profile.tier, sub_bureau_ids=frozenset([profile.sub_bureau_id]), **grants
        )
    if profile.tier == Tier.STATION_CHIEF:
        return UserScope(tier=profile.tier, station_ids=frozenset([profile.station_id]), **grants)
    cell_ids = (
        GridAssignment.objects.active_on(on_date)
        .filter(officer_id=user.pk)
        .values_list("grid_cell_id", flat=True)
    )
    return UserScope(
        tier=profile.tier,
        grid_cell_ids=frozenset(cell_ids),
        home_station_id=profile.station_id,
        **grants,
    )


def _granted_cell_ids(user) -> tuple[frozenset[int], frozenset[int]]:
    """Grid cells granted to the user or their groups: (viewable, actionable), one query."""
    from grid.models import GridCellGroupObjectPermission, GridCellUserObjectPermission

    fields = ("content_object_id", "permission__codename")
    rows = (
        GridCellUserObjectPermission.objects.filter(user_id=user.pk)
        .values_list(*fields)
        .union(
            GridCellGroupObjectPermission.objects.filter(group__user=user.pk).values_list(*fields)
        )
    )
    view, act = set(), set()
    for cell_id, codename in rows:
        if codename in ("view_gridcell", "change_gridcell"):
            view.add(cell_id)
        if codename == "change_gridcell":
            act.add(cell_id)
    return frozenset(view), frozenset(act)


def _join(*parts: str) -> str:
    return "__".join(part for part in parts if part)


class ScopedQuerySet(models.QuerySet):
    """Base queryset for every model that lives in a grid cell (directly or through a path).

    Subclasses set:
    - ``grid_cell_path``: lookup path from the model to its GridCell ("" for GridCell itself);
    - ``grid_worker_may_act``: whether grid workers act (not only look) on this model;
    - ``grant_models``: the model's own direct-FK guardian models (user, group), if it takes
      object grants of its own, e.g. a dispute case referred to another station.
    """

    grid_cell_path: str = "grid_cell"
    grid_worker_may_act: bool = False
    grant_models: tuple[type[models.Model], ...] = ()

    def visible_to(self, user) -> ScopedQuerySet:
        return self._restrict(user, Access.VIEW)

    def actionable_by(self, user) -> ScopedQuerySet:
        return self._restrict(user, Access.ACT)

    def _restrict(self, user, access: Access) -> ScopedQuerySet:
        scope = scope_for(user)
        if scope.everything:
            return self.all()
        if user is None or not user.is_authenticated:
            return self.none()
        condition = self.tier_filter(scope, access) | self.object_grant_filter(user, access)
        if condition == Q():
            return self.none()
        return self.filter(condition)

    def tier_filter(self, scope: UserScope, access: Access) -> Q:
        """Rows whose grid cell the scope reaches, as one ``grid_cell_id IN (subquery)``.

        A single semi-join on the grid-cell key keeps the big tables (residents, visits) on
        their grid-cell index whatever the tier.
        """
        from grid.models import GridCell

        cells = scope.cell_condition(access, grid_worker_may_act=self.grid_worker_may_act)
        if cells == Q():
            return Q()
        if not self.grid_cell_path:
            return cells
        return Q(**{f"{self.grid_cell_path}__in": GridCell.objects.filter(cells).values("pk")})

    def object_grant_filter(self, user, access: Access) -> Q:
        """Explicit guardian grants on single objects of this model (a referred dispute case,
        a risk point lent to another station), resolved to ids first: one small query on the
        grant tables, usually empty. ``id IN (1, 2)`` lets PostgreSQL combine the grid-cell
        index with the primary key, where ``OR id IN (subquery)`` scanned the whole table."""
        if not self.grant_models:
            return Q()
        model_name = self.model._meta.model_name
        codenames = [f"change_{model_name}"]
        if access is Access.VIEW:
            codenames.append(f"view_{model_name}")
        user_model, group_model = self.grant_models
        ids = set(
            user_model.objects.filter(user_id=user.pk, permission__codename__in=codenames)
            .values_list("content_object_id", flat=True)
            .union(
                group_model.objects.filter(
                    group__user=user.pk, permission__codename__in=codenames
                ).values_list("content_object_id", flat=True)
            )
        )
        return Q(pk__in=sorted(ids)) if ids else Q()
