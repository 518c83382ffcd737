"""Runs: snapshots, idempotency, atomic publishing, the advisory lock, rollups, sign-off."""

from datetime import timedelta

import psycopg2
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from risks.register import selectors, services
from risks.register.models import (
    RegisterCurrent,
    RegisterEntry,
    RegisterPointScore,
    RegisterRollup,
    RegisterRun,
    RollupKind,
    RunStatus,
)
from tests.risk_register.helpers import AS_OF, compute, point

pytestmark = pytest.mark.django_db


def _points(world):
    owner = world.user("officer_a1")
    return [
        point(world.home_cell, owner, likelihood=5, severity=4),
        point(world.cells["A1-G2"], owner, likelihood=2, severity=2),
        point(world.cells["B1-G1"], owner, likelihood=3, severity=4),
    ]


def test_a_run_publishes_every_cell_and_moves_the_pointer(world):
    _points(world)
    run = compute()
    assert run.status == RunStatus.PUBLISHED
    assert run.published_version == run.version == 1
    assert run.cells == 6 and run.points == 3
    assert run.parts_done == run.parts_total >= 1
    assert RegisterCurrent.objects.get(pk=1).run_id == run.pk
    assert RegisterEntry.objects.of_run(run).count() == 6
    stations = RegisterRollup.objects.of_run(run).filter(kind=RollupKind.STATION)
    assert stations.count() == 3
    a1 = stations.get(station=world.stations["A1"])
    assert (a1.cells, a1.red, a1.open_points) == (2, 1, 2)
    assert a1.levels_digest
    sub_a = RegisterRollup.objects.of_run(run).get(
        kind=RollupKind.SUB_BUREAU, sub_bureau=world.sub_bureaus["A"]
    )
    assert sub_a.cells == 4


def test_running_twice_for_a_date_leaves_one_snapshot(world):
    _points(world)
    first = compute()
    assert services.register_run_prepare(for_date=AS_OF).skipped == "already published"
    again = compute(force=True)
    assert again.pk == first.pk and again.published_version == 2
    assert RegisterRun.objects.filter(for_date=AS_OF).count() == 1
    assert set(RegisterEntry.objects.filter(run=again).values_list("version", flat=True)) == {2}
    assert set(RegisterPointScore.objects.filter(run=again).values_list("version", flat=True)) == {
        2
    }
    assert RegisterEntry.objects.filter(run=again).count() == 6


def test_a_failing_part_leaves_the_previous_snapshot_current(world, monkeypatch, settings):
    settings.RISK_REGISTER_STATIONS_PER_PART = 1  # three parts
    _points(world)
    yesterday = compute(AS_OF - timedelta(days=1))
    calls = {"n": 0}
    real = services.compute_entries

    def failing(**kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("disk full")
        return real(**kwargs)

    monkeypatch.setattr(services, "compute_entries", failing)
    with pytest.raises(RuntimeError):
        compute()
    run = RegisterRun.objects.get(for_date=AS_OF)
    assert run.status == RunStatus.FAILED and "disk full" in run.error
    assert run.published_version is None
    assert selectors.current_run().pk == yesterday.pk
    assert not RegisterEntry.objects.published().filter(run=run).exists()
    monkeypatch.setattr(services, "compute_entries", real)
    rerun = compute()
    assert rerun.status == RunStatus.PUBLISHED and rerun.attempts == 2
    assert selectors.current_run().pk == rerun.pk
    assert RegisterEntry.objects.filter(run=rerun).count() == 6


def test_a_rerun_of_an_older_date_does_not_move_the_pointer_back(world):
    today = compute()
    compute(AS_OF - timedelta(days=7))
    assert selectors.current_run().pk == today.pk


def test_trends_come_from_the_snapshots_7_and_30_days_before(world):
    owner = world.user("officer_a1")
    compute(AS_OF - timedelta(days=30))
    compute(AS_OF - timedelta(days=7))
    point(world.home_cell, owner, likelihood=5, severity=5)
    run = compute()
    entry = RegisterEntry.objects.of_run(run).get(grid_cell=world.home_cell)
    assert entry.score_7d is not None and entry.score_30d is not None
    assert entry.trend_7d == entry.score - entry.score_7d > 0


def _other_connection():
    params = connection.get_connection_params()
    other = psycopg2.connect(**params)
    other.autocommit = False
    return other


@pytest.mark.django_db(transaction=True)
def test_the_advisory_lock_stops_a_second_claim(world):
    other = _other_connection()
    try:
        with other.cursor() as cursor:  # another run is claiming (exclusive lock held)
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, %s)", [services.LOCK_NAMESPACE, services.LOCK_ID]
            )
        assert services.register_run_prepare(for_date=AS_OF).skipped == "busy"
        prepared_elsewhere = RegisterRun.objects.filter(for_date=AS_OF).exists()
        assert not prepared_elsewhere
    finally:
        other.rollback()
    assert not services.register_run_prepare(for_date=AS_OF).skipped


@pytest.mark.django_db(transaction=True)
def test_a_claim_waits_for_running_parts_and_parts_wait_for_a_claim(world):
    prepared = services.register_run_prepare(for_date=AS_OF)
    other = _other_connection()
    try:
        with other.cursor() as cursor:  # a part is computing (shared lock held)
            cursor.execute(
                "SELECT pg_advisory_xact_lock_shared(%s, %s)",
                [services.LOCK_NAMESPACE, services.LOCK_ID],
            )
        assert services.register_run_prepare(for_date=AS_OF, force=True).skipped == "busy"
    finally:
        other.rollback()
    other = _other_connection()
    try:
        with other.cursor() as cursor:  # a claim in progress (exclusive)
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, %s)", [services.LOCK_NAMESPACE, services.LOCK_ID]
            )
        with pytest.raises(services.RegisterBusy):
            services.register_part_compute(
                run_id=prepared.run_id, version=prepared.version, index=0
            )
    finally:
        other.rollback()
    for index in prepared.parts:
        services.register_part_compute(
            run_id=prepared.run_id, version=prepared.version, index=index
        )
    assert RegisterRun.objects.get(pk=prepared.run_id).status == RunStatus.PUBLISHED


def test_another_date_in_progress_blocks_a_new_run_but_a_stale_one_does_not(world, settings):
    services.register_run_prepare(for_date=AS_OF - timedelta(days=1))  # left running
    assert services.register_run_prepare(for_date=AS_OF).skipped == "another run in progress"
    RegisterRun.objects.update(started_at=RegisterRun.objects.get().started_at - timedelta(hours=2))
    assert not services.register_run_prepare(for_date=AS_OF).skipped


def test_a_part_of_a_superseded_version_does_nothing(world):
    first = services.register_run_prepare(for_date=AS_OF)
    second = services.register_run_prepare(for_date=AS_OF, force=True)
    assert second.version == first.version + 1
    result = services.register_part_compute(run_id=first.run_id, version=first.version, index=0)
    assert result.status == "stale"
    for index in second.parts:
        services.register_part_compute(run_id=second.run_id, version=second.version, index=index)
    again = services.register_part_compute(run_id=second.run_id, version=second.version, index=0)
    assert again.status == "stale"  # published: a redelivered part finds nothing to do
    assert RegisterEntry.objects.filter(run_id=second.run_id).count() == 6


# --- Sign-off -------------------------------------------------------------------------------
def test_the_station_chief_signs_off_and_a_material_change_asks_again(world):
    owner = world.user("officer_a1")
    chief = world.user("chief_a1")
    station = world.stations["A1"]
    run = compute(AS_OF - timedelta(days=1))
    services.register_sign_off(actor=chief, station=station, run=run, comment="ok")
    states = {s.rollup.station_id: s for s in selectors.sign_off_states(user=chief, run=run)}
    assert states[station.pk].state == "signed"
    same = compute()
    state = selectors.sign_off_states(user=chief, run=same)[0]
    assert state.state == "carried" and state.valid
    point(world.home_cell, owner, likelihood=5, severity=5)
    changed = compute(AS_OF + timedelta(days=1))
    state = selectors.sign_off_states(user=chief, run=changed)[0]
    assert state.state == "resign" and state.red_unsigned
    services.register_sign_off(actor=chief, station=station, run=changed)
    assert selectors.sign_off_states(user=chief, run=changed)[0].state == "signed"


@pytest.mark.parametrize("role", ["staff_a", "officer_a1", "chief_a2"])
def test_only_the_station_chief_signs_off(world, role):
    run = compute()
    with pytest.raises(PermissionDenied):
        services.register_sign_off(actor=world.user(role), station=world.stations["A1"], run=run)


def test_a_sign_off_needs_a_published_register_and_a_short_comment(world):
    run = compute()
    chief = world.user("chief_a1")
    with pytest.raises(ValidationError) as error:
        services.register_sign_off(
            actor=chief, station=world.stations["A1"], run=run, comment="x" * 2001
        )
    assert "comment" in error.value.message_dict
    pending = services.register_run_prepare(for_date=AS_OF + timedelta(days=1))
    unpublished = RegisterRun.objects.get(pk=pending.run_id)
    with pytest.raises(ValidationError) as error:
        services.register_sign_off(actor=chief, station=world.stations["A1"], run=unpublished)
    assert "run" in error.value.message_dict
