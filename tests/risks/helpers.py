"""Risk points in the access-test world (tests/world.py)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from risks import services
from risks.models import Measure, RiskLink, RiskPoint, RiskProposal, RiskStatus

HOME_TITLE = "HOME-RISK-A1G1"
OTHER_TITLE = "OTHER-RISK-A1G1"


def make_risk(world, *, cell="A1-G1", title=None, actor="admin", owner=None, lk=3, sv=3, **extra):
    """A risk point created through the service (so scores, cadence and history are real)."""
    owner_role = owner or {
        "A1-G1": "officer_a1",
        "A1-G2": "officer_a1_other",
        "A2-G1": "officer_a2",
        "B1-G1": "officer_b1",
    }.get(cell, "chief_a1")
    return services.risk_point_create(
        actor=world.user(actor),
        grid_cell=world.cells[cell],
        title=title or f"risk in {cell}",
        category=extra.pop("category", "fire_building"),
        channel=extra.pop("channel", "on_site"),
        inherent_likelihood=lk,
        inherent_severity=sv,
        owner=world.user(owner_role),
        **extra,
    )


def home_risk(world) -> RiskPoint:
    point = RiskPoint.objects.filter(title=HOME_TITLE).first()
    return point or make_risk(world, title=HOME_TITLE)


def other_risk(world) -> RiskPoint:
    point = RiskPoint.objects.filter(title=OTHER_TITLE).first()
    return point or make_risk(world, title=OTHER_TITLE, lk=2, sv=2)


def home_measure(world) -> Measure:
    measure = Measure.objects.filter(risk_point=home_risk(world)).first()
    return measure or services.measure_create(
        risk_point=home_risk(world), actor=world.user("admin"), description="HOME-MEASURE"
    )


def home_link(world) -> RiskLink:
    link = RiskLink.objects.filter(source=home_risk(world)).first()
    return link or services.risk_link_create(
        source=home_risk(world),
        target=other_risk(world),
        kind="may_trigger",
        strength="0.6",
        actor=world.user("admin"),
    )


def home_proposal(world) -> RiskProposal:
    proposal = RiskProposal.objects.filter(subject_key="test:home").first()
    return proposal or RiskProposal.objects.create(
        grid_cell=world.home_cell,
        rule="unvisited_cell",
        subject_key="test:home",
        title="HOME-PROPOSAL",
        category="public_order",
        likelihood=2,
        severity=2,
        as_of=timezone.localdate(),
    )


def make_overdue(point: RiskPoint, days: int = 3) -> None:
    RiskPoint.objects.filter(pk=point.pk).update(
        next_review_on=timezone.localdate() - timedelta(days=days)
    )


__all__ = ["RiskStatus"]
