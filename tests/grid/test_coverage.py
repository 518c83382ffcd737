"""Coverage figures against hand-computed expectations (grid/coverage.py)."""

from datetime import date, timedelta

import pytest

from grid import coverage
from grid.models import GridCell
from tests.grid.visit_factories import make_resident, make_visit

pytestmark = pytest.mark.django_db

AS_OF = date(2026, 6, 30)


def days_ago(n: int) -> date:
    return AS_OF - timedelta(days=n)


@pytest.fixture
def visited(world):
    """A1-G1 visited often (one visit by the grid worker), A1-G2 31 days ago, A2-G1 never."""
    home, other = world.cells["A1-G1"], world.cells["A1-G2"]
    officer, worker = world.user("officer_a1"), world.user("worker_a1")
    elderly = make_resident(home, "独居老人", tags=("elderly-alone",))  # every 30 days
    fraud = make_resident(home, "反诈对象", tags=("fraud-target", "elderly-alone"))  # 14 days
    disabled = make_resident(home, "残疾人", tags=("disabled",))  # 60 days, never met
    make_resident(home, "普通居民")  # no care tag: not counted
    make_resident(home, "重点人员", tags=("petitioner",))  # key population: no cadence
    make_visit(home, officer, days_ago(0))
    make_visit(home, worker, days_ago(6))  # last day of the 7-day window
    make_visit(home, officer, days_ago(7))  # first day outside it
    make_visit(home, officer, days_ago(20), residents=[fraud])  # 14-day cadence: late
    make_visit(home, officer, days_ago(29), residents=[elderly])  # 30-day window: on time
    make_visit(home, officer, days_ago(30))  # outside 30 days, inside 90
    make_visit(home, officer, days_ago(89))  # last day of the 90-day window
    make_visit(home, officer, days_ago(90))  # outside every window
    make_visit(home, officer, AS_OF + timedelta(days=1))  # after the date asked about
    make_visit(other, world.user("officer_a1_other"), days_ago(31))
    return {"elderly": elderly, "fraud": fraud, "disabled": disabled}


def test_cell_coverage_counts_each_window_by_hand(world, visited):
    cells = GridCell.objects.filter(code__in=["A1-G1", "A1-G2", "A2-G1"])
    figures = coverage.cell_coverage(cells=cells, as_of=AS_OF)
    home = figures[world.cells["A1-G1"].pk]
    # 7 days: today and 6 days ago; 30 days: also 7, 20, 29; 90 days: also 30, 89.
    assert (home.visits_7d, home.visits_30d, home.visits_90d) == (2, 5, 7)
    assert home.last_visit_date == AS_OF and home.days_since_visit == 0
    assert home.colour == "green" and not home.is_blind_spot
    other = figures[world.cells["A1-G2"].pk]
    assert (other.visits_7d, other.visits_30d, other.visits_90d) == (0, 0, 1)
    assert other.days_since_visit == 31 and other.is_blind_spot and other.colour == "red"
    never = figures[world.cells["A2-G1"].pk]
    assert never.last_visit_date is None and never.is_blind_spot and never.visits_90d == 0


def test_a_later_date_moves_the_windows(world, visited):
    later = AS_OF + timedelta(days=1)
    home = coverage.cell_coverage(cells=[world.home_cell.pk], as_of=later)[world.home_cell.pk]
    # Now the visit of "tomorrow" counts and the one 6 days before AS_OF falls out of 7 days.
    assert (home.visits_7d, home.last_visit_date) == (2, later)


def test_ids_give_the_same_answer_as_a_queryset(world, visited):
    ids = [world.cells["A1-G1"].pk, world.cells["A1-G2"].pk]
    assert coverage.cell_coverage(cells=ids, as_of=AS_OF) == coverage.cell_coverage(
        cells=GridCell.objects.filter(pk__in=ids), as_of=AS_OF
    )


def test_colour_bands():
    assert coverage.colour_for(None) == "red"
    assert coverage.colour_for(0) == "green"
    assert coverage.colour_for(6) == "green"
    assert coverage.colour_for(7) == "amber"
    assert coverage.colour_for(30) == "amber"
    assert coverage.colour_for(31) == "red"


def test_thirty_days_is_not_yet_a_blind_spot(world):
    make_visit(world.home_cell, world.user("officer_a1"), days_ago(30))
    figures = coverage.cell_coverage(cells=[world.home_cell.pk], as_of=AS_OF)
    assert not figures[world.home_cell.pk].is_blind_spot


def test_periodic_visits_on_time_use_the_tightest_cadence(world, visited):
    care = coverage.care_figures_by_cell(cells=GridCell.objects.all(), as_of=AS_OF)
    home = care[world.home_cell.pk]
    # elderly (30 d, met 29 days ago): on time; fraud (14 d, met 20 days ago): late;
    # disabled (60 d, never met): due. The two without a cadence are not in care.
    assert (home.in_care, home.on_time, home.due) == (3, 1, 2)
    assert home.on_time_percent == 33
    due = list(coverage.care_residents_due(cells=GridCell.objects.all(), as_of=AS_OF))
    assert [r.name for r in due] == ["残疾人", "反诈对象"]  # never met first
    assert due[0].last_met_date is None and due[0].cadence_days == 60
    assert due[1].last_met_date == days_ago(20) and due[1].cadence_days == 14


def test_roll_up_per_station_and_sub_bureau(world, visited):
    cells = GridCell.objects.filter(community__station__sub_bureau=world.sub_bureaus["A"])
    stations = coverage.coverage_by_unit(cells=cells, as_of=AS_OF, level="station")
    a1 = stations[world.stations["A1"].pk]
    assert (a1.cells, a1.blind_spots, a1.covered_percent) == (2, 1, 50)
    assert (a1.visits_7d, a1.visits_30d, a1.visits_90d) == (2, 5, 8)
    assert (a1.care.in_care, a1.care.on_time) == (3, 1)
    a2 = stations[world.stations["A2"].pk]
    assert (a2.cells, a2.blind_spots, a2.visits_90d) == (2, 2, 0)
    sub_bureaus = coverage.coverage_by_unit(cells=cells, as_of=AS_OF, level="sub_bureau")
    a = sub_bureaus[world.sub_bureaus["A"].pk]
    assert (a.cells, a.blind_spots, a.visits_90d) == (4, 3, 8)


def test_per_officer_cells_and_own_visits(world, visited):
    officers = [world.user(n).pk for n in ("officer_a1", "worker_a1", "officer_a1_other")]
    figures = coverage.coverage_by_officer(
        officer_ids=officers, cells=GridCell.objects.all(), as_of=AS_OF
    )
    officer = figures[world.user("officer_a1").pk]
    assert (officer.cells, officer.blind_spots, officer.visits_30d) == (1, 0, 5)
    assert (officer.own_visits_7d, officer.own_visits_30d, officer.own_visits_90d) == (1, 4, 6)
    assert (officer.care.in_care, officer.care.on_time) == (3, 1)
    worker = figures[world.user("worker_a1").pk]
    assert (worker.own_visits_7d, worker.own_visits_30d, worker.own_visits_90d) == (1, 1, 1)
    other = figures[world.user("officer_a1_other").pk]
    assert (other.cells, other.blind_spots, other.own_visits_90d) == (1, 1, 1)


def test_many_cells_in_a_fixed_number_of_queries(world, visited, django_assert_num_queries):
    with django_assert_num_queries(1):
        coverage.cell_coverage(cells=GridCell.objects.all(), as_of=AS_OF)
    with django_assert_num_queries(4):  # cells, cadences, cell ids, care figures
        coverage.coverage_by_unit(cells=GridCell.objects.all(), as_of=AS_OF, level="station")
