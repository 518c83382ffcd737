# ruff: noqa: RUF001  (Chinese test text uses full-width punctuation)
"""The disputes API: scoped reads, writes through the services, masked parties, the procedure's
errors (400 illegal, 403 wrong tier, 409 stale), referral access, files behind a scoped URL."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from disputes.models import DisputeCase, DisputeEvent, Stage
from tests.disputes.helpers import home_case, make_case, move_to
from tests.residents.helpers import make_concern, make_resident
from tests.world import PASSWORD

pytestmark = pytest.mark.django_db

RESIDENT_PHONE = "13912345678"
OUTSIDER_PHONE = "13787654321"


def _api(world, role: str) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=world.user(role))
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def _assert_masked(response, *phones: str) -> None:
    """No full phone or ID number of a party in the body; their masked forms are fine."""
    body = response.content.decode()
    for phone in (RESIDENT_PHONE, OUTSIDER_PHONE, "13700000000", *phones):
        assert phone not in body, f"full phone {phone} in {response.request['PATH_INFO']}"
    assert "id_number" not in body


def _create_body(world, **changes) -> dict:
    resident = make_resident(world, name="李四", phone=RESIDENT_PHONE)
    return {
        "grid_cell": world.home_cell.pk,
        "category": "neighbour",
        "summary": "楼上漏水，双方争执",
        "address": "幸福路12号3单元",
        "threats": True,
        "parties": [
            {"role": "applicant", "resident": resident.pk},
            {"role": "respondent", "name": "赵五", "phone": OUTSIDER_PHONE},
        ],
        **changes,
    }


def _transition(client, case, **data):
    return client.post(reverse("dispute-case-transition", args=[case.pk]), data, format="json")


# --- Authentication -------------------------------------------------------------------------
def test_token_authentication(world):
    case = home_case(world)
    client = APIClient()
    response = client.post(
        reverse("api-token"), {"username": "officer_a1", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    rows = client.get(reverse("dispute-case-list")).json()["results"]
    assert [row["id"] for row in rows] == [case.pk]
    assert APIClient().get(reverse("dispute-case-list")).status_code == 401


# --- Create and read ------------------------------------------------------------------------
def test_create_with_parties_and_read_it_masked(world):
    client = _api(world, "officer_a1")
    response = client.post(reverse("dispute-case-list"), _create_body(world), format="json")
    assert response.status_code == 201, response.content
    _assert_masked(response)
    body = response.json()
    assert body["stage"] == "registered" and body["version"] == 1
    assert body["officer_username"] == "officer_a1" and body["grid_cell_code"] == "A1-G1"
    assert body["escalation_risk"] == "medium" and body["threats"] is True
    assert body["allowed_moves"] == ["screening"]
    assert response["ETag"] == '"1"'
    parties = {party["name"]: party for party in body["parties"]}
    assert parties["李四"]["phone"] == "139****5678" and parties["李四"]["resident"]
    assert parties["赵五"]["phone"] == "137****4321" and parties["赵五"]["resident"] is None
    detail = client.get(reverse("dispute-case-detail", args=[body["id"]]))
    assert detail.status_code == 200 and detail.json()["parties"] == body["parties"]
    _assert_masked(detail)
    assert DisputeCase.objects.get(pk=body["id"]).created_by == world.user("officer_a1")


def test_create_from_a_concern_links_it_and_only_one_in_reach(world):
    client = _api(world, "officer_a1")
    concern = make_concern(world)
    response = client.post(
        reverse("dispute-case-list"),
        _create_body(world, source_concern=concern.pk),
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["source"] == "concern"
    assert response.json()["source_concern"] == concern.pk
    other = make_concern(world, "A2-G1", community="A2")
    response = client.post(
        reverse("dispute-case-list"), _create_body(world, source_concern=other.pk), format="json"
    )
    assert response.status_code == 400 and "source_concern" in response.json()


def test_create_errors_name_the_field(world):
    client = _api(world, "officer_a1")
    response = client.post(
        reverse("dispute-case-list"), _create_body(world, parties=[]), format="json"
    )
    assert response.status_code == 400 and "parties" in response.json()
    response = client.post(
        reverse("dispute-case-list"),
        _create_body(world, summary="  ", category="alien"),
        format="json",
    )
    assert response.status_code == 400 and {"summary", "category"} <= set(response.json())
    stranger = make_resident(world, "A2-G1", name="外所居民")
    response = client.post(
        reverse("dispute-case-list"),
        _create_body(world, parties=[{"role": "applicant", "resident": stranger.pk}]),
        format="json",
    )
    assert response.status_code == 400 and "parties" in response.json()
    # Another station's cell: the service refuses (403) and nothing is written.
    response = client.post(
        reverse("dispute-case-list"),
        _create_body(world, grid_cell=world.cells["A2-G1"].pk),
        format="json",
    )
    assert response.status_code == 403
    assert not DisputeCase.objects.exists()


def test_list_filters_search_and_ordering(world):
    quiet = make_case(world, summary="平静的案子")
    risky = make_case(world, summary="持刀威胁", weapons=True)
    move_to(world, quiet, Stage.SCREENING)
    client = _api(world, "chief_a1")
    url = reverse("dispute-case-list")

    def ids(**params):
        return [row["id"] for row in client.get(url, params).json()["results"]]

    assert ids(stage="screening") == [quiet.pk]
    assert ids(escalation_risk="high") == [risky.pk]
    assert ids(search="持刀") == [risky.pk]
    assert ids(search=risky.reference) == [risky.pk]
    assert ids(grid_cell="A1-G1", ordering="risk")[0] == risky.pk
    assert ids(grid_cell="A1-G2") == []
    assert ids(station=world.stations["A2"].pk) == []
    assert set(ids(officer=world.user("officer_a1").pk, open="true")) == {quiet.pk, risky.pk}
    assert ids(overdue="true") == []
    assert client.get(url, {"stage": "nowhere"}).status_code == 400


def test_list_keeps_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    for _ in range(3):
        make_case(world)
    client = _api(world, "chief_a1")
    url = reverse("dispute-case-list")
    with django_assert_max_num_queries(8):
        few = client.get(url)
    for _ in range(25):
        make_case(world)
    with django_assert_max_num_queries(8):
        many = client.get(url)
    assert many.json()["count"] == 28 and len(many.json()["results"]) == 28
    _assert_masked(few)
    _assert_masked(many)


# --- Update and concurrency -----------------------------------------------------------------
def test_patch_needs_the_version_and_a_stale_one_is_a_conflict(world):
    case = make_case(world)
    url = reverse("dispute-case-detail", args=[case.pk])
    first, second = _api(world, "officer_a1"), _api(world, "chief_a1")
    response = first.patch(url, {"address": "幸福路1号"}, format="json")
    assert response.status_code == 400 and "version" in response.json()
    response = first.patch(url, {"address": "幸福路1号", "version": 1}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["version"] == 2 and response["ETag"] == '"2"'
    _assert_masked(response)
    # The chief read version 1 too: their change is refused, the first one is kept.
    response = second.patch(url, {"summary": "改写的摘要", "version": 1}, format="json")
    assert response.status_code == 409
    assert "while you were working on it" in response.json()["detail"]
    assert response.json()["version"]
    case.refresh_from_db()
    assert case.address == "幸福路1号" and case.summary != "改写的摘要" and case.version == 2
    # If-Match works as well as the field.
    response = second.patch(url, {"summary": "改写的摘要"}, format="json", HTTP_IF_MATCH='"1"')
    assert response.status_code == 409
    response = second.patch(url, {"summary": "改写的摘要"}, format="json", HTTP_IF_MATCH='"2"')
    assert response.status_code == 200 and response.json()["summary"] == "改写的摘要"


def test_patch_changes_only_editable_fields_and_names_the_field(world):
    case = make_case(world)
    url = reverse("dispute-case-detail", args=[case.pk])
    client = _api(world, "officer_a1")
    response = client.patch(
        url, {"stage": "closed", "weapons": True, "version": case.version}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["stage"] == "registered" and response.json()["escalation_risk"] == "high"
    response = client.patch(url, {"officer": "officer_a2", "version": 2}, format="json")
    assert response.status_code == 400 and "officer" in response.json()


def test_grid_worker_reads_but_never_writes(world):
    case = home_case(world)
    client = _api(world, "worker_a1")
    detail = client.get(reverse("dispute-case-detail", args=[case.pk]))
    assert detail.status_code == 200 and detail.json()["allowed_moves"] == []
    _assert_masked(detail)
    url = reverse("dispute-case-detail", args=[case.pk])
    assert client.patch(url, {"address": "x", "version": 1}, format="json").status_code == 404
    assert _transition(client, case, to_stage="screening").status_code == 404
    case.refresh_from_db()
    assert case.version == 1 and case.stage == Stage.REGISTERED


# --- The procedure --------------------------------------------------------------------------
def test_transition_happy_path_and_an_illegal_move(world):
    case = make_case(world)
    client = _api(world, "officer_a1")
    events = DisputeEvent.objects.filter(case=case).count()
    response = _transition(client, case, to_stage="resolved", resolution="done", version=1)
    assert response.status_code == 400
    assert "to_stage" in response.json()
    case.refresh_from_db()
    assert case.stage == Stage.REGISTERED and case.version == 1
    assert DisputeEvent.objects.filter(case=case).count() == events

    response = _transition(client, case, to_stage="screening", reason="排查", version=1)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["stage"] == "screening" and body["version"] == 2 and body["stage_due_on"]
    assert set(body["allowed_moves"]) == {"mediating", "escalated", "referred"}
    _assert_masked(response)
    assert DisputeEvent.objects.filter(case=case).count() == events + 1
    timeline = client.get(reverse("dispute-case-events", args=[case.pk])).json()
    assert timeline["count"] == events + 1
    newest = timeline["results"][0]
    assert newest["to_stage"] == "screening" and newest["reason"] == "排查"
    assert newest["actor"] == world.user("officer_a1").pk

    # A missing input names its field.
    response = _transition(client, case, to_stage="escalated", reason="升级")
    assert response.status_code == 400 and "escalation_level" in response.json()


def test_closing_is_for_the_chief(world):
    case = move_to(world, make_case(world), Stage.FOLLOW_UP)
    version = case.version
    response = _transition(_api(world, "officer_a1"), case, to_stage="closed", reason="回访满意")
    assert response.status_code == 403
    assert "station chief" in response.json()["detail"]
    case.refresh_from_db()
    assert case.stage == Stage.FOLLOW_UP and case.version == version
    detail = _api(world, "officer_a1").get(reverse("dispute-case-detail", args=[case.pk]))
    assert detail.json()["allowed_moves"] == []
    chief = _api(world, "chief_a1")
    assert chief.get(reverse("dispute-case-detail", args=[case.pk])).json()["allowed_moves"] == [
        "closed"
    ]
    response = _transition(chief, case, to_stage="closed", reason="回访满意", version=version)
    assert response.status_code == 200 and response.json()["stage"] == "closed"
    # Reopening names who handled it and what was wrong.
    response = _transition(chief, case, to_stage="reopened", reason="当事人再次投诉")
    assert response.status_code == 400
    assert {"accountable_officer", "fault"} <= set(response.json())
    response = _transition(
        chief,
        case,
        to_stage="reopened",
        reason="当事人再次投诉",
        accountable_officer="officer_a1",
        fault="未核实协议履行",
    )
    assert response.status_code == 200 and response.json()["reopen_count"] == 1
    event = DisputeEvent.objects.filter(case=case, to_stage="reopened").get()
    assert event.accountable_officer == world.user("officer_a1")
    response = _api(world, "chief_a1").post(
        reverse("dispute-case-transition", args=[case.pk]), [1, 2], format="json"
    )
    assert response.status_code == 400


def test_stale_transition_is_a_conflict_and_keeps_the_first_change(world):
    case = make_case(world)
    first, second = _api(world, "officer_a1"), _api(world, "chief_a1")
    assert _transition(first, case, to_stage="screening", version=1).status_code == 200
    response = _transition(second, case, to_stage="screening", version=1)
    assert response.status_code == 409 and response.json()["detail"]
    response = _transition(
        second,
        case,
        to_stage="mediating",
        version=1,
    )
    assert response.status_code == 409
    case.refresh_from_db()
    assert case.stage == Stage.SCREENING and case.version == 2
    assert DisputeEvent.objects.filter(case=case, kind="transition").count() == 1
    response = second.post(
        reverse("dispute-case-transition", args=[case.pk]),
        {"to_stage": "mediating"},
        format="json",
        HTTP_IF_MATCH='W/"2"',
    )
    assert response.status_code == 200 and response.json()["stage"] == "mediating"


def test_referral_to_another_station_gives_and_takes_access(world):
    case = move_to(world, make_case(world), Stage.SCREENING)
    detail = reverse("dispute-case-detail", args=[case.pk])
    receiving = _api(world, "chief_a2")
    assert receiving.get(detail).status_code == 404
    response = _transition(
        _api(world, "officer_a1"),
        case,
        to_stage="referred",
        reason="当事人住在A2辖区",
        referral_kind="station",
        referred_station=world.stations["A2"].pk,
        version=case.version,
    )
    assert response.status_code == 200, response.content
    assert response.json()["referred_station_name"] == world.stations["A2"].name

    shown = receiving.get(detail)
    assert shown.status_code == 200 and shown.json()["allowed_moves"] == ["mediating", "resolved"]
    _assert_masked(shown)
    ids = [row["id"] for row in receiving.get(reverse("dispute-case-list")).json()["results"]]
    assert ids == [case.pk]
    # Only that case: A2's officer and the other cell still see nothing of it.
    assert _api(world, "officer_a2").get(detail).status_code == 404

    # The receiving chief sends it back to mediation: the referral ends, and with it access.
    response = _transition(receiving, case, to_stage="mediating", reason="已调查，退回原所")
    assert response.status_code == 200 and response.json()["stage"] == "mediating"
    assert response.json()["allowed_moves"] == []
    assert receiving.get(detail).status_code == 404
    assert receiving.get(reverse("dispute-case-list")).json()["results"] == []
    assert _api(world, "officer_a1").get(detail).json()["referral_kind"] == ""


def test_detail_shows_repeats_the_caller_may_see(world):
    earlier = make_case(world, address="幸福路 12号")
    later = make_case(world, address="幸福路12号")
    body = _api(world, "officer_a1").get(reverse("dispute-case-detail", args=[later.pk])).json()
    assert body["repeated_conflict"] and body["repeats_hidden"] == 0
    assert body["repeats_earlier"] == [
        {"case": earlier.pk, "reference": earlier.reference, "reason": "address"}
    ]
    body = _api(world, "chief_a1").get(reverse("dispute-case-detail", args=[earlier.pk])).json()
    assert [link["case"] for link in body["repeats_later"]] == [later.pk]


def test_a_form_encoded_patch_changes_only_what_it_names(world):
    case = make_case(world, threats=True)
    response = _api(world, "officer_a1").patch(
        reverse("dispute-case-detail", args=[case.pk]),
        {"address": "幸福路3号", "version": "1"},
        format="multipart",
    )
    assert response.status_code == 200, response.content
    case.refresh_from_db()
    assert case.address == "幸福路3号" and case.threats


# --- Sessions, files and parties ------------------------------------------------------------
def test_session_with_an_agreement_file_served_only_through_the_api(world):
    case = move_to(world, make_case(world), Stage.MEDIATING)
    client = _api(world, "officer_a1")
    url = reverse("dispute-case-sessions", args=[case.pk])
    response = client.post(
        url,
        {
            "held_on": date.today().isoformat(),
            "place": "社区警务室",
            "participants": "双方当事人、社区民警",
            "agreement_reached": "true",
            "agreement_file": SimpleUploadedFile(
                "协议.pdf", b"%PDF-1.4 signed", content_type="application/pdf"
            ),
            "version": case.version,
        },
        format="multipart",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["has_agreement_file"] and body["agreement_reached"]
    assert "/media/" not in response.content.decode()
    file_url = body["agreement_file_url"]
    assert file_url.endswith(reverse("dispute-case-agreement", args=[case.pk, body["id"]]))
    listed = client.get(url).json()
    assert listed["count"] == 1 and "/media/" not in json.dumps(listed)

    download = _api(world, "chief_a1").get(file_url)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"%PDF-1.4 signed"
    assert "no-store" in download["Cache-Control"]
    assert _api(world, "officer_a2").get(file_url).status_code == 404
    assert _api(world, "worker_a1").get(file_url).status_code == 200

    # An agreement reached with nothing written down names the field.
    response = client.post(
        url,
        {
            "held_on": date.today().isoformat(),
            "place": "x",
            "participants": "y",
            "agreement_reached": True,
        },
        format="json",
    )
    assert response.status_code == 400 and "agreement_text" in response.json()


def test_session_outside_mediation_is_refused(world):
    case = make_case(world)
    response = _api(world, "officer_a1").post(
        reverse("dispute-case-sessions", args=[case.pk]),
        {"held_on": date.today().isoformat(), "place": "x", "participants": "y"},
        format="json",
    )
    assert response.status_code == 400 and "held_on" in response.json()


def test_add_and_remove_parties(world):
    case = make_case(world)
    client = _api(world, "officer_a1")
    response = client.post(
        reverse("dispute-case-parties", args=[case.pk]),
        {"role": "other", "name": "房东", "phone": "13655556666", "version": case.version},
        format="json",
    )
    assert response.status_code == 201, response.content
    _assert_masked(response, "13655556666")
    parties = response.json()["parties"]
    assert len(parties) == 3 and "136****6666" in {party["phone"] for party in parties}
    response = client.post(
        reverse("dispute-case-parties", args=[case.pk]),
        {"role": "other", "name": "房东", "phone": "13655556666"},
        format="json",
    )
    assert response.status_code == 400 and "parties" in response.json()
    response = client.post(
        reverse("dispute-case-parties", args=[case.pk]), {"role": "other"}, format="json"
    )
    assert response.status_code == 400 and "name" in response.json()

    ids = [party["id"] for party in parties]
    stale = reverse("dispute-case-party", args=[case.pk, ids[0]]) + "?version=1"
    assert client.delete(stale).status_code == 409
    for party_id in ids[:-1]:
        response = client.delete(reverse("dispute-case-party", args=[case.pk, party_id]))
        assert response.status_code == 200, response.content
    response = client.delete(reverse("dispute-case-party", args=[case.pk, ids[-1]]))
    assert response.status_code == 400 and "parties" in response.json()
    response = client.delete(reverse("dispute-case-party", args=[case.pk, 999999]))
    assert response.status_code == 404
    assert case.parties.count() == 1


# --- Schema ---------------------------------------------------------------------------------
def test_schema_generates_without_warnings(world, tmp_path):
    response = _api(world, "chief_a1").get(reverse("api-schema"))
    assert response.status_code == 200
    content = response.content.decode()
    assert "/api/disputes/{id}/transition/" in content
    assert "/api/disputes/{id}/sessions/{session_id}/agreement/" in content
    # Fails on any warning or error of the schema generator (e.g. an untyped field).
    call_command("spectacular", "--fail-on-warn", "--validate", "--file", tmp_path / "s.yml")
