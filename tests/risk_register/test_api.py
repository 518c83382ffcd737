"""The register API: filters, clear errors naming the field, sign-off by API."""

import pytest
from django.urls import reverse

from risks.register.models import RegisterSignOff
from tests.risk_register.endpoints import register
from tests.risk_register.helpers import AS_OF

pytestmark = pytest.mark.django_db


def test_entries_are_filtered_and_explained(client_as, world):
    register(world)
    client = client_as("staff_a")
    rows = client.get(reverse("register-entry-list"), {"level": "red"}).json()["results"]
    assert [row["grid_cell_code"] for row in rows] == ["A1-G1"]
    keys = [factor["key"] for factor in rows[0]["factors"]]
    assert keys[0] == "risk_points" and "days_without_visit" in keys
    rows = client.get(reverse("register-entry-list"), {"sort": "code"}).json()["results"]
    assert [row["grid_cell_code"] for row in rows] == ["A1-G1", "A1-G2", "A2-G1", "A2-G2"]
    rollups = client.get(reverse("register-rollup-list"), {"kind": "sub_bureau"}).json()
    assert [row["sub_bureau_code"] for row in rollups["results"]] == ["SB-A"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"level": "purple"}, "level"),
        ({"sort": "random"}, "sort"),
        ({"date": "15/06/2026"}, "date"),
        ({"station": "abc"}, "station"),
    ],
)
def test_bad_filters_name_the_field(client_as, world, params, field):
    register(world)
    response = client_as("chief_a1").get(reverse("register-entry-list"), params)
    assert response.status_code == 400 and field in response.json()


def test_a_station_chief_signs_off_by_api(client_as, world):
    register(world)
    client = client_as("chief_a1")
    url = reverse("register-sign-off-list")
    response = client.post(
        url,
        {"station": world.stations["A1"].pk, "date": AS_OF.isoformat(), "comment": "api"},
        content_type="application/json",
    )
    assert response.status_code == 201 and response.json()["comment"] == "api"
    missing = client.post(
        url,
        {"station": world.stations["A1"].pk, "date": "2020-01-01"},
        content_type="application/json",
    )
    assert missing.status_code == 400 and "date" in missing.json()
    assert RegisterSignOff.objects.filter(comment="api").count() == 1
