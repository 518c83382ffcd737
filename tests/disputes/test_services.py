"""Dispute case services: registering, editing, parties, sessions, referral access, repeat
detection, optimistic concurrency and notifications."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.utils import timezone

from disputes import selectors, services
from disputes.models import (
    DisputeCase,
    DisputeCaseUserObjectPermission,
    DisputeEvent,
    DisputeParty,
    DisputeRepeat,
    EventKind,
    Stage,
)
from disputes.services import PartyInput
from tests.disputes.helpers import make_case, move_to
from tests.grid.visit_factories import make_visit
from tests.residents.helpers import make_concern, make_resident

pytestmark = pytest.mark.django_db


# --- Registering ----------------------------------------------------------------------------
def test_a_case_starts_registered_with_a_deadline_and_the_cells_officer(world):
    case = make_case(world, actor="chief_a1")
    assert case.stage == Stage.REGISTERED
    assert case.officer == world.user("officer_a1")  # the cell's responsible officer
    assert case.stage_due_on == timezone.localdate() + timedelta(days=1)
    assert case.version == 1
    assert [e.kind for e in case.events.all()] == [EventKind.REGISTERED]
    assert case.parties.count() == 2
    assert case.escalation_risk == "low"


def test_registering_names_each_bad_field(world):
    with pytest.raises(ValidationError) as refused:
        services.case_create(
            actor=world.user("officer_a1"),
            grid_cell=world.home_cell,
            category="feud",
            summary="  ",
            severity="apocalyptic",
            source="rumour",
            parties=[PartyInput(role="applicant", name="张三")],
        )
    assert set(refused.value.message_dict) == {"category", "summary", "severity", "source"}
    assert not DisputeCase.objects.exists()


@pytest.mark.parametrize(
    ("parties", "message"),
    [
        ([], "at least one party"),
        ([PartyInput(role="applicant")], "pick a resident or type a name"),
        ([PartyInput(role="judge", name="张三")], "choose a role"),
        ([PartyInput(role="applicant", resident_id=999999)], "no such resident"),
        (
            [
                PartyInput(role="applicant", name="张三", phone="138 0000 1111"),
                PartyInput(role="respondent", name=" 张三 ", phone="13800001111"),
            ],
            "named twice",
        ),
    ],
)
def test_parties_are_checked(world, parties, message):
    with pytest.raises(ValidationError) as refused:
        services.case_create(
            actor=world.user("officer_a1"),
            grid_cell=world.home_cell,
            category="neighbour",
            summary="争执",
            parties=parties,
        )
    assert message in refused.value.message_dict["parties"][0]
    assert not DisputeCase.objects.exists() and not DisputeParty.objects.exists()


def test_a_resident_of_another_station_cannot_be_made_a_party(world):
    stranger = make_resident(world, "B1-G1", name="外区居民")
    with pytest.raises(ValidationError, match="no such resident"):
        make_case(world, parties=[PartyInput(role="applicant", resident_id=stranger.pk)])


def test_cases_are_registered_only_where_the_actor_may_act(world):
    for role in ("worker_a1", "officer_a2", "chief_b1", "no_profile"):
        with pytest.raises(PermissionDenied):
            make_case(world, actor=role, parties=[PartyInput(role="applicant", name="张三")])
    assert not DisputeCase.objects.exists()


def test_the_responsible_officer_must_work_for_the_cells_station(world):
    with pytest.raises(ValidationError) as refused:
        make_case(world, officer=world.user("officer_b1"))
    assert "officer" in refused.value.message_dict
    with pytest.raises(ValidationError):
        make_case(world, officer=world.user("worker_a1"))


def test_a_case_from_a_concern_or_a_visit_links_both_ways(world):
    concern = make_concern(world)
    case = make_case(world, source="concern", source_concern=concern)
    assert list(concern.disputes.visible_to(world.user("officer_a1"))) == [case]

    visit = make_visit(world.home_cell, world.user("officer_a1"), timezone.localdate())
    from_visit = make_case(world, source="visit", source_visit=visit)
    assert list(visit.disputes.visible_to(world.user("chief_a1"))) == [from_visit]
    assert list(visit.disputes.visible_to(world.user("officer_a2"))) == []


def test_a_source_outside_the_actors_area_is_refused(world):
    theirs = make_concern(world, "B1-G1", community="B1")
    with pytest.raises(ValidationError) as refused:
        make_case(world, source="concern", source_concern=theirs)
    assert "source_concern" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        make_case(world, source="concern")
    assert "source_concern" in refused.value.message_dict


def test_the_resident_page_link_shows_the_case(world):
    from residents.selectors import resident_links_for

    resident = make_resident(world, name="赵六")
    case = make_case(
        world,
        parties=[
            PartyInput(role="applicant", resident_id=resident.pk),
            PartyInput(role="respondent", name="钱七"),
        ],
    )
    sections = {
        str(section["link"].label): section["items"]
        for section in resident_links_for(user=world.user("officer_a1"), resident=resident)
    }
    (party,) = sections["Dispute cases"]
    assert party.get_absolute_url() == case.get_absolute_url()


# --- Editing and concurrency ----------------------------------------------------------------
def test_editing_records_before_and_after_and_recomputes_the_risk(world):
    case = make_case(world)
    case = services.case_update(
        case=case,
        actor=world.user("officer_a1"),
        expected_version=1,
        weapons=True,
        summary="对方持刀威胁",
    )
    assert case.version == 2 and case.escalation_risk == "high"
    event = case.events.filter(kind=EventKind.EDITED).get()
    assert event.details["fields"] == ["summary", "weapons"]
    assert event.details["before"]["weapons"] == "no"
    assert case.history.count() == 2


def test_a_stale_edit_is_refused_and_the_first_change_is_kept(world):
    case = make_case(world)
    services.case_update(
        case=case, actor=world.user("officer_a1"), expected_version=1, severity="serious"
    )
    with pytest.raises(ValidationError) as refused:
        services.case_update(
            case=case, actor=world.user("chief_a1"), expected_version=1, severity="minor"
        )
    assert "version" in refused.value.message_dict
    assert "changed this case" in refused.value.message_dict["version"][0]
    stored = DisputeCase.objects.get(pk=case.pk)
    assert (stored.severity, stored.version) == ("serious", 2)


def test_a_stale_transition_is_refused(world):
    case = make_case(world)
    services.case_update(case=case, actor=world.user("chief_a1"), expected_version=1, threats=True)
    with pytest.raises(ValidationError) as refused:
        services.case_transition(
            case=case,
            to_stage=Stage.SCREENING,
            actor=world.user("officer_a1"),
            expected_version=1,
        )
    assert "version" in refused.value.message_dict
    assert DisputeCase.objects.get(pk=case.pk).stage == Stage.REGISTERED


def test_a_closed_case_is_not_edited(world):
    case = move_to(world, make_case(world), Stage.CLOSED)
    with pytest.raises(ValidationError, match="reopened"):
        services.case_update(
            case=case, actor=world.user("chief_a1"), expected_version=None, summary="改"
        )


def test_parties_are_added_and_removed_with_a_timeline_entry(world):
    case = make_case(world)
    party = services.case_party_add(
        case=case, actor=world.user("officer_a1"), party=PartyInput(role="other", name="物业")
    )
    assert party.party_key.startswith("n物业")
    with pytest.raises(ValidationError, match="already on the case"):
        services.case_party_add(
            case=case, actor=world.user("officer_a1"), party=PartyInput(role="other", name="物业")
        )
    services.case_party_remove(case=case, actor=world.user("officer_a1"), party_id=party.pk)
    details = [event.details for event in case.events.filter(kind=EventKind.EDITED)]
    assert {"party_added": "物业", "role": "Other party"} in details
    assert {"party_removed": "物业", "role": "Other party"} in details
    assert DisputeCase.objects.get(pk=case.pk).version == 3


# --- Mediation sessions ---------------------------------------------------------------------
def test_sessions_are_recorded_during_mediation_with_their_agreement(world):
    case = make_case(world)
    officer = world.user("officer_a1")
    with pytest.raises(ValidationError, match="in mediation"):
        services.mediation_session_add(
            case=case,
            actor=officer,
            held_on=timezone.localdate(),
            place="警务室",
            participants="双方",
        )
    case = move_to(world, case, Stage.MEDIATING)
    with pytest.raises(ValidationError) as refused:
        services.mediation_session_add(
            case=case,
            actor=officer,
            held_on=timezone.localdate() + timedelta(days=1),
            place="",
            participants="",
            agreement_reached=True,
        )
    assert set(refused.value.message_dict) == {"held_on", "place", "participants", "agreement_text"}
    with pytest.raises(ValidationError) as refused:
        services.mediation_session_add(
            case=case,
            actor=officer,
            held_on=timezone.localdate(),
            place="警务室",
            participants="双方",
            agreement_file=ContentFile(b"MZ...", name="agreement.exe"),
        )
    assert "agreement_file" in refused.value.message_dict

    session = services.mediation_session_add(
        case=case,
        actor=officer,
        held_on=timezone.localdate(),
        place="社区警务室",
        participants="张三、李四、社区民警",
        outcome="赔偿800元",
        agreement_reached=True,
        agreement_file=ContentFile(b"%PDF-1.4 signed", name="协议.pdf"),
    )
    assert session.agreement_file.name.endswith(".pdf")
    assert case.events.filter(kind=EventKind.SESSION).count() == 1


# --- Referral to another station ------------------------------------------------------------
def _refer_to_a2(world, case):
    return services.case_transition(
        case=case,
        to_stage=Stage.REFERRED,
        actor=world.user("officer_a1"),
        reason="当事人住所在A2辖区",
        referral_kind="station",
        referred_station=world.stations["A2"],
    )


def test_a_referral_to_another_station_grants_its_chief_this_case_only(world):
    case = move_to(world, make_case(world), Stage.SCREENING)
    other = make_case(world)
    chief_a2, officer_a2 = world.user("chief_a2"), world.user("officer_a2")
    assert not DisputeCase.objects.visible_to(chief_a2).exists()

    case = _refer_to_a2(world, case)

    assert list(DisputeCase.objects.visible_to(chief_a2)) == [case]
    assert list(DisputeCase.objects.actionable_by(chief_a2)) == [case]
    assert other not in DisputeCase.objects.visible_to(chief_a2)
    # Nobody else outside the owning station gains access.
    for role in ("officer_a2", "chief_b1", "staff_b", "officer_b1"):
        assert not DisputeCase.objects.visible_to(world.user(role)).filter(pk=case.pk).exists()
    assert case.referral_body == world.stations["A2"].name
    assert case.events.filter(kind=EventKind.ACCESS_GRANTED).exists()
    # The receiving chief sees the case's rows (parties, timeline) through the same grant.
    assert DisputeParty.objects.visible_to(chief_a2).filter(case=case).count() == 2
    assert DisputeEvent.objects.visible_to(chief_a2).filter(case=case).exists()
    assert not DisputeParty.objects.visible_to(officer_a2).exists()

    # The receiving chief ends the referral: the case comes back, the access goes.
    services.case_transition(
        case=case, to_stage=Stage.MEDIATING, actor=chief_a2, reason="退回原所调解"
    )
    assert not DisputeCase.objects.visible_to(chief_a2).exists()
    assert not DisputeCaseUserObjectPermission.objects.exists()
    revoked = case.events.get(kind=EventKind.ACCESS_REVOKED)
    assert revoked.details["station"] == world.stations["A2"].name


def test_resolving_a_referred_case_also_ends_the_access(world):
    case = _refer_to_a2(world, move_to(world, make_case(world), Stage.SCREENING))
    services.case_transition(
        case=case,
        to_stage=Stage.RESOLVED,
        actor=world.user("chief_a2"),
        resolution="A2所调解成功",
    )
    assert not DisputeCase.objects.visible_to(world.user("chief_a2")).exists()


def test_a_referral_names_another_station_with_a_chief(world):
    case = move_to(world, make_case(world), Stage.SCREENING)
    with pytest.raises(ValidationError) as refused:
        services.case_transition(
            case=case,
            to_stage=Stage.REFERRED,
            actor=world.user("officer_a1"),
            reason="x",
            referral_kind="station",
            referred_station=world.stations["A1"],
        )
    assert "referred_station" in refused.value.message_dict
    assert not DisputeCaseUserObjectPermission.objects.exists()


def test_a_referral_to_a_committee_grants_nobody(world):
    case = move_to(world, make_case(world), Stage.REFERRED)
    assert case.referral_kind == "mediation_committee"
    assert not DisputeCaseUserObjectPermission.objects.exists()


# --- Repeat detection -----------------------------------------------------------------------
def _parties(*residents, outsider=None):
    parties = [PartyInput(role="applicant", resident_id=r.pk) for r in residents]
    if outsider:
        parties.append(PartyInput(role="respondent", name=outsider, phone="13700000000"))
    return parties


def test_a_new_case_between_the_same_parties_links_to_the_earlier_one(world):
    a, b = make_resident(world, name="甲"), make_resident(world, name="乙")
    now = timezone.now()
    first = make_case(world, parties=_parties(a, b), now=now - timedelta(days=80))
    unrelated = make_case(world, parties=_parties(a, outsider="丙"), now=now - timedelta(days=10))
    second = make_case(world, parties=_parties(b, a), now=now)

    links = list(second.repeats_of.values_list("earlier_id", "reason"))
    assert links == [(first.pk, "parties")]
    second.refresh_from_db()
    assert second.repeated_conflict and second.escalation_risk == "medium"
    assert second.events.filter(kind=EventKind.REPEAT).exists()
    assert not unrelated.repeats_of.exists()


def test_outside_parties_match_by_name_and_phone(world):
    now = timezone.now()
    first = make_case(
        world,
        parties=[PartyInput(role="applicant", name="刘 强", phone="137-0000-0000")],
        now=now - timedelta(days=5),
    )
    second = make_case(
        world,
        parties=[PartyInput(role="respondent", name="刘强", phone="13700000000")],
        now=now,
    )
    assert list(second.repeats_of.values_list("earlier_id", flat=True)) == [first.pk]


def test_the_same_address_within_90_days_is_a_repeat_and_older_ones_are_not(world):
    now = timezone.now()
    old = make_case(world, address="幸福路12号3单元", now=now - timedelta(days=91))
    recent = make_case(world, address="幸福路 12号 3单元", now=now - timedelta(days=30))
    new = make_case(world, address="幸福路12号3单元", now=now)
    assert list(new.repeats_of.values_list("earlier_id", "reason")) == [(recent.pk, "address")]
    assert not DisputeRepeat.objects.filter(case=new, earlier=old).exists()


def test_repeats_across_stations_are_linked_but_shown_only_where_visible(world):
    resident_a = make_resident(world, name="跨区甲")
    outsider = "跨区乙"
    now = timezone.now()
    theirs = make_case(
        world,
        cell="A2-G1",
        actor="officer_a2",
        parties=[
            PartyInput(role="applicant", name="跨区甲外名"),
            PartyInput(role="respondent", name=outsider),
        ],
        address="和平路1号",
        now=now - timedelta(days=3),
    )
    ours = make_case(
        world,
        parties=_parties(resident_a, outsider=outsider),
        address="和平路1号",
        now=now,
    )
    assert ours.repeats_of.filter(earlier=theirs).exists()
    links = selectors.case_repeats(user=world.user("officer_a1"), case=ours)
    assert (links.earlier, links.hidden) == ([], 1)
    links = selectors.case_repeats(user=world.user("staff_a"), case=ours)
    assert [link.earlier for link in links.earlier] == [theirs]


def test_editing_the_address_finds_repeats(world):
    earlier = make_case(world, address="和谐路8号")
    later = make_case(world, address="别处")
    assert not later.repeats_of.exists()
    services.case_update(
        case=later, actor=world.user("officer_a1"), expected_version=1, address="和谐路8号"
    )
    assert list(later.repeats_of.values_list("earlier_id", flat=True)) == [earlier.pk]


# --- Deadlines and notifications ------------------------------------------------------------
def test_overdue_cases_are_escalated_once(world, mailoutbox, settings):
    settings.DISPUTE_STAGE_DAYS = {"screening": 3}
    world.user("chief_a1").email = "chief@example.org"
    world.user("chief_a1").save()
    world.user("officer_a1").email = "officer@example.org"
    world.user("officer_a1").save()
    late = move_to(world, make_case(world), Stage.SCREENING)
    DisputeCase.objects.filter(pk=late.pk).update(
        stage_due_on=timezone.localdate() - timedelta(days=1)
    )
    on_time = move_to(world, make_case(world), Stage.SCREENING)

    result = services.overdue_cases_escalate()
    assert result.case_ids == (late.pk,)
    assert services.overdue_cases_escalate().escalated == 0  # safe to run twice
    late.refresh_from_db()
    assert late.overdue_escalated_at is not None
    event = late.events.get(kind=EventKind.OVERDUE)
    assert event.from_stage == Stage.SCREENING
    assert not on_time.events.filter(kind=EventKind.OVERDUE).exists()

    assert services.case_notify(case_id=late.pk, reason="overdue") == 2
    (mail,) = mailoutbox
    assert sorted(mail.to) == ["chief@example.org", "officer@example.org"]
    assert late.reference in mail.subject

    # Moving on starts a new stage with a new deadline: it can be escalated again later.
    late = services.case_transition(
        case=late, to_stage=Stage.MEDIATING, actor=world.user("officer_a1")
    )
    assert late.overdue_escalated_at is None
    assert late.stage_due_on == timezone.localdate() + timedelta(days=30)


def test_an_escalation_to_the_sub_bureau_tells_its_staff(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    staff = world.user("staff_a")
    staff.email = "staff@example.org"
    staff.save()
    case = move_to(world, make_case(world, severity="major"), Stage.SCREENING)
    with django_capture_on_commit_callbacks(execute=True):
        services.case_transition(
            case=case,
            to_stage=Stage.ESCALATED,
            actor=world.user("chief_a1"),
            reason="重大纠纷",
            escalation_level="sub_bureau",
        )
    assert [mail.to for mail in mailoutbox] == [["staff@example.org"]]


def test_nothing_is_half_written_when_a_step_fails(world):
    case = move_to(world, make_case(world), Stage.SCREENING)
    events = case.events.count()
    # The station has chiefs, but the referral names a station that does not exist.
    with pytest.raises(ValidationError):
        services.case_transition(
            case=case,
            to_stage=Stage.REFERRED,
            actor=world.user("officer_a1"),
            reason="x",
            referral_kind="station",
            referred_station=987654,
        )
    stored = DisputeCase.objects.get(pk=case.pk)
    assert (stored.stage, stored.referral_kind, stored.version) == (
        Stage.SCREENING,
        "",
        case.version,
    )
    assert stored.events.count() == events
