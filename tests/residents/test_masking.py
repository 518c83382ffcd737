"""Masking of ID numbers and phones on every surface where a resident appears."""

import pytest
from django.urls import reverse

from residents.masking import mask_id_number, mask_phone
from tests.residents.helpers import HOME_ID, HOME_PHONE, home_resident

MASKED_ID = "110101********1232"
MASKED_PHONE = "138****5678"


def test_mask_functions():
    assert mask_id_number("110101198001011232") == MASKED_ID
    assert mask_id_number("11010119800101123X") == "110101********123X"
    assert mask_phone("13812345678") == MASKED_PHONE
    assert mask_phone("") == "" and mask_id_number(None) == ""
    assert mask_phone("0755-12345678") == "075******5678"


@pytest.fixture
def resident(world):
    return home_resident(world)


def _assert_masked(body: str):
    assert HOME_ID not in body
    assert HOME_PHONE not in body
    assert MASKED_ID in body


@pytest.mark.parametrize("role", ["admin", "chief_a1", "officer_a1", "staff_a"])
def test_pages_show_masked_values(client_as, world, resident, role):
    client = client_as(role)
    for url in (
        reverse("residents:resident_list"),
        reverse("residents:resident_list") + "?id_last=1232",
        reverse("residents:resident_detail", args=[resident.pk]),
        reverse("residents:resident_edit", args=[resident.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        _assert_masked(response.content.decode())


def test_api_shows_masked_values(client_as, world, resident):
    client = client_as("chief_a1")
    for url in (reverse("resident-list"), reverse("resident-detail", args=[resident.pk])):
        body = client.get(url, HTTP_ACCEPT="application/json").content.decode()
        _assert_masked(body)
        assert MASKED_PHONE in body


def test_export_is_masked_and_recorded(client_as, world, resident):
    from residents.models import AccessAction, PersonalDataAccess

    client = client_as("officer_a1")
    response = client.post(reverse("residents:resident_export"), {"reason": "走访名单准备"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    body = response.content.decode("utf-8-sig")
    _assert_masked(body)
    assert MASKED_PHONE in body
    record = PersonalDataAccess.objects.get(action=AccessAction.EXPORT)
    assert record.actor == world.user("officer_a1")
    assert record.reason == "走访名单准备"
    assert list(record.residents.all()) == [resident]
    assert record.station == world.stations["A1"]


def test_export_without_reason_is_refused_and_not_recorded(client_as, world, resident):
    from residents.models import PersonalDataAccess

    response = client_as("officer_a1").post(reverse("residents:resident_export"), {"reason": ""})
    assert response.status_code == 302
    assert not PersonalDataAccess.objects.exists()


def test_admin_list_and_form_are_masked(client_as, world, resident):
    client = client_as("admin")
    for url in (
        reverse("admin:residents_resident_changelist"),
        reverse("admin:residents_resident_change", args=[resident.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 200
        _assert_masked(response.content.decode())
