"""Writes: creation, the transitions function, reviews, measures, links (with grants)."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from guardian.shortcuts import assign_perm

from risks import selectors, services
from risks.models import MeasureStatus, RiskLink, RiskStatus, RiskStatusChange
from tests.risks.helpers import make_overdue, make_risk

pytestmark = pytest.mark.django_db


def test_create_stores_scores_levels_and_cadence(world):
    point = make_risk(world, actor="officer_a1", lk=4, sv=4, residual_likelihood=2)
    assert (point.inherent_score, point.inherent_level) == (16, "orange")
    assert (point.residual_score, point.residual_level) == (8, "yellow")
    assert point.review_cadence_days == 14
    assert point.next_review_on == timezone.localdate() + timedelta(days=14)
    assert point.status == RiskStatus.IDENTIFIED
    assert point.history.count() == 1


def test_create_defaults_the_owner_to_the_cells_responsible_officer(world):
    point = services.risk_point_create(
        actor=world.user("chief_a1"),
        grid_cell=world.home_cell,
        title="t",
        category="other",
        channel="online",
        inherent_likelihood=2,
        inherent_severity=2,
    )
    assert point.owner == world.user("officer_a1")


def test_create_refuses_a_cell_outside_the_actors_area(world):
    with pytest.raises(PermissionDenied):
        make_risk(world, cell="A2-G1", actor="officer_a1")
    with pytest.raises(PermissionDenied):
        make_risk(world, cell="A1-G1", actor="worker_a1")


def test_residual_above_inherent_is_refused_on_the_field(world):
    with pytest.raises(ValidationError) as error:
        make_risk(world, lk=2, sv=2, residual_likelihood=5, residual_severity=5)
    assert "residual_severity" in error.value.message_dict


def test_owner_from_another_station_is_refused(world):
    with pytest.raises(ValidationError) as error:
        make_risk(world, owner="officer_a2")
    assert "owner" in error.value.message_dict


# --- Transitions ----------------------------------------------------------------------------
def test_full_loop_of_transitions_records_actor_time_and_reason(world):
    officer = world.user("officer_a1")
    point = make_risk(world, lk=2, sv=2)
    with pytest.raises(ValidationError) as error:
        services.risk_point_transition(risk_point=point, to_status="controlling", actor=officer)
    assert "measure" in error.value.message_dict["to_status"][0]
    measure = services.measure_create(risk_point=point, actor=officer, description="patrol")
    services.risk_point_transition(risk_point=point, to_status="controlling", actor=officer)
    services.risk_point_transition(risk_point=point, to_status="controlled", actor=officer)
    with pytest.raises(ValidationError) as error:
        services.risk_point_transition(
            risk_point=point, to_status="closed", actor=officer, reason="done"
        )
    assert "still open" in error.value.message_dict["to_status"][0]
    services.measure_update(measure=measure, actor=officer, status=MeasureStatus.DONE)
    with pytest.raises(ValidationError) as error:
        services.risk_point_transition(risk_point=point, to_status="closed", actor=officer)
    assert "reason" in error.value.message_dict
    point = services.risk_point_transition(
        risk_point=point, to_status="closed", actor=officer, reason="resolved"
    )
    assert point.status == RiskStatus.CLOSED
    with pytest.raises(ValidationError):
        services.risk_point_transition(risk_point=point, to_status="controlling", actor=officer)
    point = services.risk_point_transition(
        risk_point=point, to_status="controlling", actor=officer, reason="flared up again"
    )
    changes = list(RiskStatusChange.objects.filter(risk_point=point).order_by("pk"))
    assert [(c.from_status, c.to_status) for c in changes] == [
        ("identified", "controlling"),
        ("controlling", "controlled"),
        ("controlled", "closed"),
        ("closed", "controlling"),
    ]
    assert changes[-1].actor == officer and changes[-1].reason == "flared up again"
    assert changes[-1].changed_at is not None


@pytest.mark.parametrize(
    ("start", "target"),
    [("identified", "controlled"), ("identified", "identified"), ("closed", "controlled")],
)
def test_illegal_transitions_are_refused_with_a_clear_error(world, start, target):
    point = make_risk(world, lk=2, sv=2)
    type(point).objects.filter(pk=point.pk).update(status=start)
    point.refresh_from_db()
    with pytest.raises(ValidationError) as error:
        services.risk_point_transition(
            risk_point=point, to_status=target, actor=world.user("admin"), reason="x"
        )
    assert error.value.message_dict["to_status"]
    point.refresh_from_db()
    assert point.status == start


def test_unknown_status_names_the_field(world):
    point = make_risk(world)
    with pytest.raises(ValidationError) as error:
        services.risk_point_transition(
            risk_point=point, to_status="solved", actor=world.user("admin")
        )
    assert "to_status" in error.value.message_dict


def test_closing_a_red_risk_needs_the_sub_bureau(world):
    point = make_risk(world, lk=5, sv=5)
    for role in ("officer_a1", "chief_a1"):
        with pytest.raises(PermissionDenied):
            services.risk_point_transition(
                risk_point=point, to_status="closed", actor=world.user(role), reason="r"
            )
    services.risk_point_transition(
        risk_point=point, to_status="closed", actor=world.user("staff_a"), reason="r"
    )


def test_transitions_are_refused_outside_the_area(world):
    point = make_risk(world)
    for role in ("officer_a2", "worker_a1", "chief_b1"):
        with pytest.raises(PermissionDenied):
            services.risk_point_transition(
                risk_point=point, to_status="closed", actor=world.user(role), reason="r"
            )


# --- Reviews and cadence --------------------------------------------------------------------
def test_review_moves_next_review_by_the_new_levels_cadence(world):
    point = make_risk(world, lk=2, sv=2)  # yellow, 30 days
    make_overdue(point)
    point.refresh_from_db()
    today = timezone.localdate()
    review = services.risk_point_review(
        risk_point=point,
        actor=world.user("officer_a1"),
        inherent_likelihood=5,
        inherent_severity=4,
        residual_likelihood=3,
        residual_severity=4,
        note="escalating",
    )
    point.refresh_from_db()
    assert (review.level_before, review.level_after) == ("yellow", "red")
    assert review.was_overdue
    assert point.next_review_on == today + timedelta(days=7)
    assert point.review_cadence_days == 7
    assert point.last_reviewed_on == today


def test_review_in_the_future_is_refused(world):
    point = make_risk(world)
    with pytest.raises(ValidationError) as error:
        services.risk_point_review(
            risk_point=point,
            actor=world.user("officer_a1"),
            inherent_likelihood=3,
            inherent_severity=3,
            residual_likelihood=3,
            residual_severity=3,
            reviewed_on=timezone.localdate() + timedelta(days=2),
        )
    assert "reviewed_on" in error.value.message_dict


# --- Measures -------------------------------------------------------------------------------
def test_measure_due_dates_tighten_with_the_level(world):
    red = make_risk(world, lk=5, sv=5)
    officer = world.user("officer_a1")
    measure = services.measure_create(risk_point=red, actor=officer, description="m")
    assert measure.due_on == timezone.localdate() + timedelta(days=7)
    with pytest.raises(ValidationError) as error:
        services.measure_create(
            risk_point=red,
            actor=officer,
            description="late",
            due_on=timezone.localdate() + timedelta(days=20),
        )
    assert "due_on" in error.value.message_dict
    blue = make_risk(world, lk=1, sv=2)
    services.measure_create(
        risk_point=blue,
        actor=officer,
        description="fine",
        due_on=timezone.localdate() + timedelta(days=20),
    )


def test_measure_done_gets_a_completion_date(world):
    point = make_risk(world)
    measure = services.measure_create(
        risk_point=point, actor=world.user("officer_a1"), description="m"
    )
    measure = services.measure_update(
        measure=measure, actor=world.user("officer_a1"), status=MeasureStatus.DONE
    )
    assert measure.completed_on == timezone.localdate()


# --- Links ----------------------------------------------------------------------------------
def test_links_within_the_area(world):
    a, b = make_risk(world, title="a"), make_risk(world, cell="A1-G2", title="b")
    link = services.risk_link_create(
        source=a, target=b, kind="aggravates", strength="0.7", actor=world.user("chief_a1")
    )
    assert str(link.strength) == "0.70"
    with pytest.raises(ValidationError):
        services.risk_link_create(
            source=a, target=b, kind="aggravates", strength="0.5", actor=world.user("chief_a1")
        )
    with pytest.raises(ValidationError) as error:
        services.risk_link_create(
            source=a, target=a, kind="may_trigger", strength="0.5", actor=world.user("chief_a1")
        )
    assert "target" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.risk_link_create(
            source=b, target=a, kind="may_trigger", strength="1.5", actor=world.user("chief_a1")
        )
    assert "strength" in error.value.message_dict


def test_links_across_stations_only_with_a_grant_on_the_other_point(world):
    mine = make_risk(world, title="mine")
    theirs = make_risk(world, cell="A2-G1", title="theirs", actor="chief_a2")
    chief = world.user("chief_a1")
    with pytest.raises(ValidationError) as error:
        services.risk_link_create(
            source=mine, target=theirs, kind="may_trigger", strength="0.5", actor=chief
        )
    assert "grant" in error.value.message_dict["target"][0]
    # A view grant is not enough: the user must be able to act on both points.
    assign_perm("risks.view_riskpoint", chief, theirs)
    with pytest.raises(ValidationError):
        services.risk_link_create(
            source=mine, target=theirs, kind="may_trigger", strength="0.5", actor=chief
        )
    assign_perm("risks.change_riskpoint", chief, theirs)
    link = services.risk_link_create(
        source=mine, target=theirs, kind="may_trigger", strength="0.5", actor=chief
    )
    # chief_a2 sees the link only if they also see the other end: they do not.
    assert not RiskLink.objects.visible_to(world.user("chief_a2")).filter(pk=link.pk).exists()
    assert RiskLink.objects.visible_to(world.user("staff_a")).filter(pk=link.pk).exists()
    # Removing it also needs both ends.
    with pytest.raises(PermissionDenied):
        services.risk_link_delete(link=link, actor=world.user("chief_a2"))
    services.risk_link_delete(link=link, actor=chief)


def test_shared_party_links_need_a_party_in_common(world):
    from residents.models import Household

    household = Household.objects.create(grid_cell=world.home_cell, number="HH-1", address="1 Road")
    a = make_risk(world, title="a", involved_households=[household])
    b = make_risk(world, title="b", involved_households=[household])
    c = make_risk(world, title="c")
    officer = world.user("officer_a1")
    with pytest.raises(ValidationError) as error:
        services.risk_link_create(
            source=a, target=c, kind="shared_party", strength="0.5", actor=officer
        )
    assert "kind" in error.value.message_dict
    candidates = list(selectors.shared_party_candidates(risk_point=b, user=officer))
    assert candidates == [a]
    assert services.risk_shared_party_links_propose(risk_point=b, actor=officer) == 1
    link = RiskLink.objects.get(kind="shared_party")
    assert (link.source_id, link.target_id) == (a.pk, b.pk)  # stored once, lower pk first
    assert services.risk_shared_party_links_propose(risk_point=b, actor=officer) == 0


# --- History --------------------------------------------------------------------------------
def test_timeline_shows_the_dynamic_loop(world):
    officer = world.user("officer_a1")
    point = make_risk(world, lk=2, sv=2)
    services.measure_create(risk_point=point, actor=officer, description="visit weekly")
    services.risk_point_transition(risk_point=point, to_status="controlling", actor=officer)
    services.risk_point_review(
        risk_point=point,
        actor=officer,
        inherent_likelihood=4,
        inherent_severity=4,
        residual_likelihood=2,
        residual_severity=2,
        note="worse",
    )
    services.risk_point_update(risk_point=point, actor=officer, title="renamed")
    other = make_risk(world, title="other")
    services.risk_link_create(
        source=point, target=other, kind="may_trigger", strength="0.4", actor=officer
    )
    events = selectors.risk_point_timeline(risk_point=point)
    kinds = [event.kind for event in events]
    assert set(kinds) == {"created", "measure", "status", "review", "edited", "link"}
    assert kinds[-1] == "created"
    review = next(event for event in events if event.kind == "review")
    assert review.level == "orange"
    assert any("→" in line for line in review.details)
    edited = next(event for event in events if event.kind == "edited")
    assert any("renamed" in line for line in edited.details)
