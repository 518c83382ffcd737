"""Every scoped page and API endpoint of every app, for every tier (see tests/access.py)."""

import pytest

from tests.access import ALL_ROLES, assert_anonymous_refused, assert_role_access, collect_endpoints

ENDPOINTS = collect_endpoints()


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_each_role_sees_exactly_its_own_area(client, world, endpoint):
    for role in ALL_ROLES:
        assert_role_access(client, world, endpoint, role)


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_anonymous_is_refused(client, world, endpoint):
    assert_anonymous_refused(client, world, endpoint)


def test_the_matrix_covers_every_app_with_endpoints():
    names = {endpoint.name for endpoint in ENDPOINTS}
    assert "page: grid cell detail" in names
    assert "api: grid cell list" in names
