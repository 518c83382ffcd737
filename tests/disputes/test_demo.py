"""The disputes demo step: sized from the scale, deterministic, resettable, and every case is
what the services would have written (its path is allowed by disputes.workflow, its deadline
and flags match, repeats obey the 90-day rule, referral grants are in place)."""

from collections import defaultdict
from dataclasses import replace
from datetime import timedelta

import pytest
from django.core.management.base import CommandError
from django.utils import timezone

from disputes import demo, selectors, workflow
from disputes.models import (
    DisputeCase,
    DisputeCaseUserObjectPermission,
    DisputeEvent,
    DisputeParty,
    DisputeRepeat,
    EscalationLevel,
    EventKind,
    MediationSession,
    ReferralKind,
    Stage,
)
from grid import demo as grid_demo
from grid.demo import SCALES, DemoContext
from grid.models import OfficerProfile, Tier
from grid.services import responsible_officer_on
from residents import demo as residents_demo

pytestmark = pytest.mark.django_db


@pytest.fixture
def ctx():
    spec = replace(SCALES["demo"], residents=1_500, concerns_per_year=300, disputes_per_year=400)
    context = DemoContext(scale="demo", spec=spec, password_hash="x")
    grid_demo.build(context)
    residents_demo.build(context)
    return context


def _snapshot():
    return (
        list(
            DisputeCase.objects.order_by("pk").values_list(
                "category",
                "grid_cell__code",
                "stage",
                "severity",
                "source",
                "escalation_risk",
                "officer__username",
                "address",
                "version",
            )
        ),
        list(
            DisputeParty.objects.order_by("pk").values_list(
                "case__summary", "resident__id_number", "name", "role"
            )
        ),
        list(DisputeEvent.objects.order_by("pk").values_list("kind", "from_stage", "to_stage")),
        list(DisputeRepeat.objects.order_by("case_id", "earlier_id").values_list("reason")),
    )


def test_builds_the_scale_deterministically_refuses_twice_and_resets(ctx):
    rows = demo.build(ctx)
    assert DisputeCase.objects.count() == 400
    assert rows > 400 + DisputeEvent.objects.count() - 1
    stages = set(DisputeCase.objects.values_list("stage", flat=True))
    assert {Stage.CLOSED, Stage.MEDIATING, Stage.SCREENING} <= stages
    assert DisputeCase.history.count() == 400
    first = _snapshot()
    with pytest.raises(CommandError):
        demo.build(ctx)
    assert _snapshot() == first
    demo.reset(ctx)
    assert not DisputeCase.objects.exists() and not DisputeEvent.objects.exists()
    assert not DisputeCase.history.exists()
    demo.build(ctx)
    assert _snapshot() == first
    # New cases after the build get fresh keys (the sequence was moved past the written ids).
    case = DisputeCase.objects.first()
    copy = DisputeCase.objects.create(
        grid_cell_id=case.grid_cell_id, category="other", summary="x", source="officer",
        officer_id=case.officer_id,
    )  # fmt: skip
    assert copy.pk > DisputeCase.objects.exclude(pk=copy.pk).order_by("-pk").first().pk


def _tier(user_id, tiers):
    return tiers.get(user_id)


def test_every_case_is_consistent_with_the_procedure(ctx):
    demo.build(ctx)
    today = timezone.localdate()
    tiers = dict(OfficerProfile.objects.values_list("user_id", "tier"))
    events = defaultdict(list)
    for event in DisputeEvent.objects.order_by("at", "pk"):
        events[event.case_id].append(event)
    sessions = defaultdict(list)
    for session in MediationSession.objects.order_by("created_at", "pk"):
        sessions[session.case_id].append(session)
    grants = defaultdict(set)
    for grant in DisputeCaseUserObjectPermission.objects.select_related("permission"):
        assert grant.permission.codename == "change_disputecase"
        grants[grant.content_object_id].add(grant.user_id)
    chiefs = defaultdict(set)
    for user_id, station_id in OfficerProfile.objects.filter(
        tier=Tier.STATION_CHIEF, is_active=True
    ).values_list("user_id", "station_id"):
        chiefs[station_id].add(user_id)

    cases = DisputeCase.objects.select_related("grid_cell__community").order_by("pk")
    checked = 0
    for case in cases:
        timeline = events[case.pk]
        assert timeline[0].kind == EventKind.REGISTERED
        assert timeline[0].at == case.created_at and timeline[0].to_stage == Stage.REGISTERED
        stage, entered, writes = Stage.REGISTERED, case.created_at, 1
        escalated_to = ""
        agreement = False
        session_iter = iter(sessions[case.pk])
        for event in timeline[1:]:
            assert event.at >= entered or event.kind == EventKind.REPEAT
            if event.kind == EventKind.SESSION:
                writes += 1
                session = next(session_iter)
                assert stage in (Stage.MEDIATING, Stage.ESCALATED)
                assert session.held_on <= today
                assert session.held_on >= timezone.localdate(case.created_at) - timedelta(days=1)
                agreement |= session.agreement_reached
            elif event.kind == EventKind.OVERDUE:
                writes += 1
                assert event.from_stage == stage
                due = workflow.stage_due_on(stage, timezone.localdate(entered))
                assert due is not None and timezone.localdate(event.at) > due
            elif event.kind == EventKind.TRANSITION:
                writes += 1
                move = workflow.move_for(event.from_stage, event.to_stage)
                assert event.from_stage == stage and move is not None, (case.pk, event)
                tier = _tier(event.actor_id, tiers)
                if move.who == workflow.Who.CHIEF:
                    assert tier in (Tier.STATION_CHIEF, Tier.SUB_BUREAU_STAFF)
                elif move.who == workflow.Who.ESCALATION_TIER:
                    wanted = Tier.SUB_BUREAU_STAFF if escalated_to == "sub_bureau" else (
                        Tier.STATION_CHIEF
                    )  # fmt: skip
                    assert tier == wanted
                else:
                    assert tier != Tier.GRID_WORKER
                if move.reason_required:
                    assert event.reason
                if move.needs_accountability:
                    assert event.accountable_officer_id == case.officer_id
                    assert event.details["fault"]
                if move.needs_agreement:
                    assert agreement
                if move.needs_escalation_level:
                    label = event.details["escalation_level"]
                    escalated_to = (
                        "sub_bureau" if label == str(EscalationLevel.SUB_BUREAU.label) else ""
                    )
                stage, entered = event.to_stage, event.at
        assert stage == case.stage, case.pk
        assert entered == case.stage_entered_at
        assert case.stage_due_on == workflow.stage_due_on(stage, timezone.localdate(entered))
        assert case.version == writes
        assert case.escalation_risk == workflow.escalation_risk_for(
            severity=case.severity,
            threats=case.threats,
            weapons=case.weapons,
            repeated_conflict=case.repeated_conflict,
            vulnerable_party=case.vulnerable_party,
        )
        if stage == Stage.CLOSED:
            assert case.closed_on and case.resolution
        if stage in (Stage.RESOLVED, Stage.FOLLOW_UP):
            assert case.resolution and case.resolved_on and not case.closed_on
        assert bool(case.escalation_level) == (stage == Stage.ESCALATED)
        assert bool(case.referral_kind) == (stage == Stage.REFERRED)
        if case.overdue_escalated_at:
            overdue = [e for e in timeline if e.kind == EventKind.OVERDUE]
            assert overdue[-1].at == case.overdue_escalated_at > case.stage_entered_at
        if case.referral_kind == ReferralKind.STATION:
            assert case.referred_station_id != case.grid_cell.community.station_id
            assert grants[case.pk] == chiefs[case.referred_station_id]
        else:
            assert case.pk not in grants
        if case.source_concern_id:
            assert case.source_concern.grid_cell_id == case.grid_cell_id
        checked += 1
    assert checked == 400

    # The responsible officer is the one of the cell on the day of registration.
    for case in cases[:40]:
        officer = responsible_officer_on(case.grid_cell, timezone.localdate(case.created_at))
        # Nobody responsible yet: case_create makes the registering officer responsible.
        assert case.officer_id == (officer.pk if officer else case.created_by_id)


def test_repeat_links_obey_the_90_day_rule_and_are_complete(ctx):
    demo.build(ctx)
    window = timedelta(days=workflow.REPEAT_WINDOW_DAYS)
    cases = {case.pk: case for case in DisputeCase.objects.order_by("pk")}
    keys = defaultdict(set)
    for case_id, key in DisputeParty.objects.values_list("case_id", "party_key"):
        keys[case_id].add(key)
    links = set(DisputeRepeat.objects.values_list("case_id", "earlier_id", "reason"))
    assert links
    expected = set()
    ordered = sorted(cases.values(), key=lambda case: case.created_at)
    for index, case in enumerate(ordered):
        for earlier in ordered[:index]:
            if case.created_at - earlier.created_at > window:
                continue
            shared = len(keys[case.pk] & keys[earlier.pk])
            if workflow.shared_parties_make_repeat(
                shared, len(keys[case.pk]), len(keys[earlier.pk])
            ):
                expected.add((case.pk, earlier.pk, "parties"))
            if case.address_key and case.address_key == earlier.address_key:
                expected.add((case.pk, earlier.pk, "address"))
    assert links == expected
    for case_id, _earlier, _reason in links:
        assert cases[case_id].repeated_conflict
    repeat_events = DisputeEvent.objects.filter(kind=EventKind.REPEAT)
    assert repeat_events.count() == len({case_id for case_id, _e, _r in links})


def test_demo_logins_find_work(ctx):
    from django.contrib.auth import get_user_model

    demo.build(ctx)
    users = get_user_model().objects
    officer = users.get(username="officer01")
    mine = list(selectors.my_cases(user=officer))
    assert mine and any(case.is_overdue for case in mine)  # annotated by the selector
    chief = users.get(username="chief01")
    board = selectors.case_board(user=chief)
    assert sum(column.total for column in board) > 0
    assert sum(column.overdue for column in board) >= 3
    staff = users.get(username="staff01")
    assert selectors.case_list(user=staff).exists()
    # The daily job ran up to yesterday: today's run has the cases that went overdue since.
    from disputes import services

    assert services.overdue_cases_escalate().escalated >= 1
    assert services.overdue_cases_escalate().escalated == 0


def test_large_scale_load_drops_and_restores_keys_and_indexes(ctx, monkeypatch):
    """From FK_RELOAD_FROM cases on, PostgreSQL loads without the foreign keys and plain
    indexes and adds them back: the same keys and indexes are there afterwards."""
    from django.db import IntegrityError, connection, transaction

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")

    def keys():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
                "FROM pg_constraint WHERE contype = 'f' AND conrelid = ANY(%s::regclass[]) "
                "ORDER BY 1, 2",
                [[model._meta.db_table for model in demo.TABLES]],
            )
            constraints = cursor.fetchall()
            cursor.execute(
                "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index "
                "WHERE indrelid = ANY(%s::regclass[]) ORDER BY 1",
                [[model._meta.db_table for model in demo.TABLES]],
            )
            return constraints, cursor.fetchall()

    before = keys()
    assert len(before[0]) >= 10 and len(before[1]) >= 15
    monkeypatch.setattr(demo, "FK_RELOAD_FROM", 0)
    demo.build(ctx)
    assert keys() == before
    assert DisputeCase.objects.count() == 400
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(
            "UPDATE disputes_disputeevent SET actor_id = -1 WHERE id = "
            "(SELECT MIN(id) FROM disputes_disputeevent)"
        )
