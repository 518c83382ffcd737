# ruff: noqa: RUF001  (Chinese test text uses full-width punctuation)
"""The public concern form (every refusal and the success path), the status page, routing,
scoping of concerns without a grid cell, and triage by officers."""

import io
from unittest import mock

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from residents import services
from residents.models import Concern, ConcernNote, ConcernStatus
from tests.residents.helpers import make_concern

FORM = reverse("residents:concern_new")
STATUS = reverse("residents:concern_status")


def _data(world, **extra):
    data = {
        "category": "noise",
        "description": "楼上每天深夜装修，噪音很大。",
        "community": world.communities["A1"].pk,
        "address": "海德三道1号",
        "website": "",
    }
    data.update(extra)
    return data


def _jpeg_with_exif() -> bytes:
    from PIL import Image

    image = Image.new("RGB", (40, 30), "red")
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    exif[0x8825] = {2: (22.0, 30.0, 0.0)}  # GPS latitude
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def test_anonymous_submission_gets_a_tracking_code(
    client, world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(FORM, _data(world))
    assert response.status_code == 302
    concern = Concern.objects.get()
    assert concern.station == world.stations["A1"] and concern.grid_cell is None
    assert concern.contact_name == "" and not concern.contact_consent
    assert (concern.acknowledge_by - concern.created_at).total_seconds() == 24 * 3600
    page = client.get(response["Location"])
    code = services.format_tracking_code(concern.tracking_code)
    assert code in page.content.decode()
    assert len(concern.tracking_code) == 16


def test_pin_routes_to_the_grid_cell_under_it(client, world):
    cell = world.cells["A1-G2"]
    west, south = cell.boundary["coordinates"][0][0]
    response = client.post(FORM, _data(world, latitude=south + 0.005, longitude=west + 0.005))
    assert response.status_code == 302
    assert Concern.objects.get().grid_cell == cell


def test_contact_needs_consent_and_is_kept_with_it(client, world):
    response = client.post(FORM, _data(world, contact_name="王女士", contact_phone="13800001111"))
    assert response.status_code == 200
    assert "consent" in response.content.decode().lower()
    assert not Concern.objects.exists()
    response = client.post(
        FORM, _data(world, contact_name="王女士", contact_phone="13800001111", contact_consent="on")
    )
    assert response.status_code == 302
    assert Concern.objects.get().contact_phone == "13800001111"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"description": "太吵"}, "description"),
        ({"description": "x" * 2001}, "description"),
        ({"category": "bribery"}, "category"),
        ({"community": ""}, "community"),
        ({"address": "x" * 201}, "address"),
        ({"contact_phone": "12", "contact_consent": "on"}, "contact_phone"),
    ],
)
def test_invalid_input_is_refused_with_a_field_error(client, world, change, field):
    response = client.post(FORM, _data(world, **change))
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert 'id="error-summary"' in response.content.decode()
    assert not Concern.objects.exists()


def test_honeypot_is_refused(client, world):
    response = client.post(FORM, _data(world, website="http://spam.example"))
    assert response.status_code == 400
    assert "automated" in response.content.decode()
    assert not Concern.objects.exists()


def test_csrf_is_enforced(world):
    client = Client(enforce_csrf_checks=True)
    response = client.post(FORM, _data(world))
    assert response.status_code == 403
    assert not Concern.objects.exists()
    page = client.get(FORM)
    token = page.cookies["csrftoken"].value
    response = client.post(FORM, {**_data(world), "csrfmiddlewaretoken": token})
    assert response.status_code == 302


@override_settings(RESIDENTS_RATE_LIMITS={"concern_submit": (2, 3600), "concern_lookup": (3, 600)})
def test_submissions_are_rate_limited_per_ip(client, world):
    for _ in range(2):
        assert client.post(FORM, _data(world)).status_code == 302
    response = client.post(FORM, _data(world))
    assert response.status_code == 429
    assert "Too many submissions" in response.content.decode()
    assert Concern.objects.count() == 2
    other_ip = client.post(FORM, _data(world), REMOTE_ADDR="10.9.9.9")
    assert other_ip.status_code == 302


def test_refusals_are_translated(client, world):
    response = client.post(FORM, _data(world, website="x"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400
    assert 'lang="zh-hans"' in response.content.decode()


def test_photo_is_stripped_of_exif(client, world):
    upload = SimpleUploadedFile("p.jpg", _jpeg_with_exif(), content_type="image/jpeg")
    assert b"SecretCam" in _jpeg_with_exif()
    response = client.post(FORM, _data(world, photo=upload))
    assert response.status_code == 302
    stored = Concern.objects.get().photo
    data = stored.read()
    assert data.startswith(b"\xff\xd8")
    assert b"SecretCam" not in data and b"Exif" not in data


def test_photo_must_be_jpeg_or_png_and_small(client, world):
    fake = SimpleUploadedFile("p.jpg", b"GIF89a not really", content_type="image/jpeg")
    response = client.post(FORM, _data(world, photo=fake))
    assert response.status_code == 200
    assert response.context["form"].errors["photo"]
    big = SimpleUploadedFile("p.png", b"\x89PNG" + b"0" * (5 * 1024 * 1024 + 1))
    response = client.post(FORM, _data(world, photo=big))
    assert "larger than 5 MB" in response.context["form"].errors["photo"][0]


def test_status_page_shows_public_replies_only(client, world):
    concern = make_concern(
        world,
        tracking_code="ABCD1234EFGH5678",
        contact_phone="13811112222",
        contact_name="王女士",
        contact_consent=True,
    )
    officer = world.user("officer_a1")
    ConcernNote.objects.create(concern=concern, author=officer, body="INTERNAL 内部记录")
    ConcernNote.objects.create(
        concern=concern, author=officer, body="PUBLIC 已处理", is_public=True
    )
    response = client.post(STATUS, {"code": "abcd-1234-efgh-5678"})
    body = response.content.decode()
    assert "PUBLIC 已处理" in body
    assert "INTERNAL" not in body
    assert "王女士" not in body and "1381111" not in body and "officer_a1" not in body
    assert concern.description not in body


def test_unknown_and_malformed_codes_get_the_same_answer(client, world):
    make_concern(world, tracking_code="ABCD1234EFGH5678")
    unknown = client.post(STATUS, {"code": "ZZZZ-ZZZZ-ZZZZ-ZZZZ"})
    malformed = client.post(STATUS, {"code": "1"})
    assert unknown.status_code == malformed.status_code == 200
    assert "No concern matches this code" in unknown.content.decode()
    assert "No concern matches this code" in malformed.content.decode()


@override_settings(RESIDENTS_RATE_LIMITS={"concern_submit": (5, 3600), "concern_lookup": (3, 600)})
def test_lookups_are_rate_limited(client, world):
    for _ in range(3):
        assert client.post(STATUS, {"code": "ZZZZ-ZZZZ-ZZZZ-ZZZZ"}).status_code == 200
    response = client.post(STATUS, {"code": "ZZZZ-ZZZZ-ZZZZ-ZZZZ"})
    assert response.status_code == 429


def test_tracking_codes_have_enough_entropy():
    codes = {services.new_tracking_code() for _ in range(2000)}
    assert len(codes) == 2000
    assert all(len(c) == 16 and set(c) <= set(services.TRACKING_ALPHABET) for c in codes)
    assert services.normalise_tracking_code("abcd-1234-efgh-5678") == "ABCD1234EFGH5678"
    assert services.normalise_tracking_code("o0il") == ""  # wrong length


def test_new_concern_notifies_the_station_on_commit(world, django_capture_on_commit_callbacks):
    chief = world.user("chief_a1")
    chief.email = "chief@example.org"
    chief.save()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.concern_submit(
            data=services.ConcernSubmission(
                category="fraud",
                description="冒充客服诈骗电话。",
                community=world.communities["A1"],
            )
        )
    assert mail.outbox == []  # nothing is sent before the commit
    for callback in callbacks:
        callback()
    assert [m.to for m in mail.outbox] == [["chief@example.org"]]


@pytest.mark.django_db(transaction=True)
def test_broker_down_the_concern_is_still_saved(client):
    """With Redis unreachable the submission is committed and the resident sees success.

    Publishing really tries a broker on a port where nothing listens (kombu raises its own
    OperationalError); the global Celery app and its connection pools are left alone.
    """
    from kombu import Connection

    from residents import tasks
    from tests.world import build_world

    world = build_world()

    def publish_to_a_dead_broker(*args, **kwargs):
        with Connection("redis://127.0.0.1:1/0", connect_timeout=1) as connection:
            connection.ensure_connection(max_retries=1)

    with (
        override_settings(CELERY_TASK_ALWAYS_EAGER=False),
        mock.patch.object(
            tasks.concern_notify_task, "apply_async", side_effect=publish_to_a_dead_broker
        ) as publish,
    ):
        response = client.post(FORM, _data(world))
    assert publish.called
    assert response.status_code == 302
    assert client.get(response["Location"]).status_code == 200
    concern = Concern.objects.get()
    client.force_login(world.user("chief_a1"))
    assert concern.reference in client.get(reverse("residents:concern_list")).content.decode()


# --- Scope and triage -------------------------------------------------------------------------
def test_concern_without_a_grid_cell_reaches_the_stations_tiers(world):
    concern = make_concern(world, cell=None)
    seen = {
        role
        for role in (
            "admin",
            "staff_a",
            "staff_b",
            "chief_a1",
            "chief_a2",
            "officer_a1",
            "officer_a1_other",
            "worker_a1",
            "officer_a2",
            "officer_b1",
            "no_profile",
        )
        if Concern.objects.visible_to(world.user(role)).filter(pk=concern.pk).exists()
    }
    assert seen == {"admin", "staff_a", "chief_a1", "officer_a1", "officer_a1_other", "worker_a1"}
    acting = {
        role
        for role in seen
        if Concern.objects.actionable_by(world.user(role)).filter(pk=concern.pk).exists()
    }
    assert acting == {"admin", "staff_a", "chief_a1", "officer_a1", "officer_a1_other"}


def test_triage_assign_route_reply_note_close(client_as, world):
    concern = make_concern(world, cell=None)
    client = client_as("chief_a1")
    url = lambda action: reverse("residents:concern_action", args=[concern.pk, action])  # noqa: E731
    assert client.post(url("route"), {"grid_cell": world.cells["A1-G2"].pk}).status_code == 302
    assert (
        client.post(url("assign"), {"assignee": world.user("officer_a1_other").pk}).status_code
        == 302
    )
    concern.refresh_from_db()
    assert concern.grid_cell.code == "A1-G2"
    assert concern.assigned_to == world.user("officer_a1_other")
    assert concern.acknowledged_at is not None and concern.status == ConcernStatus.IN_PROGRESS
    other = client_as("officer_a1_other")
    other.post(url("note"), {"body": "内部：已联系物业"})
    other.post(url("note"), {"body": "已联系物业处理", "public": "on"})
    assert client.post(url("assign"), {"assignee": world.user("officer_a2").pk}).status_code == 400
    response = other.post(url("close"), {"body": ""})
    assert response.status_code == 400
    other.post(url("close"), {"body": "问题已解决，感谢反映。"})
    concern.refresh_from_db()
    assert concern.status == ConcernStatus.CLOSED and concern.closed_at
    assert list(concern.notes.values_list("is_public", flat=True)) == [False, True, True]
    # Closed concerns take no more notes.
    other.post(url("note"), {"body": "再补充"})
    assert concern.notes.count() == 3


def test_overdue_concerns_stand_out(client_as, world, django_assert_max_num_queries):
    old = timezone.now() - timezone.timedelta(hours=30)
    overdue = make_concern(world, created_at=old)
    for _ in range(20):
        make_concern(world)
    client = client_as("officer_a1")
    with django_assert_max_num_queries(12):
        response = client.get(reverse("residents:concern_list"))
    body = response.content.decode()
    assert 'class="table-danger"' in body and overdue.reference in body
    assert response.context["counts"]["overdue"] == 1
    assert overdue.is_overdue
    filtered = client.get(reverse("residents:concern_list"), {"overdue": "on", "status": "open"})
    assert list(filtered.context["page"].object_list) == [overdue]


def test_concern_page_shows_registered_links(client_as, world):
    from residents.links import ConcernLink, register_concern_link, unregister_concern_link

    concern = make_concern(world)
    register_concern_link(ConcernLink(related_name="notes", label="LINKED-NOTES"))
    try:
        ConcernNote.objects.create(concern=concern, author=world.user("officer_a1"), body="n")
        body = client_as("officer_a1").get(reverse("residents:concern_detail", args=[concern.pk]))
        assert "LINKED-NOTES" in body.content.decode()
    finally:
        unregister_concern_link("notes")


def test_public_map_cells(client, world):
    response = client.get(
        reverse("residents:concern_community_cells", args=[world.communities["A1"].pk])
    )
    data = response.json()
    assert len(data["features"]) == 2
    assert set(data["features"][0]["properties"]) == {"name"}
