"""Pages: lists with filters and fixed query counts, forms with field-level errors, sources."""

from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from grid.models import GridVisit
from risks import services
from risks.models import RiskPoint, RiskProposal, RiskStatus
from tests.risks.helpers import make_overdue, make_risk

pytestmark = pytest.mark.django_db


def _grow(world, n, *, start=0):
    officer = world.user("officer_a1")
    for i in range(start, start + n):
        point = make_risk(world, title=f"grown {i}", lk=1 + i % 5, sv=1 + (i * 3) % 5)
        services.measure_create(risk_point=point, actor=officer, description=f"m{i}")
        if i % 3 == 0:
            make_overdue(point)
        if i:
            previous = RiskPoint.objects.get(title=f"grown {i - 1}")
            services.risk_link_create(
                source=previous, target=point, kind="may_trigger", strength="0.5", actor=officer
            )
    RiskProposal.objects.bulk_create(
        RiskProposal(
            grid_cell=world.home_cell,
            rule="unvisited_cell",
            subject_key=f"grow:{i}",
            title=f"p{i}",
            category="other",
            likelihood=2,
            severity=2,
            as_of=timezone.localdate(),
        )
        for i in range(start, start + n)
    )


@pytest.mark.parametrize(
    "url",
    [
        reverse("risk_point_list"),
        reverse("risk_point_list") + "?overdue=on&sort=review&status=",
        reverse("risk_oversight") + "?tier=community_officer",
        reverse("risk_proposal_list"),
        reverse("risk_map"),
        reverse("risk-point-list"),
        reverse("risk-measure-list"),
        reverse("risk-link-list"),
        reverse("risk-proposal-list"),
    ],
)
def test_lists_keep_a_fixed_number_of_queries(client_as, world, django_assert_max_num_queries, url):
    client = client_as("chief_a1")
    _grow(world, 3)
    client.get(url)
    with django_assert_max_num_queries(20) as small:
        assert client.get(url).status_code == 200
    _grow(world, 25, start=3)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200


def test_detail_keeps_a_fixed_number_of_queries(client_as, world, django_assert_max_num_queries):
    client = client_as("chief_a1")
    _grow(world, 2)
    point = RiskPoint.objects.get(title="grown 1")
    url = reverse("risk_point_detail", args=[point.pk])
    client.get(url)
    with django_assert_max_num_queries(40) as small:
        client.get(url)
    officer = world.user("officer_a1")
    for n in range(8):
        services.measure_create(risk_point=point, actor=officer, description=f"more {n}")
        services.risk_point_review(
            risk_point=point,
            actor=officer,
            inherent_likelihood=1 + n % 5,
            inherent_severity=3,
            residual_likelihood=1,
            residual_severity=1,
        )
        other = make_risk(world, title=f"linked {n}")
        services.risk_link_create(
            source=point, target=other, kind="aggravates", strength="0.3", actor=officer
        )
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(url)
    assert len(response.context["timeline"]) > 20


def test_list_filters(client_as, world):
    make_risk(world, title="red one", lk=5, sv=5)
    make_risk(world, title="blue one", lk=1, sv=1)
    overdue = make_risk(world, title="late one", lk=2, sv=3)
    make_overdue(overdue)
    client = client_as("officer_a1")
    url = reverse("risk_point_list")
    body = client.get(url, {"level": "red"}).content.decode()
    assert "red one" in body and "blue one" not in body
    body = client.get(url, {"overdue": "on"}).content.decode()
    assert "late one" in body and "red one" not in body
    body = client.get(url, {"mine": "on", "sort": "title"}).content.decode()
    assert body.index("blue one") < body.index("red one")
    response = client.get(url, {"officer": "nobody"})
    assert "No officer with this username" in response.content.decode()


def test_create_shows_field_errors_and_creates(client_as, world):
    client = client_as("officer_a1")
    url = reverse("risk_point_create")
    response = client.post(url, {"grid_cell": "A2-G1", "title": "", "category": "other"})
    form = response.context["form"]
    assert "grid_cell" in form.errors and "title" in form.errors and "channel" in form.errors
    response = client.post(
        url,
        {
            "grid_cell": "A1-G1",
            "title": "Fire exit blocked",
            "category": "fire_building",
            "channel": "on_site",
            "inherent_likelihood": "2",
            "inherent_severity": "2",
            "residual_likelihood": "5",
            "residual_severity": "5",
        },
    )
    assert "residual_severity" in response.context["form"].errors
    response = client.post(
        url,
        {
            "grid_cell": "A1-G1",
            "title": "Fire exit blocked",
            "category": "fire_building",
            "channel": "on_site",
            "inherent_likelihood": "4",
            "inherent_severity": "5",
        },
    )
    point = RiskPoint.objects.get(title="Fire exit blocked")
    assert response.status_code == 302 and response["Location"].endswith(f"/risks/{point.pk}/")
    assert point.inherent_level == "red" and point.owner == world.user("officer_a1")


def test_create_from_a_visit_prefills_the_cell_and_links_it(client_as, world):
    start = timezone.now() - timedelta(hours=2)
    visit = GridVisit.objects.create(
        grid_cell=world.home_cell,
        officer=world.user("officer_a1"),
        visit_type="patrol",
        started_at=start,
        ended_at=start + timedelta(hours=1),
        visit_date=timezone.localdate(),
    )
    client = client_as("officer_a1")
    url = reverse("risk_point_create") + f"?visit={visit.pk}"
    response = client.get(url)
    assert response.context["form"].initial["grid_cell"] == "A1-G1"
    client.post(
        url,
        {
            "grid_cell": "A1-G1",
            "title": "Seen on patrol",
            "category": "public_order",
            "channel": "on_site",
            "inherent_likelihood": "2",
            "inherent_severity": "2",
        },
    )
    assert RiskPoint.objects.get(title="Seen on patrol").source_visit == visit
    # Another cell's officer cannot use the visit.
    assert client_as("officer_a2").get(url).status_code == 404


def test_create_from_a_concern(client_as, world):
    from residents.models import Concern

    cell = world.home_cell
    when = timezone.make_aware(datetime.combine(timezone.localdate(), time(9)))
    concern = Concern.objects.create(
        tracking_code="TRACK1",
        category=Concern._meta.get_field("category").choices[0][0],
        description="Loud arguments every night",
        station=cell.community.station,
        community=cell.community,
        grid_cell=cell,
        created_at=when,
        acknowledge_by=when + timedelta(days=1),
    )
    client = client_as("officer_a1")
    for param in ("concern", "source_concern"):
        response = client.get(reverse("risk_point_create") + f"?{param}={concern.pk}")
        assert response.context["form"].initial["description"] == "Loud arguments every night"
    client.post(
        reverse("risk_point_create") + f"?concern={concern.pk}",
        {
            "grid_cell": "A1-G1",
            "title": "Dispute may escalate",
            "category": "dispute_escalation",
            "channel": "on_site",
            "inherent_likelihood": "3",
            "inherent_severity": "3",
        },
    )
    assert RiskPoint.objects.get(title="Dispute may escalate").source_concern == concern


def test_refused_transition_shows_the_reason_on_the_form(client_as, world):
    point = make_risk(world)
    client = client_as("officer_a1")
    url = reverse("risk_point_transition", args=[point.pk])
    response = client.post(url, {"to_status": "controlling"})
    assert "measure" in str(response.context["form"].errors["to_status"])
    response = client.post(url, {"to_status": "closed"})
    assert "reason" in response.context["form"].errors
    response = client.post(url, {"to_status": "closed", "reason": "gone"})
    assert response.status_code == 302
    point.refresh_from_db()
    assert point.status == RiskStatus.CLOSED


def test_review_page_and_overdue_signal(client_as, world):
    point = make_risk(world, lk=2, sv=2)
    make_overdue(point)
    client = client_as("officer_a1")
    detail = reverse("risk_point_detail", args=[point.pk])
    assert 'data-testid="review-overdue"' in client.get(detail).content.decode()
    client.post(
        reverse("risk_point_review", args=[point.pk]),
        {
            "inherent_likelihood": "2",
            "inherent_severity": "2",
            "residual_likelihood": "1",
            "residual_severity": "2",
            "reviewed_on": timezone.localdate().isoformat(),
            "note": "calm now",
        },
    )
    body = client.get(detail).content.decode()
    assert 'data-testid="review-overdue"' not in body
    assert "calm now" in body


def test_links_add_and_remove_pages(client_as, world):
    a, b = make_risk(world, title="a"), make_risk(world, title="b")
    client = client_as("officer_a1")
    response = client.post(
        reverse("risk_link_create", args=[a.pk]),
        {"other": a.pk, "direction": "out", "kind": "may_trigger", "strength": "0.5"},
    )
    assert response.context["form"].errors["other"]
    theirs = make_risk(world, cell="A2-G1", title="theirs", actor="chief_a2")
    response = client.post(
        reverse("risk_link_create", args=[a.pk]),
        {"other": theirs.pk, "direction": "out", "kind": "may_trigger", "strength": "0.5"},
    )
    assert response.context["form"].errors["other"]
    response = client.post(
        reverse("risk_link_create", args=[a.pk]),
        {"other": b.pk, "direction": "in", "kind": "aggravates", "strength": "0.8"},
    )
    assert response.status_code == 302
    link = b.links_out.get()
    assert link.target == a
    client.post(reverse("risk_link_delete", args=[link.pk]), {"back": a.pk})
    assert not b.links_out.exists()


def test_proposal_accept_and_dismiss_pages(client_as, world):
    proposals = RiskProposal.objects.bulk_create(
        RiskProposal(
            grid_cell=world.home_cell,
            rule="unvisited_cell",
            subject_key=f"k{n}",
            title=f"proposal {n}",
            category="public_order",
            likelihood=2,
            severity=3,
            as_of=timezone.localdate(),
        )
        for n in range(2)
    )
    client = client_as("officer_a1")
    response = client.post(reverse("risk_proposal_dismiss", args=[proposals[0].pk]), {})
    assert "reason" in response.context["form"].errors
    client.post(reverse("risk_proposal_dismiss", args=[proposals[0].pk]), {"reason": "known"})
    response = client.post(reverse("risk_proposal_accept", args=[proposals[1].pk]), {})
    point = RiskPoint.objects.get(title="proposal 1")
    assert response["Location"].endswith(f"/risks/{point.pk}/")
    assert point.channel == "data"
    assert RiskProposal.objects.filter(status="open").count() == 0


def test_oversight_lists_by_tier_overdue_first(client_as, world):
    red = make_risk(world, title="red on time", lk=5, sv=5)
    late_red = make_risk(world, title="red late", lk=4, sv=5)
    make_overdue(late_red)
    make_risk(world, title="yellow", lk=2, sv=3)
    response = client_as("staff_a").get(reverse("risk_oversight"))
    titles = [point.title for point in response.context["page"].object_list]
    assert titles == ["red late", "red on time"]
    response = client_as("officer_a1").get(reverse("risk_oversight"))
    assert response.context["tier"] == "community_officer"
    assert [point.title for point in response.context["page"].object_list] == ["yellow"]
    response = client_as("chief_a1").get(reverse("risk_oversight") + "?tier=sub_bureau")
    assert red.title in response.content.decode()


def test_map_data_has_cells_points_and_links(client_as, world):
    a, b = (
        make_risk(world, title="a"),
        make_risk(world, title="b", latitude=Decimal("22.505"), longitude=Decimal("113.905")),
    )
    services.risk_link_create(
        source=a, target=b, kind="may_trigger", strength="0.5", actor=world.user("admin")
    )
    make_risk(world, cell="B1-G1", title="far away", actor="admin")
    response = client_as("chief_a1").get(reverse("risk_map"))
    data = response.context["data"]
    assert {p["title"] for p in data["points"]} == {"a", "b"}
    assert data["links"] == [
        {"source": a.pk, "target": b.pk, "kind": "may_trigger", "strength": 0.5}
    ]
    assert [c["code"] for c in data["cells"]] == ["A1-G1"]
    assert 'id="risk-map-data"' in response.content.decode()


def test_detail_works_without_the_register_panel(client_as, world, monkeypatch):
    from risks import views

    point = make_risk(world)
    monkeypatch.setattr(views, "RAISED_BY_TEMPLATES", ["no/such/template.html"])
    response = client_as("officer_a1").get(reverse("risk_point_detail", args=[point.pk]))
    assert response.status_code == 200 and response.context["raised_by_template"] is None


def test_edit_sets_and_clears_involved_households(client_as, world):
    from residents.models import Household

    Household.objects.create(grid_cell=world.home_cell, number="HH-9", address="9 Road")
    point = make_risk(world, title="parties")
    client = client_as("officer_a1")
    url = reverse("risk_point_update", args=[point.pk])
    data = {
        "title": "parties",
        "category": "other",
        "channel": "on_site",
        "inherent_likelihood": "3",
        "inherent_severity": "3",
        "households": "HH-9",
    }
    assert client.post(url, data).status_code == 302
    assert list(point.involved_households.values_list("number", flat=True)) == ["HH-9"]
    response = client.post(url, {**data, "households": "HH-404"})
    assert "households" in response.context["form"].errors
    assert client.post(url, {**data, "households": ""}).status_code == 302
    assert not point.involved_households.exists()
