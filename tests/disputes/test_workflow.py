# ruff: noqa: RUF001  (Chinese test text uses full-width punctuation)
"""The procedure: every allowed and every disallowed transition, who may make each, and what
each needs. Cases are walked to their starting stage by the service itself."""

from __future__ import annotations

import itertools

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from disputes import services, workflow
from disputes.models import DisputeCase, DisputeEvent, EventKind, Severity, Stage
from tests.disputes.helpers import make_case, move_to

pytestmark = pytest.mark.django_db

ALLOWED = sorted(workflow.TRANSITIONS, key=lambda pair: (list(Stage).index(pair[0]), pair[1]))
DISALLOWED = sorted(
    (source, target)
    for source, target in itertools.product(Stage, Stage)
    if (source, target) not in workflow.TRANSITIONS
)


def _inputs(world, case, source, target) -> tuple[str, dict]:
    """The actor and the inputs the move needs."""
    move = workflow.move_for(source, target)
    actor = "officer_a1"
    if move.who == workflow.Who.CHIEF or move.who == workflow.Who.ESCALATION_TIER:
        actor = "chief_a1"
    extra = {"reason": "按规程办理"}
    if move.needs_escalation_level:
        extra["escalation_level"] = "station"
    if move.needs_referral:
        extra.update(referral_kind="court", referral_body="南山区人民法院")
    if move.needs_resolution:
        extra["resolution"] = "双方达成协议"
    if move.needs_agreement:
        services.mediation_session_add(
            case=case,
            actor=world.user("officer_a1"),
            held_on=case.created_at.date(),
            place="警务室",
            participants="双方",
            agreement_reached=True,
            agreement_text="协议内容",
        )
    if move.needs_accountability:
        extra.update(accountable_officer=world.user("officer_a1"), fault="回访流于形式")
    return actor, extra


def test_the_table_is_the_procedure_of_the_issue():
    assert workflow.next_stages(Stage.REGISTERED) == [Stage.SCREENING]
    assert workflow.next_stages(Stage.SCREENING) == [
        Stage.MEDIATING,
        Stage.ESCALATED,
        Stage.REFERRED,
    ]
    assert workflow.next_stages(Stage.MEDIATING) == [
        Stage.RESOLVED,
        Stage.ESCALATED,
        Stage.REFERRED,
    ]
    assert workflow.next_stages(Stage.RESOLVED) == [Stage.FOLLOW_UP, Stage.REOPENED]
    assert workflow.next_stages(Stage.FOLLOW_UP) == [Stage.CLOSED]
    assert workflow.next_stages(Stage.CLOSED) == [Stage.REOPENED]
    assert workflow.next_stages(Stage.REOPENED) == [Stage.SCREENING, Stage.MEDIATING]
    # Every stage but "closed" has a deadline.
    assert set(workflow.DEFAULT_STAGE_DAYS) == set(Stage) - {Stage.CLOSED}


@pytest.mark.parametrize(("source", "target"), ALLOWED, ids=lambda stage: str(stage))
def test_every_allowed_transition(world, source, target):
    case = move_to(world, make_case(world), source)
    assert case.stage == source
    actor, extra = _inputs(world, case, source, target)
    events_before = case.events.count()
    version_before = DisputeCase.objects.get(pk=case.pk).version

    moved = services.case_transition(
        case=case, to_stage=target, actor=world.user(actor), expected_version=None, **extra
    )

    stored = DisputeCase.objects.get(pk=case.pk)
    assert stored.stage == target == moved.stage
    assert stored.version == version_before + 1
    assert stored.stage_due_on == workflow.stage_due_on(target, stored.stage_entered_at.date())
    event = stored.events.filter(kind=EventKind.TRANSITION).first()
    assert (event.from_stage, event.to_stage) == (source, target)
    assert event.actor == world.user(actor)
    assert event.reason == extra["reason"]
    assert stored.events.count() >= events_before + 1


@pytest.mark.parametrize(("source", "target"), DISALLOWED, ids=lambda stage: str(stage))
def test_every_disallowed_transition_is_refused_and_changes_nothing(world, source, target):
    case = move_to(world, make_case(world), source)
    before = DisputeCase.objects.values().get(pk=case.pk)
    events = DisputeEvent.objects.filter(case=case).count()

    with pytest.raises(ValidationError) as refused:
        services.case_transition(
            case=case,
            to_stage=target,
            actor=world.user("admin"),
            reason="试图跳过程序",
            escalation_level="station",
            referral_kind="court",
            referral_body="法院",
            resolution="x",
            accountable_officer=world.user("officer_a1"),
            fault="x",
        )

    message = refused.value.message_dict["to_stage"][0]
    assert str(Stage(source).label) in message
    if source != target:
        assert str(Stage(target).label) in message
    assert DisputeCase.objects.values().get(pk=case.pk) == before
    assert DisputeEvent.objects.filter(case=case).count() == events


def test_an_unknown_stage_is_refused(world):
    case = make_case(world)
    with pytest.raises(ValidationError) as refused:
        services.case_transition(case=case, to_stage="won", actor=world.user("officer_a1"))
    assert "to_stage" in refused.value.message_dict


@pytest.mark.parametrize(
    ("source", "target"),
    [
        (Stage.FOLLOW_UP, Stage.CLOSED),
        (Stage.RESOLVED, Stage.REOPENED),
        (Stage.CLOSED, Stage.REOPENED),
    ],
)
def test_closing_and_reopening_are_for_the_station_chief(world, source, target):
    case = move_to(world, make_case(world), source)
    _actor, extra = _inputs(world, case, source, target)
    with pytest.raises(PermissionDenied, match="station chief"):
        services.case_transition(
            case=case, to_stage=target, actor=world.user("officer_a1"), **extra
        )
    assert DisputeCase.objects.get(pk=case.pk).stage == source
    # The sub-bureau above the station may do it too.
    services.case_transition(case=case, to_stage=target, actor=world.user("staff_a"), **extra)
    assert DisputeCase.objects.get(pk=case.pk).stage == target


def test_a_case_escalated_to_the_sub_bureau_comes_back_only_through_its_staff(world):
    case = move_to(world, make_case(world, severity=Severity.MAJOR), Stage.SCREENING)
    case = services.case_transition(
        case=case,
        to_stage=Stage.ESCALATED,
        actor=world.user("chief_a1"),
        reason="涉及群体，报分局",
        escalation_level="sub_bureau",
    )
    assert case.escalation_level == "sub_bureau"
    with pytest.raises(PermissionDenied, match="sub-bureau"):
        services.case_transition(
            case=case, to_stage=Stage.MEDIATING, actor=world.user("chief_a1"), reason="x"
        )
    case = services.case_transition(
        case=case, to_stage=Stage.MEDIATING, actor=world.user("staff_a"), reason="分局督办调解"
    )
    assert (case.stage, case.escalation_level) == (Stage.MEDIATING, "")


def test_only_a_major_case_goes_up_to_the_sub_bureau(world):
    case = move_to(world, make_case(world, severity=Severity.SERIOUS), Stage.SCREENING)
    with pytest.raises(ValidationError) as refused:
        services.case_transition(
            case=case,
            to_stage=Stage.ESCALATED,
            actor=world.user("officer_a1"),
            reason="x",
            escalation_level="sub_bureau",
        )
    assert "escalation_level" in refused.value.message_dict
    assert DisputeCase.objects.get(pk=case.pk).stage == Stage.SCREENING


def test_moves_name_the_missing_input(world):
    case = move_to(world, make_case(world), Stage.MEDIATING)
    officer = world.user("officer_a1")
    cases = [
        ({"to_stage": Stage.ESCALATED}, "reason"),
        ({"to_stage": Stage.ESCALATED, "reason": "x"}, "escalation_level"),
        ({"to_stage": Stage.REFERRED, "reason": "x"}, "referral_kind"),
        ({"to_stage": Stage.REFERRED, "reason": "x", "referral_kind": "court"}, "referral_body"),
        (
            {"to_stage": Stage.REFERRED, "reason": "x", "referral_kind": "station"},
            "referred_station",
        ),
        ({"to_stage": Stage.RESOLVED}, "resolution"),
        # Resolving from mediation needs a session where the parties agreed.
        ({"to_stage": Stage.RESOLVED, "resolution": "协议"}, "to_stage"),
    ]
    for arguments, field in cases:
        with pytest.raises(ValidationError) as refused:
            services.case_transition(case=case, actor=officer, **arguments)
        assert field in refused.value.message_dict, (arguments, refused.value)
    assert DisputeCase.objects.get(pk=case.pk).stage == Stage.MEDIATING


def test_reopening_records_who_handled_it_and_what_was_wrong(world):
    case = move_to(world, make_case(world), Stage.CLOSED)
    chief = world.user("chief_a1")
    with pytest.raises(ValidationError) as refused:
        services.case_transition(case=case, to_stage=Stage.REOPENED, actor=chief, reason="x")
    assert {"accountable_officer", "fault"} <= set(refused.value.message_dict)

    case = services.case_transition(
        case=case,
        to_stage=Stage.REOPENED,
        actor=chief,
        reason="当事人再次报警",
        accountable_officer=world.user("officer_a1"),
        fault="协议未履行即结案",
    )
    event = case.events.filter(to_stage=Stage.REOPENED).get()
    assert event.accountable_officer == world.user("officer_a1")
    assert event.details["fault"] == "协议未履行即结案"
    assert (case.reopen_count, case.closed_on) == (1, None)


def test_an_officer_of_another_station_cannot_be_held_accountable(world):
    case = move_to(world, make_case(world), Stage.RESOLVED)
    with pytest.raises(ValidationError) as refused:
        services.case_transition(
            case=case,
            to_stage=Stage.REOPENED,
            actor=world.user("chief_a1"),
            reason="x",
            accountable_officer=world.user("officer_b1"),
            fault="x",
        )
    assert "accountable_officer" in refused.value.message_dict


def test_grid_workers_and_other_stations_cannot_move_a_case(world):
    case = move_to(world, make_case(world), Stage.SCREENING)
    for role in ("worker_a1", "officer_a2", "chief_b1", "officer_a1_other"):
        with pytest.raises(PermissionDenied):
            services.case_transition(
                case=case, to_stage=Stage.MEDIATING, actor=world.user(role), reason="x"
            )
    assert DisputeCase.objects.get(pk=case.pk).stage == Stage.SCREENING


def test_allowed_moves_follow_the_tier(world):
    case = move_to(world, make_case(world), Stage.FOLLOW_UP)
    assert services.allowed_moves(case, world.user("officer_a1")) == []
    assert services.allowed_moves(case, world.user("chief_a1")) == [Stage.CLOSED]


@pytest.mark.parametrize(
    ("flags", "severity", "expected"),
    [
        ({}, Severity.GENERAL, "low"),
        ({}, Severity.SERIOUS, "medium"),
        ({}, Severity.MAJOR, "medium"),
        ({"weapons": True}, Severity.MINOR, "high"),
        ({"threats": True}, Severity.GENERAL, "medium"),
        ({"threats": True, "repeated_conflict": True}, Severity.GENERAL, "high"),
        ({"threats": True}, Severity.SERIOUS, "high"),
        ({"repeated_conflict": True, "vulnerable_party": True}, Severity.GENERAL, "medium"),
        ({"repeated_conflict": True, "vulnerable_party": True}, Severity.SERIOUS, "high"),
    ],
)
def test_escalation_risk_table(flags, severity, expected):
    arguments = {
        "threats": False,
        "weapons": False,
        "repeated_conflict": False,
        "vulnerable_party": False,
        **flags,
    }
    assert workflow.escalation_risk_for(severity=severity, **arguments) == expected
