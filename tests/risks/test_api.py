"""The risks API: scoped lists, writes through the services, errors naming the field."""

import pytest
from django.urls import reverse
from guardian.shortcuts import assign_perm

from risks.models import RiskLink, RiskPoint, RiskProposal
from tests.risks.helpers import make_overdue, make_risk

pytestmark = pytest.mark.django_db


def test_create_and_read_a_risk_point(client_as, world):
    client = client_as("officer_a1")
    response = client.post(
        reverse("risk-point-list"),
        {
            "grid_cell": world.home_cell.pk,
            "title": "API risk",
            "category": "telecom_fraud",
            "channel": "online",
            "inherent_likelihood": 4,
            "inherent_severity": 3,
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["inherent_level"] == "orange" and body["owner_username"] == "officer_a1"
    assert body["review_cadence_days"] == 14
    detail = client.get(reverse("risk-point-detail", args=[body["id"]])).json()
    assert detail["title"] == "API risk"


def test_create_errors_name_the_field(client_as, world):
    client = client_as("officer_a1")
    response = client.post(
        reverse("risk-point-list"),
        {
            "grid_cell": world.cells["A2-G1"].pk,
            "title": "x",
            "category": "other",
            "channel": "online",
            "inherent_likelihood": 9,
            "inherent_severity": 2,
        },
        content_type="application/json",
    )
    assert response.status_code == 400
    assert set(response.json()) == {"grid_cell", "inherent_likelihood"}
    response = client.post(
        reverse("risk-point-list"),
        {
            "grid_cell": world.home_cell.pk,
            "title": "x",
            "category": "other",
            "channel": "online",
            "inherent_likelihood": 1,
            "inherent_severity": 2,
            "residual_likelihood": 5,
            "residual_severity": 5,
        },
        content_type="application/json",
    )
    assert response.status_code == 400 and "residual_severity" in response.json()


def test_transition_refused_and_allowed(client_as, world):
    point = make_risk(world)
    client = client_as("officer_a1")
    url = reverse("risk-point-transition", args=[point.pk])
    response = client.post(url, {"to_status": "controlled"}, content_type="application/json")
    assert response.status_code == 400 and "to_status" in response.json()
    response = client.post(
        url, {"to_status": "closed", "reason": "gone"}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["status"] == "closed"
    response = client_as("officer_a2").post(
        url, {"to_status": "identified", "reason": "x"}, content_type="application/json"
    )
    assert response.status_code == 404


def test_list_filters(client_as, world):
    make_risk(world, title="red", lk=5, sv=5)
    late = make_risk(world, title="late", lk=1, sv=2)
    make_overdue(late)
    client = client_as("chief_a1")
    url = reverse("risk-point-list")
    titles = [row["title"] for row in client.get(url, {"level": "red"}).json()["results"]]
    assert titles == ["red"]
    rows = client.get(url, {"overdue": "true"}).json()["results"]
    assert [row["title"] for row in rows] == ["late"] and rows[0]["review_overdue"]


def test_measures_and_links(client_as, world):
    a, b = make_risk(world, title="a"), make_risk(world, title="b")
    client = client_as("officer_a1")
    response = client.post(
        reverse("risk-measure-list"),
        {"risk_point": a.pk, "description": "talk to both parties"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    measure_id = response.json()["id"]
    response = client.patch(
        reverse("risk-measure-detail", args=[measure_id]),
        {"status": "done"},
        content_type="application/json",
    )
    assert response.json()["completed_on"]
    response = client.post(
        reverse("risk-link-list"),
        {"source": a.pk, "target": b.pk, "kind": "may_trigger", "strength": "0.4"},
        content_type="application/json",
    )
    assert response.status_code == 201
    link_id = response.json()["id"]
    assert client.delete(reverse("risk-link-detail", args=[link_id])).status_code == 204
    assert not RiskLink.objects.exists()


def test_link_across_stations_needs_a_grant(client_as, world):
    mine = make_risk(world, title="mine")
    theirs = make_risk(world, cell="A2-G1", title="theirs", actor="chief_a2")
    client = client_as("chief_a1")
    data = {"source": mine.pk, "target": theirs.pk, "kind": "aggravates", "strength": "0.5"}
    response = client.post(reverse("risk-link-list"), data, content_type="application/json")
    assert response.status_code == 400 and "target" in response.json()
    assign_perm("risks.change_riskpoint", world.user("chief_a1"), theirs)
    response = client.post(reverse("risk-link-list"), data, content_type="application/json")
    assert response.status_code == 201


def test_proposal_accept_and_dismiss(client_as, world):
    proposal = RiskProposal.objects.create(
        grid_cell=world.home_cell,
        rule="unvisited_cell",
        subject_key="k",
        title="blind spot",
        category="public_order",
        likelihood=2,
        severity=2,
        as_of="2026-01-01",
    )
    client = client_as("officer_a1")
    url = reverse("risk-proposal-dismiss", args=[proposal.pk])
    assert client.post(url, {"reason": ""}, content_type="application/json").status_code == 400
    response = client.post(
        reverse("risk-proposal-accept", args=[proposal.pk]), {}, content_type="application/json"
    )
    assert response.status_code == 201
    assert RiskPoint.objects.get(pk=response.json()["id"]).channel == "data"
    assert client.post(url, {"reason": "late"}, content_type="application/json").status_code == 400
