"""The disputes admin: lists and change pages with a fixed number of queries, masked phones,
and no way to move a case's stage by hand."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from disputes.models import DisputeCase, DisputeRepeat, MediationSession, Stage
from disputes.services import PartyInput
from tests.disputes.helpers import make_case, move_to
from tests.residents.helpers import make_resident

pytestmark = pytest.mark.django_db

RESIDENT_PHONE = "13912345678"
OUTSIDER_PHONE = "13787654321"


@pytest.fixture
def cases(world):
    """A dozen cases at different stages, with a resident and an outsider with phones; the
    last two repeat the first by parties."""
    resident = make_resident(world, name="赵六", phone=RESIDENT_PHONE)
    parties = [
        PartyInput(role="applicant", resident_id=resident.pk),
        PartyInput(role="respondent", name="钱七", phone=OUTSIDER_PHONE),
    ]
    made = []
    for number, stage in enumerate(
        [Stage.REGISTERED, Stage.SCREENING, Stage.MEDIATING, Stage.RESOLVED, Stage.CLOSED] * 2
        + [Stage.ESCALATED, Stage.REFERRED]
    ):
        case = make_case(world, parties=parties, summary=f"管理后台测试 {number}")
        made.append(move_to(world, case, stage))
    return made


def test_changelist_with_a_fixed_number_of_queries(
    client_as, world, cases, django_assert_max_num_queries
):
    client = client_as("admin")
    url = reverse("admin:disputes_disputecase_changelist")
    with django_assert_max_num_queries(12):
        response = client.get(url)
    assert response.status_code == 200
    assert cases[0].reference in response.content.decode()
    # More cases cost no more queries.
    for number in range(5):
        make_case(world, summary=f"更多 {number}")
    with django_assert_max_num_queries(12):
        assert client.get(url).status_code == 200
    for query in ("?stage=closed", "?escalation_risk=medium", "?q=D", "?q=%E6%9B%B4%E5%A4%9A"):
        with django_assert_max_num_queries(12):
            response = client.get(url + query)
        assert response.status_code == 200
    found = client.get(url + f"?q={cases[3].reference}").content.decode()
    assert cases[3].reference in found and cases[4].reference not in found


def test_change_page_masks_phones_and_keeps_stage_read_only(
    client_as, cases, django_assert_max_num_queries
):
    client = client_as("admin")
    case = cases[3]  # resolved: parties, a session, several events
    url = reverse("admin:disputes_disputecase_change", args=[case.pk])
    with django_assert_max_num_queries(30):
        response = client.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert RESIDENT_PHONE not in body and OUTSIDER_PHONE not in body
    assert "139****5678" in body and "137****4321" in body
    # The stage is shown, not a form field; posting one changes nothing.
    assert 'name="stage"' not in body
    form = {
        "grid_cell": case.grid_cell_id,
        "category": "family",
        "summary": case.summary,
        "address": "",
        "severity": "major",
        "officer": case.officer_id,
        "source": case.source,
        "source_detail": "",
        "threats": "on",
        "stage": Stage.CLOSED,
        "parties-TOTAL_FORMS": "0",
        "parties-INITIAL_FORMS": "0",
        "sessions-TOTAL_FORMS": "0",
        "sessions-INITIAL_FORMS": "0",
        "events-TOTAL_FORMS": "0",
        "events-INITIAL_FORMS": "0",
    }
    version = case.version
    response = client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    case.refresh_from_db()
    assert case.stage == Stage.RESOLVED
    assert case.category == "family"
    # Derived fields follow the change; the version moves so open forms notice.
    assert case.escalation_risk == "high"
    assert case.version == version + 1
    # The history page lists the change.
    history = client.get(reverse("admin:disputes_disputecase_history", args=[case.pk]))
    assert history.status_code == 200


def test_change_page_queries_do_not_grow_with_the_timeline(client_as, cases):
    client = client_as("admin")
    short, long = cases[0], cases[8]  # registered, closed (a long timeline)
    counts = []
    for case in (short, long):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("admin:disputes_disputecase_change", args=[case.pk]))
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_sessions_and_repeats_are_listed_read_only(client_as, cases):
    client = client_as("admin")
    assert MediationSession.objects.exists() and DisputeRepeat.objects.exists()
    for name in ("mediationsession", "disputerepeat"):
        response = client.get(reverse(f"admin:disputes_{name}_changelist"))
        assert response.status_code == 200
        assert client.get(reverse(f"admin:disputes_{name}_add")).status_code == 403
    session = MediationSession.objects.first()
    response = client.get(reverse("admin:disputes_mediationsession_change", args=[session.pk]))
    assert response.status_code == 200
    assert 'name="place"' not in response.content.decode()
    assert client.get(reverse("admin:disputes_disputecase_add")).status_code == 403
    assert DisputeCase.objects.count() == len(cases)
