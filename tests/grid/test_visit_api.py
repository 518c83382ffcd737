"""The visits API a field app logs visits with: scoped, validated, idempotent."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from grid.models import GridVisit
from tests.grid.visit_factories import make_resident, make_visit

pytestmark = pytest.mark.django_db


def _api(world, role):
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=world.user(role))
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def _body(world, **changes):
    started = timezone.now() - timedelta(hours=1)
    return {
        "grid_cell": world.home_cell.pk,
        "visit_type": "door_to_door",
        "started_at": started.isoformat(),
        "ended_at": (started + timedelta(minutes=30)).isoformat(),
        "households_reached": 3,
        **changes,
    }


def test_create_and_retry_with_the_same_key(world):
    resident = make_resident(world.home_cell, "刘七")
    client = _api(world, "officer_a1")
    url = reverse("grid-visit-list")
    body = _body(world, residents_met=[resident.pk], client_key="6f1c-retry")
    first = client.post(url, body, format="json")
    assert first.status_code == 201, first.json()
    assert first.json()["residents_met"] == [resident.pk]
    assert first.json()["officer_username"] == "officer_a1"
    again = client.post(url, body, format="json")
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert GridVisit.objects.count() == 1


def test_a_cell_out_of_reach_is_not_found(world):
    response = _api(world, "officer_a2").post(
        reverse("grid-visit-list"), _body(world), format="json"
    )
    assert response.status_code == 404
    assert GridVisit.objects.count() == 0


def test_errors_name_the_field(world):
    client = _api(world, "officer_a1")
    started = timezone.now() - timedelta(hours=1)
    response = client.post(
        reverse("grid-visit-list"),
        _body(world, ended_at=(started - timedelta(minutes=5)).isoformat()),
        format="json",
    )
    assert response.status_code == 400 and "ended_at" in response.json()
    response = client.post(
        reverse("grid-visit-list"), _body(world, visit_type="party"), format="json"
    )
    assert response.status_code == 400 and "visit_type" in response.json()
    other = make_resident(world.cells["A2-G1"], "外所居民")
    response = client.post(
        reverse("grid-visit-list"), _body(world, residents_met=[other.pk]), format="json"
    )
    assert response.status_code == 400 and "residents_met" in response.json()


def test_list_filters_and_fixed_queries(world, django_assert_max_num_queries):
    client = _api(world, "chief_a1")
    today = timezone.localdate()
    make_visit(world.home_cell, world.user("officer_a1"), today)
    with django_assert_max_num_queries(12) as small:
        rows = client.get(reverse("grid-visit-list")).json()["results"]
    assert len(rows) == 1
    for i in range(20):
        resident = make_resident(world.home_cell, f"居民{i}")
        make_visit(
            world.home_cell,
            world.user("officer_a1"),
            today - timedelta(days=i),
            residents=[resident],
        )
    with django_assert_max_num_queries(len(small.captured_queries)):
        rows = client.get(reverse("grid-visit-list")).json()["results"]
    assert len(rows) == 21
    recent = client.get(
        reverse("grid-visit-list"), {"date_from": (today - timedelta(days=6)).isoformat()}
    ).json()
    assert recent["count"] == 8


def test_coverage_endpoint(world):
    make_visit(world.home_cell, world.user("officer_a1"), timezone.localdate() - timedelta(days=2))
    rows = _api(world, "chief_a1").get(reverse("visit-coverage-list")).json()["results"]
    by_code = {row["code"]: row for row in rows}
    assert set(by_code) == {"A1-G1", "A1-G2"}
    assert by_code["A1-G1"]["days_since_visit"] == 2 and not by_code["A1-G1"]["blind_spot"]
    assert by_code["A1-G2"]["last_visit_date"] is None and by_code["A1-G2"]["blind_spot"]
    bad = _api(world, "chief_a1").get(reverse("visit-coverage-list"), {"as_of": "yesterday"})
    assert bad.status_code == 400 and "as_of" in bad.json()
