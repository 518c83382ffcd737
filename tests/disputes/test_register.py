"""What the risk register and data pre-identification read from dispute cases."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from disputes import proposals, register_factors
from disputes.models import DisputeCase, Stage
from disputes.services import PartyInput
from grid.models import GridCell
from risks.models import ProposalRule, RiskProposal
from risks.proposals import risk_proposals_generate
from risks.register.models import RegisterEntry
from tests.disputes.helpers import make_case, move_to
from tests.residents.helpers import make_resident
from tests.risk_register.helpers import compute, visit_every_cell

pytestmark = pytest.mark.django_db


def _at(day, hour=10):
    return timezone.make_aware(datetime.combine(day, time(hour)))


def _feud(world, day, count, *, cell="A1-G1", actor="officer_a1", **fields):
    """``count`` cases between the same two residents, a week apart, the last on ``day``."""
    a = make_resident(world, cell, name="宿怨甲")
    b = make_resident(world, cell, name="宿怨乙")
    parties = [
        PartyInput(role="applicant", resident_id=a.pk),
        PartyInput(role="respondent", resident_id=b.pk),
    ]
    return [
        make_case(
            world,
            cell=cell,
            actor=actor,
            parties=parties,
            now=_at(day - timedelta(days=7 * (count - 1 - n))),
            **fields,
        )
        for n in range(count)
    ]


def test_the_register_lists_the_disputes_factors(settings):
    keys = [path.rsplit(".", 1)[-1] for path in settings.RISK_REGISTER_EXTRA_FACTORS]
    assert keys == ["DISPUTES_AT_RISK", "OVERDUE_DISPUTES", "REPEATED_DISPUTES"]


def test_the_factors_count_per_cell_in_one_query_each(world, django_assert_num_queries):
    today = timezone.localdate()
    _feud(world, today, 3, weapons=True)  # 1 first + 2 repeats, all high risk
    overdue = make_case(world, cell="A1-G2", actor="officer_a1_other", threats=True)
    DisputeCase.objects.filter(pk=overdue.pk).update(stage_due_on=today - timedelta(days=1))
    closed = move_to(
        world,
        make_case(world, cell="A1-G2", actor="officer_a1_other"),
        Stage.CLOSED,
        officer="officer_a1_other",
    )
    assert closed.stage == Stage.CLOSED
    cells = GridCell.objects.all()
    home, other = world.cells["A1-G1"].pk, world.cells["A1-G2"].pk

    with django_assert_num_queries(1):
        at_risk = register_factors.disputes_at_risk(cells, today)
    with django_assert_num_queries(1):
        late = register_factors.overdue_disputes(cells, today)
    with django_assert_num_queries(1):
        repeated = register_factors.repeated_disputes(cells, today)

    assert at_risk == {home: 9.0, other: 1.0}  # 3 high x 3; one medium threat
    # The two older feud cases were registered 7 and 14 days ago and never screened (1 day).
    assert late == {home: 2.0, other: 1.0}
    assert repeated == {home: 2.0}
    assert register_factors.DISPUTES_AT_RISK.points(at_risk[home]) == 12  # capped


def test_a_nightly_run_scores_a_cell_with_a_feud_higher(world):
    today = timezone.localdate()
    visit_every_cell(world, on=today)
    before = compute(today - timedelta(days=1))
    _feud(world, today - timedelta(days=1), 2, threats=True)
    run = compute(today, force=True)
    home = RegisterEntry.objects.of_run(run).get(grid_cell=world.home_cell)
    factors = {factor["key"]: factor for factor in home.factors}
    assert factors["disputes_at_risk"]["value"] > 0
    assert factors["repeated_disputes"]["value"] == 1
    earlier = RegisterEntry.objects.of_run(before).get(grid_cell=world.home_cell)
    assert home.score > earlier.score


def test_a_feud_makes_one_proposal_keyed_by_its_first_case(world):
    today = timezone.localdate()
    cases = _feud(world, today, 3)
    candidates = proposals.repeated_disputes(today)
    (candidate,) = [c for c in candidates if c.rule == ProposalRule.REPEATED_DISPUTES_PARTIES]
    assert candidate.subject_key == f"parties:{cases[0].pk}"
    assert candidate.grid_cell_id == world.home_cell.pk
    assert candidate.evidence == {"cases": sorted(case.pk for case in cases)}
    assert candidate.likelihood == 4  # three cases

    assert risk_proposals_generate(today) >= 1
    assert risk_proposals_generate(today) == 0  # the nightly job is safe to run twice
    proposal = RiskProposal.objects.get(rule=ProposalRule.REPEATED_DISPUTES_PARTIES)
    assert proposal.category == "dispute_escalation"


def test_repeats_older_than_90_days_propose_nothing(world):
    today = timezone.localdate()
    _feud(world, today - timedelta(days=120), 2)
    assert proposals.repeated_disputes(today) == []


def test_the_factor_ignores_cases_registered_after_the_registers_date(world):
    today = timezone.localdate()
    make_case(world, weapons=True)
    assert (
        register_factors.disputes_at_risk(GridCell.objects.all(), today - timedelta(days=1)) == {}
    )
