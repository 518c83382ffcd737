# ruff: noqa: RUF001  (Chinese test text uses full-width punctuation)
"""The dispute pages: lists with fixed query counts, registration from a concern and a visit,
the stale-edit message, illegal and refused moves, sessions and their files, referrals."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from disputes import services
from disputes.models import DisputeCase, DisputeEvent, DisputeParty, MediationSession, Stage
from disputes.services import PartyInput
from tests.disputes.helpers import make_case, move_to
from tests.grid.visit_factories import make_visit
from tests.residents.helpers import make_concern, make_resident

pytestmark = pytest.mark.django_db


def _overdue(case, days=2):
    DisputeCase.objects.filter(pk=case.pk).update(
        stage_due_on=timezone.localdate() - timedelta(days=days)
    )


def _grow(world, n, *, start=0):
    """n cases in the home cell, some overdue, some moved on, each with parties."""
    for i in range(start, start + n):
        case = make_case(world, summary=f"grown {i}", address=f"幸福路{i}号")
        if i % 3 == 0:
            _overdue(case)
        if i % 4 == 1:
            move_to(world, case, Stage.SCREENING)


# --- Fixed query counts -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("role", "url"),
    [
        ("chief_a1", reverse("disputes:case_list")),
        ("chief_a1", reverse("disputes:case_list") + "?overdue=on&sort=risk&stage=all"),
        ("chief_a1", reverse("disputes:case_list") + "?q=grown&category=neighbour"),
        ("staff_a", reverse("disputes:case_list")),
        ("officer_a1", reverse("disputes:my_cases")),
        ("chief_a1", reverse("disputes:board")),
        ("staff_a", reverse("disputes:board")),
        ("admin", reverse("disputes:board") + "?station=PS-A1"),
        ("officer_a1", reverse("day")),
    ],
)
def test_lists_keep_a_fixed_number_of_queries(
    client_as, world, django_assert_max_num_queries, role, url
):
    client = client_as(role)
    _grow(world, 3)
    client.get(url)
    with django_assert_max_num_queries(30) as small:
        assert client.get(url).status_code == 200
    _grow(world, 25, start=3)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(url)
    assert response.status_code == 200


def test_case_page_keeps_a_fixed_number_of_queries(client_as, world, django_assert_max_num_queries):
    case = make_case(world, address="和平路1号")
    make_case(world, address="和平路1号")  # one repeat to start with
    client = client_as("chief_a1")
    url = reverse("disputes:case_detail", args=[case.pk])
    client.get(url)
    with django_assert_max_num_queries(40) as small:
        assert client.get(url).status_code == 200
    officer = world.user("officer_a1")
    case = move_to(world, case, Stage.MEDIATING)
    for n in range(6):
        services.case_party_add(
            case=case, actor=officer, party=PartyInput(role="other", name=f"第三人{n}")
        )
        services.mediation_session_add(
            case=case,
            actor=officer,
            held_on=timezone.localdate(),
            place=f"调解室{n}",
            participants="双方",
        )
        services.case_update(case=case, actor=officer, expected_version=None, summary=f"更新 {n}")
        make_case(world, address="和平路1号")  # a repeat at the same address
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(url)
    assert len(response.context["timeline"]) > 20
    assert len(response.context["repeats"].later) == 7


# --- Lists ----------------------------------------------------------------------------------
def test_list_filters_and_search(client_as, world):
    late = make_case(world, summary="迟到的案件", category="family")
    _overdue(late)
    make_case(world, summary="按时的案件", address="光明路88号")
    resident = make_resident(world, name="欧阳娜娜")
    named = make_case(
        world,
        summary="有名字的案件",
        parties=[PartyInput(role="applicant", resident_id=resident.pk)],
    )
    client = client_as("officer_a1")
    url = reverse("disputes:case_list")
    body = client.get(url, {"overdue": "on"}).content.decode()
    assert "迟到的案件" in body and "按时的案件" not in body
    body = client.get(url, {"q": named.reference}).content.decode()
    assert "有名字的案件" in body and "迟到的案件" not in body
    body = client.get(url, {"q": "欧阳"}).content.decode()
    assert "有名字的案件" in body and "按时的案件" not in body
    body = client.get(url, {"q": "光明路"}).content.decode()
    assert "按时的案件" in body and "有名字的案件" not in body
    body = client.get(url, {"category": "family"}).content.decode()
    assert "迟到的案件" in body and "按时的案件" not in body
    body = client.get(url, {"cell": "A1-G2"}).content.decode()
    assert "0 cases" in body
    response = client.get(url, {"officer": "nobody"})
    assert "No officer with this username" in response.content.decode()
    # htmx asks for the rows only.
    response = client.get(url, {"q": "迟到"}, HTTP_HX_REQUEST="true")
    assert "迟到的案件" in response.content.decode()
    assert "<form" not in response.content.decode()


def test_my_cases_overdue_first(client_as, world):
    make_case(world, summary="不急的案件")
    late = make_case(world, summary="逾期的案件")
    _overdue(late)
    body = client_as("officer_a1").get(reverse("disputes:my_cases")).content.decode()
    assert body.index("逾期的案件") < body.index("不急的案件")
    assert "overdue" in body
    # Another officer's list does not show them.
    body = client_as("officer_a1_other").get(reverse("disputes:my_cases")).content.decode()
    assert "逾期的案件" not in body


def test_board_columns_counts_and_station_pick(client_as, world):
    late = make_case(world, summary="看板逾期")
    _overdue(late)
    make_case(world, summary="看板正常")
    move_to(world, make_case(world, summary="看板筛查"), Stage.SCREENING)
    make_case(world, cell="A2-G1", actor="officer_a2", summary="另一所的案件")
    response = client_as("chief_a1").get(reverse("disputes:board"))
    columns = {column.stage: column for column in response.context["columns"]}
    assert columns["registered"].total == 2 and columns["registered"].overdue == 1
    assert columns["registered"].cases[0].summary == "看板逾期"
    assert columns["screening"].total == 1
    body = response.content.decode()
    assert "另一所的案件" not in body
    # The chief filters by officer; sub-bureau staff pick a station.
    response = client_as("chief_a1").get(reverse("disputes:board"), {"officer": "officer_a1_other"})
    assert sum(column.total for column in response.context["columns"]) == 0
    body = client_as("staff_a").get(reverse("disputes:board"), {"station": "PS-A2"}).content
    assert "另一所的案件" in body.decode() and "看板正常" not in body.decode()


def test_navigation_per_tier(client_as, world):
    body = client_as("officer_a1").get(reverse("home")).content.decode()
    assert reverse("disputes:my_cases") in body and reverse("disputes:board") not in body
    assert reverse("disputes:case_list") in body
    body = client_as("chief_a1").get(reverse("home")).content.decode()
    assert reverse("disputes:board") in body and reverse("disputes:my_cases") not in body


# --- Registration ---------------------------------------------------------------------------
def test_register_from_a_concern_links_both_ways(client_as, world):
    concern = make_concern(world, description="邻居占用楼道堆放杂物，双方争吵。")
    client = client_as("officer_a1")
    url = reverse("disputes:case_create") + f"?source_concern={concern.pk}"
    response = client.get(url)
    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["summary"] == concern.description
    assert form.initial["grid_cell"] == "A1-G1"
    assert [value for value, _ in form.fields["source"].choices] == ["concern"]
    response = client.post(
        reverse("disputes:case_create"),
        {
            "source_concern": concern.pk,
            "grid_cell": "A1-G1",
            "category": "neighbour",
            "summary": concern.description,
            "severity": "general",
            "source": "concern",
            "threats": "on",
            "party_name": ["李四", "王五", ""],
            "party_phone": ["13811112222", "", ""],
            "party_role": ["applicant", "respondent", "other"],
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    case = DisputeCase.objects.get(source_concern=concern)
    assert case.threats and case.source == "concern"
    assert sorted(case.parties.values_list("name", flat=True)) == ["李四", "王五"]
    # The case page links to the concern; the concern page lists the case.
    body = client.get(case.get_absolute_url()).content.decode()
    assert reverse("residents:concern_detail", args=[concern.pk]) in body
    assert "138****2222" in body and "13811112222" not in body
    body = client.get(reverse("residents:concern_detail", args=[concern.pk])).content.decode()
    assert case.reference in body or case.get_absolute_url() in body


def test_register_from_a_visit_offers_the_residents_met(client_as, world):
    one = make_resident(world, name="赵一")
    two = make_resident(world, name="钱二")
    visit = make_visit(
        world.home_cell,
        world.user("officer_a1"),
        timezone.localdate(),
        residents=[one, two],
        findings="两户因漏水争吵",
    )
    client = client_as("officer_a1")
    response = client.get(reverse("disputes:case_create") + f"?visit={visit.pk}")
    offered = response.context["resident_parties"]
    assert [(row["resident"].pk, row["role"]) for row in offered] == [
        (two.pk, "applicant"),
        (one.pk, "respondent"),
    ] or [(row["resident"].pk, row["role"]) for row in offered] == [
        (one.pk, "applicant"),
        (two.pk, "respondent"),
    ]
    assert response.context["form"].initial["summary"] == "两户因漏水争吵"
    response = client.post(
        reverse("disputes:case_create"),
        {
            "source_visit": visit.pk,
            "grid_cell": "A1-G1",
            "category": "neighbour",
            "summary": "两户因漏水争吵",
            "severity": "general",
            "source": "visit",
            "party_resident": [one.pk, two.pk],
            "party_resident_role": ["applicant", "respondent"],
        },
    )
    assert response.status_code == 302
    case = DisputeCase.objects.get(source_visit=visit)
    assert set(case.parties.values_list("resident_id", flat=True)) == {one.pk, two.pk}
    body = client.get(reverse("visit_detail", args=[visit.pk])).content.decode()
    assert case.reference in body and case.get_absolute_url() in body
    body = client.get(case.get_absolute_url()).content.decode()
    assert reverse("visit_detail", args=[visit.pk]) in body
    assert reverse("residents:resident_detail", args=[one.pk]) in body
    # Another station's officer cannot start from this visit.
    other = client_as("officer_a2")
    assert other.get(reverse("disputes:case_create") + f"?visit={visit.pk}").status_code == 404


def test_register_errors_keep_everything_typed(client_as, world):
    resident = make_resident(world, name="孙三")
    client = client_as("officer_a1")
    response = client.post(
        reverse("disputes:case_create"),
        {
            "grid_cell": "A1-G1",
            "category": "wages",
            "summary": "拖欠工资三个月",
            "address": "工地宿舍",
            "severity": "serious",
            "source": "call_110",
            "source_detail": "110 接警 0231",
            "weapons": "on",
            "party_resident": [resident.pk, resident.pk],
            "party_resident_role": ["applicant", "respondent"],
            "party_name": ["包工头"],
            "party_phone": ["13700001111"],
            "party_role": ["respondent"],
        },
    )
    assert response.status_code == 400
    assert response.context["party_errors"]  # named twice
    body = response.content.decode()
    assert "Party 2 is named twice." in body
    for typed in ("拖欠工资三个月", "工地宿舍", "110 接警 0231", "包工头", "13700001111", "孙三"):
        assert typed in body
    assert 'name="weapons" id="id_weapons" class="form-check-input" checked' in body
    assert not DisputeCase.objects.exists()
    # No party at all: the same area says so.
    response = client.post(
        reverse("disputes:case_create"),
        {
            "grid_cell": "A1-G1",
            "category": "wages",
            "summary": "x",
            "severity": "general",
            "source": "officer",
        },
    )
    assert "Name at least one party." in response.content.decode()
    # A missing summary goes on its field.
    response = client.post(
        reverse("disputes:case_create"),
        {
            "grid_cell": "A1-G1",
            "category": "wages",
            "summary": "",
            "severity": "general",
            "source": "officer",
            "party_name": ["甲"],
            "party_role": ["applicant"],
        },
    )
    assert "summary" in response.context["form"].errors


def test_register_in_a_cell_out_of_reach_is_not_found(client_as, world):
    client = client_as("officer_a1")
    response = client.post(
        reverse("disputes:case_create"),
        {
            "grid_cell": "A2-G1",
            "category": "wages",
            "summary": "x",
            "severity": "general",
            "source": "officer",
            "party_name": ["甲"],
            "party_role": ["applicant"],
        },
    )
    assert response.status_code == 404
    assert client_as("no_profile").get(reverse("disputes:case_create")).status_code == 403


# --- Edit and the stale-edit message --------------------------------------------------------
def _edit_form(case, **changes):
    data = {
        "version": case.version,
        "category": case.category,
        "summary": case.summary,
        "address": case.address,
        "severity": case.severity,
        "source_detail": case.source_detail,
        "officer": case.officer.username,
    }
    data.update(changes)
    return data


def test_two_officers_edit_the_same_case_the_second_is_told(world):
    case = make_case(world, summary="原来的摘要", address="旧地址")
    first, second = Client(), Client()
    first.force_login(world.user("officer_a1"))
    second.force_login(world.user("chief_a1"))
    url = reverse("disputes:case_update", args=[case.pk])
    # Both open the form at the same version.
    first.get(url)
    second.get(url)
    assert first.post(url, _edit_form(case, address="新地址 一")).status_code == 302
    response = second.post(url, _edit_form(case, summary="所长的修改", weapons="on"))
    assert response.status_code == 409
    body = response.content.decode()
    assert 'data-testid="stale-message"' in body
    assert "changed this case at" in body
    assert "所长的修改" in body  # the second user's input is kept
    assert "新地址 一" in body  # and the current values are shown
    case.refresh_from_db()
    assert case.address == "新地址 一" and case.summary == "原来的摘要" and not case.weapons
    # Saving again, now at the current version, applies the second change.
    current = response.context["version"]
    response = second.post(
        url, _edit_form(case, summary="所长的修改", weapons="on", version=current)
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.summary == "所长的修改" and case.address == "新地址 一" and case.weapons
    assert case.escalation_risk == "high"


# --- Moves ----------------------------------------------------------------------------------
def test_illegal_move_shows_the_error_and_changes_nothing(client_as, world):
    case = make_case(world)
    events = DisputeEvent.objects.filter(case=case).count()
    client = client_as("officer_a1")
    url = reverse("disputes:case_transition", args=[case.pk, "resolved"])
    response = client.get(url)
    assert "A case cannot go from Registered to Resolved." in response.content.decode()
    response = client.post(url, {"version": case.version, "resolution": "x", "reason": "x"})
    assert response.status_code == 400
    assert "A case cannot go from Registered to Resolved." in response.content.decode()
    case.refresh_from_db()
    assert case.stage == "registered" and case.version == 1
    assert DisputeEvent.objects.filter(case=case).count() == events


def test_move_form_shows_only_what_the_move_needs(client_as, world):
    case = make_case(world)
    client = client_as("officer_a1")
    form = client.get(reverse("disputes:case_transition", args=[case.pk, "screening"])).context[
        "form"
    ]
    assert set(form.fields) == {"version", "reason"} and not form.fields["reason"].required
    case = move_to(world, case, Stage.SCREENING)
    form = client.get(reverse("disputes:case_transition", args=[case.pk]) + "?to=referred").context[
        "form"
    ]
    assert {"referral_kind", "referral_body", "referred_station", "reason"} <= set(form.fields)
    assert "resolution" not in form.fields and "escalation_level" not in form.fields
    response = client.post(
        reverse("disputes:case_transition", args=[case.pk, "escalated"]),
        {"version": case.version, "escalation_level": "station", "reason": ""},
    )
    assert response.status_code == 400
    assert "reason" in response.context["form"].errors
    case.refresh_from_db()
    assert case.stage == "screening"


def test_a_step_for_the_chief_is_refused_to_the_officer(client_as, world):
    case = move_to(world, make_case(world), Stage.FOLLOW_UP)
    client = client_as("officer_a1")
    url = reverse("disputes:case_transition", args=[case.pk, "closed"])
    assert "not yours to take" in client.get(url).content.decode()
    response = client.post(url, {"version": case.version, "reason": "回访满意"})
    assert response.status_code == 403
    assert "This step is for the station chief." in response.content.decode()
    case.refresh_from_db()
    assert case.stage == "follow_up"
    response = client_as("chief_a1").post(url, {"version": case.version, "reason": "回访满意"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.stage == "closed"


def test_reopen_records_who_handled_it_and_what_was_wrong(client_as, world):
    case = move_to(world, make_case(world), Stage.CLOSED)
    client = client_as("chief_a1")
    url = reverse("disputes:case_transition", args=[case.pk, "reopened"])
    form = client.get(url).context["form"]
    assert {"accountable_officer", "fault", "reason"} <= set(form.fields)
    response = client.post(
        url,
        {
            "version": case.version,
            "reason": "当事人再次报警",
            "accountable_officer": "officer_a1",
            "fault": "未核实协议履行",
        },
    )
    assert response.status_code == 302
    body = client.get(case.get_absolute_url()).content.decode()
    assert "未核实协议履行" in body and "当事人再次报警" in body
    assert "Accountable officer" in body


def test_referral_to_another_station_reaches_its_chief_only(client_as, world, client):
    case = move_to(world, make_case(world), Stage.SCREENING)
    url = case.get_absolute_url()
    assert client_as("chief_a2").get(url).status_code == 404
    response = client_as("officer_a1").post(
        reverse("disputes:case_transition", args=[case.pk, "referred"]),
        {
            "version": case.version,
            "referral_kind": "station",
            "referred_station": world.stations["A2"].pk,
            "reason": "当事人住在A2辖区",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    assert client_as("chief_a2").get(url).status_code == 200
    for role in ("officer_a2", "staff_b", "chief_b1", "officer_a1_other"):
        assert client_as(role).get(url).status_code == 404, role
    # The receiving chief may work on it, keeping the responsible officer of station A1.
    case.refresh_from_db()
    response = client_as("chief_a2").post(
        reverse("disputes:case_update", args=[case.pk]),
        _edit_form(case, source_detail="A2 接收"),
    )
    assert response.status_code == 302
    # The case is in chief_a2's list, nothing else of station A1 is.
    make_case(world, summary="A1 自己的案件")
    body = client_as("chief_a2").get(reverse("disputes:case_list")).content.decode()
    assert case.reference in body and "A1 自己的案件" not in body
    # When the referral ends, the access goes.
    case.refresh_from_db()
    response = client_as("officer_a1").post(
        reverse("disputes:case_transition", args=[case.pk, "mediating"]),
        {"version": case.version, "reason": "A2 退回"},
    )
    assert response.status_code == 302
    assert client_as("chief_a2").get(url).status_code == 404


# --- Sessions, agreement files, parties -----------------------------------------------------
def test_session_with_an_agreement_file_is_served_through_the_scope(client_as, world):
    case = move_to(world, make_case(world), Stage.MEDIATING)
    client = client_as("officer_a1")
    url = reverse("disputes:session_create", args=[case.pk])
    response = client.post(
        url,
        {
            "version": case.version,
            "held_on": timezone.localdate().isoformat(),
            "place": "社区调解室",
            "participants": "双方当事人",
            "agreement_reached": "on",
            "agreement_file": SimpleUploadedFile("协议.exe", b"MZ", content_type="application/x"),
        },
    )
    assert response.status_code == 400
    assert "Attach a PDF, JPEG or PNG file." in response.content.decode()
    response = client.post(
        url,
        {
            "version": case.version,
            "held_on": timezone.localdate().isoformat(),
            "place": "社区调解室",
            "participants": "双方当事人",
            "agreement_reached": "on",
            "agreement_text": "甲方赔偿乙方800元。",
            "agreement_file": SimpleUploadedFile(
                "agreement.pdf", b"%PDF-1.4 signed", content_type="application/pdf"
            ),
        },
    )
    assert response.status_code == 302
    session = MediationSession.objects.get(case=case)
    body = client.get(case.get_absolute_url()).content.decode()
    download = reverse("disputes:session_agreement", args=[session.pk])
    assert "甲方赔偿乙方800元。" in body and download in body
    assert "/media/" not in body
    response = client.get(download)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 signed"
    assert response["Content-Type"] == "application/pdf"
    assert client_as("officer_a2").get(download).status_code == 404
    # Now the case can be marked resolved.
    client = client_as("officer_a1")
    response = client.post(
        reverse("disputes:case_transition", args=[case.pk, "resolved"]),
        {"version": case.version + 1, "resolution": "签订调解协议"},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.stage == "resolved"


def test_session_outside_mediation_is_refused_on_the_form(client_as, world):
    case = make_case(world)
    response = client_as("officer_a1").post(
        reverse("disputes:session_create", args=[case.pk]),
        {
            "version": case.version,
            "held_on": timezone.localdate().isoformat(),
            "place": "x",
            "participants": "y",
        },
    )
    assert response.status_code == 400
    assert "held_on" in response.context["form"].errors
    assert not MediationSession.objects.exists()


def test_add_and_remove_parties(client_as, world):
    case = make_case(world)
    client = client_as("officer_a1")
    response = client.post(
        reverse("disputes:party_add", args=[case.pk]),
        {"version": case.version, "role": "other", "name": "物业经理", "phone": "13500000000"},
    )
    assert response.status_code == 302
    party = DisputeParty.objects.get(case=case, name="物业经理")
    body = client.get(case.get_absolute_url()).content.decode()
    assert "物业经理" in body and "135****0000" in body
    case.refresh_from_db()
    response = client.post(
        reverse("disputes:party_remove", args=[case.pk, party.pk]), {"version": case.version}
    )
    assert response.status_code == 302
    assert not DisputeParty.objects.filter(pk=party.pk).exists()
    # A stale removal is refused with the message, nothing removed.
    remaining = case.parties.first()
    response = client.post(
        reverse("disputes:party_remove", args=[case.pk, remaining.pk]),
        {"version": 1},
        follow=True,
    )
    assert "changed this case at" in response.content.decode()
    assert DisputeParty.objects.filter(pk=remaining.pk).exists()


# --- My day ---------------------------------------------------------------------------------
def test_my_day_lists_cases_overdue_or_due_soon(client_as, world):
    late = make_case(world, summary="day late")
    _overdue(late)
    soon = make_case(world)  # registered: due tomorrow
    later = move_to(world, make_case(world), Stage.MEDIATING)  # due in 30 days
    response = client_as("officer_a1").get(reverse("day"))
    cases = response.context["day"].disputes
    assert [case.pk for case in cases] == [late.pk, soon.pk]
    body = response.content.decode()
    assert late.reference in body and later.reference not in body
    assert "overdue since" in body


def test_a_move_made_on_a_stale_case_is_refused_with_the_message(client_as, world):
    case = make_case(world)
    client = client_as("officer_a1")
    url = reverse("disputes:case_transition", args=[case.pk, "screening"])
    version = client.get(url).context["form"]["version"].value()
    # Meanwhile the chief changes the case's details.
    services.case_update(
        case=case, actor=world.user("chief_a1"), expected_version=version, address="新地址"
    )
    response = client_as("officer_a1").post(url, {"version": version, "reason": ""})
    assert response.status_code == 409
    assert 'data-testid="stale-message"' in response.content.decode()
    case.refresh_from_db()
    assert case.stage == "registered" and case.address == "新地址"
