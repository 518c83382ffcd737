"""The standard tags come from a data migration; a transactional test's flush removes them,
so the residents tests put them back before using the world."""

import pytest

from residents.standard_tags import ensure_standard_tags


@pytest.fixture
def world(world):
    ensure_standard_tags()
    return world


@pytest.fixture
def live_world(live_world):
    ensure_standard_tags()
    return live_world
