"""Register pages: content, filters, sign-off, export, runs page, fixed query counts."""

from datetime import timedelta
from io import BytesIO

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from openpyxl import load_workbook

from grid.models import AssignmentRole, Community, GridAssignment, GridCell
from risks.register import selectors
from risks.register.models import RegisterRun, RegisterSignOff, RunStatus
from tests.risk_register.endpoints import register
from tests.risk_register.helpers import AS_OF, compute, link, point

pytestmark = pytest.mark.django_db


def test_pages_say_when_nothing_is_published(client_as, world):
    client = client_as("chief_a1")
    for url in (reverse("register_list"), reverse("register_rollups"), reverse("register_map")):
        response = client.get(url)
        assert response.status_code == 200
        assert b'data-testid="no-register"' in response.content


def test_the_register_lists_the_area_sorted_and_filtered(client_as, world):
    register(world)
    client = client_as("chief_a1")
    body = client.get(reverse("register_list")).content.decode()
    assert "A1-G1" in body and "A1-G2" in body and "A2-G1" not in body
    assert body.index("A1-G1") < body.index("A1-G2")  # highest score first
    red = client.get(reverse("register_list"), {"level": "red"}).content.decode()
    assert "A1-G1" in red and "A1-G2" not in red
    by_code = client.get(reverse("register_list"), {"sort": "-code"}).content.decode()
    assert by_code.index("A1-G2") < by_code.index("A1-G1")
    category = client.get(reverse("register_list"), {"category": "fire_building"}).content.decode()
    assert "A1-G1" not in category.split("register-table")[-1]
    officer = world.user("officer_a1_other")
    mine = client.get(reverse("register_list"), {"officer": officer.pk}).content.decode()
    assert "A1-G2" in mine and "A1-G1" not in mine.split("register-table")[-1]


def test_an_unknown_date_is_not_found_and_a_past_date_is_shown(client_as, world):
    register(world)
    client = client_as("chief_a1")
    assert client.get(reverse("register_list"), {"date": "2020-01-01"}).status_code == 404
    assert client.get(reverse("register_list"), {"date": "not-a-date"}).status_code == 404
    response = client.get(reverse("register_list"), {"date": AS_OF.isoformat()})
    assert response.status_code == 200 and response.context["run"].for_date == AS_OF


def test_a_red_cell_without_sign_off_is_flagged(client_as, world):
    owner = world.user("officer_a1")
    point(world.home_cell, owner, likelihood=5, severity=5)
    compute()
    body = client_as("staff_a").get(reverse("register_list")).content.decode()
    assert 'data-testid="red-unsigned"' in body
    RegisterSignOff.objects.all().delete()
    client = client_as("chief_a1")
    response = client.post(
        reverse("register_sign_off", args=["PS-A1"]),
        {"date": AS_OF.isoformat(), "comment": "checked"},
    )
    assert response.status_code == 302
    body = client_as("staff_a").get(reverse("register_list")).content.decode()
    assert 'data-testid="red-unsigned"' not in body
    rollups = client_as("staff_a").get(reverse("register_sub_bureau", args=["SB-A"]))
    states = {s.rollup.station.code: s.state for s in rollups.context["states"]}
    assert states == {"PS-A1": "signed", "PS-A2": "unsigned"}


def test_the_cell_page_explains_the_score(client_as, world):
    owner = world.user("officer_a1")
    source = point(world.cells["A1-G2"], owner, likelihood=4, severity=4, title="Upstream")
    target = point(world.home_cell, owner, likelihood=2, severity=5, title="Downstream")
    link(source, target, 0.8)
    compute(AS_OF - timedelta(days=7))
    compute()
    response = client_as("officer_a1").get(reverse("register_cell", args=["A1-G1"]))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-testid="factor-table"' in body and "Upstream" in body
    assert response.context["chart"]["labels"] == [
        (AS_OF - timedelta(days=7)).isoformat(),
        AS_OF.isoformat(),
    ]
    assert 'id="register-history-data"' in body and "<script>" not in body.split("<body")[1]


def test_the_propagation_include_for_the_risk_point_page(world):
    owner = world.user("officer_a1")
    source = point(world.cells["A1-G2"], owner, likelihood=4, severity=4, title="Upstream")
    target = point(world.home_cell, owner, likelihood=2, severity=5, title="Downstream")
    link(source, target, 0.8)
    compute()
    user = world.user("chief_a1")
    raised_by = selectors.risk_point_propagation(user=user, risk_point=target)
    assert raised_by.driver.risk_point_id == source.pk
    html = render_to_string(
        "register/_risk_point_propagation.html", {"raised_by": raised_by, "risk_point": target}
    )
    assert "Upstream" in html
    # The officer of the downstream cell only does not see the upstream risk's title.
    other = selectors.risk_point_propagation(user=world.user("officer_a1"), risk_point=target)
    assert other.driver is None and other.score.driver_point_id == source.pk
    drives = selectors.risk_point_propagation(user=user, risk_point=source).drives
    assert [d.risk_point_id for d in drives] == [target.pk]


def test_the_export_holds_the_users_area_only(client_as, world):
    register(world)
    response = client_as("chief_a1").get(reverse("register_export"), {"level": ""})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(BytesIO(response.content)).active
    codes = [row[0] for row in sheet.iter_rows(min_row=3, values_only=True)]
    assert sorted(codes) == ["A1-G1", "A1-G2"]
    response = client_as("officer_b1").get(reverse("register_export"))
    codes = [
        row[0]
        for row in load_workbook(BytesIO(response.content)).active.iter_rows(
            min_row=3, values_only=True
        )
    ]
    assert codes == ["B1-G1"]


def test_the_runs_page_starts_a_run_for_administrators(client_as, world):
    client = client_as("admin")
    with pytest.MonkeyPatch.context():
        from django.test import TestCase

        with TestCase.captureOnCommitCallbacks(execute=True):
            response = client.post(reverse("register_runs"), {"for_date": AS_OF.isoformat()})
    assert response.status_code == 302
    run = RegisterRun.objects.get(for_date=AS_OF)
    assert run.status == RunStatus.PUBLISHED and run.requested_by == world.user("admin")
    page = client.get(reverse("register_runs")).content.decode()
    assert AS_OF.isoformat() in page
    assert (
        client_as("staff_a").post(reverse("register_runs"), {"for_date": "2026-01-01"}).status_code
        == 403
    )
    bad = client_as("admin").post(reverse("register_runs"), {"for_date": "yesterday"})
    assert bad.status_code == 200 and bad.context["form"].errors["for_date"]


def test_a_sign_off_with_a_too_long_comment_is_refused(client_as, world):
    register(world)
    client = client_as("chief_a1")
    response = client.post(
        reverse("register_sign_off", args=["PS-A1"]),
        {"date": AS_OF.isoformat(), "comment": "x" * 2001},
        follow=True,
    )
    assert RegisterSignOff.objects.filter(comment__startswith="xxx").count() == 0
    assert "2000" in response.content.decode() or "2,000" in response.content.decode()


def _grow(world, n):
    """n more grid cells with a responsible officer and a red risk point, then recompute."""
    community = Community.objects.get(code="C-A1")
    owner = world.user("officer_a1")
    start = GridCell.objects.count()
    for i in range(n):
        cell = GridCell.objects.create(
            code=f"A1-X{start + i}", name=f"X{start + i}", community=community
        )
        GridAssignment.objects.create(
            grid_cell=cell,
            officer=owner,
            role=AssignmentRole.RESPONSIBLE,
            valid_from=AS_OF - timedelta(days=30),
        )
        point(cell, owner, likelihood=5, severity=4)
    compute(AS_OF - timedelta(days=7))
    compute()


@pytest.mark.parametrize(
    ("role", "url"),
    [
        ("chief_a1", lambda: reverse("register_list")),
        (
            "chief_a1",
            lambda: reverse("register_list") + "?level=red&sort=trend&category=public_order",
        ),
        ("chief_a1", lambda: reverse("register_cell", args=["A1-G1"])),
        ("chief_a1", lambda: reverse("register_rollups")),
        ("chief_a1", lambda: reverse("register_station", args=["PS-A1"])),
        ("staff_a", lambda: reverse("register_sub_bureau", args=["SB-A"])),
        ("staff_a", lambda: reverse("register_map_data")),
        ("admin", lambda: reverse("register_runs")),
        ("chief_a1", lambda: reverse("register-entry-list")),
        ("chief_a1", lambda: reverse("register-rollup-list")),
        ("chief_a1", lambda: reverse("register-sign-off-list")),
    ],
)
def test_pages_keep_a_fixed_number_of_queries(
    client_as, world, django_assert_max_num_queries, role, url
):
    register(world)
    client = client_as(role)
    _grow(world, 2)
    client.get(url())
    with django_assert_max_num_queries(20) as small:
        assert client.get(url()).status_code == 200
    _grow(world, 30)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url()).status_code == 200
