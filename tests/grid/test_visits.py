"""Grid visits: the service's rules, the phone pages, reassignment, fixed query counts."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from grid.models import GridAssignment, GridVisit, VisitType
from grid.services import grid_visit_create
from tests.grid.visit_factories import make_resident, make_visit

pytestmark = pytest.mark.django_db


def _times(minutes_ago: int = 60, duration: int = 30):
    started = timezone.now().replace(microsecond=0) - timedelta(minutes=minutes_ago)
    return {"started_at": started, "ended_at": started + timedelta(minutes=duration)}


def _form_times(minutes_ago: int = 60, duration: int = 30):
    started = timezone.localtime().replace(second=0, microsecond=0) - timedelta(minutes=minutes_ago)
    return {
        "started_at": started.strftime("%Y-%m-%dT%H:%M"),
        "ended_at": (started + timedelta(minutes=duration)).strftime("%Y-%m-%dT%H:%M"),
    }


# --- The service ----------------------------------------------------------------------------
def test_create_records_everything_in_one_go(world):
    resident = make_resident(world.home_cell, "张三")
    photo = SimpleUploadedFile("door.jpg", b"\xff\xd8\xff jpeg", content_type="image/jpeg")
    visit, created = grid_visit_create(
        actor=world.user("officer_a1"),
        grid_cell=world.home_cell,
        visit_type=VisitType.PUBLICITY,
        households_reached=12,
        resident_ids=[resident.pk],
        companion_ids=[world.user("worker_a1").pk],
        findings="反诈宣传 发现一户疑似被骗",
        photos=[photo],
        **_times(),
    )
    assert created
    assert visit.visit_date == timezone.localdate(visit.started_at)
    assert list(visit.residents_met.all()) == [resident]
    assert list(visit.companions.all()) == [world.user("worker_a1")]
    assert visit.photos.get().content_type == "image/jpeg"


def test_the_same_client_key_never_logs_twice(world):
    arguments = {
        "actor": world.user("officer_a1"),
        "grid_cell": world.home_cell,
        "visit_type": VisitType.PATROL,
        "client_key": "phone-123",
        **_times(),
    }
    first, created = grid_visit_create(**arguments)
    again, created_again = grid_visit_create(**arguments)
    assert created and not created_again and again.pk == first.pk
    assert GridVisit.objects.count() == 1
    # The key belongs to one officer: a colleague may use the same string.
    _, other_created = grid_visit_create(**{**arguments, "actor": world.user("worker_a1")})
    assert other_created


def test_only_officers_of_the_cell_may_log_there(world):
    with pytest.raises(PermissionDenied):
        grid_visit_create(
            actor=world.user("officer_a2"),
            grid_cell=world.home_cell,
            visit_type=VisitType.PATROL,
            **_times(),
        )
    # Grid workers walk their cells too (the visit model lets them act).
    _, created = grid_visit_create(
        actor=world.user("worker_a1"),
        grid_cell=world.home_cell,
        visit_type=VisitType.PATROL,
        **_times(),
    )
    assert created


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"ended_at_offset": -5}, "ended_at"),
        ({"future": True}, "started_at"),
        ({"households_reached": 9999}, "households_reached"),
        ({"latitude": 22.5}, "latitude"),
        ({"other_cell_resident": True}, "residents_met"),
        ({"companion": "officer_b1"}, "companions"),
        ({"bad_photo": True}, "photos"),
    ],
)
def test_bad_input_names_the_field(world, changes, field):
    times = _times()
    if "ended_at_offset" in changes:
        times["ended_at"] = times["started_at"] + timedelta(minutes=changes["ended_at_offset"])
    if changes.get("future"):
        times = {
            "started_at": timezone.now() + timedelta(hours=2),
            "ended_at": timezone.now() + timedelta(hours=3),
        }
    arguments = {
        "actor": world.user("officer_a1"),
        "grid_cell": world.home_cell,
        "visit_type": VisitType.DOOR_TO_DOOR,
        "households_reached": changes.get("households_reached", 0),
        "latitude": changes.get("latitude"),
        **times,
    }
    if changes.get("other_cell_resident"):
        arguments["resident_ids"] = [make_resident(world.cells["A1-G2"], "李四").pk]
    if "companion" in changes:
        arguments["companion_ids"] = [world.user(changes["companion"]).pk]
    if changes.get("bad_photo"):
        arguments["photos"] = [SimpleUploadedFile("x.exe", b"MZ", content_type="application/x")]
    with pytest.raises(ValidationError) as error:
        grid_visit_create(**arguments)
    assert field in error.value.message_dict
    assert GridVisit.objects.count() == 0


# --- The phone pages ------------------------------------------------------------------------
def test_visit_form_saves_and_shows_the_visit(client_as, world):
    resident = make_resident(world.home_cell, "王五", tags=("elderly-alone",))
    client = client_as("officer_a1")
    page = client.get(reverse("visit_create") + f"?cell={world.home_cell.code}")
    assert page.status_code == 200 and "王五" in page.content.decode()  # in care: suggested
    response = client.post(
        reverse("visit_create"),
        {
            "grid_cell": world.home_cell.code,
            "visit_type": "door_to_door",
            "households_reached": "4",
            "residents_met": [str(resident.pk)],
            "findings": "楼道堆物",
            "client_key": "form-key-1",
            **_form_times(),
        },
    )
    visit = GridVisit.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("visit_detail", args=[visit.pk]) + "?saved=1"
    detail = client.get(response["Location"]).content.decode()
    assert "楼道堆物" in detail and "王五" in detail and resident.id_number not in detail
    assert 'data-client-key="form-key-1"' in detail
    # A retried post (the phone lost the answer) leads to the same visit.
    again = client.post(
        reverse("visit_create"),
        {
            "grid_cell": world.home_cell.code,
            "visit_type": "door_to_door",
            "households_reached": "4",
            "client_key": "form-key-1",
            **_form_times(),
        },
    )
    assert again["Location"].startswith(reverse("visit_detail", args=[visit.pk]))
    assert GridVisit.objects.count() == 1


def test_visit_form_shows_errors_and_keeps_what_was_typed(client_as, world):
    times = _form_times()
    times["ended_at"], times["started_at"] = times["started_at"], times["ended_at"]
    response = client_as("officer_a1").post(
        reverse("visit_create"),
        {
            "grid_cell": world.home_cell.code,
            "visit_type": "patrol",
            "households_reached": "0",
            "notes": "在楼下巡逻",
            **times,
        },
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "A visit cannot end before it starts." in body
    assert "在楼下巡逻" in body
    assert GridVisit.objects.count() == 0


def test_resident_search_stays_in_the_cell(client_as, world):
    make_resident(world.home_cell, "陈一")
    make_resident(world.cells["A1-G2"], "陈二")
    client = client_as("officer_a1")
    url = reverse("visit_resident_search")
    body = client.get(url, {"grid_cell": world.home_cell.code, "q": "陈"}).content.decode()
    assert "陈一" in body and "陈二" not in body
    # Another officer's cell is simply not found.
    assert client.get(url, {"grid_cell": "A1-G2", "q": "陈"}).status_code == 404


def test_day_page_lists_cells_care_and_concerns(client_as, world):
    from residents.models import Concern

    make_visit(world.home_cell, world.user("officer_a1"), timezone.localdate() - timedelta(days=3))
    make_resident(world.home_cell, "赵六", tags=("fraud-target",))
    Concern.objects.create(
        tracking_code="TRACK-1",
        category="noise",
        description="楼上噪音",
        station=world.stations["A1"],
        community=world.communities["A1"],
        grid_cell=world.home_cell,
        assigned_to=world.user("officer_a1"),
    )
    body = client_as("officer_a1").get(reverse("day")).content.decode()
    assert "3 days since the last visit" in body and "coverage-badge-green" in body
    assert "赵六" in body and "not met yet" in body
    assert "Noise" in body and "concern=" in body


def test_day_and_coverage_pages_keep_their_query_count(
    client_as, world, django_assert_max_num_queries
):
    def grow(n):
        today = timezone.localdate()
        for i in range(n):
            resident = make_resident(world.home_cell, f"居民{i}", tags=("elderly-alone",))
            make_visit(
                world.home_cell,
                world.user("officer_a1"),
                today - timedelta(days=i),
                residents=[resident],
            )
            make_visit(
                world.cells["A1-G2"], world.user("officer_a1_other"), today - timedelta(days=i)
            )

    pages = [
        ("officer_a1", reverse("day")),
        ("chief_a1", reverse("coverage")),
        ("staff_a", reverse("coverage")),
        ("admin", reverse("coverage")),
        ("officer_a1", reverse("visit_list")),
        ("chief_a1", reverse("grid_cell_detail", args=[world.home_cell.code])),
    ]
    grow(1)
    counts = {}
    for role, url in pages:
        client = client_as(role)
        with django_assert_max_num_queries(30) as captured:
            assert client.get(url).status_code == 200
        counts[(role, url)] = len(captured.captured_queries)
    grow(25)
    for role, url in pages:
        client = client_as(role)
        with django_assert_max_num_queries(counts[(role, url)]):
            assert client.get(url).status_code == 200


def test_coverage_page_per_officer_for_the_chief(client_as, world):
    today = timezone.localdate()
    make_visit(world.home_cell, world.user("officer_a1"), today)
    make_visit(world.cells["A1-G2"], world.user("officer_a1_other"), today - timedelta(days=40))
    body = client_as("chief_a1").get(reverse("coverage")).content.decode()
    assert 'data-officer="officer_a1"' in body and 'data-officer="officer_a1_other"' in body
    assert 'data-cell="A2-G1"' not in body  # the neighbouring station stays out
    # Blind spots first: the cell last visited 40 days ago comes before the one visited today.
    assert body.index('data-cell="A1-G2"') < body.index('data-cell="A1-G1"')
    blind = client_as("chief_a1").get(reverse("coverage"), {"blind": "on"}).content.decode()
    assert 'data-cell="A1-G2"' in blind and 'data-cell="A1-G1"' not in blind


def test_visit_page_offers_a_risk_point_from_the_visit(client_as, world):
    visit = make_visit(world.home_cell, world.user("officer_a1"), timezone.localdate())
    body = client_as("officer_a1").get(reverse("visit_detail", args=[visit.pk])).content.decode()
    assert f"{reverse('risk_point_create')}?visit={visit.pk}" in body
    # Someone who only looks (the sub-bureau's other chief cannot even see it) gets no button.
    assert client_as("chief_a2").get(reverse("visit_detail", args=[visit.pk])).status_code == 404


def test_concern_and_resident_pages_link_their_visits(client_as, world):
    from tests.residents.helpers import home_concern, home_resident

    concern, resident = home_concern(world), home_resident(world)
    officer = client_as("officer_a1")
    # The concern page offers a follow-up visit; the form starts in the concern's grid cell.
    concern_page = officer.get(reverse("residents:concern_detail", args=[concern.pk]))
    create_url = f"{reverse('visit_create')}?source_concern={concern.pk}"
    assert create_url in concern_page.content.decode()
    form_page = officer.get(create_url)
    assert form_page.context["concern"] == concern
    assert form_page.context["cell"] == world.home_cell

    visit = make_visit(
        world.home_cell,
        world.user("officer_a1"),
        timezone.localdate(),
        residents=[resident],
        source_concern=concern,
    )
    visit_url = reverse("visit_detail", args=[visit.pk])
    assert (
        visit_url
        in officer.get(reverse("residents:concern_detail", args=[concern.pk])).content.decode()
    )
    assert (
        visit_url
        in officer.get(reverse("residents:resident_detail", args=[resident.pk])).content.decode()
    )
    # Another station's officer sees neither the concern nor, through it, the visit.
    assert (
        client_as("officer_a2")
        .get(reverse("residents:concern_detail", args=[concern.pk]))
        .status_code
        == 404
    )


# --- Reassignment ---------------------------------------------------------------------------
def test_chief_reassigns_a_cell_and_keeps_the_history(client_as, world):
    cell = world.home_cell
    officer = world.user("officer_a1_other").officer_profile
    response = client_as("chief_a1").post(
        reverse("grid_cell_assign", args=[cell.code]),
        {
            "officer": officer.pk,
            "valid_from": timezone.localdate().isoformat(),
            "reason": "调整包片",
        },
    )
    assert response.status_code == 302
    rows = GridAssignment.objects.filter(grid_cell=cell, role="responsible").order_by("valid_from")
    assert [(r.officer.username, r.valid_to) for r in rows] == [
        ("officer_a1", timezone.localdate()),
        ("officer_a1_other", None),
    ]
    assert rows.last().assigned_by == world.user("chief_a1")


def test_reassignment_explains_a_bad_date(client_as, world):
    officer = world.user("officer_a1_other").officer_profile
    response = client_as("chief_a1").post(
        reverse("grid_cell_assign", args=[world.home_cell.code]),
        {"officer": officer.pk, "valid_from": "2025-06-01", "reason": "x"},
    )
    assert response.status_code == 400
    assert "a new one must start later" in response.content.decode()


@pytest.mark.parametrize("role", ["chief_a2", "officer_a1", "worker_a1", "staff_b"])
def test_others_cannot_reassign(client_as, world, role):
    officer = world.user("officer_a1_other").officer_profile
    response = client_as(role).post(
        reverse("grid_cell_assign", args=[world.home_cell.code]),
        {"officer": officer.pk, "valid_from": timezone.localdate().isoformat(), "reason": "x"},
    )
    assert response.status_code == 404
    assert GridAssignment.objects.filter(grid_cell=world.home_cell).count() == 2
