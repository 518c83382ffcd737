"""Scoring properties of the register and the worked example of docs/risk-scoring.md."""

import random
from datetime import timedelta
from decimal import Decimal

import pytest

from risks.models import RiskStatus
from risks.register import scoring
from risks.register.models import RegisterEntry
from risks.scoring import bands
from tests.risk_register.helpers import (
    AS_OF,
    compute,
    concern,
    link,
    point,
    visit,
    visit_every_cell,
)


def _entry(run, cell):
    return RegisterEntry.objects.of_run(run).get(grid_cell=cell)


# --- Pure properties ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("low", "high", "level"), [(low, high, level.value) for low, high, level in bands()]
)
def test_levels_match_the_documented_bands(low, high, level):
    # A cell score s counts as the LS value ceil(s / 4): the bands of risks.scoring apply.
    for ls in range(low, high + 1):
        assert scoring.level_for_ls(ls).value == level
        assert scoring.level_for_cell_score(ls * 4).value == level


def test_the_band_edges_of_the_cell_score():
    assert scoring.level_for_cell_score(0).value == "blue"
    assert scoring.level_for_cell_score(12).value == "blue"
    assert scoring.level_for_cell_score(13).value == "yellow"
    assert scoring.level_for_cell_score(37).value == "orange"
    assert scoring.level_for_cell_score(76).value == "orange"  # 19: between bands
    assert scoring.level_for_cell_score(77).value == "red"
    assert scoring.level_for_cell_score(100).value == "red"


@pytest.mark.parametrize("seed", range(40))
def test_adding_a_point_never_lowers_the_component(seed):
    rng = random.Random(seed)
    scores = [rng.random() * 25 for _ in range(rng.randrange(0, 8))]
    before = scoring.point_component(scores)
    after = scoring.point_component([*scores, rng.random() * 25])
    assert after >= before - 1e-9


# --- Properties of the whole computation (database) -----------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize("seed", range(6))
def test_adding_an_open_risk_never_lowers_a_score(world, seed):
    rng = random.Random(seed)
    owner = world.user("officer_a1")
    cells = list(world.cells.values())
    points = []
    for _ in range(rng.randrange(2, 8)):
        lik, sev = rng.randint(1, 5), rng.randint(1, 5)
        points.append(
            point(
                rng.choice(cells),
                owner,
                likelihood=lik,
                severity=sev,
                residual=(rng.randint(1, lik), rng.randint(1, sev)),
                next_review_on=AS_OF + timedelta(days=rng.randint(-20, 20)),
            )
        )
    pairs = {tuple(rng.sample(points, 2)) for _ in range(rng.randrange(0, 5))}
    for a, b in pairs:
        link(a, b, round(rng.random(), 2))
    run = compute()
    before = dict(RegisterEntry.objects.of_run(run).values_list("grid_cell_id", "score"))
    extra = point(
        rng.choice(cells), owner, likelihood=rng.randint(1, 5), severity=rng.randint(1, 5)
    )
    if rng.random() < 0.5:
        link(rng.choice(points), extra, round(rng.random(), 2))
    run = compute()
    after = dict(RegisterEntry.objects.of_run(run).values_list("grid_cell_id", "score"))
    assert all(after[cell] >= score for cell, score in before.items())


@pytest.mark.django_db
@pytest.mark.parametrize("seed", range(4))
def test_a_stronger_link_never_lowers_the_linked_score(world, seed):
    rng = random.Random(100 + seed)
    owner = world.user("officer_a1")
    source = point(world.cells["A2-G1"], owner, likelihood=rng.randint(2, 5), severity=4)
    target = point(world.home_cell, owner, likelihood=rng.randint(1, 3), severity=5)
    weak = link(source, target, round(rng.random() * 0.5, 2))
    run = compute()
    before = _entry(run, world.home_cell).score
    weak.strength = min(Decimal("1"), weak.strength + Decimal("0.4"))
    weak.save()
    run = compute()
    assert _entry(run, world.home_cell).score >= before


@pytest.mark.django_db
def test_closing_every_risk_and_clearing_every_factor_gives_blue(world):
    owner = world.user("officer_a1")
    rp = point(
        world.home_cell, owner, likelihood=5, severity=5, next_review_on=AS_OF - timedelta(1)
    )
    concern(world.home_cell, created_on=AS_OF)
    run = compute()
    assert _entry(run, world.home_cell).level == "red"
    type(rp).objects.filter(pk=rp.pk).update(status=RiskStatus.CLOSED)
    type(rp).objects.all().update(status=RiskStatus.CLOSED)
    from residents.models import Concern

    Concern.objects.all().delete()
    visit_every_cell(world)
    run = compute()
    levels = set(RegisterEntry.objects.of_run(run).values_list("level", flat=True))
    scores = set(RegisterEntry.objects.of_run(run).values_list("score", flat=True))
    assert levels == {"blue"} and scores == {0}


# --- The worked example of docs/risk-scoring.md ----------------------------------------------
@pytest.mark.django_db
def test_the_worked_example_of_the_docs(world):
    owner = world.user("officer_a1")
    cell, neighbour = world.home_cell, world.cells["A1-G2"]
    fire = point(
        cell,
        owner,
        likelihood=4,
        severity=4,
        residual=(3, 4),
        next_review_on=AS_OF - timedelta(days=3),
        title="Fire hazard",
    )
    dispute = point(cell, owner, likelihood=2, severity=5, title="Landlord dispute")
    debts = point(neighbour, owner, likelihood=4, severity=4, title="Unpaid wages")
    link(debts, dispute, 0.5)
    concern(cell, created_on=AS_OF - timedelta(days=2))
    concern(cell, created_on=AS_OF - timedelta(days=20))
    visit(cell, owner, on=AS_OF - timedelta(days=11))
    run = compute()
    entry = _entry(run, cell)
    factors = {row["key"]: row for row in entry.factors}
    assert factors["risk_points"]["value"] == 2
    assert factors["risk_points"]["points"] == pytest.approx(71.47, abs=0.01)
    assert factors["overdue_reviews"]["points"] == 3
    assert factors["overdue_measures"]["points"] == 0
    assert factors["recent_concerns"]["points"] == 2
    assert factors["days_without_visit"]["value"] == 11
    assert factors["days_without_visit"]["points"] == 2
    assert (entry.score, entry.level) == (78, "red")
    assert (entry.best_score, entry.best_level) == (75, "orange")
    assert (entry.worst_score, entry.worst_level) == (95, "red")
    scores = {p.risk_point_id: p for p in run.point_scores.filter(version=run.published_version)}
    assert scores[dispute.pk].probability == pytest.approx(5 / 9, abs=1e-4)
    assert scores[dispute.pk].effective_score == pytest.approx(50 / 3, abs=1e-3)
    assert scores[dispute.pk].driver_point_id == debts.pk
    assert scores[fire.pk].effective_score == pytest.approx(12)
    # Without the link the cell would be orange: 4 x 12 + 0.4 x 10 + 7 = 59.
    type(debts).objects.filter(pk=debts.pk).update(status=RiskStatus.CLOSED)
    run = compute()
    assert (_entry(run, cell).score, _entry(run, cell).level) == (59, "orange")
