"""Resident pages: search, create and edit with field errors, fixed query counts."""

import pytest
from django.urls import reverse

from residents.models import Household, Resident
from tests.residents.helpers import home_resident, id_number, make_resident


@pytest.fixture
def resident(world):
    return home_resident(world)


def test_search_by_name_last_digits_address_tag_and_cell(client_as, world, resident):
    make_resident(world, name="王五", address="桃源村5栋")
    client = client_as("officer_a1")
    url = reverse("residents:resident_list")
    assert "李家宝" in client.get(url, {"q": "家宝"}).content.decode()
    assert "李家宝" not in client.get(url, {"q": "王五"}).content.decode()
    assert "李家宝" in client.get(url, {"id_last": "1232"}).content.decode()
    assert "李家宝" not in client.get(url, {"id_last": "9999"}).content.decode()
    assert "王五" in client.get(url, {"address": "桃源"}).content.decode()
    tag = resident.tags.get(code="elderly-alone")
    body = client.get(url, {"tag": tag.pk}).content.decode()
    assert "李家宝" in body and "王五" not in body
    assert "李家宝" in client.get(url, {"grid_cell": "A1-G1"}).content.decode()


def test_grid_workers_never_see_key_population_tags(client_as, world, resident):
    from residents.models import Tag

    drug = Tag.objects.get(code="drug-user")
    for url in (
        reverse("residents:resident_list"),
        reverse("residents:resident_detail", args=[resident.pk]),
    ):
        worker = client_as("worker_a1").get(url).content.decode()
        assert "Registered drug user" not in worker
        assert "Elderly living alone" in worker
    officer = client_as("officer_a1").get(reverse("residents:resident_detail", args=[resident.pk]))
    assert "Registered drug user" in officer.content.decode()
    # A hidden tag is not even a valid choice for a grid worker, and the API hides it too.
    response = client_as("worker_a1").get(reverse("residents:resident_list"), {"tag": drug.pk})
    assert response.context["form"].errors["tag"]
    api = client_as("worker_a1").get(reverse("resident-detail", args=[resident.pk])).json()
    assert [t["code"] for t in api["tags"]] == ["elderly-alone"]


def test_list_query_count_does_not_grow(client_as, world, django_assert_max_num_queries):
    for n in range(60):
        make_resident(world, name=f"居民{n}", tags=("elderly-alone",))
    client = client_as("officer_a1")
    with django_assert_max_num_queries(14):
        assert client.get(reverse("residents:resident_list")).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(reverse("resident-list")).status_code == 200


def test_detail_query_count(client_as, world, resident, django_assert_max_num_queries):
    from disputes.services import PartyInput
    from tests.disputes.helpers import make_case

    for n in range(5):
        make_resident(world, name=f"家人{n}", household=resident.household)
        make_case(world, parties=[PartyInput(role="applicant", resident_id=resident.pk)])
    client = client_as("chief_a1")
    # 14, and 2 for the dispute cases the resident is a party to (the referral grants are
    # resolved to ids first, then one query for the cases), whatever their number.
    with django_assert_max_num_queries(16):
        response = client.get(reverse("residents:resident_detail", args=[resident.pk]))
    assert response.status_code == 200
    assert "家人4" in response.content.decode()


def test_create_resident_derives_birth_date_and_sex(client_as, world):
    number = id_number(7, year=1990)
    response = client_as("officer_a1").post(
        reverse("residents:resident_create"),
        {
            "name": "赵六",
            "id_number": number,
            "phone": "13700001234",
            "address": "海德三道2号",
            "grid_cell": world.home_cell.pk,
            "household_number": "HH-NEW",
        },
    )
    assert response.status_code == 302
    resident = Resident.objects.get(id_number=number)
    assert resident.birth_date.year == 1990
    assert resident.sex == ("M" if int(number[16]) % 2 else "F")
    assert Household.objects.get(number="HH-NEW").members.get() == resident


def test_create_shows_field_errors(client_as, world):
    good = id_number(8)
    bad_checksum = good[:17] + ("0" if good[17] != "0" else "1")
    response = client_as("officer_a1").post(
        reverse("residents:resident_create"),
        {"name": "", "id_number": bad_checksum, "phone": "12345", "grid_cell": world.home_cell.pk},
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "check digit" in form.errors["id_number"][0]
    assert form.errors["name"]
    assert form.errors["phone"]
    assert 'id="error-summary"' in response.content.decode()
    assert not Resident.objects.filter(id_number=bad_checksum).exists()


def test_create_refuses_a_cell_of_another_station(client_as, world):
    response = client_as("officer_a1").post(
        reverse("residents:resident_create"),
        {"name": "钱七", "id_number": id_number(9), "grid_cell": world.cells["A2-G1"].pk},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["grid_cell"]
    assert not Resident.objects.filter(name="钱七").exists()


def test_edit_keeps_id_and_phone_when_blank(client_as, world, resident):
    response = client_as("officer_a1").post(
        reverse("residents:resident_edit", args=[resident.pk]),
        {
            "name": "李家宝",
            "id_number": "",
            "phone": "",
            "address": "新地址",
            "grid_cell": world.home_cell.pk,
            "household_number": "HH-HOME",
        },
    )
    assert response.status_code == 302
    resident.refresh_from_db()
    assert resident.address == "新地址"
    assert resident.phone == "13812345678"
    # Editing tags as an officer keeps the tags they may see; hidden ones are untouched.
    assert set(resident.tags.values_list("code", flat=True)) == set()


def test_grid_worker_cannot_create(client_as, world):
    assert client_as("worker_a1").get(reverse("residents:resident_create")).status_code == 403
