"""Revealing full values: only the responsible officer and the station chief, with a reason,
always recorded; the record page for station chiefs and sub-bureau staff."""

import pytest
from django.urls import reverse
from django.utils import timezone

from residents.models import AccessAction, PersonalDataAccess
from tests.residents.helpers import HOME_ID, HOME_PHONE, home_resident


@pytest.fixture
def resident(world):
    return home_resident(world)


@pytest.mark.parametrize("role", ["officer_a1", "chief_a1"])
def test_reveal_shows_full_values_and_records_it(client_as, world, resident, role):
    client = client_as(role)
    response = client.post(
        reverse("residents:resident_reveal", args=[resident.pk]), {"reason": "核实户籍信息"}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert HOME_ID in body and HOME_PHONE in body
    assert response["Cache-Control"] == "no-store"
    record = PersonalDataAccess.objects.get()
    assert record.actor == world.user(role)
    assert record.action == AccessAction.REVEAL
    assert record.reason == "核实户籍信息"
    assert list(record.residents.all()) == [resident]


@pytest.mark.parametrize("role", ["staff_a", "worker_a1", "officer_a1_other", "admin"])
def test_other_tiers_cannot_reveal(client_as, world, resident, role):
    response = client_as(role).post(
        reverse("residents:resident_reveal", args=[resident.pk]), {"reason": "只是想看看"}
    )
    assert response.status_code in (403, 404)
    assert HOME_ID not in response.content.decode()
    assert not PersonalDataAccess.objects.exists()


def test_reveal_needs_a_reason(client_as, world, resident):
    response = client_as("officer_a1").post(
        reverse("residents:resident_reveal", args=[resident.pk]), {"reason": " "}
    )
    body = response.content.decode()
    assert HOME_ID not in body
    assert "This field is required" in body
    assert not PersonalDataAccess.objects.exists()


def test_reveal_through_the_api_is_recorded(client_as, world, resident):
    client = client_as("chief_a1")
    response = client.post(
        reverse("resident-reveal", args=[resident.pk]),
        {"reason": "电话回访"},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["id_number"] == HOME_ID
    assert PersonalDataAccess.objects.filter(actor=world.user("chief_a1")).count() == 1


def _record(world, resident, actor, reason, days_ago=0):
    record = PersonalDataAccess.objects.create(
        actor=world.user(actor),
        action=AccessAction.REVEAL,
        reason=reason,
        resident_count=1,
        station=world.stations["A1"],
        sub_bureau=world.sub_bureaus["A"],
        created_at=timezone.now() - timezone.timedelta(days=days_ago),
    )
    record.residents.add(resident)
    return record


def test_record_page_filters_by_officer_and_date(client_as, world, resident):
    _record(world, resident, "officer_a1", "REASON-OFFICER-TODAY")
    _record(world, resident, "chief_a1", "REASON-CHIEF-OLD", days_ago=10)
    client = client_as("chief_a1")
    url = reverse("residents:access_record_list")
    body = client.get(url).content.decode()
    assert "REASON-OFFICER-TODAY" in body and "REASON-CHIEF-OLD" in body
    body = client.get(url, {"actor": world.user("officer_a1").pk}).content.decode()
    assert "REASON-OFFICER-TODAY" in body and "REASON-CHIEF-OLD" not in body
    since = (timezone.localdate() - timezone.timedelta(days=2)).isoformat()
    body = client.get(url, {"date_from": since}).content.decode()
    assert "REASON-OFFICER-TODAY" in body and "REASON-CHIEF-OLD" not in body
    # Sub-bureau staff see it too; officers have no such page.
    assert "REASON-OFFICER-TODAY" in client_as("staff_a").get(url).content.decode()
    assert client_as("officer_a1").get(url).status_code == 403
    assert "REASON-OFFICER-TODAY" not in client_as("chief_a2").get(url).content.decode()


def test_record_page_query_count_is_fixed(
    client_as, world, resident, django_assert_max_num_queries
):
    for n in range(30):
        _record(world, resident, "officer_a1", f"reason {n}")
    client = client_as("chief_a1")
    with django_assert_max_num_queries(12):
        assert client.get(reverse("residents:access_record_list")).status_code == 200
