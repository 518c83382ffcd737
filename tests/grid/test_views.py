"""Portal pages: per-tier home figures, navigation, fixed query counts."""

from datetime import date

import pytest
from django.urls import reverse

from grid.models import AssignmentRole, Community, GridAssignment, GridCell, OfficerProfile
from grid.scoping import Tier

pytestmark = pytest.mark.django_db


def figures(response) -> dict:
    return response.context["summary"].__dict__


def test_home_shows_the_sub_bureau_figures_to_its_staff(client_as, world):
    response = client_as("staff_a").get(reverse("home"))
    assert response.status_code == 200
    summary = figures(response)
    assert summary["stations"] == 2
    assert summary["communities"] == 2
    assert summary["grid_cells"] == 4
    assert summary["households"] == 301 + 302 + 301 + 302
    # staff_a, chiefs of A1 and A2, officer_a1, officer_a1_other, worker_a1, officer_a2
    assert summary["officers"] == 7
    assert summary["cells_without_responsible"] == 1  # A2-G2
    body = response.content.decode()
    assert "PS-A1" in body and "PS-B1" not in body


def test_home_shows_the_station_figures_to_its_chief(client_as, world):
    response = client_as("chief_a1").get(reverse("home"))
    summary = figures(response)
    assert (summary["grid_cells"], summary["officers"], summary["cells_without_responsible"]) == (
        2,
        4,
        0,
    )


def test_home_lists_my_cells_for_a_community_officer(client_as, world):
    response = client_as("officer_a1").get(reverse("home"))
    summary = figures(response)
    assert summary["grid_cells"] == 1
    assert [cell.code for cell in response.context["my_cells"]] == ["A1-G1"]
    assert "A1-G2" not in response.content.decode()


def test_home_for_a_user_without_a_unit_says_so(client_as, world):
    response = client_as("no_profile").get(reverse("home"))
    assert response.status_code == 200
    assert figures(response)["grid_cells"] == 0
    assert "not tied to a unit" in response.content.decode()


def test_navigation_differs_by_tier(client_as, world):
    chief_nav = client_as("chief_a1").get(reverse("home")).context["nav_items"]
    assert "officer_list" in [item["url_name"] for item in chief_nav]
    officer_nav = client_as("officer_a1").get(reverse("home")).context["nav_items"]
    assert "officer_list" not in [item["url_name"] for item in officer_nav]


def test_grid_cell_detail_shows_the_assignment_history(client_as, world):
    response = client_as("chief_a1").get(reverse("grid_cell_detail", args=["A1-G1"]))
    assert response.status_code == 200
    history = response.context["history"]
    assert {a.officer.username for a in history} == {"officer_a1", "worker_a1"}
    assert 'id="cell-boundary"' in response.content.decode()


def test_grid_cell_list_filters(client_as, world):
    client = client_as("staff_a")
    url = reverse("grid_cell_list")
    cells = lambda response: [c.code for c in response.context["page"].object_list]  # noqa: E731
    assert cells(client.get(url, {"station": world.stations["A2"].pk})) == ["A2-G1", "A2-G2"]
    assert cells(client.get(url, {"unassigned": "on"})) == ["A2-G2"]
    assert cells(client.get(url, {"q": "A1-G2"})) == ["A1-G2"]
    # A station outside the user's scope is not an accepted choice.
    response = client.get(url, {"station": world.stations["B1"].pk})
    assert response.context["form"].errors["station"]


def test_grid_cell_list_htmx_returns_only_the_rows(client_as, world):
    response = client_as("chief_a1").get(reverse("grid_cell_list"), HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert '<nav class="navbar' not in body and "A1-G1" in body


def _grow(world, extra_cells: int):
    """More cells, communities and officers in station A1: page queries must not grow."""
    station = world.stations["A1"]
    community = Community.objects.create(
        code=f"C-A1-X{extra_cells}", name="扩展社区", station=station
    )
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    for n in range(extra_cells):
        cell = GridCell.objects.create(
            code=f"A1-X{extra_cells}-{n}", name=f"扩展{n}", community=community, household_count=n
        )
        officer = user_model.objects.create_user(username=f"x{extra_cells}-{n}")
        OfficerProfile.objects.create(user=officer, tier=Tier.COMMUNITY_OFFICER, station=station)
        GridAssignment.objects.create(
            grid_cell=cell,
            officer=officer,
            role=AssignmentRole.RESPONSIBLE,
            valid_from=date(2026, 1, 1),
        )


@pytest.mark.parametrize(
    "url_name,args",
    [
        ("home", []),
        ("grid_cell_list", []),
        ("station_list", []),
        ("station_detail", ["PS-A1"]),
        ("officer_list", []),
    ],
)
def test_pages_keep_a_fixed_number_of_queries(
    client_as, world, django_assert_max_num_queries, url_name, args
):
    client = client_as("chief_a1")
    url = reverse(url_name, args=args)
    _grow(world, 3)
    client.get(url)  # warm the session
    with django_assert_max_num_queries(16) as small:
        assert client.get(url).status_code == 200
    _grow(world, 40)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200


def test_officer_home_keeps_a_fixed_number_of_queries(
    client_as, world, django_assert_max_num_queries
):
    client = client_as("officer_a1")
    client.get(reverse("home"))
    with django_assert_max_num_queries(16) as small:
        client.get(reverse("home"))
    for code in ("A1-G2", "A2-G1"):
        cell = GridCell.objects.get(code=code)
        GridAssignment.objects.create(
            grid_cell=cell,
            officer=world.user("officer_a1"),
            role="grid_worker",
            valid_from=date(2026, 1, 1),
        )
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(reverse("home"))
    assert len(response.context["my_cells"]) == 3


def test_healthz_reports_database_and_cache(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "cache": "ok"}


@pytest.mark.parametrize(
    "url",
    [
        "/admin/grid/gridcell/?q=A1",
        "/admin/grid/station/?q=PS",
        "/admin/grid/community/?q=C-",
        "/admin/grid/subbureau/?q=SB",
        "/admin/grid/officerprofile/?q=officer",
        "/admin/grid/gridassignment/?q=A1-G1",
        "/admin/auth/user/?q=chief",
    ],
)
def test_admin_lists_are_searchable(client_as, world, url):
    assert client_as("admin").get(url).status_code == 200


def test_admin_user_page_edits_the_officer_profile(client_as, world):
    user = world.user("chief_a1")
    response = client_as("admin").get(f"/admin/auth/user/{user.pk}/change/")
    assert response.status_code == 200
    assert "officer_profile-0-tier" in response.content.decode()


def test_officers_do_not_reach_the_admin(client_as, world):
    response = client_as("chief_a1").get("/admin/")
    assert response.status_code == 302
