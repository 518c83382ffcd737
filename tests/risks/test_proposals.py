"""Data pre-identification: the rules, idempotence, accept and dismiss."""

from datetime import datetime, time, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from grid.models import GridCell, GridVisit
from risks import proposals, selectors, services
from risks.models import Channel, ProposalStatus, RiskProposal

pytestmark = pytest.mark.django_db


def _visit(world, cell_code, on_date):
    start = timezone.make_aware(datetime.combine(on_date, time(10)))
    return GridVisit.objects.create(
        grid_cell=world.cells[cell_code],
        officer=world.user("officer_a1"),
        visit_type="patrol",
        started_at=start,
        ended_at=start + timedelta(hours=1),
        visit_date=on_date,
    )


def _visit_all_but(world, skipped, on_date):
    for code in world.cells:
        if code not in skipped:
            _visit(world, code, on_date)


def _concern(world, cell_code, when):
    from residents.models import Concern

    cell = world.cells[cell_code]
    return Concern.objects.create(
        tracking_code=f"T{Concern.objects.count():06d}",
        category=Concern._meta.get_field("category").choices[0][0],
        description="noise",
        station=cell.community.station,
        community=cell.community,
        grid_cell=cell,
        created_at=when,
        acknowledge_by=when + timedelta(days=2),
    )


def test_unvisited_cells_are_proposed_once(world):
    today = timezone.localdate()
    _visit_all_but(world, {"A1-G2"}, today - timedelta(days=3))
    _visit(world, "A1-G2", today - timedelta(days=31))
    assert services.risk_proposals_generate(today) == 1
    proposal = RiskProposal.objects.get()
    assert proposal.grid_cell.code == "A1-G2" and proposal.rule == "unvisited_cell"
    assert proposal.status == ProposalStatus.OPEN
    # Idempotent: the same day or the next, no duplicate while one is open.
    assert services.risk_proposals_generate(today) == 0
    assert services.risk_proposals_generate(today + timedelta(days=1)) == 0
    assert RiskProposal.objects.count() == 1


def test_a_dismissed_proposal_stays_quiet_for_the_quiet_period(world, settings):
    today = timezone.localdate()
    _visit_all_but(world, {"A1-G2"}, today)
    services.risk_proposals_generate(today)
    proposal = RiskProposal.objects.get()
    with pytest.raises(ValidationError) as error:
        services.risk_proposal_dismiss(proposal=proposal, actor=world.user("chief_a1"), reason="")
    assert "reason" in error.value.message_dict
    services.risk_proposal_dismiss(
        proposal=proposal, actor=world.user("chief_a1"), reason="building demolished"
    )
    assert services.risk_proposals_generate(today + timedelta(days=1)) == 0
    later = today + timedelta(days=settings.RISK_PROPOSAL_QUIET_DAYS + 1)
    _visit_all_but(world, {"A1-G2"}, later)
    assert services.risk_proposals_generate(later) == 1


def test_accepting_creates_a_data_channel_risk_point(world):
    today = timezone.localdate()
    _visit_all_but(world, {"A1-G1"}, today)
    services.risk_proposals_generate(today)
    proposal = RiskProposal.objects.get()
    with pytest.raises(PermissionDenied):
        services.risk_proposal_accept(proposal=proposal, actor=world.user("officer_a2"))
    point = services.risk_proposal_accept(proposal=proposal, actor=world.user("officer_a1"))
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.ACCEPTED and proposal.risk_point == point
    assert point.channel == Channel.DATA and point.grid_cell.code == "A1-G1"
    assert point.owner == world.user("officer_a1")
    created = selectors.risk_point_timeline(risk_point=point)[-1]
    assert created.kind == "created" and f"#{proposal.pk}" in created.details[0]
    with pytest.raises(ValidationError):
        services.risk_proposal_accept(proposal=proposal, actor=world.user("officer_a1"))
    # While the accepted risk point is open the subject is not proposed again.
    assert services.risk_proposals_generate(today + timedelta(days=1)) == 0


def test_concern_surge_rule(world):
    today = timezone.localdate()
    _visit_all_but(world, set(), today)
    now = timezone.now()
    # A1-G1: 4 in the last week and 13 over the 90 days before (1/week): a surge.
    for days in range(4):
        _concern(world, "A1-G1", now - timedelta(days=days))
    for n in range(13):
        _concern(world, "A1-G1", now - timedelta(days=10 + n * 6))
    # A1-G2: 4 last week but 60 before (4.7/week): no surge.
    for days in range(4):
        _concern(world, "A1-G2", now - timedelta(days=days))
    for n in range(60):
        _concern(world, "A1-G2", now - timedelta(days=8 + n))
    # A2-G1: 2 last week, nothing before: below the minimum of 3.
    for days in range(2):
        _concern(world, "A2-G1", now - timedelta(days=days))
    candidates = proposals.concern_surge(today)
    assert [c.grid_cell_id for c in candidates] == [world.cells["A1-G1"].pk]
    assert services.risk_proposals_generate(today) == 1
    assert RiskProposal.objects.get().rule == "concern_surge"


def test_rules_are_set_based(world, django_assert_max_num_queries):
    today = timezone.localdate()
    for n in range(30):
        GridCell.objects.create(code=f"X{n}", name=f"x{n}", community=world.home_cell.community)
    with django_assert_max_num_queries(8):
        created = services.risk_proposals_generate(today)
    assert created == GridCell.objects.count()


def test_a_rule_can_be_added(world, monkeypatch):
    today = timezone.localdate()
    _visit_all_but(world, set(), today)

    def repeated_disputes(as_of):
        return [
            proposals.Candidate(
                grid_cell_id=world.home_cell.pk,
                rule="repeated_disputes_parties",
                subject_key="parties:1-2",
                title="Repeated disputes",
                detail="3 disputes in 90 days",
                category="dispute_escalation",
                likelihood=3,
                severity=3,
            )
        ]

    monkeypatch.setattr(proposals, "PROPOSAL_RULES", [*proposals.PROPOSAL_RULES])
    proposals.register_proposal_rule(repeated_disputes)
    assert services.risk_proposals_generate(today) == 1
    assert services.risk_proposals_generate(today) == 0
