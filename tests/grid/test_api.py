"""The API base: authentication, scoping, pagination, filtering, schema and docs."""

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.world import PASSWORD

pytestmark = pytest.mark.django_db


def test_token_authentication(world):
    client = APIClient()
    response = client.post(
        reverse("api-token"), {"username": "chief_a1", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200
    token = response.json()["token"]
    assert Token.objects.get(key=token).user == world.user("chief_a1")
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    codes = [row["code"] for row in client.get(reverse("grid-cell-list")).json()["results"]]
    assert codes == ["A1-G1", "A1-G2"]


def test_token_with_a_bad_password_is_refused_with_a_reason(world):
    response = APIClient().post(
        reverse("api-token"), {"username": "chief_a1", "password": "wrong"}, format="json"
    )
    assert response.status_code == 400
    assert "non_field_errors" in response.json()


def test_invalid_token_is_unauthorised(world):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    assert client.get(reverse("grid-cell-list")).status_code == 401


def test_pagination_and_page_size(client_as, world):
    client = client_as("admin")
    body = client.get(reverse("grid-cell-list"), {"page_size": 2}).json()
    assert body["count"] == 6 and len(body["results"]) == 2 and body["next"]


def test_filters_are_applied_within_scope(client_as, world):
    client = client_as("staff_a")
    url = reverse("grid-cell-list")
    rows = client.get(url, {"station": world.stations["A2"].pk}).json()["results"]
    assert [row["code"] for row in rows] == ["A2-G1", "A2-G2"]
    # Filtering on another sub-bureau's station finds nothing rather than leaking it.
    rows = client.get(url, {"station": world.stations["B1"].pk}).json()["results"]
    assert rows == []
    rows = client.get(url, {"search": "G2"}).json()["results"]
    assert [row["code"] for row in rows] == ["A1-G2", "A2-G2"]


def test_assignments_filter_by_date(client_as, world):
    client = client_as("chief_a1")
    rows = client.get(reverse("grid-assignment-list"), {"active_on": "2025-06-01"}).json()
    assert rows["count"] == 0
    rows = client.get(reverse("grid-assignment-list"), {"active_on": "2026-06-01"}).json()
    assert rows["count"] == 3


def test_api_is_read_only_for_tier_models(client_as, world):
    client = client_as("chief_a1")
    response = client.patch(
        reverse("grid-cell-detail", args=[world.home_cell.pk]),
        {"name": "changed"},
        content_type="application/json",
    )
    assert response.status_code == 405


def test_api_lists_keep_a_fixed_number_of_queries(client_as, world, django_assert_max_num_queries):
    client = client_as("admin")
    for name in ("grid-cell-list", "station-list", "officer-list", "grid-assignment-list"):
        with django_assert_max_num_queries(8):
            assert client.get(reverse(name)).status_code == 200


def test_schema_and_docs_load_nothing_from_outside(client_as, world):
    client = client_as("chief_a1")
    schema = client.get(reverse("api-schema"))
    assert schema.status_code == 200
    assert b"/api/grid-cells/" in schema.content
    docs = client.get(reverse("api-docs"))
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "http://" not in html.replace("http://testserver", "")
    assert "https://" not in html
    assert "<script>" not in html  # no inline script: the CSP forbids it
    policy = docs["Content-Security-Policy"]
    script_src = next(part for part in policy.split(";") if part.strip().startswith("script-src"))
    assert script_src.strip() == "script-src 'self'"
