"""Test data for the register: risk points, links, concerns and visits written directly."""

from __future__ import annotations

import itertools
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from grid.models import GridVisit, VisitType
from residents.models import Concern, ConcernCategory
from risks.models import Measure, RiskLink, RiskPoint, RiskStatus
from risks.register import services
from risks.register.models import RunTrigger

AS_OF = date(2026, 6, 15)
_codes = itertools.count(1)


def point(
    cell,
    owner,
    *,
    likelihood: int = 3,
    severity: int = 3,
    residual: tuple[int, int] | None = None,
    status: str = RiskStatus.IDENTIFIED,
    next_review_on: date | None = None,
    title: str = "",
    category: str = "public_order",
) -> RiskPoint:
    res_l, res_s = residual or (likelihood, severity)
    rp = RiskPoint(
        grid_cell=cell,
        title=title or f"Risk {next(_codes)}",
        category=category,
        channel="on_site",
        inherent_likelihood=likelihood,
        inherent_severity=severity,
        residual_likelihood=res_l,
        residual_severity=res_s,
        owner=owner,
        review_cadence_days=30,
        next_review_on=next_review_on or AS_OF + timedelta(days=10),
        status=status,
    )
    rp.apply_scores()
    rp.save()
    return rp


def link(source, target, strength: float, kind: str = "may_trigger") -> RiskLink:
    return RiskLink.objects.create(
        source=source, target=target, kind=kind, strength=Decimal(str(strength))
    )


def measure(risk_point, owner, *, due_on: date, status: str = "planned") -> Measure:
    return Measure.objects.create(
        risk_point=risk_point, description="measure", owner=owner, due_on=due_on, status=status
    )


def concern(cell, *, created_on: date) -> Concern:
    station = cell.community.station
    item = Concern.objects.create(
        tracking_code=f"T{next(_codes):08d}",
        category=ConcernCategory.NOISE,
        description="noise at night",
        station=station,
        community=cell.community,
        grid_cell=cell,
    )
    at = timezone.make_aware(datetime.combine(created_on, time(10, 0)))
    Concern.objects.filter(pk=item.pk).update(created_at=at)
    return item


def visit(cell, officer, *, on: date) -> GridVisit:
    start = timezone.make_aware(datetime.combine(on, time(9, 0)))
    return GridVisit.objects.create(
        grid_cell=cell,
        officer=officer,
        visit_type=VisitType.PATROL,
        started_at=start,
        ended_at=start + timedelta(hours=1),
    )


def compute(for_date: date = AS_OF, **kwargs):
    return services.register_compute(
        for_date=for_date, trigger=kwargs.pop("trigger", RunTrigger.MANUAL), **kwargs
    )


def visit_every_cell(world, on: date = AS_OF) -> None:
    """A fresh visit everywhere, so the coverage factor adds nothing."""
    officer = world.user("officer_a1")
    for cell in world.cells.values():
        visit(cell, officer, on=on)
